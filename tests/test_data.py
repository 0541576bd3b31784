import math

import pytest
import torch

from gantut.data import TOY_NAMES, digits, toy


def test_8gaussians_geometry_follows_the_original_toy_code():
    t = toy("8gaussians")
    radii = t.centers.norm(dim=1)
    assert torch.allclose(radii, torch.full((8,), 2 / 1.414), atol=1e-6)
    assert t.std == pytest.approx(0.02 / 1.414)


def test_25gaussians_is_a_5x5_grid_with_spacing_2_over_2828():
    t = toy("25gaussians")
    assert t.centers.shape == (25, 2)
    xs = sorted(set(round(v, 6) for v in t.centers[:, 0].tolist()))
    assert len(xs) == 5 and xs[1] - xs[0] == pytest.approx(2 / 2.828, abs=1e-5)
    assert t.std == pytest.approx(0.05 / 2.828)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_samples_are_reproducible_n_by_2_floats(name):
    a = toy(name).sample(100, generator=torch.Generator().manual_seed(3))
    b = toy(name).sample(100, generator=torch.Generator().manual_seed(3))
    assert a.shape == (100, 2) and a.dtype == torch.float32
    assert torch.equal(a, b)


def test_mixture_samples_sit_at_their_centres_with_the_stated_std():
    t = toy("8gaussians")
    x = t.sample(20000, generator=torch.Generator().manual_seed(0))
    d = torch.cdist(x, t.centers).min(dim=1).values
    # the distance to the centre of a 2-D Gaussian has mean std * sqrt(pi / 2)
    assert d.mean().item() == pytest.approx(t.std * math.sqrt(math.pi / 2), rel=0.03)


def test_swissroll_scale_matches_sklearn_divided_by_7_5():
    x = toy("swissroll").sample(5000, generator=torch.Generator().manual_seed(0))
    assert x.abs().max() < 2.2 and x.abs().max() > 1.2


def test_unknown_toy_lists_the_valid_names():
    with pytest.raises(ValueError, match="8gaussians, 25gaussians, swissroll"):
        toy("9gaussians")


def test_bad_sample_size_is_refused():
    with pytest.raises(ValueError, match="positive integer"):
        toy("8gaussians").sample(0)


def test_digits_are_scaled_to_minus_one_one():
    images, labels = digits()
    assert images.shape == (1797, 1, 8, 8) and labels.shape == (1797,)
    assert images.min() == -1 and images.max() == 1
    assert set(labels.tolist()) == set(range(10))


@pytest.mark.parametrize("seed", [0, 1, 2**31 - 2])
@pytest.mark.parametrize("n", [1, 256])
def test_swiss_roll_draws_exactly_what_scikit_learn_draws(seed, n):
    from sklearn.datasets import make_swiss_roll

    from gantut.data import _swiss_roll

    pts, _ = make_swiss_roll(n, noise=0.25, random_state=seed)
    assert torch.equal(_swiss_roll(n, seed), torch.from_numpy(pts[:, [0, 2]] / 7.5).float())
