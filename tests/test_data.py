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


@pytest.mark.parametrize("generator_seed", [0, 1, 12345])
@pytest.mark.parametrize("n", [1, 256, 5000])
def test_swissroll_matches_scikit_learn_make_swiss_roll_divided_by_7_5(generator_seed, n):
    """``toy("swissroll").sample(n, generator=g)`` draws one seed from ``g`` and must return
    scikit-learn's ``make_swiss_roll(n, noise=0.25, random_state=seed)``, coordinates (x, z),
    divided by 7.5, to the bit: any change to the noise, the scale, the coordinates or the order
    of the draws fails here."""
    from sklearn.datasets import make_swiss_roll

    x = toy("swissroll").sample(n, generator=torch.Generator().manual_seed(generator_seed))
    # the seed sample() draws from its generator, reproduced with a twin generator
    seed = int(torch.randint(2**31 - 1, (1,), generator=torch.Generator().manual_seed(generator_seed)))
    pts, _ = make_swiss_roll(n, noise=0.25, random_state=seed)
    expected = torch.from_numpy(pts[:, [0, 2]] / 7.5).float()
    assert x.dtype == torch.float32 and x.shape == (n, 2)
    assert torch.equal(x, expected)


def test_swissroll_scale_is_scikit_learns_divided_by_7_5():
    # the roll's radius t runs from 1.5 pi to 4.5 pi (14.1), and 14.1 / 7.5 = 1.9, plus the noise
    x = toy("swissroll").sample(5000, generator=torch.Generator().manual_seed(0))
    assert 1.2 < x.abs().max() < 2.2


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
