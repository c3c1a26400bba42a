"""Tests of ibcore.training.penalties: the orthonormality penalty, by hand and in training."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import torch

from ibcore.models import build_model
from ibcore.training import TrainConfig, orthonormality, train_and_record, train_seeds
from ibcore.training.penalties import linear_weights

pytestmark = pytest.mark.usefixtures("one_thread")


def _data(n_bits: int = 6) -> tuple[np.ndarray, np.ndarray]:
    x = np.array(list(itertools.product([0.0, 1.0], repeat=n_bits)), dtype=np.float32)
    w = np.random.default_rng(0).normal(size=n_bits)
    return x, (x @ w > np.median(x @ w)).astype(np.int64)


DATA = _data()  # 64 samples, 6 features


def _config(**kw) -> TrainConfig:
    base = dict(
        model={"kind": "mlp", "widths": [6, 5, 3, 2]}, lr=1e-2, batch_size=16, n_epochs=3, schedule="all"
    )
    base.update(kw)
    return TrainConfig(**base)


# ------------------------------------------------------------------------------ orthonormal penalty
def test_orthonormality_value_and_gradient_by_hand():
    # W = [[1, 1]] (1 x 2): W W^T = [[2]], penalty (2 - 1)^2 = 1; gradient 4 (W W^T - I) W = 4 W
    w = torch.tensor([[1.0, 1.0]], requires_grad=True)
    p = orthonormality([w])
    assert float(p.detach()) == pytest.approx(1.0)
    p.backward()
    torch.testing.assert_close(w.grad, torch.tensor([[4.0, 4.0]]))
    # a widening layer uses W^T W: W = [[1], [0], [0]] has orthonormal columns, penalty 0
    assert float(orthonormality([torch.tensor([[1.0], [0.0], [0.0]])])) == 0.0
    # rotations are orthonormal; layers add; leading axes are batch axes (stacked seeds)
    c, s = np.cos(0.3), np.sin(0.3)
    rot = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
    assert float(orthonormality([rot])) == pytest.approx(0.0, abs=1e-12)
    two = torch.stack([rot, 2 * rot])  # (2, 2, 2): penalties 0 and 2 * (4 - 1)^2 = 18
    torch.testing.assert_close(orthonormality([two, two]), torch.tensor([0.0, 36.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="empty"):
        orthonormality([])


def test_penalty_moves_training_towards_orthonormal_weights():
    base = _config(n_epochs=20, schedule="ends")
    plain = train_and_record(base, DATA, cache=False, progress=False, device="cpu")
    ortho = train_and_record(dataclasses.replace(base, orthonormal_penalty=1.0), DATA, cache=False,
                             progress=False, device="cpu")  # fmt: skip

    def pen(run):
        return float(orthonormality(linear_weights(run.final_model())).detach())

    assert pen(ortho) < 0.5 * pen(plain)
    # same init (same seed): the penalty is the only difference
    with torch.random.fork_rng():
        torch.manual_seed(0)
        init = build_model(base.model)
    assert pen(plain) != pen(ortho)
    assert float(orthonormality(linear_weights(init)).detach()) > 0


def test_penalty_stacked_equals_single():
    cfg = _config(orthonormal_penalty=0.5, activation_dtype="float32")
    batched = train_seeds(cfg, [0, 1], DATA, cache=False, progress=False, device="cpu")
    assert batched[0].info["batched_with"] == [0, 1]
    for r in batched:
        alone = train_and_record(dataclasses.replace(cfg, seed=r.seed), DATA, cache=False, progress=False,
                                 device="cpu")  # fmt: skip
        for k in alone.model_state:
            torch.testing.assert_close(r.model_state[k], alone.model_state[k], rtol=1e-5, atol=1e-6)
