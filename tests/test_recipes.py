"""gantut.recipes (chapter 5c and bench/bench.py --only toys) on tiny settings."""

import importlib.util
import pathlib

import pytest
import torch

from gantut import recipes

TINY = dict(recipes.CPU_RECIPE, width=8, g_width=8, iterations=3)
ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_remedies_measure_every_remedy_on_one_trained_model():
    run = recipes.train_toy("8gaussians", 0, TINY)
    rows = recipes.remedies(run, n=100, pool=200, classifier_steps=2, refine_steps=2)
    assert set(rows) == {"none", "truncation", "jacobian", "critic", "classifier", "refine"}
    assert rows["jacobian"]["accepted"] == pytest.approx(0.9, abs=0.01)
    for key in ("none", "jacobian", "critic", "refine", "truncation"):
        assert 0 <= rows[key]["high_quality"] <= 1 and rows[key]["modes"] <= 8
    assert rows["none"]["lipschitz_max"] > 0


def test_a_mixture_latent_run_and_its_remedies():
    run = recipes.train_toy("25gaussians", 1, TINY, components=25)
    assert run.generator[0].in_features == 25
    rows = recipes.remedies(run, n=100, pool=200, classifier_steps=2, refine_steps=2)
    assert "truncation" not in rows   # defined for the Gaussian latent only


def test_measure_refuses_too_few_samples():
    with pytest.raises(ValueError, match="larger pool"):
        recipes.measure("8gaussians", torch.zeros(10, 2), n=100)


def test_mode_gap_is_the_distance_between_high_quality_balls():
    assert recipes.mode_gap("8gaussians") == pytest.approx(2 * 1.414 * 0.38268 - 6 * 0.02 / 1.414, abs=1e-3)
    assert recipes.mode_gap("25gaussians") == pytest.approx(2 / 2.828 - 6 * 0.05 / 2.828, abs=1e-6)


def test_bench_toys_rows_have_the_promised_keys_and_a_table():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.bench_toys([3], workers=1, recipe=TINY, n=100, pool=200, classifier_steps=2, refine_steps=2)
    keys = {"toy", "seed", "modes", "high_quality", "spread", "weights_tv", "w1", "w1_floor_mean", "seconds"}
    assert rows and all(keys <= set(r) for r in rows)
    assert {r["toy"] for r in rows} == {"8gaussians", "25gaussians"} and {r["seed"] for r in rows} == {3}
    assert all(0 <= r["high_quality"] <= 1 for r in rows)
    table = "\n".join(bench._toys_table(rows, "today"))
    assert "| 8gaussians | none | 1 |" in table and "--seeds 3" in table
