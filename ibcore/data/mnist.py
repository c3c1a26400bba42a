"""MNIST: the canonical idx files (``.gz`` or unpacked), read by torchvision or by ibcore's idx reader.

:func:`load_mnist` fetches the four files of ``MNIST/raw/`` as :mod:`ibcore.data.files` describes,
unpacks the ``.gz`` files beside them when torchvision reads them (each unpacked file checked by
md5), and returns the training or test images as a :class:`~ibcore.data.Dataset`.
"""

from __future__ import annotations

import gzip
import logging
import os
from pathlib import Path

import numpy as np
import torch

from ibcore._validation import check_bool
from ibcore.data.dataset import Dataset
from ibcore.data.files import (
    MD5,
    DataChecksumError,
    checked_read,
    fetch_first,
    read_checked,
    resolve_root,
    store_verified,
    verify,
)
from ibcore.data.readers import choose_reader, unit_float, why_not_torchvision

__all__ = ["load_mnist", "read_idx"]

_log = logging.getLogger("ibcore.data")
_MNIST_CLASSES = [str(d) for d in range(10)]


def read_idx(path: Path, rel: str | None = None) -> np.ndarray:
    """Read an idx file (``.gz`` or not) of unsigned bytes into a numpy array.

    Format (LeCun et al.): two zero bytes, a type byte (0x08 = unsigned byte), the number of
    dimensions, each dimension as a big-endian int32, then the data in C order. With ``rel`` (the
    file's key in ``MD5``) the bytes read are checked against its md5 first (:func:`read_checked`).
    """
    path = Path(path)
    blob = read_checked(path, rel) if rel is not None else path.read_bytes()
    raw = gzip.decompress(blob) if path.suffix == ".gz" else blob
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an idx file (bad magic number {raw[:4].hex()})")
    if raw[2] != 0x08:
        raise ValueError(f"{path}: idx type 0x{raw[2]:02x} is not supported (MNIST uses 0x08, unsigned byte)")
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(dims)):
        raise ValueError(
            f"{path}: header says shape {dims} ({int(np.prod(dims))} bytes) but "
            f"{len(raw) - offset} bytes follow"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _mnist_rels(stem: str) -> list[str]:
    return [f"MNIST/raw/{stem}.gz", f"MNIST/raw/{stem}"]


def _mnist_unpack(gz: Path, rel_out: str, root: Path) -> None:
    """Write the decompressed copy of ``gz`` torchvision reads, unless a verified one is there."""
    out = root / rel_out
    if out.is_file():
        verify(out, MD5[rel_out], rel=rel_out, where="cache")
        return

    def mismatch(got: str) -> DataChecksumError:
        return DataChecksumError(f"{rel_out}: unpacking {gz} gave md5 {got}, expected {MD5[rel_out]}")

    with checked_read({rel_out + ".gz": gz}), gzip.open(gz, "rb") as fin:
        store_verified(fin, out, MD5[rel_out], mismatch)


def load_mnist(
    train: bool = True, *, root: str | os.PathLike | None = None, download: bool = True, reader: str = "auto"
) -> Dataset:
    """Load the MNIST training (60000) or test (10000) images.

    Reads the canonical idx files ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``
    (or the same files unpacked) under ``root``, fetched as :func:`fetch` describes.

    Parameters
    ----------
    train : bool, default True
        Training split if True, else the test split.
    root : path, optional
        torchvision-style root used as the cache. Default :func:`ibcore._paths.data_dir`.
    download : bool, default True
        Download missing files (when neither the cache nor ``IBCORE_DATA_MIRROR`` has them).
    reader : {"auto", "torchvision", "ibcore"}, default "auto"
        ``"auto"``: ``torchvision.datasets.MNIST`` when torchvision imports, else ibcore's idx reader.

    Returns
    -------
    Dataset
        ``x`` float32 (N, 1, 28, 28) in [0, 1] (pixel / 255), ``y`` int64 (N,) digits 0-9.

    References
    ----------
    LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document
    recognition"; file format at http://yann.lecun.com/exdb/mnist/.
    """
    train, download = check_bool(train, "train"), check_bool(download, "download")
    rdr, tv = choose_reader(reader)
    root_p = resolve_root(root)
    split = "train" if train else "t10k"
    stems = {s: [f"{s}-images-idx3-ubyte", f"{s}-labels-idx1-ubyte"] for s in ("train", "t10k")}
    # torchvision's MNIST checks that all four unpacked files exist, whatever the split
    needed = stems["train"] + stems["t10k"] if rdr == "torchvision" else stems[split]
    found = {stem: fetch_first(_mnist_rels(stem), root_p, download=download) for stem in needed}
    files = {rel: MD5[rel] for rel, _, _ in found.values()}
    origin = {rel: where for rel, _, where in found.values()}
    if rdr == "torchvision":
        try:
            for stem, (rel, path, _) in found.items():
                if rel.endswith(".gz"):
                    _mnist_unpack(path, f"MNIST/raw/{stem}", root_p)
        except OSError as err:  # e.g. a read-only root: torchvision needs the unpacked files
            if reader == "torchvision":
                raise
            _log.warning(
                "cannot unpack MNIST for torchvision under %s (%s); using the ibcore reader", root_p, err
            )
            return load_mnist(train, root=root, download=download, reader="ibcore")
        unpacked = {f"MNIST/raw/{stem}": root_p / "MNIST" / "raw" / stem for stem in needed}
        with checked_read(unpacked):
            tvd = tv.MNIST(str(root_p), train=train, download=False)
            images, labels = tvd.data, tvd.targets
    else:
        (img_rel, img_path, _), (lab_rel, lab_path, _) = found[stems[split][0]], found[stems[split][1]]
        images = torch.from_numpy(read_idx(img_path, img_rel).copy())
        labels = torch.from_numpy(read_idx(lab_path, lab_rel).astype(np.int64))
    if images.ndim != 3 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST {split}: {tuple(images.shape)} images but {tuple(labels.shape)} labels")
    x = unit_float(images.unsqueeze(1))
    y = labels.to(torch.int64)
    why = "" if rdr == "torchvision" else f" ({why_not_torchvision(reader)})"
    split_name = "train" if train else "test"
    _log.info("MNIST %s: %d images read by the %s reader%s from %s", split_name, len(y), rdr, why, root_p)
    info = {
        "split": split_name,
        "root": str(root_p),
        "files": files,
        "origin": origin,
        "classes": list(_MNIST_CLASSES),
    }
    return Dataset(x=x, y=y, name="MNIST", reader=rdr, info=info)
