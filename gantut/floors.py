r"""Real-vs-real references ("floors") as distributions, not single draws.

A perfect generator does not score a distance of 0 on finite samples: two independent real
samples of size :math:`n` are already apart (the finite-sample bias of chapter 2). What it would
score is itself random, and from one pair of samples to the next it varies several-fold (print a
:class:`Floor` to see the range). A claim such as "within 2x of the floor" therefore needs the
distribution of that floor, drawn exactly as the evaluation draws its own comparison:

- :func:`w1_floor`: exact :math:`W_1` between the fixed real set that
  :func:`gantut.train.toy_evaluator` compares with (:func:`evaluation_set`) and fresh real samples
  of the same size, each playing the part of a perfect generator's :math:`n` samples;
- :func:`fd_floor`: the Frechet distance between :math:`n` training digits drawn without
  replacement (a generator that reproduced the training distribution) and the held-out digits that
  :func:`gantut.digits.frechet_evaluator` compares with.

Each returns a :class:`Floor`: the values of every draw, with their mean, spread and quantiles.
Results are cached per process: one number per (data, n, draws, seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

__all__ = ["Floor", "evaluation_set", "w1_floor", "fd_floor"]

EVAL_SEED = 1234  # the seed of toy_evaluator's real set and noise


@dataclass(frozen=True)
class Floor:
    """The distribution of a real-vs-real distance over independent draws.

    >>> f = Floor(values=(1.0, 2.0, 3.0), n=10, what="W1")
    >>> f.mean, round(f.sd, 4), f.quantile(0.5)
    (2.0, 1.0, 2.0)
    >>> str(f)
    'W1 real vs real: 2 +- 1 (mean +- sd over 3 draws, n = 10; range 1 to 3)'
    """

    values: tuple[float, ...]
    n: int
    what: str = "distance"

    @property
    def mean(self) -> float:
        """The mean over the draws."""
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        """The standard deviation over the draws (``ddof=1``)."""
        return float(np.std(self.values, ddof=1)) if len(self.values) > 1 else 0.0

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of the draws (``q`` in [0, 1])."""
        return float(np.quantile(self.values, q))

    def __str__(self) -> str:
        return (f"{self.what} real vs real: {self.mean:.3g} +- {self.sd:.2g} (mean +- sd over "
                f"{len(self.values)} draws, n = {self.n}; range {min(self.values):.3g} to "
                f"{max(self.values):.3g})")


def evaluation_set(toy, n: int = 1000, seed: int = EVAL_SEED) -> torch.Tensor:
    """The real set of ``n`` points that :func:`gantut.train.toy_evaluator` (same ``n`` and
    ``seed``) compares every generated set with.

    >>> from gantut.data import toy
    >>> evaluation_set(toy("8gaussians"), n=5).shape
    torch.Size([5, 2])
    """
    return toy.sample(n, generator=torch.Generator().manual_seed(seed))


@lru_cache(maxsize=32)
def _w1_floor(name: str, n: int, draws: int, seed: int, eval_seed: int) -> tuple[float, ...]:
    from gantut.data import toy
    from gantut.metrics import wasserstein

    data = toy(name)
    reference = evaluation_set(data, n, eval_seed)
    g = torch.Generator().manual_seed(seed)
    return tuple(wasserstein(data.sample(n, generator=g), reference) for _ in range(draws))


def w1_floor(toy, n: int = 1000, draws: int = 20, seed: int = 4321, eval_seed: int = EVAL_SEED) -> Floor:
    r"""Exact :math:`W_1` between :func:`evaluation_set` and ``draws`` fresh real samples of size
    ``n``: what a perfect generator would score under :func:`gantut.train.toy_evaluator`, as a
    distribution. Compare a generator's ``w1`` with its mean and spread at the same ``n``.

    >>> from gantut.data import toy
    >>> f = w1_floor(toy("8gaussians"), n=100, draws=3)
    >>> len(f.values), f.n, 0 < f.mean < 0.5
    (3, 100, True)
    """
    if draws < 2:
        raise ValueError(f"a floor needs at least 2 draws to have a spread, got draws={draws}")
    return Floor(_w1_floor(toy.name, int(n), int(draws), int(seed), int(eval_seed)), int(n), "W1")


@lru_cache(maxsize=8)
def _fd_floor(n: int | None, draws: int, seed: int) -> tuple[tuple[float, ...], int]:
    from gantut import digits
    from gantut.metrics import frechet_distance

    data = digits.split()
    n = n or len(data.test_images)
    reference = digits.features(data.test_images)
    g = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(draws):
        idx = torch.randperm(len(data.train_images), generator=g)[:n]
        values.append(frechet_distance(digits.features(data.train_images[idx]), reference))
    return tuple(values), n


def fd_floor(n: int | None = None, draws: int = 20, seed: int = 4321) -> Floor:
    r"""The Frechet distance :math:`d_F^2` between ``n`` training digits (drawn without
    replacement, afresh for each of ``draws`` draws) and the held-out digits: what a generator that
    reproduced the training distribution would score under
    :func:`gantut.digits.frechet_evaluator` with ``n`` images (default: as many as held out).

    >>> f = fd_floor(n=100, draws=2)
    >>> len(f.values), f.n, f.mean > 0
    (2, 100, True)
    """
    if draws < 2:
        raise ValueError(f"a floor needs at least 2 draws to have a spread, got draws={draws}")
    values, n = _fd_floor(n, int(draws), int(seed))
    return Floor(values, n, "d_F^2")
