r"""Check exercise answers and say, in one friendly line, what is right or what to look at.

Each checker takes the student's function, runs it on a few small cases with fixed seeds, compares
it with the reference implementation in :mod:`gantut` and, when it differs, with the mistakes
students most often make, so that the verdict can name the mistake rather than only say "wrong".
It prints one line and returns ``True`` only when the answer is correct:

- ``✓ name: ...``  correct;
- ``✗ name: ...``  a mistake, named where it is a known one, or the case where the answer differs;
- ``… name: ...``  the exercise cell still says ``raise NotImplementedError``.

A checker never raises because of the student's code: an exception inside it becomes a ``✗``
verdict that says on which case it happened. It draws its random numbers from its own seeds and
leaves the global random state of PyTorch as it found it.

>>> def my_loss(real_scores, fake_scores):
...     return fake_scores.mean() - real_scores.mean()
>>> check_wgan_critic_loss(my_loss)  # doctest: +ELLIPSIS
✓ wgan_critic_loss: correct: ...
True
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gantut import divergences, losses, metrics

__all__ = [
    "check_optimal_discriminator",
    "check_gradient_penalty",
    "check_wgan_critic_loss",
    "check_wasserstein_1d",
    "check_power_iteration",
    "check_mode_coverage",
    "check_frechet_distance",
]


# --------------------------------------------------------------------------------------------
# the shared verdict
# --------------------------------------------------------------------------------------------
class _Mistake(Exception):
    """A wrong answer; the message is the sentence the student reads."""


def _verdict(name: str, run: Callable[[], str]) -> bool:
    """Run the checks in ``run`` and print one verdict line for exercise ``name``.

    ``run`` returns the text of the success line, or raises :class:`_Mistake`. The student's
    ``NotImplementedError`` means the exercise is not done yet; any other exception is reported,
    never re-raised, so that a notebook keeps running.
    """
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            praise = run()
    except NotImplementedError:
        print(f"… {name}: not yet implemented; replace `raise NotImplementedError` with your code "
              "and run the cell again")
        return False
    except _Mistake as mistake:
        print(f"✗ {name}: {mistake}")
        return False
    except Exception as error:  # e.g. from backward() on the answer's output: report, never raise
        print(f"✗ {name}: checking stopped with {type(error).__name__}: {_first_line(error)}")
        return False
    print(f"✓ {name}: {praise}")
    return True


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "(no message)"


def _call(fn: Callable, args: tuple, case: str) -> Any:
    """Call the student's function; turn a crash into a verdict that says on which case."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        raise _Mistake(
            f"your function raised {type(error).__name__} on {case}: {_first_line(error)}"
        ) from None


def _number(value: Any, what: str) -> float:
    """A Python float from a float, NumPy scalar or one-element array or tensor, else a mistake."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise _Mistake(f"{what} should be a single number, but your function returned a tensor "
                           f"of shape {tuple(value.shape)}; did you forget to average?")
        if value.is_complex():
            raise _Mistake(f"{what} is a complex number; take its real part")
        return float(value.detach())
    if np.iscomplexobj(value):
        raise _Mistake(f"{what} is a complex number ({complex(np.asarray(value).ravel()[0]):.4g}); "
                       "scipy.linalg.sqrtm can leave tiny imaginary parts: take .real")
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise _Mistake(f"{what} should be a number, but your function returned "
                       f"{type(value).__name__}")
    if array.size != 1:
        raise _Mistake(f"{what} should be a single number, but your function returned an array of "
                       f"shape {array.shape}; did you forget to average?")
    return float(array.ravel()[0])


def _close(a: float, b: float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def _diagnose(got: float, expected: float, candidates: list[tuple[float, str]], context: str,
              rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Raise a mistake naming the candidate that ``got`` matches, or a plain comparison."""
    if not math.isfinite(got):
        raise _Mistake(f"{context}: your function returned {got}")
    if _close(got, expected, rtol, atol):
        return
    for value, message in candidates:
        if math.isfinite(value) and _close(got, value, rtol, atol):
            raise _Mistake(message)
    raise _Mistake(f"{context}: expected {expected:.6g}, your function returned {got:.6g}")


# --------------------------------------------------------------------------------------------
# 1. the gradient penalty
# --------------------------------------------------------------------------------------------
class _RecordingCritic(nn.Module):
    """f(x) = <w, flatten(x)>, remembering every batch it is evaluated on."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return x.flatten(1) @ self.w


class _SquareCritic(nn.Module):
    """f(x) = ||x||^2, whose gradient 2x has a norm that depends on where x is."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1).pow(2).sum(dim=1)


def _penalty_tensor(out: Any, case: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise _Mistake(f"on {case} your function returned a {type(out).__name__}; return the "
                       "penalty as a scalar tensor (not .item()), so that it can be backpropagated")
    if out.numel() != 1:
        raise _Mistake(f"on {case} your function returned a tensor of shape {tuple(out.shape)}, "
                       "not a scalar: average the per-sample penalties over the batch with .mean()")
    return out


def _gp_interpolation(fn: Callable) -> None:
    """real = 1 and fake = 0, so the points the critic sees are the weights eps themselves."""
    n, d = 256, 3
    critic = _RecordingCritic(torch.full((d,), 0.5))
    _call(fn, (critic, torch.ones(n, d), torch.zeros(n, d)), "real = ones, fake = zeros")
    if not critic.seen:
        raise _Mistake("your function never evaluates the critic; compute critic(x_hat) at the "
                       "interpolates x_hat = eps * real + (1 - eps) * fake")
    x_hat = critic.seen[-1]
    if x_hat.shape != (n, d):
        raise _Mistake(f"the critic was evaluated on a batch of shape {tuple(x_hat.shape)}; "
                       f"x_hat should have the shape of real and fake, {(n, d)}")
    if torch.allclose(x_hat, torch.ones(n, d)):
        raise _Mistake("the penalty is taken at the real points only; take it at the interpolates "
                       "x_hat = eps * real + (1 - eps) * fake")
    if torch.allclose(x_hat, torch.zeros(n, d)):
        raise _Mistake("the penalty is taken at the fake points only; take it at the interpolates "
                       "x_hat = eps * real + (1 - eps) * fake")
    normal = bool((x_hat < -1e-6).any() or (x_hat > 1 + 1e-6).any())
    per_coordinate = bool((x_hat.max(dim=1).values - x_hat.min(dim=1).values).max() > 1e-6)
    if normal and per_coordinate:
        raise _Mistake("your interpolation weight is drawn from a normal distribution and once per "
                       "coordinate; use torch.rand, uniform on [0, 1], once per sample: "
                       "torch.rand(n, 1, ...) with a 1 for every non-batch dimension")
    if normal:
        raise _Mistake("your interpolation weight is drawn from a normal distribution; use "
                       "torch.rand, uniform on [0, 1]")
    if per_coordinate:
        raise _Mistake("you draw one interpolation weight per pixel/coordinate; draw one per "
                       "sample, eps = torch.rand(n, 1, ...) with a 1 for every non-batch "
                       "dimension, so that x_hat lies on the segment between real and fake")
    eps = x_hat[:, 0]
    if float(eps.std()) < 1e-6:
        raise _Mistake(f"every sample gets the same interpolation weight ({float(eps[0]):.3g}); "
                       "draw one per sample with torch.rand(n, 1, ...)")
    if not (0.4 < float(eps.mean()) < 0.6 and float(eps.min()) < 0.1 and float(eps.max()) > 0.9):
        raise _Mistake(f"your interpolation weights do not fill [0, 1] uniformly (mean "
                       f"{float(eps.mean()):.3g}, range [{float(eps.min()):.3g}, "
                       f"{float(eps.max()):.3g}]); use eps = torch.rand(n, 1, ...)")


def _gp_formula(fn: Callable, shape: tuple[int, ...], case: str) -> None:
    """A linear critic with ||w|| = 3: the penalty is (3 - 1)^2 = 4 wherever x_hat is."""
    g = torch.Generator().manual_seed(1)
    n = shape[0]
    w = torch.randn(math.prod(shape[1:]), generator=g)
    w = 3.0 * w / w.norm()
    real, fake = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    out = _penalty_tensor(_call(fn, (_RecordingCritic(w), real, fake), case), case)
    got = float(out.detach())

    grad = w.view(shape[1:]).expand(shape)  # the gradient of the critic at every point
    norm = grad.flatten(1).norm(dim=1)

    def gp_with(norms: torch.Tensor) -> float:
        return float((norms - 1).pow(2).mean())

    fix = "take the norm over all non-batch dimensions, grad.flatten(1).norm(dim=1)"
    candidates = [
        (float(norm.pow(2).mean()), "you penalise the squared gradient norm ||grad||^2 (or forgot "
                                    "the -1); the two-sided penalty is (||grad|| - 1)^2"),
        (float((norm - 1).mean()), "you forgot to square: the penalty is (||grad|| - 1)^2, "
                                   "not ||grad|| - 1"),
        (float(norm.mean()), "you return the gradient norm itself; the penalty is "
                             "(||grad|| - 1)^2, averaged over the batch"),
        (float((norm.pow(2) - 1).pow(2).mean()), "you use (||grad||^2 - 1)^2; take the norm, not "
                                                 "its square, before subtracting 1"),
        (float((norm - 1).pow(2).sum()), "you sum the penalty over the batch; take the mean, so "
                                         "that it does not grow with the batch size"),
        (gp_with(norm / n), "your gradients are n times too small: you differentiated "
                            "critic(x_hat).mean(); differentiate critic(x_hat).sum() (or pass "
                            "grad_outputs=torch.ones_like(scores))"),
        (gp_with(grad.norm(dim=0).flatten()), "the gradient norm is taken over the batch "
                                              "dimension; " + fix),
        (gp_with(grad.norm().reshape(1)), "the gradient norm is taken over the whole batch at "
                                          "once; " + fix),
    ]
    if len(shape) > 2:
        candidates += [
            (gp_with(grad.norm(dim=-1).flatten()), "the gradient norm is taken over the last "
                                                   "dimension only; " + fix),
            (gp_with(grad.norm(dim=1).flatten()), "the gradient norm is taken over dimension 1 "
                                                  "only; " + fix),
        ]
    _diagnose(got, 4.0, candidates,
              f"on {case}, a linear critic f(x) = <w, x> with ||w|| = 3 has penalty "
              "(3 - 1)^2 = 4 wherever the interpolates are")


def _gp_trains_critic(fn: Callable) -> None:
    """The penalty must be differentiable in the critic's weights (create_graph=True)."""
    g = torch.Generator().manual_seed(2)
    critic = nn.Linear(4, 1)
    with torch.no_grad():
        w = torch.randn(4, generator=g)
        critic.weight.copy_(3.0 * w / w.norm())
    case = "an nn.Linear critic"
    out = _penalty_tensor(_call(fn, (critic, torch.randn(8, 4, generator=g),
                                     torch.randn(8, 4, generator=g)), case), case)
    untrained = ("the penalty does not reach the critic's weights, so it cannot train the critic: "
                 "pass create_graph=True to torch.autograd.grad (and do not detach the result)")
    if not out.requires_grad:
        raise _Mistake(untrained)
    try:
        out.backward()
    except RuntimeError as error:
        raise _Mistake(f"backward() through your penalty failed: {_first_line(error)}") from None
    grad = critic.weight.grad
    if grad is None or float(grad.abs().max()) == 0.0:
        raise _Mistake(untrained)
    w = critic.weight.detach()
    expected = 2 * (w.norm() - 1) * w / w.norm()  # d/dW of (||W|| - 1)^2
    if not torch.allclose(grad, expected, rtol=1e-3, atol=1e-5):
        raise _Mistake("the penalty's gradient with respect to the critic's weights is wrong; "
                       "build it from torch.autograd.grad(..., create_graph=True)")


def _gp_nonlinear(fn: Callable) -> None:
    """f(x) = ||x||^2 on random pairs: the average must match E_eps[(2 ||x_hat|| - 1)^2]."""
    g = torch.Generator().manual_seed(3)
    n = 2000
    real, fake = torch.randn(n, 2, generator=g) + 1.5, torch.randn(n, 2, generator=g)
    case = "a nonlinear critic f(x) = ||x||^2"
    got = float(_penalty_tensor(_call(fn, (_SquareCritic(), real, fake), case), case).detach())
    # the exact expectation over eps for each pair, by the midpoint rule on 400 nodes
    eps = (torch.arange(400, dtype=torch.float64) + 0.5) / 400
    r, f = real.double()[:, None, :], fake.double()[:, None, :]
    x_hat = eps[None, :, None] * r + (1 - eps[None, :, None]) * f
    values = (2 * x_hat.norm(dim=2) - 1).pow(2)  # [n, 400]
    mean = float(values.mean())
    se = math.sqrt(float(values.mean(dim=1).var() + values.var(dim=1).mean()) / n)
    if not abs(got - mean) < 5 * se + 1e-3:
        raise _Mistake(f"on {case} with random real and fake points the penalty should be about "
                       f"{mean:.3f} (within {5 * se:.2f}), your function returned {got:.4g}")


def check_gradient_penalty(fn: Callable) -> bool:
    r"""Check ``fn(critic, real, fake) -> scalar tensor``, the two-sided WGAN-GP penalty.

    .. math::

        \mathrm{GP} = \mathbb{E}\big[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2\big], \quad
        \hat x = \epsilon x + (1 - \epsilon) \tilde x, \ \epsilon \sim U[0, 1]

    without :math:`\lambda`, as :func:`gantut.lipschitz.gradient_penalty` computes it. Probes: a
    critic that records the points it sees with real = 1 and fake = 0 (then :math:`\hat x =
    \epsilon`); linear critics, whose penalty is :math:`(\lVert w \rVert - 1)^2` wherever
    :math:`\hat x` is, on ``[n, d]`` and image-shaped ``[n, 1, 8, 8]`` batches; an ``nn.Linear``
    critic, to see that the penalty trains it; and :math:`f(x) = \lVert x \rVert^2`.

    Mistakes it names: an interpolation weight from a normal distribution; one weight per
    pixel/coordinate instead of one per sample (or one for the whole batch); the norm over the
    wrong dimensions (the last one, dimension 1, the batch, everything at once); no
    ``create_graph=True``, so that the penalty does not train the critic; the squared norm instead
    of :math:`(\lVert\nabla f\rVert - 1)^2`, or a missing square; the sum over the batch instead of
    the mean; the gradient of ``scores.mean()`` (n times too small); the penalty at the real or
    fake points only instead of the interpolates; a Python float or a per-sample vector returned.
    """
    def run() -> str:
        _gp_interpolation(fn)
        _gp_formula(fn, (8, 4), "a batch of shape [8, 4]")
        _gp_formula(fn, (6, 1, 8, 8), "image-shaped batches [6, 1, 8, 8]")
        _gp_trains_critic(fn)
        _gp_nonlinear(fn)
        return ("correct: one uniform weight per sample, the norm over all non-batch dimensions, "
                "(||grad|| - 1)^2 averaged over the batch, and it trains the critic")
    return _verdict("gradient_penalty", run)


# --------------------------------------------------------------------------------------------
# 2. the WGAN critic loss
# --------------------------------------------------------------------------------------------
def check_wgan_critic_loss(fn: Callable) -> bool:
    r"""Check ``fn(real_scores, fake_scores) -> scalar tensor``, the WGAN critic loss

    .. math::  L_{\text{critic}} = \mathbb{E} f(\tilde x) - \mathbb{E} f(x),

    on raw scores of shape ``[n]`` and ``[n, 1]``, against
    ``gantut.losses.critic_loss("wgan", ...)``, and that it stays differentiable.

    Mistakes it names: the sign flipped; a sigmoid or log loss (binary cross-entropy) instead of the
    raw scores; a sigmoid applied to the scores; the sum instead of the mean; a number cut from
    the autograd graph.
    """
    flipped = ("the sign of the critic loss is flipped: the critic minimises "
               "E f(fake) - E f(real)")

    def run() -> str:
        g = torch.Generator().manual_seed(0)
        for shape in ((16,), (16, 1)):
            real = (torch.randn(shape, generator=g) + 1.0).requires_grad_(True)
            fake = (torch.randn(shape, generator=g) - 0.5).requires_grad_(True)
            case = f"scores of shape {list(shape)}"
            out = _call(fn, (real, fake), case)
            if not isinstance(out, torch.Tensor):
                raise _Mistake(f"on {case} your function returned a {type(out).__name__}; return "
                               "a scalar tensor (not .item()), so that the critic can be trained")
            got = _number(out, "the critic loss")
            r, f = real.detach(), fake.detach()
            expected = float(losses.critic_loss("wgan", r, f))
            candidates = [
                (float(r.mean() - f.mean()), flipped),
                (float(F.softplus(-r).mean() + F.softplus(f).mean()),
                 "you used the sigmoid/log loss (binary cross-entropy) of the original GAN; the "
                 "WGAN critic loss is E f(fake) - E f(real) on the raw scores, no sigmoid, no log"),
                (float(torch.sigmoid(f).mean() - torch.sigmoid(r).mean()),
                 "you applied a sigmoid to the scores; the WGAN critic's scores are raw real "
                 "numbers: E f(fake) - E f(real)"),
                (float(f.sum() - r.sum()), "you sum the scores; take the mean over the batch"),
                (float(r.sum() - f.sum()), "you sum the scores and the sign is flipped: "
                                           "the critic minimises mean(f(fake)) - mean(f(real))"),
            ]
            _diagnose(got, expected, candidates, f"on {case}", rtol=1e-5)
            if not out.requires_grad:
                raise _Mistake("the loss is cut from the autograd graph (a .item(), .detach() or "
                               "NumPy step?); return a tensor the critic can be trained with")
        return "correct: E f(fake) - E f(real) on the raw scores, averaged over the batch"
    return _verdict("wgan_critic_loss", run)


# --------------------------------------------------------------------------------------------
# 3. W1 in one dimension
# --------------------------------------------------------------------------------------------
def check_wasserstein_1d(fn: Callable) -> bool:
    r"""Check ``fn(u, v) -> float``, :math:`W_1` between two 1-D samples of equal size n,

    .. math::  W_1 = \frac1n \sum_i \lvert u_{(i)} - v_{(i)} \rvert

    with :math:`u_{(i)}` the i-th smallest value, against :func:`gantut.metrics.wasserstein_1d`, on
    NumPy arrays whose quantile functions cross (so that no shortcut gives the right answer).

    Mistakes it names: forgetting to sort; the mean of squared differences (:math:`W_2^2`) or its
    square root (:math:`W_2`); the absolute difference of the means; dividing by the wrong number
    (n - 1, n + 1, 2n, ... or not at all); an array returned instead of a number.
    """
    def run() -> str:
        rng = np.random.default_rng(0)
        n = 40
        u, v = rng.normal(0.0, 1.0, n), rng.normal(0.5, 2.0, n)
        got = _number(_call(fn, (u.copy(), v.copy()), f"two samples of size {n}"), "W1")
        expected = metrics.wasserstein_1d(u, v)
        diffs = np.sort(u) - np.sort(v)
        total = float(np.abs(diffs).sum())
        candidates = [
            (float(np.mean(np.abs(u - v))), "you forgot to sort: W1 pairs the i-th smallest u "
                                            "with the i-th smallest v, so sort both samples first"),
            (float(np.mean(diffs ** 2)), "you return the mean of squared differences (W2^2); W1 "
                                         "is the mean of absolute differences |u_(i) - v_(i)|"),
            (float(np.sqrt(np.mean(diffs ** 2))), "you return W2 (root mean square difference); "
                                                  "W1 is the mean of |u_(i) - v_(i)|"),
            (abs(float(u.mean() - v.mean())), "you return |mean(u) - mean(v)|, which is only a "
                                              "lower bound on W1; average |u_(i) - v_(i)| over "
                                              "the sorted samples"),
            (float(np.mean(np.abs(np.sort(u) - np.sort(v)[::-1]))),
             "you sorted one sample up and the other down; sort both in increasing order"),
        ]
        if got > 0 and not _close(got, expected):
            divisor = total / got
            if abs(divisor - round(divisor)) < 1e-6 * divisor and round(divisor) != n:
                k = round(divisor)
                what = "you do not divide the sum at all" if k == 1 else f"you divide by {k}"
                candidates.append((got, f"{what}; W1 is the mean, so divide the sum of "
                                        f"|u_(i) - v_(i)| by n = {n}"))
        _diagnose(got, expected, candidates, f"on two samples of size {n}")
        got = _number(_call(fn, (np.array([3.0, 0.0]), np.array([1.0, 4.0])),
                            "u = [3, 0], v = [1, 4]"), "W1")
        _diagnose(got, 1.0, [], "u = [3, 0], v = [1, 4] (sorted: |0 - 1| and |3 - 4|)")
        return "correct: the mean absolute difference of the sorted samples"
    return _verdict("wasserstein_1d", run)


# --------------------------------------------------------------------------------------------
# 4. power iteration
# --------------------------------------------------------------------------------------------
def _matrix_with(singular_values: list[float], rows: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    k = len(singular_values)
    u, _ = torch.linalg.qr(torch.randn(rows, k, generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(k, k, generator=g, dtype=torch.float64))
    return (u * torch.tensor(singular_values, dtype=torch.float64)) @ v.T


def check_power_iteration(fn: Callable) -> bool:
    r"""Check ``fn(W, n_iter) -> float``, the largest singular value :math:`\sigma_1(W)` by power
    iteration,

    .. math::  v \leftarrow W^\top u / \lVert W^\top u \rVert, \quad
               u \leftarrow W v / \lVert W v \rVert, \qquad \sigma_1 \approx u^\top W v,

    against ``torch.linalg.svdvals`` (relative error below 1e-3 with ``n_iter = 100``) on a square
    non-symmetric matrix with real eigenvalues and on a rectangular ``[7, 3]`` matrix, both
    ``float32`` like a layer's weights.

    Mistakes it names: returning :math:`\sigma_1^2` (the top eigenvalue of :math:`W^\top W`),
    the Frobenius norm, the largest absolute entry, the largest eigenvalue of W (which differs
    from :math:`\sigma_1` when W is not symmetric), the smallest singular value, :math:`-\sigma_1`.
    """
    def run() -> str:
        g = torch.Generator().manual_seed(0)
        p = torch.eye(4, dtype=torch.float64) + 0.6 * torch.randn(4, 4, generator=g,
                                                                  dtype=torch.float64)
        eigenvalues = torch.tensor([2.0, 1.0, -0.5, 0.25], dtype=torch.float64)
        square = (p * eigenvalues) @ torch.linalg.inv(p)  # eigenvalues 2, 1, -0.5, 0.25
        cases = [(square.float(), "a non-symmetric 4 x 4 matrix"),
                 (_matrix_with([3.0, 1.5, 0.5], 7, seed=1).float(), "a 7 x 3 matrix")]
        for w, case in cases:
            got = _number(_call(fn, (w.clone(), 100), case), "sigma_1")
            s = torch.linalg.svdvals(w.double())
            sigma = float(s[0])
            candidates = [
                (sigma ** 2, "you return sigma_1^2, the top eigenvalue of W^T W; take its square "
                             "root, or return ||W v|| with v a unit vector"),
                (float(w.double().norm()), "you return the Frobenius norm ||W||_F, an upper bound; "
                                           "the spectral norm is the top singular value"),
                (float(w.abs().max()), "you return the largest absolute entry of W; the spectral "
                                       "norm is the top singular value"),
                (float(s[-1]), "you return the smallest singular value; power iteration converges "
                               "to the largest"),
                (-sigma, "you return -sigma_1; the singular value is positive (use the norms)"),
            ]
            if w.shape[0] == w.shape[1]:
                lam = torch.linalg.eigvals(w.double())
                for value in (float(lam.abs().max()), float(lam.real.max())):
                    candidates.append((value, "you return the largest eigenvalue of W; for a "
                                              "non-symmetric W that is not its largest singular "
                                              "value: iterate with both W and W^T"))
            _diagnose(got, sigma, candidates, f"on {case}", rtol=1e-3)
        return "correct: the top singular value, on square and rectangular matrices"
    return _verdict("power_iteration", run)


# --------------------------------------------------------------------------------------------
# 5. mode coverage
# --------------------------------------------------------------------------------------------
def _coverage_pair(out: Any, case: str) -> tuple[float, float]:
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _Mistake(f"on {case} your function returned {type(out).__name__}; return a pair "
                       "(modes_hit, high_quality)")
    return _number(out[0], "modes_hit"), _number(out[1], "high_quality")


def check_mode_coverage(fn: Callable) -> bool:
    r"""Check ``fn(samples, centers, std) -> (modes_hit, high_quality)``, the 3-std rule.

    A sample is high quality when it lies within :math:`3\sigma` of its nearest centre; a mode is
    hit when at least one high-quality sample is assigned to it; ``high_quality`` is the fraction of
    such samples. Compared with :func:`gantut.metrics.mode_coverage` on 7 hand-placed samples
    around 4 centres (distances chosen so that each mistake gives a different answer) and on 600
    random samples near 8 centres. Inputs are ``FloatTensor`` s, as ``toy(name)`` gives them.

    Mistakes it names: the threshold :math:`3\sigma^2` or :math:`\sigma` instead of
    :math:`3\sigma`; the squared distance compared with :math:`3\sigma`; counting modes by nearest
    centre without the quality filter; a count instead of a fraction; the pair in the wrong order.
    """
    def run() -> str:
        std = 0.1
        centers = torch.tensor([[-2.0, -2.0], [-2.0, 2.0], [2.0, -2.0], [2.0, 2.0]])
        # distance to the centre: 3 * std = 0.3 keeps 5 samples on 3 modes, std keeps 2, 3 * std**2
        # keeps none, (3 * std)**2 keeps 1, sqrt(3 * std) = 0.55 keeps 6 on 4 modes
        offsets = [(0, 0.2), (0, 0.2), (1, 0.095), (2, 0.5), (2, 0.6), (3, 0.05), (3, 0.25)]
        angle = torch.linspace(0.3, 5.0, len(offsets))
        samples = torch.stack([centers[i] + r * torch.stack([torch.cos(a), torch.sin(a)])
                               for (i, r), a in zip(offsets, angle)])
        case = "7 samples around 4 centres with std = 0.1"
        hit, quality = _coverage_pair(_call(fn, (samples.clone(), centers.clone(), std), case),
                                      case)
        exp_hit, exp_quality = metrics.mode_coverage(samples, centers, std)  # (3, 5/7)
        if not (hit == exp_hit and _close(quality, exp_quality)):
            named = [
                (metrics.mode_coverage(samples, centers, std, n_std=3 * std),
                 "your threshold is 3 * std**2; a sample is high quality within 3 * std of its "
                 "nearest centre"),
                (metrics.mode_coverage(samples, centers, std, n_std=1.0),
                 "your threshold is std; a sample is high quality within 3 * std of its "
                 "nearest centre"),
                (metrics.mode_coverage(samples, centers, std, n_std=9 * std),
                 "you compare the distance with (3 * std)**2; compare it with 3 * std"),
                (metrics.mode_coverage(samples, centers, std, n_std=math.sqrt(3 * std) / std),
                 "you compare the squared distance with 3 * std; compare the distance with "
                 "3 * std (or the squared distance with (3 * std)**2)"),
                ((4, exp_quality), "you count every mode that is some sample's nearest centre; "
                                   "count only modes with at least one high-quality sample "
                                   "(within 3 * std)"),
                ((4, 1.0), "you count every mode that is some sample's nearest centre, with no "
                           "quality filter; a sample counts only within 3 * std of its centre"),
                ((exp_hit, 5.0), "high_quality should be the fraction of high-quality samples "
                                 "(5 / 7 here), not their count (5)"),
                ((exp_quality, exp_hit), "you return (high_quality, modes_hit); return "
                                         "(modes_hit, high_quality)"),
            ]
            for (h, q), message in named:
                if _close(hit, h, rtol=1e-6) and _close(quality, q, rtol=1e-6):
                    raise _Mistake(message)
            raise _Mistake(f"on {case} expected (modes_hit, high_quality) = "
                           f"({exp_hit}, {exp_quality:.4g}), your function returned "
                           f"({hit:g}, {quality:.4g})")
        g = torch.Generator().manual_seed(0)
        angles = torch.arange(8) * (2 * math.pi / 8)
        centers = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1) * 2 / 1.414
        std = 0.02
        which = torch.randint(0, 5, (600,), generator=g)  # only 5 of the 8 modes
        samples = centers[which] + 2.5 * std * torch.randn(600, 2, generator=g)
        case = "600 samples near 5 of 8 centres"
        hit, quality = _coverage_pair(_call(fn, (samples.clone(), centers.clone(), std), case),
                                      case)
        exp_hit, exp_quality = metrics.mode_coverage(samples, centers, std)
        if not (hit == exp_hit and _close(quality, exp_quality)):
            raise _Mistake(f"on {case} expected (modes_hit, high_quality) = "
                           f"({exp_hit}, {exp_quality:.4g}), your function returned "
                           f"({hit:g}, {quality:.4g})")
        return "correct: nearest centre, within 3 * std, modes counted and a fraction of samples"
    return _verdict("mode_coverage", run)


# --------------------------------------------------------------------------------------------
# 6. the Frechet distance
# --------------------------------------------------------------------------------------------
def _sqrtm_psd(c: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((c + c.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def _frechet_with(ma, ca, mb, cb, cross: float | None = None) -> float:
    """||ma - mb||^2 + tr(ca) + tr(cb) - 2 * cross, with cross = tr((cb^1/2 ca cb^1/2)^1/2)."""
    if cross is None:
        sb = _sqrtm_psd(cb)
        cross = float(np.trace(_sqrtm_psd(sb @ ca @ sb)))
    return float(np.sum((ma - mb) ** 2) + np.trace(ca) + np.trace(cb) - 2 * cross)


def check_frechet_distance(fn: Callable) -> bool:
    r"""Check ``fn(features_a, features_b) -> float``, the *squared* Frechet distance

    .. math::

        d_F^2 = \lVert \mu_a - \mu_b \rVert^2 + \operatorname{tr}\big(\Sigma_a + \Sigma_b
                - 2 (\Sigma_a \Sigma_b)^{1/2}\big),

    the number FID reports, against :func:`gantut.metrics.frechet_distance`, on correlated 3-D
    features (NumPy ``[n, 3]`` arrays), first of equal then of unequal sizes, and on two equal
    sets (distance 0). Covariances with ``np.cov`` (divide by n - 1) are expected; dividing by n is
    accepted with a note.

    Mistakes it names: returning the square root (the distance, not its square); dropping the
    trace term (means only), or one covariance shared by both sets (e.g. of the concatenated
    features), which makes it vanish; the covariance of the samples instead of the features
    (``np.cov`` without ``rowvar=False``); an element-wise square root instead of a matrix square
    root; :math:`\Sigma_a^{1/2} \Sigma_b^{1/2}` in place of :math:`(\Sigma_a \Sigma_b)^{1/2}`;
    a missing mean term; a complex result from ``scipy.linalg.sqrtm``.
    """
    def run() -> str:
        rng = np.random.default_rng(0)
        note = ""
        for n_a, n_b in ((300, 300), (300, 200)):
            mix_a, mix_b = (np.eye(3) + 0.5 * rng.normal(size=(3, 3)) for _ in range(2))
            fa = rng.normal(size=(n_a, 3)) @ mix_a + [0.5, 0.0, -0.5]  # correlated features
            fb = rng.normal(size=(n_b, 3)) @ mix_b + [-0.5, 0.5, 0.0]
            case = f"features of shapes [{n_a}, 3] and [{n_b}, 3]"
            got = _number(_call(fn, (fa.copy(), fb.copy()), case), "the Frechet distance")
            expected = metrics.frechet_distance(fa, fb)
            ma, mb = fa.mean(0), fb.mean(0)
            ca, cb = np.cov(fa, rowvar=False), np.cov(fb, rowvar=False)
            biased = _frechet_with(ma, ca * (n_a - 1) / n_a, mb, cb * (n_b - 1) / n_b)
            if _close(got, biased, rtol=1e-5) and not _close(got, expected, rtol=1e-5):
                note = " (your covariances divide by n; np.cov and FID divide by n - 1)"
                continue
            means = float(np.sum((ma - mb) ** 2))
            trace_sqrt = float(np.trace(_sqrtm_psd(ca) @ _sqrtm_psd(cb)))
            candidates = [
                (math.sqrt(max(expected, 0.0)), "you return the Frechet distance d_F, the square "
                 "root; FID reports its square d_F^2: drop the final square root"),
                (means, "your result is the mean term ||mu_a - mu_b||^2 alone: the trace term is "
                 "missing, or it vanished because both sets share one covariance (e.g. of the "
                 "concatenated features); estimate Sigma_a and Sigma_b from each set separately"),
                (expected - means, "the mean term ||mu_a - mu_b||^2 is missing"),
                (_frechet_with(ma, ca, mb, cb, float(np.sum(np.sqrt(np.diag(ca @ cb))))),
                 "you take an element-wise square root (np.sqrt) of Sigma_a Sigma_b; use a matrix "
                 "square root (scipy.linalg.sqrtm)"),
                (_frechet_with(ma, ca, mb, cb, float(np.sum(np.sqrt(np.diag(ca) * np.diag(cb))))),
                 "you take an element-wise square root of Sigma_a * Sigma_b; use the matrix square "
                 "root of the matrix product, scipy.linalg.sqrtm(Sigma_a @ Sigma_b)"),
                (_frechet_with(ma, ca, mb, cb, trace_sqrt),
                 "you use Sigma_a^1/2 Sigma_b^1/2; the cross term is the square root of the "
                 "product, (Sigma_a Sigma_b)^1/2, and the two differ when they do not commute"),
            ]
            if n_a == n_b:
                candidates.append((_frechet_with(ma, np.cov(fa), mb, np.cov(fb)),
                                   "your covariances are [n, n], between samples: use "
                                   "np.cov(features, rowvar=False), which treats columns as the "
                                   "variables"))
            _diagnose(got, expected, candidates, f"on {case}", rtol=1e-5, atol=1e-8)
        same = rng.normal(size=(100, 3))
        got = _number(_call(fn, (same.copy(), same.copy()), "two identical feature sets"),
                      "the Frechet distance")
        if abs(got) > 1e-6:
            raise _Mistake(f"two identical feature sets are at distance 0, your function "
                           f"returned {got:.4g}")
        return "correct: the squared Frechet distance, with a matrix square root" + note
    return _verdict("frechet_distance", run)


# --------------------------------------------------------------------------------------------
# the optimal discriminator (chapter 1)
# --------------------------------------------------------------------------------------------
def check_optimal_discriminator(fn: Callable) -> bool:
    r"""Check ``fn(p_r, p_g) -> D`` against :math:`D^* = p_r / (p_r + p_g)` on density values.

    Cases: positive densities on a grid, and a grid where both densities vanish at some points (the
    value there is arbitrary but must be a number in [0, 1]). Mistakes it names: the flipped ratio
    :math:`p_g / (p_r + p_g)`; the density ratio :math:`p_r / p_g`; a logarithm of :math:`D^*`;
    NaN from 0/0 where both densities are zero; values outside [0, 1]; a wrong shape.
    """

    def as_array(out: Any, n: int, case: str) -> np.ndarray:
        if isinstance(out, torch.Tensor):
            out = out.detach().cpu().numpy()
        arr = np.asarray(out, dtype=float)
        if arr.shape != (n,):
            raise _Mistake(f"on {case} your function returned shape {arr.shape}; return one value "
                           f"per grid point, shape ({n},)")
        return arr

    def run() -> str:
        x = np.linspace(-4, 4, 81)
        p_r = np.exp(-x**2 / 2) / math.sqrt(2 * math.pi)
        p_g = np.exp(-(x - 1) ** 2 / 8) / math.sqrt(8 * math.pi)
        d = as_array(_call(fn, (p_r, p_g), "two Gaussian densities"), len(x), "two Gaussian densities")
        expected = divergences.optimal_discriminator(p_r, p_g)
        if not np.allclose(d, expected, atol=1e-8):
            if np.allclose(d, p_g / (p_r + p_g), atol=1e-8):
                raise _Mistake("you return p_g / (p_r + p_g), the probability that a sample is "
                               "*generated*; D* is the probability that it is real: p_r / (p_r + p_g)")
            if np.allclose(d, p_r / p_g, rtol=1e-6):
                raise _Mistake("you return the density ratio p_r / p_g; D* = p_r / (p_r + p_g) is a "
                               "probability in [0, 1]")
            if np.allclose(d, np.log(expected), atol=1e-8):
                raise _Mistake("you return log D*; return D* itself")
            if np.any(d < 0) or np.any(d > 1):
                raise _Mistake("some values lie outside [0, 1]; a discriminator outputs probabilities")
            worst = int(np.argmax(np.abs(d - expected)))
            raise _Mistake(f"at x = {x[worst]:.2f} you return {d[worst]:.4g}, D* is "
                           f"{expected[worst]:.4g}")
        q_r = np.array([0.5, 0.5, 0.0, 0.0])
        q_g = np.array([0.0, 0.5, 0.5, 0.0])
        with np.errstate(divide="ignore", invalid="ignore"):
            d0 = as_array(_call(fn, (q_r, q_g), "probabilities with a zero in both"), 4,
                          "probabilities with a zero in both")
        if not np.all(np.isfinite(d0)):
            raise _Mistake("where both densities are 0 you return NaN (0/0); the value there "
                           "carries no weight in V, so return any number in [0, 1], e.g. 1/2")
        if not np.allclose(d0[:3], [1.0, 0.5, 0.0]) or not 0 <= d0[3] <= 1:
            raise _Mistake(f"on p_r = {q_r.tolist()}, p_g = {q_g.tolist()} you return "
                           f"{d0.tolist()}; expected [1, 0.5, 0, anything in [0, 1]]")
        return "correct: D* = p_r / (p_r + p_g), and a number in [0, 1] where both densities vanish"

    return _verdict("optimal_discriminator", run)
