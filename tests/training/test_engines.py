"""Tests of ibcore.training.engines: seeds trained stacked match seeds trained one by one."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import torch

from ibcore.training import (
    TrainConfig,
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
