"""Plots of the information plane and of training runs, readable at book width.

Estimates are stored in nats; the plots show bits (divide by ln 2), as the papers do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import colors

from ibcore.analysis.summary import LN2, mean_over_seeds
from ibcore.interface import IXL, IYL

__all__ = [
    "plot_information_plane",
    "plot_information_plane_grid",
    "plot_mi_over_epochs",
    "plot_history",
    "plot_curves_over_epochs",
]


def _scale(unit: str) -> float:
    if unit not in ("bits", "nats"):
        raise ValueError(f"unknown unit={unit!r}; choose 'bits' or 'nats'")
    return LN2 if unit == "bits" else 1.0


def plot_information_plane(
    df: pd.DataFrame,
    *,
    ax: plt.Axes | None = None,
    estimator: str | None = None,
    unit: str = "bits",
    cmap: str = "viridis",
    title: str | None = None,
    colorbar: bool = True,
    x_col: str = IXL,
    y_col: str = IYL,
) -> plt.Axes:
    """The classic information-plane plot: I(X;L) against I(Y;L), colour = epoch, one line per layer.

    Several seeds are averaged per (layer, epoch). Epochs are coloured on a log scale (epoch 0 is
    shown as the first colour), so the early fitting phase and the long late phase are both visible.
    """
    if estimator is not None:
        df = df[df["estimator"] == estimator]
    elif "estimator" in df and df["estimator"].nunique() > 1:
        raise ValueError(
            f"df holds several estimators {sorted(df['estimator'].unique())}; pick one with estimator="
        )
    if df.empty:
        raise ValueError("nothing to plot: the DataFrame is empty (check estimator=)")
    s = _scale(unit)
    m = mean_over_seeds(df, [x_col, y_col])
    ax = ax or plt.subplots(figsize=(6.4, 4.8))[1]
    epochs = m["epoch"].to_numpy()
    norm = colors.LogNorm(vmin=max(1, epochs.min() + 1), vmax=epochs.max() + 1)
    for _, g in m.groupby("layer_index"):
        g = g.sort_values("epoch")
        ax.plot(g[x_col] / s, g[y_col] / s, color="0.6", lw=0.8, zorder=1)
        sc = ax.scatter(
            g[x_col] / s,
            g[y_col] / s,
            c=g["epoch"] + 1,
            cmap=cmap,
            norm=norm,
            s=22,
            edgecolors="none",
            zorder=2,
        )
        last = g.iloc[-1]
        ax.annotate(
            str(last["layer"]),
            (last[x_col] / s, last[y_col] / s),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color="0.25",
        )
    if colorbar:
        cb = ax.figure.colorbar(sc, ax=ax)
        cb.set_label("epoch + 1 (log scale)")
    ax.set_xlabel(f"{x_col} [{unit}]")
    ax.set_ylabel(f"{y_col} [{unit}]")
    n_seeds = df["seed"].nunique() if "seed" in df else 1
    name = estimator or (df["estimator"].iloc[0] if "estimator" in df else "")
    ax.set_title(
        title if title is not None else f"{name}" + (f", mean of {n_seeds} seeds" if n_seeds > 1 else "")
    )
    ax.grid(alpha=0.3)
    return ax


def plot_information_plane_grid(
    df: pd.DataFrame,
    *,
    by: str = "estimator",
    ncols: int = 2,
    unit: str = "bits",
    panel_size: tuple[float, float] = (4.6, 3.6),
    col: str | None = None,
    order: Sequence[Any] | None = None,
    col_order: Sequence[Any] | None = None,
    title: str | None = None,
    n_inputs: Mapping[Any, int] | int | None = None,
    **kwargs: Any,
) -> plt.Figure:
    """One information-plane panel per value of ``by`` (e.g. per estimator or per seed), or a grid.

    Without ``col`` the panels of the ``by`` values fill ``ncols`` columns row by row. With
    ``col`` (e.g. ``"activation"``) the figure is a grid: one row per value of ``by``, one column
    per value of ``col``, and only the last column carries a colour bar.

    Parameters
    ----------
    df : pandas.DataFrame
        Long information-plane frame (nats) with the columns ``by`` (and ``col``).
    by : str, default "estimator"
        The column whose values make one panel each (one row each with ``col``).
    ncols : int, default 2
        Panels per row without ``col`` (ignored with ``col``).
    unit : {"bits", "nats"}, default "bits"
    panel_size : (float, float), default (4.6, 3.6)
        Width and height of one panel in inches.
    col : str, optional
        The column whose values make the grid's columns.
    order, col_order : sequence, optional
        The values of ``by`` and of ``col`` shown, in this order (default: all, in order of
        appearance). A value without rows is refused by :func:`plot_information_plane`.
    title : str, optional
        Format string of each panel's title with the fields ``{key}`` (the panel's ``by`` value),
        ``{col}`` (its ``col`` value) and ``{by}``; default ``"{col}: {key}"`` with ``col``,
        else ``"{key}"`` when ``by`` is "estimator" and ``"{by} = {key}"`` otherwise.
    n_inputs : int or mapping, optional
        The number N of distinct inputs each estimate read (one number, or one per ``by``
        value): a dotted vertical line at log N marks the largest I(X;L) on N inputs.
    **kwargs
        Passed to :func:`plot_information_plane` (e.g. ``cmap``, ``colorbar=False``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure; its panels are ``fig.axes`` (colour bars included).

    Raises
    ------
    ValueError
        ``by`` or ``col`` is not a column of ``df``, ``col`` equals ``by``, or ``n_inputs`` lacks
        a shown value of ``by``.
    """
    for name in (by, col):
        if name is not None and name not in df.columns:
            raise ValueError(f"df has no column {name!r}; it has {list(df.columns)}")
    if col is not None and col == by:
        raise ValueError(f"col and by are both {by!r}; choose two different columns")
    keys = list(order) if order is not None else list(dict.fromkeys(df[by]))
    if isinstance(n_inputs, Mapping):
        missing = [k for k in keys if k not in n_inputs]
        if missing:
            raise ValueError(f"n_inputs has no entry for {missing}")
    colorbar = kwargs.pop("colorbar", True)
    if col is None:
        cols: list[Any] = [None]
        nrows = int(np.ceil(len(keys) / ncols))
        ncols = min(ncols, len(keys))
        fmt = title if title is not None else "{key}" if by == "estimator" else "{by} = {key}"
    else:
        cols = list(col_order) if col_order is not None else list(dict.fromkeys(df[col]))
        nrows, ncols = len(keys), len(cols)
        fmt = title if title is not None else "{col}: {key}"
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
        squeeze=False,
        constrained_layout=True,
    )
    panels = [(key, c, j) for key in keys for j, c in enumerate(cols)]
    for ax, (key, c, j) in zip(axes.flat, panels, strict=False):
        sub = df[df[by] == key] if col is None else df[(df[by] == key) & (df[col] == c)]
        bar = colorbar and (col is None or j == len(cols) - 1)
        label = fmt.format(key=key, col=c, by=by)
        plot_information_plane(sub, ax=ax, unit=unit, title=label, colorbar=bar, **kwargs)
        if n_inputs is not None:
            n = n_inputs[key] if isinstance(n_inputs, Mapping) else n_inputs
            ax.axvline(np.log2(n) if unit == "bits" else np.log(n), color="0.6", ls=":", lw=1)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    return fig


def plot_mi_over_epochs(
    df: pd.DataFrame,
    *,
    quantity: str = IXL,
    estimator: str | None = None,
    ax: plt.Axes | None = None,
    unit: str = "bits",
    errorbar: Any = ("pi", 90),
    logx: bool = True,
) -> plt.Axes:
    """A quantity (e.g. I(X;L)) against epoch, one curve per layer, with a band across seeds."""
    if estimator is not None:
        df = df[df["estimator"] == estimator]
    if df.empty:
        raise ValueError("nothing to plot: the DataFrame is empty")
    s = _scale(unit)
    d = df.assign(value=df[quantity] / s, epoch1=df["epoch"] + 1)
    ax = ax or plt.subplots(figsize=(6.4, 4.0))[1]
    sns.lineplot(
        data=d,
        x="epoch1",
        y="value",
        hue="layer",
        errorbar=errorbar,
        ax=ax,
        palette="viridis",
        hue_order=list(dict.fromkeys(d.sort_values("layer_index")["layer"])),
    )
    if logx:
        ax.set_xscale("log")
    sns.move_legend(ax, "center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_xlabel("epoch + 1")
    ax.set_ylabel(f"{quantity} [{unit}]")
    ax.grid(alpha=0.3)
    return ax


def plot_history(runs: Any, *, axes: Sequence[plt.Axes] | None = None, logx: bool = True) -> plt.Figure:
    """Training and evaluation loss and accuracy of one or several runs (mean and range over seeds)."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    hist = pd.concat([r.history.assign(seed=r.seed) for r in runs], ignore_index=True)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    else:
        fig = axes[0].figure
    long = hist.melt(
        id_vars=["epoch", "seed"], value_vars=[c for c in hist.columns if c.endswith(("loss", "acc"))]
    )
    long["split"] = long["variable"].str.split("_").str[0]
    long["epoch1"] = long["epoch"] + 1
    for ax, kind in zip(axes, ("loss", "acc"), strict=False):
        sub = long[long["variable"].str.endswith(kind)]
        sns.lineplot(data=sub, x="epoch1", y="value", hue="split", errorbar=("pi", 100), ax=ax)
        ax.set_ylabel("cross-entropy loss [nats]" if kind == "loss" else "accuracy")
        ax.set_xlabel("epoch + 1")
        if logx:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    return fig


def _curve_panels(data: Any, facet: str | None, title: str | None) -> list[tuple[pd.DataFrame, str | None]]:
    """(frame, title) per panel of :func:`plot_curves_over_epochs`."""
    from collections.abc import Mapping

    if isinstance(data, Mapping):
        if facet is not None:
            raise ValueError("facet= is for a DataFrame; the keys of a mapping are its facets")
        return [(frame, str(key) if title is None else title.format(key)) for key, frame in data.items()]
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame or a mapping of DataFrames, got {type(data).__name__}")
    if facet is None:
        return [(data, title)]
    if facet not in data.columns:
        raise ValueError(f"data lacks the facet column {facet!r}")
    fmt = f"{facet} = {{}}" if title is None else title
    return [(data[data[facet] == v], fmt.format(v)) for v in dict.fromkeys(data[facet])]


def _draw_curve(
    ax: plt.Axes,
    g: pd.DataFrame,
    y: str,
    label: Any,
    *,
    s: float,
    err: str | None,
    n_err: float,
    interval: tuple[str, str] | None,
    band: bool,
) -> None:
    """One curve of :func:`plot_curves_over_epochs`: a line, error bars or a line with a band."""
    x, v = g["epoch"] + 1, g[y] / s
    if err is None and interval is None:
        ax.plot(x, v, marker=".", label=label)
        return
    if err is not None:
        yerr = n_err * g[err] / s
        lo, hi = v - yerr, v + yerr
    else:
        lo, hi = g[interval[0]] / s, g[interval[1]] / s
        yerr = np.vstack([v - lo, hi - v])
    if band:
        (line,) = ax.plot(x, v, marker=".", label=label)
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.25, lw=0)
    else:
        ax.errorbar(x, v, yerr=yerr, marker=".", capsize=2, label=label)


def plot_curves_over_epochs(
    data: pd.DataFrame | dict[Any, pd.DataFrame],
    y: str,
    *,
    err: str | None = None,
    n_err: float = 2.0,
    interval: tuple[str, str] | None = None,
    band: bool = False,
    unit: str | None = None,
    hue: str = "layer",
    hue_order: Sequence[Any] | None = None,
    facet: str | None = None,
    axes: plt.Axes | Sequence[plt.Axes] | np.ndarray | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    hline: float | None = None,
    legend: bool = True,
    panel_size: tuple[float, float] = (4.2, 3.8),
    sharey: bool = True,
    logx: bool = True,
) -> np.ndarray:
    """Curves of ``y`` over epochs, one per ``hue`` value, with error bars or a band, one panel per facet.

    The x axis is ``epoch + 1`` (log scale by default). Each curve may carry an uncertainty:
    ``+- n_err * err`` (e.g. two Monte Carlo standard errors) or a given interval
    ``(lower, upper)``; drawn as error bars (default) or as a shaded band (``band=True``).

    Parameters
    ----------
    data : pandas.DataFrame or mapping
        Rows ``epoch, hue, y`` (and ``err`` or the ``interval`` columns). A mapping
        ``facet value -> DataFrame`` gives one panel per key, in its order.
    y : str
        The column plotted.
    err : str, optional
        Column of the standard error of ``y``; the bars span ``y +- n_err * err``.
    n_err : float, default 2.0
        Multiple of ``err`` shown.
    interval : (str, str), optional
        Columns of a lower and an upper bound of ``y`` (instead of ``err``).
    band : bool, default False
        Draw the uncertainty as a shaded band rather than as error bars.
    unit : {None, "bits", "nats"}
        ``"bits"``: the values (MI estimates in nats) are divided by ln 2; ``None`` or ``"nats"``:
        plotted as they are.
    hue : str, default "layer"
        One curve per value of this column, labelled by it.
    hue_order : sequence, optional
        The hue values drawn, in this order (default: all, in their order of appearance).
    facet : str, optional
        With a DataFrame: one panel per value of this column, in order of appearance.
    axes : Axes or sequence of Axes, optional
        Where to draw, one Axes per panel; default: a new figure, one row of panels.
    title : str, optional
        Panel title; with several facets a format string of the facet value (``"beta = {:g}"``).
        Default: ``"<facet> = <value>"`` for a facet column, the key for a mapping, none otherwise.
    ylabel : str, optional
        Label of the first panel's y axis (default: ``y`` and the unit).
    hline : float, optional
        A reference level (e.g. a ceiling) drawn as a dotted grey line on every panel.
    legend : bool, default True
        A legend of the curves on the last panel.
    panel_size : (float, float), default (4.2, 3.8)
        Size of one panel of a new figure, inches.
    sharey : bool, default True
        Panels of a new figure share their y axis.
    logx : bool, default True
        Log-scaled epoch axis.

    Returns
    -------
    numpy.ndarray
        The panels' Axes, one per facet (a single one without facets), 1-D.

    Raises
    ------
    ValueError
        A missing column, ``err`` and ``interval`` both given, ``facet`` with a mapping, an empty
        selection, an unknown unit, or a number of ``axes`` other than the number of panels.
    """
    if err is not None and interval is not None:
        raise ValueError("give err= or interval=, not both")
    if not isinstance(n_err, (int, float)) or not n_err > 0:
        raise ValueError(f"n_err must be a positive number, got {n_err!r}")
    s = 1.0 if unit is None else _scale(unit)
    panels = _curve_panels(data, facet, title)
    if not panels:
        raise ValueError("nothing to plot: no panels")
    extra = [err] if err is not None else list(interval) if interval is not None else []
    for frame, _ in panels:
        missing = [c for c in ("epoch", hue, y, *extra) if c not in frame.columns]
        if missing:
            raise ValueError(f"data lacks the column(s) {missing}")
        if frame.empty:
            raise ValueError("nothing to plot: a panel's DataFrame is empty")
    if axes is None:
        n = len(panels)
        size = (panel_size[0] * n, panel_size[1])
        _, grid = plt.subplots(1, n, figsize=size, sharey=sharey, constrained_layout=True, squeeze=False)
        axes = grid[0]
    else:
        axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if axes.size != len(panels):
            raise ValueError(f"{axes.size} axes for {len(panels)} panels")
    for ax, (frame, panel_title) in zip(axes, panels, strict=True):
        groups = dict(list(frame.groupby(hue, sort=False)))
        keys = list(groups) if hue_order is None else [k for k in hue_order if k in groups]
        if not keys:
            raise ValueError(f"nothing to plot: none of hue_order {list(hue_order or [])} is in the data")
        for key in keys:
            _draw_curve(ax, groups[key], y, key, s=s, err=err, n_err=n_err, interval=interval, band=band)
        if hline is not None:
            ax.axhline(hline, color="0.6", ls=":", lw=1)
        ax.set(xscale="log" if logx else "linear", xlabel="epoch + 1")
        if panel_title is not None:
            ax.set_title(panel_title)
    axes[0].set_ylabel(ylabel if ylabel is not None else y + (f" [{unit}]" if unit else ""))
    if legend:
        axes[-1].legend(fontsize=8)
    return axes
