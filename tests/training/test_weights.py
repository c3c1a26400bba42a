"""Tests for the training options of chapter 2: weights kept per recorded epoch, the orthonormality
penalty, and cache keys that do not change for configurations that leave both alone."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import torch

from ibcore.models import build_model
from ibcore.training import TrainConfig, log_schedule, orthonormality, train_and_record, train_seeds
from ibcore.training.cache import hash_payload
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
    base = _config()
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
        _config(record_weights=1)
    with pytest.raises(ValueError, match="orthonormal_penalty"):
        _config(orthonormal_penalty=-1.0)


# ----------------------------------------------------------------------------------- weights kept


def test_weights_aligned_with_epochs_and_rebuild_the_recorded_layers():
    cfg = _config(record_weights=True, activation_dtype="float32", schedule=[0, 1, 3])
    run = train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")
    assert len(run.weights) == len(run.epochs) == 3
    # the last recorded weights are the final ones
    for k, v in run.model_state.items():
        torch.testing.assert_close(run.weights[-1][k], v, rtol=0, atol=0)
    # weights change between epochs
    assert not torch.equal(run.weights[0]["layer1.linear.weight"], run.weights[1]["layer1.linear.weight"])
    # the model at a recorded epoch reproduces that epoch's activations (noise-free net)
    for e in (0, 1, 3):
        model = run.model_at(e).eval()
        with torch.no_grad():
            out = model.forward_layers(run.x_eval)
        for name in run.layers:
            torch.testing.assert_close(out[name], run.activations[name][run.epoch_index(e)])
    plain = train_and_record(_config(), DATA, cache=False, progress=False, device="cpu")
    assert plain.weights is None
    with pytest.raises(ValueError, match="record_weights=True"):
        plain.model_at(0)


def test_weights_stacked_equal_single_and_survive_cache(tmp_path):
    cfg = _config(record_weights=True, activation_dtype="float32")
    seeds = [0, 5]
    batched = train_seeds(cfg, seeds, DATA, cache_dir=tmp_path, progress=False, device="cpu")
    assert batched[0].info["batched_with"] == seeds
    for r in batched:
        alone = train_and_record(
            dataclasses.replace(cfg, seed=r.seed), DATA, cache=False, progress=False, device="cpu"
        )
        assert len(r.weights) == len(alone.weights) == len(r.epochs)
        for wb, ws in zip(r.weights, alone.weights, strict=True):
            assert set(wb) == set(ws)
            for k in ws:  # stacked and single kernels sum in another order: float rounding only
                torch.testing.assert_close(wb[k], ws[k], rtol=1e-5, atol=1e-6)
    hit = train_seeds(cfg, seeds, DATA, cache_dir=tmp_path, progress=False, device="cpu")
    assert all(r.from_cache for r in hit)
    for a, b in zip(hit[1].weights, batched[1].weights, strict=True):
        for k in a:
            assert torch.equal(a[k], b[k])


def test_weights_resume_after_kill(tmp_path):
    cfg = _config(record_weights=True, n_epochs=5, activation_dtype="float32")

    def kill_after_2(epoch, row):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_record(cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu", callback=kill_after_2,
                         checkpoint_every_s=0)  # fmt: skip
    resumed = train_and_record(cfg, DATA, cache_dir=tmp_path, progress=False, device="cpu")
    assert resumed.info["resumed"] == 1
    fresh = train_and_record(cfg, DATA, cache=False, progress=False, device="cpu")
    for a, b in zip(resumed.weights, fresh.weights, strict=True):
        for k in a:
            assert torch.equal(a[k], b[k])


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


def test_log_schedule():
    assert log_schedule(1000, 4).tolist() == [0, 1, 10, 100, 1000]
    assert log_schedule(5, 20).tolist() == [0, 1, 2, 3, 4, 5]  # rounding merges early points
    assert log_schedule(7, 1).tolist() == [0, 7] and log_schedule(0, 3).tolist() == [0]
    cfg = _config(n_epochs=30, schedule=log_schedule(30, 6).tolist())
    assert cfg.epochs()[-1] == 30
