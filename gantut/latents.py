r"""The latent space and what a continuous generator can do with it (chapter 5c).

A generator :math:`G` pushes a latent distribution forward. Fed :math:`z \sim N(0, I_d)`, a
connected space, a continuous :math:`G` has a connected image, so between two separated modes it
must put some mass: how much at least, for an :math:`L`-Lipschitz :math:`G`, is
:func:`isoperimetric_share_bound`. What a trained generator's local Lipschitz constant is, and
which samples come from its steep parts, is :func:`jacobians` and :func:`jacobian_norms`. The
remedies the chapter measures: a disconnected latent (:func:`mixture_latent`), rejection by the
Jacobian norm, by a real-vs-generated classifier (:func:`density_ratio_accept`) or by the critic's
score, and moving samples along the critic (:func:`refine`).

Every sampler here has the signature ``latent(n, generator=None) -> Tensor[n, d]``, which
:func:`gantut.train.train_gan` and :func:`gantut.train.toy_evaluator` accept as ``latent=``.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

__all__ = ["gaussian_latent", "mixture_latent", "one_hot_centers", "isoperimetric_share_bound",
           "lipschitz_needed", "jacobians", "jacobian_norms", "keep_smallest", "density_ratio_accept",
           "refine"]

Latent = Callable[..., torch.Tensor]


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _phi_inv(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


def gaussian_latent(dim: int) -> Latent:
    r"""The usual latent :math:`z \sim N(0, I_{\text{dim}})` as a sampler.

    >>> gaussian_latent(3)(5).shape
    torch.Size([5, 3])
    """
    if dim < 1:
        raise ValueError(f"dim must be at least 1, got {dim}")

    def sample(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, dim, generator=generator)

    return sample


def one_hot_centers(k: int, scale: float) -> torch.Tensor:
    r"""``k`` centres :math:`c_j = s\, e_j` in :math:`\mathbb{R}^k`: pairwise :math:`s\sqrt2` apart.

    >>> one_hot_centers(2, 3.0)
    tensor([[3., 0.],
            [0., 3.]])
    """
    if k < 1 or not scale > 0:
        raise ValueError(f"need k >= 1 and scale > 0, got k={k}, scale={scale}")
    return scale * torch.eye(k)


def mixture_latent(centers: torch.Tensor, std: float = 1.0) -> Latent:
    r"""A disconnected latent: an equal-weight mixture of Gaussians (DeLiGAN, Gurumurthy et al.
    2017, learns the means and widths; here they are fixed),

    .. math::  z = c_J + \text{std}\cdot\epsilon, \qquad J \sim \text{Uniform}\{1..k\},\;
               \epsilon \sim N(0, I_d).

    With the components far apart (in units of ``std``), almost no latent mass lies between them,
    so a continuous generator can send each to its own mode without passing through the gap.
    ``sample.centers`` keeps the centres and ``sample.component(z)`` says which one each row is
    nearest.

    >>> sample = mixture_latent(one_hot_centers(2, 100.0), std=1.0)
    >>> z = sample(1000, generator=torch.Generator().manual_seed(0))
    >>> z.shape, sorted(set(sample.component(z).tolist()))
    (torch.Size([1000, 2]), [0, 1])
    """
    c = torch.as_tensor(centers, dtype=torch.float32)
    if c.ndim != 2 or len(c) < 1:
        raise ValueError(f"centers must be a [k, d] tensor, got shape {tuple(c.shape)}")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")

    def sample(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        j = torch.randint(len(c), (n,), generator=generator)
        return c[j] + std * torch.randn(n, c.shape[1], generator=generator)

    sample.centers = c
    sample.component = lambda z: torch.cdist(z.detach().cpu().float(), c).argmin(1)
    return sample


def isoperimetric_share_bound(m: int, distance: float, lipschitz: float) -> float:
    r"""The largest share of samples an :math:`L`-Lipschitz generator fed :math:`z \sim N(0, I_d)`
    (any :math:`d`) can put on :math:`m` sets pairwise at least :math:`D` apart, with equal mass on
    each:

    .. math::  \text{share} \le m\, \Phi\!\big(\Phi^{-1}(1/m) - D/(2L)\big).

    The preimages :math:`A_j = G^{-1}(B_j)` are at least :math:`D/L` apart, so their
    :math:`D/(2L)`-enlargements are disjoint; Gaussian isoperimetry (Sudakov and Tsirelson 1974;
    Borell 1975) gives each enlargement measure at least :math:`\Phi(\Phi^{-1}(\gamma(A_j)) + D/(2L))`,
    and these add to at most 1. For two modes it is :math:`2\Phi(-D/(2L))`, reached by a clipped
    linear generator of a 1-D latent; for more modes it holds but is not reached in general.
    (Chapter 5c writes :math:`N`, :math:`\Delta` and :math:`K` for ``m``, ``distance`` and
    ``lipschitz``.)

    >>> round(isoperimetric_share_bound(2, 2.0, 1.0), 4)  # 2 Phi(-1)
    0.3173
    >>> isoperimetric_share_bound(8, 1.0, float("inf"))   # an unbounded slope: no limit
    1.0
    """
    if m < 1 or distance < 0 or not lipschitz > 0:
        raise ValueError(f"need m >= 1, distance >= 0, lipschitz > 0; got {m}, {distance}, {lipschitz}")
    if m == 1:
        return 1.0
    return min(1.0, m * _phi(_phi_inv(1.0 / m) - distance / (2.0 * lipschitz)))


def lipschitz_needed(m: int, distance: float, share: float) -> float:
    r"""The smallest Lipschitz constant for which :func:`isoperimetric_share_bound` allows ``share``:
    :math:`L = D / \big(2(\Phi^{-1}(1/m) - \Phi^{-1}(\text{share}/m))\big)`.

    >>> L = lipschitz_needed(2, 2.0, 0.3173)
    >>> round(L, 3), round(isoperimetric_share_bound(2, 2.0, L), 4)
    (1.0, 0.3173)
    """
    if m < 2 or not 0 < share < 1:
        raise ValueError(f"need m >= 2 and 0 < share < 1, got m={m}, share={share}")
    return distance / (2.0 * (_phi_inv(1.0 / m) - _phi_inv(share / m)))


def jacobians(generator: nn.Module, z: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    r"""The Jacobian :math:`J(z) = \partial G(z) / \partial z` at every row of ``z``:
    ``[n, out, d]``, by one backward pass per output coordinate (cheap for the 2-D toys).
    Rows must not interact (no BatchNorm): :math:`\sum_i G(z_i)_k` then has gradient
    :math:`J(z_i)_{k,:}` at row :math:`i`.

    >>> G = nn.Linear(2, 2, bias=False)
    >>> with torch.no_grad(): _ = G.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> jacobians(G, torch.zeros(3, 2))[0]
    tensor([[1., 2.],
            [3., 4.]])
    """
    out = []
    for start in range(0, len(z), chunk):
        zc = z[start:start + chunk].detach().clone().requires_grad_(True)
        x = generator(zc).flatten(1)
        rows = [torch.autograd.grad(x[:, k].sum(), zc, retain_graph=k + 1 < x.shape[1])[0]
                for k in range(x.shape[1])]
        out.append(torch.stack(rows, 1))
    return torch.cat(out)


def jacobian_norms(generator: nn.Module, z: torch.Tensor, ord: str | int = "fro") -> torch.Tensor:
    r""":math:`\lVert J(z)\rVert` per row: ``"fro"`` (Frobenius, the score of Jacobian-based
    rejection, Tanielian et al. 2020) or ``2`` (the largest singular value: the local Lipschitz
    constant, whose maximum over latents is a lower estimate of :math:`G`'s Lipschitz constant).

    For :math:`G(z) = Az` with :math:`A = \mathrm{diag}(3, 4)`: Frobenius 5, spectral 4.

    >>> G = nn.Linear(2, 2, bias=False)
    >>> with torch.no_grad(): _ = G.weight.copy_(torch.diag(torch.tensor([3.0, 4.0])))
    >>> jacobian_norms(G, torch.zeros(1, 2)).item(), jacobian_norms(G, torch.zeros(1, 2), ord=2).item()
    (5.0, 4.0)
    """
    if ord not in ("fro", 2):
        raise ValueError(f"ord must be 'fro' or 2, got {ord!r}")
    return torch.linalg.matrix_norm(jacobians(generator, z), ord=ord)


def keep_smallest(score: torch.Tensor, fraction: float) -> torch.Tensor:
    r"""The boolean mask of the :math:`\mathrm{round}(\text{fraction} \cdot n)` smallest scores:
    rejection by a score, e.g. :func:`jacobian_norms` (keep the flattest samples) or minus a
    critic's score. Ties are broken by position (a piecewise-linear network has the same Jacobian
    on each of its linear pieces), so the kept share is exact.

    >>> keep_smallest(torch.tensor([3.0, 1.0, 1.0, 2.0]), 0.5).tolist()
    [False, True, True, False]
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    keep = torch.zeros(len(score), dtype=torch.bool)
    keep[torch.sort(score.detach().flatten().cpu(), stable=True).indices[:round(fraction * len(score))]] = True
    return keep


def density_ratio_accept(logits: torch.Tensor, cap: torch.Tensor | float,
                         generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Rejection sampling with a classifier's density ratio (discriminator rejection sampling,
    Azadi et al. 2019). A classifier trained to tell real (label 1) from generated (label 0) with
    the logistic loss has, at its optimum, logit :math:`h(x) = \log p_r(x)/p_g(x)`; keeping a
    generated :math:`x` with probability

    .. math::  \min\big(1, e^{h(x) - M}\big)

    turns :math:`p_g` into :math:`p_r` when :math:`M \ge \max h` (and into something between the
    two when the cap :math:`M` is lower). Returns the boolean mask of kept samples.

    >>> keep = density_ratio_accept(torch.tensor([0.0, -50.0, 3.0]), cap=0.0)
    >>> keep.tolist()  # probability 1, e^-50, 1
    [True, False, True]
    """
    p = torch.exp(torch.clamp(logits.detach().flatten() - cap, max=0.0))
    return torch.rand(p.shape, generator=generator) < p


def refine(critic: nn.Module, x: torch.Tensor, steps: int = 100, lr: float = 0.01,
           k: float = 1.0) -> torch.Tensor:
    r"""Move generated samples along the critic (discriminator optimal transport, Tanaka 2019):
    from each :math:`x`, gradient descent on

    .. math::  y \mapsto \lVert y - x \rVert_2 - f(y) / k,

    with :math:`k` the critic's Lipschitz constant (estimated by the largest slope between sample
    pairs in Tanaka's code). The distance term keeps each sample near where it started; the
    critic term pulls it uphill, towards the real data. Adam with ``lr`` for ``steps`` steps (the
    step size and count of Tanaka's 2-D demonstration, whose Adam has betas (0, 0.9); ours keeps
    PyTorch's defaults).

    A critic :math:`f(y) = 2 y_1` with :math:`k = 1` pulls harder than the distance holds:

    >>> f = nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad(): _ = f.weight.copy_(torch.tensor([[2.0, 0.0]]))
    >>> y = refine(f, torch.zeros(1, 2), steps=10, lr=0.1)
    >>> bool(y[0, 0] > 0.5), abs(y[0, 1].item()) < 1e-6
    (True, True)
    """
    x0 = x.detach()
    y = x0.clone().requires_grad_(True)
    opt = torch.optim.Adam([y], lr=lr)
    for _ in range(steps):
        # the norm's gradient at y = x0 is undefined: a tiny offset inside the square root
        dist = torch.sqrt(((y - x0) ** 2).sum(1) + 1e-12)
        loss = (dist - critic(y).flatten() / k).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return y.detach()
