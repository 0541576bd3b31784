import doctest

import pytest
import torch

import gantut.conditional
from gantut import conditional as C
from gantut import digits as D
from gantut.networks import ConditionalCritic, ConditionalGenerator
from gantut.train import History, train_gan


def test_doctests_in_conditional_pass():
    assert doctest.testmod(gantut.conditional).failed == 0


def test_training_records_a_history_and_is_repeatable():
    s = D.split()
    x, y = C.few_shot(s.train_images, s.train_labels, 3, seed=0)

    def run():
        torch.manual_seed(0)
        G, f = ConditionalGenerator(8, width=16), ConditionalCritic(width=16)
        h = train_gan(G, f, D.sampler(x, y, seed=1), iterations=4, n_critic=2, batch_size=8, seed=1,
                      evaluate=lambda g, it: {"one": 1.0}, eval_every=2)
        return G, h

    (G1, h1), (G2, h2) = run(), run()
    assert isinstance(h1, History)
    assert h1.iteration == [1, 2, 3, 4] and len(h1.penalty) == 4
    assert h1.eval_iteration == [2, 4] and h1.evals["one"] == [1.0, 1.0]
    assert h1.critic_loss == h2.critic_loss
    for p, q in zip(G1.parameters(), G2.parameters()):
        assert torch.equal(p, q)


def test_the_labelled_sampler_refuses_mismatched_images_and_labels():
    with pytest.raises(ValueError, match="one label per image"):
        D.sampler(torch.zeros(5, 1, 8, 8), torch.zeros(4, dtype=torch.long))


def test_every_critic_and_generator_call_sees_the_labels_of_its_batch():
    # the critic scores real and generated images for the same labels, and the generator step
    # asks for labels drawn from the data
    seen = []

    class Spy(ConditionalCritic):
        def forward(self, x, labels):
            seen.append((len(x), labels.clone()))
            return super().forward(x, labels)

    x, y = D.split().train_images[:40], D.split().train_labels[:40]
    G, f = ConditionalGenerator(8, width=16), Spy(width=16)
    train_gan(G, f, D.sampler(x, y, seed=0), iterations=1, n_critic=1, batch_size=4, seed=0)
    stacked = seen[0]
    assert stacked[0] == 8 and torch.equal(stacked[1][:4], stacked[1][4:])  # real and fake, same labels
    assert all(set(labels.tolist()) <= set(y.tolist()) for _, labels in seen)


def test_conditional_training_checkpoints_and_resumes_bit_identically(tmp_path):
    x, y = D.split().train_images[:60], D.split().train_labels[:60]

    def sample(n):  # torch's global generator, whose state the checkpoint carries
        i = torch.randint(len(x), (n,))
        return x[i], y[i]

    def fresh(seed):
        torch.manual_seed(seed)
        return ConditionalGenerator(8, width=16), ConditionalCritic(width=16)

    whole = train_gan(*fresh(0), sample, iterations=4, n_critic=2, batch_size=8, seed=3)
    path = str(tmp_path / "cond.pt")
    train_gan(*fresh(0), sample, iterations=2, n_critic=2, batch_size=8, seed=3, checkpoint=path)
    resumed = train_gan(*fresh(7), sample, iterations=4, n_critic=2, batch_size=8, checkpoint=path, resume=True)
    assert resumed.critic_loss == whole.critic_loss and resumed.generator_loss == whole.generator_loss


def test_a_short_run_learns_to_follow_the_label():
    """Conditioning works: after 200 iterations (about 3 s) the classifier recognises the
    asked-for class far more often than the 10% of a generator that ignores its label."""
    s = D.split()
    torch.manual_seed(0)
    G, f = ConditionalGenerator(32, width=128), ConditionalCritic(width=128)
    train_gan(G, f, D.sampler(s.train_images, s.train_labels), iterations=200, batch_size=64, lr=1e-3, seed=0)
    acc, per_class = C.conditional_accuracy(G, D.classifier(), n_per_class=30)
    assert per_class.shape == (10,)
    assert acc > 0.4


def test_sample_is_repeatable_and_leaves_the_mode_alone():
    G = ConditionalGenerator(8, width=16)
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
