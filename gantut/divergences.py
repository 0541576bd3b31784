r"""The divergences of the original GAN, computed exactly for 1-D densities and discrete laws.

Chapter 1 checks the theory of Goodfellow et al. (2014) with numbers: for a fixed generator the
best discriminator is

.. math::

    D^*(x) = \frac{p_r(x)}{p_r(x) + p_g(x)},

and plugging it into the value function gives

.. math::

    V(D^*, G) = 2\,\mathrm{JS}(p_r \Vert p_g) - \log 4 .

Every function here takes a distribution in one of two forms:

- **densities on a grid**: ``p`` holds the density values :math:`p(x_i)` at increasing points
  ``x``; integrals use the trapezoid rule on that grid, so the grid must cover the mass and be
  fine enough for the density (the functions check that each density integrates to 1);
- **discrete laws** (``x=None``): ``p`` holds the probabilities of atoms shared by both laws, and
  integrals are sums. Two laws with different atoms are written on the union of the atoms, with
  zeros where a law puts no mass.

Conventions: :math:`0 \log 0 = 0` and :math:`a \log(a/0) = +\infty` for :math:`a > 0`; ``log`` is
the natural logarithm (results in nats).

References:
    Goodfellow et al., *Generative Adversarial Nets*, NeurIPS 2014 (Proposition 1, Theorem 1).
    Arjovsky and Bottou, *Towards Principled Methods for Training GANs*, ICLR 2017.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.integrate import trapezoid

__all__ = [
    "kl_divergence",
    "js_divergence",
    "optimal_discriminator",
    "gan_value",
    "gaussian_pdf",
]

_MASS_TOL = 1e-6


def _array(v: Any, name: str) -> np.ndarray:
    if hasattr(v, "detach"):  # a torch tensor
        v = v.detach().cpu().numpy()
    a = np.asarray(v, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of density values or probabilities, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf")
    return a


def _integrate(values: np.ndarray, x: np.ndarray | None) -> float:
    return float(values.sum() if x is None else trapezoid(values, x))


def _laws(p: Any, q: Any, x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Check two distributions given as densities on the grid ``x`` or as probability vectors."""
    p, q = _array(p, "p"), _array(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same length, got {len(p)} and {len(q)}")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("densities and probabilities cannot be negative")
    if x is not None:
        x = _array(x, "x")
        if x.shape != p.shape:
            raise ValueError(f"x must have one point per density value: {len(x)} points, {len(p)} values")
        if not (np.diff(x) > 0).all():
            raise ValueError("the grid x must be strictly increasing")
    for name, d in (("p", p), ("q", q)):
        mass = _integrate(d, x)
        if abs(mass - 1.0) > _MASS_TOL:
            where = "integrates" if x is not None else "sums"
            hint = " (widen or refine the grid)" if x is not None else ""
            raise ValueError(f"{name} {where} to {mass:.8f}, not 1{hint}")
    return p, q, x


def _xlogy_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pointwise :math:`a \\log(a/b)` with :math:`0 \\log(0/b) = 0` and :math:`a \\log(a/0) = +\\infty`."""
    out = np.zeros_like(a)
    pos = a > 0
    with np.errstate(divide="ignore"):
        out[pos] = a[pos] * (np.log(a[pos]) - np.log(b[pos]))
    return out


def kl_divergence(p: Any, q: Any, x: Any = None) -> float:
    r"""Kullback-Leibler divergence

    .. math::

        \mathrm{KL}(p \Vert q) = \int p(x) \log \frac{p(x)}{q(x)} \, dx
        \qquad \Big(\text{discrete: } \sum_i p_i \log \frac{p_i}{q_i}\Big).

    It is :math:`+\infty` as soon as :math:`p` puts mass where :math:`q` has none.

    Args:
        p, q: density values on the grid ``x``, or (``x=None``) probability vectors, shape ``[n]``.
        x: increasing grid points, shape ``[n]``, or ``None`` for discrete laws.

    Returns:
        A float in :math:`[0, +\infty]` (nats). On a grid, where the density :math:`q` is zero
        at a grid point where :math:`p` is not, the result is ``inf``.

    >>> kl_divergence([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> kl_divergence([1.0, 0.0], [0.0, 1.0])
    inf
    """
    p, q, x = _laws(p, q, x)
    terms = _xlogy_ratio(p, q)
    if np.isinf(terms).any():
        return float("inf")
    return max(_integrate(terms, x), 0.0)


def js_divergence(p: Any, q: Any, x: Any = None) -> float:
    r"""Jensen-Shannon divergence

    .. math::

        \mathrm{JS}(p \Vert q) = \tfrac12 \mathrm{KL}(p \Vert m) + \tfrac12 \mathrm{KL}(q \Vert m),
        \qquad m = \tfrac12 (p + q).

    It is symmetric, always finite, and lies in :math:`[0, \log 2]`; it equals :math:`\log 2`
    exactly when :math:`p` and :math:`q` have disjoint supports.

    Args:
        p, q: density values on the grid ``x``, or (``x=None``) probability vectors, shape ``[n]``.
        x: increasing grid points, shape ``[n]``, or ``None`` for discrete laws.

    Returns:
        A float in :math:`[0, \log 2]` (nats).

    >>> js_divergence([1.0, 0.0], [0.0, 1.0]) == float(np.log(2))
    True
    """
    p, q, x = _laws(p, q, x)
    m = 0.5 * (p + q)
    value = 0.5 * _integrate(_xlogy_ratio(p, m), x) + 0.5 * _integrate(_xlogy_ratio(q, m), x)
    return float(min(max(value, 0.0), np.log(2)))


def optimal_discriminator(p_r: Any, p_g: Any) -> np.ndarray:
    r"""The discriminator that maximises :math:`V(D, G)` for a fixed generator,

    .. math::

        D^*(x) = \frac{p_r(x)}{p_r(x) + p_g(x)}
        \qquad \text{(Goodfellow et al., 2014, Proposition 1).}

    Pointwise, :math:`a \log y + b \log(1 - y)` with :math:`a, b \ge 0` is maximised over
    :math:`y \in (0, 1)` at :math:`y = a / (a + b)`. Where both densities vanish the value is
    arbitrary (it carries no weight in :math:`V`); we return :math:`1/2` there.

    Args:
        p_r, p_g: density values (or probabilities) of the real and generated laws, shape ``[n]``.

    Returns:
        ``ndarray[n]`` of values in :math:`[0, 1]`.

    >>> optimal_discriminator([1.0, 0.0, 0.0], [1.0, 1.0, 0.0]).tolist()
    [0.5, 0.0, 0.5]
    """
    p_r, p_g = _array(p_r, "p_r"), _array(p_g, "p_g")
    if p_r.shape != p_g.shape:
        raise ValueError(f"p_r and p_g must have the same length, got {len(p_r)} and {len(p_g)}")
    total = p_r + p_g
    out = np.full_like(total, 0.5)
    pos = total > 0
    out[pos] = p_r[pos] / total[pos]
    return out


def gan_value(D: Callable[[np.ndarray], np.ndarray] | Any, p_r: Any, p_g: Any, x: Any = None) -> float:
    r"""The GAN value function of a discriminator given by its values on the grid,

    .. math::

        V(D, G) = \int p_r(x) \log D(x) \, dx + \int p_g(x) \log\big(1 - D(x)\big) \, dx ,

    the first line of Goodfellow et al. (2014) with :math:`\mathbb{E}_{z \sim p_z} \log(1 -
    D(G(z)))` written as an integral over :math:`p_g`. With :math:`D = D^*` it equals
    :math:`2\,\mathrm{JS}(p_r \Vert p_g) - \log 4` (their Theorem 1).

    Args:
        D: the discriminator's values :math:`D(x_i) \in [0, 1]`, shape ``[n]`` (or a callable
            applied to ``x``).
        p_r, p_g: density values on the grid ``x``, or (``x=None``) probability vectors.
        x: increasing grid points, shape ``[n]``, or ``None`` for discrete laws.

    Returns:
        A float in :math:`[-\infty, 0]`; ``-inf`` when :math:`D = 0` where :math:`p_r > 0` (or
        :math:`D = 1` where :math:`p_g > 0`).

    >>> gan_value([0.5, 0.5], [0.5, 0.5], [0.5, 0.5]) == -float(np.log(4))
    True
    """
    p_r, p_g, x = _laws(p_r, p_g, x)
    if callable(D):
        if x is None:
            raise ValueError("a callable D needs the grid x to be evaluated on")
        D = D(x)
    D = _array(D, "D")
    if D.shape != p_r.shape:
        raise ValueError(f"D must have one value per grid point: {len(D)} values, {len(p_r)} points")
    if (D < 0).any() or (D > 1).any():
        raise ValueError("a discriminator's values are probabilities in [0, 1]")
    # p log D with the convention 0 log 0 = 0: a point without mass contributes nothing
    with np.errstate(divide="ignore"):
        real_term = np.where(p_r > 0, p_r * np.log(np.where(p_r > 0, D, 1.0)), 0.0)
        fake_term = np.where(p_g > 0, p_g * np.log(np.where(p_g > 0, 1.0 - D, 1.0)), 0.0)
    terms = real_term + fake_term
    if np.isneginf(terms).any():
        return float("-inf")
    return _integrate(terms, x)


def gaussian_pdf(x: Any, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    r"""The normal density with mean :math:`\mu` = ``mean`` and standard deviation :math:`s` =
    ``std`` at the points ``x``,

    .. math::

        \mathcal{N}(x; \mu, s^2) = \frac{1}{s\sqrt{2\pi}} \, e^{-(x - \mu)^2 / (2 s^2)} .

    At the mean of the standard normal it is :math:`1/\sqrt{2\pi} = 0.398942\ldots`:

    >>> round(float(gaussian_pdf(0.0)), 6)
    0.398942
    """
    if not std > 0:
        raise ValueError(f"std must be positive, got {std!r}")
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
