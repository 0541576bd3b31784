"""Distances between distributions, exact and estimated, and sample-quality measures.

The distances take samples as ``[n, d]`` arrays (NumPy or PyTorch; a 1-D array is read as
``[n, 1]``) and return a Python float. Bad input raises a ``ValueError`` that says what to do.
Every public function's docstring ends with a small example whose answer can be checked by hand;
``tests/test_doctests.py`` runs them.

Conventions the book insists on:

- :func:`wasserstein` returns :math:`W_p` itself, never :math:`W_p^p`. (``ot.emd2`` returns the
  optimal *cost*, and ``ot.dist`` defaults to the *squared* Euclidean cost, so
  ``ot.emd2(a, b, ot.dist(x, y))`` is :math:`W_2^2`, not :math:`W_1`.)
- :func:`frechet_distance` returns the squared Frechet distance, the number FID reports.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import ot
import torch

__all__ = [
    "ModeStatistics",
    "mode_statistics",
    "wasserstein",
    "optimal_coupling",
    "exact_ot_memory_gb",
    "wasserstein_1d",
    "sliced_wasserstein",
    "sinkhorn_wasserstein",
    "gaussian_w2",
    "sqrtm_psd",
    "mode_coverage",
    "frechet_distance",
    "precision_recall",
    "MAX_EXACT_OT_GB",
]

#: Default memory ceiling for exact OT. The network simplex holds the n x m cost matrix, the plan
#: and its graph; :func:`exact_ot_memory_gb` estimates the total. Raise it with ``max_memory_gb``.
MAX_EXACT_OT_GB = 4.0
_BYTES_PER_PAIR = 48  # cost (8) + plan (8) + network-simplex arcs (~32), measured order of magnitude


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
def _points(x: Any, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be a [n, d] array of n points in d dimensions, got shape {x.shape}; "
            "flatten images first, e.g. x.reshape(len(x), -1)"
        )
    if len(x) == 0:
        raise ValueError(f"{name} is empty: pass at least one point")
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).any(axis=1).sum())
        raise ValueError(
            f"{name} has {bad} point(s) with NaN or inf; a diverged generator produces these. "
            "Drop them or fix the run before measuring a distance"
        )
    return x


def _pair(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = _points(x, "x"), _points(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"x and y live in different dimensions: x is [{x.shape[0]}, {x.shape[1]}] and "
            f"y is [{y.shape[0]}, {y.shape[1]}]; both must be [n, d] with the same d"
        )
    return x, y


def _weights(w: Any, n: int, name: str) -> np.ndarray:
    if w is None:
        return np.full(n, 1.0 / n)
    if isinstance(w, torch.Tensor):
        w = w.detach().cpu().numpy()
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"{name} must hold one weight per point: shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{name} must be finite and non-negative; got min {np.nanmin(w)}")
    if abs(w.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"{name} must sum to 1 (a probability vector), but sums to {w.sum():.6g}; "
            f"divide by its sum: {name} = {name} / {name}.sum()"
        )
    return w


def _check_p(p: float) -> None:
    if not p >= 1:
        raise ValueError(f"p must be at least 1 (W_p is a metric for p >= 1), got {p}")


def exact_ot_memory_gb(n: int, m: int) -> float:
    r"""Estimated memory, in GB, that exact OT between ``n`` and ``m`` points needs.

    .. math::

        \text{memory} = 48 \, n m \ \text{bytes}

    (per pair of points: 8 for the cost, 8 for the plan, about 32 for the network simplex's arcs;
    an order of magnitude, measured). :func:`wasserstein` refuses problems above ``max_memory_gb``.

    >>> exact_ot_memory_gb(1000, 1000)  # 48 bytes x 10^6 pairs
    0.048
    """
    return _BYTES_PER_PAIR * n * m / 1e9


def _check_size(n: int, m: int, max_memory_gb: float) -> None:
    need = exact_ot_memory_gb(n, m)
    if need > max_memory_gb:
        raise ValueError(
            f"exact OT between {n} and {m} points needs about {need:.1f} GB "
            f"(limit max_memory_gb={max_memory_gb:g}); subsample both sets, use "
            "gantut.metrics.sliced_wasserstein(x, y) (memory linear in n), or raise max_memory_gb "
            "if this machine has the memory"
        )


def _exact_ot(x, y, p, a, b, max_memory_gb) -> tuple[float, np.ndarray, dict]:
    """Validate the input and solve exact OT with cost ``||x_i - y_j||^p``.

    Returns ``(cost, plan, log)``: the optimal cost (W_p^p), the coupling and POT's log, which holds
    the dual potentials ``u`` and ``v``. Refuses problems too big for memory and answers that did
    not reach the optimum, rather than return a wrong number.
    """
    _check_p(p)
    x, y = _pair(x, y)
    _check_size(len(x), len(y), max_memory_gb)
    a, b = _weights(a, len(x), "a"), _weights(b, len(y), "b")
    cost = ot.dist(x, y, metric="euclidean") ** p  # Euclidean ground cost, raised to p
    n_iter = max(100_000, 50 * len(x) * len(y))
    plan, log = ot.emd(a, b, cost, numItermax=n_iter, log=True)
    if log.get("result_code") != 1:  # 1 == OPTIMAL in POT's network simplex
        raise ValueError(
            f"exact OT did not reach the optimum ({log.get('warning')}); the answer would be "
            "wrong. Subsample the points or use sliced_wasserstein"
        )
    return float(max(log["cost"], 0.0)), plan, log


# --------------------------------------------------------------------------------------------
# exact optimal transport
# --------------------------------------------------------------------------------------------
def wasserstein(
    x: Any,
    y: Any,
    p: float = 1,
    a: Any = None,
    b: Any = None,
    max_memory_gb: float = MAX_EXACT_OT_GB,
) -> float:
    r"""Exact p-Wasserstein distance between two weighted point clouds, with POT.

    .. math::

        W_p(\mu, \nu) = \Big( \min_{\gamma \in \Pi(a, b)} \sum_{i,j} \gamma_{ij}
                        \, \lVert x_i - y_j \rVert_2^p \Big)^{1/p},
        \qquad \Pi(a, b) = \{\gamma \ge 0 : \gamma 1 = a,\ \gamma^\top 1 = b\}

    Args:
        x: ``[n, d]`` points of the first distribution.
        y: ``[m, d]`` points of the second.
        p: the order, ``p >= 1``.
        a, b: weights summing to 1 (default: uniform).
        max_memory_gb: refuse (with a ``ValueError``) problems whose estimated memory exceeds this.

    Returns:
        :math:`W_p` itself (not :math:`W_p^p`).

    >>> wasserstein([[0.0, 0.0]], [[3.0, 4.0]])
    5.0
    >>> wasserstein([[0.0, 0.0]], [[3.0, 4.0]], p=2)
    5.0

    References:
        Villani (2009), *Optimal Transport: Old and New*; Flamary et al. (2021), POT, JMLR 22(78).
    """
    return _exact_ot(x, y, p, a, b, max_memory_gb)[0] ** (1.0 / p)


def optimal_coupling(
    x: Any,
    y: Any,
    p: float = 1,
    a: Any = None,
    b: Any = None,
    max_memory_gb: float = MAX_EXACT_OT_GB,
) -> tuple[float, np.ndarray]:
    r"""Return ``(W_p, gamma)``: the exact distance and an optimal coupling ``gamma`` of shape
    ``[n, m]``, whose row sums are ``a`` and column sums ``b``.

    .. math::

        \gamma \in \arg\min_{\gamma \in \Pi(a, b)} \sum_{i,j} \gamma_{ij}
            \, \lVert x_i - y_j \rVert_2^p

    For uniform weights and ``n == m`` an optimal ``gamma`` can be taken to be a permutation matrix
    divided by ``n`` (Birkhoff-von Neumann), and the network simplex returns one. The arguments are
    those of :func:`wasserstein`.

    Two points each, 0 and 10 against 11 and 1: each point moves to its neighbour, a distance of 1,
    so the plan pairs 0 with 1 and 10 with 11 (the anti-diagonal), each with mass 1/2:

    >>> w, gamma = optimal_coupling([[0.0], [10.0]], [[11.0], [1.0]])
    >>> w, gamma.tolist()
    (1.0, [[0.0, 0.5], [0.5, 0.0]])
    """
    cost, plan, _ = _exact_ot(x, y, p, a, b, max_memory_gb)
    return cost ** (1.0 / p), plan


# --------------------------------------------------------------------------------------------
# one dimension, and the sliced distance built on it
# --------------------------------------------------------------------------------------------
def _wasserstein_1d_pow(u: np.ndarray, v: np.ndarray, p: float) -> float:
    """W_p^p between two 1-D empirical measures with uniform weights, via quantile functions."""
    u, v = np.sort(u), np.sort(v)
    n, m = len(u), len(v)
    if n == m:
        return float(np.mean(np.abs(u - v) ** p))
    levels = np.union1d(np.arange(1, n + 1) / n, np.arange(1, m + 1) / m)
    widths = np.diff(levels, prepend=0.0)
    qu = u[np.minimum(np.ceil(levels * n - 1e-9).astype(int) - 1, n - 1)]
    qv = v[np.minimum(np.ceil(levels * m - 1e-9).astype(int) - 1, m - 1)]
    return float(np.sum(widths * np.abs(qu - qv) ** p))


def wasserstein_1d(u: Any, v: Any, p: float = 1) -> float:
    r"""Exact :math:`W_p` between two 1-D samples with uniform weights, by sorting.

    .. math::

        W_p(\mu, \nu)^p = \int_0^1 \lvert F_\mu^{-1}(t) - F_\nu^{-1}(t) \rvert^p \, dt,
        \quad\text{which for } n = m \text{ is } \frac1n \sum_i \lvert u_{(i)} - v_{(i)} \rvert^p

    where :math:`u_{(i)}` is the i-th smallest value. Returns :math:`W_p`, not :math:`W_p^p`
    (``ot.wasserstein_1d`` returns :math:`W_p^p`).

    >>> wasserstein_1d([0.0, 1.0], [2.0, 3.0])
    2.0
    """
    _check_p(p)
    u, v = _pair(u, v)
    if u.shape[1] != 1:
        raise ValueError(f"wasserstein_1d takes 1-D samples, got dimension {u.shape[1]}")
    return _wasserstein_1d_pow(u[:, 0], v[:, 0], p) ** (1.0 / p)


def sliced_wasserstein(
    x: Any, y: Any, p: float = 1, n_projections: int = 256, seed: int = 0
) -> float:
    r"""Monte Carlo sliced p-Wasserstein distance.

    .. math::

        SW_p(\mu, \nu) = \Big( \int_{S^{d-1}} W_p^p(\theta_\# \mu, \theta_\# \nu)\, d\sigma(\theta)
                         \Big)^{1/p}

    averaged over ``n_projections`` directions drawn uniformly on the sphere with ``seed``. It
    needs memory linear in the number of points and is a lower bound on :math:`W_p`
    (:math:`SW_p \le W_p`), not an estimate of it.

    In one dimension every direction is :math:`\pm 1`, so :math:`SW_p = W_p` there; and a set is
    at distance 0 from itself:

    >>> sliced_wasserstein([[0.0], [1.0]], [[2.0], [3.0]])
    2.0
    >>> sliced_wasserstein([[0.0, 1.0], [2.0, 3.0]], [[0.0, 1.0], [2.0, 3.0]])
    0.0

    References:
        Bonneel, Rabin, Peyre and Pfister (2015), *Sliced and Radon Wasserstein Barycenters of
        Measures*, Journal of Mathematical Imaging and Vision 51(1).
    """
    _check_p(p)
    x, y = _pair(x, y)
    if n_projections < 1:
        raise ValueError(f"n_projections must be positive, got {n_projections}")
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal((x.shape[1], n_projections))
    theta /= np.linalg.norm(theta, axis=0, keepdims=True)
    px, py = x @ theta, y @ theta
    if len(x) == len(y):
        total = np.mean(np.abs(np.sort(px, axis=0) - np.sort(py, axis=0)) ** p, axis=0).mean()
    else:
        total = np.mean([_wasserstein_1d_pow(px[:, k], py[:, k], p) for k in range(n_projections)])
    return float(total) ** (1.0 / p)


def sinkhorn_wasserstein(x: Any, y: Any, p: float = 1, reg: float = 0.05) -> float:
    r"""Entropic OT estimate of :math:`W_p` (Cuturi, 2013) with POT's log-domain Sinkhorn.

    .. math::

        \gamma_\varepsilon = \arg\min_{\gamma \in \Pi(a, b)}
            \langle \gamma, C \rangle - \varepsilon H(\gamma), \qquad
        C_{ij} = \lVert x_i - y_j \rVert^p, \qquad \varepsilon = \mathtt{reg} \cdot
            \operatorname{mean}(C),

    with uniform weights :math:`a, b` and the entropy :math:`H(\gamma) = -\sum_{ij} \gamma_{ij}
    \log \gamma_{ij}`. It returns :math:`\langle \gamma_\varepsilon, C \rangle^{1/p}`, which is at
    least :math:`W_p` (the blurred plan is still a coupling, up to Sinkhorn's stopping tolerance
    on the marginals) and approaches it as ``reg`` goes to 0. ``reg`` is relative to the mean
    cost, so it does not depend on the scale of the data. A ``RuntimeWarning`` says when Sinkhorn
    did not converge.

    With one point on each side the only coupling moves all the mass, so the estimate is exact:

    >>> round(sinkhorn_wasserstein([[0.0, 0.0]], [[3.0, 4.0]]), 6)
    5.0

    References:
        Cuturi (2013), *Sinkhorn Distances: Lightspeed Computation of Optimal Transport*,
        NeurIPS 26.
    """
    _check_p(p)
    x, y = _pair(x, y)
    _check_size(len(x), len(y), MAX_EXACT_OT_GB * 4)
    cost = ot.dist(x, y, metric="euclidean") ** p
    a, b = np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y))
    plan = ot.sinkhorn(a, b, cost, reg * cost.mean(), method="sinkhorn_log", numItermax=2000,
                       stopThr=1e-9, warn=False)
    marginal_error = float(np.abs(plan.sum(axis=1) - a).sum() + np.abs(plan.sum(axis=0) - b).sum())
    if marginal_error > 1e-3:
        warnings.warn(
            f"Sinkhorn stopped after 2000 iterations with marginal error {marginal_error:.1e}; the "
            "value is not reliable. Use a larger reg, or exact wasserstein() at this size",
            RuntimeWarning,
            stacklevel=2,
        )
    return float(np.sum(plan * cost)) ** (1.0 / p)


# --------------------------------------------------------------------------------------------
# Gaussians and the Frechet distance
# --------------------------------------------------------------------------------------------
def sqrtm_psd(c: np.ndarray) -> np.ndarray:
    r"""The symmetric square root of a positive semi-definite matrix, by eigendecomposition.

    .. math::  C = V \operatorname{diag}(\lambda) V^\top \ \Rightarrow\
               C^{1/2} = V \operatorname{diag}(\sqrt{\max(\lambda, 0)}) V^\top

    ``c`` is symmetrised first, and the small negative eigenvalues of rounding are clipped to 0, so
    the result is real and symmetric (``scipy.linalg.sqrtm`` can leave imaginary parts).

    >>> sqrtm_psd(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    vals, vecs = np.linalg.eigh((c + c.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


_sqrtm_psd = sqrtm_psd


def _gaussian_w2_squared(m1, c1, m2, c2) -> float:
    m1, m2 = np.atleast_1d(np.asarray(m1, float)), np.atleast_1d(np.asarray(m2, float))
    c1, c2 = np.atleast_2d(np.asarray(c1, float)), np.atleast_2d(np.asarray(c2, float))
    d = len(m1)
    if m2.shape != (d,) or c1.shape != (d, d) or c2.shape != (d, d):
        raise ValueError(
            f"shapes do not match: m1 {m1.shape}, C1 {c1.shape}, m2 {m2.shape}, C2 {c2.shape}; "
            "means must be [d] and covariances [d, d] with the same d"
        )
    for name, arr in (("m1", m1), ("C1", c1), ("m2", m2), ("C2", c2)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or inf")
    s2 = _sqrtm_psd(c2)
    cross = _sqrtm_psd(s2 @ c1 @ s2)
    value = np.sum((m1 - m2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * np.trace(cross)
    return float(max(value, 0.0))


def gaussian_w2(m1: Any, C1: Any, m2: Any, C2: Any) -> float:
    r"""Closed-form :math:`W_2` between :math:`N(m_1, C_1)` and :math:`N(m_2, C_2)`.

    .. math::

        W_2^2 = \lVert m_1 - m_2 \rVert^2
              + \operatorname{tr}\big(C_1 + C_2 - 2 (C_2^{1/2} C_1 C_2^{1/2})^{1/2}\big)

    Returns :math:`W_2` (the square root). In one dimension this is
    :math:`\sqrt{(m_1 - m_2)^2 + (s_1 - s_2)^2}` with the standard deviations :math:`s_i`:
    between :math:`N(0, 1)` and :math:`N(3, 4)` it is :math:`\sqrt{9 + 1} = \sqrt{10}`.

    >>> gaussian_w2([0.0], [[1.0]], [3.0], [[4.0]]) == math.sqrt(10)
    True

    References:
        Dowson and Landau (1982), *The Frechet distance between multivariate normal
        distributions*, Journal of Multivariate Analysis 12(3).
    """
    return math.sqrt(_gaussian_w2_squared(m1, C1, m2, C2))


def frechet_distance(features_a: Any, features_b: Any) -> float:
    r"""Squared Frechet distance between Gaussians fitted to two feature sets.

    .. math::

        d_F^2 = \lVert \mu_a - \mu_b \rVert^2
              + \operatorname{tr}\big(\Sigma_a + \Sigma_b - 2 (\Sigma_b^{1/2} \Sigma_a
                \Sigma_b^{1/2})^{1/2}\big)

    the quantity FID reports, with :math:`\mu` and :math:`\Sigma` the mean and (unbiased) sample
    covariance of each ``[n, d]`` set. It is biased upwards on finite samples: compare models
    only at equal sample sizes. Each set needs at least 2 rows.

    A set is at distance 0 from itself, and translating it by :math:`(3, 4)` leaves the covariance
    alone and moves the mean by 5, so the squared distance is 25:

    >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 7.0]])
    >>> round(frechet_distance(x, x), 6), round(frechet_distance(x, x + [3.0, 4.0]), 6)
    (0.0, 25.0)

    References:
        Heusel, Ramsauer, Unterthiner, Nessler and Hochreiter (2017), *GANs Trained by a Two
        Time-Scale Update Rule Converge to a Local Nash Equilibrium*, NeurIPS 30.
    """
    fa, fb = _pair(features_a, features_b)
    for name, f in (("features_a", fa), ("features_b", fb)):
        if len(f) < 2:
            raise ValueError(f"{name} needs at least 2 rows to estimate a covariance, got {len(f)}")
    ca = np.atleast_2d(np.cov(fa, rowvar=False))
    cb = np.atleast_2d(np.cov(fb, rowvar=False))
    return _gaussian_w2_squared(fa.mean(0), ca, fb.mean(0), cb)


# --------------------------------------------------------------------------------------------
# mode coverage
# --------------------------------------------------------------------------------------------
def mode_coverage(
    samples: Any, centers: Any, std: float, n_std: float = 3.0, min_samples: int = 1
) -> tuple[int, float]:
    r"""Count the modes a generator covers and the fraction of its samples that are good.

    Each sample is assigned to its nearest centre. It is *high quality* if it lies within
    ``n_std * std`` (Euclidean) of that centre. A mode is *hit* if at least ``min_samples``
    high-quality samples are assigned to it. (The protocol of VEEGAN and PacGAN, Lin et al. 2018.)

    For a true sample of an isotropic 2-D Gaussian component, the squared distance over
    :math:`\sigma^2` is :math:`\chi^2_2`, so the high-quality fraction is
    :math:`1 - e^{-n_{std}^2/2}` (98.9% for ``n_std = 3``).

    Args:
        samples: ``[n, d]`` generated points.
        centers: ``[k, d]`` mode centres (``toy(name).centers``).
        std: the standard deviation of each mode (``toy(name).std``).
        n_std: the radius of a good sample, in standard deviations.
        min_samples: the high-quality samples a mode needs to count as hit.

    Returns:
        ``(modes_hit, high_quality)``: an int and a fraction in [0, 1].

    The centres themselves hit every mode and are all of high quality; a generator collapsed onto
    one centre hits one mode; points far from every centre hit none:

    >>> centers = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    >>> mode_coverage(centers, centers, std=0.1)
    (3, 1.0)
    >>> mode_coverage([[0.0, 0.0]] * 5, centers, std=0.1)
    (1, 1.0)
    >>> mode_coverage([[5.0, 5.0]], centers, std=0.1)
    (0, 0.0)

    References:
        Srivastava et al. (2017), *VEEGAN*, NeurIPS 30; Lin, Khetan, Fanti and Oh (2018),
        *PacGAN*, NeurIPS 31.
    """
    x = _points(samples, "samples")
    c = _points(centers, "centers")
    if x.shape[1] != c.shape[1]:
        raise ValueError(f"samples are {x.shape[1]}-D but centers are {c.shape[1]}-D")
    if std is None or not std > 0:
        raise ValueError(f"std must be a positive number, got {std!r} (toy(name).std gives it)")
    dist = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=2)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(x)), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(c))
    return int((counts >= min_samples).sum()), float(good.mean())


@dataclass(frozen=True)
class ModeStatistics:
    r"""What :func:`mode_statistics` measures of samples from a mixture of isotropic Gaussians.

    Attributes:
        modes_hit, high_quality: as :func:`mode_coverage`.
        spread: the root-mean-square distance of the high-quality samples to their centre, over
            what real data scores (1.0 for real data; below 1, modes narrower than the data).
        weight_tv: the total variation :math:`\tfrac12 \sum_k |\hat w_k - w_k|` between the
            shares of samples nearest each centre and the true weights (0 for a perfect balance).
        real_high_quality: the high-quality fraction real data scores on average,
            :math:`P(\chi^2_d \le n_{std}^2)` (98.9% in 2-D at 3 std).
        under_dispersed: the high-quality share exceeds ``real_high_quality`` by more than three
            binomial standard errors at this sample size: the samples cluster more tightly than
            real data can, which is not a better model.

    >>> ModeStatistics(8, 0.99, 1.0, 0.0, 0.989, False).spread  # what real data scores
    1.0
    """

    modes_hit: int
    high_quality: float
    spread: float
    weight_tv: float
    real_high_quality: float
    under_dispersed: bool


def mode_statistics(
    samples: Any, centers: Any, std: float, n_std: float = 3.0, weights: Any = None,
    min_samples: int = 1,
) -> ModeStatistics:
    r"""Mode coverage beyond modes hit and high quality: the width of the covered modes, the
    balance between them, and a flag for samples tighter than real data.

    With :math:`r_i` the distance of high-quality sample :math:`i` to its nearest centre and
    :math:`d` the dimension, a real sample has :math:`r^2/\sigma^2 \sim \chi^2_d`, truncated at
    :math:`n_{std}^2` by the high-quality test, whose mean is
    :math:`d\, F_{d+2}(n_{std}^2) / F_d(n_{std}^2)` (:math:`F_k` the :math:`\chi^2_k` distribution
    function). So

    .. math::  	ext{spread} = \sqrt{rac{	frac1{|HQ|}\sum_{i \in HQ} r_i^2}
                                         {\sigma^2\, d\, F_{d+2}(n_{std}^2) / F_d(n_{std}^2)}}

    is 1 in expectation for real data, below 1 for modes narrower than the data (which
    :math:`W_1` at a few thousand samples barely sees) and above 1 for wider ones.

    Args:
        samples, centers, std, n_std, min_samples: as :func:`mode_coverage`.
        weights: the true mode weights (default: equal).

    The centres themselves cover every mode with zero width, in perfect balance, and far more
    tightly than real data could:

    >>> s = mode_statistics([[0.0, 0.0], [1.0, 0.0]] * 500, [[0.0, 0.0], [1.0, 0.0]], std=0.1)
    >>> s.modes_hit, s.high_quality, s.spread, s.weight_tv, s.under_dispersed
    (2, 1.0, 0.0, 0.0, True)
    >>> round(s.real_high_quality, 4)  # 1 - exp(-4.5)
    0.9889
    """
    from scipy.stats import chi2

    x, c = _points(samples, "samples"), _points(centers, "centers")
    modes_hit, high_quality = mode_coverage(x, c, std, n_std, min_samples)
    k, d = c.shape
    w = np.full(k, 1.0 / k) if weights is None else _weights(weights, k, "weights")
    dist = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=2)
    nearest = dist.argmin(axis=1)
    r = dist[np.arange(len(x)), nearest]
    good = r <= n_std * std
    t = n_std ** 2
    real_r2 = std ** 2 * d * chi2.cdf(t, d + 2) / chi2.cdf(t, d)
    spread = math.sqrt(float(np.mean(r[good] ** 2)) / real_r2) if good.any() else float("nan")
    shares = np.bincount(nearest, minlength=k) / len(x)
    real_hq = float(chi2.cdf(t, d))
    margin = 3 * math.sqrt(real_hq * (1 - real_hq) / len(x))
    return ModeStatistics(modes_hit, high_quality, spread, float(0.5 * np.abs(shares - w).sum()),
                          real_hq, bool(high_quality > real_hq + margin))

# --------------------------------------------------------------------------------------------
# precision and recall for distributions (k-nearest-neighbour manifolds)
# --------------------------------------------------------------------------------------------
def _kth_neighbour_radii(f: np.ndarray, k: int, chunk: int = 1024) -> np.ndarray:
    """For each row of ``f``, the distance to its k-th nearest *other* row of ``f``."""
    radii = np.empty(len(f))
    for start in range(0, len(f), chunk):
        d = np.sqrt(np.maximum(_squared_distances(f[start:start + chunk], f), 0.0))
        # column 0 of the sorted row is the point itself (distance 0), so the k-th other is column k
        radii[start:start + chunk] = np.partition(d, k, axis=1)[:, k]
    return radii


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T


def _inside_manifold(queries: np.ndarray, support: np.ndarray, radii: np.ndarray,
                     chunk: int = 1024) -> np.ndarray:
    """``True`` for each query that lies in at least one ball B(support_j, radii_j)."""
    inside = np.empty(len(queries), dtype=bool)
    r2 = radii ** 2
    for start in range(0, len(queries), chunk):
        d2 = _squared_distances(queries[start:start + chunk], support)
        inside[start:start + chunk] = (d2 <= r2[None, :] + 1e-9 * (1.0 + r2[None, :])).any(axis=1)
    return inside


def precision_recall(real_features: Any, fake_features: Any, k: int = 3) -> tuple[float, float]:
    r"""Precision and recall of a generator, with k-nearest-neighbour manifolds
    (Kynkäänniemi et al., 2019).

    Each set of feature vectors :math:`\Phi` approximates the support of its distribution by a
    union of balls, one around each point, reaching to that point's k-th nearest neighbour in the
    same set:

    .. math::

        \operatorname{manifold}(\Phi) = \bigcup_{\phi \in \Phi}
            B\big(\phi, \operatorname{NND}_k(\phi)\big), \qquad
        \text{precision} = \frac{1}{|\Phi_g|} \sum_{\phi \in \Phi_g}
            \mathbb{1}\big[\phi \in \operatorname{manifold}(\Phi_r)\big], \qquad
        \text{recall} = \frac{1}{|\Phi_r|} \sum_{\phi \in \Phi_r}
            \mathbb{1}\big[\phi \in \operatorname{manifold}(\Phi_g)\big]

    where :math:`\Phi_r` are the real features, :math:`\Phi_g` the generated ones and
    :math:`\operatorname{NND}_k(\phi)` the Euclidean distance from :math:`\phi` to its k-th nearest
    neighbour in its own set (itself excluded). Precision is the fraction of generated samples that
    look real (quality); recall is the fraction of real samples the generator could have produced
    (coverage). A generator that collapses onto a few modes keeps a high precision and loses recall;
    one that produces junk loses precision. Like the Frechet distance, both depend on the sample
    sizes: compare models at equal sizes. The paper uses ``k = 3``.

    Args:
        real_features: ``[n, d]`` features of real samples, ``n > k``.
        fake_features: ``[m, d]`` features of generated samples, ``m > k``.
        k: the neighbour that sets each ball's radius, a positive integer.

    Returns:
        ``(precision, recall)``, two fractions in [0, 1]. Swapping the two sets swaps them.

    Memory and time grow as ``n * m`` (distances are computed in blocks of 1024 rows).

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    >>> precision_recall(x, x, k=1)
    (1.0, 1.0)
    >>> precision_recall(x, x + 100.0, k=1)
    (0.0, 0.0)

    References:
        Kynkäänniemi, Karras, Laine, Lehtinen and Aila (2019), *Improved Precision and Recall
        Metric for Assessing Generative Models*, NeurIPS 32.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer (the paper uses k = 3), got {k!r}")
    real, fake = _pair(real_features, fake_features)
    for name, f in (("real_features", real), ("fake_features", fake)):
        if len(f) <= k:
            raise ValueError(
                f"{name} has {len(f)} point(s) but the k-th nearest neighbour needs more than "
                f"k = {k}; pass more samples or a smaller k"
            )
    precision = _inside_manifold(fake, real, _kth_neighbour_radii(real, k)).mean()
    recall = _inside_manifold(real, fake, _kth_neighbour_radii(fake, k)).mean()
    return float(precision), float(recall)
