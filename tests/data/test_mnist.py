"""Tests of ibcore.data.mnist: the idx reader and load_mnist, on tiny archives and the real files.

The real-data test needs a mirror holding the verified files (IBCORE_DATA_MIRROR, else
/work/shared/data) and skips without one.
"""

from __future__ import annotations

import struct

import pytest
import torch

from ibcore import data as D  # noqa: N812 - short alias used throughout
from ibcore.data import mnist


# --- MNIST reader --------------------------------------------------------------------------------
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reader_reads_gz_archives(tiny_mnist, tmp_path, train, mnist_root):
    src, arrays = tiny_mnist
    root = mnist_root(src, tmp_path / "root")
    ds = D.load_mnist(train, root=root, download=False, reader="ibcore")
    stem = "train" if train else "t10k"
    images, labels = arrays[f"{stem}-images-idx3-ubyte"], arrays[f"{stem}-labels-idx1-ubyte"]
    assert ds.reader == "ibcore" and ds.name == "MNIST" and ds.info["split"] == ("train" if train else "test")
    assert ds.x.dtype == torch.float32 and ds.x.shape == (len(labels), 1, 28, 28)
    assert ds.y.dtype == torch.int64 and len(ds) == len(labels)
    # exact: both sides are uint8 / 255 in float32
    assert torch.equal(ds.x, torch.from_numpy(images).float().unsqueeze(1) / 255)
    assert torch.equal(ds.y, torch.from_numpy(labels).long())
    assert float(ds.x.min()) >= 0.0 and float(ds.x.max()) <= 1.0
    assert ds.info["origin"] == {
        f"MNIST/raw/{stem}-images-idx3-ubyte.gz": "cache",
        f"MNIST/raw/{stem}-labels-idx1-ubyte.gz": "cache",
    }


def test_mnist_accepts_unpacked_files(tiny_mnist, tmp_path, mnist_root):
    src, _ = tiny_mnist
    from_gz = D.load_mnist(root=mnist_root(src, tmp_path / "a"), download=False, reader="ibcore")
    from_raw = D.load_mnist(
        root=mnist_root(src, tmp_path / "b", gz=False, unpacked=True), download=False, reader="ibcore"
    )
    assert torch.equal(from_gz.x, from_raw.x) and torch.equal(from_gz.y, from_raw.y)
    assert set(from_raw.info["files"]) == {
        "MNIST/raw/train-images-idx3-ubyte",
        "MNIST/raw/train-labels-idx1-ubyte",
    }


def test_idx_reader_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x01" + struct.pack(">I", 2) + b"ab")
    with pytest.raises(ValueError, match="not an idx file"):
        mnist.read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, 5) + b"abc")
    with pytest.raises(ValueError, match="3 bytes follow"):
        mnist.read_idx(short)
    wide = tmp_path / "wide"
    wide.write_bytes(struct.pack(">BBBBI", 0, 0, 0x0D, 1, 1) + b"abcd")
    with pytest.raises(ValueError, match="not supported"):
        mnist.read_idx(wide)


def test_real_mnist(real_mirror):
    if not (real_mirror / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("the mirror has no MNIST")
    tr = D.load_mnist(download=False)
    te = D.load_mnist(False, download=False)
    assert tr.x.shape == (60000, 1, 28, 28) and te.x.shape == (10000, 1, 28, 28)
    assert torch.bincount(tr.y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert float(tr.x.min()) == 0.0 and float(tr.x.max()) == 1.0
    assert len(tr.subset(fraction=0.01, stratified=True)) == 600
