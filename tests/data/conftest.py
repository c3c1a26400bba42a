"""Fixtures shared by the tests of ibcore.data: an isolated cache, tiny canonical archives, the mirror."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from ibcore.data import files, readers

_REAL_MIRROR = os.environ.get("IBCORE_DATA_MIRROR") or (
    "/work/shared/data" if Path("/work/shared/data").is_dir() else None
)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Cache in tmp_path, no mirror, and torchvision's import state re-checked per test."""
    monkeypatch.setenv("IBCORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("IBCORE_DATA_DIR", raising=False)
    monkeypatch.delenv("IBCORE_DATA_MIRROR", raising=False)
    monkeypatch.setattr(readers, "_tv_cache", readers._UNSET)


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (_md5(p) if p.is_file() else "dir", p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


# --- tiny canonical archives ------------------------------------------------------------------------
def _idx_bytes(arr: np.ndarray) -> bytes:
    """idx format written independently of the reader: 0, 0, type 0x08, ndim, big-endian dims, data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.tobytes()


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """A torchvision-style root with 12 training and 5 test 28x28 images, as .gz and unpacked."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(12) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.array([3, 1, 4, 1, 5], dtype=np.uint8),
    }
    src = tmp_path / "tiny_mnist_src"
    (src / "MNIST" / "raw").mkdir(parents=True)
    for stem, arr in arrays.items():
        raw = _idx_bytes(arr)
        (src / "MNIST" / "raw" / stem).write_bytes(raw)
        (src / "MNIST" / "raw" / f"{stem}.gz").write_bytes(gzip.compress(raw, mtime=0))
        for rel in (f"MNIST/raw/{stem}", f"MNIST/raw/{stem}.gz"):
            monkeypatch.setitem(files.MD5, rel, _md5(src / rel))
    return src, arrays


def _mnist_root(src: Path, dest: Path, *, gz: bool = True, unpacked: bool = False) -> Path:
    (dest / "MNIST" / "raw").mkdir(parents=True)
    for p in (src / "MNIST" / "raw").iterdir():
        if (p.suffix == ".gz" and gz) or (p.suffix != ".gz" and unpacked):
            (dest / "MNIST" / "raw" / p.name).write_bytes(p.read_bytes())
    return dest


def _py2_style_pickle(obj) -> bytes:
    """Protocol 2 naming numpy.core.multiarray, as the canonical Python 2 CIFAR-10 batches do."""
    return pickle.dumps(obj, protocol=2).replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


@pytest.fixture
def tiny_cifar(tmp_path, monkeypatch):
    """cifar-10-python.tar.gz with 3 images per training batch and 4 test images, in the real layout."""
    rng = np.random.default_rng(2)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches, label_names = {}, [f"class{i}" for i in range(10)]
    folder = tmp_path / "tiny_cifar_src" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i, name in enumerate(names):
        n = 4 if name == "test_batch" else 3
        entry = {
            "batch_label": f"batch {i}",
            "labels": [int(v) for v in rng.integers(0, 10, n)],
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "filenames": [f"img_{i}_{j}.png" for j in range(n)],
        }
        batches[name] = entry
        (folder / name).write_bytes(_py2_style_pickle(entry))
    meta = {"num_cases_per_batch": 10000, "label_names": label_names, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(_py2_style_pickle(meta))
    (folder / "readme.html").write_text("<html></html>")
    tar_path = tmp_path / "tiny_cifar_src" / "cifar-10-python.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    for p in folder.iterdir():
        monkeypatch.setitem(files.MD5, f"cifar-10-batches-py/{p.name}", _md5(p))
    monkeypatch.setitem(files.MD5, "cifar-10-python.tar.gz", _md5(tar_path))
    return tar_path, batches, label_names


# --- the real files, from the data mirror -----------------------------------------------------------
@pytest.fixture
def real_mirror(monkeypatch):
    if _REAL_MIRROR is None:
        pytest.skip("no data mirror: set IBCORE_DATA_MIRROR to a folder holding the verified archives")
    monkeypatch.setenv("IBCORE_DATA_MIRROR", _REAL_MIRROR)
    return Path(_REAL_MIRROR)


@pytest.fixture
def mnist_root():
    """``mnist_root(src, dest, *, gz=True, unpacked=False)``: tiny_mnist's files copied into a new root."""
    return _mnist_root


@pytest.fixture
def snapshot():
    """``snapshot(folder)``: md5 (or "dir") and mtime of everything under folder, to prove it untouched."""
    return _snapshot
