"""Tests of ibcore._io: atomic, checksum-aware writes leave a complete file or nothing."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat

import pytest
import torch

from ibcore._io import (
    ChecksumError,
    atomic_path,
    atomic_write,
    md5_bytes,
    md5sum,
    torch_save,
    write_json,
    write_text,
)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def strict_umask():
    """A umask that would make files 0600: the writer must still publish 0644."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def test_write_publishes_complete_file_with_0644(tmp_path, strict_umask):
    dest = tmp_path / "out.bin"
    with atomic_write(dest) as fh:
        fh.write(b"hello ")
        # while writing, only a temporary file beside the destination exists
        (tmp,) = tmp_path.iterdir()
        assert tmp.name.startswith(".out.bin.") and tmp.name.endswith(".part") and not dest.exists()
        fh.write(b"world")
    assert dest.read_bytes() == b"hello world"
    assert _mode(dest) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failing_write_leaves_no_file_and_no_temp(tmp_path, exc):
    dest = tmp_path / "out.bin"
    with pytest.raises(exc), atomic_write(dest) as fh:
        fh.write(b"partial")
        raise exc("stop")
    assert list(tmp_path.iterdir()) == []


def test_failing_write_keeps_the_previous_file(tmp_path):
    dest = tmp_path / "out.txt"
    write_text(dest, "old")
    with pytest.raises(ValueError), atomic_write(dest) as fh:
        fh.write(b"new")
        raise ValueError("stop")
    assert dest.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_md5_match_publishes(tmp_path):
    dest = tmp_path / "data.bin"
    payload = os.urandom(3000)
    with atomic_write(dest, expected_md5=hashlib.md5(payload).hexdigest()) as fh:
        for i in range(0, len(payload), 1000):
            fh.write(payload[i : i + 1000])
    assert dest.read_bytes() == payload
    assert md5sum(dest) == md5_bytes(payload) == hashlib.md5(payload).hexdigest()


def test_md5_mismatch_raises_and_leaves_nothing(tmp_path):
    dest = tmp_path / "data.bin"
    good, bad = hashlib.md5(b"expected").hexdigest(), hashlib.md5(b"other").hexdigest()
    with (
        pytest.raises(ChecksumError, match=f"md5 {bad}, expected {good}"),
        atomic_write(dest, expected_md5=good) as fh,
    ):
        fh.write(b"other")
    assert list(tmp_path.iterdir()) == []


def test_md5_mismatch_keeps_the_previous_file_and_uses_the_callers_error(tmp_path):
    dest = tmp_path / "data.bin"
    dest.write_bytes(b"previous")

    class MyError(RuntimeError):
        pass

    with (
        pytest.raises(MyError, match="got [0-9a-f]{32}"),
        atomic_write(dest, expected_md5="0" * 32, on_mismatch=lambda got: MyError(f"got {got}")) as fh,
    ):
        fh.write(b"new")
    assert dest.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_missing_folder_raises_without_creating_it(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "nope" / "x.bin") as fh:
        fh.write(b"x")
    assert list(tmp_path.iterdir()) == []


def test_text_and_json_helpers(tmp_path, strict_umask):
    write_text(tmp_path / "a.txt", "héllo\n")
    assert (tmp_path / "a.txt").read_bytes() == "héllo\n".encode()
    rows = [{"paper": "saxe2018", "value": 1.5}]
    write_json(tmp_path / "a.json", rows)
    assert (tmp_path / "a.json").read_text() == json.dumps(rows, indent=1)
    write_json(tmp_path / "a.json", {"replaced": True}, indent=None)
    assert json.loads((tmp_path / "a.json").read_text()) == {"replaced": True}
    assert _mode(tmp_path / "a.txt") == _mode(tmp_path / "a.json") == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.txt"]


def test_torch_save_round_trip(tmp_path):
    obj = {"w": torch.arange(6.0).reshape(2, 3), "n": 3, "names": ["a", "b"]}
    torch_save(obj, tmp_path / "x.pt")
    back = torch.load(tmp_path / "x.pt", weights_only=True)
    assert torch.equal(back["w"], obj["w"]) and back["n"] == 3 and back["names"] == ["a", "b"]
    assert [p.name for p in tmp_path.iterdir()] == ["x.pt"]


def test_md5sum_reads_in_chunks(tmp_path):
    payload = os.urandom(10_000)
    (tmp_path / "f").write_bytes(payload)
    assert md5sum(tmp_path / "f", chunk=7) == md5sum(tmp_path / "f") == hashlib.md5(payload).hexdigest()


def test_atomic_path_for_writers_that_take_a_name(tmp_path, strict_umask):
    dest = tmp_path / "n.txt"
    with atomic_path(dest) as tmp:
        assert tmp.parent == tmp_path and tmp.exists() and not dest.exists()
        tmp.write_text("by name")
    assert dest.read_text() == "by name" and _mode(dest) == 0o644
    with pytest.raises(OSError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise OSError("disk full")
    assert dest.read_text() == "by name"
    assert [p.name for p in tmp_path.iterdir()] == ["n.txt"]


# ------------------------------------------------------------------ a full disk (issue 25)
class _FailingFile:
    """A real file whose writes fail with ``errno`` once ``room`` bytes are in it (a disk filling up)."""

    def __init__(self, path, mode, err: int, room: int):
        self._fh = open(path, mode)  # noqa: SIM115 - closed by close()
        self._err, self._room = err, room

    def write(self, data) -> int:
        if self._fh.tell() + len(data) > self._room:
            raise OSError(self._err, os.strerror(self._err))
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def _fill_at(monkeypatch, err: int, room: int) -> None:
    """Writes through ibcore._io's ``open`` fail with ``err`` after ``room`` bytes."""
    import ibcore._io

    monkeypatch.setattr(ibcore._io, "open", lambda p, m="r": _FailingFile(p, m, err, room), raising=False)


RUN = {"activations": torch.arange(200_000.0).reshape(1000, 200), "history": {"loss": [0.5, 0.25]}}
REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EFBIG: "file too large",
    errno.EDQUOT: "disk quota exceeded",
}


@pytest.mark.parametrize("room", [0, 5000])  # nothing fits / the disk fills during torch.save
@pytest.mark.parametrize("err", list(REASONS))
def test_a_failed_write_names_the_file_and_why_and_leaves_nothing(tmp_path, monkeypatch, err, room):
    dest = tmp_path / "run.pt"
    torch_save({"old": 1}, dest)  # a previous file stays as it was
    before = dest.read_bytes()
    _fill_at(monkeypatch, err, room)
    for write in (lambda: torch_save(RUN, dest), lambda: write_json(dest, {"a": [1] * 10_000})):
        with pytest.raises(OSError) as info:
            write()
        assert info.value.errno == err  # torch's own RuntimeError ("unexpected pos") does not escape
        text = str(info.value)
        assert f"could not write {dest}: {REASONS[err]}" in text and "Nothing was left behind" in text
        assert dest.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["run.pt"]
    monkeypatch.undo()
    torch_save(RUN, tmp_path / "again.pt")  # a rerun writes the whole file, the bytes of a clean save
    torch_save(RUN, tmp_path / "clean.pt")
    assert md5sum(tmp_path / "again.pt") == md5sum(tmp_path / "clean.pt")
    assert torch.equal(
        torch.load(tmp_path / "again.pt", weights_only=True)["activations"], RUN["activations"]
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_real_full_device_gives_the_same_error(tmp_path, monkeypatch):
    # /dev/full fails every write with ENOSPC in the kernel, buffered flushes included
    import ibcore._io

    real_open = open
    monkeypatch.setattr(ibcore._io, "open", lambda p, m="r": real_open("/dev/full", m), raising=False)
    for obj in ({"a": torch.arange(10)}, RUN):  # under the buffer size, and above it
        with pytest.raises(OSError, match=f"could not write {tmp_path / 'run.pt'}: no space left") as info:
            torch_save(obj, tmp_path / "run.pt")
        assert info.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_no_room_for_the_temporary_file_is_said_in_words(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("ibcore._io.tempfile.mkstemp", full)
    with pytest.raises(OSError, match=f"could not write {tmp_path / 'x.json'}: no space left"):
        write_json(tmp_path / "x.json", {})


def test_torch_save_writes_the_same_bytes_every_time(tmp_path):
    for name in ("a.pt", "b.pt", "a.pt"):  # the temporary file's random name is not in the file
        torch_save(RUN, tmp_path / name)
    assert md5sum(tmp_path / "a.pt") == md5sum(tmp_path / "b.pt")
