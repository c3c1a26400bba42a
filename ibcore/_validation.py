"""Input checks shared by every public estimator.

Each public function validates its input once, up front, and raises an error that names the
argument and says what it got: ``TypeError`` for the wrong kind of object, ``ValueError`` for the
wrong shape or values (NaN/inf, empty input, mismatched sample counts, too few samples).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

from ibcore._device import resolve_device

__all__ = [
    "as_2d",
    "as_layer_batch",
    "check_xy",
    "check_labels",
    "as_groups",
    "check_positive",
    "check_int",
    "check_choice",
]


def _to_tensor(x: Any, name: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
            raise TypeError(f"{name} must hold numbers, got a numpy array of dtype {x.dtype}")
        # ascontiguousarray makes a 0-D array 1-D: keep the shape, so 0-D input gets the ndim error
        return torch.from_numpy(np.ascontiguousarray(x).reshape(x.shape))
    if isinstance(x, (list, tuple)):
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{name} must be a numeric array, got a {type(x).__name__} that numpy "
                f"cannot turn into numbers: {err}"
            ) from None
        return torch.from_numpy(arr)
    raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def as_2d(
    x: Any,
    name: str = "x",
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = torch.float64,
    allow_batch: bool = False,
) -> torch.Tensor:
    """Return ``x`` as a finite floating tensor of shape (N, d) on ``device``.

    1-D input of shape (N,) becomes (N, 1). With ``allow_batch=True`` a 3-D input (B, N, d) is
    accepted too (a batch of B samples, e.g. the epochs of a recorded run) and kept 3-D.

    Parameters
    ----------
    x : torch.Tensor or numpy.ndarray
    name : str
        Argument name used in error messages.
    device : str, torch.device or None
        ``None`` keeps a tensor on its own device and sends numpy input to :func:`resolve_device`.
    dtype : torch.dtype or None, default torch.float64
        ``None`` keeps a floating dtype and turns integer/bool input into float32.
    """
    t = _to_tensor(x, name)
    if t.ndim == 1:
        t = t[:, None]
    max_ndim = 3 if allow_batch else 2
    if t.ndim == 0 or t.ndim > max_ndim:
        want = "1-D (N,), 2-D (N, d) or 3-D (B, N, d)" if allow_batch else "1-D (N,) or 2-D (N, d)"
        raise ValueError(f"{name} must be {want}, got ndim={t.ndim} with shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)})")
    if dtype is None:
        dtype = t.dtype if t.is_floating_point() else torch.float32
    if device is None:
        dev = t.device if isinstance(x, torch.Tensor) else resolve_device(None)
    else:
        dev = resolve_device(device)
    t = t.to(device=dev, dtype=dtype)
    if not bool(torch.isfinite(t).all()):
        n_bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s)")
    return t


def as_layer_batch(
    layer: Any,
    labels: Any = None,
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor | None, bool]:
    """Validate a layer given as (N,), (N, d) or a batch of epochs (B, N, d), with optional labels.

    Returns the layer as a (B, N, d) tensor (B = 1 for unbatched input), the labels relabelled
    to 0..K-1 as int64 of shape (N,) (or ``None``), and whether the input was batched. The
    estimators that take whole recorded runs (binning, KDE) share this.
    """
    t = as_2d(layer, "layer", device=device, dtype=dtype, allow_batch=True)
    batched = t.ndim == 3
    if not batched:
        t = t[None]
    y = None
    if labels is not None:
        y = torch.unique(check_labels(labels, "labels", n=t.shape[1], device=t.device), return_inverse=True)[
            1
        ]
    return t, y, batched


def check_xy(
    x: Any,
    y: Any,
    *,
    min_samples: int = 1,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = torch.float64,
    names: tuple[str, str] = ("x", "y"),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate a pair of samples and return them as (N, dx), (N, dy) tensors on one device.

    Raises ``ValueError`` when the sample counts differ ("x has 100 rows, y has 99") or when
    N < ``min_samples`` (e.g. ``min_samples=k + 1`` for a k-nearest-neighbour estimator).
    """
    xt = as_2d(x, names[0], device=device, dtype=dtype)
    yt = as_2d(y, names[1], device=xt.device if device is None else device, dtype=dtype)
    if xt.shape[0] != yt.shape[0]:
        raise ValueError(
            f"{names[0]} has {xt.shape[0]} rows, {names[1]} has {yt.shape[0]}: "
            "they must hold the same samples"
        )
    if xt.shape[0] < min_samples:
        raise ValueError(f"need at least {min_samples} samples, got N={xt.shape[0]}")
    return xt, yt


def check_labels(
    y: Any, name: str = "y", *, n: int | None = None, device: str | torch.device | None = None
) -> torch.Tensor:
    """Validate discrete labels and return them as an int64 tensor of shape (N,).

    Accepts integer or bool arrays, or float arrays holding whole numbers, of shape (N,) or (N, 1).
    ``n``, if given, is the number of samples the labels must match.
    """
    t = _to_tensor(y, name)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"{name} must be 1-D labels of shape (N,), got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty")
    if t.is_floating_point():
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name} contains NaN or infinite values")
        if not bool((t == t.round()).all()):
            raise ValueError(f"{name} must hold discrete labels (whole numbers), got non-integer floats")
    elif t.is_complex():
        raise TypeError(f"{name} must hold integer labels, got dtype {t.dtype}")
    if n is not None and t.shape[0] != n:
        raise ValueError(f"{name} has {t.shape[0]} labels, expected {n} (one per sample)")
    dev = t.device if (device is None and isinstance(y, torch.Tensor)) else resolve_device(device)
    return t.to(device=dev, dtype=torch.int64)


def as_groups(
    x: Any, name: str = "x", *, n: int | None = None, device: str | torch.device | None = None
) -> torch.Tensor:
    """Read samples x of shape (N,) or (N, ...) as a discrete variable: int64 group ids 0..G-1, shape (N,).

    Rows are grouped by exact equality, so N distinct inputs give N groups (X uniform on the
    inputs) and class labels give one group per class. This is how the layer-type estimators
    (binning, KDE, decision rule, sample propagation) read their conditioning variable x in
    ``estimate(x, y)``. ``n``, if given, is the number of rows x must have.
    """
    t = _to_tensor(x, name)
    if t.ndim == 0:
        raise ValueError(f"{name} must have a sample axis (N,) or (N, ...), got a 0-D value")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)})")
    if t.is_complex():
        raise TypeError(f"{name} must hold real numbers, got dtype {t.dtype}")
    if t.is_floating_point() and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    if n is not None and t.shape[0] != n:
        raise ValueError(f"{name} has {t.shape[0]} rows, expected {n} (one per sample)")
    dev = t.device if (device is None and isinstance(x, torch.Tensor)) else resolve_device(device)
    flat = t.to(dev).reshape(t.shape[0], -1)
    if flat.shape[1] == 1:
        return torch.unique(flat[:, 0], return_inverse=True)[1]
    return torch.unique(flat, dim=0, return_inverse=True)[1]


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, raising if it is not a finite number > 0 (>= 0 if allowed)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return v


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int, raising if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return v


def check_choice(value: Any, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them."""
    if value not in choices:
        raise ValueError(f"unknown {name}={value!r}; choose one of {', '.join(map(repr, choices))}")
    return value
