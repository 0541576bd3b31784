r"""A class-conditional WGAN-GP for the 8x8 digits (Mirza and Osindero, 2014; Gulrajani et al.,
2017).

A conditional generator :math:`G(z, y)` draws an image of the class :math:`y` that we ask for; the
conditional critic :math:`f(x, y)` scores how well the image :math:`x` fits the class :math:`y`.
Both see the label as a one-hot vector :math:`e_y \in \{0, 1\}^{10}` concatenated to their input:

.. math::

    G(z, y) = \tanh\big(\mathrm{MLP}_G([z; e_y])\big), \qquad
    f(x, y) = \mathrm{MLP}_f([\operatorname{vec}(x); e_y])

and the critic is trained on pairs: real images with their own labels against generated images
asked for the *same* labels,

.. math::

    \min_f\ \mathbb{E}_{(x, y)}\big[f(G(z, y), y) - f(x, y)\big]
        + \lambda\, \mathbb{E}\big[(\lVert \nabla_{\hat x} f(\hat x, y) \rVert_2 - 1)^2\big],
    \qquad \hat x = \epsilon x + (1 - \epsilon) G(z, y),\ \epsilon \sim U[0, 1]

one :math:`\epsilon` per sample. The penalty's gradient is taken with respect to the image
:math:`\hat x` only, with the label held fixed: for each class :math:`y`, :math:`x \mapsto f(x, y)`
is a critic between :math:`p_r(x \mid y)` and :math:`p_g(x \mid y)`, and it is that function that
should be 1-Lipschitz. (A label is a discrete choice, not a direction one can move along.)

- the two networks are :class:`gantut.networks.ConditionalGenerator` and
  :class:`gantut.networks.ConditionalCritic`; :func:`gantut.train.train_gan` trains them when
  ``sample_real(n)`` returns ``(images, labels)`` (:func:`gantut.digits.sampler` with labels);
- :func:`sample` draws images of given classes, :func:`conditional_accuracy` asks the book's
  digits classifier whether they are of the class asked for;
- :func:`few_shot` and :func:`fit_classifier` are the pieces of the data-augmentation experiment.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gantut.networks import N_CLASSES, ConditionalGenerator

__all__ = ["class_labels", "sample", "conditional_accuracy", "few_shot", "fit_classifier"]


def class_labels(n_per_class: int, n_classes: int = N_CLASSES) -> torch.Tensor:
    """``[0]*n_per_class + [1]*n_per_class + ...``: the labels of a grid with one row per class.

    >>> class_labels(2, n_classes=3).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    return torch.arange(n_classes).repeat_interleave(n_per_class)


@torch.no_grad()
def sample(generator: ConditionalGenerator, labels: torch.Tensor, seed: int | None = None,
           z: torch.Tensor | None = None) -> torch.Tensor:
    """Images of the classes in ``labels``, on the CPU: :math:`G(z, y)` for fresh standard normal
    noise (from ``seed`` when it is given) or the ``z`` passed in."""
    device = next(generator.parameters()).device
    if z is None:
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        z = torch.randn(len(labels), generator.latent_dim, generator=g)
    was_training = generator.training
    generator.eval()
    out = generator(z.to(device), labels.to(device)).cpu()
    generator.train(was_training)
    return out


@torch.no_grad()
def conditional_accuracy(generator: ConditionalGenerator, classifier: nn.Module,
                         n_per_class: int = 100, seed: int = 1234) -> tuple[float, torch.Tensor]:
    r"""Ask for ``n_per_class`` images of each class and let ``classifier`` label them.

    Returns ``(accuracy, per_class)``: the fraction of generated images that the classifier labels
    as the class the generator was asked for, overall and for each class (``[n_classes]``). A
    generator that ignores its label scores about :math:`1/10`.
    """
    labels = class_labels(n_per_class, generator.n_classes)
    predicted = classifier(sample(generator, labels, seed=seed)).argmax(dim=1)
    hit = (predicted == labels).float()
    return float(hit.mean()), hit.view(generator.n_classes, n_per_class).mean(dim=1)


def few_shot(images: torch.Tensor, labels: torch.Tensor, per_class: int,
             seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` images of every class, drawn without replacement with ``seed``: the small
    labelled set of a data-augmentation experiment."""
    g = torch.Generator().manual_seed(seed)
    keep = []
    for c in torch.unique(labels).tolist():
        idx = torch.nonzero(labels == c).flatten()
        if len(idx) < per_class:
            raise ValueError(
                f"class {c} has only {len(idx)} images, fewer than per_class={per_class}"
            )
        keep.append(idx[torch.randperm(len(idx), generator=g)[:per_class]])
    keep = torch.cat(keep)
    return images[keep], labels[keep]


def fit_classifier(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, steps: int = 300,
                   batch_size: int = 64, lr: float = 2e-3, weight_decay: float = 1e-4,
                   seed: int = 0) -> nn.Module:
    r"""Train ``model`` (images to logits) by minimising the cross-entropy
    :math:`-\frac1m \sum_i \log \operatorname{softmax}(\text{logits}(x_i))_{y_i}` with Adam for
    ``steps`` minibatches drawn with replacement; return it in eval mode. The same ``seed`` and
    data give the same model."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    for _ in range(steps):
        idx = torch.randint(len(images), (batch_size,), generator=g)
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()
