"""Three checks of what chapter 1's estimates mean, beside the compression verdicts.

:func:`sensitivity` sweeps the estimators' knobs (bin width :data:`BIN_WIDTHS`, KDE noise variance
:data:`NOISE_VARS`) on the last recorded epoch; :func:`dpi_table` counts the cases in which a
deeper layer's I(X;L) exceeds its predecessor's by more than :data:`DPI_TOL` (breaking the
data-processing inequality) into :class:`DPI`; :func:`geometry_beside_information` sets the last
hidden layer's distance statistics (:data:`GEOMETRY_STATS`) beside its I(X;L) under
:data:`GEOMETRY_ESTIMATORS` and :func:`rank_correlations` relates the two, into :class:`Geometry`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ConstantInputWarning, spearmanr

from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.sensitivity import bin_width_sweep, dpi_violations, kde_variance_sweep
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER, SZTRuns

__all__ = [
    "BIN_WIDTHS",
    "NOISE_VARS",
    "sensitivity",
    "DPI_TOL",
    "DPI",
    "dpi_table",
    "GEOMETRY_ESTIMATORS",
    "GEOMETRY_STATS",
    "rank_correlations",
    "Geometry",
    "geometry_beside_information",
]

# ------------------------------------------------------------------------------------- sensitivity

BIN_WIDTHS = np.geomspace(1e-5, 10, 13)
"""The bin widths of the sensitivity sweep."""

NOISE_VARS = np.geomspace(1e-6, 10, 8)
"""The KDE noise variances of the sensitivity sweep."""


def sensitivity(szt: SZTRuns, kde_index: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binned I(X;L) against bin width and the KDE bound against noise variance.

    At the last recorded epoch of each activation's first seed, for the first and the last
    hidden layer (the KDE bound on the inputs ``kde_index``). Returns ``(sweeps, ksweeps)``:
    the frames of :func:`bin_width_sweep` and :func:`kde_variance_sweep` (nats) with columns
    ``activation`` and ``layer`` added.
    """
    sweeps, ksweeps = [], []
    for act, rs in szt.runs.items():
        r0 = rs[0]
        for name in (szt.hidden[0], szt.last):
            acts_last = r0.activations[name][-1].double()
            sweeps.append(
                bin_width_sweep(acts_last, r0.y_eval, BIN_WIDTHS).assign(activation=act, layer=name)
            )
            ksweeps.append(
                kde_variance_sweep(acts_last[kde_index], r0.y_eval[kde_index], NOISE_VARS).assign(
                    activation=act, layer=name
                )
            )
    return pd.concat(sweeps), pd.concat(ksweeps)


# ---------------------------------------------------------------------- the data-processing inequality

DPI_TOL = 0.01 * LN2
"""Nats: excesses of a deeper layer below 0.01 bit are ignored."""


@dataclass(frozen=True)
class DPI:
    """Violations of the data-processing inequality between consecutive layers.

    ``table``: per (estimator, activation) the violations, the (seed, epoch) pairs and the
    largest excess in bits (NaN where none); ``n_binning``: the violations of the binning
    estimators (the scorecard counts these); ``worst``: the row of the largest excess of any
    estimator (:func:`dpi_violations`' columns), ``None`` when there is no violation.
    """

    table: pd.DataFrame
    n_binning: int
    worst: pd.Series | None


def dpi_table(
    planes: pd.DataFrame,
    *,
    order: Sequence[str] = ORDER,
    acts: Sequence[str] = ACTS,
    tol: float = DPI_TOL,
) -> DPI:
    """Count, per estimator and activation, the (seed, epoch, layer pair) cases that break the DPI.

    A case is a deeper layer's I(X;L) more than ``tol`` nats above its predecessor's. The binning
    count sums the estimators whose name starts with "binning" or "adaptive". Returns the
    :class:`DPI`.
    """
    viol = dpi_violations(planes, tol=tol, groups=("activation",))
    pairs = (
        planes.groupby(["estimator", "activation"])[["seed", "epoch"]]
        .apply(lambda g: len(g.drop_duplicates()))
        .rename("seed-epochs")
    )
    counts = viol.groupby(["estimator", "activation"]).size().rename("violations")
    dpi = pd.concat([counts, pairs], axis=1).fillna(0).astype(int)
    dpi["largest excess [bits]"] = (viol.groupby(["estimator", "activation"])["excess"].max() / LN2).round(2)
    dpi = dpi.reindex(pd.MultiIndex.from_product([order, acts])).dropna(how="all")
    binning = [i for i in dpi.index if i[0].startswith(("binning", "adaptive"))]
    n_binning = int(dpi.loc[binning, "violations"].sum())
    worst = viol.loc[viol["excess"].idxmax()] if len(viol) else None
    return DPI(table=dpi, n_binning=n_binning, worst=worst)


# --------------------------------------------------------------------------- geometry beside information

GEOMETRY_ESTIMATORS = (
    "binning, 30 bins on [-1, 1]",
    "binning, 30 bins on each epoch's range",
    "KDE, var 0.1",
)
"""The estimators whose I(X;L) the geometry is set beside."""

GEOMETRY_STATS = {
    "ratio": "within / between-class distance",
    "saturation": "saturated fraction (|a| > 0.99)",
    "diameter": "diameter",
}
"""The distance statistics of :func:`geometry_frame` shown, with their axis labels."""


def rank_correlations(
    info: pd.Series,
    stats: pd.DataFrame,
    *,
    acts: Sequence[str] = ACTS,
    estimators: Sequence[str] = GEOMETRY_ESTIMATORS,
) -> pd.DataFrame:
    """Spearman rank correlation over epochs between each I(X;L) curve and each geometric statistic.

    ``info`` is indexed by ``(activation, estimator, epoch)``; ``stats`` by ``(activation,
    epoch)`` with the columns of :data:`GEOMETRY_STATS` (read at ``info``'s epochs). NaN where a
    curve is constant (without scipy's warning). Returns a frame indexed by ``(activation,
    estimator)``, a row per activation and estimator in the given order, with a column
    ``"rho vs <statistic>"`` per statistic.
    """
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantInputWarning)  # a constant curve has no rank correlation
        for act in acts:
            for name in estimators:
                s = info.loc[(act, name)]
                g = stats.loc[act].loc[s.index]
                rho = {
                    f"rho vs {c}": spearmanr(s.to_numpy(), g[c].to_numpy()).statistic for c in GEOMETRY_STATS
                }
                rows.append({"activation": act, "estimator": name, **rho})
    return pd.DataFrame(rows).set_index(["activation", "estimator"])


@dataclass(frozen=True)
class Geometry:
    """The last hidden layer's geometry beside its I(X;L), means over seeds.

    ``stats``: distance ratio, saturation and diameter indexed by ``(activation, epoch)``;
    ``info``: I(X;L) in bits of :data:`GEOMETRY_ESTIMATORS`, indexed by ``(activation,
    estimator, epoch)``; ``correlations``: :func:`rank_correlations` of the two.
    """

    stats: pd.DataFrame
    info: pd.Series
    correlations: pd.DataFrame


def geometry_beside_information(szt: SZTRuns, planes: pd.DataFrame, settings: Any) -> Geometry:
    """The last hidden layer's distance statistics on ``settings.geometry_inputs`` inputs (seed
    ``settings.seed``) beside its I(X;L) under :data:`GEOMETRY_ESTIMATORS`. Returns the :class:`Geometry`.
    """
    geo_idx = input_subsample(szt.n_inputs, settings.geometry_inputs, seed=settings.seed)
    geo = pd.concat(
        [
            geometry_frame([subsample_run(r, geo_idx) for r in rs], layers=[szt.last]).assign(activation=act)
            for act, rs in szt.runs.items()
        ]
    )
    stats = geo.groupby(["activation", "epoch"])[list(GEOMETRY_STATS)].mean()
    sel = planes[(planes["layer"] == szt.last) & planes["estimator"].isin(GEOMETRY_ESTIMATORS)]
    info = sel.groupby(["activation", "estimator", "epoch"])[IXL].mean() / LN2
    return Geometry(stats=stats, info=info, correlations=rank_correlations(info, stats, acts=list(szt.runs)))
