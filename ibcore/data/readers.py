"""Which reader decodes the files: torchvision's dataset classes when torchvision imports, else ibcore's.

:func:`torchvision_available` probes the import once (any exception counts as unavailable, the
reason is kept for messages); :func:`choose_reader` resolves ``reader="auto"``, ``"torchvision"``
or ``"ibcore"``, and :func:`unit_float` is the one pixel conversion both readers share, so that they
give identical tensors.
"""

from __future__ import annotations

from typing import Any

import torch

from ibcore._validation import check_choice

__all__ = ["torchvision_available", "choose_reader", "why_not_torchvision", "unit_float"]

_READERS = ("auto", "torchvision", "ibcore")
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


def choose_reader(reader: str) -> tuple[str, Any]:
    check_choice(reader, "reader", _READERS)
    tv = _torchvision_datasets() if reader != "ibcore" else None
    if reader == "torchvision" and tv is None:
        raise RuntimeError(
            f"reader='torchvision' but torchvision cannot be imported ({_tv_error}); "
            "use reader='auto' or reader='ibcore', which read the same files"
        )
    return ("torchvision", tv) if tv is not None else ("ibcore", None)


def why_not_torchvision(reader: str) -> str:
    return "reader='ibcore' asked for" if reader == "ibcore" else f"torchvision unavailable: {_tv_error}"


def unit_float(u8: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> float32 in [0, 1] (the one conversion both readers use)."""
    return u8.to(torch.float32).div_(255.0)
