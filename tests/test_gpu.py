"""The same code on CUDA. Skipped where there is no GPU (CI never needs one)."""

import pytest
import torch

from gantut.data import toy
from gantut.lipschitz import gradient_penalty
from gantut.networks import mlp
from gantut.train import toy_evaluator, train_gan
from gantut.utils import choose_device

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here"),
]


def test_auto_picks_cuda():
    assert choose_device("auto").type == "cuda"


def test_penalty_on_cuda_matches_cpu():
    torch.manual_seed(0)
    critic = mlp(2, 1, width=32)
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    cpu = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(1))
    gpu = gradient_penalty(critic.cuda(), real.cuda(), fake.cuda(), generator=torch.Generator().manual_seed(1))
    assert gpu.item() == pytest.approx(cpu.item(), rel=1e-4)


def test_training_runs_on_cuda_with_cpu_evaluation():
    t = toy("8gaussians")
    G, C = mlp(2, 2, width=32).cuda(), mlp(2, 1, width=32).cuda()
    g = torch.Generator().manual_seed(0)
    h = train_gan(G, C, lambda n: t.sample(n, generator=g), iterations=5, batch_size=64,
                  evaluate=toy_evaluator(t, n=100), eval_every=5)
    assert h.eval_iteration == [5]
