"""Chapter 4, Lipschitz constraints: the spectral norm by power iteration."""

from __future__ import annotations

from functools import partial

import torch

from gantut.checks.engine import Case, Checker, close, number_called, Verdict, run

__all__ = ["check_power_iteration", "POWER_ITERATION"]


def _non_symmetric() -> tuple[torch.Tensor, int]:
    """A 4 x 4 matrix with real eigenvalues 2, 1, -0.5, 0.25 whose top singular value is not 2."""
    g = torch.Generator().manual_seed(0)
    p = torch.eye(4, dtype=torch.float64) + 0.6 * torch.randn(4, 4, generator=g,
                                                              dtype=torch.float64)
    eigenvalues = torch.tensor([2.0, 1.0, -0.5, 0.25], dtype=torch.float64)
    return ((p * eigenvalues) @ torch.linalg.inv(p)).float(), 100


def _tall() -> tuple[torch.Tensor, int]:
    """A 7 x 3 matrix with singular values 3, 1.5 and 0.5."""
    g = torch.Generator().manual_seed(1)
    u, _ = torch.linalg.qr(torch.randn(7, 3, generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
    return ((u * torch.tensor([3.0, 1.5, 0.5], dtype=torch.float64)) @ v.T).float(), 100


def _sigma(w: torch.Tensor, n_iter: int = 0, k: int = 0) -> float:
    """The k-th largest singular value of ``w``, exactly."""
    return float(torch.linalg.svdvals(w.double())[k])


_EIGENVALUE = ("you return the largest eigenvalue of W; for a non-symmetric W that is not its "
               "largest singular value: iterate with both W and W^T")

POWER_ITERATION = Checker(
    "power_iteration",
    praise="correct: the top singular value, on square and rectangular matrices",
    cases=[Case(name, args, expected=_sigma, answer=number_called("sigma_1"),
                same=partial(close, rtol=1e-3))
           for name, args in (("a non-symmetric 4 x 4 matrix", _non_symmetric),
                              ("a 7 x 3 matrix", _tall))],
    mistakes=[
        (lambda w, n_iter: _sigma(w) ** 2,
         "you return sigma_1^2, the top eigenvalue of W^T W; take its square root, or return "
         "||W v|| with v a unit vector"),
        (lambda w, n_iter: float(w.double().norm()),
         "you return the Frobenius norm ||W||_F, an upper bound; the spectral norm is the top "
         "singular value"),
        (lambda w, n_iter: float(w.abs().max()),
         "you return the largest absolute entry of W; the spectral norm is the top singular value"),
        (lambda w, n_iter: _sigma(w, k=-1),
         "you return the smallest singular value; power iteration converges to the largest"),
        (lambda w, n_iter: -_sigma(w),
         "you return -sigma_1; the singular value is positive (use the norms)"),
        (lambda w, n_iter: float(torch.linalg.eigvals(w.double()).abs().max()), _EIGENVALUE),
        (lambda w, n_iter: float(torch.linalg.eigvals(w.double()).real.max()), _EIGENVALUE),
    ])


def check_power_iteration(fn) -> Verdict:
    r"""Check ``fn(W, n_iter) -> float``, the largest singular value :math:`\sigma_1(W)` by power
    iteration,

    .. math::  v \leftarrow W^\top u / \lVert W^\top u \rVert, \quad
               u \leftarrow W v / \lVert W v \rVert, \qquad \sigma_1 \approx u^\top W v,

    against ``torch.linalg.svdvals`` (relative error below 1e-3 with ``n_iter = 100``) on a square
    non-symmetric matrix with real eigenvalues and on a rectangular ``[7, 3]`` matrix, both
    ``float32`` like a layer's weights.

    Mistakes it names: returning :math:`\sigma_1^2` (the top eigenvalue of :math:`W^\top W`),
    the Frobenius norm, the largest absolute entry, the largest eigenvalue of W (which differs
    from :math:`\sigma_1` when W is not symmetric; what iterating with W alone finds), the
    smallest singular value, :math:`-\sigma_1`.
    """
    return run(POWER_ITERATION, fn)
