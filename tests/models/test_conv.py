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


def test_goldfeld_mnist_cnn_layers_and_spec():
    from ibcore.analysis.propagation import hidden_layer_index, layer_maps
    from ibcore.models.conv import GoldfeldMNISTCNN
    from ibcore.models.registry import build_model, normalize_spec

    torch.manual_seed(0)
    net = build_model({"kind": "goldfeld_mnist_cnn", "noise_std": 0.0})
    assert isinstance(net, GoldfeldMNISTCNN)
    out = net.forward_layers(torch.randn(4, 1, 28, 28))
    # 28 -> conv3 26 -> pool 13 -> conv3 11 -> pool 5; dense 1583 and 128 (Geiger Sec. III-A), 10 classes
    shapes = {k: tuple(v.shape[1:]) for k, v in out.items()}
    assert shapes == {
        "layer1": (8, 13, 13),
        "layer2": (16, 5, 5),
        "layer3": (1583,),
        "layer4": (128,),
        "output": (10,),
    }
    assert net.layer3.linear.in_features == 400 and net.spec == normalize_spec(net.spec)
    assert net.spec["activation"] == "tanh" and isinstance(net.layer4.act, torch.nn.Tanh)
    # five noise modules: one on each layer's input, the image's included
    assert sum(type(m).__name__ == "GaussianNoise" for m in net.modules()) == 5
    five = GoldfeldMNISTCNN(kernel=5, channels=(4, 6), dense=(20, 7), noise_std=0.0)
    assert tuple(five.forward_layers(torch.randn(2, 1, 28, 28))["layer2"].shape[1:]) == (6, 4, 4)
    # sample propagation reads it as a ConvNet: the image's noise first, then the blocks
    maps = layer_maps(net)
    assert len(maps) == 5 and hidden_layer_index(net, "layer3") == 3
    x = torch.randn(3, 784)
    h = x
    for m in maps[1:4]:
        h = m(h)
    net.eval()
    torch.testing.assert_close(h, net.forward_layers(x.reshape(3, 1, 28, 28))["layer3"])
    with pytest.raises(ValueError, match="2 conv layers"):
        GoldfeldMNISTCNN(channels=(1, 2, 3))
    with pytest.raises(ValueError, match="2 dense layers"):
        GoldfeldMNISTCNN(dense=(5,))


def test_existing_conv_specs_unchanged():
    """Chapters 3 and 4 hash these specs into their run-cache keys."""
    from ibcore.models.registry import normalize_spec

    assert normalize_spec({"kind": "mnist_cnn"}) == {
        "kind": "mnist_cnn",
        "channels": [8, 16, 32],
        "hidden": 32,
        "n_classes": 10,
        "activation": "leaky_relu",
        "output_activation": None,
        "noise_std": 0.1,
        "dropout": 0.1,
        "noise_in_eval": True,
    }
