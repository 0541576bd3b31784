import copy
import math

import pytest
import torch
from torch import nn

from gantut.data import toy
from gantut.networks import mlp
from gantut.train import (DivergedError, History, adam, critic_scores, critic_step, generator_step,
                          toy_evaluator, train_critic, train_gan, train_step)

TOY = toy("8gaussians")


def small_pair(seed=0, width=16):
    torch.manual_seed(seed)
    return mlp(2, 2, width=width, depth=2), mlp(2, 1, width=width, depth=2)


def sampler(seed=0):
    g = torch.Generator().manual_seed(seed)
    return lambda n: TOY.sample(n, generator=g)


def test_history_has_one_entry_per_generator_iteration_and_evaluations():
    G, C = small_pair()
    h = train_gan(G, C, sampler(), iterations=6, n_critic=2, batch_size=16,
                  evaluate=toy_evaluator(TOY, n=50), eval_every=3)
    assert h.iteration == [1, 2, 3, 4, 5, 6]
    assert len(h.critic_loss) == len(h.penalty) == len(h.estimate) == 6
    assert h.eval_iteration == [3, 6]
    assert set(h.evals) == {"w1", "modes", "high_quality", "spread", "weight_tv", "under_dispersed"}


@pytest.mark.parametrize("objective", ["minimax", "nonsaturating", "wgan", "hinge", "lsgan"])
@pytest.mark.parametrize("constraint", [dict(penalty=None), dict(penalty="gp"), dict(penalty="lp"),
                                        dict(penalty=None, clip=0.01), dict(penalty="r1")])
def test_every_objective_and_constraint_runs(objective, constraint):
    G, C = small_pair()
    h = train_gan(G, C, sampler(), objective=objective, **constraint, iterations=2, n_critic=1, batch_size=8)
    assert all(math.isfinite(v) for v in h.critic_loss)


def test_clipping_leaves_the_critic_in_the_box():
    G, C = small_pair()
    train_gan(G, C, sampler(), penalty=None, clip=0.02, iterations=3, batch_size=8)
    assert max(p.abs().max().item() for p in C.parameters()) <= 0.02


def test_same_seed_same_run():
    runs = []
    for _ in range(2):
        G, C = small_pair(seed=1)
        runs.append(train_gan(G, C, sampler(2), iterations=3, batch_size=8, seed=5).critic_loss)
    assert runs[0] == runs[1]


def test_critic_learns_to_separate_real_from_fake():
    G, C = small_pair(width=32)
    h = train_gan(G, C, sampler(), iterations=30, n_critic=5, batch_size=64, lr=1e-3)
    assert sum(h.estimate[-5:]) / 5 > 0.1  # E f(real) - E f(fake) grows positive


class NaNCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        return self.lin(x) * float("nan")


def test_divergence_raises_a_clear_error_and_keeps_the_history(tmp_path):
    G, _ = small_pair()
    with pytest.raises(DivergedError, match="diverged at generator iteration 0.*smaller learning rate") as err:
        train_gan(G, NaNCritic(), sampler(), penalty=None, iterations=3, batch_size=8)
    assert isinstance(err.value.history, History)


def test_checkpoint_resume_continues_where_it_stopped(tmp_path):
    path = str(tmp_path / "run.pt")
    G, C = small_pair()
    train_gan(G, C, sampler(), iterations=4, batch_size=8, checkpoint=path, checkpoint_every=2)
    G2, C2 = small_pair(seed=9)
    h = train_gan(G2, C2, sampler(), iterations=6, batch_size=8, checkpoint=path, resume=True)
    assert h.iteration == [1, 2, 3, 4, 5, 6]
    state = torch.load(path, weights_only=True)
    assert state["iteration"] == 6


def test_unknown_names_are_refused():
    G, C = small_pair()
    with pytest.raises(ValueError, match="unknown penalty 'sn'; choose one of gp, lp, r1"):
        train_gan(G, C, sampler(), penalty="sn")
    with pytest.raises(ValueError, match="choose one of"):
        train_gan(G, C, sampler(), objective="wasserstein")


def test_toy_evaluator_reports_mode_statistics_and_compares_with_the_floors_real_set():
    from gantut.floors import evaluation_set, w1_floor

    class Real(torch.nn.Module):  # a "generator" that returns fresh real points
        def __init__(self):
            super().__init__()
            self.p = torch.nn.Parameter(torch.zeros(1))

        def forward(self, z):
            return TOY.sample(len(z), generator=torch.Generator().manual_seed(99))

    out = toy_evaluator(TOY, n=500)(Real())
    assert set(out) == {"w1", "modes", "high_quality", "spread", "weight_tv", "under_dispersed"}
    assert out["modes"] == 8 and out["under_dispersed"] == 0.0 and 0.85 < out["spread"] < 1.15
    floor = w1_floor(TOY, n=500)
    assert floor.quantile(0.0) * 0.5 < out["w1"] < floor.quantile(1.0) * 1.5   # a real set scores the floor
    assert torch.equal(evaluation_set(TOY, 500), TOY.sample(500, generator=torch.Generator().manual_seed(1234)))


def test_lr_decay_goes_linearly_to_zero_and_is_off_by_default():

    def spy(n, g=torch.Generator().manual_seed(0)):
        return TOY.sample(n, generator=g)

    G, C = small_pair()
    opt_lrs = []
    orig = torch.optim.Adam.step

    def step(self, *a, **k):
        opt_lrs.append(self.param_groups[0]["lr"])
        return orig(self, *a, **k)

    torch.optim.Adam.step = step
    try:
        train_gan(G, C, spy, iterations=4, n_critic=1, batch_size=8, lr=1e-3, lr_decay=True)
        decayed = opt_lrs[:]
        opt_lrs.clear()
        train_gan(G, C, spy, iterations=4, n_critic=1, batch_size=8, lr=1e-3)
    finally:
        torch.optim.Adam.step = orig
    # one critic and one generator step per iteration: lr * (1 - it / iterations), it = 0..3
    assert decayed == pytest.approx([1e-3, 1e-3, 7.5e-4, 7.5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4])
    assert opt_lrs == pytest.approx([1e-3] * 8)


def test_fused_adam_takes_the_same_steps_as_plain_adam():
    torch.manual_seed(0)
    a = mlp(2, 1, width=8, depth=2)
    b = mlp(2, 1, width=8, depth=2)
    b.load_state_dict(a.state_dict())
    opt_a, opt_b = adam(a.parameters(), 1e-2, (0.5, 0.9)), torch.optim.Adam(b.parameters(), lr=1e-2, betas=(0.5, 0.9))
    for _ in range(5):
        x = torch.randn(16, 2)
        for net, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad()
            net(x).pow(2).mean().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.allclose(p, q, rtol=1e-5, atol=1e-6)


def test_generator_step_leaves_the_critic_trainable_and_keeps_frozen_layers_frozen():
    G, C = small_pair()
    first = C[0].weight
    first.requires_grad_(False)  # a layer the user froze on purpose
    before = first.detach().clone()
    train_gan(G, C, sampler(), iterations=2, n_critic=1, batch_size=8)
    assert not first.requires_grad and torch.equal(first, before)
    assert all(p.requires_grad for name, p in C.named_parameters() if name != "0.weight")


def test_resume_gives_the_same_trajectory_as_an_uninterrupted_run(tmp_path):
    # data drawn from torch's global generator, whose state the checkpoint carries
    def sample(n):
        return TOY.sample(n)

    G, C = small_pair(seed=3)
    whole = train_gan(G, C, sample, iterations=6, batch_size=16, seed=11)

    path = str(tmp_path / "half.pt")
    G, C = small_pair(seed=3)
    train_gan(G, C, sample, iterations=3, batch_size=16, seed=11, checkpoint=path)
    G2, C2 = small_pair(seed=99)  # fresh weights: everything must come from the checkpoint
    resumed = train_gan(G2, C2, sample, iterations=6, batch_size=16, checkpoint=path, resume=True)
    assert resumed.critic_loss == whole.critic_loss
    assert resumed.generator_loss == whole.generator_loss


def test_critic_scores_in_one_call_match_two_calls_to_rounding():
    torch.manual_seed(0)
    critic, real, fake = mlp(2, 1, width=64), torch.randn(32, 2), torch.randn(32, 2)
    r, f = critic_scores(critic, real, fake)
    assert r.shape == f.shape == (32, 1)
    assert torch.allclose(r, critic(real), atol=1e-6) and torch.allclose(f, critic(fake), atol=1e-6)
    # an unequal number of fakes is fine, and each part keeps its rows
    r, f = critic_scores(critic, real, fake[:5])
    assert f.shape == (5, 1) and torch.allclose(f, critic(fake[:5]), atol=1e-6)


@pytest.mark.parametrize("kind", ["batchnorm", "spectral_norm"])
def test_critic_scores_calls_a_batch_coupled_critic_twice(kind):
    # BatchNorm normalises with the statistics of the call, and spectral norm takes a power-iteration
    # step per call: for them one call on both batches is a different function, so the paper's two
    # calls must be kept, bit for bit
    torch.manual_seed(0)
    if kind == "batchnorm":
        critic = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))
    else:
        critic = mlp(2, 1, width=16, spectral_norm=True)
    twin, stacked = copy.deepcopy(critic), copy.deepcopy(critic)
    real, fake = torch.randn(32, 2), torch.randn(32, 2) + 3
    r, f = critic_scores(critic, real, fake)
    assert torch.equal(r, twin(real)) and torch.equal(f, twin(fake))
    # and one call on the stacked batch differs, so the test can tell the two apart
    both = stacked(torch.cat([real, fake]))
    assert not torch.equal(both[32:], f)


def test_train_gan_with_one_critic_call_trains_as_with_two(monkeypatch):
    import gantut.train as train_module

    def run():
        G, C = small_pair(width=16)
        h = train_gan(G, C, sampler(), iterations=3, n_critic=2, batch_size=16, seed=1)
        return h, torch.cat([p.detach().flatten() for p in C.parameters()])

    calls = []
    one_call = train_module.critic_scores
    monkeypatch.setattr(train_module, "critic_scores", lambda *a: calls.append(1) or one_call(*a))
    h1, c1 = run()
    assert len(calls) == 3 * 2  # every critic step scores through critic_scores
    monkeypatch.setattr(train_module, "critic_scores", lambda critic, real, fake, labels: (critic(real), critic(fake)))
    h2, c2 = run()
    assert torch.allclose(c1, c2, atol=1e-5)
    assert h1.critic_loss == pytest.approx(h2.critic_loss, abs=1e-5)


# --- the two steps ----------------------------------------------------------------------------
def linear_critic(w=(3.0, 4.0)):
    critic = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([w]))
    return critic


def frozen_sgd(module):
    return torch.optim.SGD(module.parameters(), lr=0.0)


@pytest.mark.parametrize("penalty, expected", [("gp", 16.0), ("lp", 16.0), ("r1", 25.0), (None, 0.0)])
def test_critic_step_penalties_of_a_linear_critic(penalty, expected):
    # |grad f| = |w| = 5 everywhere: two- and one-sided GP (5 - 1)^2 = 16, R1 |grad f|^2 = 25
    critic = linear_critic()
    step = critic_step(critic, frozen_sgd(critic), torch.ones(4, 2), torch.zeros(4, 2), penalty=penalty)
    assert step.penalty.item() == pytest.approx(expected)
    assert step.estimate.item() == pytest.approx(7.0)  # w . (1, 1) - w . (0, 0)
    assert step.loss.item() == pytest.approx(-7.0 + 10.0 * expected)


def test_critic_step_takes_a_penalty_function_and_an_objective_function():
    critic = linear_critic()
    step = critic_step(critic, frozen_sgd(critic), torch.ones(4, 2), torch.zeros(4, 2),
                       objective=lambda real, fake: real.mean() - fake.mean(),  # the wrong sign
                       penalty=lambda f, real, fake: torch.tensor(2.0), penalty_weight=0.5)
    assert step.loss.item() == pytest.approx(7.0 + 1.0)


def test_critic_step_moves_the_critic_to_separate_real_from_fake_and_clips_after():
    critic = linear_critic((0.0, 0.0))
    opt = torch.optim.SGD(critic.parameters(), lr=1.0)
    critic_step(critic, opt, torch.ones(4, 2), torch.zeros(4, 2), penalty=None)
    assert critic.weight.tolist() == [[1.0, 1.0]]  # minus the gradient of -(w . 1) is +1 per weight
    critic_step(critic, opt, torch.ones(4, 2), torch.zeros(4, 2), penalty=None, clip=0.5)
    assert critic.weight.tolist() == [[0.5, 0.5]]  # stepped to 2, then clipped


def test_generator_step_moves_the_generator_and_leaves_the_critic_alone():
    G, critic = nn.Linear(2, 2), linear_critic()
    before = critic.weight.detach().clone()
    bias = G.bias.detach().clone()
    generator_step(G, critic, torch.optim.SGD(G.parameters(), lr=0.1), torch.zeros(3, 2))
    # WGAN: minimise -w . (Wz + b); the bias moves along +lr * w
    assert torch.allclose(G.bias - bias, 0.1 * torch.tensor([3.0, 4.0]))
    assert torch.equal(critic.weight, before) and critic.weight.requires_grad and critic.weight.grad is None


def test_unknown_objective_and_penalty_names_are_refused_by_the_steps():
    critic = linear_critic()
    with pytest.raises(ValueError, match="unknown objective"):
        critic_step(critic, frozen_sgd(critic), torch.ones(2, 2), torch.zeros(2, 2), objective="wasserstein")
    with pytest.raises(ValueError, match="weight clipping is clip=c"):
        critic_step(critic, frozen_sgd(critic), torch.ones(2, 2), torch.zeros(2, 2), penalty="clip")


def test_evaluate_sees_the_iteration():
    G, C = small_pair()
    seen = []
    train_gan(G, C, sampler(), iterations=4, n_critic=1, batch_size=8,
              evaluate=lambda g, it: seen.append(it) or {}, eval_every=2)
    assert seen == [2, 4]


def test_evaluate_at_start_sees_the_untrained_generator_and_leaves_the_run_unchanged():
    G, C = small_pair()
    G0 = copy.deepcopy(G)
    seen = []
    h = train_gan(G, C, sampler(), iterations=4, n_critic=1, batch_size=8, seed=3, eval_at_start=True,
                  evaluate=lambda g, it: seen.append(it) or {"out": g(torch.ones(1, 2)).sum().item()},
                  eval_every=2)
    assert seen == [0, 2, 4] and h.eval_iteration == [0, 2, 4]
    assert h.evals["out"][0] == G0(torch.ones(1, 2)).sum().item()   # before any step
    G2, C2 = small_pair()
    h2 = train_gan(G2, C2, sampler(), iterations=4, n_critic=1, batch_size=8, seed=3,
                   evaluate=lambda g, it: {}, eval_every=2)
    assert h.critic_loss == h2.critic_loss   # the extra evaluation draws no random numbers


def test_train_step_is_one_iteration_of_train_gan():
    G, C = small_pair()
    G2, C2 = copy.deepcopy(G), copy.deepcopy(C)
    h = train_gan(G, C, sampler(), iterations=3, n_critic=2, batch_size=16, seed=5)
    torch.manual_seed(5)
    opt_g, opt_c, sample = adam(G2.parameters()), adam(C2.parameters()), sampler()
    losses = [train_step(G2, C2, opt_g, opt_c, sample, n_critic=2, batch_size=16)[0].loss.item()
              for _ in range(3)]
    assert losses == h.critic_loss
    assert all(torch.equal(a, b) for a, b in zip(G.parameters(), G2.parameters()))


def test_train_gan_runs_the_two_steps_and_nothing_else(monkeypatch):
    import gantut.train as train_module

    calls = []
    for name in ("critic_step", "generator_step"):
        original = getattr(train_module, name)
        monkeypatch.setattr(train_module, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k))
    G, C = small_pair()
    train_gan(G, C, sampler(), iterations=2, n_critic=3, batch_size=8)
    assert calls == (["critic_step"] * 3 + ["generator_step"]) * 2


# --- the critic alone -------------------------------------------------------------------------
def test_linear_critic_with_gp_settles_at_norm_one_plus_shift_over_two_lambda():
    # real = delta at (1, 0), fake = delta at (-1, 0): a linear critic f(x) = <w, x> + b maximises
    # <w, mu_r - mu_g> - lam (|w| - 1)^2, so w points along the shift with |w| = 1 + |shift| / (2 lam)
    critic = nn.Linear(2, 1)
    real = lambda n: torch.tensor([[1.0, 0.0]]).repeat(n, 1)  # noqa: E731
    fake = lambda n: torch.tensor([[-1.0, 0.0]]).repeat(n, 1)  # noqa: E731
    out = train_critic(critic, real, fake, penalty="gp", penalty_weight=10.0, steps=600,
                       batch_size=8, lr=1e-2, seed=0)
    w = critic.weight.detach()[0]
    assert w.norm().item() == pytest.approx(1.0 + 2.0 / 20.0, abs=5e-3)
    assert w[0].item() > 0.99 * w.norm().item()
    assert len(out.estimate) == len(out.penalty) == len(out.critic_loss) == 600
    assert out.generator_loss == []  # no generator, no generator loss
    assert out.estimate[-1] == pytest.approx(2.0 * w.norm().item(), rel=1e-2)


def test_train_critic_with_clipping_keeps_weights_in_the_box():
    critic = mlp(2, 1, width=16, depth=2)
    train_critic(critic, lambda n: torch.randn(n, 2) + 2, lambda n: torch.randn(n, 2),
                 penalty=None, clip=0.02, steps=5, batch_size=16, seed=0)
    assert all(p.abs().max() <= 0.02 for p in critic.parameters())


def test_train_critic_refuses_an_unknown_penalty_and_stops_on_nan():
    with pytest.raises(ValueError, match="unknown penalty"):
        train_critic(mlp(2, 1, width=8), torch.randn, torch.randn, penalty="sn", steps=1)
    with pytest.raises(DivergedError, match="Lower lr"):
        train_critic(NaNCritic(), lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2), penalty=None, steps=2)


def test_the_toy_sampler_is_a_seeded_pooled_stream_of_fresh_points():
    a, b = TOY.sampler(seed=4, pool=16), TOY.sampler(seed=4, pool=16)
    first = [a(5) for _ in range(4)]
    assert all(torch.equal(x, b(5)) for x in first)               # same seed, same stream
    pool = TOY.sample(16, generator=torch.Generator().manual_seed(4))
    assert torch.equal(torch.cat(first[:3]), pool[:15])           # served in order from the pool
    assert not torch.equal(first[3], pool[:5])                    # the next pool is a fresh draw
    unpooled = TOY.sampler(seed=4, pool=None)
    assert torch.equal(unpooled(5), TOY.sample(5, generator=torch.Generator().manual_seed(4)))
    with pytest.raises(ValueError, match="larger than the pool"):
        a(17)
