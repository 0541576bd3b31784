r"""ReLU and LeakyReLU written so that the gradient penalty does no wasted work.

A piecewise-linear activation :math:`\sigma(x) = x \, m(x)` has a piecewise-constant slope
:math:`m(x) = 1` for :math:`x > 0` and :math:`m(x) = a` (the negative slope; 0 for ReLU) otherwise,
so its second derivative is zero wherever it exists. The gradient penalty differentiates the
critic's input gradient :math:`\nabla_x f = W_1^\top m_1 \odot (W_2^\top m_2 \odot \cdots)` once
more with respect to the weights, and only the weights enter: the masks :math:`m_\ell` are
constants.

PyTorch's own ``nn.ReLU`` and ``nn.LeakyReLU`` do not tell autograd so: the backward of their
backward returns an explicit tensor of zeros for the forward input, and autograd then multiplies
those zeros back through every layer. For the book's 3-hidden-layer critic, 6 of the penalty's 21
matrix products (4 of them the large width x width ones) multiply zeros, about an eighth of a
WGAN-GP iteration at width 512. The classes here compute the same function and the same first and
second derivatives (bit for bit: the zeros they skip only ever added exact zeros), but their
backward reads the input as a constant, so nothing flows back through the mask.

The price is an autograd function written in Python, a few microseconds a call: in small networks
that costs more than the skipped products save. :func:`gantut.networks.mlp` therefore uses these
classes for ``nn.ReLU`` and ``nn.LeakyReLU`` from width 512 on (``MASK_FORM_MIN_WIDTH``). They
subclass the PyTorch modules, so ``isinstance(layer, nn.ReLU)`` still holds, and honour
``inplace=True`` as they do (``mlp`` uses it: the layer before is always a Linear or LayerNorm,
whose backward does not need its output). They print as the plain layer (``ReLU()``), since they
compute the same function: a printed network reads as the network the book describes.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ReLU", "LeakyReLU", "piecewise_linear"]


class _LeakyReLUFunction(torch.autograd.Function):
    r"""Forward and backward as PyTorch computes them; the backward reads the mask as a constant.

    With ``inplace`` (and a slope >= 0) the input is overwritten by the output and the backward reads
    the mask off the output instead: :math:`\sigma(x) > 0` exactly where :math:`x > 0`, so the
    gradients are the same, and one tensor the size of the layer is neither written nor kept."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, negative_slope: float, inplace: bool) -> torch.Tensor:
        ctx.negative_slope = negative_slope
        ctx.is_result = inplace and negative_slope >= 0
        if ctx.is_result:
            y = torch.nn.functional.leaky_relu_(x, negative_slope)
            ctx.mark_dirty(y)
            ctx.save_for_backward(y)
            return y
        ctx.save_for_backward(x)
        return torch.nn.functional.leaky_relu(x, negative_slope)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (saved,) = ctx.saved_tensors
        # .detach(): the slope m(x) is piecewise constant, so no gradient flows back through it
        mask_times_grad = torch.ops.aten.leaky_relu_backward(
            grad, saved.detach(), ctx.negative_slope, ctx.is_result
        )
        return mask_times_grad, None, None


class ReLU(nn.ReLU):
    r""":math:`\max(x, 0)`, whose backward treats the indicator :math:`[x > 0]` as a constant."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _LeakyReLUFunction.apply(x, 0.0, self.inplace)

    def extra_repr(self) -> str:
        return ""  # prints as ``ReLU()``: the same function as the network the text describes


class LeakyReLU(nn.LeakyReLU):
    r""":math:`x` for :math:`x > 0` and :math:`a x` otherwise (:math:`a` = ``negative_slope``), whose
    backward treats the slope :math:`m(x) \in \{1, a\}` as a constant."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _LeakyReLUFunction.apply(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"  # as LeakyReLU prints, without the speed detail


def piecewise_linear(activation: type[nn.Module]) -> type[nn.Module]:
    """The mask form of ``nn.ReLU`` or ``nn.LeakyReLU``; any other activation is returned unchanged."""
    return {nn.ReLU: ReLU, nn.LeakyReLU: LeakyReLU}.get(activation, activation)
