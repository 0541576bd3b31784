"""gantut.floors: real-vs-real references as distributions, drawn as the evaluators draw."""

import pytest
import torch
from torch import nn

from gantut.data import toy
from gantut.floors import Floor, evaluation_set, fd_floor, w1_floor
from gantut.train import toy_evaluator

RING = toy("8gaussians")


class Fixed(nn.Module):
    """A 'generator' that returns a given set, whatever its noise."""

    def __init__(self, x):
        super().__init__()
        self.x, self.unused = x, nn.Parameter(torch.zeros(1))

    def forward(self, z):
        return self.x


def test_evaluation_set_is_the_set_toy_evaluator_compares_with():
    assert toy_evaluator(RING, n=200)(Fixed(evaluation_set(RING, 200)))["w1"] == 0.0
    assert toy_evaluator(RING, n=200)(Fixed(evaluation_set(RING, 200, seed=1)))["w1"] > 0.0


def test_w1_floor_is_a_repeatable_distribution_that_shrinks_with_n():
    small, large = w1_floor(RING, n=100, draws=10), w1_floor(RING, n=800, draws=10)
    assert small == w1_floor(RING, n=100, draws=10)                 # one number per (data, n)
    assert len(set(small.values)) == 10 and small.sd > 0             # draws differ
    assert small.mean > large.mean > 0                               # the finite-sample bias falls with n
    assert min(small.values) <= small.quantile(0.1) <= small.mean <= small.quantile(0.9) <= max(small.values)


def test_a_generator_far_from_the_data_is_far_above_the_floor():
    far = toy_evaluator(RING, n=300)(Fixed(evaluation_set(RING, 300, seed=5) + 0.5))["w1"]
    floor = w1_floor(RING, n=300, draws=5)
    assert far > floor.mean + 10 * floor.sd


def test_floors_refuse_a_single_draw():
    with pytest.raises(ValueError, match="at least 2 draws"):
        w1_floor(RING, n=50, draws=1)
    with pytest.raises(ValueError, match="at least 2 draws"):
        fd_floor(draws=1)


def test_fd_floor_defaults_to_the_held_out_size_and_varies():
    f = fd_floor(draws=3)
    assert f.n == 539 and len(f.values) == 3 and f.sd > 0 and f.mean > 0


def test_floor_statistics_and_text():
    f = Floor((1.0, 2.0, 3.0, 4.0), n=7, what="W1")
    assert f.mean == 2.5 and f.quantile(0.0) == 1.0 and f.quantile(1.0) == 4.0
    assert "n = 7" in str(f) and "4 draws" in str(f)
