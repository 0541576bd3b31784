r"""Kantorovich-Rubinstein duality made concrete: the optimal critic between two point clouds.

For the Euclidean ground cost, exact optimal transport between :math:`\mu = \sum_i a_i \delta_{x_i}`
and :math:`\nu = \sum_j b_j \delta_{y_j}` is a linear program whose dual reads

.. math::

    W_1(\mu, \nu) = \max_{u, v} \sum_i a_i u_i + \sum_j b_j v_j
    \quad\text{subject to}\quad u_i + v_j \le \lVert x_i - y_j \rVert .

The c-transform of the potential :math:`v` extends it to a function on the whole space,

.. math::

    f(z) = \min_j \big( \lVert z - y_j \rVert - v_j \big),

which is 1-Lipschitz (a minimum of 1-Lipschitz functions) and attains the supremum in the
Kantorovich-Rubinstein formula :math:`W_1 = \sup_{\lVert f \rVert_L \le 1}
\mathbb{E}_\mu f - \mathbb{E}_\nu f`. It is the critic a WGAN tries to learn, computed exactly.
Villani (2009), Theorem 5.10 and Remark 6.5; Peyre and Cuturi (2019), sections 3.1 and 6.1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy.spatial.distance import cdist
from torch import nn

from gantut.metrics import MAX_EXACT_OT_GB, _exact_ot, _pair

__all__ = ["kantorovich_potentials", "c_transform", "TransportCritic", "optimal_critic"]


def kantorovich_potentials(
    x: Any, y: Any, a: Any = None, b: Any = None, max_memory_gb: float = MAX_EXACT_OT_GB
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    r"""Solve exact :math:`W_1` (Euclidean cost) with POT and return the primal and dual solutions.

    .. math::

        W_1 = \min_{\gamma \in \Pi(a, b)} \sum_{ij} \gamma_{ij} \lVert x_i - y_j \rVert
            = \max_{u_i + v_j \le \lVert x_i - y_j \rVert} a^\top u + b^\top v

    Args:
        x: ``[n, d]`` points of :math:`\mu`; y: ``[m, d]`` points of :math:`\nu`.
        a, b: weights summing to 1 (default: uniform).
        max_memory_gb: refuse (with a ``ValueError``) problems whose estimated memory exceeds this.

    Returns:
        ``(w1, u, v, plan)``: the optimal cost, the dual potentials ``u`` (``[n]``) and ``v``
        (``[m]``) from POT's network simplex, and an optimal coupling ``plan`` (``[n, m]``).

    >>> w1, u, v, plan = kantorovich_potentials([[0.0], [1.0]], [[3.0], [4.0]])
    >>> round(w1, 12), round(float(0.5 * u.sum() + 0.5 * v.sum()), 12)
    (3.0, 3.0)
    """
    w1, plan, log = _exact_ot(x, y, 1, a, b, max_memory_gb)
    return w1, np.asarray(log["u"]), np.asarray(log["v"]), plan


def c_transform(z: Any, y: Any, v: Any) -> np.ndarray:
    r"""Evaluate :math:`f(z_k) = \min_j (\lVert z_k - y_j \rVert - v_j)` at the ``[k, d]`` points ``z``.

    With ``v`` a dual potential from :func:`kantorovich_potentials`, ``f`` is an optimal critic.

    >>> c_transform([[0.0], [2.0]], [[1.0]], [0.5])
    array([0.5, 0.5])
    """
    z, y = _pair(z, y)
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    if v.shape != (len(y),):
        raise ValueError(f"v must hold one value per point of y: shape ({len(y)},), got {v.shape}")
    # cdist computes each distance directly; ot.dist expands |z|^2 + |y|^2 - 2 z.y, whose rounding
    # error (about 1e-8 after the square root) would show when z_k == y_j
    return (cdist(z, y) - v[None, :]).min(axis=1)


class TransportCritic(nn.Module):
    r"""The c-transform :math:`f(z) = \min_j (\lVert z - y_j \rVert - v_j)` as a PyTorch module,
    so that it can be plotted with :func:`gantut.plot.critic_surface` and differentiated like a
    neural critic. Its input gradient has norm 1 wherever the minimum is attained by one ``j``.

    ``y`` and ``v`` are stored as frozen parameters (``requires_grad=False``), so ``.to(device)``
    moves them and nothing trains them.

    Args:
        y: ``[m, d]`` points (the generated side, :math:`\nu`).
        v: ``[m]`` dual potential on them, from :func:`kantorovich_potentials`.

    One point at the origin with :math:`v = 1`: the critic at :math:`(3, 4)` is
    :math:`\lVert (3, 4) \rVert - 1 = 4`:

    >>> f = TransportCritic([[0.0, 0.0]], [1.0])
    >>> f(torch.tensor([[3.0, 4.0]])).tolist()
    [4.0]
    """

    def __init__(self, y: Any, v: Any):
        super().__init__()
        y = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y, dtype=np.float32)
        v = np.asarray(v, dtype=np.float32).reshape(-1)
        if y.ndim != 2 or v.shape != (len(y),):
            raise ValueError(f"y must be [m, d] and v [m]; got y {y.shape} and v {v.shape}")
        self.y = nn.Parameter(torch.from_numpy(y), requires_grad=False)
        self.v = nn.Parameter(torch.from_numpy(v), requires_grad=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        sq = ((z[:, None, :] - self.y[None, :, :]) ** 2).sum(-1)
        dist = sq.clamp_min(1e-24).sqrt()  # clamp: a finite gradient even at z == y_j
        return (dist - self.v[None, :]).min(dim=1).values


def optimal_critic(x: Any, y: Any, a: Any = None, b: Any = None) -> tuple[float, TransportCritic]:
    r"""Return ``(w1, f)``: exact :math:`W_1(\mu, \nu)` and a 1-Lipschitz critic ``f`` with
    :math:`\sum_i a_i f(x_i) - \sum_j b_j f(y_j) = W_1`, built as the c-transform of the dual
    potential ``v``. ``x`` plays the real data (high critic values), ``y`` the generated data.

    .. math::

        f(z) = \min_j \big( \lVert z - y_j \rVert - v_j \big), \qquad
        \sum_i a_i f(x_i) - \sum_j b_j f(y_j) = W_1(\mu, \nu)

    Args:
        x: ``[n, d]`` points of :math:`\mu`; y: ``[m, d]`` points of :math:`\nu`.
        a, b: weights summing to 1 (default: uniform).

    Returns:
        ``(w1, f)``: a float and a :class:`TransportCritic`.

    Between two Diracs at 0 and 2 the distance is 2, and the critic's values differ by exactly 2:

    >>> w1, f = optimal_critic([[0.0]], [[2.0]])
    >>> w1, round((f(torch.tensor([[0.0]])) - f(torch.tensor([[2.0]]))).item(), 6)
    (2.0, 2.0)

    References:
        Villani (2009), *Optimal Transport: Old and New*, Theorem 5.10 and Remark 6.5.
    """
    w1, _, v, _ = kantorovich_potentials(x, y, a, b)
    return w1, TransportCritic(_pair(x, y)[1], v)
