"""Tests of ibcore.data.files: the mirror, the cache, downloads, checksums and their stamps.

Small archives in the canonical formats are built in tmp_path (fixtures of conftest.py) and their md5s
are put in the loader's checksum table with monkeypatch.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from ibcore import data as D  # noqa: N812 - short alias used throughout
from ibcore.data import files

_REAL_MIRROR = os.environ.get("IBCORE_DATA_MIRROR") or (
    "/work/shared/data" if Path("/work/shared/data").is_dir() else None
)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _make_read_only(folder: Path) -> None:
    for p in folder.rglob("*"):
        p.chmod(0o444 if p.is_file() else 0o555)
    folder.chmod(0o555)


def _make_writable(folder: Path) -> None:  # so that tmp_path can be cleaned up
    folder.chmod(0o755)
    for p in folder.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)


def test_unpacked_md5s_match_the_canonical_archives():
    # the hard-coded sums of the unpacked MNIST files must be those of the canonical .gz contents
    if _REAL_MIRROR is None or not (Path(_REAL_MIRROR) / "MNIST" / "raw").is_dir():
        pytest.skip("no data mirror with MNIST")
    for stem in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        with gzip.open(Path(_REAL_MIRROR) / "MNIST" / "raw" / f"{stem}.gz", "rb") as fh:
            assert hashlib.md5(fh.read()).hexdigest() == files.MD5[f"MNIST/raw/{stem}"]


# --- mirror, cache, download --------------------------------------------------------------------
def test_mirror_is_copied_into_cache_and_never_written(
    tiny_mnist, tmp_path, monkeypatch, mnist_root, snapshot
):
    src, arrays = tiny_mnist
    mirror = mnist_root(src, tmp_path / "mirror", gz=True)
    before = snapshot(mirror)
    _make_read_only(mirror)
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    try:
        ds = D.load_mnist(download=False, reader="ibcore")
        again = D.load_mnist(download=False, reader="ibcore")
    finally:
        _make_writable(mirror)
    # the tests run as root on CI, where permissions do not stop writes: compare contents and mtimes
    assert snapshot(mirror) == before
    cached = tmp_path / "cache" / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    assert cached.is_file() and not cached.is_symlink()
    assert _md5(cached) == files.MD5["MNIST/raw/train-images-idx3-ubyte.gz"]
    assert set(ds.info["origin"].values()) == {"mirror"} and set(again.info["origin"].values()) == {"cache"}
    assert torch.equal(ds.x, torch.from_numpy(arrays["train-images-idx3-ubyte"]).float().unsqueeze(1) / 255)


def test_root_inside_mirror_is_refused(tiny_mnist, tmp_path, monkeypatch, mnist_root):
    src, _ = tiny_mnist
    mirror = mnist_root(src, tmp_path / "mirror")
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    with pytest.raises(ValueError, match="never writes into the mirror"):
        D.load_mnist(root=mirror, download=False)


def test_missing_file_error_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(tmp_path / "empty_mirror"))
    with pytest.raises(D.DataNotFoundError) as err:
        D.load_mnist(download=False, reader="ibcore")
    msg = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    assert "MNIST/raw/train-images-idx3-ubyte.gz" in msg and "f68b3c2dcbeaaa9fbdd348bbdeb94873" in msg
    assert str(tmp_path / "cache" / "data") in msg and str(tmp_path / "empty_mirror") in msg
    assert "does not exist" in msg and "download=False" in msg
    assert "set IBCORE_DATA_MIRROR" in msg and "https://ossci-datasets.s3.amazonaws.com/mnist/" in msg


def test_missing_file_without_mirror_mentions_the_variable():
    with pytest.raises(D.DataNotFoundError, match="IBCORE_DATA_MIRROR is not set"):
        D.load_szt(download=False)


def test_download_from_url(tmp_path, monkeypatch):
    f = np.array([[0, 1], [1, 0], [1, 1]], dtype=np.uint8)
    src = tmp_path / "remote" / "var_u.mat"
    src.parent.mkdir()
    scipy.io.savemat(src, {"F": f, "y": np.array([[0, 1, 1]], dtype=np.uint8)})
    monkeypatch.setitem(files.MD5, "szt/var_u.mat", _md5(src))
    dead = (tmp_path / "nowhere.mat").as_uri()
    monkeypatch.setitem(files.URLS, "szt/var_u.mat", (dead, src.as_uri()))  # the first URL fails
    ds = D.load_szt()
    assert ds.info["origin"] == {"szt/var_u.mat": "download"}
    assert _md5(tmp_path / "cache" / "data" / "szt" / "var_u.mat") == _md5(src)
    assert torch.equal(ds.x, torch.from_numpy(f).float()) and ds.y.tolist() == [0, 1, 1]


def test_failed_download_error_lists_urls(tmp_path, monkeypatch):
    dead = (tmp_path / "nowhere.mat").as_uri()
    monkeypatch.setitem(files.URLS, "szt/var_u.mat", (dead,))
    with pytest.raises(D.DataNotFoundError, match="Download failed") as err:
        D.load_szt()
    assert dead in str(err.value) and "29b51a6cb3eaa73ee0c652fd3feec3e4" in str(err.value)
    assert not list((tmp_path / "cache" / "data" / "szt").glob("*"))  # no partial file left


def test_download_with_wrong_md5_is_rejected(tmp_path, monkeypatch):
    src = tmp_path / "remote.mat"
    src.write_bytes(b"not the file")
    monkeypatch.setitem(files.URLS, "szt/var_u.mat", (src.as_uri(),))
    want = f"md5 {_md5(src)}, expected 29b51a6cb3eaa73ee0c652fd3feec3e4"
    with pytest.raises(D.DataNotFoundError, match=want):
        D.load_szt()
    assert not (tmp_path / "cache" / "data" / "szt" / "var_u.mat").exists()


def test_corrupt_cache_file_is_an_error_not_replaced(tiny_mnist, tmp_path, monkeypatch, mnist_root):
    src, _ = tiny_mnist
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mnist_root(src, tmp_path / "mirror")))
    cached = mnist_root(src, tmp_path / "cache" / "data") / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    cached.write_bytes(b"garbage")
    good, bad = files.MD5["MNIST/raw/train-labels-idx1-ubyte.gz"], hashlib.md5(b"garbage").hexdigest()
    with pytest.raises(D.DataChecksumError, match=f"has md5 {bad}, expected {good}"):
        D.load_mnist(download=False, reader="ibcore")
    assert cached.read_bytes() == b"garbage"  # the good mirror copy was not silently substituted


def test_corrupt_mirror_file_is_not_copied(tiny_mnist, tmp_path, monkeypatch, mnist_root):
    src, _ = tiny_mnist
    mirror = mnist_root(src, tmp_path / "mirror")
    (mirror / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").write_bytes(b"truncated")
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    with pytest.raises(D.DataChecksumError, match="mirror copy .* has md5"):
        D.load_mnist(download=False, reader="ibcore")
    assert not (tmp_path / "cache" / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").exists()


def test_checksum_is_remembered_until_the_file_changes(tiny_mnist, tmp_path, monkeypatch, mnist_root):
    src, _ = tiny_mnist
    root = mnist_root(src, tmp_path / "root")
    D.load_mnist(root=root, download=False, reader="ibcore")  # hashes and stamps
    assert (root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz.md5-ok").is_file()
    calls = []
    real = files.md5sum
    monkeypatch.setattr(files, "md5sum", lambda p, *a, **k: calls.append(Path(p).name) or real(p, *a, **k))
    D.load_mnist(root=root, download=False, reader="ibcore")
    assert calls == []
    labels = root / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    os.utime(labels, ns=(1, 1))  # same content, new mtime: hashed again, still valid
    D.load_mnist(root=root, download=False, reader="ibcore")
    assert calls == ["train-labels-idx1-ubyte.gz"]


def _corrupt_keeping_size_and_mtime(path: Path, offset: int) -> None:
    """Flip one byte in place; put the mtime back (what `touch -r` or a careless tool does)."""
    st = path.stat()
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_same_size_corruption_with_mtime_kept_is_caught(tiny_mnist, tmp_path, mnist_root):
    src, _ = tiny_mnist
    root = mnist_root(src, tmp_path / "root")
    D.load_mnist(root=root, download=False, reader="ibcore")  # hashes and stamps
    images = root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    _corrupt_keeping_size_and_mtime(images, images.stat().st_size // 2)
    # the stamp holds the ctime, which no tool can set back: the file is hashed again
    with pytest.raises(D.DataChecksumError, match="train-images-idx3-ubyte.gz.*Delete it and load again"):
        D.load_mnist(root=root, download=False, reader="ibcore")


@pytest.mark.parametrize("kind", ["mnist", "szt", "cifar"])
def test_damage_the_stamp_cannot_see_is_named_on_read(
    tiny_mnist, tiny_cifar, tmp_path, monkeypatch, kind, mnist_root
):
    # bit rot after stamping, with a stamp that still matches: ibcore's readers hash the bytes they
    # decode, so the loader says which file is damaged and how to fix it - instead of a bare zlib
    # error (gz), or silently wrong pixels / labels (unpacked idx, pickles, .mat)
    root = tmp_path / "root"
    if kind == "mnist":
        mnist_root(tiny_mnist[0], root)
        rel = "MNIST/raw/t10k-images-idx3-ubyte.gz"

        def load():
            return D.load_mnist(False, root=root, download=False, reader="ibcore")

    elif kind == "szt":
        rel = "szt/var_u.mat"
        (root / "szt").mkdir(parents=True)
        scipy.io.savemat(
            root / rel, {"F": np.eye(4, dtype=np.uint8), "y": np.array([[0, 1, 0, 1]], np.uint8)}
        )
        monkeypatch.setitem(files.MD5, rel, _md5(root / rel))

        def load():
            return D.load_szt(root=root, download=False)

    else:
        rel = "cifar-10-batches-py/test_batch"
        with tarfile.open(tiny_cifar[0]) as tar:
            tar.extractall(root, filter="data")

        def load():
            return D.load_cifar10(False, root=root, download=False, reader="ibcore")

    load()  # verified and stamped
    _corrupt_keeping_size_and_mtime(root / rel, 20)
    files.write_stamp(root / rel, files.MD5[rel])  # the stamp is fooled
    with pytest.raises(D.DataChecksumError, match=f"{rel}: the bytes read differ .*Delete it and load again"):
        load()
    assert not (root / (rel + ".md5-ok")).exists()  # and the stamp is gone


def test_checked_read_names_a_damaged_file_and_passes_other_errors(tmp_path, monkeypatch):
    # torchvision decodes the files itself: a failure there re-hashes them (stamps ignored)
    path = tmp_path / "f.bin"
    path.write_bytes(b"intact")
    monkeypatch.setitem(files.MD5, "f.bin", _md5(path))
    with pytest.raises(RuntimeError, match="a reader bug"), files.checked_read({"f.bin": path}):
        raise RuntimeError("a reader bug, not a data problem")  # intact file: the error passes
    path.write_bytes(b"damage")
    files.write_stamp(path, files.MD5["f.bin"])
    with (
        pytest.raises(
            D.DataChecksumError, match=r"f.bin: reading f.bin failed \(EOFError: .*\); its md5"
        ) as err,
        files.checked_read({"f.bin": path}),
    ):
        raise EOFError("compressed file ended before the end-of-stream marker")
    assert isinstance(err.value.__cause__, EOFError)
    assert not (tmp_path / "f.bin.md5-ok").exists()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: D.load_mnist(train="no"), "train"),
        (lambda: D.load_mnist(download="no"), "download"),
        (lambda: D.load_cifar10(train=1), "train"),
        (lambda: D.load_cifar10_partial(train="test"), "train"),
        (lambda: D.load_szt(download="False"), "download"),
        (lambda: D.fetch("szt/var_u.mat", download="no"), "download"),
    ],
)
def test_bool_options_must_be_bool(call, name):
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        call()


def test_fetch_rejects_unknown_files():
    with pytest.raises(ValueError, match="unknown relpath"):
        D.fetch("MNIST/raw/nothing.gz")
