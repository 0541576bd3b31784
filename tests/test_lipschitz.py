import pytest
import torch
from torch import nn

from gantut.lipschitz import (
    clip_weights_,
    gradient_norms,
    gradient_penalty,
    power_iteration,
    r1_penalty,
    spectral_norm,
    spectral_norm_bound,
)
from gantut.networks import mlp


def linear_critic(w: torch.Tensor) -> nn.Module:
    lin = nn.Linear(len(w), 1)
    with torch.no_grad():
        lin.weight.copy_(w[None])
    return lin


class FlatLinear(nn.Module):
    """f(x) = <w, flatten(x)> for image-shaped x."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x):
        return x.flatten(1) @ self.w.flatten()


def test_penalty_of_a_linear_critic_is_norm_minus_one_squared():
    w = torch.tensor([3.0, 4.0])
    gp = gradient_penalty(linear_critic(w), torch.randn(64, 2), torch.randn(64, 2))
    assert gp.item() == pytest.approx((5.0 - 1.0) ** 2, rel=1e-5)


def test_one_sided_penalty_ignores_gradients_below_the_center():
    small = linear_critic(torch.tensor([0.3, 0.4]))  # gradient norm 0.5
    assert gradient_penalty(small, torch.randn(8, 2), torch.randn(8, 2), one_sided=True).item() == pytest.approx(0.0, abs=1e-9)
    assert gradient_penalty(small, torch.randn(8, 2), torch.randn(8, 2)).item() == pytest.approx(0.25, rel=1e-4)


def test_norm_runs_over_all_non_batch_dimensions_of_images():
    w = torch.randn(1, 8, 8)
    critic = FlatLinear(w)
    gp = gradient_penalty(critic, torch.randn(16, 1, 8, 8), torch.randn(16, 1, 8, 8))
    assert gp.item() == pytest.approx((w.norm().item() - 1) ** 2, rel=1e-5)


class Recorder(nn.Module):
    """f(x) = sum of squares; remembers the interpolates it saw."""

    def forward(self, x):
        self.seen = x.detach().clone()
        return x.pow(2).flatten(1).sum(1)


def test_interpolation_weight_is_one_uniform_draw_per_sample():
    n = 4000
    real = torch.ones(n, 1, 4, 4)
    fake = torch.zeros(n, 1, 4, 4)
    critic = Recorder()
    gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(0))
    eps = critic.seen  # x_hat = eps * 1 + (1 - eps) * 0 = eps
    per_sample = eps.flatten(1)
    assert torch.all(per_sample == per_sample[:, :1]), "one weight per sample, not per pixel"
    e = per_sample[:, 0]
    assert e.min() >= 0 and e.max() <= 1, "uniform on [0, 1], not normal"
    # U[0,1]: mean 1/2, variance 1/12; a KS-style check on the empirical CDF
    assert e.mean().item() == pytest.approx(0.5, abs=0.02)
    assert e.var().item() == pytest.approx(1 / 12, abs=0.005)
    grid = torch.linspace(0.05, 0.95, 19)
    ecdf = (e[None, :] <= grid[:, None]).float().mean(1)
    assert (ecdf - grid).abs().max() < 0.03


def test_penalty_is_differentiable_in_the_critic_parameters():
    critic = mlp(2, 1, width=16, depth=2)
    gp = gradient_penalty(critic, torch.randn(32, 2), torch.randn(32, 2))
    gp.backward()
    weights = [m.weight for m in critic.modules() if isinstance(m, nn.Linear)]
    assert all(w.grad is not None and w.grad.abs().sum() > 0 for w in weights)


def test_penalty_never_trains_the_generator():
    fake = torch.randn(8, 2, requires_grad=True)
    gradient_penalty(mlp(2, 1, width=8), torch.randn(8, 2), fake).backward()
    assert fake.grad is None


def test_penalty_refuses_mismatched_batches():
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(mlp(2, 1, width=8), torch.randn(8, 2), torch.randn(7, 2))


def test_r1_of_a_linear_critic_is_its_squared_norm():
    assert r1_penalty(linear_critic(torch.tensor([3.0, 4.0])), torch.randn(10, 2)).item() == pytest.approx(25.0, rel=1e-5)


def test_clip_puts_every_weight_in_the_box():
    net = mlp(2, 1, width=32)
    clip_weights_(net, 0.01)
    assert all(p.abs().max() <= 0.01 for p in net.parameters())
    with pytest.raises(ValueError, match="positive"):
        clip_weights_(net, 0.0)


def test_power_iteration_matches_svd():
    w = torch.randn(40, 30, generator=torch.Generator().manual_seed(0))
    sigma = torch.linalg.svdvals(w)[0].item()
    assert power_iteration(w, n_iter=200, generator=torch.Generator().manual_seed(1)) == pytest.approx(sigma, rel=1e-4)


def test_spectral_bound_is_above_every_gradient_norm():
    torch.manual_seed(0)
    net = mlp(2, 1, width=32)
    bound = spectral_norm_bound(net)
    norms = gradient_norms(net, torch.randn(2000, 2) * 3)
    assert norms.shape == (2000,)
    assert norms.max().item() <= bound


def test_spectral_bound_of_one_linear_layer_is_its_top_singular_value():
    lin = nn.Linear(5, 3)
    assert spectral_norm_bound(lin) == pytest.approx(torch.linalg.svdvals(lin.weight)[0].item(), rel=1e-5)


def test_spectral_normalised_critic_is_at_most_about_1_lipschitz():
    torch.manual_seed(0)
    net = mlp(2, 1, width=32, spectral_norm=True)
    for _ in range(20):  # let the power iterations of the parametrisation converge
        net(torch.randn(4, 2))
    net.eval()
    assert spectral_norm_bound(net) == pytest.approx(1.0, rel=0.05)


def test_spectral_bound_refuses_layers_it_cannot_bound():
    with pytest.raises(ValueError, match="BatchNorm1d"):
        spectral_norm_bound(nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)))


def test_gradient_norms_of_a_linear_critic_are_its_weight_norm():
    norms = gradient_norms(linear_critic(torch.tensor([3.0, 4.0])), torch.randn(5, 2))
    assert torch.allclose(norms, torch.full((5,), 5.0))


def test_spectral_norm_wrapper_returns_a_module():
    assert isinstance(spectral_norm(nn.Linear(2, 2)), nn.Linear)


from gantut.lipschitz import layer_gradient_norms  # noqa: E402


def test_layer_gradient_norms_of_a_linear_stack_are_products_of_later_weights():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 5), nn.Linear(5, 1))
    w2, w3 = net[1].weight.detach(), net[2].weight.detach()
    norms = layer_gradient_norms(net, torch.randn(7, 3))
    # df/dz3 = 1, df/dz2 = w3, df/dz1 = W2^T w3 (the same for every sample: the net is linear)
    assert norms == pytest.approx([(w2.T @ w3[0]).norm().item(), w3.norm().item(), 1.0], rel=1e-5)


def test_layer_gradient_norms_do_not_underflow_for_tiny_gradients():
    net = nn.Sequential(*[nn.Linear(4, 4, bias=False) for _ in range(6)], nn.Linear(4, 1, bias=False))
    with torch.no_grad():
        for m in net:
            m.weight.fill_(1e-4)
    norms = layer_gradient_norms(net, torch.randn(3, 4))
    assert norms[-1] == pytest.approx(1.0)
    assert 0 < norms[0] < 1e-20  # (4e-4)^6 * 1e-4 * 2, whose square would underflow float32
