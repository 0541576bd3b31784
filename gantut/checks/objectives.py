"""Chapter 3, the objectives: the WGAN critic loss."""

from __future__ import annotations

import operator
from functools import partial

import torch
import torch.nn.functional as F

from gantut import losses
from gantut.checks.engine import Case, Checker, Wrong, close, number, Verdict, run

__all__ = ["check_wgan_critic_loss", "WGAN_CRITIC_LOSS"]


def _scores(shape: tuple[int, ...], seed: int):
    """Raw critic scores on real (around 1) and fake (around -0.5) samples, tracked by autograd."""
    def args() -> tuple[torch.Tensor, torch.Tensor]:
        g = torch.Generator().manual_seed(seed)
        return ((torch.randn(shape, generator=g) + 1.0).requires_grad_(True),
                (torch.randn(shape, generator=g) - 0.5).requires_grad_(True))
    return args


def _loss(out, real, fake) -> float:
    if not isinstance(out, torch.Tensor):
        raise Wrong(f"your function returned a {type(out).__name__}; return a scalar tensor (not "
                    ".item()), so that the critic can be trained")
    return number(out, "the critic loss")


def _wgan_loss(real, fake) -> float:
    return float(losses.critic_loss("wgan", real.detach(), fake.detach()))


def _values(shape: tuple[int, ...], seed: int) -> Case:
    return Case(f"scores of shape {list(shape)}", _scores(shape, seed), expected=_wgan_loss,
                answer=_loss, same=partial(close, rtol=1e-5))


WGAN_CRITIC_LOSS = Checker(
    "wgan_critic_loss",
    praise="correct: E f(fake) - E f(real) on the raw scores, averaged over the batch",
    cases=[
        _values((16,), 0),
        _values((16, 1), 1),
        Case("scores of shape [16]", _scores((16,), 0), expected=True, same=operator.eq,
             answer=lambda out, real, fake: isinstance(out, torch.Tensor) and out.requires_grad,
             mistakes=[(lambda real, fake: (fake.mean() - real.mean()).detach(),
                        "the loss is cut from the autograd graph (a .item(), .detach() or NumPy "
                        "step?); return a tensor the critic can be trained with")]),
    ],
    mistakes=[
        (lambda real, fake: real.mean() - fake.mean(),
         "the sign of the critic loss is flipped: the critic minimises E f(fake) - E f(real)"),
        (lambda real, fake: F.softplus(-real).mean() + F.softplus(fake).mean(),
         "you used the sigmoid/log loss (binary cross-entropy) of the original GAN; the WGAN "
         "critic loss is E f(fake) - E f(real) on the raw scores, no sigmoid, no log"),
        (lambda real, fake: torch.sigmoid(fake).mean() - torch.sigmoid(real).mean(),
         "you applied a sigmoid to the scores; the WGAN critic's scores are raw real numbers: "
         "E f(fake) - E f(real)"),
        (lambda real, fake: fake.sum() - real.sum(),
         "you sum the scores; take the mean over the batch"),
        (lambda real, fake: real.sum() - fake.sum(),
         "you sum the scores and the sign is flipped: the critic minimises "
         "mean(f(fake)) - mean(f(real))"),
    ])


def check_wgan_critic_loss(fn) -> Verdict:
    r"""Check ``fn(real_scores, fake_scores) -> scalar tensor``, the WGAN critic loss

    .. math::  L_{\text{critic}} = \mathbb{E} f(\tilde x) - \mathbb{E} f(x),

    on raw scores of shape ``[n]`` and ``[n, 1]``, against
    ``gantut.losses.critic_loss("wgan", ...)``, and that it stays differentiable.

    Mistakes it names: the sign flipped; a sigmoid or log loss (binary cross-entropy) instead of
    the raw scores; a sigmoid applied to the scores; the sum instead of the mean (with or without
    the sign flipped); a Python number returned (``.item()``); a loss cut from the autograd graph.
    """
    return run(WGAN_CRITIC_LOSS, fn)
