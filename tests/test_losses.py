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


def test_each_critic_stops_pushing_a_fake_score_at_its_confident_fake_score_where_only_minimax_saturates():
    # least squares: the critic pulls a fake score to 0; hinge: flat past the margin -1;
    # the log-loss discriminator keeps pushing left. There the generator derivative is -1 except minimax.
    def slope(loss, score):
        s = torch.tensor([score], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(loss(s), s)
        return g.item()

    one = torch.ones(1, dtype=torch.float64)
    assert slope(lambda s: critic_loss("lsgan", one, s), 0.0) == 0.0
    assert slope(lambda s: critic_loss("lsgan", one, s), -10.0) < 0
    assert slope(lambda s: critic_loss("hinge", one, s), -1.5) == 0.0
    assert slope(lambda s: critic_loss("nonsaturating", one, s), -10.0) > 0
    for objective, s_conf in (("nonsaturating", -20.0), ("wgan", -20.0), ("hinge", -1.0), ("lsgan", 0.0)):
        assert slope(lambda s: generator_loss(objective, s), s_conf) == pytest.approx(-1.0, abs=1e-6)
    assert abs(slope(lambda s: generator_loss("minimax", s), -20.0)) < 1e-8
