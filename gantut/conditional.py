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

- :class:`ConditionalGenerator` and :class:`ConditionalCritic` are the two networks;
- :func:`train_conditional` is their training loop, with the paper's defaults;
- :func:`sample` draws images of given classes, :func:`conditional_accuracy` asks the book's
  digits classifier whether they are of the class asked for;
- :func:`few_shot` and :func:`fit_classifier` are the pieces of the data-augmentation experiment.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from gantut.lipschitz import gradient_penalty
from gantut.losses import critic_loss, generator_loss
from gantut.train import DivergedError, History, mlp

__all__ = [
    "N_CLASSES",
    "one_hot",
    "ConditionalGenerator",
    "ConditionalCritic",
    "train_conditional",
    "class_labels",
    "sample",
    "conditional_accuracy",
    "few_shot",
    "fit_classifier",
]

N_CLASSES = 10
_DIGIT_SHAPE = (1, 8, 8)


def one_hot(labels: torch.Tensor, n_classes: int = N_CLASSES) -> torch.Tensor:
    """The float one-hot code ``[n, n_classes]`` of integer ``labels`` ``[n]``."""
    labels = torch.as_tensor(labels)
    if labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D tensor [n], got shape {tuple(labels.shape)}")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return F.one_hot(labels.long(), n_classes).float()


class ConditionalGenerator(nn.Module):
    r""":math:`G(z, y) = \tanh(\mathrm{MLP}([z; e_y]))`, reshaped to ``shape``.

    ``depth`` hidden ReLU layers of ``width`` units, as :func:`gantut.digits.generator`, with the
    one-hot label appended to the noise. ``forward(z, labels)`` takes ``z`` ``[n, latent_dim]``
    and ``labels`` ``[n]`` and returns ``[n, *shape]`` images in [-1, 1].
    """

    def __init__(self, latent_dim: int = 32, width: int = 256, depth: int = 2,
                 shape: tuple[int, ...] = _DIGIT_SHAPE, n_classes: int = N_CLASSES):
        super().__init__()
        self.latent_dim, self.n_classes, self.shape = latent_dim, n_classes, tuple(shape)
        self.net = mlp(latent_dim + n_classes, math.prod(shape), width=width, depth=depth,
                       out_activation=nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.n_classes).to(z.device)
        return self.net(torch.cat([z, code], dim=1)).view(-1, *self.shape)


class ConditionalCritic(nn.Module):
    r"""A conditional critic :math:`f(x, y)`, one raw score per image; ``forward(x, labels)`` takes
    images ``[n, *shape]`` and labels ``[n]`` and returns ``[n, 1]``.

    ``projection=False``: the label is concatenated to the pixels,
    :math:`f(x, y) = \mathrm{MLP}([\operatorname{vec}(x); e_y])` (Mirza and Osindero, 2014).

    ``projection=True`` (the default): a projection critic (Miyato and Koyama, 2018),

    .. math::  f(x, y) = w^\top \phi(x) + b + v_y^\top \phi(x)

    where :math:`\phi` is an MLP on the pixels and :math:`v_y` a learned vector per class: the
    label selects a direction in feature space, so it acts on every feature rather than being
    one of 74 inputs. No sigmoid and no BatchNorm (the per-sample gradient penalty needs
    per-sample scores).
    """

    def __init__(self, width: int = 256, depth: int = 2, shape: tuple[int, ...] = _DIGIT_SHAPE,
                 n_classes: int = N_CLASSES, projection: bool = True):
        super().__init__()
        self.n_classes, self.projection = n_classes, projection
        if projection:
            self.features = mlp(math.prod(shape), width, width=width, depth=depth - 1)
            self.out = nn.Linear(width, 1)
            self.embed = nn.Embedding(n_classes, width)
            nn.init.zeros_(self.embed.weight)
        else:
            self.net = mlp(math.prod(shape) + n_classes, 1, width=width, depth=depth)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.n_classes).to(x.device)
        if not self.projection:
            return self.net(torch.cat([x.flatten(1), code], dim=1))
        h = torch.relu(self.features(x.flatten(1)))
        return self.out(h) + (code @ self.embed.weight * h).sum(dim=1, keepdim=True)


def train_conditional(
    generator: ConditionalGenerator,
    critic: ConditionalCritic,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    iterations: int = 1000,
    n_critic: int = 5,
    batch_size: int = 64,
    penalty_weight: float = 10.0,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    lr_decay: bool = False,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 100,
    seed: int | None = None,
) -> History:
    r"""Train a class-conditional WGAN-GP on labelled ``images`` and return a
    :class:`gantut.train.History`.

    The loop is :func:`gantut.train.train_gan` with a label attached to every sample: each critic
    step draws a batch of real pairs :math:`(x_i, y_i)` (uniformly, with replacement), generates
    :math:`G(z_i, y_i)` for the *same* labels, and minimises

    .. math::  \frac1m \sum_i \big[f(G(z_i, y_i), y_i) - f(x_i, y_i)\big]
               + \lambda\, \mathrm{GP}, \qquad
               \mathrm{GP} = \frac1m \sum_i \big(\lVert \nabla_{\hat x}
               f(\hat x_i, y_i) \rVert_2 - 1\big)^2

    with :func:`gantut.lipschitz.gradient_penalty` applied to :math:`x \mapsto f(x, y)` (the labels
    held fixed, the gradient taken with respect to the image only). The generator step minimises
    :math:`-\frac1m \sum_i f(G(z_i, y_i), y_i)` for labels drawn from the data.

    Defaults are the paper's (Gulrajani et al., 2017): :math:`\lambda = 10`,
    :math:`n_{\text{critic}} = 5`, Adam with learning rate :math:`10^{-4}` and
    :math:`(\beta_1, \beta_2) = (0, 0.9)`, batch 64 (its image experiments). ``lr_decay`` decays
    both learning rates linearly to 0, as in its CIFAR-10 code. ``evaluate(generator)`` is called
    without gradients every ``eval_every`` iterations and at the end; ``seed`` makes a run
    repeatable.

    Raises:
        DivergedError: a loss became NaN or inf.
    """
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images.shape[0]} images but {labels.shape[0]} labels; pass one label per image"
        )
    if iterations < 0 or n_critic < 1 or batch_size < 1:
        raise ValueError("iterations must be >= 0, n_critic >= 1 and batch_size >= 1")
    if seed is not None:
        torch.manual_seed(seed)
    device = next(generator.parameters()).device
    draw = torch.Generator().manual_seed(0 if seed is None else seed)  # which real pairs, when
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
    opt_c = torch.optim.Adam(critic.parameters(), lr=lr, betas=betas)
    history, t_start = History(), time.perf_counter()

    def real_batch() -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(images), (batch_size,), generator=draw)
        return images[idx].to(device), labels[idx].to(device)

    def noise() -> torch.Tensor:
        return torch.randn(batch_size, generator.latent_dim, device=device)

    for it in range(iterations):
        if lr_decay:
            for group in opt_c.param_groups + opt_g.param_groups:
                group["lr"] = lr * (1 - it / iterations)
        # --- critic: n_critic steps, real and generated images with the same labels -----------
        for _ in range(n_critic):
            real, y = real_batch()
            with torch.no_grad():
                fake = generator(noise(), y)
            real_scores, fake_scores = critic(real, y), critic(fake, y)
            gp = gradient_penalty(lambda x: critic(x, y), real, fake)  # label fixed, grad w.r.t. x
            loss_c = critic_loss("wgan", real_scores, fake_scores) + penalty_weight * gp
            opt_c.zero_grad(set_to_none=True)
            loss_c.backward()
            opt_c.step()
        # --- generator: one step, for labels drawn from the data ------------------------------
        _, y = real_batch()
        loss_g = generator_loss("wgan", critic(generator(noise(), y), y))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

        lc, lg = loss_c.item(), loss_g.item()
        if not (math.isfinite(lc) and math.isfinite(lg)):
            raise DivergedError(f"training diverged at iteration {it}: critic loss {lc}, generator "
                                f"loss {lg}; try a smaller lr (lr={lr})", history)
        history.iteration.append(it + 1)
        history.critic_loss.append(lc)
        history.generator_loss.append(lg)
        history.penalty.append(gp.item())
        history.critic_gap.append((real_scores.mean() - fake_scores.mean()).item())
        if evaluate and ((it + 1) % eval_every == 0 or it + 1 == iterations):
            t0 = time.perf_counter()
            generator.eval()
            with torch.no_grad():
                history.eval_iteration.append(it + 1)
                for name, value in evaluate(generator).items():
                    history.evals.setdefault(name, []).append(float(value))
            generator.train()
            history.eval_seconds += time.perf_counter() - t0
    history.seconds = time.perf_counter() - t_start
    return history


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
