"""How an information-plane number moves with its estimator's knob, and where binning breaks the DPI.

Three small tools for the estimator-dependence chapter (Geiger 2021, Secs. III-A and IV):

* :func:`bin_width_sweep` - the binned I(X;L) = H(Q(L)) and I(Y;L) of one layer for a list of bin
  widths: it climbs to log N as the bins shrink, whatever the network does (every input gets its
  own bin), and falls to 0 as they grow;
* :func:`kde_variance_sweep` - the KDE bounds (Kolchinsky & Tracey; Saxe et al.) of one layer for a
  list of noise variances: the number is a property of the added noise as much as of the layer;
* :func:`dpi_violations` - the places in an information-plane frame where a deeper layer gets
  *more* I(X;L) than the layer it is computed from. For a deterministic network
  :math:`L_{\\ell+1} = f(L_\\ell)` the data-processing inequality gives
  :math:`I(X;L_{\\ell+1}) \\le I(X;L_\\ell)`; a binning estimate can break it, because every layer
  has its own quantizer (Geiger 2021, Sec. III-A).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ibcore._validation import check_positive
from ibcore.estimators.binning import mi_binning
from ibcore.estimators.kde import mi_kde
from ibcore.interface import IXL, IYL

__all__ = ["bin_width_sweep", "kde_variance_sweep", "dpi_violations"]


def _positive_list(values: Any, name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of positive numbers, got {type(values).__name__}")
    out = [check_positive(v, f"{name}[{i}]") for i, v in enumerate(values)]
    if not out:
        raise ValueError(f"{name} is empty: give at least one value")
    return out


def bin_width_sweep(layer: Any, labels: Any, bin_widths: Sequence[float], **options: Any) -> pd.DataFrame:
    r"""Binned I(X;L) and I(Y;L) of one layer for each bin width (nats).

    .. math:: \hat I_w(X;L) = H(Q_w(L)), \qquad Q_w(l) = \lfloor l / w \rfloor \text{ per neuron},

    (Saxe et al.'s bins, anchored at 0; see :func:`~ibcore.estimators.binning.mi_binning`). For N
    distinct inputs :math:`\hat I_w(X;L) \to \log N` as :math:`w \to 0` once the layer maps them to
    distinct points, and :math:`\to 0` as w grows past the layer's range.

    Parameters
    ----------
    layer : array or tensor, shape (N, d)
        Activations of the N distinct inputs at one epoch.
    labels : array or tensor, shape (N,)
        Integer class labels.
    bin_widths : sequence of float
        Bin widths > 0.
    **options
        Further options of :func:`~ibcore.estimators.binning.mi_binning` (e.g. ``value_range``
        to anchor and clip the bins, ``device``).

    Returns
    -------
    pandas.DataFrame
        Columns ``bin_width``, ``I(X;L)``, ``I(Y;L)`` (nats), a row per width, in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.linspace(0, 1, 8)[:, None]           # 8 distinct points on [0, 1]
    >>> t = bin_width_sweep(h, np.arange(8) % 2, [1e-3, 10.0])
    >>> np.round(t["I(X;L)"].to_numpy() / np.log(8), 6).tolist()   # log 8 for tiny bins, 0 for huge
    [1.0, 0.0]
    """
    widths = _positive_list(bin_widths, "bin_widths")
    rows = []
    for w in widths:
        r = mi_binning(layer, labels=labels, bin_width=w, **options)
        rows.append({"bin_width": w, IXL: float(r.i_xl), IYL: float(r.i_yl)})
    return pd.DataFrame(rows)


def kde_variance_sweep(layer: Any, labels: Any, noise_vars: Sequence[float], **options: Any) -> pd.DataFrame:
    r"""KDE bounds on I(X;L+eps) and I(Y;L+eps) of one layer for each noise variance (nats).

    For each :math:`\sigma^2` the pairwise-distance bounds of
    :func:`~ibcore.estimators.kde.mi_kde` on :math:`I(X; L + \varepsilon)`,
    :math:`\varepsilon \sim \mathcal N(0, \sigma^2 I)`. Both bounds fall from log N (tiny noise:
    every input resolved) towards 0 (noise much larger than the layer's spread).

    Parameters
    ----------
    layer : array or tensor, shape (N, d)
    labels : array or tensor, shape (N,)
    noise_vars : sequence of float
        Noise variances > 0.
    **options
        Further options of :func:`~ibcore.estimators.kde.mi_kde` (``device``, ``precision``).

    Returns
    -------
    pandas.DataFrame
        Columns ``noise_var``, ``I(X;L)`` (upper bound), ``I(X;L) lower``, ``I(Y;L)`` (upper),
        ``I(Y;L) lower``, a row per variance.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.array([[0.0], [0.0], [10.0], [10.0]])      # two clusters 10 apart
    >>> t = kde_variance_sweep(h, [0, 0, 1, 1], [0.01])
    >>> round(float(t["I(X;L)"].iloc[0] / np.log(2)), 6)  # resolves the two clusters: log 2
    1.0
    """
    variances = _positive_list(noise_vars, "noise_vars")
    rows = []
    for v in variances:
        r = mi_kde(layer, labels=labels, noise_var=v, **options)
        rows.append(
            {
                "noise_var": v,
                IXL: float(r.i_xl.upper),
                f"{IXL} lower": float(r.i_xl.lower),
                IYL: float(r.i_yl.upper),
                f"{IYL} lower": float(r.i_yl.lower),
            }
        )
    return pd.DataFrame(rows)


def dpi_violations(
    frame: pd.DataFrame, *, quantity: str = IXL, tol: float = 1e-9, groups: Sequence[str] = ()
) -> pd.DataFrame:
    r"""Rows where a layer's estimate exceeds that of the layer before it (nats).

    For consecutive layers :math:`\ell, \ell+1` (by ``layer_index``) of one estimator, seed and
    epoch, a violation is :math:`\hat I(X;L_{\ell+1}) > \hat I(X;L_\ell) + \text{tol}`: the
    data-processing inequality forbids it for the true I(X;L) of a deterministic feed-forward
    network (:math:`L_{\ell+1} = f(L_\ell)`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Information-plane frame (:func:`~ibcore.analysis.infoplane.information_plane`): columns ``seed,
        layer, layer_index, epoch``, ``quantity`` and optionally ``estimator``.
    quantity : str, default ``"I(X;L)"``
    tol : float, default 1e-9
        Excess (nats, >= 0) below which an increase counts as rounding.
    groups : sequence of str, default ()
        Further columns that tell networks apart (e.g. ``("activation",)`` for frames of several
        architectures concatenated): layers are compared only within one value of each.

    Returns
    -------
    pandas.DataFrame
        Columns ``estimator`` (if present), the ``groups``, ``seed``, ``epoch``, ``layer``, ``next layer``,
        ``"<quantity>"`` (of ``layer``), ``"<quantity> next"`` and ``excess`` (next minus this,
        nats), one row per violation; empty (same columns) when there is none.

    Examples
    --------
    >>> df = pd.DataFrame({"seed": 0, "epoch": 0, "layer": ["a", "b", "c"], "layer_index": [1, 2, 3],
    ...                    "I(X;L)": [2.0, 2.5, 1.0]})
    >>> dpi_violations(df)[["layer", "next layer", "excess"]].values.tolist()
    [['a', 'b', 0.5]]
    """
    tol = check_positive(tol, "tol", allow_zero=True)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas.DataFrame, got {type(frame).__name__}")
    groups = [groups] if isinstance(groups, str) else list(groups)
    keys = [c for c in ("estimator", *groups, "seed", "epoch") if c in frame.columns or c in groups]
    missing = [
        c for c in (*groups, "seed", "epoch", "layer", "layer_index", quantity) if c not in frame.columns
    ]
    if missing:
        raise ValueError(f"frame lacks the column(s) {missing}; it has {list(frame.columns)}")
    f = frame.sort_values([*keys, "layer_index"])
    nxt = f.groupby(keys, sort=False)[[quantity, "layer"]].shift(-1)
    out = f[keys + ["layer", quantity]].assign(
        **{"next layer": nxt["layer"], f"{quantity} next": nxt[quantity]}
    )
    out = out[out["next layer"].notna()]
    out = out.assign(excess=out[f"{quantity} next"] - out[quantity])
    out = out[out["excess"] > tol]
    cols = [*keys, "layer", "next layer", quantity, f"{quantity} next", "excess"]
    return out[cols].reset_index(drop=True)
