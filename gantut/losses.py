r"""The five GAN objectives of the book, written on the critic's raw scores.

``real_scores`` and ``fake_scores`` are the critic's outputs :math:`s = f(x)` before any sigmoid.
For the log-loss games (minimax, non-saturating) the discriminator is
:math:`D(x) = \sigma(f(x))`, and :math:`-\log \sigma(s) = \operatorname{softplus}(-s)` keeps the
losses finite when :math:`D` is confident. Each function returns a loss to *minimise*.

=============  =====================================================  =================================
objective      critic loss                                            generator loss
=============  =====================================================  =================================
minimax        :math:`-E\log D(x) - E\log(1 - D(G(z)))`               :math:`E\log(1 - D(G(z)))`
nonsaturating  same as minimax                                        :math:`-E\log D(G(z))`
wgan           :math:`E f(G(z)) - E f(x)`                             :math:`-E f(G(z))`
hinge          :math:`E[1 - f(x)]_+ + E[1 + f(G(z))]_+`               :math:`-E f(G(z))`
lsgan          :math:`\tfrac12 E(f(x) - 1)^2 + \tfrac12 E f(G(z))^2`  :math:`\tfrac12 E(f(G(z)) - 1)^2`
=============  =====================================================  =================================

The minimax generator loss saturates: it is flat where :math:`D(G(z))` is near 0, early in
training, which is why Goodfellow et al. (2014) propose the non-saturating one.

References: Goodfellow et al. (2014); Arjovsky et al. (2017); Lim and Ye (2017); Mao et al. (2017).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["OBJECTIVES", "critic_loss", "generator_loss"]

OBJECTIVES = ("minimax", "nonsaturating", "wgan", "hinge", "lsgan")


def _check(objective: str, *scores: torch.Tensor) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    for s in scores:
        if not torch.is_floating_point(s):
            raise ValueError(f"scores must be a floating-point tensor, got dtype {s.dtype}")


def critic_loss(objective: str, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The critic's (discriminator's) loss for objective ``objective``; see the module table.

    With :math:`s_r` = ``real_scores``, :math:`s_f` = ``fake_scores`` and the means :math:`E` over
    each batch, the losses are

    .. math::

        \text{minimax, nonsaturating: }
            & E \operatorname{softplus}(-s_r) + E \operatorname{softplus}(s_f) \\
        \text{wgan: } & E s_f - E s_r \\
        \text{hinge: } & E[1 - s_r]_+ + E[1 + s_f]_+ \\
        \text{lsgan: } & \tfrac12 E (s_r - 1)^2 + \tfrac12 E s_f^2

    with :math:`\operatorname{softplus}(t) = \log(1 + e^t)`, so that :math:`-\log D =
    \operatorname{softplus}(-s)` and :math:`-\log(1 - D) = \operatorname{softplus}(s)`.

    Args:
        objective: one of :data:`OBJECTIVES`.
        real_scores, fake_scores: the critic's raw outputs on real and generated batches
            (floating-point tensors of any shape; each is averaged).

    Returns:
        a scalar tensor, the loss to minimise.

    A critic that scores real 1 and 3 and fake 0 has a Wasserstein gap of 2; an undecided
    discriminator (all scores 0, :math:`D = 1/2`) pays :math:`2 \log 2 = \log 4`:

    >>> critic_loss("wgan", torch.tensor([1.0, 3.0]), torch.tensor([0.0])).item()
    -2.0
    >>> round(critic_loss("minimax", torch.zeros(4), torch.zeros(4)).item(), 6)
    1.386294
    """
    _check(objective, real_scores, fake_scores)
    if objective in ("minimax", "nonsaturating"):
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
    if objective == "wgan":
        return fake_scores.mean() - real_scores.mean()
    if objective == "hinge":
        return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
    return 0.5 * (real_scores - 1).pow(2).mean() + 0.5 * fake_scores.pow(2).mean()


def generator_loss(objective: str, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The generator's loss for objective ``objective``; see the module table.

    With :math:`s_f` = ``fake_scores``:

    .. math::

        \text{minimax: } & -E \operatorname{softplus}(s_f) = E \log(1 - D(G(z))) \\
        \text{nonsaturating: } & E \operatorname{softplus}(-s_f) = -E \log D(G(z)) \\
        \text{wgan, hinge: } & -E s_f \\
        \text{lsgan: } & \tfrac12 E (s_f - 1)^2

    Args:
        objective: one of :data:`OBJECTIVES`.
        fake_scores: the critic's raw outputs on a generated batch (a floating-point tensor).

    Returns:
        a scalar tensor, the loss to minimise.

    Against an undecided discriminator (:math:`D = 1/2`) the non-saturating loss is
    :math:`\log 2` and the saturating one :math:`-\log 2`:

    >>> round(generator_loss("nonsaturating", torch.zeros(4)).item(), 6)
    0.693147
    >>> round(generator_loss("minimax", torch.zeros(4)).item(), 6)
    -0.693147
    >>> generator_loss("wgan", torch.tensor([1.0, 3.0])).item()
    -2.0
    """
    _check(objective, fake_scores)
    if objective == "minimax":
        return -F.softplus(fake_scores).mean()  # = E log(1 - D(G(z)))
    if objective == "nonsaturating":
        return F.softplus(-fake_scores).mean()  # = -E log D(G(z))
    if objective in ("wgan", "hinge"):
        return -fake_scores.mean()
    return 0.5 * (fake_scores - 1).pow(2).mean()
