import math

import numpy as np
import ot
import pytest
import scipy.stats
import torch

from gantut.data import toy
from gantut.metrics import (
    exact_ot_memory_gb,
    frechet_distance,
    gaussian_w2,
    mode_coverage,
    optimal_coupling,
    sinkhorn_wasserstein,
    sliced_wasserstein,
    wasserstein,
    wasserstein_1d,
)

rng = np.random.default_rng(0)


def test_w1_of_two_diracs_is_their_distance_and_w2_is_not_its_square():
    assert wasserstein([[0.0, 0.0]], [[3.0, 4.0]], p=1) == pytest.approx(5.0)
    assert wasserstein([[0.0, 0.0]], [[3.0, 4.0]], p=2) == pytest.approx(5.0)  # not 25


def test_default_pot_cost_gives_w2_squared_which_wasserstein_avoids():
    x, y = [[0.0, 0.0]], [[3.0, 4.0]]
    assert ot.emd2([1.0], [1.0], ot.dist(np.array(x), np.array(y))) == pytest.approx(25.0)
    assert wasserstein(x, y) == pytest.approx(5.0)


def test_w1_of_a_translated_cloud_is_the_translation_length():
    x = rng.standard_normal((200, 3))
    shift = np.array([0.3, -0.4, 1.2])
    assert wasserstein(x, x + shift) == pytest.approx(np.linalg.norm(shift), rel=1e-9)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_1d_sorted_formula_matches_pot(p):
    u, v = rng.standard_normal(300), rng.exponential(size=300)
    assert wasserstein_1d(u, v, p) == pytest.approx(wasserstein(u, v, p), rel=1e-8)
    assert wasserstein_1d(u, v, p) ** p == pytest.approx(ot.wasserstein_1d(u, v, p=p), rel=1e-8)


def test_1d_w1_with_unequal_sizes_matches_scipy_and_pot():
    u, v = rng.standard_normal(301), rng.standard_normal(177) + 0.5
    expected = scipy.stats.wasserstein_distance(u, v)
    assert wasserstein_1d(u, v) == pytest.approx(expected, rel=1e-9)
    assert wasserstein(u, v) == pytest.approx(expected, rel=1e-8)
    assert wasserstein_1d(u, v, p=2) == pytest.approx(wasserstein(u, v, p=2), rel=1e-8)


@pytest.mark.parametrize("theta", [-1.0, -0.25, 0.0, 0.5, 2.0])
def test_parallel_lines_are_theta_apart(theta):
    # Arjovsky et al. (2017), example 1: P_0 on {0} x [0,1], P_theta on {theta} x [0,1]
    t = rng.uniform(size=400)
    p0 = np.stack([np.zeros_like(t), t], 1)
    pt = np.stack([np.full_like(t, theta), t], 1)
    assert wasserstein(p0, pt) == pytest.approx(abs(theta), abs=1e-12)


def test_weighted_diracs():
    # mass 0.25 moves distance 2: W1 = 0.5
    assert wasserstein([[0.0], [1.0]], [[0.0], [3.0]], a=[0.75, 0.25], b=[0.75, 0.25]) == pytest.approx(0.5)


def test_gaussian_w2_closed_form_in_1d_is_mean_and_std_difference():
    assert gaussian_w2([0.0], [[1.0]], [3.0], [[4.0]]) == pytest.approx(math.sqrt(9 + 1))


def test_gaussian_w2_closed_form_agrees_with_pot_on_samples():
    m1, m2 = np.zeros(2), np.array([1.0, -0.5])
    c1 = np.array([[1.0, 0.3], [0.3, 0.5]])
    c2 = np.array([[0.4, -0.1], [-0.1, 0.8]])
    n = 1500
    x = rng.multivariate_normal(m1, c1, n)
    y = rng.multivariate_normal(m2, c2, n)
    exact = gaussian_w2(m1, c1, m2, c2)
    # the finite-sample estimate is biased upwards by O(n^-1/2) in 2-D; 10% covers it at n=1500
    assert wasserstein(x, y, p=2) == pytest.approx(exact, rel=0.1)


def test_frechet_distance_is_squared_gaussian_w2_of_fitted_moments():
    a = rng.standard_normal((500, 4))
    b = rng.standard_normal((400, 4)) * 1.5 + 0.2
    expected = gaussian_w2(a.mean(0), np.cov(a.T), b.mean(0), np.cov(b.T)) ** 2
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_sliced_is_a_lower_bound_and_exact_for_a_translation_along_any_axis():
    x = rng.standard_normal((300, 2))
    y = rng.standard_normal((300, 2)) + np.array([1.0, 0.0])
    assert sliced_wasserstein(x, y) <= wasserstein(x, y) + 1e-9
    assert sliced_wasserstein(x, y, n_projections=64, seed=1) == sliced_wasserstein(
        x, y, n_projections=64, seed=1
    )


def test_sinkhorn_approaches_exact_from_above():
    x, y = rng.standard_normal((200, 2)), rng.standard_normal((200, 2)) + 1
    exact = wasserstein(x, y)
    approx = sinkhorn_wasserstein(x, y, reg=0.01)
    assert exact - 1e-6 <= approx <= exact * 1.05


def test_optimal_plan_for_uniform_weights_is_a_permutation():
    x, y = rng.standard_normal((50, 2)), rng.standard_normal((50, 2))
    value, plan = optimal_coupling(x, y)
    assert value == pytest.approx(wasserstein(x, y))
    assert np.allclose(np.sort(plan, axis=1)[:, -1], 1 / 50)
    assert ((plan > 1e-12).sum(axis=1) == 1).all()


def test_true_samples_score_one_minus_exp_minus_4_5_high_quality():
    t = toy("8gaussians")
    x = t.sample(40000, generator=torch.Generator().manual_seed(0))
    modes, hq = mode_coverage(x, t.centers, t.std)
    assert modes == 8
    assert hq == pytest.approx(1 - math.exp(-4.5), abs=0.003)


def test_a_collapsed_generator_hits_one_mode():
    t = toy("25gaussians")
    x = t.centers[3] + t.std * torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    modes, hq = mode_coverage(x, t.centers, t.std)
    assert modes == 1 and hq > 0.95


# --- bad input ----------------------------------------------------------------------------
def test_mismatched_dimensions_are_refused():
    with pytest.raises(ValueError, match="different dimensions"):
        wasserstein(np.zeros((3, 2)), np.zeros((3, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_are_refused(bad):
    x = np.zeros((4, 2))
    x[1, 0] = bad
    with pytest.raises(ValueError, match="NaN or inf"):
        wasserstein(x, np.ones((4, 2)))
    with pytest.raises(ValueError, match="NaN or inf"):
        sliced_wasserstein(x, np.ones((4, 2)))


def test_negative_or_non_summing_weights_are_refused():
    x = np.zeros((2, 1))
    with pytest.raises(ValueError, match="non-negative"):
        wasserstein(x, x, a=[1.5, -0.5])
    with pytest.raises(ValueError, match="sum to 1"):
        wasserstein(x, x, a=[0.5, 0.6])
    with pytest.raises(ValueError, match="one weight per point"):
        wasserstein(x, x, a=[1.0])


def test_too_many_points_names_the_memory_and_the_sliced_alternative():
    n = 20000
    with pytest.raises(ValueError, match=r"about 19\.2 GB.*sliced_wasserstein"):
        wasserstein(np.zeros((n, 2)), np.zeros((n, 2)))
    assert exact_ot_memory_gb(n, n) == pytest.approx(19.2)


def test_images_must_be_flattened():
    with pytest.raises(ValueError, match="flatten"):
        wasserstein(np.zeros((4, 1, 8, 8)), np.zeros((4, 1, 8, 8)))


def test_p_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        wasserstein([[0.0]], [[1.0]], p=0.5)


def test_mode_coverage_needs_a_positive_std():
    with pytest.raises(ValueError, match="std"):
        mode_coverage(np.zeros((3, 2)), np.zeros((1, 2)), None)


def test_accepts_torch_tensors():
    assert wasserstein(torch.zeros(1, 2), torch.tensor([[3.0, 4.0]])) == pytest.approx(5.0)


# --- precision and recall for distributions ------------------------------------------------
from gantut.metrics import precision_recall  # noqa: E402


def _clusters(n_per, centers, seed, std=0.3):
    g = np.random.default_rng(seed)
    return np.concatenate([c + std * g.normal(size=(n_per, len(c))) for c in centers])


CENTERS = [np.array([10.0 * i, 0.0, 0.0]) for i in range(5)]


def test_identical_sets_have_precision_and_recall_one():
    x = rng.normal(size=(200, 4))
    assert precision_recall(x, x) == (1.0, 1.0)


def test_a_fake_set_far_away_has_precision_and_recall_zero():
    x = rng.normal(size=(200, 4))
    assert precision_recall(x, x + 50.0) == (0.0, 0.0)


def test_fake_set_collapsed_onto_one_cluster_keeps_precision_and_loses_recall():
    real = _clusters(100, CENTERS, seed=1)
    collapsed = _clusters(500, CENTERS[:1], seed=2)
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.9
    assert recall < 0.3  # about 1/5 of the real points lie near the one cluster kept


def test_fake_set_of_noise_around_the_data_loses_precision_not_recall():
    real = _clusters(100, CENTERS, seed=1)
    fake = np.concatenate([_clusters(100, CENTERS, seed=3), rng.uniform(-20, 60, size=(500, 3))])
    precision, recall = precision_recall(real, fake)
    assert precision < 0.5 and recall > 0.9


def test_two_samples_of_one_distribution_score_high_on_both():
    precision, recall = precision_recall(_clusters(200, CENTERS, 1), _clusters(200, CENTERS, 2))
    assert precision > 0.8 and recall > 0.8


def test_swapping_the_sets_swaps_precision_and_recall():
    a, b = _clusters(60, CENTERS, 1), _clusters(40, CENTERS[:3], 2)
    p, r = precision_recall(a, b, k=2)
    assert precision_recall(b, a, k=2) == (r, p)


def test_precision_recall_with_k_one_by_hand():
    # real points 0, 1, 3: k=1 radii 1, 1, 2, so the real manifold is [-1, 5];
    # fake points 4 and 6: radii 2, 2, so the fake manifold is [2, 8]
    real, fake = np.array([[0.0], [1.0], [3.0]]), np.array([[4.0], [6.0]])
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(0.5)  # 4 is inside [-1, 5], 6 is not
    assert recall == pytest.approx(1 / 3)  # only 3 is inside [2, 8]


def test_precision_recall_accepts_torch_and_large_sets_in_blocks():
    x = torch.randn(2100, 2, generator=torch.Generator().manual_seed(0))
    assert precision_recall(x, x) == (1.0, 1.0)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_precision_recall_refuses_a_bad_k(k):
    with pytest.raises(ValueError, match="positive integer"):
        precision_recall(np.zeros((10, 2)), np.zeros((10, 2)), k=k)


def test_precision_recall_needs_more_than_k_points_and_matching_dimensions():
    with pytest.raises(ValueError, match="more than k = 3"):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="fake_features has 2"):
        precision_recall(np.zeros((10, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="different dimensions"):
        precision_recall(np.zeros((10, 2)), np.zeros((10, 3)))
    bad = np.zeros((10, 2))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        precision_recall(bad, np.zeros((10, 2)))


# --- mode statistics beyond modes and high quality -------------------------------------------
from gantut.metrics import mode_statistics  # noqa: E402


def test_real_mixture_samples_have_spread_one_balance_and_no_flag():
    ring = toy("8gaussians")
    stats = [mode_statistics(ring.sample(2000, generator=torch.Generator().manual_seed(s)), ring.centers, ring.std)
             for s in range(10)]
    assert all(abs(s.spread - 1) < 0.06 for s in stats)
    assert all(s.weight_tv < 0.06 for s in stats)
    assert sum(s.under_dispersed for s in stats) <= 1   # a 3-standard-error flag: rare for real data
    assert stats[0].real_high_quality == pytest.approx(1 - np.exp(-4.5))


def test_narrow_modes_show_in_the_spread_and_are_flagged():
    ring = toy("8gaussians")
    g = torch.Generator().manual_seed(0)
    narrow = ring.centers[torch.randint(8, (2000,), generator=g)] + 0.5 * ring.std * torch.randn(2000, 2, generator=g)
    s = mode_statistics(narrow, ring.centers, ring.std)
    assert s.modes_hit == 8 and s.high_quality == 1.0
    assert s.spread == pytest.approx(0.5, abs=0.05) and s.under_dispersed


def test_weight_tv_of_half_the_modes_is_one_half():
    ring = toy("8gaussians")
    g = torch.Generator().manual_seed(0)
    half = ring.centers[torch.randint(4, (4000,), generator=g)] + ring.std * torch.randn(4000, 2, generator=g)
    assert mode_statistics(half, ring.centers, ring.std).weight_tv == pytest.approx(0.5, abs=0.02)
    # with the matching weights it is balanced
    w = [0.25] * 4 + [0.0] * 4
    assert mode_statistics(half, ring.centers, ring.std, weights=w).weight_tv < 0.03
