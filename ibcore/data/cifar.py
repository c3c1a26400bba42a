"""CIFAR-10: the canonical python batches, and the ibstudy mirror's partial CIFAR-10 (named as such).

:func:`load_cifar10` reads ``cifar-10-batches-py/`` or unpacks it from ``cifar-10-python.tar.gz``
(only the known members, each checked by md5), decoding the pickles with an unpickler that builds
numpy arrays and nothing else; :func:`load_cifar10_partial` reads the mirror's partial copy, whose
returned name says it is partial.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ibcore._validation import check_bool
from ibcore.data.dataset import Dataset
from ibcore.data.files import (
    MD5,
    DataChecksumError,
    checked_read,
    fetch_first,
    mirror_dir,
    read_checked,
    resolve_root,
    store_verified,
)
from ibcore.data.readers import choose_reader, unit_float, why_not_torchvision

__all__ = ["load_cifar10", "load_cifar10_partial", "read_cifar_pickle"]

_log = logging.getLogger("ibcore.data")
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_FILES = (*_CIFAR_TRAIN, "test_batch", "batches.meta")
_CIFAR_PARTIAL_NPZ = "cifar10-partial/cifar10_labels_all_and_partial_images.npz"
_CIFAR_PARTIAL_META = "cifar10-partial/batches.meta"


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler for the CIFAR-10 python batches: builds only numpy arrays, dtypes, and plain data.

    The canonical batches (Python 2 pickles) need ``numpy.core.multiarray._reconstruct``,
    ``numpy.ndarray`` and ``numpy.dtype``; anything else (which could run code) is refused.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name} from a CIFAR-10 batch file "
                "(only numpy arrays are expected)"
            )
        return super().find_class(module, name)


def read_cifar_pickle(path: Path, rel: str | None = None) -> dict:
    """Load one CIFAR-10 python batch (or ``batches.meta``) as a dict, numpy arrays only (see above).

    With ``rel`` (the file's key in ``MD5``) the bytes read are checked against its md5 first.
    """
    path = Path(path)
    blob = read_checked(path, rel) if rel is not None else path.read_bytes()
    obj = _NumpyOnlyUnpickler(io.BytesIO(blob), encoding="latin1").load()
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: expected a dict, got {type(obj).__name__}")
    return obj


def _read_cifar_batches(folder: Path, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 from CIFAR-10 python batch files."""
    data, labels = [], []
    for name in names:
        entry = read_cifar_pickle(folder / name, f"{_CIFAR_DIR}/{name}")
        arr = np.asarray(entry["data"], dtype=np.uint8)
        lab = entry["labels"] if "labels" in entry else entry["fine_labels"]
        if arr.ndim != 2 or arr.shape[1] != 3 * 32 * 32 or arr.shape[0] != len(lab):
            raise ValueError(
                f"{folder / name}: data of shape {arr.shape} with {len(lab)} labels; "
                "expected (n, 3072) with n labels"
            )
        data.append(arr)
        labels.append(np.asarray(lab, dtype=np.int64))
    # rows are 1024 red, 1024 green, 1024 blue values, each 32 x 32 in row-major order
    return np.concatenate(data).reshape(-1, 3, 32, 32), np.concatenate(labels)


def _cifar_extract(tar_path: Path, root: Path) -> None:
    """Unpack the CIFAR-10 batch files from the archive into ``root/cifar-10-batches-py``.

    Only the known member names are written, each to a path ibcore chooses (no path from the
    archive is trusted), through a temporary file, and checked against its md5.
    """
    out_dir = root / _CIFAR_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = {f"{_CIFAR_DIR}/{f}" for f in _CIFAR_FILES}
    done = set()
    _log.info("unpacking %s into %s", tar_path, out_dir)
    with checked_read({"cifar-10-python.tar.gz": tar_path}), tarfile.open(tar_path, "r:gz") as tar:
        for member in tar:
            name = member.name.lstrip("./")
            if name not in wanted or not member.isfile():
                continue
            dest = root / name

            def mismatch(got: str, name: str = name) -> DataChecksumError:
                return DataChecksumError(
                    f"{name}: unpacked from {tar_path} with md5 {got}, expected {MD5[name]}"
                )

            with tar.extractfile(member) as fin:
                store_verified(fin, dest, MD5[name], mismatch)
            done.add(name)
    if done != wanted:
        raise DataChecksumError(f"{tar_path} lacks {sorted(wanted - done)}; it is not the canonical archive")


def _cifar_partial_hint() -> str:
    mirror = mirror_dir()
    if mirror is not None and (mirror / _CIFAR_PARTIAL_NPZ).is_file():
        return (
            f"Note: the mirror holds only a PARTIAL CIFAR-10 ({mirror / 'cifar10-partial'}), "
            "which is not the CIFAR-10 benchmark and is not used here. To work with it knowingly, call "
            "load_cifar10_partial() and label every result as partial CIFAR-10."
        )
    return ""


def _cifar_folder(root: Path, download: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Make sure ``root/cifar-10-batches-py`` holds the seven verified files; return (files, origin)."""
    rels = [f"{_CIFAR_DIR}/{f}" for f in _CIFAR_FILES]
    mirror = mirror_dir()
    in_cache = all((root / r).is_file() for r in rels)
    in_cache_or_mirror = all(
        (root / r).is_file() or (mirror is not None and (mirror / r).is_file()) for r in rels
    )
    if in_cache or in_cache_or_mirror:
        origin = {r: fetch_first([r], root, download=False)[2] for r in rels}
        return {r: MD5[r] for r in rels}, origin
    tar_rel = "cifar-10-python.tar.gz"
    hint = f"(The unpacked folder {_CIFAR_DIR}/ with its seven files is accepted instead of the archive.)"
    partial = _cifar_partial_hint()
    _, tar_path, where = fetch_first(
        [tar_rel], root, download=download, hint=hint + ("\n" + partial if partial else "")
    )
    _cifar_extract(tar_path, root)
    files = {tar_rel: MD5[tar_rel], **{r: MD5[r] for r in rels}}
    return files, {tar_rel: where, **dict.fromkeys(rels, "unpacked")}


def load_cifar10(
    train: bool = True, *, root: str | os.PathLike | None = None, download: bool = True, reader: str = "auto"
) -> Dataset:
    """Load the CIFAR-10 training (50000) or test (10000) images.

    Reads the canonical python batches, from ``root/cifar-10-batches-py/`` or unpacked from
    ``cifar-10-python.tar.gz`` (170498071 bytes, md5 c58f30108f718f92721af3b95e74349a), fetched
    as :func:`fetch` describes. A mirror that holds only the partial CIFAR-10 of the ibstudy data
    folder does not count: the loader raises :class:`DataNotFoundError` (see
    :func:`load_cifar10_partial`).

    Parameters
    ----------
    train : bool, default True
        Training split (``data_batch_1``..``5``) if True, else ``test_batch``.
    root : path, optional
        torchvision-style root used as the cache. Default :func:`ibcore._paths.data_dir`.
    download : bool, default True
        Download the archive when neither the cache nor ``IBCORE_DATA_MIRROR`` has the files.
    reader : {"auto", "torchvision", "ibcore"}, default "auto"
        ``"auto"``: ``torchvision.datasets.CIFAR10`` when torchvision imports, else ibcore's reader.

    Returns
    -------
    Dataset
        ``x`` float32 (N, 3, 32, 32) in [0, 1] (pixel / 255, channels RGB), ``y`` int64 (N,) in 0..9;
        ``info['classes']`` holds the label names from ``batches.meta``.

    References
    ----------
    Krizhevsky (2009), "Learning multiple layers of features from tiny images", tech. report,
    University of Toronto; https://www.cs.toronto.edu/~kriz/cifar.html.
    """
    train, download = check_bool(train, "train"), check_bool(download, "download")
    rdr, tv = choose_reader(reader)
    root_p = resolve_root(root)
    files, origin = _cifar_folder(root_p, download)
    names = _CIFAR_TRAIN if train else ("test_batch",)
    if rdr == "torchvision":
        batch_files = {f"{_CIFAR_DIR}/{f}": root_p / _CIFAR_DIR / f for f in (*names, "batches.meta")}
        with checked_read(batch_files):
            tvd = tv.CIFAR10(str(root_p), train=train, download=False)
            images = torch.from_numpy(np.asarray(tvd.data)).permute(0, 3, 1, 2)  # torchvision keeps HWC
            labels = torch.as_tensor(np.asarray(tvd.targets, dtype=np.int64))
            classes = list(tvd.classes)
    else:
        imgs, labs = _read_cifar_batches(root_p / _CIFAR_DIR, names)
        images, labels = torch.from_numpy(imgs), torch.from_numpy(labs)
        meta = f"{_CIFAR_DIR}/batches.meta"
        classes = list(read_cifar_pickle(root_p / meta, meta)["label_names"])
    x = unit_float(images).contiguous()
    split = "train" if train else "test"
    why = "" if rdr == "torchvision" else f" ({why_not_torchvision(reader)})"
    _log.info("CIFAR-10 %s: %d images read by the %s reader%s from %s", split, len(labels), rdr, why, root_p)
    info = {"split": split, "root": str(root_p), "files": files, "origin": origin, "classes": classes}
    return Dataset(x=x, y=labels, name="CIFAR-10", reader=rdr, info=info)


def load_cifar10_partial(train: bool = True, *, root: str | os.PathLike | None = None) -> Dataset:
    """Load the ibstudy mirror's PARTIAL CIFAR-10: real images, but only the first few of each batch.

    The mirror's ``cifar10-partial/cifar10_labels_all_and_partial_images.npz`` holds, for each
    canonical batch, all 10000 labels (``<batch>_labels``) and the pixels of its first n images
    (``<batch>_images_first_n``, uint8 (n, 3, 32, 32)): 5170 training and 1017 test images in the
    verified copy. It is not the CIFAR-10 benchmark; the returned ``name`` says so, e.g.
    ``"CIFAR-10 (partial: first 5170 train / 1017 test images)"``, and pages must print it.
    There is no public URL: the file comes from the cache or ``IBCORE_DATA_MIRROR`` only.

    Parameters
    ----------
    train : bool, default True
        The first images of ``data_batch_1``..``5`` if True, else of ``test_batch``.
    root : path, optional
        Cache folder. Default :func:`ibcore._paths.data_dir`.

    Returns
    -------
    Dataset
        ``x`` float32 (n, 3, 32, 32) in [0, 1], ``y`` int64 (n,); ``reader="ibcore"``;
        ``info['partial']`` is True and ``info['n_per_batch']`` gives n for each batch.
    """
    train = check_bool(train, "train")
    root_p = resolve_root(root)
    hint = (
        "This partial CIFAR-10 exists only in the ibstudy data mirror; on a machine with internet "
        "access use load_cifar10() for the full data set."
    )
    found = {
        r: fetch_first([r], root_p, download=False, hint=hint)
        for r in (_CIFAR_PARTIAL_NPZ, _CIFAR_PARTIAL_META)
    }
    npz_bytes = read_checked(found[_CIFAR_PARTIAL_NPZ][1], _CIFAR_PARTIAL_NPZ)
    with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
        batches = {b: (npz[f"{b}_images_first_n"], npz[f"{b}_labels"]) for b in (*_CIFAR_TRAIN, "test_batch")}
    classes = list(read_cifar_pickle(found[_CIFAR_PARTIAL_META][1], _CIFAR_PARTIAL_META)["label_names"])
    n_per_batch = {b: int(img.shape[0]) for b, (img, _) in batches.items()}
    for b, (img, lab) in batches.items():
        if img.ndim != 4 or img.shape[1:] != (3, 32, 32) or img.shape[0] > lab.shape[0]:
            raise ValueError(f"{_CIFAR_PARTIAL_NPZ}: {b} has images {img.shape} and labels {lab.shape}")
    names = _CIFAR_TRAIN if train else ("test_batch",)
    images = np.concatenate([batches[b][0] for b in names])
    labels = np.concatenate([batches[b][1][: n_per_batch[b]] for b in names]).astype(np.int64)
    n_train = sum(n_per_batch[b] for b in _CIFAR_TRAIN)
    name = f"CIFAR-10 (partial: first {n_train} train / {n_per_batch['test_batch']} test images)"
    split = "train" if train else "test"
    _log.info("%s %s: %d images read by the ibcore reader from %s", name, split, len(labels), root_p)
    info = {
        "split": split,
        "root": str(root_p),
        "partial": True,
        "n_per_batch": n_per_batch,
        "files": {r: MD5[r] for r in found},
        "origin": {r: v[2] for r, v in found.items()},
        "classes": classes,
    }
    return Dataset(
        x=unit_float(torch.from_numpy(images)),
        y=torch.from_numpy(labels),
        name=name,
        reader="ibcore",
        info=info,
    )
