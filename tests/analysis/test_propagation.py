"""ibcore.analysis.propagation: sample propagation over a recorded noisy run (MLP and conv nets),
the deterministic twin, the layer maps."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.propagation import deterministic_twin, hidden_layer_index, layer_maps, sp_information
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.estimators.sample_propagation import mi_sample_propagation
from ibcore.interface import IXL
from ibcore.models import MLP, MNISTCNN, set_noise
from ibcore.training import TrainConfig, train_and_record

pytestmark = pytest.mark.usefixtures("one_thread")


_X = np.array(list(itertools.product([0.0, 1.0], repeat=5)), dtype=np.float32)  # 32 inputs


_Y = (_X.sum(1) > 2).astype(np.int64)


@pytest.fixture(scope="module")
def noisy_run():
    cfg = TrainConfig(
        model={"kind": "mlp", "widths": [5, 4, 3, 2], "noise_std": 0.1},
        lr=1e-2, batch_size=8, n_epochs=3, schedule=[0, 1, 3], record_weights=True,
    )  # fmt: skip
    with torch.random.fork_rng():
        return train_and_record(cfg, (_X, _Y), cache=False, progress=False, device="cpu")


def test_sp_information_equals_direct_calls(noisy_run):
    kw = dict(n_samples_per_x=4, n_mc=3, seed=7)
    frame = sp_information(noisy_run, n_inputs=16, input_seed=2, **kw)
    assert list(frame.columns) == ["seed", "layer", "layer_index", "epoch", "beta", IXL, "stderr", "n_inputs"]
    assert len(frame) == 3 * 2  # epochs x hidden layers
    sub = input_subsample(32, 16, seed=2)
    for row in frame.itertuples(index=False):
        # rebuild the network at that epoch by hand, from the recorded state_dict
        model = noisy_run.model_at(row.epoch)
        maps = [torch.nn.Sequential(b.linear, b.act) for b in (model.layer1, model.layer2)]
        direct = mi_sample_propagation(
            torch.as_tensor(_X)[sub].double(), maps, 0.1, layer_index=row.layer_index - 1, **kw
        )
        assert row._5 == pytest.approx(direct.mi, rel=0, abs=1e-12)  # column I(X;L)
        assert row.stderr == pytest.approx(direct.stderr, rel=0, abs=1e-12)
        assert row.beta == 0.1 and row.n_inputs == 16
    # I(X;T_l) <= log m up to MC error; the first layer of 16 distinct inputs is well above 0
    assert (frame[IXL] <= np.log(16) + 4 * frame["stderr"] + 1e-9).all()


def test_sp_information_errors(noisy_run):
    with pytest.raises(ValueError, match="not hidden layers"):
        sp_information(noisy_run, layers=["output"])
    with pytest.raises(ValueError, match="epoch 2 was not recorded"):
        sp_information(noisy_run, epochs=[2])
    plain = train_and_record(TrainConfig(model={"kind": "mlp", "widths": [5, 3, 2], "noise_std": 0.1},
                                         n_epochs=1), (_X, _Y), cache=False, progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="record_weights=True"):
        sp_information(plain)


def test_deterministic_twin_is_the_noise_free_net(noisy_run):
    idx = torch.tensor([0, 3, 5, 31])
    twin = deterministic_twin(noisy_run, index=idx, epochs=[1, 3])
    assert twin.info["twin"] and list(twin.epochs) == [1, 3] and len(twin.weights) == 2
    assert torch.equal(twin.y_eval, noisy_run.y_eval[idx])
    model = noisy_run.model_at(3)
    set_noise(model, enabled=False)
    with torch.no_grad():
        want = model.forward_layers(torch.as_tensor(_X)[idx])
    for name in noisy_run.layers:
        torch.testing.assert_close(twin.activations[name][1], want[name])
    # the recorded (noisy) activations differ from the twin's by the noise, of std ~0.1
    noisy = noisy_run.activations["layer1"][noisy_run.epoch_index(3)][idx].float()
    diff = noisy - twin.activations["layer1"][1]
    assert 0.02 < float(diff.std()) < 0.3
    # twins and subsamples are runs to geometry_frame
    geo = geometry_frame(subsample_run(noisy_run, torch.arange(0, 32, 2)))
    assert len(geo) == 3 * 3 and set(geo["layer"]) == {"layer1", "layer2", "output"}


def test_layer_maps_drop_the_noise(noisy_run):
    model = noisy_run.model_at(0)
    maps = layer_maps(model)
    assert len(maps) == 2
    x = torch.as_tensor(_X)
    assert torch.equal(maps[0](x), maps[0](x))  # deterministic
    with pytest.raises(TypeError, match="MLP"):
        layer_maps(torch.nn.Linear(2, 2))


def test_conv_layer_maps_compose_to_the_noise_free_net():
    torch.manual_seed(0)
    model = MNISTCNN(noise_std=0.1, dropout=0.1).eval()
    maps = layer_maps(model)
    assert len(maps) == 5 and isinstance(maps[0], torch.nn.Identity)  # the image is noised too
    assert not any(isinstance(m, torch.nn.Dropout) for f in maps for m in f.modules())
    x = torch.rand(6, 1, 28, 28)
    set_noise(model, enabled=False)
    with torch.no_grad():
        want = model.forward_layers(x)
        h = maps[0](x.reshape(6, -1))
        for name in ("layer1", "layer2", "layer3", "layer4"):
            h = maps[hidden_layer_index(model, name)](h)
            torch.testing.assert_close(h, want[name])
    with pytest.raises(ValueError, match="not a hidden layer"):
        hidden_layer_index(model, "output")


@pytest.fixture(scope="module")
def conv_run():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(24, 1, 28, 28, generator=gen)
    y = torch.arange(24) % 3
    cfg = TrainConfig(
        model={"kind": "mnist_cnn", "noise_std": 0.2, "dropout": 0.0, "n_classes": 3},
        lr=1e-2, batch_size=8, n_epochs=1, schedule=[0, 1], record_weights=True, activation_dtype="float32",
    )  # fmt: skip
    with torch.random.fork_rng():
        return train_and_record(cfg, (x, y), cache=False, progress=False, device="cpu")


def test_sp_information_on_a_conv_net(conv_run):
    kw = dict(n_samples_per_x=3, n_mc=2, seed=1)
    frame = sp_information(conv_run, layers=["layer3", "layer4"], n_inputs=12, **kw)
    assert len(frame) == 2 * 2 and set(frame["layer_index"]) == {3, 4}
    sub = input_subsample(24, 12, seed=0)
    x = conv_run.x_eval[sub].double().reshape(12, -1)
    for row in frame.itertuples(index=False):
        model = conv_run.model_at(row.epoch)
        direct = mi_sample_propagation(
            x, layer_maps(model), 0.2, layer_index=hidden_layer_index(model, row.layer), **kw
        )
        assert row._5 == pytest.approx(direct.mi, rel=0, abs=1e-12)
    assert (frame[IXL] <= np.log(12) + 4 * frame["stderr"] + 1e-9).all()
    assert (frame[IXL] >= -4 * frame["stderr"] - 1e-9).all()


def test_sp_information_refuses_a_conv_net_without_noise_in_eval(conv_run):
    import dataclasses

    quiet = dataclasses.replace(
        conv_run, config={**conv_run.config, "model": {**conv_run.config["model"], "noise_in_eval": False}}
    )
    with pytest.raises(ValueError, match="noise_in_eval=False"):
        sp_information(quiet)
    other = dataclasses.replace(conv_run, config={**conv_run.config, "model": {"kind": "resnet"}})
    with pytest.raises(ValueError, match="model kind 'resnet'"):
        sp_information(other)


def test_sample_propagation_refuses_multiplicative_noise(conv_run):
    import dataclasses

    spec = {**conv_run.config["model"], "noise_mode": "multiplicative"}
    mult = dataclasses.replace(conv_run, config={**conv_run.config, "model": spec})
    with pytest.raises(ValueError, match="additive Gaussian noise"):
        sp_information(mult)
    for net in (MNISTCNN(noise_std=1e-3, noise_mode="multiplicative"),
                MLP([4, 3, 2], noise_std=0.1, noise_mode="multiplicative")):  # fmt: skip
        with pytest.raises(ValueError, match="'multiplicative'"):
            layer_maps(net)
    assert len(layer_maps(MNISTCNN())) == 5  # the additive default is still accepted
