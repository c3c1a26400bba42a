"""Data checks: training and evaluation data as validated CPU tensors that fit the model.

:func:`wrap_tensor` accepts torch tensors and numpy arrays; :func:`as_data` turns a pair ``(x, y)``
into finite float32 inputs of shape (N, ...) and int64 class labels >= 0; and
:func:`check_data_for_model` checks them against the network (input shape, number of outputs), so
that a mismatch fails before training with a message that names both sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._validation import as_2d, check_labels

__all__ = ["wrap_tensor", "as_data", "check_data_for_model"]


def wrap_tensor(x: Any, name: str) -> torch.Tensor:
    """``x`` as a detached torch tensor (numpy arrays are wrapped, not copied); ``TypeError`` otherwise."""
    if isinstance(x, torch.Tensor):
        return x.detach()
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def _as_inputs(x: Any, name: str) -> torch.Tensor:
    """Inputs as a finite float32 CPU tensor of shape (N, ...); 1-D becomes (N, 1)."""
    t = wrap_tensor(x, name)
    if t.ndim <= 2:
        return as_2d(t, name, device="cpu", dtype=torch.float32)
    if t.shape[0] == 0 or t.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)})")
    t = t.to(device="cpu", dtype=torch.float32)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return t


def as_data(pair: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A pair ``(x, y)`` as finite float32 inputs (N, ...) and int64 labels >= 0, both on the CPU."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be a pair (x, y) of inputs and labels, got {type(pair).__name__}")
    x = _as_inputs(pair[0], f"{name}[0] (x)")
    y = check_labels(pair[1], f"{name}[1] (y)", n=x.shape[0], device="cpu")
    if int(y.min()) < 0:
        raise ValueError(f"{name}[1] (y) must hold class indices >= 0, got min {int(y.min())}")
    return x, y


def check_data_for_model(model: nn.Module, x: torch.Tensor, y: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` if an ibcore model's input shape or number of outputs does not fit the data."""
    shape = getattr(model, "input_shape", None)
    if shape and tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(
            f"{name} inputs have shape {tuple(x.shape[1:])} per sample, the model takes {tuple(shape)}"
        )
    spec = getattr(model, "_spec", None) or {}
    n_out = spec["widths"][-1] if "widths" in spec else spec.get("n_classes")
    if n_out is not None and int(y.max()) >= n_out:
        raise ValueError(f"{name} labels go up to {int(y.max())} but the model has {n_out} outputs")
