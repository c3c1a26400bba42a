"""Progress bars for ibcore's long loops (training epochs, MINE iterations, information planes).

Plain text bars (``tqdm.std``): they work in a terminal and in Jupyter without ipywidgets, and
an executed notebook stores no widget state the offline book could not render. Setting the
environment variable ``IBCORE_PROGRESS=0`` turns every bar off (the Makefile does so for the
notebooks that papermill executes for the book, whose pages would otherwise keep every update).
"""

from __future__ import annotations

import os
from typing import Any

from tqdm.std import tqdm

__all__ = ["progress_bar"]


def progress_bar(iterable: Any = None, *, enabled: bool = True, **kwargs: Any) -> tqdm:
    """A ``tqdm`` bar, off when ``enabled`` is false or ``IBCORE_PROGRESS=0`` is set."""
    off = not enabled or os.environ.get("IBCORE_PROGRESS", "1").strip().lower() in ("0", "false", "no", "off")
    return tqdm(iterable, disable=off, **kwargs)
