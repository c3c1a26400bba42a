"""Checkpoints and recordings of a training run on disk: their format, checks, writing and resuming.

A run's work folder holds ``checkpoint.pt`` (engine, optimizer, RNG states, history: the keys
:data:`CHECKPOINT_KEYS`) and the recorded epochs ``rec/<epoch>.pt`` (with
``rec/<epoch>.weights.pt`` when weights are kept). The previous checkpoint is kept beside
the newest (``checkpoint.prev.pt``). On resume the newest checkpoint whose file and recordings
(``rec/<epoch>.pt``) read back whole is used; damaged or missing parts are reported in one
warning and discarded, and when no checkpoint is usable training starts again from epoch 0 -
never from damaged data.
"""

from __future__ import annotations

import copy
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import torch

from ibcore._io import torch_save
from ibcore.training.cache import describe_load_error
from ibcore.training.config import FORMAT

__all__ = [
    "HISTORY",
    "CHECKPOINT_KEYS",
    "cuda_index",
    "check_checkpoint",
    "read_recording",
    "read_weights",
    "save_recording",
    "discard",
    "load_states",
    "restore",
    "write_checkpoint",
]

HISTORY = ("epoch", "train_loss", "train_acc", "eval_loss", "eval_acc")


def cuda_index(device: torch.device) -> int:
    return device.index if device.index is not None else torch.cuda.current_device()


CHECKPOINT_KEYS = ("format", "epoch", "engine", "gens", "cpu_rng", "cuda_rng", "history", "recorded", "wall")


def check_checkpoint(ck: Any, n_seeds: int, n_epochs: int, n_hist: int, record_at: set[int]) -> None:
    """Raise ValueError unless ``ck`` is a complete checkpoint of this training (nothing is changed)."""
    if not isinstance(ck, dict) or any(k not in ck for k in CHECKPOINT_KEYS):
        have = sorted(ck) if isinstance(ck, dict) else type(ck).__name__
        raise ValueError(f"incomplete checkpoint (has {have})")
    if ck["format"] != FORMAT:
        raise ValueError(f"checkpoint format {ck['format']}, this ibcore writes {FORMAT}")
    epoch = ck["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch <= n_epochs:
        raise ValueError(f"checkpoint epoch {epoch!r} outside 0..{n_epochs}")
    hist = ck["history"]
    if not isinstance(hist, torch.Tensor) or tuple(hist.shape) != (n_seeds, epoch + 1, n_hist):
        got = tuple(hist.shape) if isinstance(hist, torch.Tensor) else type(hist).__name__
        raise ValueError(f"checkpoint history has shape {got}, expected {(n_seeds, epoch + 1, n_hist)}")
    gens = ck["gens"]
    if not isinstance(gens, list) or len(gens) != n_seeds:
        raise ValueError(f"checkpoint holds {len(gens) if isinstance(gens, list) else '?'} generator states")
    if not all(isinstance(g, torch.Tensor) and g.dtype == torch.uint8 for g in [*gens, ck["cpu_rng"]]):
        raise ValueError("checkpoint RNG states are not byte tensors")
    if not isinstance(ck["recorded"], list) or not all(
        isinstance(e, int) and 0 <= e <= epoch for e in ck["recorded"]
    ):
        raise ValueError("checkpoint's list of recorded epochs is damaged")
    missing = sorted(e for e in record_at if e <= epoch and e not in ck["recorded"])
    if missing:
        raise ValueError(f"checkpoint at epoch {epoch} lacks the recorded epochs {missing}")


def read_recording(path: Path, n_seeds: int, layers: list[str], n_eval: int) -> list[dict[str, torch.Tensor]]:
    """One recorded epoch, checked: n_seeds dicts of every layer's (n_eval, ...) activations."""
    rec = torch.load(path, map_location="cpu", weights_only=True)
    ok = isinstance(rec, list) and len(rec) == n_seeds
    ok = ok and all(
        isinstance(r, dict)
        and set(r) == set(layers)
        and all(isinstance(t, torch.Tensor) and t.ndim >= 1 and t.shape[0] == n_eval for t in r.values())
        for r in rec
    )
    if not ok:
        raise ValueError("not the recording of this run (wrong seeds, layers or sizes)")
    return rec


def read_weights(path: Path, n_seeds: int) -> list[dict[str, torch.Tensor]]:
    """One epoch's recorded weights, checked: n_seeds state_dicts of tensors."""
    wts = torch.load(path, map_location="cpu", weights_only=True)
    ok = isinstance(wts, list) and len(wts) == n_seeds
    ok = ok and all(isinstance(w, dict) and all(isinstance(t, torch.Tensor) for t in w.values()) for w in wts)
    if not ok:
        raise ValueError("not the recorded weights of this run (wrong seeds or contents)")
    return wts


def save_recording(
    rec_dir: Path | None,
    epoch: int,
    recs: list[dict[str, torch.Tensor]],
    wts: list[dict[str, torch.Tensor]] | None,
) -> None:
    """Write one recorded epoch (and its weights, when kept) to the run's work folder."""
    if rec_dir is None:
        return
    rec_dir.mkdir(parents=True, exist_ok=True)
    if wts is not None:  # written first: a recording on disk implies its weights are there too
        torch_save(wts, rec_dir / f"{epoch:08d}.weights.pt")
    torch_save(recs, rec_dir / f"{epoch:08d}.pt")


def discard(paths: list[Path], rec_dir: Path | None) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    if rec_dir is not None:
        shutil.rmtree(rec_dir, ignore_errors=True)


def load_states(ck: dict[str, Any], engine: Any, gens: list[torch.Generator], device: torch.device) -> None:
    """Put the checkpoint's engine and RNG states in place, all or nothing."""
    cuda = device.type == "cuda"
    before = (
        copy.deepcopy(engine.state_dict()),
        [g.get_state() for g in gens],
        torch.get_rng_state(),
        torch.cuda.get_rng_state(cuda_index(device)) if cuda else None,
    )
    try:
        engine.load_state_dict(ck["engine"])
        for g, state in zip(gens, ck["gens"], strict=True):
            g.set_state(state)
        torch.set_rng_state(ck["cpu_rng"])
        if cuda and ck["cuda_rng"] is not None:
            torch.cuda.set_rng_state(ck["cuda_rng"], cuda_index(device))
    except Exception:  # nothing of a damaged state stays behind
        engine.load_state_dict(before[0])
        for g, state in zip(gens, before[1], strict=True):
            g.set_state(state)
        torch.set_rng_state(before[2])
        if cuda:
            torch.cuda.set_rng_state(before[3], cuda_index(device))
        raise


def restore(
    engine: Any,
    gens: list[torch.Generator],
    device: torch.device,
    work_dir: Path,
    n_epochs: int,
    layers: list[str],
    n_eval: int,
    record_at: set[int],
    record_weights: bool = False,
) -> dict[str, Any] | None:
    """Load the newest usable checkpoint of ``work_dir`` (engine, RNGs); ``None``: start from epoch 0.

    A checkpoint is usable when its file and every recording it lists read back whole and fit
    this run. Damaged parts are named in one warning and deleted; engine and RNGs are left
    untouched unless a usable checkpoint is loaded (the returned dict, with its recordings under
    ``"recorded_data"``).
    """
    n_seeds = len(gens)
    ck_path, prev_path, rec_dir = (
        work_dir / "checkpoint.pt",
        work_dir / "checkpoint.prev.pt",
        work_dir / "rec",
    )
    problems: list[str] = []
    for path in (ck_path, prev_path):
        if not path.exists():
            continue
        try:
            ck = torch.load(path, map_location="cpu", weights_only=True)
            check_checkpoint(ck, n_seeds, n_epochs, len(HISTORY) - 1, record_at)
            recs, wts = {}, {}
            for e in ck["recorded"]:
                rec_path = rec_dir / f"{e:08d}.pt"
                try:
                    recs[e] = read_recording(rec_path, n_seeds, layers, n_eval)
                    if record_weights:
                        rec_path = rec_dir / f"{e:08d}.weights.pt"
                        wts[e] = read_weights(rec_path, n_seeds)
                except Exception as err:
                    raise ValueError(
                        f"its recording rec/{rec_path.name} is {describe_load_error(err)}"
                    ) from None
            load_states(ck, engine, gens, device)
        except Exception as err:
            problems.append(f"{path.name}: {describe_load_error(err)}")
            continue
        if problems:
            warnings.warn(
                f"damaged training state in {work_dir} ({'; '.join(problems)}): discarded it, "
                f"resuming from {path.name} at epoch {ck['epoch']}",
                RuntimeWarning,
                stacklevel=4,
            )
            if path == prev_path:
                os.replace(prev_path, ck_path)
        return {**ck, "recorded_data": recs, "weights_data": wts}
    if problems:
        warnings.warn(
            f"damaged training state in {work_dir} ({'; '.join(problems)}): discarded it and the "
            "recordings, training again from epoch 0",
            RuntimeWarning,
            stacklevel=4,
        )
        discard([ck_path, prev_path], rec_dir)
    return None


def write_checkpoint(state: dict[str, Any], ck_path: Path, prev_path: Path) -> None:
    """Write ``state`` to ``ck_path``, the checkpoint there before moved to ``prev_path``."""
    if ck_path.exists():  # keep the previous checkpoint: a damaged newest one is not the end
        os.replace(ck_path, prev_path)
    torch_save(state, ck_path)
