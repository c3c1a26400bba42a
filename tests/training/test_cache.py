"""ibcore.training.cache: run keys stay those of the runs already recorded."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from torch import nn
from toy_runs import SZT8, EpochCounter, config

from ibcore.training import (
    RecordedRun,
    TrainConfig,
    train_and_record,
    train_seeds,
)
from ibcore.training.cache import KEY_VERSION, hash_payload, key_payload


def test_a_run_recorded_by_ibcore_0_2_keeps_its_key():
    """The key of chapter 2's smoke CNN run as ibcore 0.2.0 wrote it (its config.json, pinned here).

    A release that moves code keeps :data:`KEY_VERSION`, so recorded runs are found again; a change
    of what the key hashes fails here, and must say in its commit that every run trains again.
    """
    cfg = TrainConfig(
        model={
            "kind": "mnist_cnn",
            "noise_std": 0.5,
            "dropout": 0.0,
            "activation": "tanh",
            "output_activation": None,
            "channels": [8, 16, 32],
            "hidden": 32,
            "n_classes": 10,
            "noise_in_eval": True,
        },
        optimizer="adam",
        lr=1e-3,
        batch_size=128,
        n_epochs=2,
        schedule=[0, 1, 2],
        activation_dtype="float16",
        record_weights=True,
    )
    data = "dd89ab288d17fbbb02c8e90a50b0ad5a9f596dd147c917fbbeeac07469f35219"
    layers = ["layer1", "layer2", "layer3", "layer4", "output"]
    payload = key_payload(cfg, data, layers, cfg.epochs(), None)
    assert payload["ibcore"] == KEY_VERSION == "0.2.0"
    assert hash_payload(payload) == "3e64e8e5a2fe48b739f1e5c4c72b1f876337f850876619768cf1b744261c1ae5"


# one intra-op thread for the tests below (they ran under a module-wide one_thread mark);
# last in the file, as the module-scoped fixture stays in effect until the module ends


@pytest.mark.usefixtures("one_thread")
def test_cache_hit_does_not_train(tmp_path):
    cfg = config()
    first_calls, second_calls = EpochCounter(), EpochCounter()
    a = train_and_record(cfg, SZT8, cache_dir=tmp_path, progress=False, device="cpu", callback=first_calls)
    assert first_calls.epochs == [0, 1, 2, 3, 4] and not a.from_cache
    path = tmp_path / a.key / "run.pt"
    mtime = path.stat().st_mtime_ns
    assert not (tmp_path / a.key / "checkpoint.pt").exists()  # work files cleaned up
    b = train_and_record(
        cfg.to_dict(), SZT8, cache_dir=tmp_path, progress=False, device="cpu", callback=second_calls
    )
    assert second_calls.epochs == [] and b.from_cache and b.key == a.key
    assert path.stat().st_mtime_ns == mtime
    assert b.wall_time_s == a.wall_time_s
    for name in a.layers:
        assert torch.equal(a.activations[name], b.activations[name])
    pd.testing.assert_frame_equal(a.history, b.history)


@pytest.mark.usefixtures("one_thread")
def test_default_cache_dir_is_runs_dir(tmp_path):
    run = train_and_record(config(n_epochs=1), SZT8, progress=False, device="cpu")
    assert (tmp_path / "ibcore-cache" / "runs" / run.key / "run.pt").exists()


@pytest.mark.usefixtures("one_thread")
def test_key_changes_with_config_data_and_layers(tmp_path):
    kw = dict(cache_dir=tmp_path, progress=False, device="cpu")
    base = train_and_record(config(n_epochs=1), SZT8, **kw).key
    keys = {
        "lr": train_and_record(config(n_epochs=1, lr=2e-2), SZT8, **kw).key,
        "seed": train_and_record(config(n_epochs=1, seed=1), SZT8, **kw).key,
        "act": train_and_record(
            config(n_epochs=1, model={"kind": "mlp", "widths": [8, 6, 4, 2], "activation": "relu"}),
            SZT8,
            **kw,
        ).key,
        "data": train_and_record(config(n_epochs=1), (SZT8[0], 1 - SZT8[1]), **kw).key,
        "layers": train_and_record(config(n_epochs=1), SZT8, layers=["layer1"], **kw).key,
        "schedule": train_and_record(config(n_epochs=1, schedule="ends"), SZT8, **kw).key,
    }
    assert base not in keys.values() and len(set(keys.values())) == len(keys)
    # the same configuration spelled differently (defaults explicit, layers reordered) hits the cache
    same = train_and_record(
        config(
            n_epochs=1, model={"kind": "mlp", "widths": [8, 6, 4, 2], "activation": "tanh", "noise_std": 0.0}
        ),
        SZT8,
        layers=["output", "layer2", "layer1"],
        **kw,
    )
    assert same.key == base and same.from_cache


# ---------------------------------------------------------------------------------- custom modules
@pytest.mark.usefixtures("one_thread")
def test_custom_module_cached_only_with_cache_key(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 5), nn.Tanh(), nn.Linear(5, 2))
    before = [p.detach().clone() for p in net.parameters()]
    cfg = TrainConfig(model=None, lr=1e-2, batch_size=32, n_epochs=2, schedule="all")
    run = train_and_record(
        cfg, SZT8, model=net, layers=["1", "2"], cache_dir=tmp_path, progress=False, device="cpu"
    )
    assert run.key is None and not any(tmp_path.iterdir())  # no cache_key: nothing written
    # the caller's net is untouched
    assert all(torch.equal(p, q) for p, q in zip(before, net.parameters(), strict=True))
    assert run.layers == ["1", "2"] and run.activations["1"].shape == (3, 256, 5)
    counter = EpochCounter()
    k1 = train_and_record(
        cfg,
        SZT8,
        model=net,
        layers=["1", "2"],
        cache_dir=tmp_path,
        cache_key="tanh-8-5-2",
        progress=False,
        device="cpu",
    )
    k2 = train_and_record(
        cfg,
        SZT8,
        model=net,
        layers=["1", "2"],
        cache_dir=tmp_path,
        cache_key="tanh-8-5-2",
        progress=False,
        device="cpu",
        callback=counter,
    )
    assert k2.from_cache and k1.key == k2.key and counter.epochs == []
    for name in run.layers:
        assert torch.equal(run.activations[name], k1.activations[name])


@pytest.mark.usefixtures("one_thread")
def test_unreadable_cached_run_warns_once_and_retrains(tmp_path):
    cfg = config(n_epochs=2, schedule=[0, 2])
    train_seeds(cfg, [0], SZT8, cache_dir=tmp_path, progress=False, device="cpu")
    (run_pt,) = tmp_path.glob("*/run.pt")
    run_pt.write_bytes(run_pt.read_bytes()[:1000])  # truncated
    with pytest.warns(RuntimeWarning) as rec:
        runs = train_seeds(cfg, [0], SZT8, cache_dir=tmp_path, progress=False, device="cpu")
    messages = [str(w.message) for w in rec]
    assert len(messages) == 1, messages  # train_seeds and train_and_record both look: one warning
    assert "unreadable (truncated or not a torch file); deleted it" in messages[0]
    assert "weights_only" not in messages[0]  # not torch's advice to load unsafely
    assert not runs[0].from_cache and RecordedRun.load(run_pt).seed == 0  # trained and written anew
