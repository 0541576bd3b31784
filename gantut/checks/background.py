"""Chapter 1, the original GAN: the optimal discriminator."""

from __future__ import annotations

import math

import numpy as np
import torch

from gantut import divergences
from gantut.checks.engine import Case, Checker, Sign, Wrong, Verdict, run

__all__ = ["check_optimal_discriminator", "OPTIMAL_DISCRIMINATOR"]

_X = np.linspace(-4, 4, 81)


def _gaussians() -> tuple[np.ndarray, np.ndarray]:
    return (np.exp(-_X**2 / 2) / math.sqrt(2 * math.pi),
            np.exp(-(_X - 1) ** 2 / 8) / math.sqrt(8 * math.pi))


def _values(out, p_r, p_g) -> np.ndarray:
    """One value per grid point, as a float array."""
    if isinstance(out, torch.Tensor):
        out = out.detach().cpu().numpy()
    values = np.asarray(out, dtype=float)
    if values.shape != p_r.shape:
        raise Wrong(f"your function returned shape {values.shape}; return one value per grid "
                    f"point, shape {p_r.shape}")
    return values


def _worst(d, p_r, p_g) -> str:
    expected = divergences.optimal_discriminator(p_r, p_g)
    i = int(np.argmax(np.abs(d - expected)))
    return f"at x = {_X[i]:.2f} you return {d[i]:.4g}, D* is {expected[i]:.4g}"


def _right_where_both_vanish(d, p_r, p_g) -> bool:
    return bool(np.all(np.isfinite(d)) and np.allclose(d[:3], [1.0, 0.5, 0.0]) and 0 <= d[3] <= 1)


OPTIMAL_DISCRIMINATOR = Checker(
    "optimal_discriminator",
    praise="correct: D* = p_r / (p_r + p_g), and a number in [0, 1] where both densities vanish",
    cases=[
        Case("two Gaussian densities", _gaussians, expected=divergences.optimal_discriminator,
             answer=_values, same=lambda a, b: np.allclose(a, b, atol=1e-8), fails=_worst,
             mistakes=[
                 (lambda p_r, p_g: p_g / (p_r + p_g),
                  "you return p_g / (p_r + p_g), the probability that a sample is *generated*; D* "
                  "is the probability that it is real: p_r / (p_r + p_g)"),
                 (lambda p_r, p_g: p_r / p_g,
                  "you return the density ratio p_r / p_g; D* = p_r / (p_r + p_g) is a "
                  "probability in [0, 1]"),
                 (lambda p_r, p_g: np.log(divergences.optimal_discriminator(p_r, p_g)),
                  "you return log D*; return D* itself"),
                 (Sign(lambda d, p_r, p_g: np.any(d < 0) or np.any(d > 1)),
                  "some values lie outside [0, 1]; a discriminator outputs probabilities"),
             ]),
        Case("probabilities with a zero in both",
             lambda: (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.5, 0.5, 0.0])),
             answer=_values, holds=_right_where_both_vanish,
             mistakes=[(Sign(lambda d, p_r, p_g: not np.all(np.isfinite(d))),
                        "where both densities are 0 you return NaN (0/0); the value there carries "
                        "no weight in V, so return any number in [0, 1], e.g. 1/2")],
             fails=lambda d, p_r, p_g: (f"on p_r = {p_r.tolist()}, p_g = {p_g.tolist()} you "
                                        f"return {d.tolist()}; expected [1, 0.5, 0, anything in "
                                        "[0, 1]]")),
    ])


def check_optimal_discriminator(fn) -> Verdict:
    r"""Check ``fn(p_r, p_g) -> D`` against :math:`D^* = p_r / (p_r + p_g)` on density values.

    Cases: two Gaussian densities on a grid of 81 points, and four points where both densities
    vanish at the last (the value there is arbitrary but must be a number in [0, 1]).

    Mistakes it names: the flipped ratio :math:`p_g / (p_r + p_g)`; the density ratio
    :math:`p_r / p_g`; a logarithm of :math:`D^*`; values outside [0, 1]; NaN from 0/0 where both
    densities are zero; a wrong shape.
    """
    return run(OPTIMAL_DISCRIMINATOR, fn)
