"""Tests of ibcore.data.readers: torchvision or ibcore's own readers, and their agreement."""

from __future__ import annotations

import logging
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from ibcore import data as D  # noqa: N812 - short alias used throughout
from ibcore.data import readers


# --- readers: torchvision or ibcore --------------------------------------------------------------
def test_broken_torchvision_import_falls_back(tiny_mnist, tmp_path, monkeypatch, caplog, mnist_root):
    # a torchvision that fails with RuntimeError at import, like the CUDA wheel on a CPU-only torch
    fake = tmp_path / "fake_site" / "torchvision"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise RuntimeError("operator torchvision::nms does not exist")\n')
    monkeypatch.syspath_prepend(str(tmp_path / "fake_site"))
    for mod in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        monkeypatch.delitem(sys.modules, mod)
    assert D.torchvision_available() is False
    src, _ = tiny_mnist
    root = mnist_root(src, tmp_path / "root")
    with caplog.at_level(logging.INFO, logger="ibcore.data"):
        ds = D.load_mnist(root=root, download=False)
    assert ds.reader == "ibcore"
    assert "ibcore reader (torchvision unavailable: RuntimeError: operator torchvision::nms" in caplog.text
    with pytest.raises(RuntimeError, match="torchvision cannot be imported"):
        D.load_mnist(root=root, download=False, reader="torchvision")


def _fake_torchvision_datasets():
    """Stand-ins that behave like torchvision's MNIST and CIFAR10 on the files they read.

    They check the glue code (which files must exist, HWC -> CHW, the ``reader`` field) where
    torchvision cannot be imported; the real comparison is test_torchvision_and_ibcore_agree.
    """

    class MNIST:
        def __init__(self, root, train=True, download=False):
            assert download is False
            raw = Path(root) / "MNIST" / "raw"
            for stem in (
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte",
            ):
                if not (raw / stem).is_file():  # torchvision reads the unpacked files only
                    raise RuntimeError("Dataset not found. You can use download=True to download it")
            s = "train" if train else "t10k"
            img = (raw / f"{s}-images-idx3-ubyte").read_bytes()
            lab = (raw / f"{s}-labels-idx1-ubyte").read_bytes()
            self.data = torch.from_numpy(np.frombuffer(img, np.uint8, offset=16).reshape(-1, 28, 28).copy())
            self.targets = torch.from_numpy(np.frombuffer(lab, np.uint8, offset=8).astype(np.int64))

    class CIFAR10:
        def __init__(self, root, train=True, download=False):
            assert download is False
            folder = Path(root) / "cifar-10-batches-py"
            names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
            entries = [pickle.loads((folder / n).read_bytes(), encoding="latin1") for n in names]
            self.data = np.vstack([e["data"] for e in entries]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            self.targets = [t for e in entries for t in e["labels"]]
            meta = pickle.loads((folder / "batches.meta").read_bytes(), encoding="latin1")
            self.classes = meta["label_names"]

    return types.SimpleNamespace(MNIST=MNIST, CIFAR10=CIFAR10)


def test_torchvision_glue_with_stand_ins(tiny_mnist, tiny_cifar, tmp_path, monkeypatch, mnist_root):
    monkeypatch.setattr(readers, "_tv_cache", _fake_torchvision_datasets())
    src, _ = tiny_mnist
    root = mnist_root(src, tmp_path / "root")  # .gz only: the loader unpacks them for torchvision
    for train in (True, False):
        tv = D.load_mnist(train, root=root, download=False)
        own = D.load_mnist(train, root=root, download=False, reader="ibcore")
        assert tv.reader == "torchvision" and own.reader == "ibcore"
        assert torch.equal(tv.x, own.x) and torch.equal(tv.y, own.y) and tv.y.dtype == torch.int64
    assert (root / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file()
    tar_path, _, _ = tiny_cifar
    (root / tar_path.name).write_bytes(tar_path.read_bytes())
    tv = D.load_cifar10(root=root, download=False)
    own = D.load_cifar10(root=root, download=False, reader="ibcore")
    assert tv.reader == "torchvision" and tv.x.is_contiguous()
    assert torch.equal(tv.x, own.x) and torch.equal(tv.y, own.y) and tv.info["classes"] == own.info["classes"]


def test_torchvision_and_ibcore_agree(tiny_mnist, tiny_cifar, tmp_path, mnist_root):
    if not D.torchvision_available():
        pytest.skip(f"torchvision cannot be imported here ({readers._tv_error})")
    src, _ = tiny_mnist
    root = mnist_root(src, tmp_path / "root")
    tar_path, _, _ = tiny_cifar
    (root / tar_path.name).write_bytes(tar_path.read_bytes())
    for train in (True, False):
        for load in (D.load_mnist, D.load_cifar10):
            tv = load(train, root=root, download=False, reader="torchvision")
            own = load(train, root=root, download=False, reader="ibcore")
            assert torch.equal(tv.x, own.x) and torch.equal(tv.y, own.y)


def test_unknown_reader():
    with pytest.raises(ValueError, match="unknown reader='pil'"):
        D.load_mnist(reader="pil")
