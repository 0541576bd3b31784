r"""Check exercise answers and say, in one friendly line, what is right or what to look at.

Each checker takes the student's function, runs it on a few small cases with fixed seeds, compares
the answers with the reference implementation in :mod:`gantut` and, when one differs, with the
mistakes students most often make, so that the verdict can name the mistake rather than only say
"wrong". It prints one line and returns a :class:`~gantut.checks.engine.Verdict`, true only when
the answer is correct (a checker call at the end of a cell shows only the printed line):

- ``✓ name: ...``  correct;
- ``✗ name: ...``  a mistake, named where it is a known one, or the case where the answer differs;
- ``… name: ...``  the exercise cell still says ``raise NotImplementedError``.

A checker never raises because of the student's code: an exception inside it becomes a ``✗``
verdict that says on which case it happened. It draws its random numbers from its own seeds and
leaves the global random state of PyTorch as it found it.

How a checker works: it is data, a :class:`~gantut.checks.engine.Checker` (say
``wasserstein.WASSERSTEIN_1D``) holding a list of cases, each the arguments to call the function
with and the expected answer or a property the answer must have, and a list of (mistake, message)
pairs. A mistake is a wrong implementation, which matches when it gives the student's answer, or
a :class:`~gantut.checks.engine.Sign` that recognises a wrong answer.
:func:`~gantut.checks.engine.run` calls the function on the cases in order and, at the first wrong
answer, prints the message of the first mistake that matches, or what was expected. Teaching a
checker a new mistake is adding one pair. ``CHECKERS`` lists every checker's declaration.

Modules:

- :mod:`~gantut.checks.engine`       the verdict engine: ``Checker``, ``Case``, ``Sign``, ``run``
- :mod:`~gantut.checks.background`   chapter 1: :func:`check_optimal_discriminator`
- :mod:`~gantut.checks.wasserstein`  chapter 2: :func:`check_wasserstein_1d`
- :mod:`~gantut.checks.objectives`   chapter 3: :func:`check_wgan_critic_loss`
- :mod:`~gantut.checks.lipschitz`    chapter 4: :func:`check_power_iteration`
- :mod:`~gantut.checks.wgan_gp`      chapter 5: :func:`check_gradient_penalty`,
  :func:`check_mode_coverage` and :func:`check_frechet_distance` (chapter 5b, again in chapter 6)
- :mod:`~gantut.checks.latents`      chapter 5c: :func:`check_share_bound`

>>> def my_loss(real_scores, fake_scores):
...     return fake_scores.mean() - real_scores.mean()
>>> ok = check_wgan_critic_loss(my_loss)  # doctest: +ELLIPSIS
✓ wgan_critic_loss: correct: ...
>>> bool(ok)
True
"""

from gantut.checks.background import OPTIMAL_DISCRIMINATOR, check_optimal_discriminator
from gantut.checks.latents import SHARE_BOUND, check_share_bound
from gantut.checks.lipschitz import POWER_ITERATION, check_power_iteration
from gantut.checks.objectives import WGAN_CRITIC_LOSS, check_wgan_critic_loss
from gantut.checks.wasserstein import WASSERSTEIN_1D, check_wasserstein_1d
from gantut.checks.wgan_gp import (
    FRECHET_DISTANCE,
    GRADIENT_PENALTY,
    MODE_COVERAGE,
    check_frechet_distance,
    check_gradient_penalty,
    check_mode_coverage,
)

__all__ = [
    "check_optimal_discriminator",
    "check_gradient_penalty",
    "check_wgan_critic_loss",
    "check_wasserstein_1d",
    "check_power_iteration",
    "check_mode_coverage",
    "check_frechet_distance",
    "check_share_bound",
    "CHECKERS",
]

#: Every checker's declaration, in the order of the chapters.
CHECKERS = (OPTIMAL_DISCRIMINATOR, WASSERSTEIN_1D, WGAN_CRITIC_LOSS, POWER_ITERATION,
            GRADIENT_PENALTY, MODE_COVERAGE, FRECHET_DISTANCE, SHARE_BOUND)
