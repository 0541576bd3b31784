r"""The toy recipe of chapter 5a and the remedies of chapter 5c, as functions that the chapter and
the benchmarks (``bench/bench.py --only toys``) both call, so that a benchmark row is what the
chapter computes and not a copy of it.

:func:`train_toy` trains WGAN-GP on a 2-D mixture with a recipe's settings (:data:`CPU_RECIPE`
is chapter 5a's cpu recipe); :func:`remedies` applies every remedy of chapter 5c to one trained
model and measures each the same way (:func:`measure`); :func:`toy_rows` does both for several
toys and seeds, on several processes when asked.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from gantut import latents
from gantut.data import toy as make_toy
from gantut.floors import evaluation_set, w1_floor
from gantut.metrics import mode_statistics, wasserstein
from gantut.networks import mlp
from gantut.train import toy_evaluator, train_critic, train_gan

__all__ = ["CPU_RECIPE", "ToyRun", "train_toy", "measure", "remedies", "toy_rows", "mode_gap"]

#: Chapter 5a's cpu recipe: critic ``width``, generator ``g_width`` (3 hidden LeakyReLU layers
#: each), Adam(``lr``, ``betas``) decayed linearly to 0, penalty weight ``lam``, 5 critic steps
#: per generator step, batches of 256; ``iterations`` per toy (chapter 5a trains both for 2000;
#: chapter 5c gives the ring 1000 to fit five seeds of each toy in its budget; at 1600 the grid
#: lost a mode in one seed of five).
CPU_RECIPE = dict(width=64, g_width=128, iterations={"8gaussians": 1000, "25gaussians": 2000}, lr=3e-3,
                  betas=(0.5, 0.9), lam=0.1, lr_decay=True, n_critic=5, batch_size=256)


@dataclass
class ToyRun:
    """A trained toy model: its ``generator``, ``critic``, the ``latent`` sampler it was trained
    with, the training ``seconds`` and the settings."""

    name: str
    seed: int
    generator: nn.Module
    critic: nn.Module
    latent: object
    seconds: float
    settings: dict = field(default_factory=dict)


def mode_gap(name: str) -> float:
    r"""The smallest distance between two modes' high-quality balls (radius 3 std) of toy
    ``name``: :math:`D = \min_{j \ne k} \lVert c_j - c_k \rVert - 6\sigma`.

    >>> round(mode_gap("8gaussians"), 3), round(mode_gap("25gaussians"), 3)
    (0.998, 0.601)
    """
    t = make_toy(name)
    d = torch.cdist(t.centers, t.centers)
    d.fill_diagonal_(float("inf"))
    return float(d.min()) - 6 * t.std


def train_toy(name: str, seed: int, recipe: dict | None = None, components: int | None = None,
              scale: float = 4.0) -> ToyRun:
    """Train chapter 5a's WGAN-GP recipe on toy ``name`` at ``seed``; with ``components=k`` the
    latent is a fixed mixture of ``k`` Gaussians at :math:`s\\,e_j` (``scale`` :math:`s`,
    :func:`gantut.latents.mixture_latent`) instead of :math:`N(0, I_2)`."""
    r = dict(CPU_RECIPE if recipe is None else recipe)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    data = make_toy(name)
    if components:
        latent = latents.mixture_latent(latents.one_hot_centers(components, scale))
        d = components
    else:
        latent, d = latents.gaussian_latent(2), 2
    G = mlp(d, 2, width=r["g_width"], activation=nn.LeakyReLU)
    f = mlp(2, 1, width=r["width"], activation=nn.LeakyReLU)
    iterations = r["iterations"][name] if isinstance(r["iterations"], dict) else r["iterations"]
    t0 = time.perf_counter()
    train_gan(G, f, data.sampler(seed), iterations=iterations, n_critic=r["n_critic"],
              batch_size=r["batch_size"], penalty_weight=r["lam"], lr=r["lr"], betas=tuple(r["betas"]),
              lr_decay=r["lr_decay"], seed=seed, latent=latent if components else None)
    return ToyRun(name, seed, G, f, latent, time.perf_counter() - t0,
                  dict(r, iterations=iterations, components=components))


def measure(name: str, x: torch.Tensor, n: int = 1000) -> dict:
    """What chapter 5a measures, on the first ``n`` rows of ``x``: modes hit, high-quality share,
    spread, mode-weight TV, exact W1 against the evaluator's real set of ``n`` points and the
    mean of the real-vs-real floor at that ``n`` (:func:`gantut.floors.w1_floor`)."""
    data = make_toy(name)
    if len(x) < n:
        raise ValueError(f"need at least {n} kept samples to measure, got {len(x)}: draw a larger pool")
    x = x[:n].detach().cpu()
    s = mode_statistics(x, data.centers, data.std)
    floor = w1_floor(data, n=n)
    return dict(modes=s.modes_hit, high_quality=s.high_quality, spread=s.spread, weights_tv=s.weight_tv,
                under_dispersed=s.under_dispersed, w1=wasserstein(x, evaluation_set(data, n)),
                w1_floor_mean=floor.mean, w1_floor_sd=floor.sd)




def remedies(run: ToyRun, n: int = 1000, pool: int = 4000, classifier_steps: int = 1000,
             refine_steps: int = 100, seed: int = 0) -> dict[str, dict]:
    """Every remedy of chapter 5c on one trained model, each measured by :func:`measure` on
    ``n`` kept samples from a pool of ``pool`` generated ones (the same pool for all):

    - ``none``: the first ``n`` samples;
    - ``jacobian``: keep the 90% with the smallest :math:`\\lVert J(z)\\rVert_F`;
    - ``critic``: keep the 90% with the largest critic score :math:`f(x)`;
    - ``classifier``: density-ratio rejection with a classifier trained (``classifier_steps``
      steps, the logistic loss) to tell real from generated, capped at its largest logit on the pool;
    - ``refine``: every sample moved along the critic (:func:`gantut.latents.refine`).

    Each row also has ``accepted`` (the kept share of the pool), ``seconds`` (the remedy's time
    for the pool) and ``cost`` (generator passes per kept sample).
    """
    g = torch.Generator().manual_seed(seed)
    z = run.latent(pool, generator=g)
    G, f = run.generator, run.critic
    t0 = time.perf_counter()
    with torch.no_grad():
        x = G(z)
    base_s = time.perf_counter() - t0
    out = {}

    def row(key, keep, seconds):
        kept = x[keep] if keep is not None else x
        out[key] = dict(measure(run.name, kept, n), accepted=float(len(kept) / len(x)),
                        seconds=base_s + seconds, cost=len(x) / max(len(kept), 1))

    row("none", None, 0.0)
    if run.settings.get("components") is None:  # truncation: z ~ N(0, 0.8^2 I) (Gaussian latent only)
        t0 = time.perf_counter()
        with torch.no_grad():
            xt = G(0.8 * z)
        out["truncation"] = dict(measure(run.name, xt, n), accepted=1.0, seconds=time.perf_counter() - t0, cost=1.0)
    t0 = time.perf_counter()
    jn = latents.jacobian_norms(G, z)
    row("jacobian", latents.keep_smallest(jn, 0.9), time.perf_counter() - t0)
    t0 = time.perf_counter()
    with torch.no_grad():
        fx = f(x).flatten()
    row("critic", latents.keep_smallest(-fx, 0.9), time.perf_counter() - t0)
    t0 = time.perf_counter()
    torch.manual_seed(seed + 1)
    D = mlp(2, 1, width=run.settings.get("width", 64), activation=nn.LeakyReLU)
    data = make_toy(run.name)
    with torch.no_grad():
        fakes = G(run.latent(16 * 1024, generator=g))
    gf = torch.Generator().manual_seed(seed + 2)
    train_critic(D, data.sampler(seed + 3), lambda m: fakes[torch.randint(len(fakes), (m,), generator=gf)],
                 objective="minimax", penalty=None, steps=classifier_steps, lr=1e-3, betas=(0.9, 0.999))
    kept, drawn, cap = [], 0, None
    while sum(len(k) for k in kept) < n and drawn < 64 * pool:  # new pools until n are kept
        with torch.no_grad():
            xb = x if drawn == 0 else G(run.latent(pool, generator=g))
            logit = D(xb).flatten()
        cap = logit.max() if cap is None else cap  # the cap: the largest logit on the first pool
        kept.append(xb[latents.density_ratio_accept(logit, cap, generator=g)])
        drawn += len(xb)
    kept = torch.cat(kept)
    out["classifier"] = dict(measure(run.name, kept, n) if len(kept) >= n else {}, accepted=len(kept) / drawn,
                             seconds=base_s + time.perf_counter() - t0, cost=drawn / max(len(kept), 1))
    t0 = time.perf_counter()
    pairs = torch.randint(len(x), (2, 1000), generator=g)
    with torch.no_grad():
        slope = (fx[pairs[0]] - fx[pairs[1]]).abs() / (x[pairs[0]] - x[pairs[1]]).norm(dim=1).clamp_min(1e-6)
    y = latents.refine(f, x, steps=refine_steps, lr=0.01, k=float(slope.max()))
    kept = y
    out["refine"] = dict(measure(run.name, kept, n), accepted=1.0, seconds=base_s + time.perf_counter() - t0,
                         cost=1.0)
    lip = latents.jacobian_norms(G, z, ord=2)
    out["none"].update(lipschitz_max=float(lip.max()), lipschitz_q99=float(torch.quantile(lip, 0.99)),
                       jacobian_off_over_on=_off_over_on(run.name, x, jn))
    return out


def _off_over_on(name: str, x: torch.Tensor, jn: torch.Tensor) -> float:
    """Median Frobenius Jacobian norm of samples outside every high-quality ball over that of
    samples inside one (nan when either group is empty)."""
    data = make_toy(name)
    r = torch.cdist(x, data.centers).min(1).values
    good = r <= 3 * data.std
    if good.all() or not good.any():
        return math.nan
    return float(jn[~good].median() / jn[good].median())


def _iterations(recipe: dict, name: str) -> int:
    it = recipe["iterations"]
    return it[name] if isinstance(it, dict) else it


def _one(args) -> dict:
    name, seed, recipe, components, n, pool, options = args
    run = train_toy(name, seed, recipe, components)
    rows = remedies(run, n=n, pool=pool, seed=seed, **options)
    return dict(toy=name, seed=seed, components=components, seconds=run.seconds, remedies=rows,
                generator=run.generator, critic=run.critic)


def toy_rows(names, seeds, recipe: dict | None = None, n: int = 1000, pool: int = 4000,
             workers: int = 1, mixtures=(), **options) -> list[dict]:
    """:func:`train_toy` then :func:`remedies` for every toy in ``names`` and seed in ``seeds``,
    and for every ``(toy, seed, components)`` in ``mixtures`` (a mixture latent), on ``workers``
    processes, the longest runs first. One dict per run: ``toy``, ``seed``, ``components`` (None
    for the Gaussian latent), training ``seconds``, ``remedies`` and the trained ``generator`` and
    ``critic``; the Gaussian-latent runs first, by toy and seed. ``options`` go to
    :func:`remedies`."""
    jobs = [(name, seed, recipe, None, n, pool, options) for seed in seeds for name in names]
    jobs += [(name, seed, recipe, k, n, pool, options) for name, seed, k in mixtures]
    jobs.sort(key=lambda j: -_iterations(j[2] or CPU_RECIPE, j[0]))
    for name in {j[0] for j in jobs}:  # the floors, once, before the workers fork
        w1_floor(make_toy(name), n=n)
    if workers <= 1:
        rows = [_one(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            rows = list(ex.map(_one, jobs))
    order = list(names) + [name for name, _, _ in mixtures if name not in names]
    return sorted(rows, key=lambda r: (r["components"] is not None, order.index(r["toy"]), r["seed"]))
