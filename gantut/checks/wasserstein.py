"""Chapter 2, the Wasserstein distance: W1 between two samples in one dimension."""

from __future__ import annotations

import numpy as np

from gantut import metrics
from gantut.checks.engine import (Case, Checker, Sign, Verdict, Wrong, first_line, number,
                                  number_called, run)

__all__ = ["check_wasserstein_1d", "WASSERSTEIN_1D"]


def _two_samples() -> tuple[np.ndarray, np.ndarray]:
    """Two samples of size 40 whose quantile functions cross: no shortcut gives W1."""
    rng = np.random.default_rng(0)
    return rng.normal(0.0, 1.0, 40), rng.normal(0.5, 2.0, 40)


def _unequal_samples() -> tuple[np.ndarray, np.ndarray]:
    """Samples of sizes 40 and 25 (levels k/40 and k/25 interleave): sorting and matching fails."""
    rng = np.random.default_rng(1)
    return rng.normal(0.0, 1.0, 40), rng.normal(0.5, 2.0, 25)


class _Crashed:
    """What the student's function 'returned' when it raised on unequal sizes."""

    def __init__(self, error: Exception):
        self.error = error


def _allow_unequal_crash(fn):
    """Wrap ``fn`` so that a crash on samples of unequal sizes becomes an answer to name."""
    def wrapped(u, v):
        if len(u) == len(v):
            return fn(u, v)
        try:
            return fn(u, v)
        except NotImplementedError:
            raise
        except Exception as error:  # e.g. the equal-size formula: shapes (40,) and (25,)
            return _Crashed(error)
    return wrapped


def _unequal_answer(out, u, v) -> float:
    if isinstance(out, _Crashed):
        raise Wrong(f"your function raised {type(out.error).__name__} ({first_line(out.error)}) "
                    f"when the sizes differ (n = {len(u)}, n' = {len(v)}): matching the i-th smallest "
                    "values only works for n = n'. Use the quantile functions: sum, over the "
                    "intervals between consecutive levels in {k/n} and {k/n'}, the interval's width "
                    "times |F_x^-1 - F_y^-1| on it")
    return number(out, "W1")


def _truncated(u, v):
    k = min(len(u), len(v))
    return float(np.mean(np.abs(np.sort(u)[:k] - np.sort(v)[:k])))


def _resampled_longer(u, v):
    """Match each point of the shorter sample with one evenly spaced order statistic of the longer."""
    short, long_ = (np.sort(u), np.sort(v)) if len(u) <= len(v) else (np.sort(v), np.sort(u))
    picks = long_[np.linspace(0, len(long_) - 1, len(short)).round().astype(int)]
    return float(np.mean(np.abs(short - picks)))


def _gaps(u, v) -> np.ndarray:
    return np.sort(u) - np.sort(v)


def _divisor(got: float, u, v) -> int | None:
    """The whole number k other than n with got = sum |x_(i) - y_(i)| / k, if there is one."""
    k = float(np.abs(_gaps(u, v)).sum()) / got if got > 0 else 0.0
    return round(k) if k and abs(k - round(k)) < 1e-6 * k and round(k) != len(u) else None


def _wrong_divisor(got: float, u, v) -> str:
    k = _divisor(got, u, v)
    what = "you do not divide the sum at all" if k == 1 else f"you divide by {k}"
    return f"{what}; W1 is the mean, so divide the sum of |x_(i) - y_(i)| by n = {len(u)}"


WASSERSTEIN_1D = Checker(
    "wasserstein_1d",
    praise="correct, for equal and unequal sizes: the area between the two quantile functions",
    cases=[
        Case("two samples of size 40", _two_samples, expected=metrics.wasserstein_1d,
             answer=number_called("W1")),
        Case("x = [3, 0], y = [1, 4] (sorted: |0 - 1| and |3 - 4|)",
             lambda: (np.array([3.0, 0.0]), np.array([1.0, 4.0])), expected=1.0,
             answer=number_called("W1")),
        Case("samples of unequal sizes 40 and 25", _unequal_samples, expected=metrics.wasserstein_1d,
             answer=_unequal_answer, mistakes=[
                 (_truncated,
                  "with unequal sizes you dropped the extra points of the longer sample and matched "
                  "the rest; every point carries mass (1/n or 1/n'), so use the quantile functions "
                  "over the merged levels {k/n} and {k/n'}"),
                 (_resampled_longer,
                  "with unequal sizes you matched each point of the shorter sample with one order "
                  "statistic of the longer; the quantile functions step at every level in {k/n} and "
                  "{k/n'}, so sum over the merged levels, weighting each interval by its width"),
             ]),
    ],
    mistakes=[
        (lambda u, v: np.mean(np.abs(u - v)),
         "you forgot to sort: W1 pairs the i-th smallest x with the i-th smallest y, so sort both "
         "samples first"),
        (lambda u, v: np.mean(_gaps(u, v) ** 2),
         "you return the mean of squared differences (W2^2); W1 is the mean of absolute "
         "differences |x_(i) - y_(i)|"),
        (lambda u, v: np.sqrt(np.mean(_gaps(u, v) ** 2)),
         "you return W2 (root mean square difference); W1 is the mean of |x_(i) - y_(i)|"),
        (lambda u, v: abs(u.mean() - v.mean()),
         "you return |mean(x) - mean(y)|, which is only a lower bound on W1; average "
         "|x_(i) - y_(i)| over the sorted samples"),
        (lambda u, v: np.mean(np.abs(np.sort(u) - np.sort(v)[::-1])),
         "you sorted one sample up and the other down; sort both in increasing order"),
        (Sign(lambda got, u, v: _divisor(got, u, v) is not None), _wrong_divisor),
    ])


def check_wasserstein_1d(fn) -> Verdict:
    r"""Check ``fn(x, y) -> float``, :math:`W_1` between two 1-D samples of sizes n and n',

    .. math::  W_1 = \int_0^1 \lvert F_x^{-1}(t) - F_y^{-1}(t) \rvert \, dt
        \;=\; \frac1n \sum_i \lvert x_{(i)} - y_{(i)} \rvert \quad (n = n'),

    with :math:`x_{(i)}` the i-th smallest value, against :func:`gantut.metrics.wasserstein_1d`: on
    NumPy arrays of equal size whose quantile functions cross (so that no shortcut gives the right
    answer), on a two-point example, then on samples of sizes 40 and 25.

    Mistakes it names: forgetting to sort; sorting one sample up and the other down; the mean of
    squared differences (:math:`W_2^2`) or its square root (:math:`W_2`); the absolute difference
    of the means; dividing by the wrong number (n - 1, n + 1, 2n, ... or not at all); an array
    returned instead of a number; with unequal sizes, the equal-size formula (it crashes),
    dropping the extra points of the longer sample, or matching each point of the shorter sample
    with one order statistic of the longer.

    >>> bool(check_wasserstein_1d(lambda u, v: np.mean(np.abs(np.sort(u) - np.sort(v)))))
    ... # doctest: +ELLIPSIS
    ✗ wasserstein_1d: ... only works for n = n'...
    False
    """
    return run(WASSERSTEIN_1D, _allow_unequal_crash(fn))
