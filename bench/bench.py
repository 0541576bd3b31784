"""Benchmarks of what readers wait for. Writes bench/results.json and book/performance.md.

    make bench            # training, toy-recipe and exact-OT benchmarks (about 15 minutes on 2 cores)
    python bench/bench.py --only training ot   # a subset
    python bench/bench.py --only toys --seeds 10 11 12 13 14 --out FILE   # chapter 5c's table on any seeds
    python bench/bench.py --table-only         # rewrite the table (and notebook times) from the files

Every speed is reported beside a floor measured in the same run, because absolute seconds on a
shared machine drift: the WGAN-GP iteration against the bare matrix multiplications it needs,
exact OT against sliced and Sinkhorn on the same points.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import platform
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gantut import data, metrics, networks, recipes, train, utils  # noqa: E402


def timed(fn, repeat: int = 5, warmup: int = 2) -> float:
    """Median seconds of ``fn()`` over ``repeat`` runs after ``warmup``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# ------------------------------------------------------------------------------------------
# 1. one gantut.train generator iteration at the original toy settings, against its GEMM floor
# ------------------------------------------------------------------------------------------
def _gemm_shapes(step) -> list[tuple[int, int, int]]:
    """The (m, k, n) shapes of the matrix products one call of ``step`` performs, from the profiler."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        step()
    shapes = []
    for ev in prof.events():
        if ev.name in ("aten::mm", "aten::addmm") and ev.input_shapes:
            dims = [tuple(s) for s in ev.input_shapes if len(s) == 2][-2:]
            if len(dims) == 2 and dims[0][1] == dims[1][0]:
                shapes.append((dims[0][0], dims[0][1], dims[1][1]))
    return shapes


def _toy_critic(width: int, depth: int, pytorch_relu: bool):
    """``mlp(2, 1)``; with ``pytorch_relu`` its activations are swapped back to ``nn.ReLU`` (the
    loop before :mod:`gantut.activations`), to measure what the mask form gives."""
    return networks.mlp(2, 1, width, depth, mask_form=not pytorch_relu)


def bench_training(width=512, depth=3, batch=256, n_critic=5, per_call=3, rounds=15) -> dict:
    """Seconds per generator iteration of ``gantut.train.train_gan`` (WGAN-GP and plain WGAN), and
    the bare-GEMM floor: the same matrix products, read off the profiler, timed alone.

    The measurements are interleaved, one of each per round, and the ratio to the floor is the
    median of the per-round ratios, so that a machine slowing down or speeding up during the run
    moves both sides of each ratio. Two earlier versions of the loop run in the same rounds: the
    critic with PyTorch's ``nn.ReLU`` (before :mod:`gantut.activations`), and real and fake scored
    in two critic calls (before :func:`gantut.train.critic_scores`)."""
    utils.setup(0, "cpu")
    toy = data.toy("8gaussians")
    g = torch.Generator().manual_seed(0)
    G = networks.mlp(2, 2, width, depth)
    critics = {"current": _toy_critic(width, depth, False), "pytorch_relu": _toy_critic(width, depth, True)}

    def run(critic: str = "current", penalty: str | None = "gp", iterations: int = per_call) -> float:
        t0 = time.perf_counter()
        train.train_gan(G, critics[critic], lambda n: toy.sample(n, generator=g),
                        penalty=penalty, iterations=iterations, n_critic=n_critic, batch_size=batch)
        return (time.perf_counter() - t0) / iterations

    def run_two_calls() -> float:
        one_call = train.critic_scores
        train.critic_scores = lambda critic, real, fake, labels=None: (critic(real), critic(fake))
        try:
            return run()
        finally:
            train.critic_scores = one_call

    shapes = _gemm_shapes(lambda: run(iterations=1))
    mats = [(torch.randn(m, k), torch.randn(k, n)) for m, k, n in shapes]

    def gemms() -> float:  # as many iterations' worth as a loop measurement, so both sample as long
        t0 = time.perf_counter()
        for _ in range(per_call):
            for a, b in mats:
                torch.mm(a, b)
        return (time.perf_counter() - t0) / per_call

    measures = {"gp": run, "plain": lambda: run(penalty=None), "floor": gemms,
                "gp_pytorch_relu": lambda: run("pytorch_relu"), "gp_two_calls": run_two_calls}
    for fn in measures.values():  # warm up
        fn()
    times: dict[str, list[float]] = {k: [] for k in measures}
    for _ in range(rounds):
        for k, fn in measures.items():
            times[k].append(fn())
    med = {k: float(np.median(v)) for k, v in times.items()}

    def ratio(a: str, b: str) -> float:
        return float(np.median(np.array(times[a]) / np.array(times[b])))

    return {
        "settings": dict(width=width, depth=depth, batch=batch, n_critic=n_critic,
                         threads=torch.get_num_threads(), rounds=rounds, iterations_per_round=per_call),
        "wgan_gp_s_per_iter": med["gp"],
        "wgan_plain_s_per_iter": med["plain"],
        "penalty_cost_ratio": ratio("gp", "plain"),
        "gemm_floor_s_per_iter": med["floor"],
        "n_gemms_per_iter": len(shapes),
        "ratio_to_gemm_floor": ratio("gp", "floor"),
        "ratio_to_gemm_floor_rounds": [a / b for a, b in zip(times["gp"], times["floor"])],
        # fastest loop round over fastest floor round: interference from other work on the machine only
        # ever adds time, so this is the least disturbed estimate (the median above is the headline)
        "ratio_to_gemm_floor_best": min(times["gp"]) / min(times["floor"]),
        "pytorch_relu_s_per_iter": med["gp_pytorch_relu"],
        "mask_relu_speedup": ratio("gp_pytorch_relu", "gp"),
        "two_calls_s_per_iter": med["gp_two_calls"],
        "one_call_speedup": ratio("gp_two_calls", "gp"),
    }


# ------------------------------------------------------------------------------------------
# 2. time to quality with the book's default CPU settings (chapter 5a)
# ------------------------------------------------------------------------------------------
def bench_time_to_quality(iterations=2000, eval_every=100, n=1000, seed=0) -> dict:
    """Train 8gaussians with chapter 5a's cpu-mode settings and record, at every evaluation, the
    training seconds so far (evaluation excluded) with modes, high quality and exact W1. The time to
    quality is given by `quality_reached`: sustained 8/8 modes with W1 inside the real-vs-real band."""
    from gantut import floors
    from torch import nn

    utils.setup(seed, "cpu")
    toy = data.toy("8gaussians")
    g = torch.Generator().manual_seed(seed)
    G = networks.mlp(2, 2, width=128, activation=nn.LeakyReLU)
    C = networks.mlp(2, 1, width=64, activation=nn.LeakyReLU)
    floor = floors.w1_floor(toy, n=n)
    evaluate = train.toy_evaluator(toy, n=n)
    curve: list[dict] = []
    t0 = time.perf_counter()
    spent_in_eval = [0.0]

    def timed_evaluate(generator, iteration):
        start = time.perf_counter()
        out = evaluate(generator, iteration)
        curve.append({"train_s": start - t0 - spent_in_eval[0], **out})
        spent_in_eval[0] += time.perf_counter() - start
        return out

    h = train.train_gan(G, C, lambda k: toy.sample(k, generator=g), iterations=iterations, lr=3e-3,
                        betas=(0.5, 0.9), penalty_weight=0.1, lr_decay=True, evaluate=timed_evaluate,
                        eval_every=eval_every)
    reached = quality_reached(curve, floor.mean + 2 * floor.sd)
    return {
        "settings": "chapter 5a cpu mode: critic width 64, generator width 128, LeakyReLU, lambda 0.1, "
                    "Adam(3e-3, (0.5, 0.9)) decayed linearly to 0 over 2000 iterations, batch 256, n_critic 5",
        "floor_w1": floor.mean,
        "floor_w1_sd": floor.sd,
        "floor_w1_range": [min(floor.values), max(floor.values)],
        "floor_draws": len(floor.values),
        "curve": [dict(c, iteration=it) for c, it in zip(curve, h.eval_iteration)],
        "seconds_to_quality": None if reached is None else reached["train_s"],
        "eval_fraction": h.eval_seconds / h.seconds,
        "total_train_s": h.seconds - h.eval_seconds,
    }


def quality_reached(curve: list[dict], band: float, modes: int = 8) -> dict | None:
    """The first evaluation from which every evaluation to the end of the run has all `modes` modes
    and exact W1 at most `band` (the real-vs-real floor's mean + 2 sd at the same n: a distance a
    perfect generator's sample would show). Sustained, so a run that touches the bar once and falls
    back does not count. The high-quality share is reported, not required: a high share with modes
    narrower than the data's (spread well below 1) is under-dispersion rather than quality."""
    good = [c["modes"] >= modes and c["w1"] <= band for c in curve]
    for i in range(len(curve)):
        if all(good[i:]):
            return curve[i]
    return None


# ------------------------------------------------------------------------------------------
# 2b. the real-vs-real references ("floors") the chapters compare with, as distributions
# ------------------------------------------------------------------------------------------
def bench_floors(toy_sizes=(500, 1000), draws=20) -> list[dict]:
    """gantut.floors at the sample sizes the chapters evaluate with: the exact W1 of a perfect
    generator against each toy's evaluation set, and the digits' Frechet distance of training
    digits against the held-out ones (all held out, and half as many), over `draws` draws each."""
    from gantut import floors

    rows = []

    def row(what, data_name, f):
        rows.append({"what": what, "data": data_name, "n": f.n, "draws": len(f.values), "mean": f.mean,
                     "sd": f.sd, "min": min(f.values), "q05": f.quantile(0.05), "q95": f.quantile(0.95),
                     "max": max(f.values)})

    for name in ("8gaussians", "25gaussians", "swissroll"):
        for n in toy_sizes:
            row("W1", name, floors.w1_floor(data.toy(name), n=n, draws=draws))
    full = floors.fd_floor(draws=draws)
    row("d_F^2", "digits", full)
    row("d_F^2", "digits", floors.fd_floor(n=full.n // 2, draws=draws))
    return rows


# ------------------------------------------------------------------------------------------
# 3. exact OT against sliced and Sinkhorn as n grows
# ------------------------------------------------------------------------------------------
_OT_CHILD = r"""
import json, resource, sys, time
import numpy as np
from gantut import metrics
n = int(sys.argv[1]); rng = np.random.default_rng(n)
x = rng.standard_normal((n, 2)); y = rng.standard_normal((n, 2)) + [1.0, 0.0]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {"n": n}
t = time.perf_counter(); exact = metrics.wasserstein(x, y, max_memory_gb=64); out["exact_s"] = time.perf_counter() - t
out["exact_peak_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
t = time.perf_counter(); s = metrics.sliced_wasserstein(x, y, n_projections=256); out["sliced_s"] = time.perf_counter() - t
t = time.perf_counter(); k = metrics.sinkhorn_wasserstein(x, y); out["sinkhorn_s"] = time.perf_counter() - t
out.update(exact=exact, sliced=s, sinkhorn=k, sliced_rel_err=(s - exact) / exact, sinkhorn_rel_err=(k - exact) / exact,
           estimated_gb=metrics.exact_ot_memory_gb(n, n))
print(json.dumps(out))
"""


def bench_ot(sizes=(250, 500, 1000, 2000, 4000, 8000)) -> list[dict]:
    rows = []
    for n in sizes:
        proc = subprocess.run([sys.executable, "-c", _OT_CHILD, str(n)], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            rows.append({"n": n, "error": proc.stderr.strip().splitlines()[-1]})
        else:
            rows.append(json.loads(proc.stdout))
        print("  ot", rows[-1], flush=True)
    return rows


# ------------------------------------------------------------------------------------------
# 4. each notebook's run time: measured by `make execute` (tools/execute_notebooks.py), read here
# ------------------------------------------------------------------------------------------
def notebook_times() -> list[dict]:
    path = ROOT / "bench" / "notebook_times.json"
    if not path.exists():
        return []
    times = json.loads(path.read_text())
    return [{"notebook": k, "smoke_s": v["smoke_s"], "cpu_s": v["default_s"]} for k, v in sorted(times.items())]


def machine() -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pot": __import__("ot").__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def write_table(results: dict, path: pathlib.Path) -> None:
    m = results["machine"]
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`bench/bench.py`); the raw numbers are in `bench/results.json`.",
        f"Machine of the latest run: {m['cpus']} CPUs, {m['processor']}, Python {m['python']}, torch "
        f"{m['torch']}, POT {m['pot']}, {m['date']}. `python bench/bench.py --only ...` re-runs some sections:",
        "each section says when it was measured. Absolute seconds differ between machines and drift on",
        "shared ones; the ratios are measured within one run.",
        "",
    ]
    if "training" in results:
        t = results["training"]
        s = t["settings"]
        lines += [
            "## One `gantut.train` generator iteration at the original toy settings",
            "",
            f"Measured {t.get('measured', 'in an earlier run')}. Width {s['width']}, {s['depth']} hidden layers, batch {s['batch']}, n_critic {s['n_critic']}, "
            f"{s['threads']} thread(s).",
            "",
            "| measure | value |",
            "|---|---|",
            f"| WGAN-GP, seconds per generator iteration | {t['wgan_gp_s_per_iter']:.3f} |",
            f"| plain WGAN (no penalty), seconds per generator iteration | {t['wgan_plain_s_per_iter']:.3f} |",
            f"| cost of the penalty (ratio) | {t['penalty_cost_ratio']:.2f} |",
            f"| bare GEMM floor ({t['n_gemms_per_iter']} matrix products), seconds | {t['gemm_floor_s_per_iter']:.3f} |",
            f"| WGAN-GP iteration / GEMM floor (median of {s.get('rounds', 1)} interleaved rounds) | "
            f"{t['ratio_to_gemm_floor']:.2f} |",
            "",
        ]
        if "mask_relu_speedup" in t:
            rounds = t["ratio_to_gemm_floor_rounds"]
            lines += [
                f"Per-round ratios to the floor: {min(rounds):.2f} to {max(rounds):.2f}; fastest loop round over "
                f"fastest floor round: {t['ratio_to_gemm_floor_best']:.2f}. The same loop with "
                f"PyTorch's `nn.ReLU` in the critic, timed in the same rounds: {t['pytorch_relu_s_per_iter']:.3f} s "
                f"per iteration; the mask form (`gantut.activations`) is {t['mask_relu_speedup']:.2f}x faster."
                + (f" Scoring real and fake in two critic calls instead of one (`gantut.train.critic_scores`), "
                   f"same rounds: {t['two_calls_s_per_iter']:.3f} s per iteration; one call is "
                   f"{t['one_call_speedup']:.2f}x faster." if "one_call_speedup" in t else ""),
                "",
                "Why: the penalty differentiates the critic's input gradient once more. PyTorch's ReLU "
                "backward returns an explicit tensor of zeros as the derivative of its mask, and autograd "
                "multiplies those zeros back through every layer: 6 of the 21 matrix products of one "
                "penalty on the 3-hidden-layer critic. `gantut.activations` computes the same function and "
                "derivatives with the mask held constant (bit for bit, tested, and the penalty's flops are "
                "tested against the formula), so the floor above counts only the products the iteration "
                "needs. Its activation is a Python-level autograd function, which costs more than it saves "
                "in small networks: `gantut.networks.mlp` uses it from width 512 on (in interleaved A/B runs while "
                "developing: 10-15% faster at width 512, from 1% slower to 7% faster at 256 depending on the "
                "batch, 8-13% slower at the book's CPU widths 64-128).",
                "",
                "One critic call on the stacked real and fake batches is the same function when each score "
                "depends only on its own sample (no BatchNorm; spectral norm and forward hooks also keep two "
                "calls), with half as many, twice as large matrix products. On this CPU that is about neutral "
                "(the two-call comparison above; in A/B runs at the book's CPU settings between -1% and +2%); it halves the "
                "critic's calls, which should count where kernel launches dominate, as for these tiny networks "
                "on a GPU (not yet measured). It changes the order of "
                "floating-point sums, so chaotic runs end differently: chapter 1's claims were rewritten "
                "to hold across seeds (rates and distances) rather than on one trajectory's mode count. The "
                "interpolates of the penalty stay a separate call: their input gradient would otherwise run "
                "its backward pass over all three batches. The mask forms in `mlp` also work in place (the "
                "layer before is always a Linear or LayerNorm, whose backward does not read its output): "
                "about 1% faster (median of 11 interleaved A/B rounds while developing). And `gantut.utils.setup` "
                "lets glibc keep up to 64 MB of freed memory (`tune_malloc`): by default it handed the top of its "
                "heap back after each step and faulted it in again, about 800 page faults per iteration; "
                "alternating processes with and without it while developing, 1-4% faster (3 pairs).",
                "",
                "Kept from before: fused Adam, the critic frozen in the generator step, no generator graph "
                "during critic steps, one thread, denormals flushed. Measured while working on the loop "
                "(interleaved A/B runs, not repeated by `make bench`) and not kept: drawing the "
                "real and generated batches of all n_critic steps at once (no measurable gain); two threads "
                "(a higher ratio to the floor, 1.15).",
                "",
            ]
    if results.get("toys"):
        lines += _toys_table(results["toys"], results.get("toys_measured", "in an earlier run"))
        if results.get("toys_note"):  # what the run's conditions were, written by whoever ran it
            lines[-1:-1] = ["", "Note on this run: " + results["toys_note"]]
    if "quality" in results:
        q = results["quality"]
        band = q["floor_w1"] + 2 * q["floor_w1_sd"]
        hit = quality_reached(q["curve"], band)
        reached = None if hit is None else hit["train_s"]
        lines += [
            "## Time to quality on 8gaussians with the book's CPU settings",
            "",
            f"Measured {q.get('measured', 'in an earlier run')}. Settings: {q['settings']}. Quality: 8/8 modes "
            f"and exact W1 inside the real-vs-real band, at an evaluation and at every later one. The band "
            f"is what a perfect generator shows at n = 1000: W1 at most the mean + 2 sd of "
            f"{q['floor_w1']:.3f} +- {q['floor_w1_sd']:.3f} (over {q['floor_draws']} real draws against the "
            f"evaluator's real set, range {q['floor_w1_range'][0]:.3f} to {q['floor_w1_range'][1]:.3f}), so "
            f"at most {band:.3f}. The high-quality share is shown, not required: a high share bought with "
            "modes narrower than the data's (a spread well below 1), or above real data's 98.9%, is "
            "under-dispersion, not quality, and the spread column shows which it is.",
            "",
            ("Reached after **{:.0f} s** of training (iteration {}), and held to the end.".format(
                reached, hit["iteration"]) if reached is not None else "Not reached within the run.")
            + f" Evaluation (exact W1 with POT every 100 iterations) took {100 * q['eval_fraction']:.1f}% "
            "of the run's time.",
            "",
            "| iteration | training s | modes | high quality | spread | mode-weight TV | exact W1 |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in q["curve"]:
            lines.append(f"| {c['iteration']} | {c['train_s']:.1f} | {c['modes']:.0f} | "
                         f"{100 * c['high_quality']:.1f}% | {c.get('spread', float('nan')):.2f} | "
                         f"{c.get('weight_tv', float('nan')):.3f} | {c['w1']:.3f} |")
        lines += ["", "Spread: the root-mean-square distance of the high-quality samples to their centre over "
                  "real data's (1 for real data, below 1 for modes narrower than the data); mode-weight TV: "
                  "the total variation between the generated and the true mode weights."]
        lines.append("")
    if "floors" in results:
        lines += [
            "## Floors: what a perfect generator scores, as a distribution",
            "",
            f"Measured {results.get('floors_measured', 'in an earlier run')} with `gantut.floors`. A generator that "
            "samples the data exactly still scores a positive distance on n samples, and from one draw to the "
            "next that value varies severalfold. For the toys: the exact W1 between the real set that "
            "`gantut.train.toy_evaluator` compares with and fresh real sets of the same n; for the digits: "
            "the Frechet distance d_F^2 between n training digits and the held-out digits that "
            "`gantut.digits.frechet_evaluator` compares with. The chapters compare with these means and "
            "spreads at the same n.",
            "",
            "| distance | data | n | draws | mean | sd | min | 5% | 95% | max |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results["floors"]:
            lines.append(f"| {r['what']} | {r['data']} | {r['n']} | {r['draws']} | {r['mean']:.3f} | {r['sd']:.3f} | "
                         f"{r['min']:.3f} | {r['q05']:.3f} | {r['q95']:.3f} | {r['max']:.3f} |")
        lines.append("")
    if "ot" in results:
        lines += [
            "## Exact optimal transport against sliced and Sinkhorn",
            "",
            f"Measured {results.get('ot_measured', 'in an earlier run')}. Two clouds of n points in 2-D (standard normal, one shifted by 1). Errors are relative to the exact W1.",
            "",
            "| n | exact s | exact peak MB | estimated GB | sliced s | sliced error | Sinkhorn s | Sinkhorn error |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in results["ot"]:
            if "error" in r:
                lines.append(f"| {r['n']} | failed: {r['error']} | | | | | | |")
            else:
                lines.append(
                    f"| {r['n']} | {r['exact_s']:.2f} | {r['exact_peak_mb']:.0f} | {r['estimated_gb']:.2f} | "
                    f"{r['sliced_s']:.3f} | {100 * r['sliced_rel_err']:+.1f}% | {r['sinkhorn_s']:.2f} | "
                    f"{100 * r['sinkhorn_rel_err']:+.1f}% |"
                )
        lines += [
            "",
            "How to read it: sliced W1 is a lower bound; for a translated distribution in 2-D it is "
            "2/pi of W1 (the mean of |cos| over directions, -36%), as the table shows; Sinkhorn "
            "(`gantut.metrics.sinkhorn_wasserstein`: log-domain, regularisation 0.05 x the mean cost) is "
            "biased upwards by its entropy term and is slower than the exact network simplex at every "
            "size here on a CPU. Peak MB is the rise of the process's peak memory during the exact "
            "solve (0: below the interpreter's earlier peak); gantut's estimate (48 bytes a pair) is "
            "deliberately conservative, and its default 4 GB limit stops exact OT near n = 9000.",
            "",
        ]
    if results.get("notebooks"):
        lines += ["## Notebook run times", "", "Measured by `make execute` (smoke run, then the default-mode run that is committed).", "", "| notebook | smoke mode, s | default (cpu) mode, s |", "|---|---|---|"]
        for r in results["notebooks"]:
            lines.append(f"| {r['notebook']} | {r.get('smoke_s', float('nan')):.1f} | {r.get('cpu_s', float('nan')):.1f} |")
        lines.append("")
    path.write_text("\n".join(lines))


# ------------------------------------------------------------------------------------------
# 5. chapter 5c's toy recipe and its remedies, over seeds (the chapter's own code: gantut.recipes)
# ------------------------------------------------------------------------------------------
TOY_KEYS = ("modes", "high_quality", "spread", "weights_tv", "w1", "w1_floor_mean")


def bench_toys(seeds, workers: int = 2, recipe: dict | None = None, **options) -> list[dict]:
    """For each seed, chapter 5c's cpu recipe on the ring and the grid (``gantut.recipes.toy_rows``,
    the function the chapter calls) and every remedy on the trained model: one row per toy, seed
    and remedy, with the training ``seconds`` of the run (the remedy's own seconds in
    ``remedy_seconds``) and high_quality as a fraction."""
    rows = []
    for run in recipes.toy_rows(("8gaussians", "25gaussians"), list(seeds), recipe, workers=workers, **options):
        for remedy, m in run["remedies"].items():
            if "modes" not in m:  # a remedy that kept too few samples to score
                continue
            rows.append(dict(toy=run["toy"], seed=run["seed"], remedy=remedy,
                             **{k: float(m[k]) for k in TOY_KEYS}, under_dispersed=bool(m["under_dispersed"]),
                             w1_floor_sd=float(m["w1_floor_sd"]), seconds=round(run["seconds"], 2),
                             remedy_seconds=round(m["seconds"], 3), cost=float(m["cost"])) | {"modes": int(m["modes"])})
    return rows


def _toys_table(rows: list[dict], measured: str) -> list[str]:
    seeds = sorted({r["seed"] for r in rows})
    lines = ["## Chapter 5c's toy recipe and its remedies over seeds", "",
             f"Measured {measured}: `python bench/bench.py --only toys --seeds {' '.join(map(str, seeds))}`, "
             "which trains chapter 5c's cpu recipe (`gantut.recipes`, the code the chapter runs) on each "
             "seed and applies every remedy to the trained model. Mean over the seeds (range), 1000 "
             "scored samples per run; W1 against the real-vs-real floor's mean (its sd in brackets). "
             "The records to beat (PacGAN3, 10 trials): ring 97.7%, grid 94.2% high quality, with "
             "every mode, a spread within 10% of the data's and W1 within the floor's band.", "",
             "| toy | remedy | seeds | modes | high quality | spread | mode TV | exact W1 | floor mean (sd) | train s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for toy in ("8gaussians", "25gaussians"):
        for remedy in dict.fromkeys(r["remedy"] for r in rows):
            rs = [r for r in rows if r["toy"] == toy and r["remedy"] == remedy]
            if not rs:
                continue
            def rng(key, fmt, scale=1.0):
                v = [scale * r[key] for r in rs]
                return f"{format(np.mean(v), fmt)} ({format(min(v), fmt)}-{format(max(v), fmt)})"
            lines.append(f"| {toy} | {remedy} | {len(rs)} | {min(r['modes'] for r in rs)}-{max(r['modes'] for r in rs)} | "
                         f"{rng('high_quality', '.1f', 100)}% | {rng('spread', '.2f')} | {rng('weights_tv', '.3f')} | "
                         f"{rng('w1', '.3f')} | {np.mean([r['w1_floor_mean'] for r in rs]):.3f} "
                         f"({np.mean([r['w1_floor_sd'] for r in rs]):.3f}) | {np.mean([r['seconds'] for r in rs]):.0f} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=["training", "quality", "floors", "ot", "toys"],
                        choices=["training", "quality", "floors", "ot", "toys"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4],
                        help="seeds of the toy-recipe table (--only toys)")
    parser.add_argument("--workers", type=int, default=2, help="training runs side by side (--only toys)")
    parser.add_argument("--ot-sizes", nargs="*", type=int, default=[250, 500, 1000, 2000, 4000, 8000])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--table", default=str(ROOT / "book" / "performance.md"))
    parser.add_argument("--table-only", action="store_true", help="rewrite the table from the results file")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    if args.table_only:
        results["notebooks"] = notebook_times()
        if "quality" in results:  # the criterion may have changed since the run: apply today's
            q = results["quality"]
            hit = quality_reached(q["curve"], q["floor_w1"] + 2 * q["floor_w1_sd"])
            q["seconds_to_quality"] = None if hit is None else hit["train_s"]
        out.write_text(json.dumps(results, indent=2))
        write_table(results, pathlib.Path(args.table))
        return
    results["machine"] = machine()
    if args.seeds and len(set(args.seeds)) != len(args.seeds):
        parser.error(f"--seeds repeats a seed: {args.seeds}")
    stamp = {"measured": results["machine"]["date"]}
    if "training" in args.only:
        print("training ...", flush=True)
        results["training"] = {**bench_training(), **stamp}
        print(" ", results["training"], flush=True)
    if "quality" in args.only:
        print("time to quality ...", flush=True)
        results["quality"] = {**bench_time_to_quality(), **stamp}
        print("  reached after", results["quality"]["seconds_to_quality"], "s", flush=True)
    if "floors" in args.only:
        print("floors ...", flush=True)
        results["floors"] = bench_floors()
        results["floors_measured"] = stamp["measured"]
    if "ot" in args.only:
        print("exact OT ...", flush=True)
        results["ot"] = bench_ot(args.ot_sizes)
        results["ot_measured"] = stamp["measured"]
    if "toys" in args.only:
        print(f"toy recipe and remedies on seeds {args.seeds} ...", flush=True)
        results["toys"] = bench_toys(args.seeds, args.workers)
        results["toys_measured"] = stamp["measured"]
    results["notebooks"] = notebook_times()  # measured by `make execute`
    out.write_text(json.dumps(results, indent=2))
    write_table(results, pathlib.Path(args.table))
    print(f"wrote {out} and {args.table}")


if __name__ == "__main__":
    main()
