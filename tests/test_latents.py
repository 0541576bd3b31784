"""gantut.latents: the isoperimetric bound, Jacobians, latent samplers, rejection and refinement."""

import math

import pytest
import torch
from scipy.stats import norm
from torch import nn

from gantut import latents
from gantut.networks import mlp
from gantut.train import toy_evaluator, train_gan
from gantut.data import toy


def _clipped_linear_share(distance: float, lipschitz: float, n: int = 400_000) -> float:
    """Share of G(z) = clip(L z, -1, 1) (z ~ N(0, 1)) on the two sets |x| >= D/2 (D apart)."""
    z = torch.randn(n, generator=torch.Generator().manual_seed(0))
    x = torch.clamp(lipschitz * z, -1.0, 1.0)
    return float((x.abs() >= distance / 2).double().mean())


@pytest.mark.parametrize("distance,lipschitz", [(1.0, 1.0), (0.5, 2.0), (1.5, 3.0)])
def test_two_mode_bound_is_reached_by_a_clipped_linear_generator(distance, lipschitz):
    bound = latents.isoperimetric_share_bound(2, distance, lipschitz)
    share = _clipped_linear_share(distance, lipschitz)
    assert bound == pytest.approx(2 * norm.cdf(-distance / (2 * lipschitz)))
    assert share == pytest.approx(bound, abs=4 * math.sqrt(bound * (1 - bound) / 400_000))
    # teeth: the bound with D/L in place of D/(2L) is beaten by this generator
    wrong = 2 * norm.cdf(-distance / lipschitz)
    assert share > wrong + 0.02


def test_bound_grows_with_the_slope_and_shrinks_with_the_gap():
    b = latents.isoperimetric_share_bound
    assert b(8, 1.0, 10.0) < b(8, 1.0, 100.0) < 1.0
    assert b(8, 2.0, 10.0) < b(8, 1.0, 10.0)
    assert b(8, 0.0, 1.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="lipschitz > 0"):
        b(8, 1.0, 0.0)


def test_lipschitz_needed_inverts_the_bound():
    for m, d, share in [(2, 1.0, 0.5), (8, 0.997, 0.977), (25, 0.601, 0.942)]:
        L = latents.lipschitz_needed(m, d, share)
        assert latents.isoperimetric_share_bound(m, d, L) == pytest.approx(share, rel=1e-9)


def test_jacobians_match_finite_differences():
    torch.manual_seed(0)
    G = mlp(3, 2, width=16, depth=2, activation=nn.Tanh)
    z = torch.randn(5, 3)
    J = latents.jacobians(G, z, chunk=2)
    eps = 1e-3
    for j in range(3):
        dz = torch.zeros(3)
        dz[j] = eps
        fd = (G(z + dz) - G(z - dz)).detach() / (2 * eps)
        assert torch.allclose(J[:, :, j], fd, atol=1e-3)
    norms = latents.jacobian_norms(G, z)
    assert torch.allclose(norms, J.flatten(1).norm(dim=1))
    assert torch.all(latents.jacobian_norms(G, z, ord=2) <= norms + 1e-6)
    with pytest.raises(ValueError, match="ord"):
        latents.jacobian_norms(G, z, ord=1)


def test_mixture_latent_is_balanced_and_separated():
    sample = latents.mixture_latent(latents.one_hot_centers(4, 8.0), std=1.0)
    z = sample(40_000, generator=torch.Generator().manual_seed(1))
    counts = torch.bincount(sample.component(z), minlength=4).double() / len(z)
    assert torch.allclose(counts, torch.full((4,), 0.25, dtype=torch.float64), atol=0.01)
    assert z.shape == (40_000, 4)
    with pytest.raises(ValueError, match="std"):
        latents.mixture_latent(torch.zeros(2, 2), std=0.0)


def test_density_ratio_rejection_turns_one_gaussian_into_another():
    g = torch.Generator().manual_seed(2)
    x = 2.0 * torch.randn(200_000, generator=g)           # p_g = N(0, 4), p_r = N(0, 1)
    logit = torch.tensor(norm.logpdf(x.numpy(), 0, 1) - norm.logpdf(x.numpy(), 0, 2))
    kept = x[latents.density_ratio_accept(logit, cap=float(logit.max()), generator=g)]
    assert kept.std().item() == pytest.approx(1.0, abs=0.02)
    assert len(kept) / len(x) == pytest.approx(0.5, abs=0.02)   # 1 / max ratio = 1/2


def test_refine_moves_samples_towards_the_real_side_of_a_linear_critic():
    f = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        f.weight.fill_(1.0)
    x = torch.zeros(4, 1)
    # k = 1: pull and hold balance (slope 1 each); k = 0.5: the critic wins and moves samples
    moved = latents.refine(f, x, steps=50, lr=0.05, k=0.5)
    assert torch.all(moved > 1.0)


def test_train_gan_with_the_gaussian_latent_sampler_equals_the_default():
    data = toy("8gaussians")

    def run(**kw):
        torch.manual_seed(0)
        G, f = mlp(2, 2, width=16, depth=2), mlp(2, 1, width=16, depth=2)
        train_gan(G, f, data.sampler(0), iterations=3, batch_size=32, seed=0, **kw)
        return torch.cat([p.flatten() for p in G.parameters()])

    assert torch.equal(run(), run(latent=latents.gaussian_latent(2)))


def test_train_gan_and_the_evaluator_take_a_mixture_latent():
    data = toy("8gaussians")
    sample = latents.mixture_latent(latents.one_hot_centers(8, 6.0))
    torch.manual_seed(0)
    G, f = mlp(8, 2, width=16, depth=2), mlp(2, 1, width=16, depth=2)
    h = train_gan(G, f, data.sampler(0), iterations=2, batch_size=32, latent=sample,
                  evaluate=toy_evaluator(data, n=100, latent=sample), eval_every=1)
    assert len(h.evals["w1"]) == 2 and 0 <= h.evals["modes"][-1] <= 8   # untrained: modes may be 0
