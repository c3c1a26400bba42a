"""Atomic, checksum-aware file writing: a file appears complete, verified, or not at all.

:func:`atomic_write` is the one way ibcore writes a file that others read (data files, recorded
runs, checkpoints, run configs, scorecard rows): the bytes go to a temporary file in the
destination's folder, their md5 is checked on the way when an expected sum is given, and only a
finished, verified file is moved into place (:func:`os.replace`, permissions 0644); on any error,
including a checksum mismatch or ``KeyboardInterrupt``, the temporary file is removed and the
destination is left as it was. :func:`atomic_path` is the same for writers that take a file name;
:func:`write_text`, :func:`write_json` and :func:`torch_save` are built on them, and :func:`md5sum`
hashes a file in chunks.

A write that fails (full disk, file-size limit, quota, I/O error) raises an ``OSError`` with the
same ``errno`` whose message names the destination, says why in words ("no space left on the
device", with the space left there) and that nothing was left behind. :func:`torch_save` writes
through the same file object, so a full disk under :func:`torch.save` gives that error, not
torch's ``RuntimeError`` ("basic_ios::clear: iostream error", "unexpected pos"), and the bytes of
a saved object do not depend on the temporary file's random name.

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

import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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


# errno values said in words by _write_error (others: the system's own text)
_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EFBIG: "file too large (beyond the file system's or the process's file-size limit)",
    errno.EDQUOT: "disk quota exceeded",
}


def _write_error(dest: str | os.PathLike[str], err: OSError) -> OSError:
    """An ``OSError`` (same errno) saying which file could not be written, why, and that nothing is left.

    Used when the temporary file of :func:`atomic_write` or :func:`atomic_path` could not be
    created or written; the caller's removal of it makes "nothing was left behind" true.
    """
    dest = Path(dest)
    reason = _REASONS.get(err.errno) or err.strerror or str(err)
    if err.errno == errno.ENOSPC:
        with suppress(OSError):
            reason += f" ({shutil.disk_usage(dest.parent).free / 2**20:.1f} MiB free there now)"
    todo = {
        errno.ENOSPC: "Make room (or write elsewhere)",
        errno.EDQUOT: "Make room (or write elsewhere)",
        errno.EFBIG: "Raise the file-size limit (ulimit -f) or write to another file system",
    }.get(err.errno, "Fix that")
    return OSError(
        err.errno,
        f"could not write {dest}: {reason}. Nothing was left behind: the partial temporary file "
        f"was removed and {dest.name} was not changed. {todo} and run again: the file is then "
        "written in full",
    )


class _Writer:
    """A write-only binary file object over ``fh``: feeds an md5 if asked, and turns an ``OSError``
    of a write into :func:`_write_error`'s, kept in ``failure`` (torch.save would hide it in a
    ``RuntimeError`` of its own)."""

    def __init__(self, fh: BinaryIO, dest: Path, md5: bool):
        self._fh = fh
        self._dest = dest
        self._md5 = hashlib.md5(usedforsecurity=False) if md5 else None
        self.failure: OSError | None = None

    def _fail(self, err: OSError) -> OSError:
        self.failure = _write_error(self._dest, err)
        return self.failure

    def write(self, data: Any) -> int:
        if self._md5 is not None:
            self._md5.update(data)
        try:
            return self._fh.write(data)
        except OSError as err:
            raise self._fail(err) from err

    def flush(self) -> None:
        try:
            self._fh.flush()
        except OSError as err:
            raise self._fail(err) from err

    def writable(self) -> bool:
        return True

    def hexdigest(self) -> str:
        return self._md5.hexdigest() if self._md5 is not None else ""


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to by name; publish it when the block ends.

    For writers that take a file name. The temporary file exists (empty) when the block starts;
    when the block raises it is removed and ``path`` is left as it was, otherwise it is moved onto
    ``path`` with permissions 0644. See :func:`atomic_write`.
    """
    dest = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as err:
        if err.errno in _REASONS:  # no room even for an empty file; a missing folder stays as is
            raise _write_error(dest, err) from err
        raise
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
    OSError
        A write failed (full disk, file too large, quota, I/O error): the message names ``path``
        and the reason (:func:`_write_error`), ``errno`` is the system's; nothing is written then.
        It replaces whatever error the block raised in turn (torch.save's ``RuntimeError``).

    Notes
    -----
    The temporary file is ``.<name>.<random>.part`` beside ``path`` (same file system, so the
    final :func:`os.replace` is atomic); it is removed when the block raises. The published file
    has permissions 0644. Two writers of one path both succeed; the last one to finish wins.
    """
    dest = Path(path)
    with atomic_path(dest) as tmp:
        fh = open(tmp, "wb")  # noqa: SIM115 - closed below, where a failed close is said in words
        out = _Writer(fh, dest, md5=expected_md5 is not None)
        written = False
        try:
            try:
                yield out  # type: ignore[misc]
            except BaseException as err:
                if out.failure is not None and err is not out.failure:
                    raise out.failure from out.failure.__cause__  # the failed write, not its echo
                raise
            out.flush()  # the last buffered bytes: a full disk shows here as often as in a write
            written = True
        finally:
            try:
                fh.close()  # flushes again what a failed flush left in the buffer
            except OSError as err:
                if written:  # only then is no other error on its way out
                    raise _write_error(dest, err) from err
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
    """:func:`torch.save` ``obj`` to ``path`` atomically (see :func:`atomic_write`).

    torch writes into :func:`atomic_write`'s file object: a failed write raises the ``OSError``
    that names ``path`` and the reason (torch itself would say "iostream error" or "unexpected
    pos"), and the same object gives the same bytes on every save.
    """
    with atomic_write(path) as fh:
        torch.save(obj, fh)


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
