"""Input checks shared by every public estimator.

Each public function validates its input once, up front, and raises an error that names the
argument and says what it got: ``TypeError`` for the wrong kind of object, ``ValueError`` for the
wrong shape or values (NaN/inf, empty input, mismatched sample counts, too few samples, ragged
lists, values out of the range of the dtype an estimator computes in). Inputs are read as real
numbers only (complex values and strings are refused, in tensors, arrays and lists alike) and
are detached from any autograd graph. :func:`scale_safe_moments` gives the column moments that
standardising estimators share, right at any finite scale.

What is read as data: torch tensors (dense, with values: sparse, meta, nested and quantized
tensors are refused with the conversion to use), numpy arrays (any byte order: big-endian arrays
are converted to native order, the values unchanged), and anything else that ``numpy.asarray``
turns into an array of real numbers: pandas ``DataFrame``/``Series`` (read by position: their
index does not align x with y, as in scikit-learn), nested lists, objects with ``__array__``; the
same checks then apply. A numpy masked array is read only if nothing is masked: masked entries
are refused (``ValueError`` saying how to drop those rows or fill them), never read as data.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import torch

from ibcore._device import resolve_device

__all__ = [
    "labels_by_keyword",
    "as_tensor",
    "as_2d",
    "as_layer_batch",
    "check_xy",
    "check_labels",
    "as_groups",
    "check_positive",
    "check_int",
    "check_bool",
    "check_choice",
    "check_mapping",
    "scale_safe_moments",
]


# numpy dtype kinds read as numbers: bool, signed and unsigned integers, reals. Complex values are
# refused (every estimator would silently drop the imaginary part), strings too (numpy would read a
# list of numeric strings as numbers, while a string array is refused: one rule for both).
_REAL_KINDS = "biuf"


def _refuse_kind(kind: str, dtype: Any, name: str, what: str) -> None:
    if kind == "c":
        raise TypeError(
            f"{name} must hold real numbers, got {what} of complex dtype {dtype}; the estimators "
            "would drop the imaginary part: pass x.real, x.abs() or the two parts as columns"
        )
    if kind in "USa":
        raise TypeError(
            f"{name} must hold numbers, got {what} of strings (dtype {dtype}); strings are not "
            "read as numbers: convert them first, e.g. np.asarray(x, dtype=float)"
        )
    if kind not in _REAL_KINDS:
        raise TypeError(f"{name} must hold numbers, got {what} of dtype {dtype}")


def _ragged_message(x: list | tuple, name: str) -> str:
    """Say where a nested list stops being rectangular (numpy only says 'inhomogeneous shape')."""
    lengths = [len(r) if isinstance(r, (list, tuple, np.ndarray, torch.Tensor)) else None for r in x]
    for i, n_i in enumerate(lengths[1:], start=1):
        if n_i != lengths[0]:

            def says(n: int | None) -> str:
                return "a single value" if n is None else f"{n} value{'' if n == 1 else 's'}"

            return (
                f"{name} is a ragged list: row 0 holds {says(lengths[0])}, row {i} holds "
                f"{says(n_i)}; every row must hold the same number of values (shape (N, d))"
            )
    return f"{name} is a ragged nested list (its rows differ in length or depth); give shape (N, d)"


def _numpy_to_tensor(arr: np.ndarray) -> torch.Tensor:
    """A numpy array of real numbers as a tensor (kept 0-D; dtypes torch lacks are widened).

    Non-native byte order (``x.astype('>f8')`` on a little-endian machine), which torch cannot
    read, is converted to native order: the same values. A read-only array (pandas gives them)
    is copied: torch has no read-only tensors.
    """
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    elif not arr.flags.writeable:
        arr = arr.copy()
    if arr.dtype.kind == "u" and arr.dtype.itemsize > 1:  # torch has no arithmetic on uint16..64
        too_big = arr.dtype.itemsize == 8 and arr.size and int(arr.max()) >= 2**63
        arr = arr.astype(np.float64 if too_big else np.int64)
    elif arr.dtype.kind == "f" and arr.dtype.itemsize > 8:  # long double
        arr = arr.astype(np.float64)
    # ascontiguousarray makes a 0-D array 1-D: keep the shape, so 0-D input gets the ndim error
    return torch.from_numpy(np.ascontiguousarray(arr).reshape(arr.shape))


def _check_dense_tensor(x: torch.Tensor, name: str) -> None:
    """Refuse tensors without plain strided values, which torch would fail on deep inside an estimator."""
    if x.is_nested:
        raise TypeError(
            f"{name} is a nested (ragged) tensor; the estimators need one sample per row of shape "
            f"(N, d): pad or stack the samples into a dense tensor"
        )
    if x.layout != torch.strided:
        raise TypeError(
            f"{name} is a sparse tensor (layout {x.layout}); the estimators need dense samples: pass "
            f"{name}.to_dense()"
        )
    if x.is_meta:
        raise TypeError(
            f"{name} is a meta tensor (shape {tuple(x.shape)} without values, e.g. from device='meta'); "
            "pass a tensor that holds the samples"
        )
    if x.is_quantized:
        raise TypeError(f"{name} is a quantized tensor ({x.dtype}); pass {name}.dequantize()")


def _unmasked(x: np.ma.MaskedArray, name: str) -> np.ndarray:
    """The data of a masked array that masks nothing; masked entries are refused, never read."""
    mask = np.ma.getmaskarray(x)
    if not mask.any():
        return np.ma.getdata(x)
    rows = int(mask.reshape(mask.shape[0], -1).any(axis=1).sum()) if mask.ndim else 1
    n_rows = mask.shape[0] if mask.ndim else 1
    raise ValueError(
        f"{name} is a masked array with {int(mask.sum())} masked value(s) in {rows} of its {n_rows} "
        "row(s); ibcore does not skip masked values (it would read the data under the mask). Drop "
        f"those rows from every argument first: keep = ~np.ma.getmaskarray({name})"
        f".reshape(len({name}), -1).any(axis=1), then pass {name}[keep].data and the same rows of the "
        f"other arguments; or fill them with {name}.filled(value)"
    )


def _array_like_to_tensor(x: Any, name: str) -> torch.Tensor:
    """What ``numpy.asarray`` turns into real numbers (pandas DataFrame/Series, ...) as a tensor."""
    what = type(x).__name__
    accepted = (
        f"{name} must be a torch.Tensor or numpy.ndarray (or an array-like that numpy.asarray turns "
        "into numbers: a pandas DataFrame or Series, a nested list)"
    )
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{accepted}, got {what}")
    if type(x).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a scipy.sparse {what}; the estimators need dense samples: pass {name}.toarray()"
        )
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{accepted}, got a {what} that numpy cannot turn into numbers: {err}") from None
    if arr.dtype.kind == "O":
        raise TypeError(
            f"{accepted}, got a {what} that numpy reads as objects (dtype object: mixed types, missing "
            "values such as pd.NA or None, or not an array at all); convert it to numbers first, e.g. "
            f"{name}.to_numpy(dtype=float) for pandas"
        )
    _refuse_kind(arr.dtype.kind, arr.dtype, name, f"a {what}")
    if isinstance(arr, np.ma.MaskedArray):
        arr = _unmasked(arr, name)
    return _numpy_to_tensor(arr)


def _to_tensor(x: Any, name: str) -> torch.Tensor:
    """``x`` as a detached real tensor; lists become float64. Refuses complex, strings, ragged lists.

    Tensors must be dense (see :func:`_check_dense_tensor`); masked arrays may not mask anything;
    other array-likes (pandas) go through ``numpy.asarray``.
    """
    if isinstance(x, torch.Tensor):
        _check_dense_tensor(x, name)
        if x.is_complex():
            _refuse_kind("c", x.dtype, name, "a tensor")
        # detached: an input that requires grad must not tie the estimator's graph to the caller's
        return x.detach()
    if isinstance(x, np.ma.MaskedArray):
        x = _unmasked(x, name)
    if isinstance(x, np.ndarray):
        _refuse_kind(x.dtype.kind, x.dtype, name, "a numpy array")
        return _numpy_to_tensor(x)
    if isinstance(x, (list, tuple)):
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError, RuntimeError) as err:
            if isinstance(err, ValueError) and ("inhomogeneous" in str(err) or "sequence" in str(err)):
                raise ValueError(_ragged_message(x, name)) from None
            raise TypeError(
                f"{name} must be a numeric array, got a {type(x).__name__} that numpy cannot turn "
                f"into numbers: {err}"
            ) from None
        _refuse_kind(arr.dtype.kind, arr.dtype, name, f"a {type(x).__name__}")
        return torch.from_numpy(arr.astype(np.float64))
    return _array_like_to_tensor(x, name)


def as_tensor(x: Any, name: str = "x") -> torch.Tensor:
    """Return ``x`` (tensor, array or nested list of real numbers, any shape) as a detached tensor.

    The reading rules of every other check here: complex values, strings and ragged lists are
    refused with a message naming ``name``; lists become float64. Shape and values are not
    checked: use it where the shape decides how the input is read, then validate accordingly.
    """
    return _to_tensor(x, name)


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
    x : torch.Tensor, numpy.ndarray or array-like (pandas DataFrame/Series, nested list)
    name : str
        Argument name used in error messages.
    device : str, torch.device or None
        ``None`` keeps a tensor on its own device and sends numpy input to :func:`resolve_device`.
    dtype : torch.dtype or None, default torch.float64
        ``None`` keeps a floating dtype and turns integer/bool input into float32.

    Raises
    ------
    TypeError
        Nothing numpy reads as numbers; complex values; strings (in arrays and lists alike);
        sparse, meta, nested or quantized tensors.
    ValueError
        Wrong ndim (0-D included), empty, NaN/inf, a ragged list, masked entries, or values that a cast to a
        narrower ``dtype`` (float64 -> float32) would overflow or flush into subnormals.
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
    if t.is_floating_point() and not bool(torch.isfinite(t).all()):
        n_bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s)")
    narrowing = (
        t.is_floating_point()
        and dtype.is_floating_point
        and torch.finfo(dtype).max < torch.finfo(t.dtype).max
    )
    src = t
    t = t.to(device=dev, dtype=dtype)
    if narrowing:
        _check_cast_range(src, t, name)
    return t


def _check_cast_range(src: torch.Tensor, t: torch.Tensor, name: str) -> None:
    """Refuse values that a cast to a narrower float type turned into inf or flushed towards 0.

    A column whose largest magnitude is below the target's smallest normal number would be held
    in subnormals (or zeros) with almost no precision left, so it is refused too.
    """
    fi = torch.finfo(t.dtype)
    if not bool(torch.isfinite(t).all()):
        big = float(src.abs().max())
        raise ValueError(
            f"{name} has values up to {big:.3g} in magnitude, beyond the range of {t.dtype} "
            f"(max {fi.max:.3g}) in which this estimator computes; rescale {name} (mutual "
            "information does not change under rescaling)"
        )
    col_max = src.abs().reshape(-1, src.shape[-1]).amax(dim=0)
    lost = (col_max > 0) & (col_max < fi.tiny)
    if bool(lost.any()):
        small = float(col_max[lost].max())
        raise ValueError(
            f"{name} has column(s) whose values are all below {small:.3g} in magnitude, under the "
            f"smallest normal {t.dtype} ({fi.tiny:.3g}) in which this estimator computes; rescale "
            f"{name} (mutual information does not change under rescaling)"
        )


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
    estimators that take whole recorded runs (binning, KDE) share this. When the labels do not
    match N, the error says how a 3-D layer was read ("read as 300 epochs x 3 samples x 1 unit"),
    since a (N, d, 1) array of one epoch is read as N epochs of d samples.
    """
    t = as_2d(layer, "layer", device=device, dtype=dtype, allow_batch=True)
    batched = t.ndim == 3
    if not batched:
        t = t[None]
    y = None
    if labels is not None:
        y = check_labels(labels, "labels", device=t.device)
        if y.shape[0] != t.shape[1]:
            raise ValueError(_label_count_message(y.shape[0], t, batched))
        y = torch.unique(y, return_inverse=True)[1]
    return t, y, batched


def _label_count_message(n_labels: int, t: torch.Tensor, batched: bool) -> str:
    """'labels has 300 labels, expected 3', with how a 3-D layer was read."""
    b, n, d = t.shape
    msg = f"labels has {n_labels} labels, expected {n} (one per sample)"
    if not batched:
        return msg

    def count(v: int, word: str) -> str:
        return f"{v} {word}{'' if v == 1 else 's'}"

    msg += (
        f": the 3-D layer of shape {tuple(t.shape)} was read as {count(b, 'epoch')} x "
        f"{count(n, 'sample')} x {count(d, 'unit')} (3-D input is (epochs, N, units))"
    )
    if b == n_labels:
        msg += (
            f"; if it holds one epoch of {b} samples, pass it as 2-D (N, units), e.g. "
            "layer.reshape(len(layer), -1)"
        )
    return msg


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
        big = float(t.abs().max())
        if big > 2.0**53:  # beyond 2**53 a float cannot tell neighbouring integers apart
            raise ValueError(
                f"{name} holds float labels up to {big:.3g} in magnitude; floats are exact integers "
                f"only up to 2**53 = {2**53}: pass integer labels (e.g. an int64 array)"
            )
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


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (``numpy.bool_`` too), else raise a ``TypeError``.

    Strings such as ``"no"`` and numbers are refused: ``bool("no")`` is True.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def scale_safe_moments(
    t: torch.Tensor, dim: int = 0, *, correction: int = 1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation along ``dim``, right at any finite scale.

    ``correction`` as in ``torch.std``: 1 (default) the unbiased, 0 the population deviation.

    ``torch.mean``/``torch.std`` overflow to inf or nan when the squares (or sums) of large values
    exceed the dtype's range (e.g. float64 data of size 1e160), and return 0 when the squares of
    tiny values underflow (1e-170). Only where that happened are the moments recomputed on the
    data divided by its largest magnitude, so ordinary data get torch's own values bit for bit.
    """
    mean, std = t.mean(dim=dim), t.std(dim=dim, correction=correction)
    fi = torch.finfo(t.dtype)
    redo_mean = ~torch.isfinite(mean)
    redo_std = ~torch.isfinite(std) | (std < math.sqrt(fi.tiny) * 2.0**30)
    if bool(redo_mean.any()) or bool(redo_std.any()):
        m = t.abs().amax(dim=dim, keepdim=True)
        m = torch.where(m > 0, m, torch.ones_like(m))
        u = t / m
        m = m.squeeze(dim)
        mean = torch.where(redo_mean, u.mean(dim=dim) * m, mean)
        std = torch.where(redo_std, u.std(dim=dim, correction=correction) * m, std)
    return mean, std


def check_choice(value: Any, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them."""
    if value not in choices:
        raise ValueError(f"unknown {name}={value!r}; choose one of {', '.join(map(repr, choices))}")
    return value


def check_mapping(value: Any, name: str) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping (name -> object), else raise a ``TypeError`` naming it."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping name -> object, got {type(value).__name__}")
    return value


_F = TypeVar("_F", bound=Callable[..., Any])


def labels_by_keyword(fn: _F) -> _F:
    """Refuse a second positional operand: the layer functions take their labels by name.

    :mod:`ibcore.interface` orders operands ``(x, y)``, with y the representation; the layer
    functions (``mi_binning``, ``mi_kde``, ``mi_decision_rule``, ``mi_labels``) take the
    representation as their one positional operand and the labels as ``labels=``, so that no call
    can put the two in the wrong order. Before ibcore 0.3 they took ``(layer, labels)``
    positionally, which reads as the opposite of ``Binning().estimate(x, y)``; a call in that
    form raises a ``TypeError`` that says how to write it, instead of Python's bare count of
    arguments.
    """

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if len(args) > 1:
            raise TypeError(
                f"{fn.__name__} takes the representation as its only positional operand and the labels "
                f"by name (ibcore 0.3): call {fn.__name__}(layer, labels=y); got {len(args)} positional "
                "operands (see ibcore.interface for the order of x and y)"
            )
        return fn(*args, **kwargs)

    return checked  # type: ignore[return-value]
