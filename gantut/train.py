"""One training loop for every objective and Lipschitz constraint in the book.

The inner step is the algorithm of Gulrajani et al. (2017, Algorithm 1) and should stay readable
on one screen: ``n_critic`` critic steps on fresh real and generated batches, each with the
objective's critic loss plus the constraint's penalty, then one generator step.

Defaults are the paper's: WGAN objective, gradient penalty with lambda = 10, n_critic = 5,
Adam(lr = 1e-4, betas = (0, 0.9)), batch 256.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Callable

import torch
from torch import nn

from gantut.activations import piecewise_linear
from gantut.lipschitz import clip_weights_, gradient_penalty, r1_penalty
from gantut.losses import KINDS, critic_loss, generator_loss

__all__ = [
    "mlp", "History", "DivergedError", "train_gan", "toy_evaluator", "real_w1_floor", "CONSTRAINTS",
    "MASK_FORM_MIN_WIDTH", "critic_scores",
]

CONSTRAINTS = ("none", "gp", "lp", "clip", "r1")

# From this width on, mlp builds ReLU / LeakyReLU in their mask forms (gantut.activations): the
# matrix products a gradient penalty no longer does on zeros outweigh the cost of an activation
# written in Python (the measurements are on the book's performance page).
MASK_FORM_MIN_WIDTH = 512


def mlp(
    in_dim: int,
    out_dim: int,
    width: int = 512,
    depth: int = 3,
    activation: type[nn.Module] = nn.ReLU,
    spectral_norm: bool = False,
    layer_norm: bool = False,
    out_activation: nn.Module | None = None,
) -> nn.Sequential:
    """A ``depth``-hidden-layer perceptron: the generator and critic of the WGAN-GP toy code.

    ``mlp(2, 2)`` is the toy generator and ``mlp(2, 1)`` the toy critic (3 hidden ReLU layers of
    width 512). ``spectral_norm`` wraps every Linear layer (Miyato et al., 2018); ``layer_norm``
    adds LayerNorm after each hidden Linear (the paper's substitute for BatchNorm in a critic).
    There is deliberately no BatchNorm option: it couples the samples of a batch, which the
    per-sample gradient penalty assumes are independent.

    From width :data:`MASK_FORM_MIN_WIDTH` (512) on, ``nn.ReLU`` and ``nn.LeakyReLU`` are built as
    their :mod:`gantut.activations` mask forms: the same function and derivatives (bit for bit),
    without the matrix products on zeros that PyTorch's versions add to every gradient penalty.
    """
    make_activation: Callable[[], nn.Module] = activation
    mask_form = piecewise_linear(activation)
    if width >= MASK_FORM_MIN_WIDTH and mask_form is not activation:
        # in place: each activation follows a Linear or LayerNorm, whose backward never reads its output
        make_activation = partial(mask_form, inplace=True)
    layers: list[nn.Module] = []
    dims = [in_dim] + [width] * depth
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        lin = nn.Linear(d_in, d_out)
        layers.append(nn.utils.parametrizations.spectral_norm(lin) if spectral_norm else lin)
        if layer_norm:
            layers.append(nn.LayerNorm(d_out))
        layers.append(make_activation())
    last = nn.Linear(dims[-1], out_dim)
    layers.append(nn.utils.parametrizations.spectral_norm(last) if spectral_norm else last)
    if out_activation is not None:
        layers.append(out_activation)
    return nn.Sequential(*layers)


@dataclass
class History:
    """What a run recorded, one entry per generator iteration (losses) or per evaluation.

    ``critic_gap`` is :math:`E f(x) - E \\tilde f(G(z))` on the last critic batch: for a WGAN with
    a (nearly) 1-Lipschitz critic it is the critic's *estimate* of :math:`W_1`, not the distance.
    """

    iteration: list[int] = field(default_factory=list)
    critic_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    critic_gap: list[float] = field(default_factory=list)
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


def _latent_dim(generator: nn.Module) -> int:
    for m in generator.modules():
        if isinstance(m, nn.Linear):
            return m.in_features
    raise ValueError("cannot infer the latent dimension of the generator; pass latent_dim=")


def _adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam, with the fused kernel where PyTorch has one for these parameters (CPU and CUDA
    floating point, PyTorch >= 2.4): the same update in fewer, larger operations, about 5-10%
    faster per iteration for the small toy networks on a CPU."""
    params = list(params)
    fusable = all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)
    if fusable:
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


def critic_scores(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The critic's scores :math:`f(x_i)` on a real and a generated batch.

    When each score depends only on its own sample, one call on the two batches stacked is the same
    function as two calls, with half as many (twice as large) matrix products and half the calls:
    about neutral on a CPU, fewer kernel launches on a GPU (the performance page has the figures).
    The values agree to rounding (the order of floating-point sums inside a product can change
    with its size), not bit for bit. A critic with BatchNorm, spectral norm or forward hooks gets
    two calls, exactly as written in the paper's algorithm, since there one call would not be the
    same function.
    """
    if real.shape[1:] != fake.shape[1:] or _batch_coupled(critic):
        return critic(real), critic(fake)
    scores = critic(torch.cat([real, fake]))
    return scores[: len(real)], scores[len(real):]


def _save(path, generator, critic, opt_g, opt_c, iteration, history):
    tmp = f"{path}.tmp"
    torch.save(
        {
            "generator": generator.state_dict(),
            "critic": critic.state_dict(),
            "opt_g": opt_g.state_dict(),
            "opt_c": opt_c.state_dict(),
            "iteration": iteration,
            "history": asdict(history),  # plain types, so torch.load(weights_only=True) reads it
            "rng": torch.get_rng_state(),
        },
        tmp,
    )
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def train_gan(
    generator: nn.Module,
    critic: nn.Module,
    sample_real: Callable[[int], torch.Tensor],
    *,
    objective: str = "wgan",
    constraint: str = "gp",
    penalty_weight: float = 10.0,
    clip_value: float = 0.01,
    iterations: int = 1000,
    n_critic: int = 5,
    batch_size: int = 256,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    lr_decay: bool = False,
    latent_dim: int | None = None,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 100,
    checkpoint: str | None = None,
    checkpoint_every: int = 500,
    resume: bool = False,
    progress: bool = False,
    seed: int | None = None,
) -> History:
    """Train ``generator`` against ``critic`` and return a :class:`History`.

    Args:
        generator: maps ``[n, latent_dim]`` standard normal noise to samples.
        critic: maps samples to one raw score each.
        sample_real: ``sample_real(n)`` returns ``n`` real samples (moved to the models' device).
        objective: a loss kind of :mod:`gantut.losses`.
        constraint: ``"gp"`` (two-sided gradient penalty), ``"lp"`` (one-sided), ``"r1"``
            (penalty weight is gamma/2), ``"clip"`` (weight clipping to ``clip_value``), or
            ``"none"``. Spectral normalisation is a property of the critic (``mlp(...,
            spectral_norm=True)``), used with ``constraint="none"``.
        iterations: generator iterations; each has ``n_critic`` critic iterations.
        lr_decay: decay both learning rates linearly from ``lr`` to 0 over ``iterations`` (as in
            the paper's CIFAR-10 code; its toy code keeps ``lr`` constant).
        evaluate: ``evaluate(generator) -> {name: value}``, called without gradients every
            ``eval_every`` iterations and at the end, e.g. :func:`toy_evaluator`.
        checkpoint: a file path; saved every ``checkpoint_every`` iterations, at the end, and when
            interrupted. With ``resume=True`` training continues from it if it exists.
        seed: seeds ``torch`` before training, for reproducible runs.

    Raises:
        DivergedError: a loss became NaN or inf; the message says what to try.
    """
    if objective not in KINDS:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(KINDS)}")
    if constraint not in CONSTRAINTS:
        raise ValueError(f"unknown constraint {constraint!r}; choose one of {', '.join(CONSTRAINTS)}")
    if iterations < 0 or n_critic < 1 or batch_size < 1:
        raise ValueError("iterations must be >= 0, n_critic >= 1 and batch_size >= 1")
    if seed is not None:
        torch.manual_seed(seed)
    device = next(generator.parameters()).device
    latent_dim = latent_dim or _latent_dim(generator)
    opt_g = _adam(generator.parameters(), lr, betas)
    opt_c = _adam(critic.parameters(), lr, betas)
    critic_params = [p for p in critic.parameters() if p.requires_grad]
    history, start = History(), 0
    if resume and checkpoint and os.path.exists(checkpoint):
        state = torch.load(checkpoint, weights_only=True)
        generator.load_state_dict(state["generator"])
        critic.load_state_dict(state["critic"])
        opt_g.load_state_dict(state["opt_g"])
        opt_c.load_state_dict(state["opt_c"])
        history, start = History(**state["history"]), state["iteration"]
        torch.set_rng_state(state["rng"])

    def noise(n: int) -> torch.Tensor:
        return torch.randn(n, latent_dim, device=device)

    def penalty(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        if constraint == "gp":
            return gradient_penalty(critic, real, fake)
        if constraint == "lp":
            return gradient_penalty(critic, real, fake, one_sided=True)
        if constraint == "r1":
            return r1_penalty(critic, real)
        return torch.zeros((), device=device)

    def run_evaluations(it: int) -> None:
        if not evaluate:
            return
        t0 = time.perf_counter()
        generator.eval()
        with torch.no_grad():
            history.eval_iteration.append(it)
            for name, value in evaluate(generator).items():
                history.evals.setdefault(name, []).append(float(value))
        generator.train()
        history.eval_seconds += time.perf_counter() - t0

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=iterations, initial=start, desc=f"{objective}/{constraint}")
    t_start = time.perf_counter() - history.seconds
    it = start
    try:
        for it in range(start, iterations):
            if lr_decay:  # linear decay to 0, set from the iteration so that resuming is exact
                for group in opt_c.param_groups + opt_g.param_groups:
                    group["lr"] = lr * (1 - it / iterations)
            # --- critic: n_critic steps on fresh batches --------------------------------------
            for _ in range(n_critic):
                real = sample_real(batch_size).to(device)
                with torch.no_grad():  # no generator graph during critic steps
                    fake = generator(noise(batch_size))
                real_scores, fake_scores = critic_scores(critic, real, fake)  # f(x), f(G(z))
                gp = penalty(real, fake)
                loss_c = critic_loss(objective, real_scores, fake_scores) + penalty_weight * gp
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                opt_c.step()
                if constraint == "clip":
                    clip_weights_(critic, clip_value)  # after the step, as in Arjovsky et al.
            # --- generator: one step ----------------------------------------------------------
            for p in critic_params:  # no gradients for the critic's weights in this step
                p.requires_grad_(False)
            loss_g = generator_loss(objective, critic(generator(noise(batch_size))))
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            for p in critic_params:
                p.requires_grad_(True)

            lc, lg = loss_c.item(), loss_g.item()
            if not (math.isfinite(lc) and math.isfinite(lg)):
                raise DivergedError(
                    f"training diverged at generator iteration {it}: critic loss {lc}, generator "
                    f"loss {lg}. Try a smaller learning rate (lr={lr}), a penalty or a larger "
                    f"penalty_weight (constraint={constraint!r}, weight {penalty_weight}), and "
                    "check the data for NaN. The history up to here is in err.history"
                    + (f"; the last good checkpoint is {checkpoint}" if checkpoint else ""),
                    history,
                )
            history.iteration.append(it + 1)
            history.critic_loss.append(lc)
            history.generator_loss.append(lg)
            history.penalty.append(gp.item())
            history.critic_gap.append((real_scores.mean() - fake_scores.mean()).item())
            if bar is not None:
                bar.update(1)
            if (it + 1) % eval_every == 0 or it + 1 == iterations:
                run_evaluations(it + 1)
            if checkpoint and (it + 1) % checkpoint_every == 0:
                history.seconds = time.perf_counter() - t_start
                _save(checkpoint, generator, critic, opt_g, opt_c, it + 1, history)
    except KeyboardInterrupt:
        if checkpoint:
            _save(checkpoint, generator, critic, opt_g, opt_c, it, history)
            print(f"interrupted: saved {checkpoint}; resume with resume=True")
        raise
    finally:
        for p in critic_params:  # also when the generator step raised
            p.requires_grad_(True)
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - t_start
    if checkpoint:
        _save(checkpoint, generator, critic, opt_g, opt_c, iterations, history)
    return history


def toy_evaluator(
    toy, n: int = 1000, latent_dim: int = 2, seed: int = 1234
) -> Callable[[nn.Module], dict[str, float]]:
    """An ``evaluate`` function for a 2-D toy.

    It returns the exact ``w1`` (POT) between ``n`` generated points and a fixed real sample of
    ``n`` points, and, for mixtures, the ``modes`` hit and the ``high_quality`` fraction
    (:func:`gantut.metrics.mode_coverage`). The noise is fixed too, so the curves move only when
    the generator does. Compare ``w1`` with :func:`real_w1_floor` at the same ``n``.
    """
    from gantut.metrics import mode_coverage, wasserstein

    g = torch.Generator().manual_seed(seed)
    real = toy.sample(n, generator=g)
    z = torch.randn(n, latent_dim, generator=g)

    def evaluate(generator: nn.Module) -> dict[str, float]:
        fake = generator(z.to(next(generator.parameters()).device)).cpu()
        out = {"w1": wasserstein(fake, real)}
        if toy.centers is not None:
            modes, quality = mode_coverage(fake, toy.centers, toy.std)
            out.update(modes=float(modes), high_quality=quality)
        return out

    return evaluate


def real_w1_floor(toy, n: int = 1000, seed: int = 4321) -> float:
    """Exact W1 between two independent real samples of size ``n``: what a perfect generator
    would score at that sample size (the finite-sample bias of chapter 2)."""
    from gantut.metrics import wasserstein

    g = torch.Generator().manual_seed(seed)
    return wasserstein(toy.sample(n, generator=g), toy.sample(n, generator=g))
