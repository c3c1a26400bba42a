"""Atomic, checksum-aware file writing: a file appears complete, verified, or not at all.

:func:`atomic_write` is the one way ibcore writes a file that others read (data files, recorded
runs, checkpoints, run configs, scorecard rows): the bytes go to a temporary file in the
destination's folder, their md5 is checked on the way when an expected sum is given, and only a
finished, verified file is moved into place (:func:`os.replace`, permissions 0644); on any error,
including a checksum mismatch or ``KeyboardInterrupt``, the temporary file is removed and the
destination is left as it was. :func:`atomic_path` is the same for writers that take a file name;
:func:`write_text`, :func:`write_json` and :func:`torch_save` are built on them, and :func:`md5sum`
hashes a file in chunks.

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> write_json(folder / "a.json", {"x": 1})
>>> json.loads((folder / "a.json").read_text())
{'x': 1}
>>> with atomic_write(folder / "b.bin", expected_md5=md5_bytes(b"abc")) as fh:
...     _ = fh.write(b"abc")
>>> md5sum(folder / "b.bin") == md5_bytes(b"abc")
True
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import torch

__all__ = [
    "ChecksumError",
    "atomic_path",
    "atomic_write",
    "md5_bytes",
    "md5sum",
    "torch_save",
    "write_json",
    "write_text",
]

_CHUNK = 1 << 20
_MODE = 0o644  # what a plain ``open(path, "w")`` gives under the usual umask; mkstemp makes 0600


class ChecksumError(RuntimeError):
    """The bytes written differ from the expected md5 (raised by :func:`atomic_write` by default)."""


class _Md5Writer:
    """A write-only binary file object that feeds what passes through it to an md5."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh
        self._md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: Any) -> int:
        self._md5.update(data)
        return self._fh.write(data)

    def flush(self) -> None:
        self._fh.flush()

    def writable(self) -> bool:
        return True

    def hexdigest(self) -> str:
        return self._md5.hexdigest()


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to by name; publish it when the block ends.

    For writers that take a file name (:func:`torch.save`, ...). The temporary file exists (empty)
    when the block starts; when the block raises it is removed and ``path`` is left as it was,
    otherwise it is moved onto ``path`` with permissions 0644. See :func:`atomic_write`.
    """
    dest = Path(path)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _MODE)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    *,
    expected_md5: str | None = None,
    on_mismatch: Callable[[str], BaseException] | None = None,
) -> Iterator[BinaryIO]:
    """Yield a binary file whose content replaces ``path`` only if the block finishes (and verifies).

    Parameters
    ----------
    path : path
        Destination; its folder must exist. An existing file there is replaced atomically.
    expected_md5 : str, optional
        Hex md5 the written bytes must have; computed while writing (no second read).
    on_mismatch : callable, optional
        ``on_mismatch(got_md5)`` returns the exception to raise when the md5 differs; default
        :class:`ChecksumError` naming both sums.

    Yields
    ------
    file object
        Opened for binary writing (``write`` and ``flush``), closed when the block ends.

    Raises
    ------
    ChecksumError
        Or what ``on_mismatch`` returns, when ``expected_md5`` is given and differs; nothing is
        written then.

    Notes
    -----
    The temporary file is ``.<name>.<random>.part`` beside ``path`` (same file system, so the
    final :func:`os.replace` is atomic); it is removed when the block raises. The published file
    has permissions 0644. Two writers of one path both succeed; the last one to finish wins.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            out = _Md5Writer(fh) if expected_md5 is not None else fh
            yield out  # type: ignore[misc]
        if expected_md5 is not None:
            got = out.hexdigest()
            if got != expected_md5:
                if on_mismatch is not None:
                    raise on_mismatch(got)
                raise ChecksumError(f"{path}: the bytes written have md5 {got}, expected {expected_md5}")


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    data = text.encode(encoding)
    with atomic_write(path) as fh:
        fh.write(data)


def write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 1) -> None:
    """Write ``json.dumps(obj, indent=indent)`` to ``path`` atomically (see :func:`atomic_write`)."""
    write_text(path, json.dumps(obj, indent=indent))


def torch_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """:func:`torch.save` ``obj`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def md5sum(path: str | os.PathLike[str], chunk: int = _CHUNK) -> str:
    """Hex md5 of a file, read in chunks of ``chunk`` bytes."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def md5_bytes(data: bytes) -> str:
    """Hex md5 of ``data``."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
