"""Tests of ibcore.models.conv: the MNIST and CIFAR-10 conv nets' shapes, noise and specs."""

from __future__ import annotations

import pytest
import torch

from ibcore.models import (
    MNISTCNN,
    CIFAR10ConvNet,
    build_model,
    set_noise,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_mnist_cnn_shapes():
    torch.manual_seed(0)
    net = MNISTCNN()
    x = torch.rand(4, 1, 28, 28)
    assert net(x).shape == (4, 10)
    shapes = {k: tuple(v.shape[1:]) for k, v in net.forward_layers(x).items()}
    assert shapes == {
        "layer1": (8, 13, 13),
        "layer2": (16, 5, 5),
        "layer3": (32, 1, 1),
        "layer4": (32,),
        "output": (10,),
    }
    assert net.input_shape == (1, 28, 28)
    net.eval()
    assert not torch.equal(net(x), net(x))  # noise sigma = 0.1 stays on in eval (Butakov et al.)
    set_noise(net, enabled=False)
    assert torch.equal(net(x), net(x))  # dropout is off in eval mode


def test_cifar_convnet_shapes(hook_outputs):
    torch.manual_seed(0)
    net = CIFAR10ConvNet()
    x = torch.rand(3, 3, 32, 32)
    assert net(x).shape == (3, 10)
    shapes = {k: tuple(v.shape[1:]) for k, v in net.forward_layers(x).items()}
    assert shapes == {
        "layer1": (8, 16, 16),
        "layer2": (16, 8, 8),
        "layer3": (32, 4, 4),
        "layer4": (32,),
        "output": (10,),
    }
    net.eval()
    assert torch.equal(net(x), net(x))  # deterministic by default
    hooked = hook_outputs(net, x, ["layer2", "output"])
    torch.testing.assert_close(hooked["layer2"], net.forward_layers(x)["layer2"], rtol=0, atol=0)


def test_cnn_specs_round_trip():
    for cls in (MNISTCNN, CIFAR10ConvNet):
        torch.manual_seed(7)
        a = cls(channels=(4, 4, 8), hidden=16, noise_std=0.0)
        torch.manual_seed(7)
        b = build_model(a.spec)
        assert type(b) is cls
        for p, q in zip(a.parameters(), b.parameters(), strict=False):
            assert torch.equal(p, q)
