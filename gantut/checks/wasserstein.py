"""Chapter 2, the Wasserstein distance: W1 between two samples in one dimension."""

from __future__ import annotations

import numpy as np

from gantut import metrics
from gantut.checks.engine import Case, Checker, Sign, number_called, Verdict, run

__all__ = ["check_wasserstein_1d", "WASSERSTEIN_1D"]


def _two_samples() -> tuple[np.ndarray, np.ndarray]:
    """Two samples of size 40 whose quantile functions cross: no shortcut gives W1."""
    rng = np.random.default_rng(0)
    return rng.normal(0.0, 1.0, 40), rng.normal(0.5, 2.0, 40)


def _gaps(u, v) -> np.ndarray:
    return np.sort(u) - np.sort(v)


def _divisor(got: float, u, v) -> int | None:
    """The whole number k other than n with got = sum |u_(i) - v_(i)| / k, if there is one."""
    k = float(np.abs(_gaps(u, v)).sum()) / got if got > 0 else 0.0
    return round(k) if k and abs(k - round(k)) < 1e-6 * k and round(k) != len(u) else None


def _wrong_divisor(got: float, u, v) -> str:
    k = _divisor(got, u, v)
    what = "you do not divide the sum at all" if k == 1 else f"you divide by {k}"
    return f"{what}; W1 is the mean, so divide the sum of |u_(i) - v_(i)| by n = {len(u)}"


WASSERSTEIN_1D = Checker(
    "wasserstein_1d",
    praise="correct: the mean absolute difference of the sorted samples",
    cases=[
        Case("two samples of size 40", _two_samples, expected=metrics.wasserstein_1d,
             answer=number_called("W1")),
        Case("u = [3, 0], v = [1, 4] (sorted: |0 - 1| and |3 - 4|)",
             lambda: (np.array([3.0, 0.0]), np.array([1.0, 4.0])), expected=1.0,
             answer=number_called("W1")),
    ],
    mistakes=[
        (lambda u, v: np.mean(np.abs(u - v)),
         "you forgot to sort: W1 pairs the i-th smallest u with the i-th smallest v, so sort both "
         "samples first"),
        (lambda u, v: np.mean(_gaps(u, v) ** 2),
         "you return the mean of squared differences (W2^2); W1 is the mean of absolute "
         "differences |u_(i) - v_(i)|"),
        (lambda u, v: np.sqrt(np.mean(_gaps(u, v) ** 2)),
         "you return W2 (root mean square difference); W1 is the mean of |u_(i) - v_(i)|"),
        (lambda u, v: abs(u.mean() - v.mean()),
         "you return |mean(u) - mean(v)|, which is only a lower bound on W1; average "
         "|u_(i) - v_(i)| over the sorted samples"),
        (lambda u, v: np.mean(np.abs(np.sort(u) - np.sort(v)[::-1])),
         "you sorted one sample up and the other down; sort both in increasing order"),
        (Sign(lambda got, u, v: _divisor(got, u, v) is not None), _wrong_divisor),
    ])


def check_wasserstein_1d(fn) -> Verdict:
    r"""Check ``fn(u, v) -> float``, :math:`W_1` between two 1-D samples of equal size n,

    .. math::  W_1 = \frac1n \sum_i \lvert u_{(i)} - v_{(i)} \rvert

    with :math:`u_{(i)}` the i-th smallest value, against :func:`gantut.metrics.wasserstein_1d`, on
    NumPy arrays whose quantile functions cross (so that no shortcut gives the right answer), then
    on a two-point example.

    Mistakes it names: forgetting to sort; sorting one sample up and the other down; the mean of
    squared differences (:math:`W_2^2`) or its square root (:math:`W_2`); the absolute difference
    of the means; dividing by the wrong number (n - 1, n + 1, 2n, ... or not at all); an array
    returned instead of a number.
    """
    return run(WASSERSTEIN_1D, fn)
