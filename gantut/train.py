r"""Training: one critic step and one generator step, and the loops that call them.

The unit is the step. :func:`critic_step` takes one optimiser step on

.. math::  \mathcal{L}_f = \ell_{\text{critic}}\big(f(x), f(\tilde x)\big) + \lambda\, P(f, x, \tilde x)

for a real batch :math:`x` and a generated batch :math:`\tilde x`, where :math:`\ell_{\text{critic}}`
is an objective of :mod:`gantut.losses` and :math:`P` a penalty of :mod:`gantut.lipschitz`
(then clips the weights, when asked); :func:`generator_step` takes one step on
:math:`\ell_{\text{gen}}(f(G(z)))` with the critic's weights held fixed. Every loop of the book
calls these two:

- :func:`train_step`: one generator iteration of Algorithm 1 of Gulrajani et al. (2017),
  ``n_critic`` critic steps on fresh batches then one generator step;
- :func:`train_gan`: the loop around :func:`train_step` (learning-rate decay, evaluation,
  divergence checks, checkpoints), for every objective and penalty, unconditional or conditional;
- :func:`train_critic`: the critic alone against a fixed generated distribution (chapters 3, 4
  and the bug gallery of chapter 5b).

Conditional models are the same loop with labels passed through, as StyleGAN2-ADA does with
:math:`G(z, c)` and :math:`D(x, c)`: when ``sample_real(n)`` returns ``(images, labels)``, the
generator is called as ``generator(z, labels)`` and the critic as ``critic(x, labels)``, and the
penalty differentiates with respect to the image with the label held fixed.

Names: the *objective* is a loss kind of :mod:`gantut.losses` (or your own pair of functions); the
*penalty* is ``"gp"`` (two-sided gradient penalty), ``"lp"`` (one-sided), ``"r1"`` (R1, on real
data), ``None``, or any function ``penalty(critic, real, fake) -> scalar``; weight *clipping*
(``clip=c``) is not a penalty but a projection after the step. The critic's *estimate* is
:math:`\frac1m \sum_i f(x_i) - \frac1m \sum_i f(\tilde x_i)` on the step's batches: for a WGAN
with a (nearly) 1-Lipschitz critic it estimates :math:`W_1`, it is not the distance.

Defaults are the paper's: WGAN objective, gradient penalty with :math:`\lambda = 10`,
:math:`n_{\text{critic}} = 5`, Adam(lr = 1e-4, betas = (0, 0.9)), batch 256 (its toy code).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, NamedTuple, Union

import torch
from torch import nn

from gantut.lipschitz import clip_weights_, gradient_penalty, r1_penalty
from gantut.losses import OBJECTIVES, critic_loss, generator_loss

__all__ = [
    "PENALTIES", "History", "DivergedError", "CriticStep", "adam", "critic_scores", "critic_step",
    "generator_step", "train_step", "train_gan", "train_critic", "toy_evaluator",
]

Penalty = Callable[[Callable, torch.Tensor, torch.Tensor], torch.Tensor]
PENALTIES: dict[str, Penalty] = {
    "gp": gradient_penalty,
    "lp": lambda critic, real, fake: gradient_penalty(critic, real, fake, one_sided=True),
    "r1": lambda critic, real, fake: r1_penalty(critic, real),
}
Objective = Union[str, Callable]


@dataclass
class History:
    """What a run recorded, one entry per generator iteration (losses) or per evaluation.

    ``estimate`` is the critic's estimate :math:`E f(x) - E f(\\tilde x)` on the last critic
    batch of each iteration; ``penalty`` the penalty before its weight.
    """

    iteration: list[int] = field(default_factory=list)
    critic_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    estimate: list[float] = field(default_factory=list)
    eval_iteration: list[int] = field(default_factory=list)
    evals: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    eval_seconds: float = 0.0

    def last(self, name: str) -> float:
        """The most recent evaluation called ``name``."""
        return self.evals[name][-1]


class DivergedError(RuntimeError):
    """Raised when a loss becomes NaN or inf. ``.history`` keeps the record up to that point."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


class CriticStep(NamedTuple):
    """What :func:`critic_step` returns: detached scalar tensors (no device sync until read)."""

    loss: torch.Tensor
    penalty: torch.Tensor
    estimate: torch.Tensor


def adam(params, lr: float = 1e-4, betas: tuple[float, float] = (0.0, 0.9)) -> torch.optim.Adam:
    """Adam, with PyTorch's fused kernel where it has one for these parameters (CPU and CUDA
    floating point, PyTorch >= 2.4): the same update in fewer, larger operations, about 5-10%
    faster per iteration for the toy networks on a CPU (the performance page has the figures).

    >>> adam([torch.zeros(2, requires_grad=True)]).defaults["betas"]
    (0.0, 0.9)
    """
    params = list(params)
    if all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params):
        try:
            return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
        except (RuntimeError, TypeError, ValueError):
            pass  # an older PyTorch, or a device without the fused kernel
    return torch.optim.Adam(params, lr=lr, betas=betas)


def _batch_coupled(critic: nn.Module) -> bool:
    """Whether a score may depend on the other samples in the call, or a call changes the critic:
    BatchNorm (batch statistics), parametrizations such as spectral norm (a power-iteration step
    per call), or forward hooks, which could do either."""
    for m in critic.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) or getattr(m, "parametrizations", None):
            return True
        if m._forward_pre_hooks or m._forward_hooks:
            return True
    return False


def critic_scores(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                  labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The critic's scores :math:`f(x_i)` and :math:`f(\tilde x_i)` on a real and a generated batch
    (with ``labels``: :math:`f(x_i, y_i)` and :math:`f(\tilde x_i, y_i)`).

    When each score depends only on its own sample, one call on the two batches stacked is the same
    function as two calls, with half as many (twice as large) matrix products: about neutral on a
    CPU, fewer kernel launches on a GPU. The values agree to rounding, not bit for bit. A critic
    with BatchNorm, spectral norm or forward hooks gets the paper's two calls.

    >>> critic = nn.Linear(2, 1)
    >>> r, f = critic_scores(critic, torch.zeros(3, 2), torch.ones(2, 2))
    >>> r.shape, f.shape
    (torch.Size([3, 1]), torch.Size([2, 1]))
    """
    if labels is not None:
        if _batch_coupled(critic):
            return critic(real, labels), critic(fake, labels)
        scores = critic(torch.cat([real, fake]), torch.cat([labels, labels]))
    elif real.shape[1:] != fake.shape[1:] or _batch_coupled(critic):
        return critic(real), critic(fake)
    else:
        scores = critic(torch.cat([real, fake]))
    return scores[: len(real)], scores[len(real):]


def _loss(objective: Objective | tuple, which: int) -> Callable:
    """The critic loss (``which=0``) or generator loss (1) of a :mod:`gantut.losses` name, of a
    pair ``(critic_loss, generator_loss)`` (names or functions), or the function given."""
    if isinstance(objective, tuple):
        objective = objective[which]
    if callable(objective):
        return objective
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}, or pass "
                         "a pair of functions (critic_loss(real, fake), generator_loss(fake))")
    if which == 0:
        return lambda real_scores, fake_scores: critic_loss(objective, real_scores, fake_scores)
    return lambda fake_scores: generator_loss(objective, fake_scores)


def _penalty(penalty: str | Penalty | None) -> Penalty | None:
    if callable(penalty):
        return penalty
    if penalty is None or penalty == "none":
        return None
    if penalty not in PENALTIES:
        raise ValueError(f"unknown penalty {penalty!r}; choose one of {', '.join(PENALTIES)}, None, "
                         "or a function penalty(critic, real, fake) (weight clipping is clip=c)")
    return PENALTIES[penalty]


def critic_step(
    critic: nn.Module,
    optimizer: torch.optim.Optimizer,
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    labels: torch.Tensor | None = None,
    objective: Objective = "wgan",
    penalty: str | Penalty | None = "gp",
    penalty_weight: float = 10.0,
    clip: float | None = None,
) -> CriticStep:
    r"""One optimiser step of the critic on :math:`\ell(f(x), f(\tilde x)) + \lambda P(f, x, \tilde x)`.

    ``objective`` names a loss of :mod:`gantut.losses` (or is a function ``loss(real_scores,
    fake_scores)``); ``penalty`` is ``"gp"``, ``"lp"``, ``"r1"``, ``None`` or a function
    ``penalty(critic, real, fake)``; ``clip=c`` clamps every parameter to :math:`[-c, c]` after
    the step, as in Arjovsky et al. (2017). With ``labels``, the critic is :math:`x \mapsto
    f(x, y)`: scores and penalty see the label, the penalty's gradient is taken w.r.t. :math:`x`.

    A linear critic :math:`f(x) = w^\top x` with :math:`w = (3, 4)` has gradient norm 5
    everywhere, so its gradient penalty is :math:`(5 - 1)^2 = 16`:

    >>> critic = nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad(): _ = critic.weight.copy_(torch.tensor([[3.0, 4.0]]))
    >>> step = critic_step(critic, torch.optim.SGD(critic.parameters(), lr=0.0),
    ...                    torch.ones(4, 2), torch.zeros(4, 2))
    >>> step.penalty.item(), step.estimate.item(), step.loss.item()  # loss = -7 + 10 * 16
    (16.0, 7.0, 153.0)
    """
    loss_fn, pen = _loss(objective, 0), _penalty(penalty)
    f = critic if labels is None else (lambda x: critic(x, labels))  # the label held fixed
    real_scores, fake_scores = critic_scores(critic, real, fake, labels)
    p = pen(f, real, fake) if pen is not None else torch.zeros((), device=real.device)
    loss = loss_fn(real_scores, fake_scores) + penalty_weight * p
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    if clip is not None:
        clip_weights_(critic, clip)
    return CriticStep(loss.detach(), p.detach(), (real_scores.mean() - fake_scores.mean()).detach())


def generator_step(
    generator: nn.Module,
    critic: nn.Module,
    optimizer: torch.optim.Optimizer,
    z: torch.Tensor,
    *,
    labels: torch.Tensor | None = None,
    objective: Objective = "wgan",
) -> torch.Tensor:
    r"""One optimiser step of the generator on :math:`\ell_{\text{gen}}(f(G(z)))` (WGAN:
    :math:`-\frac1m \sum_i f(G(z_i))`), the critic's weights held fixed; returns the loss, detached.

    With a critic :math:`f(x) = x` and :math:`G(z) = z + b`, the WGAN loss is :math:`-(\bar z + b)`
    and one SGD step with learning rate 0.5 moves :math:`b` by :math:`+0.5`:

    >>> G, critic = nn.Linear(1, 1), nn.Identity()
    >>> with torch.no_grad(): _ = G.weight.fill_(1.0), G.bias.fill_(0.0)
    >>> loss = generator_step(G, critic, torch.optim.SGD(G.parameters(), lr=0.5), torch.zeros(4, 1))
    >>> loss.item(), G.bias.item()
    (-0.0, 0.5)
    """
    loss_fn = _loss(objective, 1)
    frozen = [p for p in critic.parameters() if p.requires_grad]
    for p in frozen:  # no gradients for the critic's weights in this step
        p.requires_grad_(False)
    try:
        fake = generator(z) if labels is None else generator(z, labels)
        loss = loss_fn(critic(fake) if labels is None else critic(fake, labels))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    finally:
        for p in frozen:
            p.requires_grad_(True)
    return loss.detach()


def _split(batch, device) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``sample_real(n)`` gives images, or ``(images, labels)`` for a conditional model."""
    if isinstance(batch, (tuple, list)):
        return batch[0].to(device), batch[1].to(device)
    return batch.to(device), None


def _latent_dim(generator: nn.Module) -> int:
    if getattr(generator, "latent_dim", None):
        return generator.latent_dim
    for m in generator.modules():
        if isinstance(m, nn.Linear):
            return m.in_features
    raise ValueError("cannot infer the latent dimension of the generator; pass latent_dim=")


def _check(objective, penalty, iterations: int, n_critic: int, batch_size: int) -> None:
    _loss(objective, 0), _loss(objective, 1), _penalty(penalty)
    if iterations < 0 or n_critic < 1 or batch_size < 1:
        raise ValueError("iterations must be >= 0, n_critic >= 1 and batch_size >= 1")


def _record(history: History, it: int, c: CriticStep, loss_g: torch.Tensor | None, hint: str) -> None:
    """Append iteration ``it`` (no generator loss without a generator step); a NaN or inf loss
    raises :class:`DivergedError` with ``hint``."""
    lc, lg = c.loss.item(), 0.0 if loss_g is None else loss_g.item()
    if not (math.isfinite(lc) and math.isfinite(lg)):
        raise DivergedError(f"training diverged at generator iteration {it - 1}: critic loss {lc}, "
                            f"generator loss {lg}. {hint}", history)
    history.iteration.append(it)
    history.critic_loss.append(lc)
    if loss_g is not None:
        history.generator_loss.append(lg)
    history.penalty.append(c.penalty.item())
    history.estimate.append(c.estimate.item())


def _evaluate(history: History, evaluate: Callable | None, generator: nn.Module, it: int) -> None:
    """Call ``evaluate(generator, it)`` without gradients, in eval mode, and record the floats."""
    if evaluate is None:
        return
    t0 = time.perf_counter()
    generator.eval()
    with torch.no_grad():
        history.eval_iteration.append(it)
        for name, value in evaluate(generator, it).items():
            history.evals.setdefault(name, []).append(float(value))
    generator.train()
    history.eval_seconds += time.perf_counter() - t0


def _save(path: str, generator, critic, opt_g, opt_c, iteration: int, history: History) -> None:
    tmp = f"{path}.tmp"
    torch.save({"generator": generator.state_dict(), "critic": critic.state_dict(),
                "opt_g": opt_g.state_dict(), "opt_c": opt_c.state_dict(), "iteration": iteration,
                "history": asdict(history),  # plain types, so torch.load(weights_only=True) reads it
                "rng": torch.get_rng_state()}, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def _load(path: str, generator, critic, opt_g, opt_c) -> tuple[History, int]:
    state = torch.load(path, weights_only=True)
    for obj, key in ((generator, "generator"), (critic, "critic"), (opt_g, "opt_g"), (opt_c, "opt_c")):
        obj.load_state_dict(state[key])
    torch.set_rng_state(state["rng"])
    return History(**state["history"]), state["iteration"]


def _progress(on: bool, total: int, start: int, desc: str):
    if not on:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=start, desc=desc)


def train_step(generator: nn.Module, critic: nn.Module, opt_g: torch.optim.Optimizer,
               opt_c: torch.optim.Optimizer, sample_real: Callable, *, n_critic: int = 5,
               batch_size: int = 256, latent_dim: int | None = None, objective: Objective = "wgan",
               penalty: str | Penalty | None = "gp", penalty_weight: float = 10.0,
               clip: float | None = None, latent: Callable | None = None) -> tuple[CriticStep, torch.Tensor]:
    r"""One generator iteration of Algorithm 1 of Gulrajani et al. (2017): :math:`n_{\text{critic}}`
    calls of :func:`critic_step`, each on a fresh real batch and a generated batch made from fresh
    noise without the generator's graph, then one :func:`generator_step` on fresh noise (for a
    conditional model, with labels from a fresh real batch). The noise is :math:`N(0, I)` of
    ``latent_dim`` dimensions, or ``latent(n)`` when a sampler is given (e.g.
    :func:`gantut.latents.mixture_latent`). Returns the last critic step and the generator's loss;
    :func:`train_gan` calls it once per iteration.

    With frozen optimisers, a linear critic :math:`w = (3, 4)`, real points :math:`(1, 1)` and a
    generator that outputs 0, the estimate is :math:`w^\top (1, 1) = 7`, the penalty
    :math:`(5 - 1)^2 = 16` and the generator's loss :math:`-f(0) = 0`:

    >>> G, critic = nn.Linear(2, 2), nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = G.weight.zero_(), G.bias.zero_(), critic.weight.copy_(torch.tensor([[3.0, 4.0]]))
    >>> frozen = lambda net: torch.optim.SGD(net.parameters(), lr=0.0)
    >>> c, loss_g = train_step(G, critic, frozen(G), frozen(critic), lambda n: torch.ones(n, 2),
    ...                        n_critic=2, batch_size=4)
    >>> c.estimate.item(), c.penalty.item(), loss_g.item()
    (7.0, 16.0, -0.0)
    """
    device = next(generator.parameters()).device
    if latent is None:
        latent_dim = latent_dim or _latent_dim(generator)
        latent = lambda n: torch.randn(n, latent_dim, device=device)  # noqa: E731
    for _ in range(n_critic):
        real, labels = _split(sample_real(batch_size), device)
        with torch.no_grad():  # no generator graph during critic steps
            z = latent(batch_size).to(device)
            fake = generator(z) if labels is None else generator(z, labels)
        c = critic_step(critic, opt_c, real, fake, labels=labels, objective=objective,
                        penalty=penalty, penalty_weight=penalty_weight, clip=clip)
    if labels is not None:  # the generator draws for labels drawn from the data
        labels = _split(sample_real(batch_size), device)[1]
    z = latent(batch_size).to(device)
    loss_g = generator_step(generator, critic, opt_g, z, labels=labels, objective=objective)
    return c, loss_g


def train_gan(generator: nn.Module, critic: nn.Module, sample_real: Callable, *,
              objective: Objective | tuple = "wgan", penalty: str | Penalty | None = "gp",
              penalty_weight: float = 10.0, clip: float | None = None, iterations: int = 1000,
              n_critic: int = 5, batch_size: int = 256, lr: float = 1e-4,
              betas: tuple[float, float] = (0.0, 0.9), lr_decay: bool = False,
              latent_dim: int | None = None, evaluate: Callable | None = None, eval_every: int = 100,
              checkpoint: str | None = None, checkpoint_every: int = 500, resume: bool = False,
              progress: bool = False, seed: int | None = None, eval_at_start: bool = False,
              latent: Callable | None = None) -> History:
    """Algorithm 1 of Gulrajani et al. (2017): per generator iteration, ``n_critic`` critic steps on
    fresh batches, then one generator step. ``sample_real(n)`` gives images, or ``(images, labels)``
    for a conditional model; ``evaluate(generator, iteration) -> {name: value}`` runs every
    ``eval_every`` iterations and at the end (and at iteration 0, before any step, with
    ``eval_at_start=True``); ``lr_decay`` takes both rates linearly to 0;
    ``checkpoint`` is saved every ``checkpoint_every`` iterations, at the end and on Ctrl-C, and
    ``resume=True`` continues from it. Raises :class:`DivergedError` on a NaN or inf loss.
    Each iteration is one :func:`train_step`; ``latent(n)`` replaces the :math:`N(0, I)` noise
    (a sampler from :mod:`gantut.latents`)."""
    _check(objective, penalty, iterations, n_critic, batch_size)
    if seed is not None:
        torch.manual_seed(seed)
    latent_dim = latent_dim or (None if latent is not None else _latent_dim(generator))
    opt_g, opt_c = adam(generator.parameters(), lr, betas), adam(critic.parameters(), lr, betas)
    steps = dict(objective=objective, penalty=penalty, penalty_weight=penalty_weight, clip=clip)
    history, start = History(), 0
    if resume and checkpoint and os.path.exists(checkpoint):
        history, start = _load(checkpoint, generator, critic, opt_g, opt_c)
    hint = (f"Try a smaller learning rate (lr={lr}), a penalty or a larger penalty_weight (penalty="
            f"{penalty!r}, weight {penalty_weight}), and check the data for NaN. The history up to "
            "here is in err.history" + (f"; the last good checkpoint is {checkpoint}" if checkpoint else ""))
    bar = _progress(progress, iterations, start, f"{objective}/{penalty}")
    if eval_at_start and start == 0:  # the untrained generator, before the clock starts
        _evaluate(history, evaluate, generator, 0)
    t_start, it = time.perf_counter() - history.seconds, start
    try:
        for it in range(start, iterations):
            if lr_decay:  # linear decay to 0, set from the iteration so that resuming is exact
                for group in opt_c.param_groups + opt_g.param_groups:
                    group["lr"] = lr * (1 - it / iterations)
            c, loss_g = train_step(generator, critic, opt_g, opt_c, sample_real, n_critic=n_critic,
                                   batch_size=batch_size, latent_dim=latent_dim, latent=latent, **steps)
            _record(history, it + 1, c, loss_g, hint)
            if bar is not None:
                bar.update(1)
            if (it + 1) % eval_every == 0 or it + 1 == iterations:
                _evaluate(history, evaluate, generator, it + 1)
            if checkpoint and (it + 1) % checkpoint_every == 0:
                history.seconds = time.perf_counter() - t_start
                _save(checkpoint, generator, critic, opt_g, opt_c, it + 1, history)
    except KeyboardInterrupt:
        if checkpoint:
            _save(checkpoint, generator, critic, opt_g, opt_c, it, history)
            print(f"interrupted: saved {checkpoint}; resume with resume=True")
        raise
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - t_start
    if checkpoint:
        _save(checkpoint, generator, critic, opt_g, opt_c, iterations, history)
    return history


def train_critic(
    critic: nn.Module,
    sample_real: Callable,
    sample_fake: Callable,
    *,
    objective: Objective = "wgan",
    penalty: str | Penalty | None = "gp",
    penalty_weight: float = 10.0,
    clip: float | None = None,
    steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    seed: int | None = None,
) -> History:
    r"""Train ``critic`` alone against a fixed generated distribution: ``steps`` calls of
    :func:`critic_step` on fresh batches ``sample_real(batch_size)`` and ``sample_fake(batch_size)``
    (either may return ``(images, labels)``; the labels of the real batch are used). This is the
    critic half of :func:`train_gan` with the generator frozen (chapters 3 and 4, the bug gallery).

    Returns a :class:`History` with one entry per step in ``critic_loss``, ``penalty`` and
    ``estimate`` (:math:`\frac1m\sum f(x_i) - \frac1m\sum f(\tilde x_i)` on the step's batches,
    before the step); ``generator_loss`` stays empty. Raises :class:`DivergedError` when the loss
    becomes NaN or inf.

    Real points all at 1, generated ones at 0, so :math:`W_1 = 1`. A linear critic
    :math:`f(x) = w x + b` started at :math:`w = 0.5` minimises :math:`-w + \lambda (w - 1)^2`,
    whose minimum is :math:`w = 1 + 1/(2\lambda) = 1.05` for :math:`\lambda = 10`: the penalty
    lets the estimate overshoot :math:`W_1` by :math:`1/(2\lambda)`.

    >>> critic = nn.Linear(1, 1)
    >>> with torch.no_grad(): _ = critic.weight.fill_(0.5)
    >>> h = train_critic(critic, lambda n: torch.ones(n, 1), lambda n: torch.zeros(n, 1),
    ...                  steps=400, lr=0.01, batch_size=8)
    >>> round(h.estimate[0], 2), round(sum(h.estimate[-100:]) / 100, 2)
    (0.5, 1.05)
    """
    _check(objective, penalty, steps, 1, batch_size)
    if seed is not None:
        torch.manual_seed(seed)
    device = next(critic.parameters()).device
    opt, history = adam(critic.parameters(), lr, betas), History()
    hint = (f"Lower lr (now {lr}) or use a stronger constraint (penalty={penalty!r}, "
            f"weight {penalty_weight}, clip={clip}).")
    t_start = time.perf_counter()
    for step in range(steps):
        real, labels = _split(sample_real(batch_size), device)
        fake, _ = _split(sample_fake(batch_size), device)
        c = critic_step(critic, opt, real, fake, labels=labels, objective=objective, penalty=penalty,
                        penalty_weight=penalty_weight, clip=clip)
        _record(history, step + 1, c, None, hint)
    history.seconds = time.perf_counter() - t_start
    return history


def toy_evaluator(
    toy, n: int = 1000, latent_dim: int = 2, seed: int = 1234, latent: Callable | None = None
) -> Callable[[nn.Module, int | None], dict[str, float]]:
    """An ``evaluate(generator, iteration=None)`` function for a 2-D toy.

    It returns the exact ``w1`` (POT) between ``n`` generated points and a fixed real sample of
    ``n`` points (:func:`gantut.floors.evaluation_set`), and, for mixtures, what
    :func:`gantut.metrics.mode_statistics` measures: the ``modes`` hit, the ``high_quality``
    fraction, the ``spread`` of the high-quality points around their centres relative to the
    data's (1 for real data), the ``weight_tv`` between the generated and the true (equal) mode
    weights, and ``under_dispersed`` (1.0 when the high-quality share is above what real data can
    score). The noise is fixed too (drawn by ``latent(n, generator=...)`` when a sampler is
    given), so the curves move only when the generator does. Compare
    ``w1`` with :func:`gantut.floors.w1_floor` at the same ``n``: a distribution, not one number.
    """
    from gantut.floors import evaluation_set
    from gantut.metrics import mode_statistics, wasserstein

    real = evaluation_set(toy, n, seed)
    g = torch.Generator().manual_seed(seed)
    toy.sample(n, generator=g)            # the same draws as evaluation_set, then the noise
    z = torch.randn(n, latent_dim, generator=g) if latent is None else latent(n, generator=g)

    def evaluate(generator: nn.Module, iteration: int | None = None) -> dict[str, float]:
        fake = generator(z.to(next(generator.parameters()).device)).cpu()
        out = {"w1": wasserstein(fake, real)}
        if toy.centers is not None:
            s = mode_statistics(fake, toy.centers, toy.std)
            out.update(modes=float(s.modes_hit), high_quality=s.high_quality, spread=s.spread,
                       weight_tv=s.weight_tv, under_dispersed=float(s.under_dispersed))
        return out

    return evaluate
