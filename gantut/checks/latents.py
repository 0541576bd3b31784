"""Chapter 5c, between the modes: the isoperimetric bound on the share of samples on the modes."""

from __future__ import annotations

from scipy.stats import norm

from gantut import latents
from gantut.checks.engine import Case, Checker, Verdict, number_called, run

__all__ = ["check_share_bound", "SHARE_BOUND"]


def _phi(x: float) -> float:
    return float(norm.cdf(x))


def _phi_inv(p: float) -> float:
    return float(norm.ppf(p))


SHARE_BOUND = Checker(
    "share_bound",
    praise="correct: m Phi(Phi^-1(1/m) - D/(2L)), half the gap on each side of every preimage",
    cases=[
        Case("two modes, D = 2, L = 1 (2 Phi(-1) = 0.3173)", lambda: (2, 2.0, 1.0),
             expected=latents.isoperimetric_share_bound, answer=number_called("the share bound")),
        Case("the ring: m = 8, D = 0.998, L = 20", lambda: (8, 0.998, 20.0),
             expected=latents.isoperimetric_share_bound, answer=number_called("the share bound")),
        Case("the grid: m = 25, D = 0.601, L = 4", lambda: (25, 0.601, 4.0),
             expected=latents.isoperimetric_share_bound, answer=number_called("the share bound")),
    ],
    mistakes=[
        (lambda m, d, L: m * _phi(_phi_inv(1 / m) - d / L),
         "you enlarge each preimage by the whole gap D/L; the preimages are D/L apart, so only "
         "enlargements by half of it, D/(2L), are sure to be disjoint"),
        (lambda m, d, L: m * _phi(_phi_inv(1 / m) + d / (2 * L)),
         "the sign of D/(2L) is flipped: the enlargement adds D/(2L) to Phi^-1 of each preimage's "
         "mass, so the mass itself must be below Phi(Phi^-1(1/m) - D/(2L))"),
        (lambda m, d, L: _phi(_phi_inv(1 / m) - d / (2 * L)),
         "that is the bound on one mode's mass; the share on all m modes is m times it"),
        (lambda m, d, L: 1 - m * _phi(_phi_inv(1 / m) - d / (2 * L)),
         "you return the share that must fall between the modes (1 minus the bound); the exercise "
         "asks for the largest share on the modes"),
        (lambda m, d, L: m * _phi(-d / (2 * L)),
         "you used Phi(-D/(2L)) for every mode, the two-mode value; with m modes each preimage "
         "starts from mass 1/m, so the argument is Phi^-1(1/m) - D/(2L)"),
    ])


def check_share_bound(fn) -> Verdict:
    r"""Check ``fn(m, distance, lipschitz) -> float``, the largest share of samples an
    :math:`L`-Lipschitz generator of a Gaussian latent can put on :math:`m` sets pairwise
    :math:`D` apart with equal mass on each,

    .. math::  m\, \Phi\big(\Phi^{-1}(1/m) - D/(2L)\big),

    against :func:`gantut.latents.isoperimetric_share_bound` on two modes, the ring and the grid.

    Mistakes it names: the whole gap D/L instead of half; the sign of D/(2L); one mode's mass
    instead of m times it; the share between the modes instead; the two-mode formula for every m.

    >>> from scipy.stats import norm
    >>> bool(check_share_bound(lambda m, d, L: m * norm.cdf(norm.ppf(1 / m) - d / L)))
    ... # doctest: +ELLIPSIS
    ✗ share_bound: ... half of it, D/(2L)...
    False
    """
    return run(SHARE_BOUND, fn)
