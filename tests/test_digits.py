import doctest

import pytest
import torch
from torch import nn

import gantut.digits
from gantut import digits as D
from gantut.networks import image_critic, image_generator
from gantut.train import train_gan


def test_doctests_in_digits_pass():
    assert doctest.testmod(gantut.digits).failed == 0


def test_split_is_fixed_stratified_and_disjoint():
    a, b = D.split(), D.split()
    assert torch.equal(a.test_images, b.test_images)
    assert len(a.train_images) + len(a.test_images) == 1797
    # every class is held out in (nearly) the same proportion
    counts = torch.bincount(a.test_labels, minlength=10).float()
    totals = counts + torch.bincount(a.train_labels, minlength=10).float()
    assert ((counts / totals - 0.3).abs() < 0.01).all()
    # no held-out image is also a training image
    diff = (a.test_images.flatten(1)[:, None, :] - a.train_images.flatten(1)[None]).abs().sum(-1)
    assert (diff.min(dim=1).values > 0).float().mean() > 0.99


def test_split_rejects_a_bad_fraction():
    with pytest.raises(ValueError, match="fraction"):
        D.split(held_out=1.5)


def test_classifier_is_reproducible_and_accurate_on_held_out_digits():
    s = D.split()
    model = D.classifier()
    assert D.classifier() is model  # cached
    again = D._train_classifier(128, 32, 0, 500)
    assert torch.equal(model.head.weight, again.head.weight)
    assert D.accuracy(s.test_images, s.test_labels) >= 0.93
    assert not any(p.requires_grad for p in model.parameters())


def test_features_are_the_penultimate_layer():
    x = D.split().test_images[:7]
    f = D.features(x)
    assert f.shape == (7, 32)
    model = D.classifier()
    assert torch.allclose(model.head(f), model(x))
    assert torch.equal(D.features(x.flatten(1)), f)  # [n, 64] is accepted too
    with pytest.raises(ValueError, match="8, 8"):
        D.features(torch.zeros(3, 1, 7, 7))


def test_confidence_returns_classes_and_probabilities():
    s = D.split()
    cls, prob = D.confidence(s.test_images)
    assert ((prob > 0.1) & (prob <= 1.0)).all()
    assert (cls == s.test_labels).float().mean() >= 0.93


def test_real_floor_is_small_and_a_random_generator_is_far():
    from gantut.floors import fd_floor

    floor = fd_floor(draws=3).mean
    evaluate = D.frechet_evaluator(latent_dim=32)
    torch.manual_seed(0)
    out = evaluate(image_generator())
    assert set(out) == {"fd", "confident", "classes"}
    assert floor < 5 and out["fd"] > 100 * floor


def test_evaluator_works_as_a_train_gan_callback():
    torch.manual_seed(0)
    G, C = image_generator(latent_dim=8, width=32), image_critic(width=32)
    h = train_gan(G, C, D.sampler(D.split().train_images), iterations=4, n_critic=1,
                  batch_size=16, evaluate=D.frechet_evaluator(latent_dim=8, n=100), eval_every=2)
    assert h.eval_iteration == [2, 4] and len(h.evals["fd"]) == 2


def test_sampler_repeats_with_its_seed():
    s = D.split().train_images
    assert torch.equal(D.sampler(s, seed=3)(10), D.sampler(s, seed=3)(10))


def test_the_classifier_trains_even_when_first_needed_under_no_grad():
    # features() runs under torch.no_grad(); a fresh process whose first call is features() must still
    # train the classifier (the cache hid this whenever another test had built it first)
    D.classifier.cache_clear()
    f = D.features(D.split().test_images[:3])
    assert f.shape == (3, 32) and not D.classifier().training
