"""Each checker accepts a correct answer, names each mistake it claims to detect, and says
"not yet implemented" for an exercise cell that still raises NotImplementedError."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F

from gantut import checks, lipschitz, losses, metrics
from gantut.checks import engine


def verdict(capsys, checker, fn) -> tuple[bool, str]:
    ok = checker(fn)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out  # one verdict line, always
    return ok, out


def not_implemented(*args):
    raise NotImplementedError


ALL_CHECKERS = [
    checks.check_optimal_discriminator,
    checks.check_gradient_penalty,
    checks.check_wgan_critic_loss,
    checks.check_wasserstein_1d,
    checks.check_power_iteration,
    checks.check_mode_coverage,
    checks.check_frechet_distance,
    checks.check_share_bound,
]


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_unfinished_exercise_is_not_yet_implemented_and_false(capsys, checker):
    ok, out = verdict(capsys, checker, not_implemented)
    assert not ok
    assert out.startswith("…") and "not yet implemented" in out


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_a_crashing_answer_gives_a_verdict_not_an_exception(capsys, checker):
    def crashes(*args):
        raise TypeError("unsupported operand")

    ok, out = verdict(capsys, checker, crashes)
    assert not ok
    assert out.startswith("✗") and "TypeError" in out and "unsupported operand" in out


def test_every_checker_is_exported_under_its_old_name_with_its_declaration():
    names = [name for name in checks.__all__ if name.startswith("check_")]
    assert sorted(names) == sorted(checker.__name__ for checker in ALL_CHECKERS)
    assert sorted("check_" + c.name for c in checks.CHECKERS) == sorted(names)
    for name in names:
        assert getattr(checks, name).__doc__, name


def declared_wrong_implementations():
    """(checker, wrong implementation, message) for every mistake declared as an implementation."""
    found = []
    for checker in checks.CHECKERS:
        pairs = dict.fromkeys([*checker.mistakes,
                               *(pair for case in checker.cases for pair in case.mistakes)])
        found += [pytest.param(checker, wrong, message, id=f"{checker.name}-{k}")
                  for k, (wrong, message) in enumerate(pairs)
                  if not isinstance(wrong, engine.Sign) and isinstance(message, str)]
    return found


@pytest.mark.parametrize("checker, wrong, message", declared_wrong_implementations())
def test_every_declared_mistake_submitted_fails_with_its_own_message(capsys, checker, wrong,
                                                                     message):
    ok, out = verdict(capsys, getattr(checks, "check_" + checker.name), wrong)
    assert not ok
    assert out.startswith("✗") and message in out


@pytest.mark.parametrize("checker, accepted, note", [
    pytest.param(checker, accepted, note, id=checker.name)
    for checker in checks.CHECKERS for case in checker.cases for accepted, note in case.accepted])
def test_every_accepted_variant_passes_with_its_note(capsys, checker, accepted, note):
    ok, out = verdict(capsys, getattr(checks, "check_" + checker.name), accepted)
    assert ok and out.startswith("✓") and out.endswith(note)


def test_engine_names_a_listed_mistake_and_otherwise_says_what_the_case_expected(capsys):
    double = engine.Checker(
        "double", praise="correct",
        cases=[engine.Case("x = 3", lambda: (3.0,), expected=lambda x: 2 * x,
                           answer=engine.number_called("2x"))],
        mistakes=[(lambda x: x * x, "you squared x"),
                  (engine.Sign(lambda got, x: got < 0), "2x is positive here")])
    assert verdict(capsys, lambda fn: engine.run(double, fn), lambda x: x + x) == (
        True, "✓ double: correct")
    assert verdict(capsys, lambda fn: engine.run(double, fn), lambda x: x ** 2) == (
        False, "✗ double: you squared x")
    assert verdict(capsys, lambda fn: engine.run(double, fn), lambda x: -x) == (
        False, "✗ double: 2x is positive here")
    assert verdict(capsys, lambda fn: engine.run(double, fn), lambda x: x) == (
        False, "✗ double: on x = 3: expected 6, your function returned 3")
    assert verdict(capsys, lambda fn: engine.run(double, fn), lambda x: [x, x]) == (
        False, "✗ double: on x = 3: 2x should be a single number, but your function returned an "
               "array of shape (2,); did you forget to average?")


def test_checkers_leave_the_global_torch_random_state_alone(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    checks.check_gradient_penalty(lipschitz.gradient_penalty)
    capsys.readouterr()
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------------------------
# gradient penalty
# --------------------------------------------------------------------------------------------
def make_gp(eps="uniform", norm_dims="all", create_graph=True, where="interpolates",
            penalty="two-sided", reduce="mean", grad_of="sum", as_float=False):
    """A gradient penalty written the way a student might, with one knob per possible mistake."""
    def gp(critic, real, fake):
        n = real.shape[0]
        per_sample = (n,) + (1,) * (real.ndim - 1)
        e = {"uniform": lambda: torch.rand(per_sample),
             "normal": lambda: torch.randn(per_sample),
             "normal-per-pixel": lambda: torch.randn_like(real),
             "per-pixel": lambda: torch.rand_like(real),
             "one": lambda: torch.rand(1)}[eps]()
        x_hat = {"interpolates": e * real + (1 - e) * fake, "real": real.clone(),
                 "fake": fake.clone()}[where].requires_grad_(True)
        scores = critic(x_hat)
        out = scores.sum() if grad_of == "sum" else scores.mean()
        (grad,) = torch.autograd.grad(out, x_hat, create_graph=create_graph)
        norm = {"all": lambda: grad.flatten(1).norm(dim=1),
                "last": lambda: grad.norm(dim=-1),
                "batch": lambda: grad.norm(dim=0)}[norm_dims]()
        per_point = {"two-sided": (norm - 1) ** 2, "squared": norm ** 2,
                     "no-square": norm - 1}[penalty]
        value = {"mean": per_point.mean(), "sum": per_point.sum(), "none": per_point}[reduce]
        return value.item() if as_float else value
    return gp


def test_correct_gradient_penalty_passes(capsys):
    ok, out = verdict(capsys, checks.check_gradient_penalty, make_gp())
    assert ok and out.startswith("✓")


def test_gantut_gradient_penalty_passes(capsys):
    ok, out = verdict(capsys, checks.check_gradient_penalty, lipschitz.gradient_penalty)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("variant, named", [
    (dict(eps="normal"), "interpolation weight is drawn from a normal distribution; use "
                         "torch.rand, uniform on [0, 1]"),
    (dict(eps="per-pixel"), "one interpolation weight per pixel/coordinate"),
    (dict(eps="normal-per-pixel"), "normal distribution and once per coordinate"),
    (dict(eps="one"), "every sample gets the same interpolation weight"),
    (dict(norm_dims="last"), "over the last dimension only"),
    (dict(norm_dims="batch"), "over the batch dimension"),
    (dict(create_graph=False), "create_graph=True"),
    (dict(penalty="squared"), "squared gradient norm"),
    (dict(penalty="no-square"), "forgot to square"),
    (dict(reduce="sum"), "sum the penalty over the batch"),
    (dict(reduce="none"), "not a scalar"),
    (dict(where="real"), "at the real points only"),
    (dict(where="fake"), "at the fake points only"),
    (dict(grad_of="mean"), "n times too small"),
    (dict(as_float=True), "returned a float"),
])
def test_gradient_penalty_mistake_is_named(capsys, variant, named):
    ok, out = verdict(capsys, checks.check_gradient_penalty, make_gp(**variant))
    assert not ok
    assert out.startswith("✗") and named in out


def test_gradient_penalty_detach_is_reported_as_not_training_the_critic(capsys):
    def detached(critic, real, fake):
        return make_gp()(critic, real, fake).detach()

    ok, out = verdict(capsys, checks.check_gradient_penalty, detached)
    assert not ok and "cannot train the critic" in out


def test_gradient_penalty_that_never_calls_the_critic_is_named(capsys):
    ok, out = verdict(capsys, checks.check_gradient_penalty,
                      lambda critic, real, fake: torch.tensor(0.0, requires_grad=True))
    assert not ok and "never evaluates the critic" in out


def test_gradient_penalty_off_the_expectation_on_a_nonlinear_critic_is_reported(capsys):
    def gradient_at_fake(critic, real, fake):  # right for linear critics only
        x = fake.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        e = torch.rand((len(real),) + (1,) * (real.ndim - 1))
        critic(e * real + (1 - e) * fake)  # the critic sees the interpolates, but to no effect
        return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()

    ok, out = verdict(capsys, checks.check_gradient_penalty, gradient_at_fake)
    assert not ok and "on a nonlinear critic" in out and "should be about" in out


# --------------------------------------------------------------------------------------------
# WGAN critic loss
# --------------------------------------------------------------------------------------------
def test_correct_wgan_critic_loss_passes(capsys):
    ok, out = verdict(capsys, checks.check_wgan_critic_loss,
                      lambda real, fake: torch.mean(fake) - torch.mean(real))
    assert ok and out.startswith("✓")


def test_gantut_wgan_critic_loss_passes(capsys):
    ok, out = verdict(capsys, checks.check_wgan_critic_loss,
                      lambda real, fake: losses.critic_loss("wgan", real, fake))
    assert ok and out.startswith("✓")


def bce(real, fake):
    return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


@pytest.mark.parametrize("fn, named", [
    (lambda real, fake: real.mean() - fake.mean(),
     "the sign of the critic loss is flipped: the critic minimises E f(fake) - E f(real)"),
    (bce, "sigmoid/log loss (binary cross-entropy)"),
    (lambda real, fake: torch.sigmoid(fake).mean() - torch.sigmoid(real).mean(),
     "applied a sigmoid"),
    (lambda real, fake: fake.sum() - real.sum(), "you sum the scores; take the mean"),
    (lambda real, fake: (fake.mean() - real.mean()).item(), "not .item()"),
    (lambda real, fake: (fake.mean() - real.mean()).detach(), "cut from the autograd graph"),
], ids=["flipped", "bce", "sigmoid", "sum", "item", "detached"])
def test_wgan_critic_loss_mistake_is_named(capsys, fn, named):
    ok, out = verdict(capsys, checks.check_wgan_critic_loss, fn)
    assert not ok
    assert out.startswith("✗") and named in out


# --------------------------------------------------------------------------------------------
# W1 in one dimension
# --------------------------------------------------------------------------------------------
def test_equal_size_sorting_answer_fails_only_on_unequal_sizes(capsys):
    ok, out = verdict(capsys, checks.check_wasserstein_1d,
                      lambda u, v: float(np.mean(np.abs(np.sort(u) - np.sort(v)))))
    assert not ok and "unequal sizes 40 and 25" in out


def test_gantut_wasserstein_1d_passes(capsys):
    ok, out = verdict(capsys, checks.check_wasserstein_1d, metrics.wasserstein_1d)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("fn, named", [
    (lambda u, v: np.mean(np.abs(u - v)), "you forgot to sort"),
    (lambda u, v: np.mean((np.sort(u) - np.sort(v)) ** 2), "mean of squared differences"),
    (lambda u, v: abs(u.mean() - v.mean()), "|mean(x) - mean(y)|"),
    (lambda u, v: np.abs(np.sort(u) - np.sort(v)).sum() / (len(u) - 1), "you divide by 39"),
    (lambda u, v: np.abs(np.sort(u) - np.sort(v)).sum(), "you do not divide the sum at all"),
    (lambda u, v: np.abs(np.sort(u) - np.sort(v)), "did you forget to average"),
], ids=["unsorted", "squared", "mean-difference", "n-1", "no-division", "array"])
def test_wasserstein_1d_mistake_is_named(capsys, fn, named):
    ok, out = verdict(capsys, checks.check_wasserstein_1d, fn)
    assert not ok
    assert out.startswith("✗") and named in out


def test_wasserstein_1d_quantile_answer_passes_unequal_sizes(capsys):
    def quantiles(u, v):
        u, v = np.sort(u), np.sort(v)
        levels = np.union1d(np.arange(1, len(u) + 1) / len(u), np.arange(1, len(v) + 1) / len(v))
        widths = np.diff(levels, prepend=0.0)
        qu = u[np.minimum(np.ceil(levels * len(u) - 1e-9).astype(int) - 1, len(u) - 1)]
        qv = v[np.minimum(np.ceil(levels * len(v) - 1e-9).astype(int) - 1, len(v) - 1)]
        return float(np.sum(widths * np.abs(qu - qv)))
    ok, out = verdict(capsys, checks.check_wasserstein_1d, quantiles)
    assert ok and out.startswith("✓") and "unequal sizes" in out


def _truncate(u, v):
    k = min(len(u), len(v))
    return float(np.mean(np.abs(np.sort(u)[:k] - np.sort(v)[:k])))


def _one_order_statistic_each(u, v):
    short, long_ = (np.sort(u), np.sort(v)) if len(u) <= len(v) else (np.sort(v), np.sort(u))
    return float(np.mean(np.abs(short - long_[np.linspace(0, len(long_) - 1, len(short)).round().astype(int)])))


@pytest.mark.parametrize("fn, named", [
    (lambda u, v: float(np.mean(np.abs(np.sort(u) - np.sort(v)))), "only works for n = n'"),
    (_truncate, "dropped the extra points of the longer sample"),
    (_one_order_statistic_each, "one order statistic of the longer"),
], ids=["equal-size-formula", "truncate", "one-order-statistic"])
def test_wasserstein_1d_unequal_size_mistake_is_named(capsys, fn, named):
    """The naive equal-size answer passed the old checker; the unequal case now names it."""
    ok, out = verdict(capsys, checks.check_wasserstein_1d, fn)
    assert not ok
    assert out.startswith("✗") and named in out


# --------------------------------------------------------------------------------------------
# power iteration
# --------------------------------------------------------------------------------------------
def my_power_iteration(W, n_iter):
    v = torch.ones(W.shape[1], dtype=W.dtype)
    for _ in range(n_iter):
        u = W @ v
        u = u / u.norm()
        v = W.T @ u
        v = v / v.norm()
    return float((W @ v).norm())


def power_iteration_on_w_alone(W, n_iter):
    """Iterates x <- W x: finds the dominant eigenvalue, not the top singular value."""
    x = torch.ones(W.shape[1], dtype=W.dtype)
    for _ in range(n_iter):
        x = W @ x
        x = x / x.norm()
    return float(x @ W @ x)


def test_correct_power_iteration_passes(capsys):
    ok, out = verdict(capsys, checks.check_power_iteration, my_power_iteration)
    assert ok and out.startswith("✓")


def test_gantut_power_iteration_passes(capsys):
    ok, out = verdict(capsys, checks.check_power_iteration, lipschitz.power_iteration)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("fn, named", [
    (lambda W, n_iter: my_power_iteration(W, n_iter) ** 2, "you return sigma_1^2"),
    (lambda W, n_iter: float(torch.linalg.matrix_norm(W)), "Frobenius norm"),
    (lambda W, n_iter: float(W.abs().max()), "largest absolute entry"),
    (lambda W, n_iter: float(torch.linalg.eigvals(W).abs().max()), "largest eigenvalue of W"),
    (power_iteration_on_w_alone, "largest eigenvalue of W"),
], ids=["sigma-squared", "frobenius", "max-entry", "eigenvalue", "iterates-w-alone"])
def test_power_iteration_mistake_is_named(capsys, fn, named):
    ok, out = verdict(capsys, checks.check_power_iteration, fn)
    assert not ok
    assert out.startswith("✗") and named in out


# --------------------------------------------------------------------------------------------
# mode coverage
# --------------------------------------------------------------------------------------------
def make_coverage(threshold="3std", quality_filter=True, as_count=False):
    def coverage(samples, centers, std):
        dist = torch.cdist(samples, centers)
        nearest_dist, nearest = dist.min(dim=1)
        limit = {"3std": 3 * std, "3std^2": 3 * std ** 2, "std": std}[threshold]
        good = nearest_dist <= limit
        counted = nearest[good] if quality_filter else nearest
        modes_hit = len(torch.unique(counted))
        high_quality = int(good.sum()) if as_count else float(good.float().mean())
        return modes_hit, high_quality
    return coverage


def test_correct_mode_coverage_passes(capsys):
    ok, out = verdict(capsys, checks.check_mode_coverage, make_coverage())
    assert ok and out.startswith("✓")


def test_gantut_mode_coverage_passes(capsys):
    ok, out = verdict(capsys, checks.check_mode_coverage, metrics.mode_coverage)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("variant, named", [
    (dict(threshold="3std^2"), "your threshold is 3 * std**2"),
    (dict(threshold="std"), "your threshold is std;"),
    (dict(quality_filter=False), "count every mode that is some sample's nearest centre"),
    (dict(as_count=True), "not their count"),
])
def test_mode_coverage_mistake_is_named(capsys, variant, named):
    ok, out = verdict(capsys, checks.check_mode_coverage, make_coverage(**variant))
    assert not ok
    assert out.startswith("✗") and named in out


def test_mode_coverage_pair_in_wrong_order_is_named(capsys):
    def swapped(samples, centers, std):
        modes_hit, high_quality = make_coverage()(samples, centers, std)
        return high_quality, modes_hit

    ok, out = verdict(capsys, checks.check_mode_coverage, swapped)
    assert not ok and "return (modes_hit, high_quality)" in out


# --------------------------------------------------------------------------------------------
# Frechet distance
# --------------------------------------------------------------------------------------------
def make_frechet(root="matrix", covariance="each", squared=True, ddof=1):
    def frechet(fa, fb):
        mu_a, mu_b = fa.mean(axis=0), fb.mean(axis=0)
        if covariance == "each":
            ca, cb = np.cov(fa, rowvar=False, ddof=ddof), np.cov(fb, rowvar=False, ddof=ddof)
        elif covariance == "concatenated":
            ca = cb = np.cov(np.concatenate([fa, fb]), rowvar=False)
        else:  # "samples": np.cov's default treats rows as the variables
            ca, cb = np.cov(fa), np.cov(fb)
        product = ca @ cb
        with np.errstate(invalid="ignore"):  # the element-wise root of negative entries is NaN
            cross = scipy.linalg.sqrtm(product).real if root == "matrix" else np.sqrt(product)
        d2 = np.sum((mu_a - mu_b) ** 2) + np.trace(ca + cb - 2 * cross)
        return float(d2) if squared else math.sqrt(d2)
    return frechet


def test_correct_frechet_distance_passes(capsys):
    ok, out = verdict(capsys, checks.check_frechet_distance, make_frechet())
    assert ok and out.startswith("✓") and "divide by n" not in out


def test_gantut_frechet_distance_passes(capsys):
    ok, out = verdict(capsys, checks.check_frechet_distance, metrics.frechet_distance)
    assert ok and out.startswith("✓")


def test_frechet_distance_with_biased_covariances_passes_with_a_note(capsys):
    ok, out = verdict(capsys, checks.check_frechet_distance, make_frechet(ddof=0))
    assert ok and out.startswith("✓") and "divide by n" in out


def test_frechet_distance_of_means_only_is_named(capsys):
    def means_only(fa, fb):
        return float(np.sum((fa.mean(0) - fb.mean(0)) ** 2))

    ok, out = verdict(capsys, checks.check_frechet_distance, means_only)
    assert not ok and "the trace term is missing" in out


def test_frechet_distance_complex_result_is_named(capsys):
    def complex_result(fa, fb):
        return np.complex128(metrics.frechet_distance(fa, fb) + 1e-9j)

    ok, out = verdict(capsys, checks.check_frechet_distance, complex_result)
    assert not ok and "complex" in out and ".real" in out


@pytest.mark.parametrize("variant, named", [
    (dict(squared=False), "the square root; FID reports its square"),
    (dict(covariance="concatenated"), "concatenated features"),
    (dict(covariance="samples"), "rowvar=False"),
    (dict(root="element-wise"), "element-wise square root"),
])
def test_frechet_distance_mistake_is_named(capsys, variant, named):
    ok, out = verdict(capsys, checks.check_frechet_distance, make_frechet(**variant))
    assert not ok
    assert out.startswith("✗") and named in out


# --- check_optimal_discriminator ------------------------------------------------------------
def _d_star(p_r, p_g):
    total = np.asarray(p_r) + np.asarray(p_g)
    return np.divide(p_r, total, out=np.full_like(total, 0.5), where=total > 0)


def test_optimal_discriminator_accepts_a_correct_answer_and_gantut(capsys):
    from gantut.divergences import optimal_discriminator

    assert checks.check_optimal_discriminator(_d_star)
    assert checks.check_optimal_discriminator(optimal_discriminator)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda r, g: _d_star(g, r), "generated"),
        (lambda r, g: np.asarray(r) / np.asarray(g), "density ratio"),
        (lambda r, g: np.log(_d_star(r, g)), "log D*"),
        (lambda r, g: np.asarray(r) / (np.asarray(r) + np.asarray(g)), "NaN"),
        (lambda r, g: _d_star(r, g)[:-1], "shape"),
        (lambda r, g: 2 * _d_star(r, g), "outside [0, 1]"),
    ],
    ids=["flipped", "ratio", "log", "nan", "shape", "outside"],
)
def test_optimal_discriminator_names_each_mistake(wrong, phrase, capsys):
    assert not checks.check_optimal_discriminator(wrong)
    out = capsys.readouterr().out
    assert out.startswith("✗") and phrase in out


def test_optimal_discriminator_not_yet_implemented(capsys):
    def stub(p_r, p_g):
        raise NotImplementedError

    assert not checks.check_optimal_discriminator(stub)
    assert "not yet implemented" in capsys.readouterr().out


def test_share_bound_checker_passes_the_bound_and_names_each_mistake(capsys):
    from scipy.stats import norm
    from gantut import latents

    ok, out = verdict(capsys, checks.check_share_bound, latents.isoperimetric_share_bound)
    assert ok and out.startswith("✓")
    for wrong, words in [
        (lambda m, d, L: m * norm.cdf(norm.ppf(1 / m) - d / L), "D/(2L)"),
        (lambda m, d, L: m * norm.cdf(norm.ppf(1 / m) + d / (2 * L)), "sign"),
        (lambda m, d, L: norm.cdf(norm.ppf(1 / m) - d / (2 * L)), "m times"),
        (lambda m, d, L: 1 - m * norm.cdf(norm.ppf(1 / m) - d / (2 * L)), "between the modes"),
        (lambda m, d, L: m * norm.cdf(-d / (2 * L)), "two-mode"),
    ]:
        ok, out = verdict(capsys, checks.check_share_bound, wrong)
        assert not ok and words in out, out
