"""The run cache: keys and files.

A run is cached under ``<cache_dir>/<key>/`` where ``key`` (:func:`hash_payload` of
:func:`key_payload`) is the SHA-256 of the configuration, a :func:`fingerprint` of the data, the
sorted layer names, the recorded epochs, the ibcore version and the cache :data:`FORMAT`; the
folder holds ``config.json`` (that payload), ``run.pt`` (the :class:`RecordedRun`) and, while the
run trains, ``checkpoint.pt``, ``checkpoint.prev.pt`` and ``rec/`` (:func:`cleanup_work` removes
them). :func:`load_cached` reads a cached run; a file it cannot read is deleted with one warning.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ibcore.training.config import FORMAT, RecordedRun, TrainConfig

__all__ = [
    "ibcore_version",
    "KEY_VERSION",
    "fingerprint",
    "key_payload",
    "hash_payload",
    "describe_load_error",
    "load_cached",
    "cleanup_work",
]


#: The ibcore version that every run's key holds. It moves with a release that changes what
#: training computes (models, optimisers, initialisation, data order, seeding: then every run
#: trains again), not with one that only moves code: 0.3 reorganised the package (library and
#: book apart) and trains bit-identically, so its runs keep the keys of 0.2.0 (the default book
#: retrained nothing after the move). ``FORMAT`` covers the cache's layout.
KEY_VERSION = "0.2.0"


def ibcore_version() -> str:
    """The installed ibcore version (recorded in each run's info; the key holds :data:`KEY_VERSION`)."""
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
        "ibcore": KEY_VERSION,
        "config": cfg.to_dict(),
        "data": data_fp,
        "layers": sorted(layers),
        "epochs": [int(e) for e in epochs],
        "custom_model": cache_key,
    }


def hash_payload(payload: Any) -> str:
    """SHA-256 hex digest of ``payload`` as JSON with sorted keys."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def describe_load_error(err: BaseException) -> str:
    """A short reason why :func:`torch.load` failed, for the cache's warnings.

    torch's own text can mislead: for any file its weights-only unpickler refuses it suggests
    loading with ``weights_only=False``, which would run code from a file of unknown origin.
    """
    text = str(err)
    if isinstance(err, FileNotFoundError):
        return "missing"
    if isinstance(err, EOFError) or "central directory" in text or "zip archive" in text:
        return "truncated or not a torch file"
    if isinstance(err, pickle.UnpicklingError) or "Weights only load failed" in text:
        return "not a file ibcore wrote (unreadable contents)"
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(err).__name__}: {first[:200]}"


def load_cached(run_dir: Path) -> RecordedRun | None:
    """The run in ``run_dir/run.pt``, or ``None`` if it is missing or unreadable.

    An unreadable file (truncated, corrupt, or not a run ibcore wrote) is reported in one warning
    that says why, and deleted, so that the run is trained again and written anew; a later call
    does not warn about it a second time.
    """
    path = run_dir / "run.pt"
    if not path.exists():
        return None
    try:
        return RecordedRun.load(path)
    except Exception as err:  # a corrupt or foreign file: train again rather than fail
        path.unlink(missing_ok=True)
        warnings.warn(
            f"the cached run {path} is unreadable ({describe_load_error(err)}); deleted it, the run "
            "is trained again",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


def cleanup_work(work_dir: Path) -> None:
    """Remove the checkpoints and the per-epoch recordings of a finished run."""
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):
        (work_dir / name).unlink(missing_ok=True)
    shutil.rmtree(work_dir / "rec", ignore_errors=True)
