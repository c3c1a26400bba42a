"""Tests of ibcore.training.config: TrainConfig's options and key fields; RecordedRun."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from toy_runs import SZT8, config, config_6

from ibcore.training import (
    RecordedRun,
    TrainConfig,
    train_and_record,
)
from ibcore.training.cache import hash_payload

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------------- save / load
def test_save_load_round_trip(tmp_path):
    run = train_and_record(config(n_epochs=2), SZT8, cache=False, progress=False, device="cpu")
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


# ------------------------------------------------------------------------------------- cache keys
def test_default_config_dict_and_key_unchanged():
    # the fields and the hash of a default config as they were before record_weights and
    # orthonormal_penalty existed (pinned: chapter 0's cached runs keep their keys)
    cfg = TrainConfig(model={"kind": "mlp", "widths": [8, 6, 4, 2]}, n_epochs=4, schedule="all")
    d = cfg.to_dict()
    assert sorted(d) == [
        "activation_dtype", "batch_size", "full_batch", "loss", "lr", "model", "n_epochs",
        "optimizer", "optimizer_options", "schedule", "seed",
    ]  # fmt: skip
    assert hash_payload(d) == "c82a1ea917d71d7b839aa7c0b178e663e4040992bed2e51d403e851b338d3e93"


def test_new_options_enter_the_key_only_when_set():
    base = config_6()
    with_w = dataclasses.replace(base, record_weights=True)
    with_o = dataclasses.replace(base, orthonormal_penalty=0.1)
    assert with_w.to_dict()["record_weights"] is True
    assert with_o.to_dict()["orthonormal_penalty"] == 0.1
    keys = {hash_payload(c.to_dict()) for c in (base, with_w, with_o)}
    assert len(keys) == 3
    assert TrainConfig.from_dict(with_o.to_dict()) == with_o  # round trip
    assert TrainConfig.from_dict(base.to_dict()).orthonormal_penalty == 0.0


def test_option_errors():
    with pytest.raises(TypeError, match="record_weights must be a bool"):
        config_6(record_weights=1)
    with pytest.raises(ValueError, match="orthonormal_penalty"):
        config_6(orthonormal_penalty=-1.0)
