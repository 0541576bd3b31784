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
    above ``center`` are penalised, :math:`\max(0, \lVert\nabla f\rVert - c)^2` (WGAN-LP,
    Petzka et al., 2018).

    The inputs are detached, so the penalty trains the critic and never the generator; the
    gradient is built with ``create_graph=True`` so that the penalty is differentiable in the
    critic's parameters. Multiply by :math:`\lambda` (10 in the paper) yourself.

    Returns:
        a scalar tensor.
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
    r"""The R1 penalty (Mescheder et al., 2018): :math:`\mathbb{E}_{x \sim p_r}
    \lVert \nabla_x f(x) \rVert^2`, on real data only. Multiply by :math:`\gamma / 2` yourself."""
    x = real.detach().requires_grad_(True)
    return _grad_norms(critic, x, create_graph=True).pow(2).mean()


@torch.no_grad()
def clip_weights_(module: nn.Module, c: float) -> None:
    r"""Clamp every parameter of ``module`` into :math:`[-c, c]`, in place (Arjovsky et al., 2017).

    Clipping bounds the Lipschitz constant only crudely (by a product of norms that depends on c
    and the widths), and it is not a gradient penalty: it restricts the *weights*, not the
    gradient of the function. Call it after the optimizer step.
    """
    if not c > 0:
        raise ValueError(f"the clip value c must be positive, got {c}")
    for p in module.parameters():
        p.clamp_(-c, c)


def spectral_norm(module: nn.Module) -> nn.Module:
    """Wrap a layer with PyTorch's spectral normalisation (Miyato et al., 2018), W / sigma(W)."""
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
    a ``ValueError``: their constant is not the norm of a weight matrix.
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
    """
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        return _grad_norms(critic, x, create_graph=False).detach()


# --------------------------------------------------------------------------------------------
# critics alone, against a fixed generator (chapter 4)
# --------------------------------------------------------------------------------------------
def train_critic(
    critic: nn.Module,
    sample_real,
    sample_fake,
    *,
    constraint: str = "gp",
    penalty_weight: float = 10.0,
    clip_value: float = 0.01,
    objective: str = "wgan",
    steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    seed: int | None = None,
) -> dict[str, list[float]]:
    r"""Train ``critic`` alone against a fixed generated distribution, to compare constraints.

    Each step draws fresh batches ``sample_real(batch_size)`` and ``sample_fake(batch_size)``
    and takes one Adam step on

    .. math::

        \mathcal{L}_f = \mathbb{E}_{\tilde x}[f(\tilde x)] - \mathbb{E}_{x}[f(x)]
                        + \lambda\, \mathrm{penalty}

    (the ``"wgan"`` objective; any kind of :func:`gantut.losses.critic_loss` works). The
    ``constraint`` is ``"gp"`` (:func:`gradient_penalty`), ``"lp"`` (one-sided), ``"r1"``
    (:func:`r1_penalty`), ``"clip"`` (:func:`clip_weights_` after every step) or ``"none"``; a
    spectrally normalised critic (``gantut.train.mlp(..., spectral_norm=True)``) uses ``"none"``.
    This is the critic half of :func:`gantut.train.train_gan` with the generator frozen.

    Returns:
        ``{"gap": [...], "penalty": [...]}``, per step: :math:`\frac1m\sum f(x_i) -
        \frac1m\sum f(\tilde x_i)` on the step's batches (before the step) and the penalty before
        its weight.
    """
    from gantut.losses import critic_loss

    if constraint not in ("none", "gp", "lp", "clip", "r1"):
        raise ValueError(f"unknown constraint {constraint!r}; choose none, gp, lp, clip or r1")
    if steps < 0 or batch_size < 1:
        raise ValueError("steps must be >= 0 and batch_size >= 1")
    if seed is not None:
        torch.manual_seed(seed)
    device = next(critic.parameters()).device
    opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=betas)
    out: dict[str, list[float]] = {"gap": [], "penalty": []}
    for _ in range(steps):
        real = sample_real(batch_size).to(device)
        fake = sample_fake(batch_size).to(device)
        real_scores, fake_scores = critic(real), critic(fake)
        if constraint in ("gp", "lp"):
            pen = gradient_penalty(critic, real, fake, one_sided=constraint == "lp")
        elif constraint == "r1":
            pen = r1_penalty(critic, real)
        else:
            pen = torch.zeros((), device=device)
        loss = critic_loss(objective, real_scores.squeeze(-1), fake_scores.squeeze(-1))
        loss = loss + penalty_weight * pen
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if constraint == "clip":
            clip_weights_(critic, clip_value)
        gap = (real_scores.mean() - fake_scores.mean()).item()
        if not torch.isfinite(loss).item():
            raise ValueError(
                f"the critic's loss became {loss.item()} after {len(out['gap'])} steps; lower lr "
                f"(now {lr}) or use a stronger constraint (now {constraint!r})"
            )
        out["gap"].append(gap)
        out["penalty"].append(pen.item())
    return out


def layer_gradient_norms(critic: nn.Module, x: torch.Tensor) -> list[float]:
    r"""How strongly the critic's output reacts to each layer: for every ``nn.Linear`` layer
    :math:`l` (input side first), the mean over the samples of
    :math:`\lVert \partial f(x) / \partial z_l \rVert`, where :math:`z_l = W_l h_{l-1} + b_l` is
    that layer's output.

    This is the signal backpropagation carries down to layer :math:`l` (the gradient of every
    weight of the layer is it times the layer's input). It is 1 at the last layer of a critic with
    one output. With weight clipping it grows or shrinks geometrically with the distance from the
    output (Figure 1(b) of Gulrajani et al., 2017); a gradient penalty keeps it level.
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


__all__ += ["train_critic", "layer_gradient_norms"]
