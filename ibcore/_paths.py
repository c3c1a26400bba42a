"""Where ibcore keeps what it downloads and records.

``IBCORE_CACHE`` (default ``$XDG_CACHE_HOME/ibcore`` or ``~/.cache/ibcore``) holds ``data/``
(verified data-set archives) and ``runs/`` (recorded training runs keyed by configuration hash).
The Makefile points it at ``.cache/`` inside the repository so ``make clean`` removes it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root", "data_dir", "runs_dir"]


def cache_root() -> Path:
    env = os.environ.get("IBCORE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ibcore"


def data_dir() -> Path:
    """Folder for data archives (``IBCORE_DATA_DIR`` overrides ``<cache_root>/data``)."""
    env = os.environ.get("IBCORE_DATA_DIR")
    return Path(env).expanduser() if env else cache_root() / "data"


def runs_dir() -> Path:
    """Folder for recorded runs (``IBCORE_RUNS_DIR`` overrides ``<cache_root>/runs``)."""
    env = os.environ.get("IBCORE_RUNS_DIR")
    return Path(env).expanduser() if env else cache_root() / "runs"
