"""The run cache: keys and files.

A run is cached under ``<cache_dir>/<key>/`` where ``key`` (:func:`hash_payload` of
:func:`key_payload`) is the SHA-256 of the configuration, a :func:`fingerprint` of the data, the
sorted layer names, the recorded epochs, the ibcore version and the cache :data:`FORMAT`; the
folder holds ``config.json`` (that payload), ``run.pt`` (the :class:`RecordedRun`) and, while the
run trains, ``checkpoint.pt`` and ``rec/`` (:func:`cleanup_work` removes them).
:func:`load_cached` reads a cached run, ignoring (with a warning) a file it cannot read.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ibcore.training.config import FORMAT, RecordedRun, TrainConfig

__all__ = ["ibcore_version", "fingerprint", "key_payload", "hash_payload", "load_cached", "cleanup_work"]


def ibcore_version() -> str:
    """The installed ibcore version (part of every key: a new version trains again)."""
    try:
        return metadata.version("ibcore")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "unknown"


def fingerprint(*tensors: torch.Tensor) -> str:
    """SHA-256 over dtypes, shapes and bytes of the given CPU tensors."""
    h = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous()
        h.update(f"{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy() if t.numel() else b"")
    return h.hexdigest()


def key_payload(
    cfg: TrainConfig, data_fp: str, layers: Sequence[str], epochs: np.ndarray, cache_key: str | None
) -> dict[str, Any]:
    """What a run's key hashes, also written as its ``config.json`` (``cache_key``: custom modules)."""
    return {
        "format": FORMAT,
        "ibcore": ibcore_version(),
        "config": cfg.to_dict(),
        "data": data_fp,
        "layers": sorted(layers),
        "epochs": [int(e) for e in epochs],
        "custom_model": cache_key,
    }


def hash_payload(payload: Any) -> str:
    """SHA-256 hex digest of ``payload`` as JSON with sorted keys."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def load_cached(run_dir: Path) -> RecordedRun | None:
    """The run in ``run_dir/run.pt``, or ``None`` if it is missing or unreadable (with a warning)."""
    path = run_dir / "run.pt"
    if not path.exists():
        return None
    try:
        return RecordedRun.load(path)
    except Exception as err:  # a corrupt or foreign file: train again rather than fail
        warnings.warn(f"ignoring unreadable cached run {path}: {err}", stacklevel=3)
        return None


def cleanup_work(work_dir: Path) -> None:
    """Remove the checkpoint and the per-epoch recordings of a finished run."""
    ck = work_dir / "checkpoint.pt"
    if ck.exists():
        ck.unlink()
    shutil.rmtree(work_dir / "rec", ignore_errors=True)
