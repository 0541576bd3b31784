import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gantut import plot  # noqa: E402
from gantut.metrics import optimal_coupling  # noqa: E402
from gantut.networks import mlp  # noqa: E402
from gantut.train import History  # noqa: E402


def test_figures_draw_real_in_blue_and_generated_in_orange():
    ax = plot.samples(np.zeros((5, 2)), np.ones((5, 2)))
    colours = [tuple(c.get_facecolor()[0][:3]) for c in ax.collections]
    assert colours[0] == pytest.approx(matplotlib.colors.to_rgb(plot.REAL))
    assert colours[1] == pytest.approx(matplotlib.colors.to_rgb(plot.FAKE))
    plt.close("all")


def test_critic_surface_transport_plan_history_and_grid_draw():
    plot.critic_surface(mlp(2, 1, width=8), np.zeros((3, 2)), np.ones((3, 2)), n=11)
    x, y = np.random.randn(6, 2), np.random.randn(6, 2)
    _, gamma = optimal_coupling(x, y)
    ax = plot.transport_plan(x, y, gamma)
    assert len(ax.lines) == 6  # a permutation: one segment per point
    h = History(iteration=[1, 2], estimate=[0.1, 0.2], penalty=[0.0, 0.1],
                eval_iteration=[2], evals={"w1": [0.3]})
    plot.history(h)
    plot.image_grid(torch.zeros(12, 1, 8, 8), nrow=5)
    with pytest.raises(ValueError, match="grayscale"):
        plot.image_grid(torch.zeros(3, 8, 8))
    plt.close("all")
