"""Tests of ibcore.training.engines: seeds trained stacked match seeds trained one by one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from toy_runs import SZT8, EpochCounter, config

from ibcore.training import (
    train_and_record,
    train_seeds,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# --------------------------------------------------------------------------------------- seeds
def test_batched_seeds_match_single_seeds(tmp_path):
    # float32 storage so the comparison is not limited by float16 rounding (~5e-4)
    cfg = config(n_epochs=3, activation_dtype="float32", optimizer_options={"weight_decay": 1e-3})
    seeds = [0, 3, 7]
    batched = train_seeds(cfg, seeds, SZT8, cache_dir=tmp_path / "b", progress=False, device="cpu")
    assert [r.seed for r in batched] == seeds
    assert all(r.info["batched_with"] == seeds for r in batched)
    for r in batched:
        alone = train_and_record(
            dataclasses.replace(cfg, seed=r.seed), SZT8, cache=False, progress=False, device="cpu"
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
    counter = EpochCounter()
    hit = train_and_record(
        dataclasses.replace(cfg, seed=3),
        SZT8,
        cache_dir=tmp_path / "b",
        progress=False,
        device="cpu",
        callback=counter,
    )
    assert hit.from_cache and counter.epochs == []
    assert not any(p.name.startswith("batch-") for p in (tmp_path / "b").iterdir())
