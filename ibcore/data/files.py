"""Verified file fetching: a known data file from the cache, the mirror or its URL, checked by md5.

:func:`fetch` (and :func:`fetch_first` for alternatives, e.g. ``.gz`` or unpacked) looks in the
cache (``root``), then in the read-only mirror named by :data:`MIRROR_ENV` (copying the file into
the cache), then downloads it; every file is checked against :data:`MD5`, written through a
temporary file (:func:`store_verified`), and gets a ``<name>.md5-ok`` stamp so that later loads skip
hashing until it changes. The stamp holds the file's size, mtime and ctime: restoring the mtime
after changing the bytes (``touch -r``, ``os.utime``) still changes the ctime, so such a file is
hashed again. ibcore's own readers check the md5 of the very bytes they decode
(:func:`read_checked`: the file is read whole anyway), so damage no stamp can see (bit rot) is
caught on every read; torchvision's readers run under :func:`checked_read`, which re-hashes the
files when decoding fails, so such damage ends in a :class:`DataChecksumError` that names the file
and the fix, not in a bare zlib or unpickling error. A file found nowhere raises
:class:`DataNotFoundError`, a wrong one :class:`DataChecksumError`. The loaders of the other
modules use ``fetch_first``, ``resolve_root``, ``verify``, ``store_verified`` and ``checked_read``.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ibcore._io import atomic_write, md5_bytes, md5sum
from ibcore._paths import data_dir
from ibcore._validation import check_bool, check_choice

__all__ = [
    "MIRROR_ENV",
    "DataNotFoundError",
    "DataChecksumError",
    "fetch",
    "MD5",
    "URLS",
    "mirror_dir",
    "resolve_root",
    "write_stamp",
    "verify",
    "store_verified",
    "fetch_first",
    "checked_read",
    "read_checked",
]

_log = logging.getLogger("ibcore.data")  # one logger for the whole package, as before the split
_CHUNK = 1 << 20

MIRROR_ENV = "IBCORE_DATA_MIRROR"

# --- what the loaders read: md5 and public URLs, keyed by path relative to the data root -----------
# The MNIST and CIFAR-10 sums are the ones torchvision checks (torchvision/datasets/mnist.py and
# cifar.py); the SZT sum is that of data/var_u.mat in github.com/ravidziv/IDNNs as verified in the
# ibstudy data mirror. Tests replace entries of these two tables (monkeypatch.setitem) to read
# small archives built on the fly.
MD5: dict[str, str] = {
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
URLS: dict[str, tuple[str, ...]] = {
    **{
        f"MNIST/raw/{stem}-idx{k}-ubyte.gz": tuple(m + f"{stem}-idx{k}-ubyte.gz" for m in _MNIST_MIRRORS)
        for stem, k in (("train-images", 3), ("train-labels", 1), ("t10k-images", 3), ("t10k-labels", 1))
    },
    "cifar-10-python.tar.gz": ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
    "szt/var_u.mat": ("https://raw.githubusercontent.com/ravidziv/IDNNs/master/data/var_u.mat",),
}


class DataNotFoundError(FileNotFoundError):
    """A data file is in neither the cache nor the mirror and could not be downloaded."""


class DataChecksumError(RuntimeError):
    """A data file's md5 differs from the canonical one (corrupt, truncated or another version)."""


# --- finding and verifying files ---------------------------------------------------------------------
def mirror_dir() -> Path | None:
    """The read-only mirror named by :data:`MIRROR_ENV`, or ``None`` when the variable is unset."""
    env = os.environ.get(MIRROR_ENV)
    return Path(env).expanduser() if env else None


def resolve_root(root: str | os.PathLike | None) -> Path:
    """The cache folder (``root`` or :func:`ibcore._paths.data_dir`); ``ValueError`` if inside the mirror."""
    path = Path(root).expanduser() if root is not None else data_dir()
    mirror = mirror_dir()
    if mirror is not None:
        r, m = path.resolve(), mirror.resolve()
        if r == m or m in r.parents:
            raise ValueError(
                f"root={str(path)!r} lies inside {MIRROR_ENV}={str(mirror)!r}; ibcore never "
                "writes into the mirror: leave root=None to use the cache "
                f"({data_dir()}), which is filled from the mirror"
            )
    return path


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".md5-ok")


def _stamp_text(path: Path, md5: str) -> str:
    st = path.stat()  # ctime: any write (or os.utime) moves it, and it cannot be set back
    return f"{md5} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}\n"


def write_stamp(path: Path, md5: str) -> None:
    """Remember that ``path`` (at its current size and mtime) has md5 ``md5``, if the folder is writable."""
    with contextlib.suppress(OSError):  # a read-only root: verification just is not remembered
        _stamp(path).write_text(_stamp_text(path, md5))


def verify(path: Path, expected: str, *, rel: str, where: str) -> None:
    """Raise DataChecksumError unless ``path`` has md5 ``expected``; remembered by a stamp file."""
    stamp = _stamp(path)
    try:
        if stamp.read_text() == _stamp_text(path, expected):
            return
    except OSError:
        pass
    got = md5sum(path)
    if got != expected:
        raise DataChecksumError(
            f"{rel}: the file {path} ({where}) has md5 {got}, expected {expected}. It is corrupt, "
            "truncated or a different version; ibcore will not use it. Delete it and load again "
            f"(it is then copied from {MIRROR_ENV} or downloaded), or replace it with the canonical file."
        )
    if where == "cache":
        write_stamp(path, expected)


def _damaged(rel: str, path: Path, got: str, why: str) -> DataChecksumError:
    _stamp(path).unlink(missing_ok=True)
    return DataChecksumError(
        f"{rel}: {why}; its md5 is now {got}, expected {MD5[rel]}: the file {path} was damaged "
        f"after it was verified. Delete it and load again (it is then copied from {MIRROR_ENV} or "
        "downloaded)."
    )


def read_checked(path: Path, rel: str) -> bytes:
    """The bytes of the cache file ``path``, after checking that their md5 is that of ``rel``.

    For readers that decode a whole file from memory: the check costs one md5 of bytes already
    read (about 0.1 s per 50 MB) and sees every change, including one the stamp cannot.
    """
    blob = path.read_bytes()
    got = md5_bytes(blob)
    if got != MD5[rel]:
        raise _damaged(rel, path, got, "the bytes read differ from the verified file")
    return blob


@contextlib.contextmanager
def checked_read(files: dict[str, Path]) -> Iterator[None]:
    """Run the decoding of verified cache files; if it fails, find out whether a file was damaged.

    ``files`` maps each file's key in :data:`MD5` to its path in the cache. When the block raises,
    every file is hashed again (ignoring its stamp); one whose md5 is no longer the canonical one
    raises :class:`DataChecksumError` naming the file and the fix (its stamp is removed). If all
    are intact, the original error propagates: it is not about the data files.
    """
    try:
        yield
    except Exception as err:
        for rel, path in files.items():
            if not path.is_file():
                continue
            got = md5sum(path)
            if got != MD5[rel]:
                why = f"reading {path.name} failed ({type(err).__name__}: {err})"
                raise _damaged(rel, path, got, why) from err
        raise


def store_verified(
    fin: BinaryIO, dest: Path, expected: str, mismatch: Callable[[str], DataChecksumError]
) -> None:
    """Write the stream ``fin`` to ``dest`` atomically if its md5 is ``expected``, then stamp it.

    The bytes go through a temporary file beside ``dest`` (:func:`ibcore._io.atomic_write`); when
    their md5 differs, ``mismatch(got)`` is raised and nothing is left behind.
    """
    with atomic_write(dest, expected_md5=expected, on_mismatch=mismatch) as fout:
        shutil.copyfileobj(fin, fout, _CHUNK)
    write_stamp(dest, expected)


def _copy_verified(src: Path, dest: Path, expected: str, *, rel: str) -> None:
    """Copy ``src`` (never modified) to ``dest`` through a temporary file, checking the md5 on the way."""
    dest.parent.mkdir(parents=True, exist_ok=True)

    def mismatch(got: str) -> DataChecksumError:
        return DataChecksumError(
            f"{rel}: the mirror copy {src} has md5 {got}, expected {expected}. The mirror "
            f"({MIRROR_ENV}) holds a corrupt or different file; ibcore did not copy it. Fix the mirror "
            "or unset the variable to download the canonical file."
        )

    with open(src, "rb") as fin:
        store_verified(fin, dest, expected, mismatch)


def _download(url: str, dest: Path, expected: str, *, rel: str, timeout: float = 60.0) -> None:
    """Download ``url`` to ``dest`` through a temporary file, checking the md5."""
    dest.parent.mkdir(parents=True, exist_ok=True)

    def mismatch(got: str) -> DataChecksumError:
        return DataChecksumError(f"{rel}: the file downloaded from {url} has md5 {got}, expected {expected}")

    request = urllib.request.Request(url, headers={"User-Agent": "ibcore-data (python urllib)"})
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        store_verified(resp, dest, expected, mismatch)


def _missing_message(rels: list[str], root: Path, download: bool, failures: list[str], hint: str) -> str:
    mirror = mirror_dir()
    want = " or ".join(f"{r} (md5 {MD5[r]})" for r in rels)
    looked = [f"  - {root / r} (cache)" for r in rels]
    if mirror is None:
        looked.append(f"  - no mirror: {MIRROR_ENV} is not set")
    else:
        state = "" if mirror.is_dir() else " - that folder does not exist"
        looked += [f"  - {mirror / r} ({MIRROR_ENV}{state})" for r in rels]
    urls = [u for r in rels for u in URLS.get(r, ())]
    if failures:
        tried = "Download failed:\n" + "\n".join(f"  - {f}" for f in failures)
    elif not urls:
        tried = "There is no public URL for it."
    elif not download:
        tried = "Downloading was not attempted (download=False)."
    else:
        tried = ""
    how = (
        f"To get it: set {MIRROR_ENV} to a folder laid out like torchvision's root that holds "
        f"{rels[0]}, or copy the file to {root / rels[0]}"
    )
    if urls:
        how += f", or load with download=True on a machine with internet access (it fetches {urls[0]})"
    lines = [f"data file not found: {want}", "Looked in:", *looked]
    lines += [t for t in (tried, how + ".", hint) if t]
    return "\n".join(lines)


def _locate(rels: list[str], root: Path) -> tuple[str, Path, str] | None:
    for r in rels:
        if (root / r).is_file():
            return r, root / r, "cache"
    mirror = mirror_dir()
    if mirror is not None:
        for r in rels:
            if (mirror / r).is_file():
                return r, mirror / r, "mirror"
    return None


def fetch_first(rels: list[str], root: Path, *, download: bool, hint: str = "") -> tuple[str, Path, str]:
    """Return (relative path, cache path, origin) of the first of ``rels`` found, verified.

    Looks for each alternative in the cache, then in the mirror (copying it into the cache), then
    downloads the first alternative that has a URL.
    """
    found = _locate(rels, root)
    if found is not None:
        rel, path, where = found
        if where == "cache":
            verify(path, MD5[rel], rel=rel, where="cache")
            return rel, path, "cache"
        _log.info("copying %s from the mirror %s into %s", rel, mirror_dir(), root)
        _copy_verified(path, root / rel, MD5[rel], rel=rel)
        return rel, root / rel, "mirror"
    failures: list[str] = []
    if download:
        for rel in rels:
            for url in URLS.get(rel, ()):
                _log.info("downloading %s", url)
                try:
                    _download(url, root / rel, MD5[rel], rel=rel)
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
    check_choice(relpath, "relpath", tuple(MD5))
    download = check_bool(download, "download")
    return fetch_first([relpath], resolve_root(root), download=download)[1]
