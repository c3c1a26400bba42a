"""Tests for ibcore.models: layer structure, shapes, noise, specs and errors."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ibcore.models import (
    ACTIVATIONS,
    MLP,
    MNISTCNN,
    CIFAR10ConvNet,
    GaussianNoise,
    build_model,
    mlp,
    normalize_spec,
    set_noise,
)

SZT = [12, 10, 7, 5, 4, 3, 2]


pytestmark = pytest.mark.usefixtures("one_thread")


def _hooked(model: nn.Module, x: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
    seen: dict[str, torch.Tensor] = {}
    handles = [
        model.get_submodule(n).register_forward_hook(lambda m, i, o, n=n: seen.__setitem__(n, o))
        for n in names
    ]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return seen


def test_mlp_layers_shapes_and_names():
    torch.manual_seed(0)
    net = mlp(SZT)
    out = net.forward_layers(torch.rand(7, 12))
    assert list(out) == ["layer1", "layer2", "layer3", "layer4", "layer5", "output"]
    assert [v.shape[1] for v in out.values()] == SZT[1:]
    assert net.layer_names == tuple(out)
    # tanh hidden layers lie in (-1, 1); the output is logits by default
    assert all(bool((out[f"layer{i}"].abs() < 1).all()) for i in range(1, 6))


def test_mlp_forward_equals_forward_layers_and_hooks():
    torch.manual_seed(1)
    net = mlp([4, 6, 3], activation="relu", output_activation="softmax")
    x = torch.randn(9, 4)
    layers = net.forward_layers(x)
    torch.testing.assert_close(net(x), layers["output"], rtol=0, atol=0)
    hooked = _hooked(net, x, list(net.layer_names))
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


def test_noise_generator_reproducible():
    torch.manual_seed(6)
    net = mlp([4, 8, 2], noise_std=1.0)
    x = torch.randn(5, 4)
    set_noise(net, generator=torch.Generator().manual_seed(11))
    a = net(x)
    set_noise(net, generator=torch.Generator().manual_seed(11))
    b = net(x)
    assert torch.equal(a, b)


def test_gaussian_noise_zero_std_is_identity():
    x = torch.randn(3, 4)
    assert GaussianNoise(0.0)(x) is x
    with pytest.raises(ValueError, match="noise_std"):
        GaussianNoise(-1.0)


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


def test_cifar_convnet_shapes():
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
    hooked = _hooked(net, x, ["layer2", "output"])
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


def test_build_model_errors():
    with pytest.raises(ValueError, match="unknown kind"):
        build_model({"kind": "resnet"})
    with pytest.raises(ValueError, match="needs a 'kind'"):
        build_model({"widths": [3, 2]})
    with pytest.raises(ValueError, match="unknown option"):
        build_model({"kind": "mlp", "widths": [3, 2], "dropout": 0.5})
    with pytest.raises(ValueError, match="needs 'widths'"):
        build_model({"kind": "mlp"})
    with pytest.raises(TypeError, match="must be a dict"):
        build_model("mlp")


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


def test_multiplicative_noise_keeps_the_noise_to_signal_ratio():
    torch.manual_seed(8)
    noise = GaussianNoise(0.2, mode="multiplicative").eval()
    s = torch.tensor([0.0, 1.0, -3.0, 50.0]).repeat(100_000, 1)
    t = noise(s)
    assert torch.equal(t[:, 0], s[:, 0])  # a zero entry gets no noise
    ratio = (t - s)[:, 1:] / s[:, 1:]  # = 0.2 Z whatever the signal
    # 1e5 draws per column: the sample std has relative s.e. ~ 0.2 %; 2 % is ample
    assert ratio.std(dim=0).tolist() == pytest.approx([0.2, 0.2, 0.2], rel=0.02)
    assert ratio.mean(dim=0).abs().max() < 0.005  # 5 s.e. of the mean
    # the additive kind at the same std does not scale with the signal
    additive = GaussianNoise(0.2).eval()(s) - s
    assert additive[:, 0].std() == pytest.approx(0.2, rel=0.02)
    assert additive[:, 3].std() == pytest.approx(0.2, rel=0.02)


def test_multiplicative_noise_gradient_flows_through_the_scale():
    noise = GaussianNoise(0.5, mode="multiplicative", generator=torch.Generator().manual_seed(1))
    x = torch.tensor([2.0, -1.0], requires_grad=True)
    t = noise(x)
    t.sum().backward()
    # t = x (1 + 0.5 z): dt/dx = 1 + 0.5 z = t / x
    assert torch.allclose(x.grad, (t / x).detach())


def test_noise_mode_in_specs_only_when_not_additive():
    for cls, extra in ((MNISTCNN, {}), (CIFAR10ConvNet, {}), (MLP, {"widths": [4, 3, 2]})):
        kind = cls(**extra).spec["kind"] if extra else cls().spec["kind"]
        plain = normalize_spec({"kind": kind, **extra})
        assert "noise_mode" not in plain  # so the cache keys of old runs do not change
        assert normalize_spec({**plain, "noise_mode": "additive"}) == plain
        mult = normalize_spec({**plain, "noise_std": 0.01, "noise_mode": "multiplicative"})
        assert mult["noise_mode"] == "multiplicative"
        net = build_model(mult)
        assert net.spec == mult
        modes = {m.mode for m in net.modules() if isinstance(m, GaussianNoise)}
        assert modes == {"multiplicative"}


def test_noise_mode_errors():
    with pytest.raises(ValueError, match="noise_mode"):
        GaussianNoise(0.1, mode="uniform")
    with pytest.raises(ValueError, match="noise_mode"):
        MNISTCNN(noise_mode="relative")
    with pytest.raises(ValueError, match="noise_mode"):
        mlp([3, 2], noise_mode="")
