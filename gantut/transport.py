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
It has a cone apex (a local minimum, gradient undefined) at each generated point ``y_j`` where the
``j``-th term is the active one, so it gives a generator no gradient there. The critic built from
the other potential,

.. math::

    g(z) = \max_i \big( u_i - \lVert z - x_i \rVert \big),

is also 1-Lipschitz and optimal, and its apexes sit on the real points: at a generated point it
is differentiable (when one ``i`` attains the maximum), with a unit gradient pointing to a real
point (:func:`real_c_transform`, :class:`RealTransportCritic`).
Villani (2009), Theorem 5.10 and Remark 6.5; Peyre and Cuturi (2019), sections 3.1 and 6.1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy.spatial.distance import cdist
from torch import nn

from gantut.metrics import MAX_EXACT_OT_GB, _exact_ot, _pair

__all__ = ["kantorovich_potentials", "c_transform", "TransportCritic", "real_c_transform",
           "RealTransportCritic", "optimal_critic"]


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
        dtype: of the stored points and potential (float32 by default; float64 keeps them exact,
            e.g. to evaluate the critic at the points ``y`` themselves without rounding ties).

    At each ``y_j`` the ``j``-th cone has its apex and (for an optimal ``v``) is the lowest term, so
    ``f`` has a local minimum there and autograd returns a zero gradient: this critic gives a
    generator nothing at its own samples (see :class:`RealTransportCritic`).

    One point at the origin with :math:`v = 1`: the critic at :math:`(3, 4)` is
    :math:`\lVert (3, 4) \rVert - 1 = 4`:

    >>> f = TransportCritic([[0.0, 0.0]], [1.0])
    >>> f(torch.tensor([[3.0, 4.0]])).tolist()
    [4.0]
    """

    def __init__(self, y: Any, v: Any, dtype: torch.dtype = torch.float32):
        super().__init__()
        y = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        if y.ndim != 2 or v.shape != (len(y),):
            raise ValueError(f"y must be [m, d] and v [m]; got y {y.shape} and v {v.shape}")
        self.y = nn.Parameter(torch.tensor(y, dtype=dtype), requires_grad=False)
        self.v = nn.Parameter(torch.tensor(v, dtype=dtype), requires_grad=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        sq = ((z[:, None, :] - self.y[None, :, :]) ** 2).sum(-1)
        dist = sq.clamp_min(1e-24).sqrt()  # clamp: a finite gradient even at z == y_j
        return (dist - self.v[None, :]).min(dim=1).values


def real_c_transform(z: Any, x: Any, u: Any) -> np.ndarray:
    r"""Evaluate :math:`g(z_k) = \max_i (u_i - \lVert z_k - x_i \rVert)` at the ``[k, d]`` points ``z``.

    With ``u`` the dual potential on the real points ``x`` from :func:`kantorovich_potentials`,
    ``g`` is an optimal critic: 1-Lipschitz, :math:`g(x_i) \ge u_i` and, by feasibility
    (:math:`u_i - \lVert y_j - x_i \rVert \le -v_j`), :math:`g(y_j) \le -v_j`, so
    :math:`\sum_i a_i g(x_i) - \sum_j b_j g(y_j) \ge a^\top u + b^\top v = W_1`.

    >>> real_c_transform([[0.0], [2.0]], [[1.0]], [0.5])
    array([-0.5, -0.5])
    """
    z, x = _pair(z, x)
    u = np.asarray(u, dtype=np.float64).reshape(-1)
    if u.shape != (len(x),):
        raise ValueError(f"u must hold one value per point of x: shape ({len(x)},), got {u.shape}")
    return (u[None, :] - cdist(z, x)).max(axis=1)


class RealTransportCritic(nn.Module):
    r"""The optimal critic :math:`g(z) = \max_i (u_i - \lVert z - x_i \rVert)` as a PyTorch module.

    Its cones point down from the real points ``x_i``, so away from them (in particular at every
    generated point not on a real one) its input gradient is the unit vector
    :math:`(x_{i^*} - z) / \lVert x_{i^*} - z \rVert` towards the real point that attains the
    maximum: the gradient a generator needs. :class:`TransportCritic` (built from ``v``) is
    equally optimal but has zero gradient at the generated points.

    Args:
        x: ``[n, d]`` real points (the side of :math:`\mu`).
        u: ``[n]`` dual potential on them, from :func:`kantorovich_potentials`.
        dtype: of the stored points and potential (float32 by default, like a neural critic;
            float64 keeps the potentials exact, so the maximising real point is found exactly).

    One real point at the origin with :math:`u = 1`: at :math:`(3, 4)` the critic is
    :math:`1 - 5 = -4`, and its gradient points back to the origin with norm 1:

    >>> g = RealTransportCritic([[0.0, 0.0]], [1.0])
    >>> z = torch.tensor([[3.0, 4.0]], requires_grad=True)
    >>> out = g(z); out.sum().backward(); out.tolist(), z.grad.tolist()
    ([-4.0], [[-0.6000000238418579, -0.800000011920929]])
    """

    def __init__(self, x: Any, u: Any, dtype: torch.dtype = torch.float32):
        super().__init__()
        x = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=np.float64)
        u = np.asarray(u, dtype=np.float64).reshape(-1)
        if x.ndim != 2 or u.shape != (len(x),):
            raise ValueError(f"x must be [n, d] and u [n]; got x {x.shape} and u {u.shape}")
        self.x = nn.Parameter(torch.tensor(x, dtype=dtype), requires_grad=False)
        self.u = nn.Parameter(torch.tensor(u, dtype=dtype), requires_grad=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        sq = ((z[:, None, :] - self.x[None, :, :]) ** 2).sum(-1)
        dist = sq.clamp_min(1e-24).sqrt()  # clamp: a finite gradient even at z == x_i
        return (self.u[None, :] - dist).max(dim=1).values


def optimal_critic(x: Any, y: Any, a: Any = None, b: Any = None,
                   anchor: str = "fake") -> tuple[float, nn.Module]:
    r"""Return ``(w1, f)``: exact :math:`W_1(\mu, \nu)` and a 1-Lipschitz critic ``f`` with
    :math:`\sum_i a_i f(x_i) - \sum_j b_j f(y_j) = W_1`, built as the c-transform of the dual
    potential ``v``. ``x`` plays the real data (high critic values), ``y`` the generated data.

    .. math::

        f(z) = \min_j \big( \lVert z - y_j \rVert - v_j \big), \qquad
        \sum_i a_i f(x_i) - \sum_j b_j f(y_j) = W_1(\mu, \nu)

    Args:
        x: ``[n, d]`` points of :math:`\mu`; y: ``[m, d]`` points of :math:`\nu`.
        a, b: weights summing to 1 (default: uniform).
        anchor: ``"fake"`` (default) builds the c-transform of ``v`` above, a
            :class:`TransportCritic`, whose gradient is zero at the generated points;
            ``"real"`` builds :math:`g(z) = \max_i (u_i - \lVert z - x_i \rVert)`, a
            :class:`RealTransportCritic`, with a unit gradient towards a real point at each
            generated point (the one a generator can learn from).

    Returns:
        ``(w1, f)``: a float and the critic module.

    Between two Diracs at 0 and 2 the distance is 2, and the critic's values differ by exactly 2:

    >>> w1, f = optimal_critic([[0.0]], [[2.0]])
    >>> w1, round((f(torch.tensor([[0.0]])) - f(torch.tensor([[2.0]]))).item(), 6)
    (2.0, 2.0)
    >>> w1, g = optimal_critic([[0.0]], [[2.0]], anchor="real")
    >>> round((g(torch.tensor([[0.0]])) - g(torch.tensor([[2.0]]))).item(), 6)
    2.0

    References:
        Villani (2009), *Optimal Transport: Old and New*, Theorem 5.10 and Remark 6.5.
    """
    if anchor not in ("fake", "real"):
        raise ValueError(f'anchor must be "fake" or "real", got {anchor!r}')
    w1, u, v, _ = kantorovich_potentials(x, y, a, b)
    x, y = _pair(x, y)
    return w1, (RealTransportCritic(x, u) if anchor == "real" else TransportCritic(y, v))
