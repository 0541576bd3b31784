r"""Image GANs on scikit-learn's 8x8 digits: a fixed split, a small classifier for a Frechet
distance, and the networks a WGAN-GP trains.

The digits are small enough that everything here runs on a laptop CPU in seconds, and real enough
that a generator can visibly succeed or fail. Chapters 5 and 6 use this module:

- :func:`split` fixes which digits are trained on and which are held out, once, for the book;
- :func:`classifier` trains, reproducibly and in a second or two, a :class:`DigitsClassifier` whose
  penultimate layer gives the features :math:`\phi(x)` of a Frechet distance (an "FID for
  digits", Heusel et al., 2017), :func:`features` evaluates them on a batch;
- :func:`sampler` gives :func:`gantut.train.train_gan` its ``sample_real`` (the networks are
  :func:`gantut.networks.image_generator` and :func:`gantut.networks.image_critic`);
- :func:`frechet_evaluator` is an ``evaluate`` callback for ``train_gan``, and
  :func:`gantut.floors.fd_floor` the distance a perfect generator would score at the same sample size.

Every image is a ``FloatTensor[n, 1, 8, 8]`` in :math:`[-1, 1]`, as :func:`gantut.data.digits`
returns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import torch
from torch import nn

from gantut.data import digits
from gantut.metrics import frechet_distance

__all__ = [
    "IMAGE_SHAPE",
    "Split",
    "split",
    "DigitsClassifier",
    "classifier",
    "features",
    "accuracy",
    "confidence",
    "sampler",
    "frechet_evaluator",
]

IMAGE_SHAPE = (1, 8, 8)
_PIXELS = 64


# --------------------------------------------------------------------------------------------
# data: one fixed split for the whole book
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    """The digits divided once into a training part and a held-out part.

    Attributes:
        train_images, test_images: ``FloatTensor[n, 1, 8, 8]`` in [-1, 1].
        train_labels, test_labels: ``LongTensor[n]`` of classes 0..9.

    GANs and the classifier train on ``train_*`` only; distances to real data are measured on
    ``test_*``, which neither has seen.
    """

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


@lru_cache(maxsize=4)
def split(held_out: float = 0.3, seed: int = 0) -> Split:
    """Split the 1797 digits into training and held-out parts, stratified by class.

    Each class contributes the fraction ``held_out`` of its images to the held-out part (so the
    class proportions are the same in both parts). The same ``(held_out, seed)`` always gives the
    same split; the book uses the defaults: 1258 training and 539 held-out images.

    >>> s = split()
    >>> len(s.train_images), len(s.test_images)
    (1258, 539)
    """
    if not 0.0 < held_out < 1.0:
        raise ValueError(f"held_out is a fraction in (0, 1), got {held_out}")
    images, labels = digits()
    rng = np.random.default_rng(seed)
    test = []
    for c in range(10):
        idx = np.flatnonzero(labels.numpy() == c)
        rng.shuffle(idx)
        test.extend(idx[: int(round(held_out * len(idx)))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test] = True
    tr, te = torch.from_numpy(~is_test), torch.from_numpy(is_test)
    return Split(images[tr], labels[tr], images[te], labels[te])


def sampler(images: torch.Tensor, labels: torch.Tensor | None = None,
            seed: int = 0) -> Callable[[int], torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """``sample_real(n)`` for :func:`gantut.train.train_gan`: ``n`` images drawn uniformly with
    replacement from ``images`` (the empirical distribution :math:`\\hat p_r`), from a seeded
    stream so that runs repeat. With ``labels``, it returns ``(images, labels)`` pairs: the
    real data of a conditional model.

    >>> s = split()
    >>> x, y = sampler(s.train_images, s.train_labels, seed=0)(4)
    >>> tuple(x.shape), tuple(y.shape)
    ((4, 1, 8, 8), (4,))
    """
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels; pass one label per image")
    g = torch.Generator().manual_seed(seed)

    def sample_real(n: int):
        idx = torch.randint(len(images), (n,), generator=g)
        return images[idx] if labels is None else (images[idx], labels[idx])

    return sample_real


# --------------------------------------------------------------------------------------------
# the classifier whose features define the Frechet distance
# --------------------------------------------------------------------------------------------
class DigitsClassifier(nn.Module):
    r"""A two-hidden-layer perceptron on the 64 pixels, split into features and a linear head.

    .. math::

        \phi(x) = \mathrm{ReLU}(W_2\, \mathrm{ReLU}(W_1 \operatorname{vec}(x) + b_1) + b_2)
        \in \mathbb{R}^{k}, \qquad \text{logits}(x) = W_3 \phi(x) + b_3 \in \mathbb{R}^{10}

    :meth:`features` returns :math:`\phi(x)`, the penultimate layer: the representation in which
    a Frechet distance compares real and generated digits (as FID uses Inception's pool layer).
    """

    def __init__(self, width: int = 128, feature_dim: int = 32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(_PIXELS, width),
            nn.ReLU(),
            nn.Linear(width, feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Linear(feature_dim, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate-layer features :math:`\\phi(x)`, ``[n, feature_dim]``."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The 10 class logits, ``[n, 10]``."""
        return self.head(self.body(x))


def _train_classifier(width: int, feature_dim: int, seed: int, steps: int) -> DigitsClassifier:
    data = split()
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitsClassifier(width, feature_dim)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    x, y = data.train_images, data.train_labels
    # the first call may come from features() or accuracy(), which run under torch.no_grad()
    with torch.enable_grad():
        for _ in range(steps):
            idx = torch.randint(len(x), (128,), generator=g)
            # per-pixel Gaussian jitter makes the features less brittle to the pixel noise of generated images
            batch = (x[idx] + 0.1 * torch.randn(x[idx].shape, generator=g)).clamp(-1, 1)
            loss = nn.functional.cross_entropy(model(batch), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


@lru_cache(maxsize=4)
def classifier(width: int = 128, feature_dim: int = 32, seed: int = 0, steps: int = 500) -> DigitsClassifier:
    r"""The book's digits classifier, trained on ``split().train_images`` and frozen.

    It minimises the cross-entropy :math:`-\frac1m \sum_i \log \operatorname{softmax}(
    \text{logits}(x_i))_{y_i}` with Adam (learning rate 2e-3, weight decay 1e-4) for ``steps``
    minibatches of 128 images, each pixel jittered by :math:`\mathcal{N}(0, 0.1^2)` noise. It takes
    a second or two on one CPU thread, is the same network for the same arguments, and is cached:
    every call in a process returns the same (eval-mode, frozen) model. Its held-out accuracy
    (:func:`accuracy`) is about 96%.
    """
    return _train_classifier(width, feature_dim, seed, steps)


@torch.no_grad()
def features(images: torch.Tensor, model: DigitsClassifier | None = None) -> torch.Tensor:
    """The classifier's penultimate-layer features of ``images`` (``[n, 1, 8, 8]`` or ``[n, 64]``),
    on the CPU, ``[n, feature_dim]``; ``model`` defaults to :func:`classifier`."""
    model = model or classifier()
    return model.features(_as_images(images))


@torch.no_grad()
def accuracy(images: torch.Tensor, labels: torch.Tensor, model: DigitsClassifier | None = None) -> float:
    """The fraction of ``images`` that the classifier labels correctly."""
    model = model or classifier()
    return float((model(_as_images(images)).argmax(1) == labels.cpu()).float().mean())


@torch.no_grad()
def confidence(images: torch.Tensor, model: DigitsClassifier | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``(predicted_class, probability)`` for each image: the arg max and the max of
    :math:`\operatorname{softmax}(\text{logits}(x))`. A digit-like image gets a confident
    prediction; a blur between classes does not."""
    model = model or classifier()
    prob = torch.softmax(model(_as_images(images)), dim=1)
    p, c = prob.max(dim=1)
    return c, p


def _as_images(x: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x).detach().float().cpu()
    if x.ndim == 2 and x.shape[1] == _PIXELS:
        x = x.view(-1, *IMAGE_SHAPE)
    if x.ndim != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"expected 8x8 digits of shape [n, 1, 8, 8] (or [n, 64]), got {tuple(x.shape)}")
    return x


# --------------------------------------------------------------------------------------------
# evaluation: a Frechet distance on the classifier's features
# --------------------------------------------------------------------------------------------
def frechet_evaluator(
    reference: torch.Tensor | None = None,
    latent_dim: int = 32,
    n: int | None = None,
    seed: int = 1234,
    model: DigitsClassifier | None = None,
) -> Callable[[nn.Module], dict[str, float]]:
    r"""An ``evaluate(generator, iteration=None) -> dict`` callback for :func:`gantut.train.train_gan`.

    It generates ``n`` images from a fixed batch of noise and returns

    - ``"fd"``: the squared Frechet distance :math:`d_F^2` between Gaussians fitted to the
      classifier's features of the generated images and of ``reference`` (default: the held-out
      digits, ``split().test_images``), see :func:`gantut.metrics.frechet_distance`;
    - ``"confident"``: the fraction of generated images the classifier labels with probability
      at least 0.9;
    - ``"classes"``: how many of the 10 classes appear among its predictions.

    ``n`` defaults to the size of ``reference``; compare with :func:`gantut.floors.fd_floor` at that size.
    """
    model = model or classifier()
    reference = split().test_images if reference is None else reference
    n = n or len(reference)
    ref_features = features(reference, model)
    z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))

    def evaluate(gen: nn.Module, iteration: int | None = None) -> dict[str, float]:
        fake = gen(z.to(next(gen.parameters()).device)).cpu()
        cls, prob = confidence(fake, model)
        return {
            "fd": frechet_distance(features(fake, model), ref_features),
            "confident": float((prob >= 0.9).float().mean()),
            "classes": float(len(torch.unique(cls))),
        }

    return evaluate
