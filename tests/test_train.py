import copy
import math

import pytest
import torch
from torch import nn

from gantut.data import toy
from gantut.train import DivergedError, History, mlp, real_w1_floor, toy_evaluator, train_gan

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
    assert len(h.critic_loss) == len(h.penalty) == len(h.critic_gap) == 6
    assert h.eval_iteration == [3, 6]
    assert set(h.evals) == {"w1", "modes", "high_quality"}


@pytest.mark.parametrize("objective", ["minimax", "nonsaturating", "wgan", "hinge", "lsgan"])
@pytest.mark.parametrize("constraint", ["none", "gp", "lp", "clip", "r1"])
def test_every_objective_and_constraint_runs(objective, constraint):
    G, C = small_pair()
    h = train_gan(G, C, sampler(), objective=objective, constraint=constraint,
                  iterations=2, n_critic=1, batch_size=8)
    assert all(math.isfinite(v) for v in h.critic_loss)


def test_clipping_leaves_the_critic_in_the_box():
    G, C = small_pair()
    train_gan(G, C, sampler(), constraint="clip", clip_value=0.02, iterations=3, batch_size=8)
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
    assert sum(h.critic_gap[-5:]) / 5 > 0.1  # E f(real) - E f(fake) grows positive


class NaNCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        return self.lin(x) * float("nan")


def test_divergence_raises_a_clear_error_and_keeps_the_history(tmp_path):
    G, _ = small_pair()
    with pytest.raises(DivergedError, match="diverged at generator iteration 0.*smaller learning rate") as err:
        train_gan(G, NaNCritic(), sampler(), constraint="none", iterations=3, batch_size=8)
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
    with pytest.raises(ValueError, match="gp, lp, clip, r1"):
        train_gan(G, C, sampler(), constraint="sn")
    with pytest.raises(ValueError, match="choose one of"):
        train_gan(G, C, sampler(), objective="wasserstein")


def test_mlp_has_no_batchnorm_and_the_toy_shape():
    net = mlp(2, 1)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 512), (512, 512), (512, 512), (512, 1)]
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())


def test_real_w1_floor_is_small_for_8gaussians():
    floor = real_w1_floor(TOY, n=500)
    assert 0.01 < floor < 0.2


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
    from gantut.train import _adam

    torch.manual_seed(0)
    a = mlp(2, 1, width=8, depth=2)
    b = mlp(2, 1, width=8, depth=2)
    b.load_state_dict(a.state_dict())
    opt_a, opt_b = _adam(a.parameters(), 1e-2, (0.5, 0.9)), torch.optim.Adam(b.parameters(), lr=1e-2, betas=(0.5, 0.9))
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
    from gantut.train import critic_scores

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
    from gantut.train import critic_scores

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
    monkeypatch.setattr(train_module, "critic_scores", lambda critic, real, fake: (critic(real), critic(fake)))
    h2, c2 = run()
    assert torch.allclose(c1, c2, atol=1e-5)
    assert h1.critic_loss == pytest.approx(h2.critic_loss, abs=1e-5)
