import math

import numpy as np
import pytest

from gantut.divergences import gan_value, gaussian_pdf, js_divergence, kl_divergence, optimal_discriminator

x = np.linspace(-12.0, 12.0, 24001)
p_r = 0.5 * gaussian_pdf(x, -2.0, 0.5) + 0.5 * gaussian_pdf(x, 2.0, 0.5)
p_g = gaussian_pdf(x, 0.0, 1.0)


def test_kl_between_gaussians_matches_closed_form():
    # KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1-m2)^2) / (2 s2^2) - 1/2
    p, q = gaussian_pdf(x, 1.0, 0.7), gaussian_pdf(x, -0.5, 1.3)
    expected = math.log(1.3 / 0.7) + (0.7**2 + 1.5**2) / (2 * 1.3**2) - 0.5
    assert kl_divergence(p, q, x) == pytest.approx(expected, abs=1e-8)


def test_kl_is_infinite_when_p_has_mass_where_q_has_none():
    assert kl_divergence([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]) == math.inf
    assert kl_divergence([0.5, 0.5], [0.5, 0.5]) == 0.0


def test_js_is_symmetric_bounded_and_log2_for_disjoint_supports():
    js = js_divergence(p_r, p_g, x)
    assert js == pytest.approx(js_divergence(p_g, p_r, x), abs=1e-12)
    assert 0.0 < js < math.log(2)
    assert js_divergence([0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]) == pytest.approx(math.log(2), abs=1e-15)


def test_js_of_shifted_uniforms_is_shift_times_log2_until_they_separate():
    n = 100
    for k in (0, 10, 37, 100, 150):  # shift theta = k / n
        p = np.r_[np.full(n, 1 / n), np.zeros(k)]
        q = np.r_[np.zeros(k), np.full(n, 1 / n)]
        assert js_divergence(p, q) == pytest.approx(min(k / n, 1.0) * math.log(2), abs=1e-12)


def test_optimal_discriminator_is_density_ratio_and_beats_perturbations():
    d_star = optimal_discriminator(p_r, p_g)
    assert np.allclose(d_star, p_r / (p_r + p_g))
    best = gan_value(d_star, p_r, p_g, x)
    logit = np.log(d_star) - np.log1p(-d_star)
    for t in (-0.5, -0.05, 0.05, 0.5):
        perturbed = 1 / (1 + np.exp(-(logit + t * np.sin(x))))
        assert gan_value(perturbed, p_r, p_g, x) < best


def test_value_at_optimal_discriminator_is_two_js_minus_log4():
    best = gan_value(optimal_discriminator(p_r, p_g), p_r, p_g, x)
    assert best == pytest.approx(2 * js_divergence(p_r, p_g, x) - math.log(4), abs=1e-9)
    assert gan_value(optimal_discriminator(p_g, p_g), p_g, p_g, x) == pytest.approx(-math.log(4), abs=1e-9)


def test_gan_value_accepts_a_callable_and_handles_zero_mass():
    assert gan_value(lambda t: np.full_like(t, 0.5), p_g, p_g, x) == pytest.approx(-math.log(4), abs=1e-9)
    assert gan_value([1.0, 0.0], [1.0, 0.0], [0.0, 1.0]) == 0.0  # perfect separation, 0 log 0 = 0
    assert gan_value([0.0, 0.0], [1.0, 0.0], [0.0, 1.0]) == -math.inf


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="integrates"):
        kl_divergence(p_g[:100], p_g[:100], x[:100])  # grid misses the mass
    with pytest.raises(ValueError, match="same length"):
        js_divergence([1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="negative"):
        js_divergence([1.5, -0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gan_value([1.2, 0.5], [0.5, 0.5], [0.5, 0.5])
