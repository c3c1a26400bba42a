"""Per-layer summaries of an information-plane frame: start, peak, end, drop and dips of a curve.

:func:`ibcore.analysis.infoplane.information_plane` returns a long frame with a row per (estimator, seed,
layer, epoch) and the coordinates in nats. :func:`layer_summary` turns one estimator's rows into
a table with a row per layer (network order): where a quantity such as I(X;L) starts, how high
it gets and when, where it ends, how far it falls from its peak and the largest fall below a
running peak anywhere - computed on the mean over seeds, with the spread of the same statistics
over the seeds in extra columns. :func:`compresses` applies a compression rule to that table with
its threshold as a parameter, so a chapter states it once. :func:`mean_over_seeds` is the one
place where curves are averaged over seeds (the plots use it too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ibcore._validation import check_choice, check_positive
from ibcore.interface import IXL, IYL

__all__ = [
    "LN2",
    "UNITS",
    "SPREADS",
    "COMPRESSION_RULES",
    "mean_over_seeds",
    "layer_summary",
    "compresses",
    "seed_statistics",
    "compression_table",
]

LN2 = float(np.log(2.0))
"""ln 2: nats per bit (divide a value in nats by it to get bits)."""

UNITS = ("bits", "nats")
SPREADS = ("std", "range")
COMPRESSION_RULES = ("drop", "largest dip")

_KEYS = ["layer_index", "layer", "epoch"]


def _check_frame(frame: Any, columns: Sequence[str], name: str = "frame") -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas.DataFrame (e.g. from information_plane), got {type(frame).__name__}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}; it has {list(frame.columns)}")


def mean_over_seeds(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    r"""Average the given columns over seeds, per (layer, epoch).

    .. math:: \bar v(\ell, t) = \frac{1}{|S_{\ell t}|} \sum_{s \in S_{\ell t}} v_s(\ell, t)

    where :math:`S_{\ell t}` are the seeds with a row for layer :math:`\ell` at epoch t.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long frame with columns ``layer_index``, ``layer``, ``epoch`` and ``columns`` (one
        estimator: rows of several estimators would be averaged together).
    columns : sequence of str
        Value columns to average, e.g. ``[IXL, IYL]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``layer_index, layer, epoch`` and ``columns``, a row per (layer, epoch), sorted
        by layer index and epoch.

    Examples
    --------
    >>> df = pd.DataFrame({"seed": [0, 1], "layer": "l1", "layer_index": 1, "epoch": 0,
    ...                    "I(X;L)": [1.0, 2.0]})
    >>> mean_over_seeds(df, ["I(X;L)"])["I(X;L)"].tolist()
    [1.5]
    """
    columns = list(columns)
    _check_frame(frame, [*_KEYS, *columns])
    return frame.groupby(_KEYS, as_index=False)[columns].mean()


def _curve_stats(epochs: np.ndarray, values: np.ndarray) -> dict[str, float | int]:
    """Start, peak, peak epoch, end, drop and largest dip of one curve sorted by epoch."""
    peak = int(np.argmax(values))
    return {
        "start": values[0],
        "peak": values[peak],
        "peak epoch": int(epochs[peak]),
        "end": values[-1],
        "drop": values[peak] - values[-1],
        "largest dip": float(np.max(np.maximum.accumulate(values) - values)),
    }


def _layer_rows(curves: pd.DataFrame, quantity: str, ends: list[str], scale: float) -> pd.DataFrame:
    """One row of statistics per layer of ``curves`` (one value per (layer, epoch))."""
    rows = []
    for (_, layer), g in curves.groupby(["layer_index", "layer"], sort=True):
        g = g.sort_values("epoch")
        stats = _curve_stats(g["epoch"].to_numpy(), g[quantity].to_numpy() / scale)
        row = {
            "layer": layer,
            f"{quantity} start": stats["start"],
            f"{quantity} peak": stats["peak"],
            "peak epoch": stats["peak epoch"],
            f"{quantity} end": stats["end"],
            "drop": stats["drop"],
            "largest dip": stats["largest dip"],
        }
        for col in ends:
            row[f"{col} end"] = g[col].iloc[-1] / scale
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")


def layer_summary(
    frame: pd.DataFrame,
    *,
    quantity: str = IXL,
    unit: str = "bits",
    estimator: str | None = None,
    end_of: Sequence[str] = (IYL,),
    spread: str | None = "std",
) -> pd.DataFrame:
    r"""Per layer: start, peak, peak epoch, end, drop and largest dip of a quantity over epochs.

    For the curve :math:`v_t` of a layer (``quantity`` at the recorded epochs :math:`t_0 <
    \dots < t_T`, averaged over seeds with :func:`mean_over_seeds`):

    .. math::

        \text{start} = v_{t_0}, \quad \text{peak} = \max_t v_t, \quad
        \text{end} = v_{t_T}, \quad \text{drop} = \text{peak} - \text{end}, \quad
        \text{largest dip} = \max_t \Big(\max_{s \le t} v_s - v_t\Big).

    The drop is the fall from the peak to the end; the largest dip is the largest fall below a
    running peak anywhere, so it also catches a compression that is undone later (drop <=
    largest dip). The peak epoch is the first epoch at which the peak is reached.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long information-plane frame as returned by
        :func:`~ibcore.analysis.infoplane.information_plane`: columns ``seed, layer, layer_index,
        epoch``, ``quantity``, the ``end_of`` columns, and ``estimator`` when it holds several
        estimators. Values in nats.
    quantity : str, default ``"I(X;L)"``
        Column whose curve is summarized.
    unit : {"bits", "nats"}, default "bits"
        Unit of the returned values (the frame is in nats; bits divide by ln 2).
    estimator : str, optional
        Keep only the rows of this estimator. Required when the frame holds several.
    end_of : sequence of str, default ``("I(Y;L)",)``
        Further columns whose (seed-mean) value at the last epoch is reported as ``"<col> end"``
        (skipped when equal to ``quantity``).
    spread : {"std", "range"} or None, default "std"
        Spread over seeds of each statistic, computed per seed and added as extra columns:
        ``"<column> sd"`` (sample standard deviation, ddof=1: NaN with one seed) or
        ``"<column> min"`` and ``"<column> max"``. ``None``: no extra columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``layer`` in network order (by ``layer_index``), columns ``"<quantity>
        start"``, ``"<quantity> peak"``, ``"peak epoch"`` (int), ``"<quantity> end"``,
        ``"drop"``, ``"largest dip"``, ``"<col> end"`` per ``end_of`` column, then the spread
        columns. Values in ``unit``. ``attrs`` holds ``quantity``, ``unit``, ``estimator`` and
        ``n_seeds``.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    ValueError
        A missing column, an unknown ``unit`` or ``spread``, several estimators without
        ``estimator=``, an ``estimator`` not in the frame, an empty selection, NaN values, or
        several rows for one (seed, layer, epoch).

    Notes
    -----
    The statistics of the mean curve are not the means of the per-seed statistics (a peak of
    the mean is at most the mean of the peaks); the spread columns describe the per-seed
    statistics. Seeds missing some epochs enter the mean of the epochs they have.

    Examples
    --------
    >>> df = pd.DataFrame({"seed": 0, "layer": "l1", "layer_index": 1, "epoch": [0, 1, 2, 3],
    ...                    "I(X;L)": [1.0, 3.0, 2.0, 2.5], "I(Y;L)": [0.1, 0.2, 0.3, 0.4]})
    >>> s = layer_summary(df, unit="nats", spread=None)
    >>> r = s.loc["l1"]                 # peak 3 at epoch 1, ends at 2.5; dip 3 -> 2 undone later
    >>> float(r["I(X;L) peak"]), int(r["peak epoch"]), float(r["drop"]), float(r["largest dip"])
    (3.0, 1, 0.5, 1.0)
    """
    unit = check_choice(unit, "unit", UNITS)
    if spread is not None:
        spread = check_choice(spread, "spread", SPREADS)
    if isinstance(end_of, str):
        end_of = (end_of,)
    ends = [c for c in dict.fromkeys(end_of) if c != quantity]
    _check_frame(frame, ["seed", *_KEYS, quantity, *ends])

    if "estimator" in frame.columns:
        names = list(dict.fromkeys(frame["estimator"]))
        if estimator is not None:
            if estimator not in names:
                raise ValueError(f"estimator {estimator!r} is not in the frame; it holds {names}")
            frame = frame[frame["estimator"] == estimator]
        elif len(names) > 1:
            raise ValueError(f"the frame holds several estimators {names}; pick one with estimator=")
        else:
            estimator = names[0] if names else None
    elif estimator is not None:
        raise ValueError(f"estimator={estimator!r} given, but the frame has no 'estimator' column")
    if frame.empty:
        raise ValueError("the frame is empty: nothing to summarize")
    values = frame[[quantity, *ends]]
    if values.isna().to_numpy().any():
        bad = [c for c in values.columns if values[c].isna().any()]
        raise ValueError(f"column(s) {bad} hold NaN values; drop or fill those rows first")
    dup = frame.duplicated(["seed", "layer", "epoch"])
    if dup.any():
        first = frame.loc[dup, ["seed", "layer", "epoch"]].iloc[0].tolist()
        raise ValueError(
            f"{int(dup.sum())} duplicate row(s) for one (seed, layer, epoch), e.g. {first}; "
            "concatenated frames of one run or several estimators without an 'estimator' column?"
        )

    scale = LN2 if unit == "bits" else 1.0
    summary = _layer_rows(mean_over_seeds(frame, [quantity, *ends]), quantity, ends, scale)
    if spread is not None:
        per_seed = pd.concat(
            [
                _layer_rows(g, quantity, ends, scale).assign(seed=s)
                for s, g in frame.groupby("seed", sort=True)
            ]
        )
        grouped = per_seed.groupby(level="layer", sort=False)[list(summary.columns)]
        if spread == "std":
            extra = grouped.std(ddof=1).add_suffix(" sd")
        else:
            lo, hi = grouped.min().add_suffix(" min"), grouped.max().add_suffix(" max")
            extra = pd.concat([lo, hi], axis=1)[[f"{c} {k}" for c in summary.columns for k in ("min", "max")]]
        summary = summary.join(extra.astype(float))
    summary.attrs.update(
        quantity=quantity, unit=unit, estimator=estimator, n_seeds=int(frame["seed"].nunique())
    )
    return summary


def compresses(summary: pd.DataFrame, threshold: float = 0.1, *, by: str = "drop") -> pd.Series:
    r"""Whether each layer compresses: its ``by`` statistic is at least ``threshold``.

    .. math:: \text{compresses}(\ell) = [\, s_\ell \ge \theta \,]

    with :math:`s_\ell` the layer's ``"drop"`` (peak minus end: still compressed at the end)
    or ``"largest dip"`` (compressed at some point, maybe undone later) and :math:`\theta` =
    ``threshold``.

    Parameters
    ----------
    summary : pandas.DataFrame
        A :func:`layer_summary` table (or rows of it, e.g. the hidden layers only).
    threshold : float, default 0.1
        Smallest fall that counts, > 0, in the unit of ``summary`` (``summary.attrs["unit"]``;
        bits by default).
    by : {"drop", "largest dip"}, default "drop"
        Statistic the rule reads.

    Returns
    -------
    pandas.Series of bool
        Indexed like ``summary`` (by layer), named ``"compresses"``.

    Examples
    --------
    >>> s = pd.DataFrame({"drop": [0.0, 0.3], "largest dip": [0.2, 0.3]}, index=["l1", "l2"])
    >>> compresses(s, 0.1).tolist(), compresses(s, 0.1, by="largest dip").tolist()
    ([False, True], [True, True])
    """
    threshold = check_positive(threshold, "threshold")
    by = check_choice(by, "by", COMPRESSION_RULES)
    _check_frame(summary, [by], name="summary")
    return (summary[by] >= threshold).rename("compresses")


def seed_statistics(
    frame: pd.DataFrame,
    *,
    layer: str,
    quantity: str = IXL,
    unit: str = "bits",
    estimator: str | None = None,
) -> pd.DataFrame:
    r"""Start, peak, peak epoch, end, drop and largest dip of one layer's curve, for each seed.

    The statistics of :func:`layer_summary` (same definitions), computed on each seed's own
    curve rather than on the mean over seeds, so their mean and spread over seeds can be read.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long information-plane frame (columns ``seed, layer, layer_index, epoch``, ``quantity``
        and ``estimator`` when it holds several), values in nats.
    layer : str
        The layer whose curves are summarized.
    quantity, unit, estimator
        As in :func:`layer_summary`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``seed``; columns ``"<quantity> start"``, ``"<quantity> peak"``, ``"peak
        epoch"``, ``"<quantity> end"``, ``"drop"``, ``"largest dip"`` in ``unit``.

    Raises
    ------
    ValueError
        As :func:`layer_summary`, and a ``layer`` that is not in the frame.

    Examples
    --------
    >>> df = pd.DataFrame({"seed": [0, 0, 1, 1], "layer": "l1", "layer_index": 1,
    ...                    "epoch": [0, 1, 0, 1], "I(X;L)": [2.0, 1.0, 1.0, 1.5]})
    >>> seed_statistics(df, layer="l1", unit="nats")["drop"].tolist()   # seed 0 falls 1, seed 1 rises
    [1.0, 0.0]
    """
    _check_frame(frame, ["seed", *_KEYS, quantity])
    if layer not in set(frame["layer"]):
        raise ValueError(
            f"layer {layer!r} is not in the frame; it holds {list(dict.fromkeys(frame['layer']))}"
        )
    rows = {}
    for s, g in frame[frame["layer"] == layer].groupby("seed", sort=True):
        table = layer_summary(g, quantity=quantity, unit=unit, estimator=estimator, end_of=(), spread=None)
        rows[s] = table.iloc[0]
    out = pd.DataFrame(rows).T
    out.index.name = "seed"
    out["peak epoch"] = out["peak epoch"].astype(int)
    return out.astype({c: float for c in out.columns if c != "peak epoch"})


def compression_table(
    frame: pd.DataFrame,
    *,
    layer: str,
    threshold: float = 0.1,
    by: str = "drop",
    unit: str = "bits",
    groups: Sequence[str] = ("estimator",),
    quantity: str = IXL,
) -> pd.DataFrame:
    r"""Per group (e.g. estimator): does ``layer`` compress? Mean and spread over seeds of its fall.

    For each group and seed s, :math:`v_s` is the layer's ``by`` statistic (``"drop"``: peak minus
    end; ``"largest dip"``) of :func:`seed_statistics`. The group **compresses** when the mean over
    seeds reaches the threshold, :math:`\bar v = \frac1S \sum_s v_s \ge \theta` (the rule of
    :func:`compresses` applied to the seed mean of the statistic).

    Parameters
    ----------
    frame : pandas.DataFrame
        Long information-plane frame with the ``groups`` columns (e.g. ``estimator``, or
        ``activation`` and ``estimator`` for frames concatenated over activations), nats.
    layer : str
        The layer read (e.g. the last hidden layer).
    threshold : float, default 0.1
        :math:`\theta` > 0, in ``unit``.
    by : {"drop", "largest dip"}, default "drop"
    unit : {"bits", "nats"}, default "bits"
    groups : sequence of str, default ``("estimator",)``
        Columns whose values make one row each.
    quantity : str, default ``"I(X;L)"``

    Returns
    -------
    pandas.DataFrame
        Indexed by ``groups``; columns ``"<by> mean"``, ``"<by> sd"`` (ddof 1; NaN with one seed),
        ``"<by> min"``, ``"<by> max"``, ``"seeds"``, ``"seeds compressing"`` (seeds whose own
        :math:`v_s \ge \theta`) and ``"compresses"`` (bool). ``attrs`` holds ``threshold``,
        ``by``, ``unit`` and ``layer``.

    Examples
    --------
    >>> df = pd.DataFrame({"estimator": "e", "seed": [0, 0, 1, 1], "layer": "l1", "layer_index": 1,
    ...                    "epoch": [0, 1, 0, 1], "I(X;L)": [2.0, 1.0, 1.0, 1.5]})
    >>> t = compression_table(df, layer="l1", threshold=0.4, unit="nats")
    >>> float(t.loc["e", "drop mean"]), int(t.loc["e", "seeds compressing"]), bool(t.loc["e", "compresses"])
    (0.5, 1, True)
    """
    threshold = check_positive(threshold, "threshold")
    by = check_choice(by, "by", COMPRESSION_RULES)
    groups = [groups] if isinstance(groups, str) else list(groups)
    if not groups:
        raise ValueError("groups is empty: name at least one column, e.g. ('estimator',)")
    _check_frame(frame, ["seed", *_KEYS, quantity, *groups])
    rows = []
    for key, g in frame.groupby(groups, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        g = g.drop(columns=[c for c in ("estimator",) if c in g.columns])
        v = seed_statistics(g, layer=layer, quantity=quantity, unit=unit)[by]
        rows.append(
            {
                **dict(zip(groups, key, strict=True)),
                f"{by} mean": float(v.mean()),
                f"{by} sd": float(v.std(ddof=1)) if len(v) > 1 else float("nan"),
                f"{by} min": float(v.min()),
                f"{by} max": float(v.max()),
                "seeds": len(v),
                "seeds compressing": int((v >= threshold).sum()),
                "compresses": bool(v.mean() >= threshold),
            }
        )
    out = pd.DataFrame(rows).set_index(groups)
    out.attrs.update(threshold=threshold, by=by, unit=unit, layer=layer)
    return out
