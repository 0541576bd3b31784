"""gantut.networks: every network the book trains, one module."""

import pytest
import torch
from torch import nn

from gantut import digits
from gantut.activations import ReLU
from gantut.networks import (ConditionalCritic, ConditionalGenerator, image_critic, image_generator, mlp,
                             one_hot)


def no_batchnorm(net: nn.Module) -> bool:
    return not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())


def test_mlp_has_the_toy_shape_and_no_batchnorm():
    net = mlp(2, 1)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 512), (512, 512), (512, 512), (512, 1)]
    assert no_batchnorm(net)


def test_a_wide_mlp_prints_as_the_plain_network_it_computes():
    wide, plain = mlp(2, 1, width=512), mlp(2, 1, width=512, mask_form=False)
    assert any(isinstance(m, ReLU) for m in wide.modules())       # the fast path is there ...
    assert not any(isinstance(m, ReLU) for m in plain.modules())
    assert repr(wide) == repr(plain)                               # ... and does not show
    assert "LeakyReLU(negative_slope=0.2)" in repr(mlp(2, 1, width=512, activation=lambda: nn.LeakyReLU(0.2)))


def test_image_generator_and_critic_shapes_and_no_batchnorm():
    G, C = image_generator(latent_dim=8), image_critic()
    x = G(torch.randn(5, 8))
    assert x.shape == (5, 1, 8, 8) and x.abs().max() <= 1
    assert C(x).shape == (5, 1)
    assert no_batchnorm(C)
    assert any(isinstance(m, nn.LayerNorm) for m in image_critic(layer_norm=True).modules())
    assert image_generator(shape=(1, 28, 28))(torch.randn(2, 32)).shape == (2, 1, 28, 28)
    assert image_critic(shape=(1, 28, 28))(torch.zeros(2, 1, 28, 28)).shape == (2, 1)
    assert G.latent_dim == 8


def test_image_critic_scores_each_image_independently_of_its_batch():
    C = image_critic(layer_norm=True)
    x = digits.split().test_images[:6]
    assert torch.allclose(C(x)[:3], C(x[:3]), atol=1e-6)


def test_one_hot_codes_and_refuses_bad_labels():
    assert one_hot(torch.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="0..9"):
        one_hot(torch.tensor([10]))
    with pytest.raises(ValueError, match="integer"):
        one_hot(torch.tensor([0.5]))


def test_conditional_generator_and_critic_shapes_and_no_batchnorm():
    G = ConditionalGenerator(latent_dim=8, width=16)
    y = torch.tensor([0, 3, 9])
    x = G(torch.randn(3, 8), y)
    assert x.shape == (3, 1, 8, 8) and x.abs().max() <= 1
    for projection in (True, False):
        f = ConditionalCritic(width=16, projection=projection)
        assert f(x, y).shape == (3, 1)
        assert no_batchnorm(f)
    mnist_like = ConditionalGenerator(8, 16, shape=(1, 28, 28))
    assert mnist_like(torch.randn(2, 8), y[:2]).shape == (2, 1, 28, 28)


def test_the_label_changes_the_generated_image_and_the_critic_score():
    torch.manual_seed(0)
    G, f = ConditionalGenerator(latent_dim=8, width=16), ConditionalCritic(width=16)
    nn.init.normal_(f.embed.weight)  # a trained projection critic has non-zero class vectors
    z = torch.randn(1, 8)
    a, b = G(z, torch.tensor([1])), G(z, torch.tensor([7]))
    assert not torch.allclose(a, b)
    assert not torch.allclose(f(a, torch.tensor([1])), f(a, torch.tensor([7])))


def test_conditional_critic_scores_each_image_independently_of_its_batch():
    f = ConditionalCritic(width=16)
    x, y = digits.split().test_images[:6], digits.split().test_labels[:6]
    assert torch.allclose(f(x, y)[:3], f(x[:3], y[:3]), atol=1e-6)
