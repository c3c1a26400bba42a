"""Tests of ibcore.data.cifar: the pickle reader, load_cifar10 and the partial CIFAR-10 mirror.

The real-data test needs a mirror holding the verified files (IBCORE_DATA_MIRROR, else
/work/shared/data) and skips without one.
"""

from __future__ import annotations

import hashlib
import pickle
import tarfile
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from ibcore import data as D  # noqa: N812 - short alias used throughout
from ibcore.data import cifar, files


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _py2_style_pickle(obj) -> bytes:
    """Protocol 2 naming numpy.core.multiarray, as the canonical Python 2 CIFAR-10 batches do."""
    return pickle.dumps(obj, protocol=2).replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def _cifar_expected(batches: dict, names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    data = np.concatenate([batches[n]["data"] for n in names]).reshape(-1, 3, 32, 32)
    labels = np.concatenate([batches[n]["labels"] for n in names])
    return torch.from_numpy(data).float() / 255, torch.from_numpy(labels).long()


# --- CIFAR-10 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("train", [True, False])
def test_cifar_from_archive_in_mirror(tiny_cifar, tmp_path, monkeypatch, train, snapshot):
    tar_path, batches, label_names = tiny_cifar
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / tar_path.name).write_bytes(tar_path.read_bytes())
    before = snapshot(mirror)
    monkeypatch.setenv("IBCORE_DATA_MIRROR", str(mirror))
    ds = D.load_cifar10(train, download=False, reader="ibcore")
    names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    x, y = _cifar_expected(batches, names)
    assert ds.name == "CIFAR-10" and ds.reader == "ibcore"
    assert ds.x.dtype == torch.float32 and ds.x.shape == (len(y), 3, 32, 32)
    assert torch.equal(ds.x, x) and torch.equal(ds.y, y) and ds.info["classes"] == label_names
    assert ds.info["origin"]["cifar-10-python.tar.gz"] == "mirror"
    assert snapshot(mirror) == before
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
