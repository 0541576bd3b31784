r"""Every network the book trains, in one place: the answer to "where is the critic?".

- :func:`mlp`: the perceptron of the WGAN-GP toy code; ``mlp(2, 2)`` is the toy generator
  :math:`G: \mathbb{R}^2 \to \mathbb{R}^2` and ``mlp(2, 1)`` the toy critic
  :math:`f: \mathbb{R}^2 \to \mathbb{R}` (chapters 1 to 5a);
- :func:`image_generator` and :func:`image_critic`: the same perceptrons on flattened images, the
  8x8 digits by default (chapter 5b), MNIST with ``shape=(1, 28, 28)``;
- :class:`ConditionalGenerator` and :class:`ConditionalCritic`: :math:`G(z, y)` and
  :math:`f(x, y)` with a class label :math:`y` (chapter 6).

No network here has BatchNorm: the gradient penalty is a sum of per-sample terms, and BatchNorm
makes the score of one sample depend on the others in its batch (Gulrajani et al., 2017, section
4). Every critic returns one raw score per sample (no sigmoid; the losses in :mod:`gantut.losses`
apply it where an objective needs it).

The one speed trick, behind a name: from width :data:`MASK_FORM_MIN_WIDTH` on, :func:`mlp` builds
``nn.ReLU`` and ``nn.LeakyReLU`` as their mask forms from :mod:`gantut.activations` (the same
function and derivatives, bit for bit, minus matrix products on zeros in every gradient penalty).
They print as the plain layer (``ReLU()``); ``mask_form=False`` builds PyTorch's own.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from gantut.activations import piecewise_linear

__all__ = [
    "MASK_FORM_MIN_WIDTH",
    "N_CLASSES",
    "IMAGE_SHAPE",
    "mlp",
    "image_generator",
    "image_critic",
    "one_hot",
    "ConditionalGenerator",
    "ConditionalCritic",
]

# From this width on, mlp builds ReLU / LeakyReLU in their mask forms (gantut.activations): the
# matrix products a gradient penalty no longer does on zeros outweigh the cost of an activation
# written in Python (the measurements are on the book's performance page).
MASK_FORM_MIN_WIDTH = 512
N_CLASSES = 10
IMAGE_SHAPE = (1, 8, 8)


def mlp(
    in_dim: int,
    out_dim: int,
    width: int = 512,
    depth: int = 3,
    activation: type[nn.Module] = nn.ReLU,
    spectral_norm: bool = False,
    layer_norm: bool = False,
    out_activation: nn.Module | None = None,
    mask_form: bool | None = None,
) -> nn.Sequential:
    r"""A ``depth``-hidden-layer perceptron: the generator and critic of the WGAN-GP toy code,

    .. math::  h_0 = x, \quad h_\ell = \sigma(W_\ell h_{\ell-1} + b_\ell)\ (\ell = 1..\text{depth}),
               \quad \text{out} = W_{\text{depth}+1} h_{\text{depth}} + b_{\text{depth}+1}.

    ``mlp(2, 2)`` is the toy generator and ``mlp(2, 1)`` the toy critic (3 hidden ReLU layers of
    width 512). ``spectral_norm`` wraps every Linear layer (Miyato et al., 2018); ``layer_norm``
    adds LayerNorm after each hidden Linear (the paper's substitute for BatchNorm in a critic).
    There is deliberately no BatchNorm option. ``mask_form`` (default: from width
    :data:`MASK_FORM_MIN_WIDTH` on) builds ReLU / LeakyReLU as :mod:`gantut.activations`' mask forms.

    >>> net = mlp(2, 1, width=4, depth=2)
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): ReLU()
      (2): Linear(in_features=4, out_features=4, bias=True)
      (3): ReLU()
      (4): Linear(in_features=4, out_features=1, bias=True)
    )
    >>> net(torch.zeros(3, 2)).shape
    torch.Size([3, 1])
    """
    make_activation: Callable[[], nn.Module] = activation
    fast = piecewise_linear(activation)
    if (width >= MASK_FORM_MIN_WIDTH if mask_form is None else mask_form) and fast is not activation:
        # in place: each activation follows a Linear or LayerNorm, whose backward never reads its output
        make_activation = partial(fast, inplace=True)
    layers: list[nn.Module] = []
    dims = [in_dim] + [width] * depth
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        lin = nn.Linear(d_in, d_out)
        layers.append(nn.utils.parametrizations.spectral_norm(lin) if spectral_norm else lin)
        if layer_norm:
            layers.append(nn.LayerNorm(d_out))
        layers.append(make_activation())
    last = nn.Linear(dims[-1], out_dim)
    layers.append(nn.utils.parametrizations.spectral_norm(last) if spectral_norm else last)
    if out_activation is not None:
        layers.append(out_activation)
    return nn.Sequential(*layers)


def image_generator(
    latent_dim: int = 32, width: int = 256, depth: int = 2, shape: tuple[int, ...] = IMAGE_SHAPE
) -> nn.Sequential:
    r"""An MLP generator :math:`G: \mathbb{R}^{d_z} \to [-1, 1]^{\text{shape}}`,

    .. math::  G(z) = \tanh(\mathrm{MLP}(z)) \text{ reshaped to } \text{shape}, \quad
               z \sim \mathcal{N}(0, I_{d_z})

    with ``depth`` hidden ReLU layers of ``width`` units; ``tanh`` matches the [-1, 1] range of the
    data. ``shape`` is ``(1, 8, 8)`` for the digits, ``(1, 28, 28)`` for MNIST.

    >>> image_generator()(torch.randn(5, 32)).shape
    torch.Size([5, 1, 8, 8])
    """
    net = nn.Sequential(
        mlp(latent_dim, math.prod(shape), width=width, depth=depth, out_activation=nn.Tanh()),
        nn.Unflatten(1, tuple(shape)),
    )
    net.latent_dim = latent_dim
    return net


def image_critic(
    width: int = 256, depth: int = 2, layer_norm: bool = False, shape: tuple[int, ...] = IMAGE_SHAPE
) -> nn.Sequential:
    r"""An MLP critic :math:`f: \mathbb{R}^{\text{shape}} \to \mathbb{R}` on the flattened pixels,
    one raw score per image.

    ``layer_norm=True`` normalises each sample on its own (Ba et al., 2016), the substitute for
    BatchNorm that Gulrajani et al. (2017) recommend.

    >>> image_critic()(torch.zeros(3, 1, 8, 8)).shape
    torch.Size([3, 1])
    """
    return nn.Sequential(
        nn.Flatten(), mlp(math.prod(shape), 1, width=width, depth=depth, layer_norm=layer_norm)
    )


def one_hot(labels: torch.Tensor, n_classes: int = N_CLASSES) -> torch.Tensor:
    """The float one-hot code ``[n, n_classes]`` of integer ``labels`` ``[n]``.

    >>> one_hot(torch.tensor([0, 2]), n_classes=3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = torch.as_tensor(labels)
    if labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D tensor [n], got shape {tuple(labels.shape)}")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return F.one_hot(labels.long(), n_classes).float()


class ConditionalGenerator(nn.Module):
    r""":math:`G(z, y) = \tanh(\mathrm{MLP}([z; e_y]))`, reshaped to ``shape``, where :math:`e_y`
    is the one-hot code of the label (Mirza and Osindero, 2014).

    ``forward(z, labels)`` takes ``z`` ``[n, latent_dim]`` and ``labels`` ``[n]`` and returns
    ``[n, *shape]`` images in [-1, 1].

    >>> G = ConditionalGenerator()
    >>> G(torch.randn(4, 32), torch.tensor([0, 1, 2, 3])).shape
    torch.Size([4, 1, 8, 8])
    """

    def __init__(self, latent_dim: int = 32, width: int = 256, depth: int = 2,
                 shape: tuple[int, ...] = IMAGE_SHAPE, n_classes: int = N_CLASSES):
        super().__init__()
        self.latent_dim, self.n_classes, self.shape = latent_dim, n_classes, tuple(shape)
        self.net = mlp(latent_dim + n_classes, math.prod(shape), width=width, depth=depth,
                       out_activation=nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.n_classes).to(z.device)
        return self.net(torch.cat([z, code], dim=1)).view(-1, *self.shape)


class ConditionalCritic(nn.Module):
    r"""A conditional critic :math:`f(x, y)`, one raw score per image; ``forward(x, labels)`` takes
    images ``[n, *shape]`` and labels ``[n]`` and returns ``[n, 1]``.

    ``projection=False``: the label is concatenated to the pixels,
    :math:`f(x, y) = \mathrm{MLP}([\operatorname{vec}(x); e_y])` (Mirza and Osindero, 2014).

    ``projection=True`` (the default): a projection critic (Miyato and Koyama, 2018),

    .. math::  f(x, y) = w^\top \phi(x) + b + v_y^\top \phi(x)

    where :math:`\phi` is an MLP on the pixels and :math:`v_y` a learned vector per class: the
    label selects a direction in feature space, so it acts on every feature rather than being
    one of 74 inputs.

    >>> ConditionalCritic()(torch.zeros(2, 1, 8, 8), torch.tensor([3, 7])).shape
    torch.Size([2, 1])
    """

    def __init__(self, width: int = 256, depth: int = 2, shape: tuple[int, ...] = IMAGE_SHAPE,
                 n_classes: int = N_CLASSES, projection: bool = True):
        super().__init__()
        self.n_classes, self.projection = n_classes, projection
        if projection:
            self.features = mlp(math.prod(shape), width, width=width, depth=depth - 1)
            self.out = nn.Linear(width, 1)
            self.embed = nn.Embedding(n_classes, width)
            nn.init.zeros_(self.embed.weight)
        else:
            self.net = mlp(math.prod(shape) + n_classes, 1, width=width, depth=depth)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.n_classes).to(x.device)
        if not self.projection:
            return self.net(torch.cat([x.flatten(1), code], dim=1))
        h = torch.relu(self.features(x.flatten(1)))
        return self.out(h) + (code @ self.embed.weight * h).sum(dim=1, keepdim=True)
