"""Tests of ibcore.training._checkpoint: resume after a kill, damage, kept weights."""

from __future__ import annotations

import dataclasses
import warnings

import pandas as pd
import pytest
import torch
from toy_runs import SZT6, SZT8, EpochCounter, config, config_6

from ibcore.training import (
    train_and_record,
    train_seeds,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("noise_std", [0.0, 0.1])  # noise: the global RNG state must be restored too
def test_resume_after_kill_matches_uninterrupted(tmp_path, noise_std):
    cfg = config(
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
            SZT8,
            cache_dir=tmp_path,
            progress=False,
            device="cpu",
            checkpoint_every_s=0.0,
            callback=kill_after_3,
        )
    counter = EpochCounter()
    resumed = train_and_record(
        cfg, SZT8, cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=0.0, callback=counter
    )
    # killed after epoch 3 was checkpointed: epochs 4..6 are trained again, nothing is lost
    assert counter.epochs == [4, 5, 6]
    assert resumed.info["resumed"] == 1 and not resumed.from_cache
    whole = train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")
    for name in whole.layers:
        assert torch.equal(whole.activations[name], resumed.activations[name])
    for k in whole.model_state:
        assert torch.equal(whole.model_state[k], resumed.model_state[k])
    pd.testing.assert_frame_equal(whole.history, resumed.history)


def test_resume_loses_at_most_one_epoch_between_checkpoints(tmp_path):
    # checkpoints only at recorded epochs (every_s huge): a kill at epoch 4 resumes from epoch 3
    cfg = config(n_epochs=6, schedule=[0, 3, 6])

    def kill_at_4(epoch, row):
        if epoch == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_record(
            cfg,
            SZT8,
            cache_dir=tmp_path,
            progress=False,
            device="cpu",
            checkpoint_every_s=1e9,
            callback=kill_at_4,
        )
    counter = EpochCounter()
    resumed = train_and_record(
        cfg, SZT8, cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=1e9, callback=counter
    )
    assert counter.epochs == [4, 5, 6]  # epoch 4 (the one in flight) is redone
    whole = train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")
    for name in whole.layers:
        assert torch.equal(whole.activations[name], resumed.activations[name])


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
                SZT8,
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
                SZT8,
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
        return [train_and_record(cfg, SZT8, callback=counter, **kw)]
    return train_seeds(cfg, seeds, SZT8, callback=lambda e, rows: counter(e, rows[0]), **kw)


def _same_as_uninterrupted(runs, cfg, seeds=None):
    whole = (
        [train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")]
        if seeds is None
        else train_seeds(cfg, seeds, SZT8, cache=False, progress=False, device="cpu")
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
    cfg = config(n_epochs=6, schedule=[0, 1, 5, 6])
    work = _killed_run(tmp_path, cfg, kill_at=3, seeds=seeds)
    assert (work / "checkpoint.prev.pt").exists()  # epoch 2's, kept beside epoch 3's
    _DAMAGE[damage](work / "checkpoint.pt")
    counter = EpochCounter()
    with pytest.warns(
        RuntimeWarning,
        match=r"damaged training state .*checkpoint\.pt: .*resuming from checkpoint\.prev\.pt at epoch 2",
    ) as rec:
        runs = _resume(tmp_path, cfg, counter, seeds=seeds)
    assert len([w for w in rec if "damaged" in str(w.message)]) == 1  # warned once
    assert counter.epochs == [3, 4, 5, 6]  # one epoch more than from the intact newest one
    _same_as_uninterrupted(runs, cfg, seeds)


def test_both_checkpoints_damaged_start_again_from_epoch_0(tmp_path):
    cfg = config(n_epochs=5, schedule=[0, 2, 5])
    work = _killed_run(tmp_path, cfg, kill_at=3)
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):
        _DAMAGE["truncated"](work / name)
    counter = EpochCounter()
    with pytest.warns(RuntimeWarning, match="training again from epoch 0"):
        runs = _resume(tmp_path, cfg, counter)
    assert counter.epochs == [0, 1, 2, 3, 4, 5]
    _same_as_uninterrupted(runs, cfg)
    # the finished run is cached: a second call loads it without any warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = train_and_record(cfg, SZT8, cache_dir=tmp_path, progress=False, device="cpu")
    assert again.from_cache


@pytest.mark.parametrize("damage", ["missing", "garbage", "another run's"])
def test_damaged_recording_is_never_used(tmp_path, damage):
    # rec/00000002.pt is listed by both checkpoints (recorded at epoch 2, kill at 4): neither can be
    # used without it, so training starts again - it must not resume with a hole in the recordings
    cfg = config(n_epochs=5, schedule=[0, 2, 5])
    work = _killed_run(tmp_path, cfg, kill_at=4)
    rec = work / "rec" / "00000002.pt"
    if damage == "missing":
        rec.unlink()
    elif damage == "garbage":
        rec.write_bytes(b"\x00" * 100)
    else:
        torch.save([{"1": torch.zeros(3, 2)}], rec)  # wrong layers and sizes
    counter = EpochCounter()
    with pytest.warns(RuntimeWarning, match=r"rec/00000002\.pt is .*training again from epoch 0"):
        runs = _resume(tmp_path, cfg, counter)
    assert counter.epochs == [0, 1, 2, 3, 4, 5]
    _same_as_uninterrupted(runs, cfg)


def test_failed_load_leaves_engine_and_rngs_untouched(tmp_path):
    # a checkpoint whose engine state does not fit: nothing of it may leak into the fresh start
    cfg = config(n_epochs=3, schedule=[0, 3])
    work = _killed_run(tmp_path, cfg, kill_at=1)
    ck = torch.load(work / "checkpoint.pt", weights_only=True)
    ck["engine"]["model"] = {k: v[..., :1] for k, v in ck["engine"]["model"].items()}  # wrong shapes
    torch.save(ck, work / "checkpoint.pt")
    (work / "checkpoint.prev.pt").unlink()
    counter = EpochCounter()
    with pytest.warns(RuntimeWarning, match="training again from epoch 0"):
        runs = _resume(tmp_path, cfg, counter)
    assert counter.epochs == [0, 1, 2, 3]
    _same_as_uninterrupted(runs, cfg)


def test_kill_loses_at_most_the_checkpoint_interval(tmp_path, monkeypatch):
    # a fake clock for the loop alone: every epoch takes 1 s; checkpoints every 2.5 s (and at the
    # recorded epochs 0 and 12). Killed after epoch 9: what is lost is under 2.5 s + one epoch.
    import types

    import ibcore.training.loop as loop

    clock = [0.0]
    monkeypatch.setattr(loop, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    cfg = config(n_epochs=12, schedule=[0, 12])
    saved = []

    def tick(epoch, row):
        saved.append(torch.load(next(tmp_path.glob("*/checkpoint.pt")), weights_only=True)["epoch"])
        clock[0] = epoch + 1.0
        if epoch == 9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_record(
            cfg, SZT8, cache_dir=tmp_path, progress=False, device="cpu", checkpoint_every_s=2.5, callback=tick
        )
    assert saved == [0, 0, 0, 0, 4, 4, 4, 7, 7, 7]  # every 3 epochs = 3 s >= 2.5 s
    assert 9 - saved[-1] <= 3  # lost: epochs 8, 9 (2 s), within 2.5 s plus the epoch in flight


# ----------------------------------------------------------------------------------- weights kept
def test_weights_aligned_with_epochs_and_rebuild_the_recorded_layers():
    cfg = config_6(record_weights=True, activation_dtype="float32", schedule=[0, 1, 3])
    run = train_and_record(cfg, SZT6, cache=False, progress=False, device="cpu")
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
    plain = train_and_record(config_6(), SZT6, cache=False, progress=False, device="cpu")
    assert plain.weights is None
    with pytest.raises(ValueError, match="record_weights=True"):
        plain.model_at(0)


def test_weights_stacked_equal_single_and_survive_cache(tmp_path):
    cfg = config_6(record_weights=True, activation_dtype="float32")
    seeds = [0, 5]
    batched = train_seeds(cfg, seeds, SZT6, cache_dir=tmp_path, progress=False, device="cpu")
    assert batched[0].info["batched_with"] == seeds
    for r in batched:
        alone = train_and_record(
            dataclasses.replace(cfg, seed=r.seed), SZT6, cache=False, progress=False, device="cpu"
        )
        assert len(r.weights) == len(alone.weights) == len(r.epochs)
        for wb, ws in zip(r.weights, alone.weights, strict=True):
            assert set(wb) == set(ws)
            for k in ws:  # stacked and single kernels sum in another order: float rounding only
                torch.testing.assert_close(wb[k], ws[k], rtol=1e-5, atol=1e-6)
    hit = train_seeds(cfg, seeds, SZT6, cache_dir=tmp_path, progress=False, device="cpu")
    assert all(r.from_cache for r in hit)
    for a, b in zip(hit[1].weights, batched[1].weights, strict=True):
        for k in a:
            assert torch.equal(a[k], b[k])


def test_weights_resume_after_kill(tmp_path):
    cfg = config_6(record_weights=True, n_epochs=5, activation_dtype="float32")

    def kill_after_2(epoch, row):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_record(cfg, SZT6, cache_dir=tmp_path, progress=False, device="cpu", callback=kill_after_2,
                         checkpoint_every_s=0)  # fmt: skip
    resumed = train_and_record(cfg, SZT6, cache_dir=tmp_path, progress=False, device="cpu")
    assert resumed.info["resumed"] == 1
    fresh = train_and_record(cfg, SZT6, cache=False, progress=False, device="cpu")
    for a, b in zip(resumed.weights, fresh.weights, strict=True):
        for k in a:
            assert torch.equal(a[k], b[k])
