import numpy as np
import pytest
import torch

from gantut import dirac
from gantut.losses import critic_loss, generator_loss


@pytest.mark.parametrize("objective", dirac.OBJECTIVES)
def test_vector_field_is_minus_the_gradients_of_the_gantut_losses(objective):
    theta, psi = 0.7, -1.3
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    p = torch.tensor(psi, dtype=torch.float64, requires_grad=True)
    real, fake = (p * 0.0).reshape(1), (p * t).reshape(1)  # f(0) = 0, f(theta) = psi * theta
    (dpsi,) = torch.autograd.grad(critic_loss(objective, real, fake), p, retain_graph=True)
    (dtheta,) = torch.autograd.grad(generator_loss(objective, fake), t)
    v = dirac.vector_field(theta, psi, objective)
    assert v[0] == pytest.approx(-dtheta.item(), rel=1e-9)
    assert v[1] == pytest.approx(-dpsi.item(), rel=1e-9)


def test_penalties_add_their_derivative_to_the_critic_direction():
    base = dirac.vector_field(0.3, 0.5, "wgan")[1]
    gp = dirac.vector_field(0.3, 0.5, "wgan", "gp", weight=2.0)[1]
    r1 = dirac.vector_field(0.3, 0.5, "wgan", "r1", weight=2.0)[1]
    assert gp - base == pytest.approx(-2 * 2.0 * (0.5 - 1.0))  # -d/dpsi lambda (|psi| - 1)^2
    assert r1 - base == pytest.approx(-2.0 * 0.5)  # -d/dpsi lambda/2 psi^2


def test_unregularised_jacobians_have_purely_imaginary_eigenvalues():
    for objective, omega in (("minimax", 0.5), ("nonsaturating", 0.5), ("wgan", 1.0)):
        eig = np.linalg.eigvals(dirac.jacobian(objective))
        assert np.allclose(eig.real, 0, atol=1e-8)
        assert np.allclose(sorted(eig.imag), [-omega, omega], atol=1e-6)


@pytest.mark.parametrize("weight", [0.3, 1.0, 3.0])
def test_r1_jacobian_matches_closed_form_and_is_stable(weight):
    eig = np.linalg.eigvals(dirac.jacobian("nonsaturating", "r1", weight))
    expected = np.roots([1.0, weight, 0.25])  # det(J - mu I) = mu^2 + lambda mu + 1/4
    assert np.allclose(sorted(eig, key=lambda z: (z.real, z.imag)), sorted(expected, key=lambda z: (z.real, z.imag)), atol=1e-6)
    assert (eig.real < 0).all()


def test_wgan_circles_in_continuous_time_and_spirals_out_with_simultaneous_steps():
    h, steps = 0.01, 1000
    path = dirac.trajectory(1.0, 0.0, steps=steps, lr=h, objective="wgan")
    r = dirac.distance_to_equilibrium(path)
    # the update matrix [[1, h], [-h, 1]] multiplies the radius by sqrt(1 + h^2) each step
    assert r[-1] == pytest.approx((1 + h**2) ** (steps / 2), rel=1e-9)


def test_r1_converges_and_alternating_wgan_stays_bounded():
    r1 = dirac.distance_to_equilibrium(dirac.trajectory(1.0, 1.0, 3000, 0.05, "nonsaturating", "r1", 1.0))
    alt = dirac.distance_to_equilibrium(dirac.trajectory(1.0, 1.0, 3000, 0.05, "wgan", alternating=True))
    assert r1[-1] < 1e-6
    assert 0.5 * alt[0] < alt.min() and alt.max() < 2 * alt[0]


def test_gradient_penalty_stalls_the_generator_at_two_lambda():
    lam = 1.0
    end = dirac.trajectory(1.0, 1.0, 4000, 0.05, "wgan", "gp", lam)[-1]
    assert end[0] == pytest.approx(2 * lam, abs=1e-2) and abs(end[1]) < 1e-2


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="minimax, nonsaturating, wgan"):
        dirac.vector_field(0.0, 0.0, "hinge")
    with pytest.raises(ValueError, match="not differentiable"):
        dirac.jacobian("wgan", "gp")
    with pytest.raises(ValueError, match="trajectory"):
        dirac.distance_to_equilibrium(np.zeros(3))


def test_nonsaturating_simultaneous_steps_end_on_a_limit_cycle_of_radius_sqrt_2h():
    # outward drift h^2 r^2 / 4 per step balances the non-saturating shrink h r^4 / 8: r^2 = 2h
    for h in (0.08, 0.04):
        d = dirac.distance_to_equilibrium(dirac.trajectory(1.0, 1.0, int(600 / h), h, "nonsaturating"))
        q = len(d) // 4
        assert d[-q:].min() == pytest.approx(np.sqrt(2 * h), rel=0.05)
        assert d[-q:].max() == pytest.approx(np.sqrt(2 * h), rel=0.05)
        assert d[-q:].min() > 0.98 * d[-2 * q:-q].min()  # no longer shrinking


def test_alternating_wgan_step_is_area_preserving_with_eigenvalues_on_the_unit_circle():
    h = 0.3
    # one alternating step is linear for the WGAN: its columns are the images of the unit vectors
    M = np.column_stack([dirac.trajectory(*e, steps=1, lr=h, objective="wgan", alternating=True)[1]
                         for e in ((1.0, 0.0), (0.0, 1.0))])
    assert np.allclose(M, [[1 - h**2, h], [-h, 1.0]])
    assert np.linalg.det(M) == pytest.approx(1.0)
    assert np.allclose(np.abs(np.linalg.eigvals(M)), 1.0)
