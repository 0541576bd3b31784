r"""Making and measuring 1-Lipschitz critics.

A function :math:`f` is K-Lipschitz when :math:`|f(x) - f(y)| \le K \lVert x - y \rVert` for all
x, y. The Kantorovich-Rubinstein duality asks for K = 1; this module has the ways to get there
(gradient penalty, one-sided penalty, R1, weight clipping) and the ways to measure K (an upper
bound from spectral norms, a lower bound from gradient norms).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "gradient_penalty",
    "r1_penalty",
    "clip_weights_",
    "spectral_norm",
    "power_iteration",
    "spectral_norm_bound",
    "gradient_norms",
]

# Activations whose Lipschitz constant is at most 1, so they do not enter the product bound.
_ONE_LIPSCHITZ = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.Softplus, nn.Identity)


def _grad_norms(critic: nn.Module, x: torch.Tensor, create_graph: bool) -> torch.Tensor:
    """Per-sample :math:`\\lVert \\nabla_x f(x) \\rVert_2`, the norm over all non-batch dims."""
    scores = critic(x)
    if scores.numel() != x.shape[0]:
        raise ValueError(
            f"the critic must return one score per sample ([n] or [n, 1]), got {tuple(scores.shape)}"
        )
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=create_graph)
    # a tiny constant keeps the derivative of the norm finite where the gradient is exactly 0
    return torch.sqrt(grad.flatten(1).pow(2).sum(dim=1) + 1e-12)


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    center: float = 1.0,
    one_sided: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""The WGAN-GP gradient penalty (Gulrajani et al., 2017, eq. 3).

    .. math::

        \hat x = \epsilon x + (1 - \epsilon) \tilde x, \quad \epsilon \sim U[0, 1], \qquad
        \mathrm{GP} = \mathbb{E}_{\hat x}\big[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - c)^2\big]

    with one :math:`\epsilon` per sample (not per pixel, not Gaussian), :math:`x` real,
    :math:`\tilde x` generated and :math:`c` = ``center``. The norm runs over all non-batch
    dimensions, so image batches ``[n, C, H, W]`` are handled. With ``one_sided=True`` only norms
    above ``center`` are penalised, :math:`\max(0, \lVert\nabla f\rVert - c)^2`: the one-sided
    penalty, defined and tested by Gulrajani et al. (2017, Sec. 4 and App. C) and argued for by
    Petzka et al. (2018), who call it WGAN-LP.

    The inputs are detached, so the penalty trains the critic and never the generator; the
    gradient is built with ``create_graph=True`` so that the penalty is differentiable in the
    critic's parameters. Multiply by :math:`\lambda` (10 in the paper) yourself.

    Args:
        critic: a module returning one score per sample (``[n]`` or ``[n, 1]``).
        real, fake: batches of the same shape ``[n, ...]``.
        center: the target norm :math:`c`.
        one_sided: penalise only norms above ``center``.
        generator: a ``torch.Generator`` for :math:`\epsilon` (default: the global one).

    Returns:
        a scalar tensor.

    A linear critic :math:`f(x) = w^\top x` with :math:`w = (3, 4)` has gradient norm 5
    everywhere, so the penalty is :math:`(5 - 1)^2 = 16` whatever :math:`\epsilon`:

    >>> critic = nn.Linear(2, 1)  # set its weight to w = (3, 4) and its bias to 0:
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, 4.0, 0.0]), critic.parameters())
    >>> real, fake = torch.zeros(8, 2), torch.ones(8, 2)
    >>> gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(0)).item()
    16.0

    References:
        Gulrajani, Ahmed, Arjovsky, Dumoulin and Courville (2017), *Improved Training of
        Wasserstein GANs*, NeurIPS 30; Petzka, Fischer and Lukovnikov (2018), *On the
        regularization of Wasserstein GANs*, ICLR.
    """
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake batches must have the same shape, got {tuple(real.shape)} and "
            f"{tuple(fake.shape)}; draw as many fake samples as real ones"
        )
    if real.ndim < 2 or real.shape[0] == 0:
        raise ValueError(f"expected a batch [n, ...] with n >= 1, got shape {tuple(real.shape)}")
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)  # one weight per sample, broadcast
    eps = torch.rand(shape, generator=generator, dtype=real.dtype).to(real.device)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    excess = _grad_norms(critic, x_hat, create_graph=True) - center
    if one_sided:
        excess = excess.clamp(min=0)
    return excess.pow(2).mean()


def r1_penalty(critic: nn.Module, real: torch.Tensor) -> torch.Tensor:
    r"""The R1 penalty (Mescheder et al., 2018), on real data only:

    .. math::

        R_1 = \mathbb{E}_{x \sim p_r} \lVert \nabla_x f(x) \rVert_2^2 .

    Multiply by :math:`\gamma / 2` yourself. Returns a scalar tensor, differentiable in the
    critic's parameters.

    A linear critic with :math:`w = (3, 4)` has :math:`\lVert \nabla f \rVert^2 = 25` everywhere:

    >>> critic = nn.Linear(2, 1)  # set its weight to w = (3, 4) and its bias to 0:
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, 4.0, 0.0]), critic.parameters())
    >>> r1_penalty(critic, torch.zeros(8, 2)).item()
    25.0

    References:
        Mescheder, Geiger and Nowozin (2018), *Which Training Methods for GANs do actually
        Converge?*, ICML.
    """
    x = real.detach().requires_grad_(True)
    return _grad_norms(critic, x, create_graph=True).pow(2).mean()


@torch.no_grad()
def clip_weights_(module: nn.Module, c: float) -> None:
    r"""Clamp every parameter of ``module`` into :math:`[-c, c]`, in place (Arjovsky et al., 2017).

    Clipping bounds the Lipschitz constant only crudely (by a product of norms that depends on c
    and the widths), and it is not a gradient penalty: it restricts the *weights*, not the
    gradient of the function. Call it after the optimizer step.

    .. math::

        \theta \leftarrow \min(\max(\theta, -c), c) \quad \text{for every parameter entry } \theta

    >>> layer = nn.Linear(2, 1)
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, -0.5, -2.0]), layer.parameters())
    >>> clip_weights_(layer, 1.0)
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[1.0, -0.5]], [-1.0])

    References:
        Arjovsky, Chintala and Bottou (2017), *Wasserstein Generative Adversarial Networks*, ICML.
    """
    if not c > 0:
        raise ValueError(f"the clip value c must be positive, got {c}")
    for p in module.parameters():
        p.clamp_(-c, c)


def spectral_norm(module: nn.Module) -> nn.Module:
    r"""Wrap a layer with PyTorch's spectral normalisation (Miyato et al., 2018):

    .. math::

        W_{\mathrm{SN}} = W / \sigma_1(W),

    with :math:`\sigma_1(W)` estimated by one step of power iteration per forward pass in
    training mode (``torch.nn.utils.parametrizations.spectral_norm``). The layer is changed in
    place and returned.

    The row :math:`w = (3, 4)` has :math:`\sigma_1 = 5`, so it becomes :math:`(0.6, 0.8)`:

    >>> layer = nn.Linear(2, 1)
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, 4.0, 0.0]), layer.parameters())
    >>> layer = spectral_norm(layer)
    >>> [round(w, 6) for w in layer.weight[0].tolist()]
    [0.6, 0.8]

    References:
        Miyato, Kataoka, Koyama and Yoshida (2018), *Spectral Normalization for Generative
        Adversarial Networks*, ICLR.
    """
    return nn.utils.parametrizations.spectral_norm(module)


@torch.no_grad()
def power_iteration(
    weight: torch.Tensor, n_iter: int = 50, generator: torch.Generator | None = None
) -> float:
    r"""Estimate the largest singular value :math:`\sigma_1(W)` by power iteration.

    .. math::

        v \leftarrow \frac{W^\top u}{\lVert W^\top u \rVert}, \quad
        u \leftarrow \frac{W v}{\lVert W v \rVert}, \qquad \sigma_1 \approx u^\top W v

    Convolution kernels are reshaped to ``[out, in * k * k]`` (the bound Miyato et al. use).

    Args:
        weight: a ``[out, in]`` matrix (or a convolution kernel).
        n_iter: the number of iterations.
        generator: a ``torch.Generator`` for the random start (default: the global one).

    Returns:
        the estimate, a float.

    The largest singular value of a diagonal matrix is its largest absolute entry:

    >>> w = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    >>> round(power_iteration(w, generator=torch.Generator().manual_seed(0)), 6)
    4.0
    """
    w = weight.detach().flatten(1) if weight.ndim > 2 else weight.detach()
    if w.ndim != 2:
        raise ValueError(f"power_iteration needs a matrix, got shape {tuple(weight.shape)}")
    u = torch.randn(w.shape[0], generator=generator, dtype=w.dtype).to(w.device)
    u = u / u.norm()
    for _ in range(n_iter):
        v = w.T @ u
        v = v / (v.norm() + 1e-12)
        u = w @ v
        u = u / (u.norm() + 1e-12)
    return float(u @ w @ v)


@torch.no_grad()
def spectral_norm_bound(module: nn.Module) -> float:
    r"""Upper bound on the Lipschitz constant of an MLP: :math:`\prod_l \sigma_1(W_l)`.

    Valid for a feed-forward stack of ``nn.Linear`` layers and 1-Lipschitz activations (ReLU,
    LeakyReLU with slope <= 1, tanh, ...). Other layers (BatchNorm, LayerNorm, convolutions) raise
    a ``ValueError``: their constant is not the norm of a weight matrix. ``nn.ELU`` is counted as
    1-Lipschitz, which holds only for ``alpha <= 1`` (the default is 1): its ``alpha`` is not
    checked. Each :math:`\sigma_1` is computed exactly (an SVD), not by power iteration.

    A ReLU network with weights :math:`\operatorname{diag}(2, 3)` and :math:`(3, 4)` is at most
    :math:`3 \times 5 = 15`-Lipschitz:

    >>> first, last = nn.Linear(2, 2), nn.Linear(2, 1)
    >>> weights = torch.tensor([2.0, 0.0, 0.0, 3.0, 0.0, 0.0])  # diag(2, 3), then a zero bias
    >>> nn.utils.vector_to_parameters(weights, first.parameters())
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, 4.0, 0.0]), last.parameters())
    >>> round(spectral_norm_bound(nn.Sequential(first, nn.ReLU(), last)), 6)
    15.0
    """
    def leaves(m: nn.Module):
        if isinstance(m, nn.Linear) or not list(m.children()):
            yield m  # a Linear layer is a leaf even when it carries a spectral-norm parametrisation
        else:
            for child in m.children():
                yield from leaves(child)

    bound, n_linear = 1.0, 0
    for layer in leaves(module):
        if isinstance(layer, nn.Linear):
            bound *= float(torch.linalg.matrix_norm(layer.weight.detach(), ord=2))
            n_linear += 1
        elif isinstance(layer, nn.LeakyReLU) and abs(layer.negative_slope) > 1:
            raise ValueError("LeakyReLU with |slope| > 1 is not 1-Lipschitz")
        elif not isinstance(layer, _ONE_LIPSCHITZ):
            raise ValueError(
                f"spectral_norm_bound handles Linear layers and 1-Lipschitz activations, not "
                f"{type(layer).__name__}; bound that layer separately"
            )
    if n_linear == 0:
        raise ValueError("the module has no nn.Linear layer to bound")
    return bound


def gradient_norms(critic: nn.Module, x: torch.Tensor) -> torch.Tensor:
    r"""Per-sample gradient norms :math:`\lVert \nabla_x f(x) \rVert_2`, a ``FloatTensor[n]``.

    Their maximum over any set of points is a lower bound on the Lipschitz constant of ``f``.
    Nothing is differentiable in the result (it is for measuring, not training).

    A linear critic with :math:`w = (3, 4)` has gradient norm 5 at every point:

    >>> critic = nn.Linear(2, 1)  # set its weight to w = (3, 4) and its bias to 0:
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, 4.0, 0.0]), critic.parameters())
    >>> gradient_norms(critic, torch.zeros(3, 2)).tolist()
    [5.0, 5.0, 5.0]
    """
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        return _grad_norms(critic, x, create_graph=False).detach()


# --------------------------------------------------------------------------------------------
# what clipping does to a deep critic (chapter 4)
# --------------------------------------------------------------------------------------------
def layer_gradient_norms(critic: nn.Module, x: torch.Tensor) -> list[float]:
    r"""How strongly the critic's output reacts to each layer: for every ``nn.Linear`` layer
    :math:`l` (input side first), the mean over the samples of
    :math:`\lVert \partial f(x) / \partial z_l \rVert`, where :math:`z_l = W_l h_{l-1} + b_l` is
    that layer's output.

    This is the signal backpropagation carries down to layer :math:`l` (the gradient of every
    weight of the layer is it times the layer's input). It is 1 at the last layer of a critic with
    one output. With weight clipping it grows or shrinks geometrically with the distance from the
    output (Figure 1(b) of Gulrajani et al., 2017); a gradient penalty keeps it level.

    Returns:
        a list of floats, one per ``nn.Linear`` layer, input side first.

    In a linear critic whose last layer is :math:`w = (3, 4)`, the signal is 1 at the output
    layer and :math:`\lVert w \rVert = 5` at the layer below:

    >>> critic = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    >>> nn.utils.vector_to_parameters(torch.tensor([3.0, 4.0, 0.0]), critic[1].parameters())
    >>> layer_gradient_norms(critic, torch.zeros(3, 2))
    [5.0, 1.0]
    """
    layers = [m for m in critic.modules() if isinstance(m, nn.Linear)]
    if not layers:
        raise ValueError("the critic has no nn.Linear layer")
    outputs: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for m in layers]
    try:
        with torch.enable_grad():
            scores = critic(x.detach())
            if scores.numel() != x.shape[0]:
                raise ValueError(f"the critic must return one score per sample, got {tuple(scores.shape)}")
            grads = torch.autograd.grad(scores.sum(), outputs, allow_unused=True)
    finally:
        for h in hooks:
            h.remove()
    # in float64: squaring gradients of 1e-20 would underflow float32 (and be flushed to zero)
    return [0.0 if g is None else float(g.double().flatten(1).norm(dim=1).mean()) for g in grads]


__all__ += ["layer_gradient_norms"]
