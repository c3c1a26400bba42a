"""Mutual information through lossy compression, and what Butakov et al. read from it.

The estimator of Butakov et al. (2024): compress X and a layer L to a few dimensions
(:mod:`ibcore.compression`), then estimate on the codes with the weighted Kozachenko-Leonenko
entropies (:func:`ibcore.estimators.knn.mi_wkl`),

.. math::

    \\hat I(X;L) = \\hat H^w(E_X(X)) + \\hat H^w(E_L(L)) - \\hat H^w(E_X(X), E_L(L)), \\qquad
    \\hat I(Y;L) = \\hat H^w(E_L(L)) - \\sum_c p_c\\, \\hat H^w(E_L(L) \\mid Y = c)

for a discrete label Y with class frequencies :math:`p_c` (their Sec. 4).

* :func:`mi_labels` - I(Z;Y) for continuous Z and a discrete label, from entropies;
* :class:`CompressedMI` - a :class:`~ibcore.interface.LayerEstimator` for
  :func:`ibcore.analysis.infoplane.information_plane`: X through a fitted compressor, each layer through
  PCA (or nothing when it is already small) at each recorded epoch, then WKL;
* :func:`synthetic_benchmark` - estimates on the image pairs with exact MI
  (:mod:`ibcore.ground_truth.images`), on codes and on raw images;
* :func:`accuracy` - bias and RMSE of estimates against the true MI, per estimator and task;
* :func:`smooth`, :func:`jitter`, :func:`phases`, :func:`fastest_drop` - the reading of an
  information plane: fitting (rising) and compression (falling) phases of a smoothed I(X;L)
  curve, the epoch-to-epoch scatter that a phase must exceed, and the epoch of the fastest fall
  of the training loss.

References
----------
I. Butakov et al., ICLR 2024 (arXiv 2305.08013): Sec. 4 (the estimator), Sec. 6 (MNIST
information plane: several fitting/compression phases, the first compression with the fastest
loss drop). T. B. Berrett, R. J. Samworth, M. Yuan, Ann. Statist. 47(1), 2019 (WKL).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.signal import savgol_filter

from ibcore._validation import as_tensor, check_bool, check_choice, check_int, check_labels, check_positive
from ibcore.compression import fit_compressor
from ibcore.estimators.knn import entropy_kl, entropy_wkl, mi_kl, mi_wkl
from ibcore.interface import IXL, IYL

__all__ = [
    "mi_labels",
    "CompressedMI",
    "synthetic_benchmark",
    "accuracy",
    "smooth",
    "jitter",
    "phases",
    "fastest_drop",
]

_ENTROPIES = {"wkl": entropy_wkl, "kl": entropy_kl}
_MIS = {"wkl": mi_wkl, "kl": mi_kl}


def mi_labels(
    z: Any, labels: Any, *, k: int = 5, entropy: str = "wkl", whiten: bool = False, device: Any = None
) -> float:
    r"""I(Z;Y) in nats for continuous Z (N, d) and integer labels Y (N,), from kNN entropies.

    .. math:: \hat I(Z;Y) = \hat H(Z) - \sum_c \frac{N_c}{N}\, \hat H(Z \mid Y = c)

    with :func:`~ibcore.estimators.knn.entropy_wkl` (``entropy="wkl"``) or
    :func:`~ibcore.estimators.knn.entropy_kl` (``"kl"``); ``whiten=True`` whitens each sample (all
    of Z, and each class) by its own covariance first (see ``entropy_kl``). The truth lies in
    [0, H(Y)]; the estimate is not clipped (its sampling error can take it outside).

    Raises
    ------
    ValueError
        Mismatched lengths, a class with k or fewer samples, an unknown ``entropy``.
    """
    fn = _ENTROPIES[check_choice(entropy, "entropy", tuple(_ENTROPIES))]
    k = check_int(k, "k", minimum=1)
    zt = as_tensor(z, "z")
    if zt.ndim == 1:
        zt = zt[:, None]
    y = check_labels(labels, "labels", n=len(zt), device="cpu").numpy()
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() <= k:
        raise ValueError(f"class {classes[counts.argmin()]} has {counts.min()} samples; need more than k={k}")
    h = fn(zt, k, device=device, whiten=whiten)
    cond = sum(
        c / len(y) * fn(zt[torch.as_tensor(y == cl)], k, device=device, whiten=whiten)
        for cl, c in zip(classes, counts, strict=True)
    )
    return float(h - cond)


class CompressedMI:
    """Information-plane coordinates through lossy compression (Butakov et al. 2024, Sec. 4).

    At each recorded epoch the layer's activations on the N evaluation inputs (flattened) are
    compressed to ``dim`` coordinates by PCA fitted on those activations (``layer_method="pca"``,
    the released code's choice for layers) or by a dense autoencoder trained on them
    (``"dense"``, the paper's description) - or kept as they are when they have ``dim`` or fewer
    features - and

    * :data:`~ibcore.interface.IXL` = ``mi_wkl(x_codes, layer codes)`` (or ``mi_kl``),
    * :data:`~ibcore.interface.IYL` = :func:`mi_labels` (layer codes, labels),
    * ``"code error"``: the layer compressor's relative reconstruction error on those activations
      (squared error over their total variance; 0 when the layer is kept as it is),

    with ``x_codes = x_compressor.encode(x)`` computed once. Each entropy is estimated on its
    sample whitened by the sample's own covariance, with the log-determinant added back
    (``whiten=True``), as the authors' released estimator does (``rescale=True``): PCA codes have
    very unequal variances and an autoencoder's code any scale, and Euclidean kNN balls in the
    joint space of two badly scaled codes bias the estimate a lot (either way: KL down, WKL up in
    chapter 3's example).

    Parameters
    ----------
    x_compressor : Compressor
        Fitted on held-out inputs (:func:`ibcore.compression.fit_compressor`).
    dim : int, default 4
        Code dimension of each layer.
    k : int, default 5
    estimator : {"wkl", "kl"}, default "wkl"
    whiten : bool, default True
        ``False``: the entropies on the codes as they are.
    layer_method : {"pca", "dense"}, default "pca"
    layer_options : dict, optional
        Options of :func:`~ibcore.compression.fit_compressor` for the layers' autoencoders
        (``n_epochs``, ``batch_size``, ``lr``, ``hidden``, ``seed``); only with ``"dense"``.
    device : optional
    """

    _LAYER_OPTIONS = ("n_epochs", "batch_size", "lr", "hidden", "seed")

    def __init__(
        self,
        x_compressor: Any,
        *,
        dim: int = 4,
        k: int = 5,
        estimator: str = "wkl",
        whiten: bool = True,
        layer_method: str = "pca",
        layer_options: Mapping[str, Any] | None = None,
        device: Any = None,
    ):
        self.x_compressor = x_compressor
        self.dim = check_int(dim, "dim", minimum=1)
        self.k = check_int(k, "k", minimum=1)
        self.estimator = check_choice(estimator, "estimator", tuple(_MIS))
        self.whiten = check_bool(whiten, "whiten")
        self.layer_method = check_choice(layer_method, "layer_method", ("pca", "dense"))
        self.layer_options = dict(_as_mapping(layer_options or {}, "layer_options"))
        unknown = sorted(set(self.layer_options) - set(self._LAYER_OPTIONS))
        if unknown:
            raise ValueError(f"unknown layer_options {unknown}; accepted: {list(self._LAYER_OPTIONS)}")
        if self.layer_options and self.layer_method != "dense":
            raise ValueError("layer_options configure the layers' autoencoders: give layer_method='dense'")
        self.device = device
        self.name = f"compressed {estimator.upper()} (dim {dim}, k={k})"

    def compress(self, acts: Any) -> tuple[torch.Tensor, float]:
        """Codes (N, <= dim) of one epoch's activations (N, ...) and their relative reconstruction error."""
        t = as_tensor(acts, "acts").float()
        flat = t.reshape(len(t), -1)
        if flat.shape[1] <= self.dim:
            return flat, 0.0
        comp = fit_compressor(
            flat, self.dim, method=self.layer_method, val_fraction=0.0, device=self.device,
            **self.layer_options,
        )  # fmt: skip
        return comp.encode(flat), float(comp.train_error)

    def codes(self, acts: Any) -> torch.Tensor:
        """Codes (N, <= dim) of one epoch's activations (N, ...)."""
        return self.compress(acts)[0]

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        zx = self.x_compressor.encode(x)
        a = as_tensor(acts, "acts")
        ixl, iyl, err = [], [], []
        for e in range(a.shape[0]):
            z, code_error = self.compress(a[e])
            ixl.append(_MIS[self.estimator](zx, z, self.k, device=self.device, whiten=self.whiten))
            iyl.append(
                mi_labels(z, y, k=self.k, entropy=self.estimator, whiten=self.whiten, device=self.device)
            )
            err.append(code_error)
        return {IXL: np.array(ixl), IYL: np.array(iyl), "code error": np.array(err)}


def accuracy(frame: pd.DataFrame, *, by: Any = ("task", "estimator")) -> pd.DataFrame:
    r"""Bias and RMSE of estimates against the truth, per group.

    .. math:: \text{bias} = \overline{\hat I - I}, \qquad \text{RMSE} = \sqrt{\overline{(\hat I - I)^2}}

    over the rows of a group (all grid points and seeds). ``frame`` needs columns ``estimate`` and
    ``true`` (nats) and the ``by`` columns; also reports ``max |error|`` and ``n``.
    """
    by = list(by)
    missing = [c for c in ["estimate", "true", *by] if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    err = frame.assign(error=frame["estimate"] - frame["true"])
    g = err.groupby(by, sort=False)["error"]
    return pd.DataFrame(
        {
            "bias": g.mean(),
            "RMSE": g.apply(lambda e: float(np.sqrt(np.mean(e**2)))),
            "max |error|": g.apply(lambda e: float(np.abs(e).max())),
            "n": g.size(),
        }
    )


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


def _as_mapping(obj: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise TypeError(f"{name} must be a mapping name -> object, got {type(obj).__name__}")
    return obj


def _timed(fn: Any, a: Any, b: Any) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn(a, b)
    value = float(getattr(value, "estimate", value))  # MINEResult or float
    return value, time.perf_counter() - start


def synthetic_benchmark(
    task: str,
    mi_grid: Any,
    seeds: Any,
    *,
    n: int,
    compressors: Any,
    estimators: Any,
    raw_estimators: Any = None,
    raw_samples: int | None = None,
    raw_grid: Any = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Estimates against the true MI on the image pairs of :func:`ibcore.ground_truth.images.image_pair`.

    For every true MI in ``mi_grid`` and seed, ``n`` pairs are drawn; both images of a pair go
    through each compressor (X and Y have the same marginal law, so one compressor serves both)
    and every estimator in ``estimators`` runs on the codes. The ``raw_estimators`` run on the
    flattened images themselves (the first ``raw_samples`` pairs, first seed only: they are the
    expensive uncompressed baselines), at the true MIs in ``raw_grid`` (default: all of ``mi_grid``).

    Parameters
    ----------
    compressors : mapping name -> Compressor
    estimators, raw_estimators : mapping name -> callable ``f(x, y)`` returning nats
        (a float, or an object with ``.estimate`` such as a ``MINEResult``).

    Returns
    -------
    pandas.DataFrame
        Columns ``task, true, seed, input, estimator, estimate, seconds``; ``input`` is a
        compressor's name or ``"raw"``; ``seconds`` is the estimation time (compression excluded).
    """
    from ibcore._progress import progress_bar
    from ibcore.ground_truth.images import image_pair

    compressors = _as_mapping(compressors, "compressors")
    estimators = _as_mapping(estimators, "estimators")
    raw_estimators = _as_mapping(raw_estimators or {}, "raw_estimators")
    grid = [float(m) for m in np.atleast_1d(np.asarray(mi_grid, dtype=np.float64))]
    seeds = [check_int(s, "seeds[i]", minimum=0) for s in seeds]
    if not grid or not seeds:
        raise ValueError("mi_grid and seeds must be non-empty")
    raw_set = {
        float(m) for m in np.atleast_1d(np.asarray(raw_grid if raw_grid is not None else [], dtype=float))
    }
    rows = []
    jobs = [(mi, seed) for seed in seeds for mi in grid]
    for mi, seed in progress_bar(jobs, enabled=progress, desc=task):
        pair = image_pair(task, n, mi, seed=seed)
        for cname, comp in compressors.items():
            zx, zy = comp.encode(pair.x), comp.encode(pair.y)
            for ename, fn in estimators.items():
                value, sec = _timed(fn, zx, zy)
                rows.append((task, pair.mi, seed, cname, ename, value, sec))
        if seed == seeds[0] and raw_estimators and (raw_grid is None or mi in raw_set):
            m = n if raw_samples is None else min(check_int(raw_samples, "raw_samples", minimum=2), n)
            rx, ry = pair.x[:m].reshape(m, -1), pair.y[:m].reshape(m, -1)
            for ename, fn in raw_estimators.items():
                value, sec = _timed(fn, rx, ry)
                rows.append((task, pair.mi, seed, "raw", ename, value, sec))
    return pd.DataFrame(rows, columns=["task", "true", "seed", "input", "estimator", "estimate", "seconds"])
