import math

import pytest
import torch

from gantut.losses import OBJECTIVES, critic_loss, generator_loss

r = torch.tensor([2.0, -1.0, 0.5])
f = torch.tensor([-0.5, 1.0, 0.0])
D = torch.sigmoid


def test_minimax_critic_loss_is_binary_cross_entropy():
    expected = -(torch.log(D(r)).mean() + torch.log(1 - D(f)).mean())
    assert critic_loss("minimax", r, f).item() == pytest.approx(expected.item(), rel=1e-6)
    assert critic_loss("nonsaturating", r, f).item() == pytest.approx(expected.item(), rel=1e-6)


def test_generator_losses_follow_goodfellow_2014():
    assert generator_loss("minimax", f).item() == pytest.approx(torch.log(1 - D(f)).mean().item(), rel=1e-6)
    assert generator_loss("nonsaturating", f).item() == pytest.approx(-torch.log(D(f)).mean().item(), rel=1e-6)


def test_wgan_losses_are_differences_of_means():
    assert critic_loss("wgan", r, f).item() == pytest.approx(f.mean().item() - r.mean().item())
    assert generator_loss("wgan", f).item() == pytest.approx(-f.mean().item())


def test_hinge_and_lsgan():
    assert critic_loss("hinge", r, f).item() == pytest.approx(
        torch.relu(1 - r).mean().item() + torch.relu(1 + f).mean().item()
    )
    assert critic_loss("lsgan", r, f).item() == pytest.approx(
        0.5 * ((r - 1) ** 2).mean().item() + 0.5 * (f**2).mean().item()
    )
    assert generator_loss("lsgan", f).item() == pytest.approx(0.5 * ((f - 1) ** 2).mean().item())


def test_saturating_gradient_vanishes_when_the_discriminator_is_confident():
    s = torch.tensor([-10.0], requires_grad=True)  # D(G(z)) = sigmoid(-10), confidently fake
    generator_loss("minimax", s).backward()
    g_sat = s.grad.abs().item()
    s.grad = None
    generator_loss("nonsaturating", s).backward()
    g_ns = s.grad.abs().item()
    assert g_sat < 1e-4 and g_ns > 0.99


def test_losses_stay_finite_for_confident_scores():
    big = torch.tensor([1e4, -1e4])
    for objective in OBJECTIVES:
        assert math.isfinite(critic_loss(objective, big, -big).item())
        assert math.isfinite(generator_loss(objective, big).item())


def test_unknown_objective_lists_the_valid_ones():
    with pytest.raises(ValueError, match="minimax, nonsaturating, wgan, hinge, lsgan"):
        critic_loss("wasserstein", r, f)


def test_integer_scores_are_refused():
    with pytest.raises(ValueError, match="floating-point"):
        generator_loss("wgan", torch.tensor([1, 2]))
