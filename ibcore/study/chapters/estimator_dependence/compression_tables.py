"""Chapter 1's question: does the last hidden layer compress, estimator by estimator?

:func:`compression` reads the fall of I(X;L) of the last hidden layer (the output layer for the
decision rule) per estimator and activation against :data:`THRESHOLD`; :func:`verdict_table`
(cells of :func:`verdict_cell`) and :func:`table_one` (marks of :func:`table_one_mark`, Geiger's
Table I) are the page's two views of it, and :func:`compression_counts` counts the estimators
under which Saxe et al.'s pattern holds (tanh compresses, ReLU does not) into
:class:`CompressionCounts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ibcore.analysis.summary import compression_table
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER

__all__ = [
    "THRESHOLD",
    "INTERVAL_LEVEL",
    "interval_decision",
    "by_interval",
    "compression",
    "verdict_cell",
    "verdict_table",
    "CompressionCounts",
    "compression_counts",
    "table_one_mark",
    "table_one",
]

THRESHOLD = 0.1
"""Bits: the fall of I(X;L) from its peak to the last recorded epoch that counts as compression (ours)."""

INTERVAL_LEVEL = 0.95
"""Level of the t interval over seeds by which a row "compresses" (the claims' ``LEVEL``)."""


def interval_decision(mean: float, sd: float, n: int, *, threshold: float = THRESHOLD) -> str:
    """Read the t interval over ``n`` seeds of a drop (mean, sd with ddof 1) against ``threshold``.

    The rule of the page, fixed before the run: a layer **compresses** when the whole 95 % t
    interval of its drop over the seeds lies at or above the threshold, **does not** when it lies
    at or below it, and is **undecided** when it straddles it (or ``n`` < 2: no interval). Not the
    mean alone, and not a majority of seeds: one seed's large fall must not make a row
    "compress" (the mean can), and a majority vote ignores how far the others are from the
    threshold. The interval is the one of :func:`ibcore.study.claims.t_interval`, so this table
    and the scorecard cannot disagree. Returns ``"compresses"``, ``"does not"`` or ``"undecided"``.
    """
    if n < 2 or not np.isfinite(mean):
        return "undecided"
    sd = 0.0 if not np.isfinite(sd) else float(sd)
    half = float(stats.t.ppf((1 + INTERVAL_LEVEL) / 2, n - 1) * sd / np.sqrt(n))
    if mean - half >= threshold:
        return "compresses"
    return "does not" if mean + half <= threshold else "undecided"


def by_interval(table: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """``table`` (of :func:`compression_table`) with ``decision`` by :func:`interval_decision` and
    ``compresses`` = decision is "compresses" (instead of the mean alone)."""
    decision = [
        interval_decision(m, sd, int(n), threshold=threshold)
        for m, sd, n in zip(table["drop mean"], table["drop sd"], table["seeds"], strict=True)
    ]
    return table.assign(decision=decision, compresses=[d == "compresses" for d in decision])


# ------------------------------------------------------------------------ does the last layer compress?


def compression(planes: pd.DataFrame, *, last: str, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Per (estimator, activation): does the last hidden layer compress? (:func:`compression_table`)

    The layer ``last`` for every estimator but the decision rule, whose row reads the output
    layer. Returns the table indexed by ``(estimator, activation)`` (drop mean/sd/min/max in
    bits, seeds, seeds compressing: each seed's own drop >= threshold, ``decision`` and
    ``compresses`` by the t interval over seeds, :func:`interval_decision`), the decision rule's
    rows last.
    """
    parts = []
    for rows, layer in (
        (planes[planes["estimator"] != "decision rule"], last),
        (planes[planes["estimator"] == "decision rule"], "output"),
    ):
        if len(rows):
            parts.append(
                compression_table(rows, layer=layer, threshold=threshold, groups=("estimator", "activation"))
            )
    return by_interval(pd.concat(parts), threshold)


def verdict_cell(row: Mapping[str, Any]) -> str:
    """One cell of the verdict table, e.g. ``"compresses (0.42 +- 0.10; 3/5)"`` or ``"does not (...)"``.

    ``row`` is a row of :func:`compression`: the decision by the t interval over seeds
    ("compresses", "does not", "undecided"), the mean drop +- its sd (0 when the sd is NaN, one
    seed) and the seeds whose own drop reaches the threshold, out of all.
    """
    sd = 0 if np.isnan(row["drop sd"]) else row["drop sd"]
    verdict = row["decision"]
    return f"{verdict} ({row['drop mean']:.2f} +- {sd:.2f}; {row['seeds compressing']}/{row['seeds']})"


def verdict_table(
    table: pd.DataFrame, *, last: str, order: Sequence[str] = ORDER, acts: Sequence[str] = ACTS
) -> pd.DataFrame:
    """The page's verdict table: one row per estimator (``order``), a :func:`verdict_cell` per activation."""
    cell = table.apply(verdict_cell, axis=1)
    verdicts = cell.unstack("activation").reindex(order)[list(acts)]
    verdicts.columns.name = (
        f"drop of I(X;L), {last} (output for the decision rule): decision by the t interval over seeds; "
        "mean +- sd bits; seeds >= 0.1 bit"
    )
    return verdicts


@dataclass(frozen=True)
class CompressionCounts:
    """Which estimators say "compresses", per activation, and the counts of Saxe et al.'s claim.

    ``comp``: bool frame, estimators (in order) x activations; ``n_est``: estimators;
    ``n_saxe``: estimators under which tanh compresses and ReLU does not; ``n_tanh``,
    ``n_relu``: estimators under which that activation compresses.
    """

    comp: pd.DataFrame
    n_est: int
    n_saxe: int
    n_tanh: int
    n_relu: int


def compression_counts(table: pd.DataFrame, *, order: Sequence[str] = ORDER) -> CompressionCounts:
    """Count the estimators that show Saxe et al.'s pattern (tanh compresses, ReLU does not).

    ``table`` is :func:`compression`'s (activations ``"tanh"`` and ``"relu"``). Returns the
    :class:`CompressionCounts`.
    """
    comp = table["compresses"].unstack("activation").reindex(order)
    saxe_pattern = comp["tanh"] & ~comp["relu"]  # Saxe et al.: tanh compresses, ReLU does not
    return CompressionCounts(
        comp=comp,
        n_est=len(comp),
        n_saxe=int(saxe_pattern.sum()),
        n_tanh=int(comp["tanh"].sum()),
        n_relu=int(comp["relu"].sum()),
    )


def table_one_mark(row: Mapping[str, Any]) -> str:
    """Geiger's Table I mark of one row: "✓" every seed compresses, "×" none does, "~" some do."""
    k, n = int(row["seeds compressing"]), int(row["seeds"])
    return "✓" if k == n else "×" if k == 0 else "~"


def table_one(table: pd.DataFrame, profile: str, *, order: Sequence[str] = ORDER) -> pd.DataFrame:
    """Our rows of Geiger's Table I: one row per activation, a :func:`table_one_mark` per estimator."""
    table_i = table.apply(table_one_mark, axis=1).unstack("estimator")[list(order)]
    table_i.index = [f"SZT MLP, {a}, Adam, {profile}" for a in table_i.index]
    return table_i
