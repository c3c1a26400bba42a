"""Tests of ibcore.training.penalties: the orthonormality penalty, by hand and in training."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from toy_runs import SZT6, config_6

from ibcore.models import build_model
from ibcore.training import orthonormality, train_and_record, train_seeds
from ibcore.training.penalties import linear_weights

pytestmark = pytest.mark.usefixtures("one_thread")


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
    base = config_6(n_epochs=20, schedule="ends")
    plain = train_and_record(base, SZT6, cache=False, progress=False, device="cpu")
    ortho = train_and_record(dataclasses.replace(base, orthonormal_penalty=1.0), SZT6, cache=False,
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
    cfg = config_6(orthonormal_penalty=0.5, activation_dtype="float32")
    batched = train_seeds(cfg, [0, 1], SZT6, cache=False, progress=False, device="cpu")
    assert batched[0].info["batched_with"] == [0, 1]
    for r in batched:
        alone = train_and_record(dataclasses.replace(cfg, seed=r.seed), SZT6, cache=False, progress=False,
                                 device="cpu")  # fmt: skip
        for k in alone.model_state:
            torch.testing.assert_close(r.model_state[k], alone.model_state[k], rtol=1e-5, atol=1e-6)
