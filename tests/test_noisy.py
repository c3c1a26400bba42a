"""Tests for ibcore.noisy: sample propagation over a recorded noisy run, the deterministic twin,
subsampling, and the compression-vs-clustering table."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from ibcore.estimators.sample_propagation import mi_sample_propagation
from ibcore.geometry import geometry_frame
from ibcore.infoplane import IXL
from ibcore.models import set_noise
from ibcore.noisy import (
    compression_vs_clustering,
    deterministic_twin,
    input_subsample,
    layer_maps,
    sp_information,
    subsample_run,
    torch_threads,
)
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


def test_input_subsample_and_threads():
    a = input_subsample(100, 10, seed=1)
    assert a.tolist() == sorted(set(a.tolist())) and len(a) == 10
    assert torch.equal(a, input_subsample(100, 10, seed=1))
    assert input_subsample(5, None).tolist() == [0, 1, 2, 3, 4]
    assert input_subsample(5, 9).tolist() == [0, 1, 2, 3, 4]
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_compression_vs_clustering_by_hand():
    epochs = [0, 10, 20, 30, 40, 50]
    info = pd.DataFrame({"seed": 0, "layer": "l1", "epoch": epochs,
                         IXL: np.log(2) * np.array([1.0, 3.0, 2.5, 2.0, 1.5, 2.8]),  # bits
                         "stderr": np.log(2) * 0.03})  # fmt: skip
    clus = pd.DataFrame({"seed": 0, "layer": "l1", "epoch": epochs, "ratio": [0.9, 0.8, 0.6, 0.5, 0.55, 0.4]})
    t = compression_vs_clustering(info, clus).loc[(0, "l1")]
    # largest dip: from the peak 3 (epoch 10) to 1.5 (epoch 40); ends at 2.8, 0.2 below the max
    assert t["peak epoch"] == 10 and t["bottom epoch"] == 40 and t["dip"] == pytest.approx(1.5)
    assert t["end"] == pytest.approx(2.8) and t["drop"] == pytest.approx(0.2)
    assert t["dip stderr"] == pytest.approx(0.03 * np.sqrt(2))
    assert t["min epoch"] == 50 and t["lag"] == 40 and t["bottom lag"] == 10
    assert t["measure change"] == pytest.approx((0.55 - 0.8) / 0.8)
    # in the dip: I = 3, 2.5, 2, 1.5 and ratio = .8, .6, .5, .55 -> ranks 4 3 2 1 vs 4 3 1 2: rho 0.8
    assert t["rho in dip"] == pytest.approx(0.8)
    p = compression_vs_clustering(info, clus, method="pearson").loc[(0, "l1")]
    want = np.corrcoef([1, 3, 2.5, 2, 1.5, 2.8], [0.9, 0.8, 0.6, 0.5, 0.55, 0.4])[0, 1]
    assert p["rho"] == pytest.approx(want)
    with pytest.raises(ValueError, match="share no"):
        compression_vs_clustering(info, clus.assign(layer="l2"))
