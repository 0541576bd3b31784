r"""The five GAN objectives of the book, written on the critic's raw scores.

``real_scores`` and ``fake_scores`` are the critic's outputs :math:`s = f(x)` before any sigmoid.
For the log-loss games (minimax, non-saturating) the discriminator is
:math:`D(x) = \sigma(f(x))`, and :math:`-\log \sigma(s) = \operatorname{softplus}(-s)` keeps the
losses finite when :math:`D` is confident. Each function returns a loss to *minimise*.

=============  ===========================================  ========================================
kind           critic loss                                  generator loss
=============  ===========================================  ========================================
minimax        :math:`-E\log D(x) - E\log(1 - D(G(z)))`     :math:`E\log(1 - D(G(z)))` (saturating)
nonsaturating  same as minimax                              :math:`-E\log D(G(z))`
wgan           :math:`E f(G(z)) - E f(x)`                   :math:`-E f(G(z))`
hinge          :math:`E[1 - f(x)]_+ + E[1 + f(G(z))]_+`     :math:`-E f(G(z))`
lsgan          :math:`\tfrac12 E(f(x) - 1)^2 + \tfrac12 E f(G(z))^2`   :math:`\tfrac12 E(f(G(z)) - 1)^2`
=============  ===========================================  ========================================

References: Goodfellow et al. (2014); Arjovsky et al. (2017); Lim and Ye (2017); Mao et al. (2017).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["KINDS", "critic_loss", "generator_loss"]

KINDS = ("minimax", "nonsaturating", "wgan", "hinge", "lsgan")


def _check(kind: str, *scores: torch.Tensor) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown loss kind {kind!r}; choose one of {', '.join(KINDS)}")
    for s in scores:
        if not torch.is_floating_point(s):
            raise ValueError(f"scores must be a floating-point tensor, got dtype {s.dtype}")


def critic_loss(kind: str, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """The critic's (discriminator's) loss for objective ``kind``; see the module table."""
    _check(kind, real_scores, fake_scores)
    if kind in ("minimax", "nonsaturating"):
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
    if kind == "wgan":
        return fake_scores.mean() - real_scores.mean()
    if kind == "hinge":
        return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
    return 0.5 * (real_scores - 1).pow(2).mean() + 0.5 * fake_scores.pow(2).mean()


def generator_loss(kind: str, fake_scores: torch.Tensor) -> torch.Tensor:
    """The generator's loss for objective ``kind``; see the module table."""
    _check(kind, fake_scores)
    if kind == "minimax":
        return -F.softplus(fake_scores).mean()  # = E log(1 - D(G(z)))
    if kind == "nonsaturating":
        return F.softplus(-fake_scores).mean()  # = -E log D(G(z))
    if kind in ("wgan", "hinge"):
        return -fake_scores.mean()
    return 0.5 * (fake_scores - 1).pow(2).mean()
