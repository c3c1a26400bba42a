"""Geometry of a layer's representation over epochs: class distances, saturation, diameter.

Beside I(X;L) the later chapters plot what the activations of a layer look like: how tight the
classes are relative to their separation (mean within-class over mean between-class pairwise
distance), how many tanh units sit in their flat tails (saturated fraction), and how large the
cloud of N points is (its diameter). :func:`layer_geometry` computes all of them for a layer given
as (N, d) or as a batch of B recorded epochs (B, N, d) in one vectorized call, with the N x N
pairwise distances done in row blocks (``torch.cdist``) so that memory stays bounded;
:func:`geometry_frame` does it for every layer and epoch of recorded runs and returns a long frame
shaped like :func:`ibcore.analysis.infoplane.information_plane`'s, to merge or plot beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch

from ibcore._progress import progress_bar
from ibcore._validation import as_layer_batch, check_int, check_positive
from ibcore.analysis.infoplane import recorded_selection

__all__ = ["GEOMETRY_COLUMNS", "Geometry", "layer_geometry", "saturated_fraction", "geometry_frame"]

GEOMETRY_COLUMNS = ("within", "between", "ratio", "saturation", "diameter")

# Elements of a (epochs, rows, N) block of pairwise distances handled at once (~32 MB per
# float64 temporary), as in ibcore.estimators.kde.
_BLOCK_ELEMENTS = 1 << 22


class Geometry(NamedTuple):
    """Geometry of a layer: floats for a 2-D (N, d) layer, numpy arrays of shape (B,) for (B, N, d).

    Attributes
    ----------
    within : mean distance between two samples of the same class.
    between : mean distance between two samples of different classes.
    ratio : ``within / between`` (NaN when all points coincide).
    saturation : fraction of activations with ``|a| > 1 - eps``.
    diameter : largest distance between two samples.
    """

    within: Any
    between: Any
    ratio: Any
    saturation: Any
    diameter: Any


def _check_eps(eps: Any) -> float:
    eps = check_positive(eps, "eps")
    if eps >= 1.0:
        raise ValueError(f"eps must be in (0, 1) (saturation means |a| > 1 - eps), got {eps!r}")
    return eps


def _out(v: torch.Tensor, batched: bool) -> Any:
    arr = v.detach().to("cpu", torch.float64).numpy()
    return arr if batched else float(arr[0])


def _saturation(h: torch.Tensor, eps: float) -> torch.Tensor:
    """Fraction of entries with |a| > 1 - eps, per epoch of a (B, N, d) block."""
    return (h.abs() > 1.0 - eps).to(torch.float64).mean(dim=(1, 2))


def _pairwise_sums(h: torch.Tensor, y: torch.Tensor, rows: int) -> tuple[torch.Tensor, ...]:
    """Per epoch of a (b, N, d) float64 block: sums of distances over ordered same-class pairs and
    different-class pairs, and the largest distance. Rows of the N x N matrix go ``rows`` at a time."""
    b, n, _ = h.shape
    # distances are translation invariant; centring keeps cdist's matrix-product path accurate
    h = h - h.mean(dim=1, keepdim=True)
    within = torch.zeros(b, dtype=h.dtype, device=h.device)
    between = torch.zeros_like(within)
    dmax = torch.zeros_like(within)
    for start in range(0, n, rows):
        dist = torch.cdist(h[:, start : start + rows], h)  # (b, r, N)
        # self-distances are exactly 0; the matrix-product path leaves rounding noise there
        dist.diagonal(offset=start, dim1=1, dim2=2).zero_()
        same = (y[start : start + rows, None] == y[None, :]).to(h.dtype)  # (r, N)
        within += (dist * same).sum(dim=(1, 2))
        between += (dist * (1.0 - same)).sum(dim=(1, 2))
        dmax = torch.maximum(dmax, dist.amax(dim=(1, 2)))
    return within, between, dmax


def saturated_fraction(layer: Any, *, eps: float = 0.01, device: str | torch.device | None = None) -> Any:
    r"""Fraction of a layer's activations in the saturated tails of tanh: :math:`|a| > 1 - \epsilon`.

    .. math:: s = \frac{1}{N d} \sum_{i=1}^N \sum_{k=1}^d \big[\, |a_{ik}| > 1 - \epsilon \,\big]

    Parameters
    ----------
    layer : array or tensor, shape (N,), (N, d) or (B, N, d)
        Activations; 3-D input holds B epochs of the same N samples.
    eps : float, default 0.01
        Distance from +-1 within which a unit counts as saturated, in (0, 1).
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).

    Returns
    -------
    float or numpy.ndarray of shape (B,)
        In [0, 1].

    Notes
    -----
    Meant for tanh (or other activations bounded by +-1). For ReLU or linear units the number
    is meaningless: they have no saturated tail at +-1.

    Examples
    --------
    >>> saturated_fraction([[0.999, 0.0], [-0.995, 0.5]], eps=0.01)
    0.5
    """
    eps = _check_eps(eps)
    t, _, batched = as_layer_batch(layer, device=device, dtype=None)
    return _out(_saturation(t, eps), batched)


def layer_geometry(
    layer: Any,
    labels: Any,
    *,
    eps: float = 0.01,
    chunk_size: int | None = None,
    device: str | torch.device | None = None,
) -> Geometry:
    r"""Within- and between-class mean distances, their ratio, saturation and diameter of a layer.

    For activations :math:`a_1, \dots, a_N \in \mathbb R^d` with labels :math:`y_i`, the
    pairs :math:`W = \{(i, j): i \ne j, y_i = y_j\}` and :math:`B = \{(i, j): y_i \ne y_j\}`,

    .. math::

        \bar d_W = \frac{1}{|W|} \sum_{(i,j) \in W} \|a_i - a_j\|_2, \qquad
        \bar d_B = \frac{1}{|B|} \sum_{(i,j) \in B} \|a_i - a_j\|_2, \qquad
        r = \bar d_W / \bar d_B,

    .. math::

        \operatorname{diam} = \max_{i, j} \|a_i - a_j\|_2, \qquad
        s = \frac{1}{N d} \sum_{i, k} \big[\, |a_{ik}| > 1 - \epsilon \,\big].

    Within-class pairs are pooled over classes (a large class weighs more, by its number of
    pairs :math:`n_c (n_c - 1)`). A ratio near 0 means tight, well separated classes; near 1,
    classes no tighter than the whole cloud.

    Parameters
    ----------
    layer : array or tensor, shape (N,), (N, d) or (B, N, d)
        Activations of N samples; 3-D input holds B epochs of the same N samples (e.g.
        ``run.activations[layer]``), all handled in one call.
    labels : array or tensor, shape (N,)
        Integer class labels, the same for every epoch; at least two classes and one class
        with two samples.
    eps : float, default 0.01
        Saturation margin in (0, 1): a unit is saturated when :math:`|a| > 1 - \epsilon`.
    chunk_size : int, optional
        Rows of the N x N distance matrix per block (default: as many as keep a block of
        epochs x rows x N near 4M elements). Memory O(chunk_size N) on top of the input, time
        O(B N^2 d).
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).

    Returns
    -------
    Geometry
        ``(within, between, ratio, saturation, diameter)``, floats for a 2-D layer, numpy
        float64 arrays of shape (B,) for a 3-D one; distances in the units of the activations.

    Raises
    ------
    ValueError
        NaN/inf activations, labels whose length is not N, fewer than two classes, no class
        with two samples, ``eps`` outside (0, 1) or ``chunk_size < 1``.

    Notes
    -----
    The saturated fraction is meant for tanh (bounded by +-1) and is meaningless for ReLU or
    linear units. Distances are computed in float64 on points centred per epoch; the
    matrix-product path of ``torch.cdist`` leaves an absolute error of order 1e-8 times the
    cloud's radius (self-distances are set to exactly 0). The ratio is NaN when all N points
    coincide (0 / 0).

    Examples
    --------
    >>> a = [[0.0, 0.0], [0.0, 0.0], [3.0, 4.0], [3.0, 4.0]]   # two tight clusters 5 apart
    >>> g = layer_geometry(a, [0, 0, 1, 1])
    >>> round(g.within, 6), round(g.between, 6), round(g.ratio, 6), round(g.diameter, 6)
    (0.0, 5.0, 0.0, 5.0)
    """
    eps = _check_eps(eps)
    t, y, batched = as_layer_batch(layer, labels, device=device, dtype=None)
    b, n, _ = t.shape
    counts = torch.bincount(y).to(torch.float64)
    if counts.numel() < 2:
        raise ValueError("labels hold a single class: between-class distances need at least two")
    if not bool((counts >= 2).any()):
        raise ValueError("no class has two samples: within-class distances need a pair")
    n_within = float((counts * (counts - 1)).sum())  # ordered pairs i != j of one class
    n_between = float(n * n - (counts * counts).sum())  # ordered pairs of different classes

    if chunk_size is not None:
        rows = check_int(chunk_size, "chunk_size", minimum=1)
        epochs = max(1, min(b, _BLOCK_ELEMENTS // (rows * n)))
    else:
        epochs = max(1, min(b, _BLOCK_ELEMENTS // (n * n)))
        rows = max(1, min(n, _BLOCK_ELEMENTS // (epochs * n)))

    parts = []
    for s in range(0, b, epochs):
        h = t[s : s + epochs].to(torch.float64)
        parts.append((*_pairwise_sums(h, y, rows), _saturation(h, eps)))
    w_sum, b_sum, diameter, saturation = (torch.cat(p) for p in zip(*parts, strict=False))
    within, between = w_sum / n_within, b_sum / n_between
    return Geometry(
        _out(within, batched),
        _out(between, batched),
        _out(within / between, batched),
        _out(saturation, batched),
        _out(diameter, batched),
    )


def geometry_frame(
    runs: Any,
    *,
    layers: Iterable[str] | None = None,
    epochs: Iterable[int] | None = None,
    eps: float = 0.01,
    chunk_size: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`layer_geometry` for every layer and recorded epoch of one or several runs.

    Parameters
    ----------
    runs : RecordedRun or list of RecordedRun
        Recorded runs (:class:`ibcore.training.RecordedRun` or anything with ``seed``,
        ``epochs`` (E,), ``layers``, ``activations`` {layer: (E, N, d)} and ``y_eval`` (N,)).
    layers : iterable of str, optional
        Subset of the recorded layers (default: all, in network order).
    epochs : iterable of int, optional
        Subset of the recorded epochs (default: all).
    eps, chunk_size, device
        As in :func:`layer_geometry`.
    progress : bool, default False
        Show a bar over (run, layer).

    Returns
    -------
    pandas.DataFrame
        Columns ``seed, layer, layer_index, epoch`` (as in
        :func:`~ibcore.analysis.infoplane.information_plane`, so the two merge on them) and
        ``within, between, ratio, saturation, diameter``, a row per (seed, layer, epoch).

    Raises
    ------
    ValueError
        No runs, a layer or epoch that was not recorded, or any error of :func:`layer_geometry`.
    """
    runs = list(runs) if isinstance(runs, (list, tuple)) else [runs]
    if not runs:
        raise ValueError("runs is empty")
    layers = list(layers) if layers is not None else None
    wanted = np.asarray(list(epochs)) if epochs is not None else None
    total = sum(len(layers) if layers is not None else len(r.layers) for r in runs)
    bar = progress_bar(total=total, desc="geometry", enabled=progress, leave=False)
    frames = []
    for run in runs:
        use_layers, idx = recorded_selection(run, layers, wanted)
        run_epochs = np.asarray(run.epochs)
        for li, layer in enumerate(use_layers):
            acts = torch.as_tensor(run.activations[layer])[torch.as_tensor(idx)]
            geo = layer_geometry(acts, run.y_eval, eps=eps, chunk_size=chunk_size, device=device)
            frame = pd.DataFrame(
                {
                    "seed": run.seed,
                    "layer": layer,
                    "layer_index": run.layers.index(layer) + 1 if layer in run.layers else li + 1,
                    "epoch": run_epochs[idx],
                }
            )
            for col, values in zip(GEOMETRY_COLUMNS, geo, strict=False):
                frame[col] = values
            frames.append(frame)
            bar.update(1)
    bar.close()
    return pd.concat(frames, ignore_index=True)
