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

from ibcore.analysis.summary import compression_table
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER

__all__ = [
    "THRESHOLD",
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


# ------------------------------------------------------------------------ does the last layer compress?


def compression(planes: pd.DataFrame, *, last: str, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Per (estimator, activation): does the last hidden layer compress? (:func:`compression_table`)

    The layer ``last`` for every estimator but the decision rule, whose row reads the output
    layer. Returns the table indexed by ``(estimator, activation)`` (drop mean/sd/min/max in
    bits, seeds, seeds compressing, compresses), the decision rule's rows last.
    """
    hidden_planes = planes[planes["estimator"] != "decision rule"]
    table = compression_table(
        hidden_planes, layer=last, threshold=threshold, groups=("estimator", "activation")
    )
    rule = compression_table(
        planes[planes["estimator"] == "decision rule"],
        layer="output",
        threshold=threshold,
        groups=("estimator", "activation"),
    )
    return pd.concat([table, rule])


def verdict_cell(row: Mapping[str, Any]) -> str:
    """One cell of the verdict table, e.g. ``"compresses (0.42 +- 0.10; 3/5)"`` or ``"no (...)"``.

    ``row`` is a row of :func:`compression`: the verdict, the mean drop +- its sd (0 when the sd
    is NaN, one seed) and the seeds compressing out of all.
    """
    sd = 0 if np.isnan(row["drop sd"]) else row["drop sd"]
    verdict = "compresses" if row["compresses"] else "no"
    return f"{verdict} ({row['drop mean']:.2f} +- {sd:.2f}; {row['seeds compressing']}/{row['seeds']})"


def verdict_table(
    table: pd.DataFrame, *, last: str, order: Sequence[str] = ORDER, acts: Sequence[str] = ACTS
) -> pd.DataFrame:
    """The page's verdict table: one row per estimator (``order``), a :func:`verdict_cell` per activation."""
    cell = table.apply(verdict_cell, axis=1)
    verdicts = cell.unstack("activation").reindex(order)[list(acts)]
    verdicts.columns.name = f"drop of I(X;L), {last} (output for the decision rule): mean +- sd bits; seeds"
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
