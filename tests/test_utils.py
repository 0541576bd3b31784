import platform

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


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_tune_malloc_keeps_freed_megabytes_for_the_next_step():
    import resource

    from gantut.utils import tune_malloc

    def page_faults(cycles: int = 20) -> int:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(cycles):  # a step's worth of 1 MB tensors, then all freed
            held = [torch.ones(1 << 18) for _ in range(8)]
            del held
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    assert tune_malloc()
    page_faults()
    # glibc's default hands the 8 MB back each cycle and faults them in again (about 2000 pages a
    # cycle here); kept, they are reused
    assert page_faults() < 200
