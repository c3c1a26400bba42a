"""Tests of ibcore.models.mlp: MLP layer structure, shapes, activations, noise and errors."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ibcore.models import (
    ACTIVATIONS,
    MLP,
    MNISTCNN,
    GaussianNoise,
    build_model,
    mlp,
    normalize_spec,
    set_noise,
)

pytestmark = pytest.mark.usefixtures("one_thread")


SZT = [12, 10, 7, 5, 4, 3, 2]


def test_mlp_layers_shapes_and_names():
    torch.manual_seed(0)
    net = mlp(SZT)
    out = net.forward_layers(torch.rand(7, 12))
    assert list(out) == ["layer1", "layer2", "layer3", "layer4", "layer5", "output"]
    assert [v.shape[1] for v in out.values()] == SZT[1:]
    assert net.layer_names == tuple(out)
    # tanh hidden layers lie in (-1, 1); the output is logits by default
    assert all(bool((out[f"layer{i}"].abs() < 1).all()) for i in range(1, 6))


def test_mlp_forward_equals_forward_layers_and_hooks(hook_outputs):
    torch.manual_seed(1)
    net = mlp([4, 6, 3], activation="relu", output_activation="softmax")
    x = torch.randn(9, 4)
    layers = net.forward_layers(x)
    torch.testing.assert_close(net(x), layers["output"], rtol=0, atol=0)
    hooked = hook_outputs(net, x, list(net.layer_names))
    for name in net.layer_names:
        torch.testing.assert_close(hooked[name], layers[name], rtol=0, atol=0)
    # forward gives softmax(logits); the loss takes the logits
    torch.testing.assert_close(net(x), torch.softmax(net.logits(x), -1))
    torch.testing.assert_close(layers["output"].sum(-1), torch.ones(9))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_activations(activation):
    torch.manual_seed(2)
    net = mlp([3, 5, 2], activation=activation)
    x = torch.randn(11, 3)
    lin = net.layer1.linear(x)
    expected = {
        "tanh": torch.tanh,
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "elu": nn.functional.elu,
        "linear": lambda t: t,
        "leaky_relu": nn.functional.leaky_relu,
    }[activation](lin)
    torch.testing.assert_close(net.forward_layers(x)["layer1"], expected, rtol=0, atol=0)


def test_mlp_init_reproducible_and_spec_round_trip():
    torch.manual_seed(5)
    a = mlp(SZT)
    torch.manual_seed(5)
    b = build_model({"kind": "mlp", "widths": SZT})
    torch.manual_seed(5)
    c = build_model(a.spec)
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters(), strict=False):
        assert torch.equal(p, q) and torch.equal(p, r)
    json.dumps(a.spec)  # JSON-serializable
    assert normalize_spec({"kind": "mlp", "widths": SZT}) == a.spec


def test_mlp_noise_on_in_eval_and_off():
    torch.manual_seed(3)
    net = mlp([4, 200, 2], activation="linear", noise_std=0.5).eval().requires_grad_(False)
    x = torch.randn(2000, 4)
    clean = net.layer1.linear(x)
    noisy1, noisy2 = net.forward_layers(x)["layer1"], net.forward_layers(x)["layer1"]
    assert not torch.equal(noisy1, noisy2)  # eval mode: still stochastic (Goldfeld et al.)
    # 400k draws of N(0, 0.25): the sample std has relative s.e. ~ 1/sqrt(2 * 4e5) ~ 0.1 %; 2 % is ample
    assert float((noisy1 - clean).std()) == pytest.approx(0.5, rel=0.02)
    assert float((noisy1 - clean).mean()) == pytest.approx(0.0, abs=0.01)
    # the output layer gets no noise in an MLP
    assert not any(isinstance(m, GaussianNoise) for m in net.output.modules())
    assert set_noise(net, enabled=False) == 1
    assert torch.equal(net.forward_layers(x)["layer1"], clean)
    set_noise(net, enabled=True, in_eval=False)
    assert torch.equal(net.forward_layers(x)["layer1"], clean)  # eval, noise only while training
    net.train()
    assert not torch.equal(net.forward_layers(x)["layer1"], clean)


def test_mlp_noise_in_eval_false_and_zero_noise():
    torch.manual_seed(4)
    x = torch.randn(50, 4)
    quiet = mlp([4, 8, 2], noise_std=0.3, noise_in_eval=False).eval()
    assert torch.equal(quiet(x), quiet(x))
    plain = mlp([4, 8, 2])
    assert torch.equal(plain(x), plain(x))


def test_mlp_bad_arguments():
    with pytest.raises(ValueError, match="unknown activation='swish'"):
        mlp([3, 2], activation="swish")
    with pytest.raises(ValueError, match="unknown output_activation"):
        mlp([3, 2], output_activation="argmax")
    with pytest.raises(ValueError, match="at least the input and the output"):
        mlp([3])
    with pytest.raises(ValueError, match="widths"):
        mlp([3, 0, 2])
    with pytest.raises(ValueError, match="noise_std"):
        MLP([3, 2], noise_std=-0.1)
    with pytest.raises(ValueError, match="dropout must be in"):
        MNISTCNN(dropout=1.0)
    with pytest.raises(ValueError, match="channels"):
        MNISTCNN(channels=(8, 16))
