import doctest

import numpy as np
import pytest
import torch

import gantut.transport
from gantut.lipschitz import gradient_norms
from gantut.metrics import wasserstein
from gantut.transport import (RealTransportCritic, TransportCritic, c_transform,
                              kantorovich_potentials, optimal_critic, real_c_transform)

rng = np.random.default_rng(0)


def test_docstring_examples_hold():
    assert doctest.testmod(gantut.transport).failed == 0


def test_dual_value_equals_primal_cost_strong_duality():
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(40, 2)) + 1.0
    w1, u, v, plan = kantorovich_potentials(x, y)
    assert w1 == pytest.approx(wasserstein(x, y), abs=1e-10)
    assert u.mean() + v.mean() == pytest.approx(w1, abs=1e-10)
    np.testing.assert_allclose(plan.sum(1), np.full(60, 1 / 60), atol=1e-12)


def test_potentials_are_feasible_for_the_dual():
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    _, u, v, _ = kantorovich_potentials(x, y)
    cost = np.linalg.norm(x[:, None] - y[None], axis=2)
    assert (u[:, None] + v[None, :] <= cost + 1e-10).all()


def _assert_optimal_and_1_lipschitz(critic, x, y, w1):
    """``critic(z)`` (a function of ``[k, d]`` points) attains W1 on the real ``x`` and generated
    ``y`` (equal weights), and no pair of 2000 random points sees a slope above 1."""
    assert critic(x).mean() - critic(y).mean() == pytest.approx(w1, abs=1e-9)
    p, q = rng.normal(size=(2000, 2)) * 3, rng.normal(size=(2000, 2)) * 3
    assert (np.abs(critic(p) - critic(q)) <= np.linalg.norm(p - q, axis=1) + 1e-9).all()


def test_c_transform_critic_is_1_lipschitz_and_recovers_w1():
    x, y = rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) * 0.5 + 2.0
    w1, _, v, _ = kantorovich_potentials(x, y)
    _assert_optimal_and_1_lipschitz(lambda z: c_transform(z, y, v), x, y, w1)


def test_transport_critic_module_matches_c_transform_with_unit_gradients():
    x, y = rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 1.0
    w1, f = optimal_critic(x, y)
    z = rng.uniform(-3, 3, size=(500, 2))
    with torch.no_grad():
        out = f(torch.tensor(z, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(out, c_transform(z, y, f.v.numpy()), atol=1e-4)
    norms = gradient_norms(f, torch.tensor(z, dtype=torch.float32))
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-4)
    assert not any(p.requires_grad for p in f.parameters())


def test_w1_between_a_shifted_cloud_is_the_shift_and_the_critic_is_linear_along_it():
    x = rng.normal(size=(30, 2))
    w1, f = optimal_critic(x + np.array([3.0, 0.0]), x)
    assert w1 == pytest.approx(3.0, abs=1e-9)
    # each point's critic value drops by exactly the shift: slope 1 along every transport line
    with torch.no_grad():
        gain = f(torch.tensor(x + np.array([3.0, 0.0]))) - f(torch.tensor(x))
    np.testing.assert_allclose(gain.numpy(), 3.0, atol=1e-5)


def test_transport_critic_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="v must"):
        c_transform(np.zeros((3, 2)), np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="y must be"):
        TransportCritic(np.zeros((4, 2)), np.zeros(3))


def test_c_transform_of_v_has_zero_gradient_at_the_fakes_it_is_built_on():
    x, y = rng.normal(size=(40, 2)) + 2.0, rng.normal(size=(40, 2)) * 0.3
    _, _, v, _ = kantorovich_potentials(x, y)
    f = TransportCritic(y, v, dtype=torch.float64)   # float64: no rounding ties between cones
    np.testing.assert_allclose(c_transform(y, y, v), -v, atol=1e-12)   # f(y_j) = -v_j: the apex
    fake = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    f(fake).sum().backward()
    assert fake.grad.abs().max() == 0      # a cone apex at every generated point


def test_real_anchored_critic_is_optimal_1_lipschitz_with_unit_gradient_to_a_real_point():
    x, y = rng.normal(size=(40, 2)) + 2.0, rng.normal(size=(40, 2)) * 0.3
    w1, u, v, plan = kantorovich_potentials(x, y)
    _assert_optimal_and_1_lipschitz(lambda z: real_c_transform(z, x, u), x, y, w1)
    g = RealTransportCritic(x, u, dtype=torch.float64)
    fake = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    g(fake).sum().backward()
    grad = fake.grad.numpy()
    np.testing.assert_allclose(np.linalg.norm(grad, axis=1), 1.0, atol=1e-9)
    # the gradient at y_j is the unit vector towards a real point x_i whose dual constraint is
    # tight (u_i - ||y_j - x_i|| = -v_j): a maximiser of u_i - ||y_j - x_i||
    cost = np.linalg.norm(x[:, None] - y[None], axis=2)
    tight = u[:, None] - cost >= -v[None, :] - 1e-9
    towards = (x[:, None] - y[None]) / cost[..., None]                 # [n, m, 2]
    hits = (np.abs(towards - grad[None]).max(-1) < 1e-9) & tight
    assert hits.any(0).all()


def test_moving_the_fakes_along_the_real_anchored_gradient_lowers_w1_at_rate_near_one():
    """WGAN Theorem 3 on samples: the generator's gradient through the optimal critic is -grad W1."""
    x, y = rng.normal(size=(40, 2)) + 2.0, rng.normal(size=(40, 2)) * 0.3
    w1, u, _, _ = kantorovich_potentials(x, y)
    g = RealTransportCritic(x, u, dtype=torch.float64)
    fake = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    g(fake).sum().backward()
    eps = 1e-3
    rate = (w1 - wasserstein(x, y + eps * fake.grad.numpy())) / eps
    # each fake moves eps, so W1 drops by at most eps (rate <= 1); where the maximising real point
    # is the fake's partner in the plan the drop is exactly eps, elsewhere (dual ties) a bit less
    assert 0.95 < rate <= 1 + 1e-6


def test_real_critic_rejects_bad_arguments():
    with pytest.raises(ValueError, match="u must"):
        real_c_transform(np.zeros((3, 2)), np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="x must be"):
        RealTransportCritic(np.zeros((4, 2)), np.zeros(3))
    w1, g = optimal_critic(np.zeros((2, 2)), np.ones((2, 2)), anchor="real")
    assert isinstance(g, RealTransportCritic) and w1 == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="anchor"):
        optimal_critic(np.zeros((2, 2)), np.ones((2, 2)), anchor="both")
