"""Data sets of the study: MNIST, CIFAR-10 and the Shwartz-Ziv & Tishby (SZT) binary task.

Every loader returns a :class:`Dataset` (``x`` float32 in [0, 1], ``y`` int64 labels, CPU tensors)
read from the canonical public files, verified by md5 before they are read.

Where the files come from, in this order (:func:`fetch`):

1. the cache, ``root`` (default :func:`ibcore._paths.data_dir`), laid out like torchvision's
   ``root`` (``MNIST/raw/...``, ``cifar-10-python.tar.gz``, ``cifar-10-batches-py/...``) plus
   ``szt/var_u.mat``;
2. a read-only mirror laid out the same way, named by the environment variable
   ``IBCORE_DATA_MIRROR``: the file is copied into the cache; nothing is ever written into the mirror;
3. the public URL (``download=True``), fetched with :mod:`urllib` into the cache.

A file that is found nowhere raises :class:`DataNotFoundError` (a ``FileNotFoundError``) saying
where it looked and how to get the file; a file whose md5 differs raises :class:`DataChecksumError`
naming both sums. Nothing is substituted silently. A verified file gets a ``<name>.md5-ok`` stamp
(md5, size, mtime) beside it, so later loads skip hashing until the file changes.

Two readers give identical tensors: torchvision's dataset classes when ``import torchvision``
works, otherwise ibcore's own reader of the same files (idx for MNIST, the CIFAR-10 python
pickles). ``Dataset.reader`` and a log line say which one ran.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import logging
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ibcore._device import resolve_device
from ibcore._paths import data_dir
from ibcore._validation import check_choice, check_int, check_positive

__all__ = [
    "Dataset",
    "DataNotFoundError",
    "DataChecksumError",
    "load_mnist",
    "load_cifar10",
    "load_cifar10_partial",
    "load_szt",
    "fetch",
    "subset",
    "subset_indices",
    "train_test_split",
    "torchvision_available",
]

_log = logging.getLogger(__name__)

MIRROR_ENV = "IBCORE_DATA_MIRROR"
_READERS = ("auto", "torchvision", "ibcore")

# --- what the loaders read: md5 and public URLs, keyed by path relative to the data root -----------
# The MNIST and CIFAR-10 sums are the ones torchvision checks (torchvision/datasets/mnist.py and
# cifar.py); the SZT sum is that of data/var_u.mat in github.com/ravidziv/IDNNs as verified in the
# ibstudy data mirror. Tests replace entries of these two tables (monkeypatch.setitem) to read
# small archives built on the fly.
_MD5: dict[str, str] = {
    "MNIST/raw/train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "MNIST/raw/train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "MNIST/raw/t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "MNIST/raw/t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    # The same files unpacked (what torchvision's download leaves beside the .gz). These sums were
    # computed for ibstudy with `zcat FILE.gz | md5sum` from the verified canonical archives above
    # (sizes 47040016, 60008, 7840016 and 10008 bytes).
    "MNIST/raw/train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "MNIST/raw/train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "MNIST/raw/t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "MNIST/raw/t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    # CIFAR-10, python version: the archive (170498071 bytes) and the files it unpacks to.
    "cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a",
    "cifar-10-batches-py/data_batch_1": "c99cafc152244af753f735de768cd75f",
    "cifar-10-batches-py/data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "cifar-10-batches-py/data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "cifar-10-batches-py/data_batch_4": "634d18415352ddfa80567beed471001a",
    "cifar-10-batches-py/data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "cifar-10-batches-py/test_batch": "40351d587109b95175f43aff81a1287e",
    "cifar-10-batches-py/batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
    # The ibstudy mirror's partial CIFAR-10 (not a public file: it exists only in that mirror).
    # npz md5 computed for ibstudy with md5sum on the mirror copy (19069814 bytes).
    "cifar10-partial/cifar10_labels_all_and_partial_images.npz": "d47f1717d84c01560ce121791600dc40",
    "cifar10-partial/batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
    # Shwartz-Ziv & Tishby (2017): all 2^12 binary inputs and their labels (1003 bytes).
    "szt/var_u.mat": "29b51a6cb3eaa73ee0c652fd3feec3e4",
}

_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_URLS: dict[str, tuple[str, ...]] = {
    **{f"MNIST/raw/{stem}-idx{k}-ubyte.gz": tuple(m + f"{stem}-idx{k}-ubyte.gz" for m in _MNIST_MIRRORS)
       for stem, k in (("train-images", 3), ("train-labels", 1), ("t10k-images", 3), ("t10k-labels", 1))},
    "cifar-10-python.tar.gz": ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
    "szt/var_u.mat": ("https://raw.githubusercontent.com/ravidziv/IDNNs/master/data/var_u.mat",),
}

_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_FILES = (*_CIFAR_TRAIN, "test_batch", "batches.meta")
_CIFAR_PARTIAL_NPZ = "cifar10-partial/cifar10_labels_all_and_partial_images.npz"
_CIFAR_PARTIAL_META = "cifar10-partial/batches.meta"
_MNIST_CLASSES = [str(d) for d in range(10)]


class DataNotFoundError(FileNotFoundError):
    """A data file is in neither the cache nor the mirror and could not be downloaded."""


class DataChecksumError(RuntimeError):
    """A data file's md5 differs from the canonical one (corrupt, truncated or another version)."""


# --- the container ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples and labels of one split of a data set, with where they came from.

    Attributes
    ----------
    x : torch.Tensor
        float32 inputs, (N, C, H, W) images in [0, 1] or (N, d) features.
    y : torch.Tensor
        int64 labels, shape (N,).
    name : str
        Human-readable data-set name, as pages should print it (e.g. ``"MNIST"``, or the partial
        CIFAR-10's ``"CIFAR-10 (partial: first 5170 train / 1017 test images)"``).
    reader : str
        ``"torchvision"`` or ``"ibcore"``: which reader decoded the files.
    info : dict
        ``split``, ``root``, ``files`` (relative path -> verified md5), ``origin`` (relative path ->
        ``"cache"``, ``"mirror"`` or ``"download"``), ``classes``, and ``subsets`` (the subset calls
        that made this object, oldest first).
    indices : torch.Tensor or None
        Positions of these samples in the full split that was loaded (None: the full split).
    """

    x: torch.Tensor
    y: torch.Tensor
    name: str
    reader: str
    info: dict[str, Any] = field(default_factory=dict)
    indices: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.y.ndim != 1 or self.x.ndim == 0 or self.x.shape[0] != self.y.shape[0]:
            raise ValueError(f"x has shape {tuple(self.x.shape)} and y has shape {tuple(self.y.shape)}; "
                             "y must be (N,) with one label per sample")

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, split={self.info.get('split')!r}, n={len(self)}, "
                f"x={tuple(self.x.shape)} {str(self.x.dtype).replace('torch.', '')}, "
                f"reader={self.reader!r})")

    @property
    def n_classes(self) -> int:
        """Number of classes: the length of ``info['classes']``, else ``max(y) + 1``."""
        classes = self.info.get("classes")
        return len(classes) if classes else int(self.y.max()) + 1 if len(self) else 0

    def select(self, indices: Any, *, note: dict[str, Any] | None = None) -> Dataset:
        """Return the samples at ``indices`` (positions in this object), keeping their provenance."""
        idx = torch.as_tensor(np.asarray(indices), dtype=torch.int64)
        if idx.ndim != 1:
            raise ValueError(f"indices must be 1-D, got shape {tuple(idx.shape)}")
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= len(self)):
            raise ValueError(f"indices must lie in 0..{len(self) - 1}, "
                             f"got {int(idx.min())}..{int(idx.max())}")
        base = self.indices if self.indices is not None else torch.arange(len(self))
        info = dict(self.info)
        info["subsets"] = [*self.info.get("subsets", []), note or {"n": len(idx), "of": len(self)}]
        idx_x = idx.to(self.x.device)
        return replace(self, x=self.x[idx_x], y=self.y[idx.to(self.y.device)], info=info,
                       indices=base[idx.to(base.device)])

    def subset(self, n: int | None = None, *, fraction: float | None = None, seed: int = 0,
               stratified: bool = False) -> Dataset:
        """Deterministic subset by seed; see :func:`subset`."""
        return subset(self, n, fraction=fraction, seed=seed, stratified=stratified)

    def to(self, device: str | torch.device | None = None) -> Dataset:
        """Return a copy with ``x`` and ``y`` on ``device`` (``None``/``"auto"``: CUDA if available)."""
        dev = resolve_device(device)
        return replace(self, x=self.x.to(dev), y=self.y.to(dev))


# --- subsets ---------------------------------------------------------------------------------------
def _count_from(n: int | None, fraction: float | None, n_total: int, what: str = "n") -> int:
    if (n is None) == (fraction is None):
        raise ValueError(f"give exactly one of {what}= or fraction=, got {what}={n!r}, fraction={fraction!r}")
    if fraction is not None:
        frac = check_positive(fraction, "fraction")
        if frac > 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        k = int(np.floor(frac * n_total + 0.5))  # round half up: fraction=0.01 of 60000 -> 600
        if k < 1:
            raise ValueError(f"fraction={fraction!r} of {n_total} samples selects none")
        return k
    k = check_int(n, what, minimum=1)
    if k > n_total:
        raise ValueError(f"{what}={k} exceeds the {n_total} samples available")
    return k


def _allocate(counts: np.ndarray, k: int) -> np.ndarray:
    """Split k over classes in proportion to ``counts`` (largest remainder, ties to the lower class).

    Integer arithmetic throughout, so the split is the same on every machine.
    """
    total = int(counts.sum())
    base = counts * k // total
    rem = counts * k % total
    short = k - int(base.sum())
    order = np.lexsort((np.arange(len(counts)), -rem))  # largest remainder first, then class index
    base[order[:short]] += 1
    return base


def subset_indices(n_total: int, n: int | None = None, *, fraction: float | None = None, seed: int = 0,
                   labels: Any = None) -> np.ndarray:
    """Indices of a deterministic random subset of ``range(n_total)``, sorted.

    The first ``n`` entries of ``numpy.random.default_rng(seed).permutation(n_total)``, so the same
    seed gives the same indices on any machine, and a smaller ``n`` with the same seed gives a
    subset of a larger one. With ``labels`` the subset is stratified: each class gets its share of
    ``n`` (largest-remainder rounding) and takes its first members in the same permutation order.

    Parameters
    ----------
    n_total : int
        Number of samples to choose from.
    n : int, optional
        Subset size. Give exactly one of ``n`` and ``fraction``.
    fraction : float, optional
        Subset size as a fraction of ``n_total`` in (0, 1], rounded half up (1 % of MNIST's 60000
        training images is 600).
    seed : int, default 0
        Seed for :func:`numpy.random.default_rng`.
    labels : array-like of shape (n_total,), optional
        Class labels for a stratified subset.

    Returns
    -------
    numpy.ndarray
        int64 indices in increasing order.
    """
    n_total = check_int(n_total, "n_total", minimum=1)
    k = _count_from(n, fraction, n_total)
    seed = check_int(seed, "seed", minimum=0)
    perm = np.random.default_rng(seed).permutation(n_total)
    if labels is None:
        return np.sort(perm[:k]).astype(np.int64)
    lab = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels).reshape(-1)
    if lab.shape[0] != n_total:
        raise ValueError(f"labels has {lab.shape[0]} entries, expected n_total={n_total}")
    classes, inverse, counts = np.unique(lab, return_inverse=True, return_counts=True)
    quota = _allocate(counts.astype(np.int64), k)
    inv_perm = inverse[perm]
    # loop over classes (few), not samples
    picked = [perm[inv_perm == c][: quota[c]] for c in range(len(classes))]
    return np.sort(np.concatenate(picked)).astype(np.int64)


def subset(ds: Dataset, n: int | None = None, *, fraction: float | None = None, seed: int = 0,
           stratified: bool = False) -> Dataset:
    """Deterministic random subset of a :class:`Dataset` (e.g. ``fraction=0.01`` of MNIST).

    See :func:`subset_indices` for how indices are drawn. ``stratified=True`` keeps the class
    proportions of ``ds`` (up to rounding). The subset keeps the original sample order, records its
    parameters in ``info['subsets']`` and its positions in the full split in ``indices``.
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be an ibcore.data.Dataset, got {type(ds).__name__}")
    idx = subset_indices(len(ds), n, fraction=fraction, seed=seed, labels=ds.y if stratified else None)
    note = {"kind": "subset", "n": int(len(idx)), "of": len(ds), "seed": seed, "stratified": bool(stratified)}
    return ds.select(idx, note=note)


def train_test_split(ds: Dataset, test_fraction: float = 0.2, *, seed: int = 0,
                     stratified: bool = False) -> tuple[Dataset, Dataset]:
    """Split ``ds`` into deterministic disjoint (train, test) parts.

    The test part is ``subset_indices(len(ds), fraction=test_fraction, seed=seed)`` (stratified by
    label if asked); the train part is everything else. Both keep the original order.

    Returns
    -------
    (Dataset, Dataset)
        The training part and the test part.
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be an ibcore.data.Dataset, got {type(ds).__name__}")
    n_total = len(ds)
    test_idx = subset_indices(n_total, fraction=test_fraction, seed=seed, labels=ds.y if stratified else None)
    if len(test_idx) >= n_total:
        raise ValueError(f"test_fraction={test_fraction!r} leaves no training samples out of {n_total}")
    mask = np.ones(n_total, dtype=bool)
    mask[test_idx] = False
    train_idx = np.flatnonzero(mask)
    common = {"of": n_total, "seed": seed, "stratified": bool(stratified), "test_fraction": test_fraction}
    return (ds.select(train_idx, note={"kind": "train", "n": len(train_idx), **common}),
            ds.select(test_idx, note={"kind": "test", "n": len(test_idx), **common}))


# --- finding and verifying files ---------------------------------------------------------------------
def _md5sum(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _mirror() -> Path | None:
    env = os.environ.get(MIRROR_ENV)
    return Path(env).expanduser() if env else None


def _resolve_root(root: str | os.PathLike | None) -> Path:
    path = Path(root).expanduser() if root is not None else data_dir()
    mirror = _mirror()
    if mirror is not None:
        r, m = path.resolve(), mirror.resolve()
        if r == m or m in r.parents:
            raise ValueError(f"root={str(path)!r} lies inside {MIRROR_ENV}={str(mirror)!r}; ibcore never "
                             "writes into the mirror: leave root=None to use the cache "
                             f"({data_dir()}), which is filled from the mirror")
    return path


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".md5-ok")


def _stamp_text(path: Path, md5: str) -> str:
    st = path.stat()
    return f"{md5} {st.st_size} {st.st_mtime_ns}\n"


def _write_stamp(path: Path, md5: str) -> None:
    try:
        _stamp(path).write_text(_stamp_text(path, md5))
    except OSError:  # a read-only root: verification just is not remembered
        pass


def _verify(path: Path, expected: str, *, rel: str, where: str) -> None:
    """Raise DataChecksumError unless ``path`` has md5 ``expected``; remembered by a stamp file."""
    stamp = _stamp(path)
    try:
        if stamp.read_text() == _stamp_text(path, expected):
            return
    except OSError:
        pass
    got = _md5sum(path)
    if got != expected:
        raise DataChecksumError(
            f"{rel}: the file {path} ({where}) has md5 {got}, expected {expected}. It is corrupt, "
            "truncated or a different version; ibcore will not use it. Delete it and load again "
            f"(it is then copied from {MIRROR_ENV} or downloaded), or replace it with the canonical file.")
    if where == "cache":
        _write_stamp(path, expected)


def _publish(tmp: str, dest: Path) -> None:
    """Move a finished temporary file into place with ordinary permissions (mkstemp makes 0600)."""
    os.chmod(tmp, 0o644)
    os.replace(tmp, dest)


def _copy_verified(src: Path, dest: Path, expected: str, *, rel: str) -> None:
    """Copy ``src`` (never modified) to ``dest`` through a temporary file, checking the md5 on the way."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.md5(usedforsecurity=False)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
            while block := fin.read(1 << 20):
                h.update(block)
                fout.write(block)
        got = h.hexdigest()
        if got != expected:
            raise DataChecksumError(
                f"{rel}: the mirror copy {src} has md5 {got}, expected {expected}. The mirror "
                f"({MIRROR_ENV}) holds a corrupt or different file; ibcore did not copy it. Fix the mirror "
                "or unset the variable to download the canonical file.")
        _publish(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _write_stamp(dest, expected)


def _download(url: str, dest: Path, expected: str, *, rel: str, timeout: float = 60.0) -> None:
    """Download ``url`` to ``dest`` through a temporary file, checking the md5."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.md5(usedforsecurity=False)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "ibcore-data (python urllib)"})
        with urllib.request.urlopen(request, timeout=timeout) as resp, os.fdopen(fd, "wb") as fout:
            while block := resp.read(1 << 20):
                h.update(block)
                fout.write(block)
        got = h.hexdigest()
        if got != expected:
            raise DataChecksumError(f"{rel}: the file downloaded from {url} has md5 {got}, "
                                    f"expected {expected}")
        _publish(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _write_stamp(dest, expected)


def _missing_message(rels: list[str], root: Path, download: bool, failures: list[str], hint: str) -> str:
    mirror = _mirror()
    want = " or ".join(f"{r} (md5 {_MD5[r]})" for r in rels)
    looked = [f"  - {root / r} (cache)" for r in rels]
    if mirror is None:
        looked.append(f"  - no mirror: {MIRROR_ENV} is not set")
    else:
        state = "" if mirror.is_dir() else " - that folder does not exist"
        looked += [f"  - {mirror / r} ({MIRROR_ENV}{state})" for r in rels]
    urls = [u for r in rels for u in _URLS.get(r, ())]
    if failures:
        tried = "Download failed:\n" + "\n".join(f"  - {f}" for f in failures)
    elif not urls:
        tried = "There is no public URL for it."
    elif not download:
        tried = "Downloading was not attempted (download=False)."
    else:
        tried = ""
    how = (f"To get it: set {MIRROR_ENV} to a folder laid out like torchvision's root that holds "
           f"{rels[0]}, or copy the file to {root / rels[0]}")
    if urls:
        how += f", or load with download=True on a machine with internet access (it fetches {urls[0]})"
    lines = [f"data file not found: {want}", "Looked in:", *looked]
    lines += [t for t in (tried, how + ".", hint) if t]
    return "\n".join(lines)


def _locate(rels: list[str], root: Path) -> tuple[str, Path, str] | None:
    for r in rels:
        if (root / r).is_file():
            return r, root / r, "cache"
    mirror = _mirror()
    if mirror is not None:
        for r in rels:
            if (mirror / r).is_file():
                return r, mirror / r, "mirror"
    return None


def _fetch_first(rels: list[str], root: Path, *, download: bool, hint: str = "") -> tuple[str, Path, str]:
    """Return (relative path, cache path, origin) of the first of ``rels`` found, verified.

    Looks for each alternative in the cache, then in the mirror (copying it into the cache), then
    downloads the first alternative that has a URL.
    """
    found = _locate(rels, root)
    if found is not None:
        rel, path, where = found
        if where == "cache":
            _verify(path, _MD5[rel], rel=rel, where="cache")
            return rel, path, "cache"
        _log.info("copying %s from the mirror %s into %s", rel, _mirror(), root)
        _copy_verified(path, root / rel, _MD5[rel], rel=rel)
        return rel, root / rel, "mirror"
    failures: list[str] = []
    if download:
        for rel in rels:
            for url in _URLS.get(rel, ()):
                _log.info("downloading %s", url)
                try:
                    _download(url, root / rel, _MD5[rel], rel=rel)
                except DataChecksumError as err:
                    failures.append(str(err))
                except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
                    failures.append(f"{url}: {type(err).__name__}: {err}")
                else:
                    return rel, root / rel, "download"
    raise DataNotFoundError(_missing_message(rels, root, download, failures, hint))


def fetch(relpath: str, *, root: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Return the verified local path of one known data file, fetching it into the cache if needed.

    Parameters
    ----------
    relpath : str
        Path relative to the data root, e.g. ``"MNIST/raw/train-images-idx3-ubyte.gz"`` or
        ``"szt/var_u.mat"``; one of the files ibcore knows the md5 of.
    root : path, optional
        Cache folder (torchvision-style root). Default :func:`ibcore._paths.data_dir`.
    download : bool, default True
        Download from the public URL when neither the cache nor ``IBCORE_DATA_MIRROR`` has the file.

    Returns
    -------
    pathlib.Path
        The file in the cache, its md5 checked.

    Raises
    ------
    DataNotFoundError
        Found nowhere; the message lists the folders looked in and how to get the file.
    DataChecksumError
        The file's md5 is not the canonical one (both sums are in the message).
    """
    check_choice(relpath, "relpath", tuple(_MD5))
    return _fetch_first([relpath], _resolve_root(root), download=download)[1]


# --- torchvision, when it imports ------------------------------------------------------------------
_UNSET = object()
_tv_cache: Any = _UNSET
_tv_error: str = ""


def _torchvision_datasets() -> Any:
    """``torchvision.datasets``, or None when torchvision cannot be imported (the reason is kept)."""
    global _tv_cache, _tv_error
    if _tv_cache is _UNSET:
        # catch any Exception, not only ImportError: a CUDA-linked torchvision wheel on a CPU-only
        # torch fails at import with RuntimeError ("operator torchvision::nms does not exist")
        try:
            from torchvision import datasets as tv_datasets
        except Exception as err:
            _tv_cache, _tv_error = None, f"{type(err).__name__}: {err}"
        else:
            _tv_cache, _tv_error = tv_datasets, ""
    return _tv_cache


def torchvision_available() -> bool:
    """Whether ``import torchvision`` works here (any failure counts as unavailable)."""
    return _torchvision_datasets() is not None


def _choose_reader(reader: str) -> tuple[str, Any]:
    check_choice(reader, "reader", _READERS)
    tv = _torchvision_datasets() if reader != "ibcore" else None
    if reader == "torchvision" and tv is None:
        raise RuntimeError(f"reader='torchvision' but torchvision cannot be imported ({_tv_error}); "
                           "use reader='auto' or reader='ibcore', which read the same files")
    return ("torchvision", tv) if tv is not None else ("ibcore", None)


def _why_not_torchvision(reader: str) -> str:
    return "reader='ibcore' asked for" if reader == "ibcore" else f"torchvision unavailable: {_tv_error}"


def _unit_float(u8: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> float32 in [0, 1] (the one conversion both readers use)."""
    return u8.to(torch.float32).div_(255.0)


# --- MNIST ------------------------------------------------------------------------------------------
def _read_idx(path: Path) -> np.ndarray:
    """Read an idx file (``.gz`` or not) of unsigned bytes into a numpy array.

    Format (LeCun et al.): two zero bytes, a type byte (0x08 = unsigned byte), the number of
    dimensions, each dimension as a big-endian int32, then the data in C order.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an idx file (bad magic number {raw[:4].hex()})")
    if raw[2] != 0x08:
        raise ValueError(f"{path}: idx type 0x{raw[2]:02x} is not supported (MNIST uses 0x08, unsigned byte)")
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(dims)):
        raise ValueError(f"{path}: header says shape {dims} ({int(np.prod(dims))} bytes) but "
                         f"{len(raw) - offset} bytes follow")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _mnist_rels(stem: str) -> list[str]:
    return [f"MNIST/raw/{stem}.gz", f"MNIST/raw/{stem}"]


def _mnist_unpack(gz: Path, rel_out: str, root: Path) -> None:
    """Write the decompressed copy of ``gz`` torchvision reads, unless a verified one is there."""
    out = root / rel_out
    if out.is_file():
        _verify(out, _MD5[rel_out], rel=rel_out, where="cache")
        return
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with gzip.open(gz, "rb") as fin, os.fdopen(fd, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
        got = _md5sum(Path(tmp))
        if got != _MD5[rel_out]:
            raise DataChecksumError(f"{rel_out}: unpacking {gz} gave md5 {got}, expected {_MD5[rel_out]}")
        _publish(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _write_stamp(out, _MD5[rel_out])


def load_mnist(train: bool = True, *, root: str | os.PathLike | None = None, download: bool = True,
               reader: str = "auto") -> Dataset:
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
    rdr, tv = _choose_reader(reader)
    root_p = _resolve_root(root)
    split = "train" if train else "t10k"
    stems = {s: [f"{s}-images-idx3-ubyte", f"{s}-labels-idx1-ubyte"] for s in ("train", "t10k")}
    # torchvision's MNIST checks that all four unpacked files exist, whatever the split
    needed = stems["train"] + stems["t10k"] if rdr == "torchvision" else stems[split]
    found = {stem: _fetch_first(_mnist_rels(stem), root_p, download=download) for stem in needed}
    files = {rel: _MD5[rel] for rel, _, _ in found.values()}
    origin = {rel: where for rel, _, where in found.values()}
    if rdr == "torchvision":
        try:
            for stem, (rel, path, _) in found.items():
                if rel.endswith(".gz"):
                    _mnist_unpack(path, f"MNIST/raw/{stem}", root_p)
        except OSError as err:  # e.g. a read-only root: torchvision needs the unpacked files
            if reader == "torchvision":
                raise
            _log.warning("cannot unpack MNIST for torchvision under %s (%s); using the ibcore reader",
                         root_p, err)
            return load_mnist(train, root=root, download=download, reader="ibcore")
        tvd = tv.MNIST(str(root_p), train=train, download=False)
        images, labels = tvd.data, tvd.targets
    else:
        images = torch.from_numpy(_read_idx(found[stems[split][0]][1]).copy())
        labels = torch.from_numpy(_read_idx(found[stems[split][1]][1]).astype(np.int64))
    if images.ndim != 3 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST {split}: {tuple(images.shape)} images but {tuple(labels.shape)} labels")
    x = _unit_float(images.unsqueeze(1))
    y = labels.to(torch.int64)
    why = "" if rdr == "torchvision" else f" ({_why_not_torchvision(reader)})"
    split_name = "train" if train else "test"
    _log.info("MNIST %s: %d images read by the %s reader%s from %s", split_name, len(y), rdr, why, root_p)
    info = {"split": split_name, "root": str(root_p), "files": files, "origin": origin,
            "classes": list(_MNIST_CLASSES)}
    return Dataset(x=x, y=y, name="MNIST", reader=rdr, info=info)


# --- CIFAR-10 ---------------------------------------------------------------------------------------
class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler for the CIFAR-10 python batches: builds only numpy arrays, dtypes, and plain data.

    The canonical batches (Python 2 pickles) need ``numpy.core.multiarray._reconstruct``,
    ``numpy.ndarray`` and ``numpy.dtype``; anything else (which could run code) is refused.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR-10 batch file "
                                         "(only numpy arrays are expected)")
        return super().find_class(module, name)


def _read_cifar_pickle(path: Path) -> dict:
    with open(path, "rb") as fh:
        obj = _NumpyOnlyUnpickler(fh, encoding="latin1").load()
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: expected a dict, got {type(obj).__name__}")
    return obj


def _read_cifar_batches(folder: Path, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 from CIFAR-10 python batch files."""
    data, labels = [], []
    for name in names:
        entry = _read_cifar_pickle(folder / name)
        arr = np.asarray(entry["data"], dtype=np.uint8)
        lab = entry["labels"] if "labels" in entry else entry["fine_labels"]
        if arr.ndim != 2 or arr.shape[1] != 3 * 32 * 32 or arr.shape[0] != len(lab):
            raise ValueError(f"{folder / name}: data of shape {arr.shape} with {len(lab)} labels; "
                             "expected (n, 3072) with n labels")
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
    with tarfile.open(tar_path, "r:gz") as tar:
        for member in tar:
            name = member.name.lstrip("./")
            if name not in wanted or not member.isfile():
                continue
            dest = root / name
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{dest.name}.", suffix=".part")
            try:
                with tar.extractfile(member) as fin, os.fdopen(fd, "wb") as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
                got = _md5sum(Path(tmp))
                if got != _MD5[name]:
                    raise DataChecksumError(f"{name}: unpacked from {tar_path} with md5 {got}, "
                                            f"expected {_MD5[name]}")
                _publish(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _write_stamp(dest, _MD5[name])
            done.add(name)
    if done != wanted:
        raise DataChecksumError(f"{tar_path} lacks {sorted(wanted - done)}; it is not the canonical archive")


def _cifar_partial_hint() -> str:
    mirror = _mirror()
    if mirror is not None and (mirror / _CIFAR_PARTIAL_NPZ).is_file():
        return (f"Note: the mirror holds only a PARTIAL CIFAR-10 ({mirror / 'cifar10-partial'}), "
                "which is not the CIFAR-10 benchmark and is not used here. To work with it knowingly, call "
                "load_cifar10_partial() and label every result as partial CIFAR-10.")
    return ""


def _cifar_folder(root: Path, download: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Make sure ``root/cifar-10-batches-py`` holds the seven verified files; return (files, origin)."""
    rels = [f"{_CIFAR_DIR}/{f}" for f in _CIFAR_FILES]
    mirror = _mirror()
    in_cache = all((root / r).is_file() for r in rels)
    in_cache_or_mirror = all((root / r).is_file() or (mirror is not None and (mirror / r).is_file())
                             for r in rels)
    if in_cache or in_cache_or_mirror:
        origin = {r: _fetch_first([r], root, download=False)[2] for r in rels}
        return {r: _MD5[r] for r in rels}, origin
    tar_rel = "cifar-10-python.tar.gz"
    hint = f"(The unpacked folder {_CIFAR_DIR}/ with its seven files is accepted instead of the archive.)"
    partial = _cifar_partial_hint()
    _, tar_path, where = _fetch_first([tar_rel], root, download=download,
                                      hint=hint + ("\n" + partial if partial else ""))
    _cifar_extract(tar_path, root)
    files = {tar_rel: _MD5[tar_rel], **{r: _MD5[r] for r in rels}}
    return files, {tar_rel: where, **dict.fromkeys(rels, "unpacked")}


def load_cifar10(train: bool = True, *, root: str | os.PathLike | None = None, download: bool = True,
                 reader: str = "auto") -> Dataset:
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
    rdr, tv = _choose_reader(reader)
    root_p = _resolve_root(root)
    files, origin = _cifar_folder(root_p, download)
    names = _CIFAR_TRAIN if train else ("test_batch",)
    if rdr == "torchvision":
        tvd = tv.CIFAR10(str(root_p), train=train, download=False)
        images = torch.from_numpy(np.asarray(tvd.data)).permute(0, 3, 1, 2)  # torchvision keeps HWC
        labels = torch.as_tensor(np.asarray(tvd.targets, dtype=np.int64))
        classes = list(tvd.classes)
    else:
        imgs, labs = _read_cifar_batches(root_p / _CIFAR_DIR, names)
        images, labels = torch.from_numpy(imgs), torch.from_numpy(labs)
        classes = list(_read_cifar_pickle(root_p / _CIFAR_DIR / "batches.meta")["label_names"])
    x = _unit_float(images).contiguous()
    split = "train" if train else "test"
    why = "" if rdr == "torchvision" else f" ({_why_not_torchvision(reader)})"
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
    root_p = _resolve_root(root)
    hint = ("This partial CIFAR-10 exists only in the ibstudy data mirror; on a machine with internet "
            "access use load_cifar10() for the full data set.")
    found = {r: _fetch_first([r], root_p, download=False, hint=hint)
             for r in (_CIFAR_PARTIAL_NPZ, _CIFAR_PARTIAL_META)}
    with np.load(found[_CIFAR_PARTIAL_NPZ][1], allow_pickle=False) as npz:
        batches = {b: (npz[f"{b}_images_first_n"], npz[f"{b}_labels"]) for b in (*_CIFAR_TRAIN, "test_batch")}
    n_per_batch = {b: int(img.shape[0]) for b, (img, _) in batches.items()}
    for b, (img, lab) in batches.items():
        if img.ndim != 4 or img.shape[1:] != (3, 32, 32) or img.shape[0] > lab.shape[0]:
            raise ValueError(f"{_CIFAR_PARTIAL_NPZ}: {b} has images {img.shape} and labels {lab.shape}")
    names = _CIFAR_TRAIN if train else ("test_batch",)
    images = np.concatenate([batches[b][0] for b in names])
    labels = np.concatenate([batches[b][1][: n_per_batch[b]] for b in names]).astype(np.int64)
    n_train = sum(n_per_batch[b] for b in _CIFAR_TRAIN)
    name = f"CIFAR-10 (partial: first {n_train} train / {n_per_batch['test_batch']} test images)"
    classes = list(_read_cifar_pickle(found[_CIFAR_PARTIAL_META][1])["label_names"])
    split = "train" if train else "test"
    _log.info("%s %s: %d images read by the ibcore reader from %s", name, split, len(labels), root_p)
    info = {"split": split, "root": str(root_p), "partial": True, "n_per_batch": n_per_batch,
            "files": {r: _MD5[r] for r in found}, "origin": {r: v[2] for r, v in found.items()},
            "classes": classes}
    return Dataset(x=_unit_float(torch.from_numpy(images)), y=torch.from_numpy(labels), name=name,
                   reader="ibcore", info=info)


# --- Shwartz-Ziv & Tishby ---------------------------------------------------------------------------
def load_szt(*, root: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load the Shwartz-Ziv & Tishby (2017) task: all 4096 binary 12-bit inputs and their labels.

    Reads ``szt/var_u.mat`` (MATLAB v5, ``F`` 4096 x 12 uint8 and ``y`` 1 x 4096 uint8; md5
    29b51a6cb3eaa73ee0c652fd3feec3e4), the file shipped as ``data/var_u.mat`` with the authors'
    code (github.com/ravidziv/IDNNs), fetched as :func:`fetch` describes.

    Parameters
    ----------
    root : path, optional
        Cache folder. Default :func:`ibcore._paths.data_dir`.
    download : bool, default True
        Download from GitHub when neither the cache nor ``IBCORE_DATA_MIRROR`` has the file.

    Returns
    -------
    Dataset
        ``x`` float32 (4096, 12) of 0/1, ``y`` int64 (4096,) of 0/1 (the file's ``y``; the authors'
        code one-hot encodes it as ``[y, 1 - y]``). ``reader="ibcore"`` (scipy.io.loadmat).

    References
    ----------
    Shwartz-Ziv & Tishby (2017), "Opening the black box of deep neural networks via information",
    arXiv:1703.00810, Sec. 3.1 (the 12-bit symmetric rule).
    """
    from scipy.io import loadmat

    root_p = _resolve_root(root)
    rel, path, where = _fetch_first(["szt/var_u.mat"], root_p, download=download)
    mat = loadmat(path)
    if "F" not in mat or "y" not in mat:
        have = sorted(k for k in mat if not k.startswith("__"))
        raise ValueError(f"{path} lacks the variables F and y (has {have})")
    f, lab = np.asarray(mat["F"]), np.asarray(mat["y"]).reshape(-1)
    if f.ndim != 2 or f.shape[0] != lab.shape[0]:
        raise ValueError(f"{path}: F has shape {f.shape} and y has {lab.shape[0]} labels")
    x = torch.from_numpy(f.astype(np.float32))
    y = torch.from_numpy(lab.astype(np.int64))
    _log.info("SZT: %d x %d inputs read by the ibcore reader (scipy.io.loadmat) from %s", *f.shape, root_p)
    info = {"split": "all", "root": str(root_p), "files": {rel: _MD5[rel]}, "origin": {rel: where},
            "classes": ["0", "1"], "url": _URLS[rel][0]}
    return Dataset(x=x, y=y, name="SZT", reader="ibcore", info=info)
