"""Chapter 5, WGAN-GP: the gradient penalty, mode coverage and (chapter 5b) the Frechet distance."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch
from torch import nn

from gantut import metrics
from gantut.checks.engine import Case, Checker, Sign, Wrong, close, first_line, number, Verdict, run
from gantut.metrics import sqrtm_psd

__all__ = ["check_gradient_penalty", "check_mode_coverage", "check_frechet_distance",
           "GRADIENT_PENALTY", "MODE_COVERAGE", "FRECHET_DISTANCE"]


# --------------------------------------------------------------------------------------------
# the gradient penalty
# --------------------------------------------------------------------------------------------
class _Recording(nn.Module):
    """f(x) = <w, flatten(x)>, remembering every batch it is evaluated on."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return x.flatten(1) @ self.w


def _square(x: torch.Tensor) -> torch.Tensor:
    """f(x) = ||x||^2, whose gradient 2x has a norm that depends on where x is."""
    return x.flatten(1).pow(2).sum(dim=1)


def _penalty(critic, real, fake, *, norm=lambda g: g.flatten(1).norm(dim=1),
             per_point=lambda n: (n - 1) ** 2, reduce=torch.mean, of=torch.sum,
             create_graph=True) -> torch.Tensor:
    """The penalty, with a knob for each way of getting its formula wrong."""
    eps = torch.rand((len(real),) + (1,) * (real.ndim - 1))
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(of(critic(x_hat)), x_hat, create_graph=create_graph)
    return reduce(per_point(norm(grad)))


def _penalty_tensor(out) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise Wrong(f"your function returned a {type(out).__name__}; return the penalty as a "
                    "scalar tensor (not .item()), so that it can be backpropagated")
    if out.numel() != 1:
        raise Wrong(f"your function returned a tensor of shape {tuple(out.shape)}, not a scalar: "
                    "average the per-sample penalties over the batch with .mean()")
    return out


def _penalty_value(out, *args) -> float:
    return float(_penalty_tensor(out).detach())


def _ones_and_zeros() -> tuple:
    """real = 1 and fake = 0, so that the points the critic sees are the weights eps themselves."""
    return _Recording(torch.full((3,), 0.5)), torch.ones(256, 3), torch.zeros(256, 3)


def _seen(out, critic, real, fake) -> torch.Tensor:
    """The batch the critic was last evaluated on."""
    if not critic.seen:
        raise Wrong("your function never evaluates the critic; compute critic(x_hat) at the "
                    "interpolates x_hat = eps * real + (1 - eps) * fake")
    if critic.seen[-1].shape != real.shape:
        raise Wrong(f"the critic was evaluated on a batch of shape {tuple(critic.seen[-1].shape)}; "
                    f"x_hat should have the shape of real and fake, {tuple(real.shape)}")
    return critic.seen[-1]


def _normal(x: torch.Tensor) -> bool:
    return bool((x < -1e-6).any() or (x > 1 + 1e-6).any())


def _per_coordinate(x: torch.Tensor) -> bool:
    return bool((x.amax(dim=1) - x.amin(dim=1)).max() > 1e-6)


def _uniform_per_sample(x: torch.Tensor, *args) -> bool:
    eps = x[:, 0]
    return (not _normal(x) and not _per_coordinate(x) and 0.4 < float(eps.mean()) < 0.6
            and float(eps.min()) < 0.1 and float(eps.max()) > 0.9)


def _linear(shape: tuple[int, ...]):
    """A linear critic with ||w|| = 3, whose penalty is (3 - 1)^2 = 4 wherever x_hat is."""
    def args() -> tuple:
        g = torch.Generator().manual_seed(1)
        w = torch.randn(math.prod(shape[1:]), generator=g)
        return (_Recording(3.0 * w / w.norm()), torch.randn(shape, generator=g),
                torch.randn(shape, generator=g))
    return args


def _nn_linear() -> tuple:
    g = torch.Generator().manual_seed(2)
    critic = nn.Linear(4, 1)
    with torch.no_grad():
        w = torch.randn(4, generator=g)
        critic.weight.copy_(3.0 * w / w.norm())
        critic.bias.zero_()
    return critic, torch.randn(8, 4, generator=g), torch.randn(8, 4, generator=g)


def _weight_gradient(out, critic, real, fake) -> torch.Tensor:
    """The gradient of the penalty with respect to the critic's weights (0 where none flows)."""
    out = _penalty_tensor(out)
    if out.requires_grad:
        try:
            out.backward()
        except RuntimeError as error:
            raise Wrong(f"backward() through your penalty failed: {first_line(error)}") from None
    grad = critic.weight.grad
    return torch.zeros_like(critic.weight) if grad is None else grad


def _exact_weight_gradient(critic, real, fake) -> torch.Tensor:
    w = critic.weight.detach()
    return 2 * (w.norm() - 1) * w / w.norm()  # d/dW of (||W|| - 1)^2


def _square_pairs() -> tuple:
    g = torch.Generator().manual_seed(3)
    return _square, torch.randn(2000, 2, generator=g) + 1.5, torch.randn(2000, 2, generator=g)


def _square_expectation(real, fake) -> tuple[float, float]:
    """E_eps[(2 ||x_hat|| - 1)^2] over the pairs (midpoint rule, 400 nodes), 5 standard errors."""
    eps = (torch.arange(400, dtype=torch.float64) + 0.5) / 400
    r, f = real.double()[:, None, :], fake.double()[:, None, :]
    values = (2 * (eps[None, :, None] * r + (1 - eps[None, :, None]) * f).norm(dim=2) - 1) ** 2
    se = math.sqrt(float(values.mean(dim=1).var() + values.var(dim=1).mean()) / len(real))
    return float(values.mean()), 5 * se


def _near_expectation(got, critic, real, fake) -> bool:
    mean, tolerance = _square_expectation(real, fake)
    return abs(got - mean) < tolerance + 1e-3


def _far_from_expectation(got, critic, real, fake) -> str:
    mean, tolerance = _square_expectation(real, fake)
    return (f"on a nonlinear critic f(x) = ||x||^2 with random real and fake points the penalty "
            f"should be about {mean:.3f} (within {tolerance:.2f}), your function returned "
            f"{got:.4g}")


_NORM_FIX = "take the norm over all non-batch dimensions, grad.flatten(1).norm(dim=1)"
_FORMULA_MISTAKES = [
    (partial(_penalty, per_point=lambda n: n**2),
     "you penalise the squared gradient norm ||grad||^2 (or forgot the -1); the two-sided penalty "
     "is (||grad|| - 1)^2"),
    (partial(_penalty, per_point=lambda n: n - 1),
     "you forgot to square: the penalty is (||grad|| - 1)^2, not ||grad|| - 1"),
    (partial(_penalty, per_point=lambda n: n),
     "you return the gradient norm itself; the penalty is (||grad|| - 1)^2, averaged over the "
     "batch"),
    (partial(_penalty, per_point=lambda n: (n**2 - 1) ** 2),
     "you use (||grad||^2 - 1)^2; take the norm, not its square, before subtracting 1"),
    (partial(_penalty, reduce=torch.sum),
     "you sum the penalty over the batch; take the mean, so that it does not grow with the batch "
     "size"),
    (partial(_penalty, of=torch.mean),
     "your gradients are n times too small: you differentiated critic(x_hat).mean(); "
     "differentiate critic(x_hat).sum() (or pass grad_outputs=torch.ones_like(scores))"),
    (partial(_penalty, norm=lambda g: g.norm(dim=0)),
     "the gradient norm is taken over the batch dimension; " + _NORM_FIX),
    (partial(_penalty, norm=lambda g: g.norm()),
     "the gradient norm is taken over the whole batch at once; " + _NORM_FIX),
    (partial(_penalty, norm=lambda g: g.norm(dim=-1)),
     "the gradient norm is taken over the last dimension only; " + _NORM_FIX),
    (partial(_penalty, norm=lambda g: g.norm(dim=1)),
     "the gradient norm is taken over dimension 1 only; " + _NORM_FIX),
]


def _linear_case(where: str, shape: tuple[int, ...]) -> Case:
    def fails(got, *args) -> str:
        return (f"on {where}, a linear critic f(x) = <w, x> with ||w|| = 3 has penalty "
                f"(3 - 1)^2 = 4 wherever the interpolates are: expected 4, your function "
                f"returned {got:.6g}")
    return Case(where, _linear(shape), expected=4.0, answer=_penalty_value,
                mistakes=_FORMULA_MISTAKES, fails=fails)


_AT_INTERPOLATES = "take it at the interpolates x_hat = eps * real + (1 - eps) * fake"
_ONE_PER_SAMPLE = "torch.rand(n, 1, ...) with a 1 for every non-batch dimension"

GRADIENT_PENALTY = Checker(
    "gradient_penalty",
    praise="correct: one uniform weight per sample, the norm over all non-batch dimensions, "
           "(||grad|| - 1)^2 averaged over the batch, and it trains the critic",
    cases=[
        Case("real = ones, fake = zeros", _ones_and_zeros, answer=_seen, holds=_uniform_per_sample,
             mistakes=[
                 (Sign(lambda x, *args: torch.allclose(x, torch.ones_like(x))),
                  "the penalty is taken at the real points only; " + _AT_INTERPOLATES),
                 (Sign(lambda x, *args: torch.allclose(x, torch.zeros_like(x))),
                  "the penalty is taken at the fake points only; " + _AT_INTERPOLATES),
                 (Sign(lambda x, *args: _normal(x) and _per_coordinate(x)),
                  "your interpolation weight is drawn from a normal distribution and once per "
                  "coordinate; use torch.rand, uniform on [0, 1], once per sample: "
                  + _ONE_PER_SAMPLE),
                 (Sign(lambda x, *args: _normal(x)),
                  "your interpolation weight is drawn from a normal distribution; use torch.rand, "
                  "uniform on [0, 1]"),
                 (Sign(lambda x, *args: _per_coordinate(x)),
                  "you draw one interpolation weight per pixel/coordinate; draw one per sample, "
                  f"eps = {_ONE_PER_SAMPLE}, so that x_hat lies on the segment between real and "
                  "fake"),
                 (Sign(lambda x, *args: float(x[:, 0].std()) < 1e-6),
                  lambda x, *args: f"every sample gets the same interpolation weight "
                                   f"({float(x[0, 0]):.3g}); draw one per sample with "
                                   "torch.rand(n, 1, ...)"),
             ],
             fails=lambda x, *args: (f"your interpolation weights do not fill [0, 1] uniformly "
                                     f"(mean {float(x[:, 0].mean()):.3g}, range "
                                     f"[{float(x.min()):.3g}, {float(x.max()):.3g}]); use "
                                     "eps = torch.rand(n, 1, ...)")),
        _linear_case("a batch of shape [8, 4]", (8, 4)),
        _linear_case("image-shaped batches [6, 1, 8, 8]", (6, 1, 8, 8)),
        Case("an nn.Linear critic", _nn_linear, expected=_exact_weight_gradient,
             answer=_weight_gradient, same=partial(torch.allclose, rtol=1e-3, atol=1e-5),
             mistakes=[(partial(_penalty, create_graph=False),
                        "the penalty does not reach the critic's weights, so it cannot train the "
                        "critic: pass create_graph=True to torch.autograd.grad (and do not detach "
                        "the result)")],
             fails="the penalty's gradient with respect to the critic's weights is wrong; build it "
                   "from torch.autograd.grad(..., create_graph=True)"),
        Case("a nonlinear critic f(x) = ||x||^2", _square_pairs, answer=_penalty_value,
             holds=_near_expectation, fails=_far_from_expectation),
    ])


def check_gradient_penalty(fn) -> Verdict:
    r"""Check ``fn(critic, real, fake) -> scalar tensor``, the two-sided WGAN-GP penalty

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
    ``create_graph=True`` (or a detached result), so that the penalty does not train the critic;
    the squared norm instead of :math:`(\lVert\nabla f\rVert - 1)^2`, a missing square, the norm
    itself, or :math:`(\lVert\nabla f\rVert^2 - 1)^2`; the sum over the batch instead of the mean;
    the gradient of ``scores.mean()`` (n times too small); the penalty at the real or fake points
    only instead of the interpolates; a critic never evaluated; a Python float or a per-sample
    vector returned.
    """
    return run(GRADIENT_PENALTY, fn)


# --------------------------------------------------------------------------------------------
# mode coverage
# --------------------------------------------------------------------------------------------
def _seven_samples() -> tuple:
    """7 samples around 4 centres, std = 0.1, at distances that tell the thresholds apart: 3 * std
    keeps 5 samples on 3 modes, std keeps 2, 3 * std**2 none, (3 * std)**2 one, sqrt(3 * std) 6."""
    centers = torch.tensor([[-2.0, -2.0], [-2.0, 2.0], [2.0, -2.0], [2.0, 2.0]])
    offsets = [(0, 0.2), (0, 0.2), (1, 0.095), (2, 0.5), (2, 0.6), (3, 0.05), (3, 0.25)]
    angle = torch.linspace(0.3, 5.0, len(offsets))
    samples = torch.stack([centers[i] + r * torch.stack([torch.cos(a), torch.sin(a)])
                           for (i, r), a in zip(offsets, angle)])
    return samples, centers, 0.1


def _ring_samples() -> tuple:
    """600 samples near 5 of 8 centres on a ring."""
    g = torch.Generator().manual_seed(0)
    angles = torch.arange(8) * (2 * math.pi / 8)
    centers = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1) * 2 / 1.414
    which = torch.randint(0, 5, (600,), generator=g)
    return centers[which] + 2.5 * 0.02 * torch.randn(600, 2, generator=g), centers, 0.02


def _pair(out, *args) -> tuple[float, float]:
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Wrong(f"your function returned {type(out).__name__}; return a pair "
                    "(modes_hit, high_quality)")
    return number(out[0], "modes_hit"), number(out[1], "high_quality")


def _nearest_modes(samples, centers) -> int:
    """How many centres are some sample's nearest, whatever the distance."""
    return len(torch.unique(torch.cdist(samples, centers).argmin(dim=1)))


def _within(n_std):
    """metrics.mode_coverage with the threshold n_std(std) * std in place of 3 * std."""
    return lambda samples, centers, std: metrics.mode_coverage(samples, centers, std,
                                                               n_std=n_std(std))


MODE_COVERAGE = Checker(
    "mode_coverage",
    praise="correct: nearest centre, within 3 * std, modes counted and a fraction of samples",
    cases=[Case(name, args, expected=metrics.mode_coverage, answer=_pair,
                same=lambda a, b: close(a[0], b[0], rtol=1e-6) and close(a[1], b[1]))
           for name, args in (("7 samples around 4 centres with std = 0.1", _seven_samples),
                              ("600 samples near 5 of 8 centres", _ring_samples))],
    mistakes=[
        (_within(lambda std: 3 * std),
         "your threshold is 3 * std**2; a sample is high quality within 3 * std of its nearest "
         "centre"),
        (_within(lambda std: 1.0),
         "your threshold is std; a sample is high quality within 3 * std of its nearest centre"),
        (_within(lambda std: 9 * std), "you compare the distance with (3 * std)**2; compare it "
                                       "with 3 * std"),
        (_within(lambda std: math.sqrt(3 * std) / std),
         "you compare the squared distance with 3 * std; compare the distance with 3 * std (or "
         "the squared distance with (3 * std)**2)"),
        (lambda s, c, std: (_nearest_modes(s, c), metrics.mode_coverage(s, c, std)[1]),
         "you count every mode that is some sample's nearest centre; count only modes with at "
         "least one high-quality sample (within 3 * std)"),
        (lambda s, c, std: (_nearest_modes(s, c), 1.0),
         "you count every mode that is some sample's nearest centre, with no quality filter; a "
         "sample counts only within 3 * std of its centre"),
        (lambda s, c, std: (metrics.mode_coverage(s, c, std)[0],
                            metrics.mode_coverage(s, c, std)[1] * len(s)),
         lambda got, samples, *args: (f"high_quality should be the fraction of high-quality "
                                      f"samples ({got[1]:g} / {len(samples)} here), not their "
                                      f"count ({got[1]:g})")),
        (lambda s, c, std: metrics.mode_coverage(s, c, std)[::-1],
         "you return (high_quality, modes_hit); return (modes_hit, high_quality)"),
    ])


def check_mode_coverage(fn) -> Verdict:
    r"""Check ``fn(samples, centers, std) -> (modes_hit, high_quality)``, the 3-std rule.

    A sample is high quality when it lies within :math:`3\sigma` of its nearest centre; a mode is
    hit when at least one high-quality sample is assigned to it; ``high_quality`` is the fraction of
    such samples. Compared with :func:`gantut.metrics.mode_coverage` on 7 hand-placed samples
    around 4 centres (distances chosen so that each mistake gives a different answer) and on 600
    random samples near 8 centres. Inputs are ``FloatTensor`` s, as ``toy(name)`` gives them.

    Mistakes it names: the threshold :math:`3\sigma^2` or :math:`\sigma` instead of
    :math:`3\sigma`; the distance compared with :math:`(3\sigma)^2`, or the squared distance with
    :math:`3\sigma`; counting modes by nearest centre without the quality filter; a count instead
    of a fraction; the pair in the wrong order.
    """
    return run(MODE_COVERAGE, fn)


# --------------------------------------------------------------------------------------------
# the Frechet distance
# --------------------------------------------------------------------------------------------
def _features(seed: int, n_a: int, n_b: int):
    """Correlated 3-D features, NumPy [n_a, 3] and [n_b, 3], whose covariances do not commute."""
    def args() -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        mix_a, mix_b = (np.eye(3) + 0.5 * rng.normal(size=(3, 3)) for _ in range(2))
        return (rng.normal(size=(n_a, 3)) @ mix_a + [0.5, 0.0, -0.5],
                rng.normal(size=(n_b, 3)) @ mix_b + [-0.5, 0.5, 0.0])
    return args


def _cross(ca, cb) -> float:
    """tr((Sigma_b^1/2 Sigma_a Sigma_b^1/2)^1/2) = tr((Sigma_a Sigma_b)^1/2)."""
    sb = sqrtm_psd(cb)
    return float(np.trace(sqrtm_psd(sb @ ca @ sb)))


def _frechet(fa, fb, *, cov=partial(np.cov, rowvar=False), cross=_cross,
             mean_term=True) -> float:
    """The squared Frechet distance, with a knob for each way of getting it wrong."""
    ca, cb = cov(fa), cov(fb)
    means = float(np.sum((fa.mean(0) - fb.mean(0)) ** 2)) if mean_term else 0.0
    return means + float(np.trace(ca) + np.trace(cb)) - 2 * cross(ca, cb)


def _identical() -> tuple[np.ndarray, np.ndarray]:
    same = np.random.default_rng(2).normal(size=(100, 3))
    return same, same.copy()


def _distance(out, *args) -> float:
    return number(out, "the Frechet distance")


FRECHET_DISTANCE = Checker(
    "frechet_distance",
    praise="correct: the squared Frechet distance, with a matrix square root",
    cases=[
        *(Case(f"features of shapes [{n_a}, 3] and [{n_b}, 3]", _features(seed, n_a, n_b),
               expected=metrics.frechet_distance, answer=_distance,
               same=partial(close, rtol=1e-5, atol=1e-8),
               accepted=[(partial(_frechet, cov=partial(np.cov, rowvar=False, ddof=0)),
                          " (your covariances divide by n; np.cov and FID divide by n - 1)")])
          for seed, n_a, n_b in ((0, 300, 300), (1, 300, 200))),
        Case("two identical feature sets", _identical, expected=0.0, answer=_distance,
             same=partial(close, atol=1e-6)),
    ],
    mistakes=[
        (lambda fa, fb: math.sqrt(max(_frechet(fa, fb), 0.0)),
         "you return the Frechet distance d_F, the square root; FID reports its square d_F^2: "
         "drop the final square root"),
        (lambda fa, fb: float(np.sum((fa.mean(0) - fb.mean(0)) ** 2)),
         "your result is the mean term ||mu_a - mu_b||^2 alone: the trace term is missing, or it "
         "vanished because both sets share one covariance (e.g. of the concatenated features); "
         "estimate Sigma_a and Sigma_b from each set separately"),
        (partial(_frechet, mean_term=False), "the mean term ||mu_a - mu_b||^2 is missing"),
        (partial(_frechet, cross=lambda ca, cb: np.sum(np.sqrt(np.diag(ca @ cb)))),
         "you take an element-wise square root (np.sqrt) of Sigma_a Sigma_b; use a matrix square "
         "root (scipy.linalg.sqrtm)"),
        (partial(_frechet, cross=lambda ca, cb: np.sum(np.sqrt(np.diag(ca) * np.diag(cb)))),
         "you take an element-wise square root of Sigma_a * Sigma_b; use the matrix square root "
         "of the matrix product, scipy.linalg.sqrtm(Sigma_a @ Sigma_b)"),
        (partial(_frechet, cross=lambda ca, cb: np.trace(sqrtm_psd(ca) @ sqrtm_psd(cb))),
         "you use Sigma_a^1/2 Sigma_b^1/2; the cross term is the square root of the product, "
         "(Sigma_a Sigma_b)^1/2, and the two differ when they do not commute"),
        (partial(_frechet, cov=np.cov),
         "your covariances are [n, n], between samples: use np.cov(features, rowvar=False), which "
         "treats columns as the variables"),
    ])


def check_frechet_distance(fn) -> Verdict:
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
    return run(FRECHET_DISTANCE, fn)
