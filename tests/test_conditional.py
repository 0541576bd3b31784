import doctest

import pytest
import torch
from torch import nn

import gantut.conditional
from gantut import conditional as C
from gantut import digits as D
from gantut.train import History


def test_doctests_in_conditional_pass():
    assert doctest.testmod(gantut.conditional).failed == 0


def test_one_hot_codes_and_refuses_bad_labels():
    assert C.one_hot(torch.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="0..9"):
        C.one_hot(torch.tensor([10]))
    with pytest.raises(ValueError, match="integer"):
        C.one_hot(torch.tensor([0.5]))


def test_generator_and_critic_shapes_and_no_batchnorm():
    G = C.ConditionalGenerator(latent_dim=8, width=16)
    y = torch.tensor([0, 3, 9])
    x = G(torch.randn(3, 8), y)
    assert x.shape == (3, 1, 8, 8) and x.abs().max() <= 1
    for projection in (True, False):
        f = C.ConditionalCritic(width=16, projection=projection)
        assert f(x, y).shape == (3, 1)
        assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in f.modules())
    mnist_like = C.ConditionalGenerator(8, 16, shape=(1, 28, 28))
    assert mnist_like(torch.randn(2, 8), y[:2]).shape == (2, 1, 28, 28)


def test_the_label_changes_the_generated_image_and_the_critic_score():
    torch.manual_seed(0)
    G, f = C.ConditionalGenerator(latent_dim=8, width=16), C.ConditionalCritic(width=16)
    nn.init.normal_(f.embed.weight)  # a trained projection critic has non-zero class vectors
    z = torch.randn(1, 8)
    a, b = G(z, torch.tensor([1])), G(z, torch.tensor([7]))
    assert not torch.allclose(a, b)
    assert not torch.allclose(f(a, torch.tensor([1])), f(a, torch.tensor([7])))


def test_critic_scores_each_image_independently_of_its_batch():
    f = C.ConditionalCritic(width=16)
    x, y = D.split().test_images[:6], D.split().test_labels[:6]
    assert torch.allclose(f(x, y)[:3], f(x[:3], y[:3]), atol=1e-6)


def test_training_records_a_history_and_is_repeatable():
    s = D.split()
    x, y = C.few_shot(s.train_images, s.train_labels, 3, seed=0)

    def run():
        torch.manual_seed(0)
        G, f = C.ConditionalGenerator(8, width=16), C.ConditionalCritic(width=16)
        h = C.train_conditional(G, f, x, y, iterations=4, n_critic=2, batch_size=8, seed=1,
                                evaluate=lambda g: {"one": 1.0}, eval_every=2)
        return G, h

    (G1, h1), (G2, h2) = run(), run()
    assert isinstance(h1, History)
    assert h1.iteration == [1, 2, 3, 4] and len(h1.penalty) == 4
    assert h1.eval_iteration == [2, 4] and h1.evals["one"] == [1.0, 1.0]
    assert h1.critic_loss == h2.critic_loss
    for p, q in zip(G1.parameters(), G2.parameters()):
        assert torch.equal(p, q)


def test_training_refuses_mismatched_images_and_labels():
    G, f = C.ConditionalGenerator(8, width=16), C.ConditionalCritic(width=16)
    with pytest.raises(ValueError, match="one label per image"):
        C.train_conditional(G, f, torch.zeros(5, 1, 8, 8), torch.zeros(4, dtype=torch.long))


def test_a_short_run_learns_to_follow_the_label():
    """Conditioning works: after 200 iterations (about 3 s) the classifier recognises the
    asked-for class far more often than the 10% of a generator that ignores its label."""
    s = D.split()
    torch.manual_seed(0)
    G, f = C.ConditionalGenerator(32, width=128), C.ConditionalCritic(width=128)
    C.train_conditional(G, f, s.train_images, s.train_labels, iterations=200, lr=1e-3, seed=0)
    acc, per_class = C.conditional_accuracy(G, D.classifier(), n_per_class=30)
    assert per_class.shape == (10,)
    assert acc > 0.4


def test_sample_is_repeatable_and_leaves_the_mode_alone():
    G = C.ConditionalGenerator(8, width=16)
    y = C.class_labels(2)
    assert torch.equal(C.sample(G, y, seed=3), C.sample(G, y, seed=3))
    assert G.training


def test_few_shot_takes_per_class_images_of_every_class():
    s = D.split()
    x, y = C.few_shot(s.train_images, s.train_labels, 5, seed=0)
    assert x.shape == (50, 1, 8, 8)
    assert torch.bincount(y).tolist() == [5] * 10
    x2, _ = C.few_shot(s.train_images, s.train_labels, 5, seed=0)
    assert torch.equal(x, x2)
    with pytest.raises(ValueError, match="fewer than per_class"):
        C.few_shot(s.train_images, s.train_labels, 1000)


def test_fit_classifier_learns_the_digits():
    s = D.split()
    model = C.fit_classifier(D.DigitsClassifier(), s.train_images, s.train_labels, steps=200)
    assert not model.training
    assert D.accuracy(s.test_images, s.test_labels, model) > 0.85
