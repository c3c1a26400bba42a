"""Tests for ibcore.training: recording hooks, schedules, caching, resume, seeds, storage."""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from ibcore.training import (
    ActivationRecorder,
    RecordedRun,
    TrainConfig,
    record_activations,
    resolve_schedule,
    saxe_schedule,
    train_and_record,
    train_seeds,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _szt_like(n_bits: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """All 2^n_bits binary inputs with a learnable rule (a tiny SZT stand-in)."""
    x = np.array(list(itertools.product([0.0, 1.0], repeat=n_bits)), dtype=np.float32)
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n_bits)
    y = (x @ w > np.median(x @ w)).astype(np.int64)
    return x, y


DATA = _szt_like()  # 256 samples, 8 features


def _config(**kw) -> TrainConfig:
    base = dict(
        model={"kind": "mlp", "widths": [8, 6, 4, 2]},
        lr=1e-2,
        batch_size=32,
        n_epochs=4,
        schedule="all",
        seed=0,
    )
    base.update(kw)
    return TrainConfig(**base)


class _Counter:
    def __init__(self):
        self.epochs: list[int] = []

    def __call__(self, epoch, row):
        self.epochs.append(epoch)


# ---------------------------------------------------------------------------------------- schedule


def test_saxe_schedule_values():
    s = saxe_schedule(30)
    assert s.tolist() == list(range(20)) + [20, 25, 30]
    # 3000 epochs: 20 (every) + 16 (every 5th of 20..95) + 95 (every 20th of 100..1980)
    # + 11 (every 100th of 2000..3000)
    assert len(saxe_schedule(3000)) == 20 + 16 + 95 + 11
    s = saxe_schedule(2050)
    assert s[0] == 0 and s[-1] == 2050
    assert {1980, 2000, 2050} <= set(s.tolist()) and 2020 not in s and 1990 not in s
    assert saxe_schedule(7).tolist() == list(range(8))
    assert saxe_schedule(0).tolist() == [0]
    assert np.all(np.diff(saxe_schedule(10000)) > 0)


def test_resolve_schedule():
    assert resolve_schedule("ends", 9).tolist() == [0, 9]
    assert resolve_schedule("all", 3).tolist() == [0, 1, 2, 3]
    assert resolve_schedule([5, 0, 5, 2], 9).tolist() == [0, 2, 5]
    with pytest.raises(ValueError, match="beyond n_epochs"):
        resolve_schedule([0, 11], 10)
    with pytest.raises(ValueError, match="unknown schedule"):
        resolve_schedule("log", 10)
    with pytest.raises(ValueError, match="empty"):
        resolve_schedule([], 10)


# --------------------------------------------------------------------------------------- recording


class _Custom(nn.Module):
    """Not an ibcore model: a branchy module with nested names."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
        self.head = nn.Linear(2 * 4 * 4, 3)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def test_record_activations_sequential_values():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))
    net.train()
    x = torch.randn(37, 5)
    acts = record_activations(net, x, ["2", "1"], batch_size=8)  # 5 batches, last one partial
    assert list(acts) == ["1", "2"]  # forward (input -> output) order, not argument order
    with torch.no_grad():
        h = torch.tanh(net[0](x))
        out = net[2](h)
        # A batch of 8 rows and the full 37 may go through different matrix kernels, which sum
        # the d + 1 terms of each unit (bias included) in another order: each result is within
        # d u sum_i |w_i x_i| + |b| of the exact sum (u = 2^-24, float32's unit roundoff; Higham,
        # Accuracy and Stability, Sec. 3.1), so the two differ by at most twice that. tanh is
        # 1-Lipschitz and its own rounding (a few ulps, by vectorised kernels that differ between
        # CPUs) adds 4u per value; the second layer sees the first's difference through |W2|.
        u = 2.0**-24
        w1, b1, w2, b2 = net[0].weight, net[0].bias, net[2].weight, net[2].bias
        tol1 = 2 * 6 * u * (x.abs() @ w1.abs().T + b1.abs()) + 4 * u
        tol2 = tol1 @ w2.abs().T + 2 * 5 * u * (h.abs() @ w2.abs().T + b2.abs())
    assert bool(((acts["1"] - h).abs() <= tol1).all())
    assert bool(((acts["2"] - out).abs() <= tol2).all())
    assert float(tol1.max()) < 1e-5  # the bound is float32 rounding, not a loose tolerance
    assert net.training  # mode restored
    assert all(not m._forward_hooks for m in net.modules())  # hooks removed


def test_record_activations_custom_module_flatten_and_dtype():
    torch.manual_seed(0)
    net = _Custom().eval()
    x = np.random.default_rng(0).random((6, 1, 6, 6))  # numpy float64 input
    flat = record_activations(net, x, ["features.0", "features", "head"], dtype=torch.float16)
    assert flat["features.0"].shape == (6, 2 * 4 * 4) and flat["head"].shape == (6, 3)
    assert flat["head"].dtype == torch.float16
    raw = record_activations(net, x, ["features.0"], flatten=False)
    assert raw["features.0"].shape == (6, 2, 4, 4)
    assert not net.training


def test_record_activations_bad_layer_name_lists_available():
    net = _Custom()
    with pytest.raises(
        ValueError,
        match=r"unknown layer name\(s\) \['body'\].*available: \['features', "
        r"'features.0', 'features.1', 'head'\]",
    ):
        record_activations(net, torch.zeros(2, 1, 6, 6), ["body"])
    with pytest.raises(ValueError, match="duplicates"):
        record_activations(net, torch.zeros(2, 1, 6, 6), ["head", "head"])
    with pytest.raises(ValueError, match="empty"):
        record_activations(net, torch.zeros(2, 1, 6, 6), [])


def test_record_activations_hooks_removed_on_error():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(4, 2))  # second layer cannot take the first's output
    net.train()
    with pytest.raises(RuntimeError):
        record_activations(net, torch.zeros(5, 3), ["0"])
    assert all(not m._forward_hooks for m in net.modules())
    assert net.training


def test_record_activations_shared_module_rejected():
    lin = nn.Linear(3, 3)
    net = nn.Sequential(lin, nn.Tanh(), lin)  # the same module runs twice per forward pass
    with pytest.raises(ValueError, match="exactly once per forward pass"):
        record_activations(net, torch.zeros(4, 3), ["0"])


def test_activation_recorder_context():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with ActivationRecorder(net, ["0", "2"], to_cpu=True) as rec:
        net(torch.ones(2, 3))
        net(torch.ones(3, 3))
    assert rec.counts() == {"0": 2, "2": 2}
    assert rec.result()["2"].shape == (5, 2)
    assert all(not m._forward_hooks for m in net.modules())


# ------------------------------------------------------------------------------ train and record


def test_train_and_record_fields_and_float16(tmp_path):
    cfg = _config(n_epochs=3, schedule=[0, 2, 3])
    run = train_and_record(cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu")
    assert run.epochs.tolist() == [0, 2, 3]
    assert run.layers == ["layer1", "layer2", "output"]
    assert {k: tuple(v.shape) for k, v in run.activations.items()} == {
        "layer1": (3, 256, 6),
        "layer2": (3, 256, 4),
        "output": (3, 256, 2),
    }
    assert all(v.dtype == torch.float16 and v.device.type == "cpu" for v in run.activations.values())
    assert run.layer("layer1").dtype == torch.float32
    assert run.nbytes == 2 * 3 * 256 * (6 + 4 + 2) + 4 * 256 * 8 + 8 * 256
    assert run.y_eval.dtype == torch.int64 and torch.equal(run.x_eval, torch.from_numpy(DATA[0]))
    assert list(run.history.columns) == ["epoch", "train_loss", "train_acc", "eval_loss", "eval_acc"]
    assert run.history["epoch"].tolist() == [0, 1, 2, 3]
    # a separable rule with lr 1e-2: the loss must fall below its initial ~log 2
    assert run.history["eval_loss"].iloc[-1] < run.history["eval_loss"].iloc[0]
    assert run.key is not None and len(run.key) == 64 and run.device == "cpu"
    # recorded epoch 3 is the final network
    final = run.final_model().eval()
    with torch.no_grad():
        h = final.forward_layers(run.x_eval)
    # float16 storage: |error| <= 2^-11 relative for tanh values in (-1, 1), i.e. < 5e-4
    torch.testing.assert_close(run.layer("layer1")[-1], h["layer1"], rtol=0, atol=5e-4)
    with pytest.raises(ValueError, match="was not recorded"):
        run.layer("layer9")


def test_float32_storage_option():
    run = train_and_record(
        _config(n_epochs=1, activation_dtype="float32"), DATA, cache=False, progress=False, device="cpu"
    )
    assert run.activations["layer1"].dtype == torch.float32


def test_eval_set_is_used():
    x, y = DATA
    run = train_and_record(
        _config(n_epochs=1), (x[:200], y[:200]), (x[200:], y[200:]), cache=False, progress=False, device="cpu"
    )
    assert run.activations["layer1"].shape[1] == 56
    assert torch.equal(run.x_eval, torch.from_numpy(x[200:]))


def test_cache_hit_does_not_train(tmp_path):
    cfg = _config()
    first_calls, second_calls = _Counter(), _Counter()
    a = train_and_record(cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu", callback=first_calls)
    assert first_calls.epochs == [0, 1, 2, 3, 4] and not a.from_cache
    path = tmp_path / a.key / "run.pt"
    mtime = path.stat().st_mtime_ns
    assert not (tmp_path / a.key / "checkpoint.pt").exists()  # work files cleaned up
    b = train_and_record(
        cfg.to_dict(), DATA, cache_dir=tmp_path, progress=False, device="cpu", callback=second_calls
    )
    assert second_calls.epochs == [] and b.from_cache and b.key == a.key
    assert path.stat().st_mtime_ns == mtime
    assert b.wall_time_s == a.wall_time_s
    for name in a.layers:
        assert torch.equal(a.activations[name], b.activations[name])
    pd.testing.assert_frame_equal(a.history, b.history)


def test_default_cache_dir_is_runs_dir(tmp_path):
    run = train_and_record(_config(n_epochs=1), DATA, progress=False, device="cpu")
    assert (tmp_path / "ibcore-cache" / "runs" / run.key / "run.pt").exists()


def test_key_changes_with_config_data_and_layers(tmp_path):
    kw = dict(cache_dir=tmp_path, progress=False, device="cpu")
    base = train_and_record(_config(n_epochs=1), DATA, **kw).key
    keys = {
        "lr": train_and_record(_config(n_epochs=1, lr=2e-2), DATA, **kw).key,
        "seed": train_and_record(_config(n_epochs=1, seed=1), DATA, **kw).key,
        "act": train_and_record(
            _config(n_epochs=1, model={"kind": "mlp", "widths": [8, 6, 4, 2], "activation": "relu"}),
            DATA,
            **kw,
        ).key,
        "data": train_and_record(_config(n_epochs=1), (DATA[0], 1 - DATA[1]), **kw).key,
        "layers": train_and_record(_config(n_epochs=1), DATA, layers=["layer1"], **kw).key,
        "schedule": train_and_record(_config(n_epochs=1, schedule="ends"), DATA, **kw).key,
    }
    assert base not in keys.values() and len(set(keys.values())) == len(keys)
    # the same configuration spelled differently (defaults explicit, layers reordered) hits the cache
    same = train_and_record(
        _config(
            n_epochs=1, model={"kind": "mlp", "widths": [8, 6, 4, 2], "activation": "tanh", "noise_std": 0.0}
        ),
        DATA,
        layers=["output", "layer2", "layer1"],
        **kw,
    )
    assert same.key == base and same.from_cache


@pytest.mark.parametrize("noise_std", [0.0, 0.1])  # noise: the global RNG state must be restored too
def test_resume_after_kill_matches_uninterrupted(tmp_path, noise_std):
    cfg = _config(
        n_epochs=6,
        schedule=[0, 1, 5, 6],
        model={"kind": "mlp", "widths": [8, 6, 4, 2], "noise_std": noise_std},
    )

    class KillError(Exception):
        pass

    def kill_after_3(epoch, row):
        if epoch == 3:
            raise KillError

    with pytest.raises(KillError):
        train_and_record(
            cfg,
            DATA,
            cache_dir=tmp_path,
            progress=False,
            device="cpu",
            checkpoint_every_s=0.0,
            callback=kill_after_3,
        )
    counter = _Counter()
    resumed = train_and_record(
        cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=0.0, callback=counter
    )
    # killed after epoch 3 was checkpointed: epochs 4..6 are trained again, nothing is lost
    assert counter.epochs == [4, 5, 6]
    assert resumed.info["resumed"] == 1 and not resumed.from_cache
    whole = train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")
    for name in whole.layers:
        assert torch.equal(whole.activations[name], resumed.activations[name])
    for k in whole.model_state:
        assert torch.equal(whole.model_state[k], resumed.model_state[k])
    pd.testing.assert_frame_equal(whole.history, resumed.history)


def test_resume_loses_at_most_one_epoch_between_checkpoints(tmp_path):
    # checkpoints only at recorded epochs (every_s huge): a kill at epoch 4 resumes from epoch 3
    cfg = _config(n_epochs=6, schedule=[0, 3, 6])

    def kill_at_4(epoch, row):
        if epoch == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_record(
            cfg,
            DATA,
            cache_dir=tmp_path,
            progress=False,
            device="cpu",
            checkpoint_every_s=1e9,
            callback=kill_at_4,
        )
    counter = _Counter()
    resumed = train_and_record(
        cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=1e9, callback=counter
    )
    assert counter.epochs == [4, 5, 6]  # epoch 4 (the one in flight) is redone
    whole = train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")
    for name in whole.layers:
        assert torch.equal(whole.activations[name], resumed.activations[name])


def test_cpu_reproducible_and_seed_matters():
    a = train_and_record(_config(), DATA, cache=False, progress=False, device="cpu")
    b = train_and_record(_config(), DATA, cache=False, progress=False, device="cpu")
    c = train_and_record(_config(seed=1), DATA, cache=False, progress=False, device="cpu")
    for name in a.layers:
        assert torch.equal(a.activations[name], b.activations[name])
    pd.testing.assert_frame_equal(a.history, b.history)
    assert not torch.equal(a.activations["layer1"], c.activations["layer1"])


def test_global_rng_left_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_and_record(_config(n_epochs=1), DATA, cache=False, progress=False, device="cpu")
    assert torch.equal(torch.rand(3), expected)


def test_noisy_mlp_trains_reproducibly_and_records_noise():
    cfg = _config(n_epochs=2, model={"kind": "mlp", "widths": [8, 6, 4, 2], "noise_std": 0.1})
    a = train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")
    b = train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")
    assert torch.equal(a.activations["layer1"], b.activations["layer1"])  # the noise is seeded too
    final = a.final_model().eval()
    with torch.no_grad():
        clean = torch.tanh(final.layer1.linear(a.x_eval))
    # recorded layer1 = tanh(.) + N(0, 0.1^2): 1536 entries, sample std within ~4 % (s.e. ~1.8 %);
    # float16 rounding (< 5e-4) is negligible against 0.1
    resid = a.layer("layer1")[-1] - clean
    assert float(resid.std()) == pytest.approx(0.1, rel=0.1)


def test_conv_net_trains_and_records_flattened():
    rng = np.random.default_rng(0)
    x = rng.random((48, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 48)
    cfg = TrainConfig(
        model={"kind": "mnist_cnn", "channels": [2, 2, 4], "hidden": 8},
        lr=1e-3,
        batch_size=16,
        n_epochs=1,
        schedule="all",
    )
    runs = train_seeds(cfg, [0, 1], (x, y), cache=False, progress=False, device="cpu")
    assert all("batched_with" not in r.info for r in runs)  # conv-nets train one by one
    run = runs[0]
    assert run.layers == ["layer1", "layer2", "layer3", "layer4", "output"]
    assert {k: tuple(v.shape) for k, v in run.activations.items()} == {
        "layer1": (2, 48, 2 * 13 * 13),
        "layer2": (2, 48, 2 * 5 * 5),
        "layer3": (2, 48, 4),
        "layer4": (2, 48, 8),
        "output": (2, 48, 10),
    }
    again = train_and_record(
        dataclasses.replace(cfg, seed=0), (x, y), cache=False, progress=False, device="cpu"
    )
    assert torch.equal(again.activations["layer2"], run.activations["layer2"])  # noise + dropout seeded


# ---------------------------------------------------------------------------------- custom modules


def test_custom_module_cached_only_with_cache_key(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 5), nn.Tanh(), nn.Linear(5, 2))
    before = [p.detach().clone() for p in net.parameters()]
    cfg = TrainConfig(model=None, lr=1e-2, batch_size=32, n_epochs=2, schedule="all")
    run = train_and_record(
        cfg, DATA, model=net, layers=["1", "2"], cache_dir=tmp_path, progress=False, device="cpu"
    )
    assert run.key is None and not any(tmp_path.iterdir())  # no cache_key: nothing written
    # the caller's net is untouched
    assert all(torch.equal(p, q) for p, q in zip(before, net.parameters(), strict=True))
    assert run.layers == ["1", "2"] and run.activations["1"].shape == (3, 256, 5)
    counter = _Counter()
    k1 = train_and_record(
        cfg,
        DATA,
        model=net,
        layers=["1", "2"],
        cache_dir=tmp_path,
        cache_key="tanh-8-5-2",
        progress=False,
        device="cpu",
    )
    k2 = train_and_record(
        cfg,
        DATA,
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


def test_custom_module_needs_layers():
    with pytest.raises(ValueError, match="layers=None works for ibcore models only"):
        train_and_record(TrainConfig(n_epochs=1), DATA, model=nn.Linear(8, 2), progress=False, device="cpu")


# --------------------------------------------------------------------------------------- seeds


def test_batched_seeds_match_single_seeds(tmp_path):
    # float32 storage so the comparison is not limited by float16 rounding (~5e-4)
    cfg = _config(n_epochs=3, activation_dtype="float32", optimizer_options={"weight_decay": 1e-3})
    seeds = [0, 3, 7]
    batched = train_seeds(cfg, seeds, DATA, cache_dir=tmp_path / "b", progress=False, device="cpu")
    assert [r.seed for r in batched] == seeds
    assert all(r.info["batched_with"] == seeds for r in batched)
    for r in batched:
        alone = train_and_record(
            dataclasses.replace(cfg, seed=r.seed), DATA, cache=False, progress=False, device="cpu"
        )
        assert alone.key == r.key
        # 24 Adam steps in float32; the stacked and single kernels may sum in another order, and
        # rounding differences of ~1e-7 grow mildly through the steps: rtol 1e-5 leaves room
        for name in alone.layers:
            torch.testing.assert_close(r.activations[name], alone.activations[name], rtol=1e-5, atol=1e-6)
        for k in alone.model_state:
            torch.testing.assert_close(r.model_state[k], alone.model_state[k], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r.history.to_numpy(), alone.history.to_numpy(), rtol=1e-5, atol=1e-7)
    # seeds differ from each other
    assert not torch.equal(batched[0].activations["layer1"], batched[1].activations["layer1"])
    # each seed was cached on its own: a single-seed call hits the cache
    counter = _Counter()
    hit = train_and_record(
        dataclasses.replace(cfg, seed=3),
        DATA,
        cache_dir=tmp_path / "b",
        progress=False,
        device="cpu",
        callback=counter,
    )
    assert hit.from_cache and counter.epochs == []
    assert not any(p.name.startswith("batch-") for p in (tmp_path / "b").iterdir())


def test_train_seeds_reuses_cache_and_resumes(tmp_path):
    cfg = _config(n_epochs=4, schedule=[0, 4])
    train_seeds(cfg, [1], DATA, cache_dir=tmp_path, progress=False, device="cpu")

    class KillError(Exception):
        pass

    def kill(epoch, rows):
        assert len(rows) == 2  # seeds 0 and 2 train together; seed 1 comes from the cache
        if epoch == 2:
            raise KillError

    with pytest.raises(KillError):
        train_seeds(
            cfg,
            [0, 1, 2],
            DATA,
            cache_dir=tmp_path,
            progress=False,
            device="cpu",
            checkpoint_every_s=0.0,
            callback=kill,
        )
    counter = []
    runs = train_seeds(
        cfg,
        [0, 1, 2],
        DATA,
        cache_dir=tmp_path,
        progress=False,
        device="cpu",
        checkpoint_every_s=0.0,
        callback=lambda e, rows: counter.append(e),
    )
    assert counter == [3, 4]
    assert [r.from_cache for r in runs] == [False, True, False]
    whole = train_seeds(cfg, [0, 2], DATA, cache=False, progress=False, device="cpu")
    for r, w in zip([runs[0], runs[2]], whole, strict=False):
        for name in w.layers:
            assert torch.equal(r.activations[name], w.activations[name])


def test_train_seeds_noisy_falls_back_to_one_by_one():
    cfg = _config(n_epochs=1, model={"kind": "mlp", "widths": [8, 4, 2], "noise_std": 0.1})
    runs = train_seeds(cfg, [0, 1], DATA, cache=False, progress=False, device="cpu")
    assert all("batched_with" not in r.info for r in runs)
    alone = train_and_record(
        dataclasses.replace(cfg, seed=1), DATA, cache=False, progress=False, device="cpu"
    )
    assert torch.equal(runs[1].activations["layer1"], alone.activations["layer1"])
    with pytest.raises(ValueError, match="batched=True is impossible"):
        train_seeds(cfg, [0, 1], DATA, cache=False, progress=False, device="cpu", batched=True)


# ----------------------------------------------------------------------------------- save / load


def test_save_load_round_trip(tmp_path):
    run = train_and_record(_config(n_epochs=2), DATA, cache=False, progress=False, device="cpu")
    path = run.save(tmp_path / "sub" / "r.pt")
    back = RecordedRun.load(path)
    assert back.from_cache and back.layers == run.layers and back.seed == run.seed
    assert np.array_equal(back.epochs, run.epochs) and back.config == run.config
    for name in run.layers:
        assert torch.equal(back.activations[name], run.activations[name])
    pd.testing.assert_frame_equal(back.history, run.history)
    assert back.nbytes == run.nbytes
    assert "RecordedRun(seed=0" in repr(back)
    assert not list((tmp_path / "sub").glob(".*tmp"))  # no temporary files left


# ------------------------------------------------------------------------------------- errors


def test_config_errors():
    with pytest.raises(ValueError, match="unknown config field"):
        TrainConfig.from_dict({"model": {"kind": "mlp", "widths": [3, 2]}, "epochs": 3})
    with pytest.raises(ValueError, match="unknown optimizer='rmsprop'"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="unknown optimizer_options"):
        TrainConfig(optimizer="adam", optimizer_options={"momentum": 0.9})
    with pytest.raises(ValueError, match="beyond n_epochs"):
        TrainConfig(n_epochs=3, schedule=[0, 5])
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        TrainConfig(lr=0.0)
    with pytest.raises(ValueError, match="unknown activation_dtype"):
        TrainConfig(activation_dtype="int8")
    with pytest.raises(ValueError, match="unknown loss"):
        TrainConfig(loss="mse")
    with pytest.raises(ValueError, match="unknown kind"):
        TrainConfig(model={"kind": "transformer"})


def test_train_errors():
    x, y = DATA
    kw = dict(cache=False, progress=False, device="cpu")
    with pytest.raises(ValueError, match="config.model is None"):
        train_and_record(TrainConfig(), DATA, **kw)
    with pytest.raises(ValueError, match="either as config.model"):
        train_and_record(_config(), DATA, model=nn.Linear(8, 2), **kw)
    with pytest.raises(ValueError, match="has 256 labels, expected 255"):
        train_and_record(_config(), (x[:-1], y), **kw)
    with pytest.raises(ValueError, match="labels go up to 2 but the model has 2 outputs"):
        train_and_record(_config(), (x, y * 2), **kw)
    with pytest.raises(ValueError, match=r"shape \(7,\) per sample, the model takes \(8,\)"):
        train_and_record(_config(), (x[:, :7], y), **kw)
    with pytest.raises(TypeError, match="must be a pair"):
        train_and_record(_config(), x, **kw)
    with pytest.raises(ValueError, match="NaN"):
        train_and_record(_config(), (np.full_like(x, np.nan), y), **kw)
    with pytest.raises(ValueError, match="unknown layer name"):
        train_and_record(_config(), DATA, layers=["layer7"], **kw)
    with pytest.raises(ValueError, match="duplicates"):
        train_seeds(_config(), [1, 1], DATA, **kw)


# ------------------------------------------------------------------ damaged caches (issue 13)


def _killed_run(tmp_path, cfg, kill_at, *, seeds=None):
    """Train until ``kill_at`` (checkpoint after every epoch), then raise; return the run folder."""

    class KillError(Exception):
        pass

    def kill(epoch, row):
        if epoch == kill_at:
            raise KillError

    with pytest.raises(KillError):
        if seeds is None:
            train_and_record(
                cfg,
                DATA,
                cache_dir=tmp_path,
                progress=False,
                device="cpu",
                checkpoint_every_s=0.0,
                callback=kill,
            )
        else:
            train_seeds(
                cfg,
                seeds,
                DATA,
                cache_dir=tmp_path,
                progress=False,
                device="cpu",
                checkpoint_every_s=0.0,
                callback=kill,
            )
    (work,) = [p for p in tmp_path.iterdir() if (p / "checkpoint.pt").exists()]
    return work


def _resume(tmp_path, cfg, counter, *, seeds=None):
    kw = dict(cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=0.0)
    if seeds is None:
        return [train_and_record(cfg, DATA, callback=counter, **kw)]
    return train_seeds(cfg, seeds, DATA, callback=lambda e, rows: counter(e, rows[0]), **kw)


def _same_as_uninterrupted(runs, cfg, seeds=None):
    whole = (
        [train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")]
        if seeds is None
        else train_seeds(cfg, seeds, DATA, cache=False, progress=False, device="cpu")
    )
    for r, w in zip(runs, whole, strict=True):
        for name in w.layers:
            assert torch.equal(r.activations[name], w.activations[name])
        pd.testing.assert_frame_equal(r.history, w.history)


_DAMAGE = {
    "garbage": lambda p: p.write_bytes(b"not a checkpoint at all"),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "foreign": lambda p: torch.save({"format": 1, "epoch": "three"}, p),
}


@pytest.mark.parametrize("seeds", [None, [0, 2]], ids=["one run", "stacked seeds"])
@pytest.mark.parametrize("damage", sorted(_DAMAGE))
def test_damaged_newest_checkpoint_resumes_from_the_previous_one(tmp_path, damage, seeds):
    cfg = _config(n_epochs=6, schedule=[0, 1, 5, 6])
    work = _killed_run(tmp_path, cfg, kill_at=3, seeds=seeds)
    assert (work / "checkpoint.prev.pt").exists()  # epoch 2's, kept beside epoch 3's
    _DAMAGE[damage](work / "checkpoint.pt")
    counter = _Counter()
    with pytest.warns(
        RuntimeWarning,
        match=r"damaged training state .*checkpoint\.pt: .*resuming from checkpoint\.prev\.pt at epoch 2",
    ) as rec:
        runs = _resume(tmp_path, cfg, counter, seeds=seeds)
    assert len([w for w in rec if "damaged" in str(w.message)]) == 1  # warned once
    assert counter.epochs == [3, 4, 5, 6]  # one epoch more than from the intact newest one
    _same_as_uninterrupted(runs, cfg, seeds)


def test_both_checkpoints_damaged_start_again_from_epoch_0(tmp_path):
    cfg = _config(n_epochs=5, schedule=[0, 2, 5])
    work = _killed_run(tmp_path, cfg, kill_at=3)
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):
        _DAMAGE["truncated"](work / name)
    counter = _Counter()
    with pytest.warns(RuntimeWarning, match="training again from epoch 0"):
        runs = _resume(tmp_path, cfg, counter)
    assert counter.epochs == [0, 1, 2, 3, 4, 5]
    _same_as_uninterrupted(runs, cfg)
    # the finished run is cached: a second call loads it without any warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = train_and_record(cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu")
    assert again.from_cache


@pytest.mark.parametrize("damage", ["missing", "garbage", "another run's"])
def test_damaged_recording_is_never_used(tmp_path, damage):
    # rec/00000002.pt is listed by both checkpoints (recorded at epoch 2, kill at 4): neither can be
    # used without it, so training starts again - it must not resume with a hole in the recordings
    cfg = _config(n_epochs=5, schedule=[0, 2, 5])
    work = _killed_run(tmp_path, cfg, kill_at=4)
    rec = work / "rec" / "00000002.pt"
    if damage == "missing":
        rec.unlink()
    elif damage == "garbage":
        rec.write_bytes(b"\x00" * 100)
    else:
        torch.save([{"1": torch.zeros(3, 2)}], rec)  # wrong layers and sizes
    counter = _Counter()
    with pytest.warns(RuntimeWarning, match=r"rec/00000002\.pt is .*training again from epoch 0"):
        runs = _resume(tmp_path, cfg, counter)
    assert counter.epochs == [0, 1, 2, 3, 4, 5]
    _same_as_uninterrupted(runs, cfg)


def test_failed_load_leaves_engine_and_rngs_untouched(tmp_path):
    # a checkpoint whose engine state does not fit: nothing of it may leak into the fresh start
    cfg = _config(n_epochs=3, schedule=[0, 3])
    work = _killed_run(tmp_path, cfg, kill_at=1)
    ck = torch.load(work / "checkpoint.pt", weights_only=True)
    ck["engine"]["model"] = {k: v[..., :1] for k, v in ck["engine"]["model"].items()}  # wrong shapes
    torch.save(ck, work / "checkpoint.pt")
    (work / "checkpoint.prev.pt").unlink()
    counter = _Counter()
    with pytest.warns(RuntimeWarning, match="training again from epoch 0"):
        runs = _resume(tmp_path, cfg, counter)
    assert counter.epochs == [0, 1, 2, 3]
    _same_as_uninterrupted(runs, cfg)


def test_unreadable_cached_run_warns_once_and_retrains(tmp_path):
    cfg = _config(n_epochs=2, schedule=[0, 2])
    train_seeds(cfg, [0], DATA, cache_dir=tmp_path, progress=False, device="cpu")
    (run_pt,) = tmp_path.glob("*/run.pt")
    run_pt.write_bytes(run_pt.read_bytes()[:1000])  # truncated
    with pytest.warns(RuntimeWarning) as rec:
        runs = train_seeds(cfg, [0], DATA, cache_dir=tmp_path, progress=False, device="cpu")
    messages = [str(w.message) for w in rec]
    assert len(messages) == 1, messages  # train_seeds and train_and_record both look: one warning
    assert "unreadable (truncated or not a torch file); deleted it" in messages[0]
    assert "weights_only" not in messages[0]  # not torch's advice to load unsafely
    assert not runs[0].from_cache and RecordedRun.load(run_pt).seed == 0  # trained and written anew


def test_kill_loses_at_most_the_checkpoint_interval(tmp_path, monkeypatch):
    # a fake clock for the loop alone: every epoch takes 1 s; checkpoints every 2.5 s (and at the
    # recorded epochs 0 and 12). Killed after epoch 9: what is lost is under 2.5 s + one epoch.
    import types

    import ibcore.training.loop as loop

    clock = [0.0]
    monkeypatch.setattr(loop, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    cfg = _config(n_epochs=12, schedule=[0, 12])
    saved = []

    def tick(epoch, row):
        saved.append(torch.load(next(tmp_path.glob("*/checkpoint.pt")), weights_only=True)["epoch"])
        clock[0] = epoch + 1.0
        if epoch == 9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_record(
            cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=2.5, callback=tick
        )
    assert saved == [0, 0, 0, 0, 4, 4, 4, 7, 7, 7]  # every 3 epochs = 3 s >= 2.5 s
    assert 9 - saved[-1] <= 3  # lost: epochs 8, 9 (2 s), within 2.5 s plus the epoch in flight


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda tmp: train_and_record(_config(), DATA, cache="no", progress=False), "cache"),
        (lambda tmp: train_and_record(_config(), DATA, cache=False, progress="no"), "progress"),
        (
            lambda tmp: train_seeds(_config(), [0], DATA, cache=False, progress=False, batched="yes"),
            "batched",
        ),
        (
            lambda tmp: record_activations(
                nn.Sequential(nn.Linear(2, 2)), torch.ones(3, 2), ["0"], flatten="no"
            ),
            "flatten",
        ),
    ],
)
def test_bool_options_must_be_bool(tmp_path, call, name):
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        call(tmp_path)
