"""The reading of an information-plane curve over epochs (Butakov et al. 2024, Sec. 6).

:func:`smooth`, :func:`jitter`, :func:`phases`, :func:`fastest_drop`: fitting (rising) and
compression (falling) phases of a smoothed I(X;L) curve, the epoch-to-epoch scatter that a phase
must exceed, and the epoch of the fastest fall of the training loss.

References
----------
I. Butakov et al., ICLR 2024 (arXiv 2305.08013), Sec. 6 (MNIST information plane: several
fitting/compression phases, the first compression with the fastest loss drop).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import savgol_filter

from ibcore._validation import check_int, check_positive

__all__ = ["smooth", "jitter", "phases", "fastest_drop"]


def _curve(epochs: Any, values: Any) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(epochs, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if e.shape != v.shape or len(e) < 2:
        raise ValueError(
            f"epochs and values must be 1-D of the same length >= 2, got {e.shape} and {v.shape}"
        )
    if not (np.all(np.isfinite(e)) and np.all(np.isfinite(v))):
        raise ValueError("epochs and values must be finite")
    if np.any(np.diff(e) <= 0):
        raise ValueError("epochs must be strictly increasing")
    return e, v


def smooth(values: Any, *, window: int = 7, order: int = 2) -> np.ndarray:
    """Savitzky-Golay smoothing (scipy.signal.savgol_filter), the filter of the paper's code.

    The window is cut to the largest odd length <= len(values); a curve shorter than
    ``order + 2`` points is returned unchanged.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    window = check_int(window, "window", minimum=1)
    order = check_int(order, "order", minimum=0)
    w = min(window, len(v) - (1 - len(v) % 2))
    if w <= order:
        return v.copy()
    return savgol_filter(v, w, order, mode="interp")


def jitter(values: Any, *, window: int = 7) -> float:
    r"""The scatter of a curve about its smoothed version: :math:`\mathrm{sd}(v - \mathrm{smooth}(v))`.

    Of an information-plane curve it measures the estimator's noise from one recorded epoch to the
    next (plus any true change faster than the smoothing window, so it errs on the large side): a
    phase of :func:`phases` smaller than about twice this is not told apart from that noise.
    Needs at least 3 values.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if len(v) < 3 or not np.all(np.isfinite(v)):
        raise ValueError(f"jitter needs at least 3 finite values, got {len(v)}")
    return float(np.std(v - smooth(v, window=window), ddof=1))


def phases(epochs: Any, values: Any, *, min_change: float = 0.05, window: int = 7) -> pd.DataFrame:
    """Fitting (rising) and compression (falling) phases of a curve after :func:`smooth`.

    The smoothed curve is cut at its local extrema; consecutive pieces are merged while a piece
    changes the value by less than ``min_change`` (nats) - so a phase is a rise or a fall of at
    least ``min_change`` between two turning points.

    Returns
    -------
    pandas.DataFrame
        One row per phase: ``kind`` ("fitting" or "compression"), ``start``, ``end`` (epochs),
        ``change`` (nats, signed). Empty when the curve never moves by ``min_change``.
    """
    e, v = _curve(epochs, values)
    min_change = check_positive(min_change, "min_change")
    s = smooth(v, window=window)
    # zigzag: a turning point is confirmed once the curve has moved min_change back from it
    pivots, ext, direction = [0], 0, 0
    for i in range(1, len(s)):
        if direction == 0:
            if abs(s[i] - s[0]) >= min_change:
                direction, ext = (1 if s[i] > s[0] else -1), i
        elif direction * (s[i] - s[ext]) > 0:
            ext = i
        elif direction * (s[ext] - s[i]) >= min_change:
            pivots.append(ext)
            direction, ext = -direction, i
    if direction != 0:
        pivots.append(ext)
    rows = []
    for a, b in zip(pivots[:-1], pivots[1:], strict=True):
        change = float(s[b] - s[a])
        if abs(change) >= min_change:
            rows.append(
                {
                    "kind": "fitting" if change > 0 else "compression",
                    "start": e[a],
                    "end": e[b],
                    "change": change,
                }
            )
    out = pd.DataFrame(rows, columns=["kind", "start", "end", "change"])
    return out


def fastest_drop(epochs: Any, values: Any, *, window: int | None = None) -> float:
    """The epoch (midpoint of an interval) where a curve falls fastest per epoch.

    ``window=None`` uses the values as they are (right for a training loss, already a mean over
    an epoch); an int smooths them first with :func:`smooth`. Smoothing bends a curve near its
    ends (the filter fits a polynomial to the edge window), exactly where a loss falls fastest,
    so do not smooth a curve whose fastest fall may lie within half a window of an end.
    """
    e, v = _curve(epochs, values)
    s = v if window is None else smooth(v, window=window)
    slope = np.diff(s) / np.diff(e)
    i = int(np.argmin(slope))
    return float((e[i] + e[i + 1]) / 2)
