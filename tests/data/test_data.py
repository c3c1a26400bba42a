"""Tests of ibcore.data: readers, mirror/cache/download logic, checksums and subsets.

Small archives in the canonical formats are built in tmp_path (idx .gz files, a
cifar-10-python.tar.gz of tiny python batches, a var_u.mat) and their md5s are put in the loader's
checksum table with monkeypatch. The real-data tests at the end need a mirror holding the verified
files (IBCORE_DATA_MIRROR, else /work/shared/data) and skip without one.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import pickle
import struct
import sys
import tarfile
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from ibcore import data as D  # noqa: N812 - short alias used throughout
from ibcore.data import cifar, files, mnist, readers

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


def _make_read_only(folder: Path) -> None:
    for p in folder.rglob("*"):
        p.chmod(0o444 if p.is_file() else 0o555)
    folder.chmod(0o555)


def _make_writable(folder: Path) -> None:  # so that tmp_path can be cleaned up
    folder.chmod(0o755)
    for p in folder.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)


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


def _cifar_expected(batches: dict, names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    data = np.concatenate([batches[n]["data"] for n in names]).reshape(-1, 3, 32, 32)
    labels = np.concatenate([batches[n]["labels"] for n in names])
    return torch.from_numpy(data).float() / 255, torch.from_numpy(labels).long()


# --- MNIST reader --------------------------------------------------------------------------------
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reader_reads_gz_archives(tiny_mnist, tmp_path, train):
    src, arrays = tiny_mnist
    root = _mnist_root(src, tmp_path / "root")
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


def test_mnist_accepts_unpacked_files(tiny_mnist, tmp_path):
    src, _ = tiny_mnist
    from_gz = D.load_mnist(root=_mnist_root(src, tmp_path / "a"), download=False, reader="ibcore")
    from_raw = D.load_mnist(
        root=_mnist_root(src, tmp_path / "b", gz=False, unpacked=True), download=False, reader="ibcore"
    )
    assert torch.equal(from_gz.x, from_raw.x) and torch.equal(from_gz.y, from_raw.y)
    assert set(from_raw.info["files"]) == {
        "MNIST/raw/train-images-idx3-ubyte",
        "MNIST/raw/train-labels-idx1-ubyte",
    }


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


# --- mirror, cache, download --------------------------------------------------------------------
def test_mirror_is_copied_into_cache_and_never_written(tiny_mnist, tmp_path, monkeypatch):
    src, arrays = tiny_mnist
    mirror = _mnist_root(src, tmp_path / "mirror", gz=True)
    before = _snapshot(mirror)
    _make_read_only(mirror)
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    try:
        ds = D.load_mnist(download=False, reader="ibcore")
        again = D.load_mnist(download=False, reader="ibcore")
    finally:
        _make_writable(mirror)
    # the tests run as root on CI, where permissions do not stop writes: compare contents and mtimes
    assert _snapshot(mirror) == before
    cached = tmp_path / "cache" / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    assert cached.is_file() and not cached.is_symlink()
    assert _md5(cached) == files.MD5["MNIST/raw/train-images-idx3-ubyte.gz"]
    assert set(ds.info["origin"].values()) == {"mirror"} and set(again.info["origin"].values()) == {"cache"}
    assert torch.equal(ds.x, torch.from_numpy(arrays["train-images-idx3-ubyte"]).float().unsqueeze(1) / 255)


def test_root_inside_mirror_is_refused(tiny_mnist, tmp_path, monkeypatch):
    src, _ = tiny_mnist
    mirror = _mnist_root(src, tmp_path / "mirror")
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


def test_corrupt_cache_file_is_an_error_not_replaced(tiny_mnist, tmp_path, monkeypatch):
    src, _ = tiny_mnist
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(_mnist_root(src, tmp_path / "mirror")))
    cached = _mnist_root(src, tmp_path / "cache" / "data") / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    cached.write_bytes(b"garbage")
    good, bad = files.MD5["MNIST/raw/train-labels-idx1-ubyte.gz"], hashlib.md5(b"garbage").hexdigest()
    with pytest.raises(D.DataChecksumError, match=f"has md5 {bad}, expected {good}"):
        D.load_mnist(download=False, reader="ibcore")
    assert cached.read_bytes() == b"garbage"  # the good mirror copy was not silently substituted


def test_corrupt_mirror_file_is_not_copied(tiny_mnist, tmp_path, monkeypatch):
    src, _ = tiny_mnist
    mirror = _mnist_root(src, tmp_path / "mirror")
    (mirror / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").write_bytes(b"truncated")
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    with pytest.raises(D.DataChecksumError, match="mirror copy .* has md5"):
        D.load_mnist(download=False, reader="ibcore")
    assert not (tmp_path / "cache" / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").exists()


def test_checksum_is_remembered_until_the_file_changes(tiny_mnist, tmp_path, monkeypatch):
    src, _ = tiny_mnist
    root = _mnist_root(src, tmp_path / "root")
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


def test_same_size_corruption_with_mtime_kept_is_caught(tiny_mnist, tmp_path):
    src, _ = tiny_mnist
    root = _mnist_root(src, tmp_path / "root")
    D.load_mnist(root=root, download=False, reader="ibcore")  # hashes and stamps
    images = root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    _corrupt_keeping_size_and_mtime(images, images.stat().st_size // 2)
    # the stamp holds the ctime, which no tool can set back: the file is hashed again
    with pytest.raises(D.DataChecksumError, match="train-images-idx3-ubyte.gz.*Delete it and load again"):
        D.load_mnist(root=root, download=False, reader="ibcore")


@pytest.mark.parametrize("kind", ["mnist", "szt", "cifar"])
def test_damage_the_stamp_cannot_see_is_named_on_read(tiny_mnist, tiny_cifar, tmp_path, monkeypatch, kind):
    # bit rot after stamping, with a stamp that still matches: ibcore's readers hash the bytes they
    # decode, so the loader says which file is damaged and how to fix it - instead of a bare zlib
    # error (gz), or silently wrong pixels / labels (unpacked idx, pickles, .mat)
    root = tmp_path / "root"
    if kind == "mnist":
        _mnist_root(tiny_mnist[0], root)
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


# --- CIFAR-10 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("train", [True, False])
def test_cifar_from_archive_in_mirror(tiny_cifar, tmp_path, monkeypatch, train):
    tar_path, batches, label_names = tiny_cifar
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / tar_path.name).write_bytes(tar_path.read_bytes())
    before = _snapshot(mirror)
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    ds = D.load_cifar10(train, download=False, reader="ibcore")
    names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    x, y = _cifar_expected(batches, names)
    assert ds.name == "CIFAR-10" and ds.reader == "ibcore"
    assert ds.x.dtype == torch.float32 and ds.x.shape == (len(y), 3, 32, 32)
    assert torch.equal(ds.x, x) and torch.equal(ds.y, y) and ds.info["classes"] == label_names
    assert ds.info["origin"]["cifar-10-python.tar.gz"] == "mirror"
    assert _snapshot(mirror) == before
    unpacked = tmp_path / "cache" / "data" / "cifar-10-batches-py"
    assert sorted(p.name for p in unpacked.iterdir() if not p.name.endswith(".md5-ok")) == sorted(
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
    )
    # second load uses the unpacked folder
    again = D.load_cifar10(train, download=False, reader="ibcore")
    assert set(again.info["origin"].values()) == {"cache"} and torch.equal(again.x, x)


def test_cifar_from_unpacked_folder(tiny_cifar, tmp_path):
    tar_path, batches, _ = tiny_cifar
    root = tmp_path / "root"
    with tarfile.open(tar_path) as tar:
        tar.extractall(root, filter="data")
    ds = D.load_cifar10(False, root=root, download=False, reader="ibcore")
    assert "cifar-10-python.tar.gz" not in ds.info["files"]
    x, y = _cifar_expected(batches, ["test_batch"])
    assert torch.equal(ds.x, x) and torch.equal(ds.y, y)


def test_cifar_reader_refuses_code_in_pickles(tmp_path):
    evil = tmp_path / "data_batch_1"
    evil.write_bytes(pickle.dumps(types.SimpleNamespace(a=1), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load types.SimpleNamespace"):
        cifar.read_cifar_pickle(evil)


def _tiny_partial_npz(folder: Path, monkeypatch) -> dict:
    rng = np.random.default_rng(3)
    content, n_first = {}, {"data_batch_1": 4, "test_batch": 2}
    for b in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        n = n_first.get(b, 3)
        content[f"{b}_labels"] = rng.integers(0, 10, 20).astype(np.uint8)
        content[f"{b}_images_first_n"] = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    folder.mkdir(parents=True)
    np.savez(folder / "cifar10_labels_all_and_partial_images.npz", **content)
    (folder / "batches.meta").write_bytes(_py2_style_pickle({"label_names": [f"c{i}" for i in range(10)]}))
    for name in ("cifar10_labels_all_and_partial_images.npz", "batches.meta"):
        monkeypatch.setitem(files.MD5, f"cifar10-partial/{name}", _md5(folder / name))
    return content


def test_partial_cifar_mirror_is_not_cifar10(tmp_path, monkeypatch):
    _tiny_partial_npz(tmp_path / "mirror" / "cifar10-partial", monkeypatch)
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(tmp_path / "mirror"))
    with pytest.raises(D.DataNotFoundError, match="PARTIAL CIFAR-10") as err:
        D.load_cifar10(download=False, reader="ibcore")
    assert "c58f30108f718f92721af3b95e74349a" in str(err.value) and "load_cifar10_partial()" in str(err.value)


def test_partial_cifar_loader_names_itself(tmp_path, monkeypatch):
    content = _tiny_partial_npz(tmp_path / "mirror" / "cifar10-partial", monkeypatch)
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(tmp_path / "mirror"))
    tr, te = D.load_cifar10_partial(), D.load_cifar10_partial(False)
    name = "CIFAR-10 (partial: first 16 train / 2 test images)"  # 4 + 3 * 4 training images
    assert tr.name == name and te.name == name and tr.info["partial"] is True
    assert len(tr) == 16 and len(te) == 2 and tr.x.shape == (16, 3, 32, 32)
    assert torch.equal(te.x, torch.from_numpy(content["test_batch_images_first_n"]).float() / 255)
    assert te.y.tolist() == content["test_batch_labels"][:2].tolist()  # labels aligned with the first images
    assert tr.y[:4].tolist() == content["data_batch_1_labels"][:4].tolist()
    assert tr.info["classes"][0] == "c0"


def test_partial_cifar_missing(tmp_path):
    with pytest.raises(D.DataNotFoundError, match="exists only in the ibstudy data mirror"):
        D.load_cifar10_partial()


# --- SZT -----------------------------------------------------------------------------------------
def test_szt_reader(tmp_path, monkeypatch):
    grid = ((np.arange(16)[:, None] >> np.arange(3, -1, -1)) & 1).astype(np.uint8)  # all 4-bit inputs
    labels = (grid.sum(1) % 2).astype(np.uint8)
    path = tmp_path / "root" / "szt" / "var_u.mat"
    path.parent.mkdir(parents=True)
    scipy.io.savemat(path, {"F": grid, "y": labels[None, :]})
    monkeypatch.setitem(files.MD5, "szt/var_u.mat", _md5(path))
    ds = D.load_szt(root=tmp_path / "root", download=False)
    assert ds.x.dtype == torch.float32 and ds.x.shape == (16, 4) and ds.y.dtype == torch.int64
    assert torch.equal(ds.x, torch.from_numpy(grid).float()) and ds.y.tolist() == labels.tolist()


# --- readers: torchvision or ibcore --------------------------------------------------------------
def test_broken_torchvision_import_falls_back(tiny_mnist, tmp_path, monkeypatch, caplog):
    # a torchvision that fails with RuntimeError at import, like the CUDA wheel on a CPU-only torch
    fake = tmp_path / "fake_site" / "torchvision"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise RuntimeError("operator torchvision::nms does not exist")\n')
    monkeypatch.syspath_prepend(str(tmp_path / "fake_site"))
    for mod in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        monkeypatch.delitem(sys.modules, mod)
    assert D.torchvision_available() is False
    src, _ = tiny_mnist
    root = _mnist_root(src, tmp_path / "root")
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


def test_torchvision_glue_with_stand_ins(tiny_mnist, tiny_cifar, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_tv_cache", _fake_torchvision_datasets())
    src, _ = tiny_mnist
    root = _mnist_root(src, tmp_path / "root")  # .gz only: the loader unpacks them for torchvision
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


def test_torchvision_and_ibcore_agree(tiny_mnist, tiny_cifar, tmp_path):
    if not D.torchvision_available():
        pytest.skip(f"torchvision cannot be imported here ({readers._tv_error})")
    src, _ = tiny_mnist
    root = _mnist_root(src, tmp_path / "root")
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


# --- subsets -------------------------------------------------------------------------------------
def _toy(n_per_class=(50, 30, 20)) -> D.Dataset:
    y = torch.cat([torch.full((k,), c, dtype=torch.int64) for c, k in enumerate(n_per_class)])
    x = torch.arange(len(y), dtype=torch.float32)[:, None]
    return D.Dataset(x=x, y=y, name="toy", reader="ibcore", info={"split": "train"})


def test_subset_indices_are_fixed_by_seed():
    a = D.subset_indices(1000, 10, seed=7)
    assert np.array_equal(a, D.subset_indices(1000, 10, seed=7))
    assert not np.array_equal(a, D.subset_indices(1000, 10, seed=8))
    # pinned (numpy 2.4, PCG64): a change here means recorded subsets are no longer reproduced
    assert D.subset_indices(20, 5, seed=0).tolist() == [2, 4, 6, 13, 19]
    # nested: a smaller subset with the same seed lies inside a larger one
    assert set(D.subset_indices(1000, 10, seed=3)) <= set(D.subset_indices(1000, 50, seed=3))


def test_subset_fraction_and_provenance():
    ds = _toy()
    sub = D.subset(ds, fraction=0.1, seed=1)
    assert len(sub) == 10 and torch.equal(sub.x[:, 0].long(), sub.indices)  # x holds the original position
    assert torch.all(sub.indices[1:] > sub.indices[:-1])  # original order kept
    sub2 = sub.subset(4, seed=2)
    assert torch.equal(sub2.x[:, 0].long(), sub2.indices)  # composed back to the full split
    assert [s["n"] for s in sub2.info["subsets"]] == [10, 4] and sub2.info["split"] == "train"
    assert len(D.subset(_toy((30000, 30000)), fraction=0.01)) == 600  # MNIST-sized 1 %


def test_stratified_subset_keeps_class_shares():
    ds = _toy()  # classes of 50, 30, 20
    assert torch.bincount(D.subset(ds, 10, stratified=True).y).tolist() == [5, 3, 2]
    # 7 * (0.5, 0.3, 0.2) = (3.5, 2.1, 1.4): floors 3, 2, 1 and the one left goes to the largest remainder
    assert torch.bincount(D.subset(ds, 7, seed=4, stratified=True).y).tolist() == [4, 2, 1]
    assert torch.bincount(D.subset(ds, 100, stratified=True).y).tolist() == [50, 30, 20]
    plain = [torch.bincount(D.subset(ds, 10, seed=s).y, minlength=3).tolist() for s in range(20)]
    assert any(c != [5, 3, 2] for c in plain)  # without stratification the shares vary


def test_train_test_split():
    ds = _toy()
    tr, te = D.train_test_split(ds, 0.2, seed=5)
    assert len(tr) == 80 and len(te) == 20
    both = torch.cat([tr.indices, te.indices])
    assert sorted(both.tolist()) == list(range(100))  # disjoint and complete
    tr2, te2 = D.train_test_split(ds, 0.2, seed=5)
    assert torch.equal(te.indices, te2.indices)
    _, te_s = D.train_test_split(ds, 0.2, seed=5, stratified=True)
    assert torch.bincount(te_s.y).tolist() == [10, 6, 4]
    assert te.info["subsets"][-1]["kind"] == "test"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 5, "fraction": 0.1}, "exactly one of n= or fraction="),
        ({}, "exactly one of n= or fraction="),
        ({"n": 101}, "exceeds the 100 samples"),
        ({"n": 0}, "n must be >= 1"),
        ({"fraction": 1.5}, r"fraction must be in \(0, 1\]"),
        ({"fraction": 0.0}, "fraction must be finite and > 0"),
        ({"fraction": 0.001}, "selects none"),
        ({"n": 5, "seed": -1}, "seed must be >= 0"),
    ],
)
def test_subset_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.subset(_toy(), **kwargs)


def test_split_and_select_bad_arguments():
    with pytest.raises(ValueError, match="leaves no training samples"):
        D.train_test_split(_toy(), 1.0)
    with pytest.raises(ValueError, match="indices must lie in 0..99"):
        _toy().select([100])
    with pytest.raises(TypeError, match="must be an ibcore.data.Dataset"):
        D.subset(torch.zeros(3), 1)
    with pytest.raises(ValueError, match="one label per sample"):
        D.Dataset(x=torch.zeros(3, 2), y=torch.zeros(2, dtype=torch.int64), name="t", reader="ibcore")


# --- the real files, from the data mirror -----------------------------------------------------------
@pytest.fixture
def real_mirror(monkeypatch):
    if _REAL_MIRROR is None:
        pytest.skip("no data mirror: set IBCORE_DATA_MIRROR to a folder holding the verified archives")
    monkeypatch.setenv("IBCORE_DATA_MIRROR", _REAL_MIRROR)
    return Path(_REAL_MIRROR)


def test_real_mnist(real_mirror):
    if not (real_mirror / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("the mirror has no MNIST")
    tr = D.load_mnist(download=False)
    te = D.load_mnist(False, download=False)
    assert tr.x.shape == (60000, 1, 28, 28) and te.x.shape == (10000, 1, 28, 28)
    assert torch.bincount(tr.y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert float(tr.x.min()) == 0.0 and float(tr.x.max()) == 1.0
    assert len(tr.subset(fraction=0.01, stratified=True)) == 600


def test_real_szt(real_mirror):
    if not (real_mirror / "szt" / "var_u.mat").is_file():
        pytest.skip("the mirror has no SZT data")
    ds = D.load_szt(download=False)
    assert ds.x.shape == (4096, 12) and set(ds.x.unique().tolist()) == {0.0, 1.0}
    assert len(torch.unique(ds.x, dim=0)) == 4096  # every 12-bit input exactly once
    assert int(ds.y.sum()) == 2118  # 2118 / 4096 = 51.7 % ones
    assert set(ds.y.unique().tolist()) == {0, 1}


def test_real_partial_cifar(real_mirror):
    if not (real_mirror / "cifar10-partial").is_dir():
        pytest.skip("the mirror has no partial CIFAR-10")
    tr, te = D.load_cifar10_partial(), D.load_cifar10_partial(False)
    assert tr.name == "CIFAR-10 (partial: first 5170 train / 1017 test images)"
    assert len(tr) == 5170 and len(te) == 1017 and tr.x.shape[1:] == (3, 32, 32)
    assert tr.info["classes"][:2] == ["airplane", "automobile"]
    if not (real_mirror / "cifar-10-python.tar.gz").is_file():
        with pytest.raises(D.DataNotFoundError, match="PARTIAL CIFAR-10"):
            D.load_cifar10(download=False)
