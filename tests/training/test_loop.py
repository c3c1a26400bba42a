"""Tests of ibcore.training.loop: train_and_record and train_seeds (storage, seeds, models, errors)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from toy_runs import SZT8, config

from ibcore.training import (
    TrainConfig,
    record_activations,
    train_and_record,
    train_seeds,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------------------------ train and record
def test_train_and_record_fields_and_float16(tmp_path):
    cfg = config(n_epochs=3, schedule=[0, 2, 3])
    run = train_and_record(cfg, SZT8, cache_dir=tmp_path, progress=False, device="cpu")
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
    assert run.y_eval.dtype == torch.int64 and torch.equal(run.x_eval, torch.from_numpy(SZT8[0]))
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
        config(n_epochs=1, activation_dtype="float32"), SZT8, cache=False, progress=False, device="cpu"
    )
    assert run.activations["layer1"].dtype == torch.float32


def test_eval_set_is_used():
    x, y = SZT8
    run = train_and_record(
        config(n_epochs=1), (x[:200], y[:200]), (x[200:], y[200:]), cache=False, progress=False, device="cpu"
    )
    assert run.activations["layer1"].shape[1] == 56
    assert torch.equal(run.x_eval, torch.from_numpy(x[200:]))


def test_cpu_reproducible_and_seed_matters():
    a = train_and_record(config(), SZT8, cache=False, progress=False, device="cpu")
    b = train_and_record(config(), SZT8, cache=False, progress=False, device="cpu")
    c = train_and_record(config(seed=1), SZT8, cache=False, progress=False, device="cpu")
    for name in a.layers:
        assert torch.equal(a.activations[name], b.activations[name])
    pd.testing.assert_frame_equal(a.history, b.history)
    assert not torch.equal(a.activations["layer1"], c.activations["layer1"])


def test_global_rng_left_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_and_record(config(n_epochs=1), SZT8, cache=False, progress=False, device="cpu")
    assert torch.equal(torch.rand(3), expected)


def test_noisy_mlp_trains_reproducibly_and_records_noise():
    cfg = config(n_epochs=2, model={"kind": "mlp", "widths": [8, 6, 4, 2], "noise_std": 0.1})
    a = train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")
    b = train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")
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


def test_custom_module_needs_layers():
    with pytest.raises(ValueError, match="layers=None works for ibcore models only"):
        train_and_record(TrainConfig(n_epochs=1), SZT8, model=nn.Linear(8, 2), progress=False, device="cpu")


def test_train_seeds_reuses_cache_and_resumes(tmp_path):
    cfg = config(n_epochs=4, schedule=[0, 4])
    train_seeds(cfg, [1], SZT8, cache_dir=tmp_path, progress=False, device="cpu")

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
            SZT8,
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
        SZT8,
        cache_dir=tmp_path,
        progress=False,
        device="cpu",
        checkpoint_every_s=0.0,
        callback=lambda e, rows: counter.append(e),
    )
    assert counter == [3, 4]
    assert [r.from_cache for r in runs] == [False, True, False]
    whole = train_seeds(cfg, [0, 2], SZT8, cache=False, progress=False, device="cpu")
    for r, w in zip([runs[0], runs[2]], whole, strict=False):
        for name in w.layers:
            assert torch.equal(r.activations[name], w.activations[name])


def test_train_seeds_noisy_falls_back_to_one_by_one():
    cfg = config(n_epochs=1, model={"kind": "mlp", "widths": [8, 4, 2], "noise_std": 0.1})
    runs = train_seeds(cfg, [0, 1], SZT8, cache=False, progress=False, device="cpu")
    assert all("batched_with" not in r.info for r in runs)
    alone = train_and_record(
        dataclasses.replace(cfg, seed=1), SZT8, cache=False, progress=False, device="cpu"
    )
    assert torch.equal(runs[1].activations["layer1"], alone.activations["layer1"])
    with pytest.raises(ValueError, match="batched=True is impossible"):
        train_seeds(cfg, [0, 1], SZT8, cache=False, progress=False, device="cpu", batched=True)


def test_train_errors():
    x, y = SZT8
    kw = dict(cache=False, progress=False, device="cpu")
    with pytest.raises(ValueError, match="config.model is None"):
        train_and_record(TrainConfig(), SZT8, **kw)
    with pytest.raises(ValueError, match="either as config.model"):
        train_and_record(config(), SZT8, model=nn.Linear(8, 2), **kw)
    with pytest.raises(ValueError, match="has 256 labels, expected 255"):
        train_and_record(config(), (x[:-1], y), **kw)
    with pytest.raises(ValueError, match="labels go up to 2 but the model has 2 outputs"):
        train_and_record(config(), (x, y * 2), **kw)
    with pytest.raises(ValueError, match=r"shape \(7,\) per sample, the model takes \(8,\)"):
        train_and_record(config(), (x[:, :7], y), **kw)
    with pytest.raises(TypeError, match="must be a pair"):
        train_and_record(config(), x, **kw)
    with pytest.raises(ValueError, match="NaN"):
        train_and_record(config(), (np.full_like(x, np.nan), y), **kw)
    with pytest.raises(ValueError, match="unknown layer name"):
        train_and_record(config(), SZT8, layers=["layer7"], **kw)
    with pytest.raises(ValueError, match="duplicates"):
        train_seeds(config(), [1, 1], SZT8, **kw)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda tmp: train_and_record(config(), SZT8, cache="no", progress=False), "cache"),
        (lambda tmp: train_and_record(config(), SZT8, cache=False, progress="no"), "progress"),
        (
            lambda tmp: train_seeds(config(), [0], SZT8, cache=False, progress=False, batched="yes"),
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
