import pytest
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from gantut.activations import LeakyReLU, ReLU, piecewise_linear
from gantut.lipschitz import gradient_penalty
from gantut.networks import mlp


@pytest.mark.parametrize("ours, theirs", [(ReLU(), nn.ReLU()), (LeakyReLU(0.2), nn.LeakyReLU(0.2)),
                                          (LeakyReLU(), nn.LeakyReLU())])
def test_same_values_and_gradients_as_pytorch(ours, theirs):
    x = torch.randn(64, 8, requires_grad=True)
    (g_ours,) = torch.autograd.grad(ours(x).pow(2).sum(), x)
    (g_theirs,) = torch.autograd.grad(theirs(x).pow(2).sum(), x)
    assert torch.equal(ours(x), theirs(x))
    assert torch.equal(g_ours, g_theirs)


@pytest.mark.parametrize("ours, theirs, overwrites", [
    (ReLU(inplace=True), nn.ReLU(), True),
    (LeakyReLU(0.2, inplace=True), nn.LeakyReLU(0.2), True),
    (LeakyReLU(-0.5, inplace=True), nn.LeakyReLU(-0.5), False),
])
def test_in_place_forms_overwrite_their_input_and_keep_the_gradients(ours, theirs, overwrites):
    x = torch.randn(64, 8, requires_grad=True)
    h = x * 1.0  # a non-leaf, as the output of a Linear is
    y = ours(h)
    assert torch.equal(y, theirs(x))
    # a slope >= 0 keeps the sign, so the output carries the mask and the input is overwritten;
    # a negative slope flips it, and then the activation quietly works out of place
    assert (y.data_ptr() == h.data_ptr()) == overwrites
    (g_ours,) = torch.autograd.grad(y.pow(2).sum(), x)
    (g_theirs,) = torch.autograd.grad(theirs(x).pow(2).sum(), x)
    assert torch.equal(g_ours, g_theirs)


def with_mask_forms(critic: nn.Sequential, inplace: bool = False) -> nn.Sequential:
    """The same critic (shared layers) with PyTorch's ReLU / LeakyReLU swapped for the mask forms."""
    swap = {nn.ReLU: lambda m: ReLU(inplace), nn.LeakyReLU: lambda m: LeakyReLU(m.negative_slope, inplace)}
    return nn.Sequential(*[swap[type(m)](m) if type(m) in swap else m for m in critic])


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("activation", [nn.ReLU, nn.LeakyReLU])
def test_gradient_penalty_gradients_are_unchanged(activation, inplace):
    torch.manual_seed(0)
    theirs = mlp(2, 1, width=32, activation=activation)
    ours = with_mask_forms(theirs, inplace)
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    grads = []
    for critic in (ours, theirs):
        torch.manual_seed(1)  # the same interpolation weights
        gp = gradient_penalty(critic, real, fake)
        params = list(critic.parameters())
        grads.append([torch.zeros_like(p) if g is None else g
                      for p, g in zip(params, torch.autograd.grad(gp, params, allow_unused=True))])
    # (the biases only move the masks, so the penalty does not depend on them: ours returns None
    # for them, PyTorch's activations a tensor of zeros)
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-6)


class MatmulFlops(TorchDispatchMode):
    """Counts the flops of every matrix product run inside it, the backward passes included."""

    flops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket in (torch.ops.aten.mm, torch.ops.aten.addmm):
            a, b = args[-2:]
            self.flops += 2 * a.shape[0] * a.shape[1] * b.shape[1]
        return func(*args, **(kwargs or {}))


def penalty_flops(critic: nn.Module, n: int) -> int:
    real, fake = torch.randn(n, 2), torch.randn(n, 2)
    with MatmulFlops() as counter:
        gradient_penalty(critic, real, fake).backward()
    return counter.flops


def test_the_penalty_does_only_the_matrix_products_it_needs():
    # 3 hidden layers of width w on n points: forward n(2w^2 + 3w) multiply-adds, the input gradient
    # n(2w^2 + 3w), its derivative in the weights n(4w^2 + 5w); 2 flops per multiply-add.
    n, w = 16, 32
    critic = mlp(2, 1, width=w)
    assert penalty_flops(with_mask_forms(critic), n) == 2 * n * (8 * w * w + 11 * w)
    assert penalty_flops(with_mask_forms(critic, inplace=True), n) == 2 * n * (8 * w * w + 11 * w)
    # PyTorch's nn.ReLU also sends its zero second derivative back through every layer
    assert penalty_flops(critic, n) > 2 * n * (8 * w * w + 11 * w)


def test_mlp_uses_the_mask_forms_from_width_512_and_they_still_count_as_relus():
    wide = mlp(2, 1, width=512, activation=nn.LeakyReLU)
    acts = [m for m in wide if isinstance(m, nn.LeakyReLU)]
    assert len(acts) == 3 and all(type(m) is LeakyReLU and m.inplace for m in acts)
    narrow = mlp(2, 1, width=256)  # below, the Python-level activation costs about what it saves
    assert [type(m) for m in narrow if isinstance(m, nn.ReLU)] == [nn.ReLU] * 3
    assert isinstance(ReLU(), nn.ReLU)
    assert piecewise_linear(nn.Tanh) is nn.Tanh
