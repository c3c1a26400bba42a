"""Tiny training problems that the tests of ``ibcore.training`` share (a helper, not a test module).

``SZT8`` stands in for the SZT task at a size a unit test trains in milliseconds: all 2^8 binary
inputs labelled by a random linear rule, split at its median so both classes hold 128 inputs;
``SZT6`` is the same on 6 bits (64 inputs). ``config`` and ``config_6`` are the matching small MLP
runs; ``EpochCounter`` records the epochs a training loop reports to its ``on_epoch`` callback.
"""

from __future__ import annotations

import itertools

import numpy as np

from ibcore.training import TrainConfig

__all__ = ["SZT6", "SZT8", "EpochCounter", "config", "config_6", "szt_like"]


def szt_like(n_bits: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """All 2^n_bits binary inputs with a learnable rule (a tiny SZT stand-in)."""
    x = np.array(list(itertools.product([0.0, 1.0], repeat=n_bits)), dtype=np.float32)
    w = np.random.default_rng(seed).normal(size=n_bits)
    y = (x @ w > np.median(x @ w)).astype(np.int64)
    return x, y


SZT8 = szt_like(8)  # 256 samples, 8 features
SZT6 = szt_like(6)  # 64 samples, 6 features


def config(**kw) -> TrainConfig:
    """A 8-6-4-2 MLP on ``SZT8``: 4 epochs, every epoch recorded; ``kw`` overrides any field."""
    base = dict(
        model={"kind": "mlp", "widths": [8, 6, 4, 2]},
        lr=1e-2,
        batch_size=32,
        n_epochs=4,
        schedule="all",
        seed=0,
    )
    return TrainConfig(**(base | kw))


def config_6(**kw) -> TrainConfig:
    """A 6-5-3-2 MLP on ``SZT6``: 3 epochs, batch 16, every epoch recorded."""
    base = dict(
        model={"kind": "mlp", "widths": [6, 5, 3, 2]}, lr=1e-2, batch_size=16, n_epochs=3, schedule="all"
    )
    return TrainConfig(**(base | kw))


class EpochCounter:
    """An ``on_epoch`` callback that keeps the epochs it was called with."""

    def __init__(self):
        self.epochs: list[int] = []

    def __call__(self, epoch, row):
        self.epochs.append(epoch)
