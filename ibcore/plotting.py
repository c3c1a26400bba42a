"""Plots of the information plane and of training runs, readable at book width.

Estimates are stored in nats; the plots show bits (divide by ln 2), as the papers do.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    **kwargs: Any,
) -> plt.Figure:
    """One information-plane panel per value of ``by`` (e.g. per estimator or per seed)."""
    keys = list(dict.fromkeys(df[by]))
    nrows = int(np.ceil(len(keys) / ncols))
    ncols = min(ncols, len(keys))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
        squeeze=False,
        constrained_layout=True,
    )
    for ax, key in zip(axes.flat, keys, strict=False):
        sub = df[df[by] == key]
        title = str(key) if by == "estimator" else f"{by} = {key}"
        plot_information_plane(sub, ax=ax, unit=unit, title=title, **kwargs)
    for ax in list(axes.flat)[len(keys) :]:
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
