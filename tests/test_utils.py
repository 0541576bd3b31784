import pytest
import torch

from gantut.utils import choose_device, configure_threads, seed_everything, setup


def test_threads_follow_the_argument():
    assert configure_threads(1) == 1 and torch.get_num_threads() == 1


def test_auto_device_is_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert choose_device("auto").type == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_missing_cuda_says_what_to_do():
    with pytest.raises(ValueError, match='DEVICE="auto"'):
        choose_device("cuda")


def test_seeding_reproduces_draws():
    seed_everything(3)
    a = torch.rand(3)
    setup(seed=3, device="cpu")
    assert torch.equal(a, torch.rand(3))
