r"""The Dirac-GAN of Mescheder et al. (2018): the smallest GAN whose training misbehaves.

The real data is a point mass at zero, the generator a point mass at :math:`\theta`, and the
critic (or the discriminator's logit) is linear:

.. math::

    p_r = \delta_0, \qquad p_g = \delta_\theta, \qquad f_\psi(x) = \psi x .

The critic's score on real data is :math:`f_\psi(0) = 0` whatever :math:`\psi`, and on the fake
sample it is :math:`s = \psi\theta`. Each player descends its own loss from :mod:`gantut.losses`,
written as a function of the fake score, plus an optional penalty :math:`R(\psi)` on the critic:

.. math::

    \mathcal{L}_f(\psi;\theta) = c(\psi\theta) + R(\psi), \qquad
    \mathcal{L}_G(\theta;\psi) = g(\psi\theta),

=============  ===============================  ===============================
objective      critic part :math:`c(s)`         generator loss :math:`g(s)`
=============  ===============================  ===============================
minimax        :math:`\log(1 + e^{s})`          :math:`-\log(1 + e^{s})`
nonsaturating  :math:`\log(1 + e^{s})`          :math:`\log(1 + e^{-s})`
wgan           :math:`s`                        :math:`-s`
=============  ===============================  ===============================

(the constant real-data terms are left out: they do not depend on :math:`\psi` because
:math:`f_\psi(0) = 0`). The penalties are the gradient penalty, whose input gradient is
:math:`\nabla_x f_\psi = \psi` everywhere, so that it needs no interpolates, and R1:

.. math::

    R_{\mathrm{GP}}(\psi) = \lambda (\lvert\psi\rvert - 1)^2, \qquad
    R_{\mathrm{R1}}(\psi) = \tfrac{\lambda}{2} \psi^2 .

(Mescheder et al. write :math:`\gamma` for the R1 weight; the book writes :math:`\lambda` for
every penalty weight.) Gradient descent on both losses follows the vector field

.. math::

    \xi(\theta, \psi) = \Big(-\frac{\partial \mathcal{L}_G}{\partial \theta},
                            -\frac{\partial \mathcal{L}_f}{\partial \psi}\Big)
                      = \big(-g'(\psi\theta)\,\psi,\; -c'(\psi\theta)\,\theta - R'(\psi)\big),

whose only rest point for these objectives is the equilibrium :math:`(\theta, \psi) = (0, 0)`.
For the gradient penalty that point sits on the kink of :math:`\lvert\psi\rvert`, where
:math:`R'` jumps from :math:`+2\lambda` to :math:`-2\lambda`: the field vanishes there only by
the convention :math:`\operatorname{sign} 0 = 0`, pushes :math:`\psi` away from 0 on both sides,
and has no Jacobian (see :func:`vector_field` and :func:`jacobian`).

Reference: L. Mescheder, A. Geiger, S. Nowozin, *Which Training Methods for GANs do actually
Converge?*, ICML 2018.
"""

from __future__ import annotations

import numpy as np

__all__ = ["OBJECTIVES", "PENALTIES", "vector_field", "trajectory", "jacobian", "distance_to_equilibrium"]

OBJECTIVES = ("minimax", "nonsaturating", "wgan")
PENALTIES = ("none", "gp", "r1")


def _sigmoid(t):
    # numerically stable: never exponentiates a large positive number
    return np.where(t >= 0, 1.0 / (1.0 + np.exp(-np.abs(t))), np.exp(-np.abs(t)) / (1.0 + np.exp(-np.abs(t))))


def _check(objective: str, penalty: str, weight: float) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if penalty not in PENALTIES:
        raise ValueError(f"unknown penalty {penalty!r}; choose one of {', '.join(PENALTIES)}")
    if not weight >= 0:
        raise ValueError(f"the penalty weight must be >= 0, got {weight}")


def vector_field(theta, psi, objective: str = "nonsaturating", penalty: str = "none", weight: float = 1.0):
    r"""The gradient-descent vector field :math:`\xi(\theta, \psi)` of the Dirac-GAN,
    with components :math:`\xi_\theta, \xi_\psi`:

    .. math::

        \dot\theta = -g'(\psi\theta)\,\psi, \qquad \dot\psi = -c'(\psi\theta)\,\theta - R'(\psi)

    with :math:`c, g` from the module table and
    :math:`R'_{\mathrm{GP}}(\psi) = 2\lambda(\lvert\psi\rvert - 1)\operatorname{sign}\psi`,
    :math:`R'_{\mathrm{R1}}(\psi) = \lambda\psi`. For the GAN objectives
    :math:`c'(s) = \sigma(s)`; the minimax generator has :math:`g'(s) = -\sigma(s)` and the
    non-saturating one :math:`g'(s) = -\sigma(-s)`; for the WGAN :math:`c' = 1, g' = -1`.

    The gradient penalty's :math:`R'` jumps from :math:`+2\lambda` to :math:`-2\lambda` across
    :math:`\psi = 0` (the kink of :math:`\lvert\psi\rvert`); ``numpy.sign(0) = 0`` is used there.

    Args:
        theta, psi: floats or arrays of the same shape (a grid for a quiver plot).
        objective: one of :data:`OBJECTIVES`.
        penalty: one of :data:`PENALTIES`.
        weight: the penalty weight :math:`\lambda`.

    Returns:
        ``(dtheta, dpsi)``, arrays of the broadcast shape.

    >>> [float(v) for v in vector_field(1.0, 0.0, "wgan")]  # theta > 0: the critic turns, psi falls
    [0.0, -1.0]
    """
    _check(objective, penalty, weight)
    theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
    s = psi * theta
    if objective == "wgan":
        dc, dg = np.ones_like(s), -np.ones_like(s)
    else:
        dc = _sigmoid(s)
        dg = -_sigmoid(s) if objective == "minimax" else -_sigmoid(-s)
    if penalty == "gp":
        dr = 2.0 * weight * (np.abs(psi) - 1.0) * np.sign(psi)
    elif penalty == "r1":
        dr = weight * psi
    else:
        dr = np.zeros_like(psi)
    return -dg * psi + 0.0, -dc * theta - dr + 0.0  # + 0.0 turns -0.0 into 0.0


def trajectory(
    theta0: float,
    psi0: float,
    steps: int = 1000,
    lr: float = 0.05,
    objective: str = "nonsaturating",
    penalty: str = "none",
    weight: float = 1.0,
    alternating: bool = False,
) -> np.ndarray:
    r"""Iterate gradient descent on the Dirac-GAN from :math:`(\theta_0, \psi_0)`.

    With the step size :math:`\alpha` (``lr``), simultaneous steps (the default) move both players
    from the same point:

    .. math::

        (\theta_{k+1}, \psi_{k+1}) = (\theta_k, \psi_k) + \alpha\, \xi(\theta_k, \psi_k).

    Alternating steps first move the critic, then the generator against the *new* critic (the
    order of :func:`gantut.train.train_gan` with ``n_critic = 1``):
    :math:`\psi_{k+1} = \psi_k + \alpha\,\xi_\psi(\theta_k, \psi_k)`,
    :math:`\theta_{k+1} = \theta_k + \alpha\,\xi_\theta(\theta_k, \psi_{k+1})`.

    Returns:
        a ``float64`` array ``[steps + 1, 2]`` of :math:`(\theta_k, \psi_k)`, starting point first.

    >>> trajectory(0.0, 0.0, steps=3, objective="wgan").tolist()  # the equilibrium stays put
    [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    """
    _check(objective, penalty, weight)
    if steps < 0 or not lr > 0:
        raise ValueError(f"need steps >= 0 and a positive step size lr, got steps={steps}, lr={lr}")
    out = np.empty((steps + 1, 2))
    theta, psi = float(theta0), float(psi0)
    out[0] = theta, psi
    for k in range(steps):
        if alternating:
            psi = psi + lr * float(vector_field(theta, psi, objective, penalty, weight)[1])
            theta = theta + lr * float(vector_field(theta, psi, objective, penalty, weight)[0])
        else:
            dtheta, dpsi = vector_field(theta, psi, objective, penalty, weight)
            theta, psi = theta + lr * float(dtheta), psi + lr * float(dpsi)
        out[k + 1] = theta, psi
    return out


def jacobian(
    objective: str = "nonsaturating",
    penalty: str = "none",
    weight: float = 1.0,
    point: tuple[float, float] = (0.0, 0.0),
    eps: float = 1e-6,
) -> np.ndarray:
    r"""The Jacobian :math:`J = \partial \xi / \partial(\theta, \psi)` at ``point``, by central
    differences.

    At the equilibrium, in closed form (with :math:`\sigma(0) = \tfrac12`):

    .. math::

        J_{\mathrm{GAN}} = \begin{pmatrix} 0 & \tfrac12 \\ -\tfrac12 & 0 \end{pmatrix}, \quad
        J_{\mathrm{WGAN}} = \begin{pmatrix} 0 & 1 \\ -1 & 0 \end{pmatrix}, \quad
        J_{\mathrm{GAN+R1}} = \begin{pmatrix} 0 & \tfrac12 \\ -\tfrac12 & -\lambda \end{pmatrix}.

    The first two have purely imaginary eigenvalues :math:`\pm i/2` and :math:`\pm i`; R1 moves
    them to :math:`(-\lambda \pm \sqrt{\lambda^2 - 1})/2`, with negative real part.

    Raises:
        ValueError: for the gradient penalty at :math:`\psi = 0`, where :math:`\xi` is not
            differentiable (it jumps by :math:`4\lambda`).

    >>> jacobian("wgan").round(6).tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    _check(objective, penalty, weight)
    theta, psi = map(float, point)
    if penalty == "gp" and abs(psi) <= eps:
        raise ValueError(
            "the gradient-penalty vector field is not differentiable at psi = 0 (the kink of |psi|): "
            "it jumps by 4 * weight there, so there is no Jacobian to take"
        )
    J = np.empty((2, 2))
    for j, (dt, dp) in enumerate(((eps, 0.0), (0.0, eps))):
        plus = vector_field(theta + dt, psi + dp, objective, penalty, weight)
        minus = vector_field(theta - dt, psi - dp, objective, penalty, weight)
        J[:, j] = (np.array(plus, dtype=float) - np.array(minus, dtype=float)) / (2 * eps)
    return J


def distance_to_equilibrium(path: np.ndarray) -> np.ndarray:
    r"""Euclidean distance of each point of a trajectory to the equilibrium :math:`(0, 0)`,

    .. math::

        d_k = \sqrt{\theta_k^2 + \psi_k^2} .

    Args:
        path: a ``[steps + 1, 2]`` array of :math:`(\theta_k, \psi_k)`, as :func:`trajectory`
            returns.

    Returns:
        a ``float64`` array ``[steps + 1]``.

    >>> distance_to_equilibrium([[3.0, 4.0], [0.0, 0.0]]).tolist()
    [5.0, 0.0]
    """
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"expected a trajectory [steps + 1, 2], got shape {path.shape}")
    return np.hypot(path[:, 0], path[:, 1])
