"""Chapter 1's claims decided on this run, and the numbers and sentences of its prose.

The claims are records declared before any run (:mod:`~.records`); here each is decided on the
page's information planes with intervals over seeds. :func:`seed_drops` gives every seed's drop of
the decisive layer per estimator and activation, :func:`decide` reads one drop interval as
"compresses" / "does not" / "undecided", :func:`two_phase_values` the per-seed size of the
smaller of the two phases, :func:`layer_excess` the per-seed excess of a deeper binned layer over
its predecessor. :func:`claims` turns them into :class:`~ibcore.study.claims.Evaluation` s
(:class:`Claims`), :func:`record_claims` records them on the scorecard, :func:`run_note` states
the runs' settings (the prose: :mod:`~.prose`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ibcore.analysis.summary import LN2, seed_statistics
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.chapters.estimator_dependence.compression_tables import THRESHOLD
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI_TOL
from ibcore.study.chapters.estimator_dependence.mnist import MNIST
from ibcore.study.chapters.estimator_dependence.ours import our_settings
from ibcore.study.chapters.estimator_dependence.records import (
    BINNING_ESTIMATORS,
    COMPRESSES,
    DISAGREE,
    DOES_NOT,
    DPI_BREAK,
    ESTIMATOR_CLAIMS,
    LEVEL,
    MNIST_CLAIM,
    MNIST_ITEMS,
    NO_VERDICT,
    SAXE_ALL,
    SAXE_USED,
    TWO_PHASES,
)
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER
from ibcore.study.claims import Evaluation, Interval, count_meeting, evaluate, t_interval

__all__ = [
    "run_note",
    "seed_drops",
    "decide",
    "decisions",
    "two_phase_values",
    "two_phase_count",
    "applicable",
    "disagreeing",
    "layer_excess",
    "Claims",
    "claims",
    "record_claims",
]

TWO_PHASE_ESTIMATOR = "binning, 30 bins on [-1, 1]"
_LABELS = {"tanh": "tanh", "relu": "ReLU"}


def run_note(settings: Any) -> str:
    """The runs' settings as the scorecard rows state them."""
    return (
        f"SZT, {settings.n_epochs} epochs, lr {settings.lr:g}, {len(settings.seeds)} seeds, "
        f"{settings.n_record} recorded epochs"
    )


# ------------------------------------------------------------------------------------- the statistics


def _layer(name: str, last: str) -> str:
    return "output" if name == "decision rule" else last


def seed_drops(
    planes: pd.DataFrame, *, last: str, order: Sequence[str] = ORDER, acts: Sequence[str] = ACTS
) -> dict[tuple[str, str], np.ndarray]:
    """Each seed's drop of I(X;L) in bits, from its peak to the last recorded epoch, per estimator
    and activation: layer ``last``, the output layer for the decision rule.

    Returns ``{(estimator, activation): drops in seed order}``; a pair without rows for its layer
    is left out (the claim on it is then not comparable).
    """
    out = {}
    for name in order:
        for act in acts:
            sel = planes[(planes["estimator"] == name) & (planes["activation"] == act)]
            layer = _layer(name, last)
            if (sel["layer"] == layer).any():
                out[(name, act)] = seed_statistics(sel, layer=layer)["drop"].to_numpy()
    return out


def decide(interval: Interval) -> str:
    """One drop interval read: ``"compresses"`` (>= 0.1 bit), ``"does not"`` (<= 0.1 bit), ``"undecided"``."""
    if COMPRESSES.decide_one(interval) == "met":
        return "compresses"
    return "does not" if DOES_NOT.decide_one(interval) == "met" else "undecided"


def decisions(
    drops: Mapping[tuple[str, str], np.ndarray], *, order: Sequence[str] = ORDER, acts: Sequence[str] = ACTS
) -> pd.DataFrame:
    """Estimators (rows) x activations: :func:`decide` of the t interval of each one's drops (NaN:
    no data)."""
    cells = {
        act: [
            decide(t_interval(drops[(n, act)], level=LEVEL)) if (n, act) in drops else np.nan for n in order
        ]
        for act in acts
    }
    return pd.DataFrame(cells, index=list(order))


def two_phase_values(
    planes: pd.DataFrame, *, last: str, activation: str = "tanh", estimator: str = TWO_PHASE_ESTIMATOR
) -> np.ndarray:
    """Per seed, the smaller of layer ``last``'s two phases in bits: its rise from the first recorded
    value to its peak (fitting) and its drop from the peak to the last epoch (compression).

    A seed shows both phases by at least a threshold when this value reaches it.
    """
    sel = planes[(planes["activation"] == activation) & (planes["estimator"] == estimator)]
    per_seed = seed_statistics(sel, layer=last)
    fit = per_seed[f"{IXL} peak"] - per_seed[f"{IXL} start"]
    return np.minimum(fit, per_seed["drop"]).to_numpy()


def two_phase_count(
    planes: pd.DataFrame, *, last: str, threshold: float = THRESHOLD, activation: str = "tanh"
) -> tuple[int, int]:
    """``(seeds showing both phases by >= threshold bits, seeds)`` of :func:`two_phase_values`."""
    values = two_phase_values(planes, last=last, activation=activation)
    return int((values >= threshold).sum()), len(values)


NOT_APPLICABLE = {
    "kNN (KSG, k=5)": "a continuous-sample estimator: its I(X;L) on the 12 discrete input bits says little",
    "decision rule": "it reads the output layer, not the last hidden layer the others read",
}
"""Estimators left out of the disagreement for every activation, and why."""

NOT_APPLICABLE_RELU = {
    "binning, 30 bins on [-1, 1]": "ReLU leaves the range [-1, 1]: every activation above 1 falls into "
    "the last bin",
}
"""Estimators left out of the disagreement for ReLU only, and why."""


def applicable(act: str, order: Sequence[str] = ORDER) -> list[str]:
    """The estimators of ``order`` whose answers on ``act``'s last hidden layer the disagreement compares.

    Every estimator of I(X;L) of that layer but those of :data:`NOT_APPLICABLE` (kNN, the decision
    rule) and, for ReLU, of :data:`NOT_APPLICABLE_RELU` (the fixed range [-1, 1]).
    """
    skip = {**NOT_APPLICABLE, **(NOT_APPLICABLE_RELU if act == "relu" else {})}
    return [name for name in order if name not in skip]


def disagreeing(table: pd.DataFrame, acts: Sequence[str] = ACTS) -> tuple[list[str], list[str]]:
    """The activations on which applicable estimators disagree, from a :func:`decisions` table.

    Only the rows of :func:`applicable` count (the same layer, an estimator that applies).
    Returns ``(decided, possible)``: decided where one estimator "compresses" and another "does
    not"; possible where that could still come out with the undecided ones counted either way.
    """
    decided, possible = [], []
    for act in acts:
        col = table.loc[[n for n in applicable(act, list(table.index)) if n in table.index], act].dropna()
        if (col == "compresses").any() and (col == "does not").any():
            decided.append(act)
        if (col != "does not").any() and (col != "compresses").any() and len(col) > 1:
            possible.append(act)
    return decided, possible


def layer_excess(planes: pd.DataFrame, estimators: Sequence[str] = BINNING_ESTIMATORS) -> pd.DataFrame:
    """Every seed's excess in bits of a deeper layer's I(X;L) over its predecessor's (consecutive
    ``layer_index``), per estimator of ``estimators``, activation and epoch (negative: no break).

    Columns ``estimator, activation, epoch, layer, next layer, seed, excess``.
    """
    f = planes[planes["estimator"].isin(estimators)]
    keys = ["estimator", "activation", "seed", "epoch"]
    f = f.sort_values([*keys, "layer_index"])
    nxt = f.groupby(keys, sort=False)[[IXL, "layer"]].shift(-1)
    out = f[[*keys, "layer"]].assign(**{"next layer": nxt["layer"], "excess": (nxt[IXL] - f[IXL]) / LN2})
    out = out[out["next layer"].notna()]
    return out[["estimator", "activation", "epoch", "layer", "next layer", "seed", "excess"]].reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------------- the claims decided


@dataclass(frozen=True)
class Claims:
    """The page's claims decided on this run, and what its prose quotes of them.

    ``evaluations``: one :class:`~ibcore.study.claims.Evaluation` per claim of
    :data:`~.records.CLAIMS`, in scorecard order; ``decisions``: estimators x activations,
    "compresses" / "does not" / "undecided" by the t interval of the drops; ``n_two``/``n_seeds``:
    tanh seeds with both phases / all; ``disagree``: the activations on which estimators give
    opposite decided answers; ``dpi_breaks``: per seed, the DPI breaks of the binning estimators.
    """

    evaluations: tuple[Evaluation, ...]
    decisions: pd.DataFrame
    n_two: int
    n_seeds: int
    disagree: list[str]
    dpi_breaks: np.ndarray

    def get(self, key: str) -> Evaluation:
        """The evaluation of the claim with ``key``."""
        return next(e for e in self.evaluations if e.claim.key == key)

    @property
    def v_saxe(self) -> str:
        return self.get(SAXE_ALL.key).verdict

    @property
    def v_two(self) -> str:
        return self.get(TWO_PHASES.key).verdict

    @property
    def v_dis(self) -> str:
        return self.get(DISAGREE.key).verdict

    @property
    def v_dpi(self) -> str:
        return self.get(DPI_BREAK.key).verdict

    @property
    def n_saxe(self) -> int:
        """Estimators under which tanh compresses and ReLU does not (both intervals decided)."""
        return int(((self.decisions["tanh"] == "compresses") & (self.decisions["relu"] == "does not")).sum())


def _mean_sd(values: np.ndarray) -> str:
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return f"{float(np.mean(values)):.2f} +- {sd:.2f}"


def _counts(drops: Mapping[tuple[str, str], np.ndarray], name: str) -> str:
    kt, nt = count_meeting(COMPRESSES, drops[(name, "tanh")])
    kr, nr = count_meeting(COMPRESSES, drops[(name, "relu")])
    return f"seeds whose own drop is >= {THRESHOLD:g} bit: tanh {kt}/{nt}, ReLU {kr}/{nr}"


_NO_INTERVAL = Interval(0.0, -np.inf, np.inf, LEVEL, "no data", 1)


def _estimator_rows(drops, settings, ours, note, last) -> list[Evaluation]:
    """One row per estimator of :data:`ORDER`: Saxe et al.'s claim, or its own row of Table I."""
    rows = []
    for name in ORDER:
        claim = ESTIMATOR_CLAIMS[name]
        have = all((name, act) in drops for act in ACTS)
        layer = _layer(name, last)
        ivals = {act: t_interval(drops[(name, act)], level=LEVEL) if have else _NO_INTERVAL for act in ACTS}
        single = name == "adaptive binning, 30 bins"  # its row decides the ReLU half only
        our_value = (
            f"drop of {layer}: tanh {_mean_sd(drops[(name, 'tanh')])}, "
            f"ReLU {_mean_sd(drops[(name, 'relu')])} bits ({note})"
            if have
            else f"no {name} estimate of {layer} ({note})"
        )
        if name in NO_VERDICT:
            why = NO_VERDICT[name]
        elif not have:
            why = f"{name} did not run on {layer} for both activations"
        else:
            why = ""
        rows.append(
            evaluate(
                claim,
                ivals["relu"] if single else [ivals[a] for a in ACTS],
                ours,
                our_value=our_value,
                profile=settings.profile,
                items=() if single else [_LABELS[a] for a in ACTS],
                seeds=len(settings.seeds),
                support=_counts(drops, name) if have else "",
                comparable=not why,
                why_not_comparable=why,
            )
        )
    return rows


def _saxe_all(drops, table, settings, ours, note, last) -> Evaluation:
    have = all((n, a) in drops for n in SAXE_USED for a in ACTS)
    stat, items = [], []
    for name in SAXE_USED:
        for act in ACTS:
            stat.append(t_interval(drops[(name, act)], level=LEVEL) if (name, act) in drops else _NO_INTERVAL)
            items.append(f"{name}: {_LABELS[act]}")
    table = table.loc[list(SAXE_USED)]
    both = [
        n for n in SAXE_USED if table.loc[n, "tanh"] == "compresses" and table.loc[n, "relu"] == "does not"
    ]
    n_undecided = int((table == "undecided").sum().sum())
    return evaluate(
        SAXE_ALL,
        stat,
        ours,
        our_value=(
            f"{len(both)} of {len(SAXE_USED)} of Saxe et al.'s estimators show it by their intervals "
            f"(tanh interval >= "
            f"{THRESHOLD:g} bit under {int((table['tanh'] == 'compresses').sum())}, ReLU interval <= "
            f"{THRESHOLD:g} bit under {int((table['relu'] == 'does not').sum())}, {n_undecided} of "
            f"{table.size} intervals undecided; drop of {last}; {note})"
        ),
        profile=settings.profile,
        items=items,
        seeds=len(settings.seeds),
        support="estimators with both halves decided: " + (", ".join(both) or "none"),
        comparable=have,
        why_not_comparable="some estimator did not run on the decisive layer for both activations",
    )


MNIST_ESTIMATORS_SCORED = ("binning, width 0.5", "KDE, var 0.1")
"""Saxe et al.'s MNIST estimators (``artemyk/ibsgd: MNIST_ComputeMI.ipynb``), the items of the MNIST row."""


def _mnist_row(mnist: MNIST | None, settings, ours) -> Evaluation:
    """Saxe et al.'s MNIST claim on the MNIST runs: four intervals over the MNIST seeds."""
    if mnist is None:
        drops = {}
    else:
        drops = seed_drops(mnist.planes, last=mnist.last, order=MNIST_ESTIMATORS_SCORED)
    have = all((n, a) in drops for n in MNIST_ESTIMATORS_SCORED for a in ACTS)
    stat = [
        t_interval(drops[(n, a)], level=LEVEL) if have else _NO_INTERVAL
        for n in MNIST_ESTIMATORS_SCORED
        for a in ACTS
    ]
    n_seeds = len(drops[(MNIST_ESTIMATORS_SCORED[0], "tanh")]) if have else settings.mnist_seeds
    mnote = (
        f"MNIST, {settings.mnist_epochs} epochs, SGD lr {settings.mnist_lr:g}, batch 128, "
        f"{settings.mnist_train} training / {settings.mnist_eval} test images, {n_seeds} seeds"
    )
    our_value = (
        "drop of "
        + f"{mnist.last}: "
        + "; ".join(
            f"{n} tanh {_mean_sd(drops[(n, 'tanh')])}, ReLU {_mean_sd(drops[(n, 'relu')])} bits"
            for n in MNIST_ESTIMATORS_SCORED
        )
        + f" ({mnote})"
        if have
        else f"no MNIST estimate ({mnote})"
    )
    return evaluate(
        MNIST_CLAIM,
        stat,
        ours,
        our_value=our_value,
        profile=settings.profile,
        items=list(MNIST_ITEMS),
        seeds=max(int(n_seeds), 1),
        support="; ".join(
            _counts(drops, n).replace("seeds whose", f"{n}: seeds whose") for n in MNIST_ESTIMATORS_SCORED
        )
        if have
        else "",
        comparable=have,
        why_not_comparable="the MNIST part did not run or lacks an estimator",
    )


def _count_interval(low: int, high: int, n: int, what: str) -> Interval:
    return Interval(float(low), float(low), float(high), LEVEL, f"{what}: decided to possible, of {n}", n)


def claims(
    planes: pd.DataFrame,
    settings: Any,
    *,
    last: str,
    ours: dict[str, Any] | None = None,
    mnist: MNIST | None = None,
) -> Claims:
    """Every claim of :data:`~.records.CLAIMS` decided on ``planes`` (nats, with ``activation``).

    Saxe et al. per estimator: the t intervals over seeds of the tanh and the ReLU drop of layer
    ``last`` (the output for the decision rule), against 0.1 bit from above and from below; over
    all estimators: the same 20 intervals at once. Two phases: the t interval of
    :func:`two_phase_values` of the tanh seeds. Disagreement: the activations on which one
    estimator's interval says "compresses" and another's "does not" (an interval from the decided
    count to the count possible with the undecided intervals). DPI: the t interval over seeds of
    each seed's breaks, (binning estimator, activation, epoch, layer pair) cases in which
    :func:`layer_excess` is above 0.01 bit. Every evaluation carries the deviations of ``ours``
    (default :func:`~.records.our_settings` of ``settings``). Returns the :class:`Claims`.
    """
    ours = our_settings(settings) if ours is None else ours
    note = run_note(settings)
    n_seeds = len(settings.seeds)
    drops = seed_drops(planes, last=last)
    table = decisions(drops)
    rows = _estimator_rows(drops, settings, ours, note, last)
    rows.append(_saxe_all(drops, table, settings, ours, note, last))

    two = two_phase_values(planes, last=last)
    k, n = count_meeting(TWO_PHASES.rule, two)
    rows.append(
        evaluate(
            TWO_PHASES,
            t_interval(two, level=LEVEL),
            ours,
            our_value=(
                f"smaller of the rise and the drop of {last}: {_mean_sd(two)} bits over {n} tanh seeds "
                f"({TWO_PHASE_ESTIMATOR}; {note})"
            ),
            profile=settings.profile,
            seeds=n,
            support=f"{k} of {n} tanh seeds rise >= {THRESHOLD:g} bit, then drop >= {THRESHOLD:g} bit",
        )
    )

    decided, possible = disagreeing(table)
    cols = {act: table.loc[applicable(act, list(table.index)), act] for act in ACTS}
    counts = "; ".join(
        f"{act} ({len(col)} applicable): {int((col == 'compresses').sum())} compress, "
        f"{int((col == 'does not').sum())} do not, {int((col == 'undecided').sum())} undecided"
        for act, col in cols.items()
    )
    rows.append(
        evaluate(
            DISAGREE,
            _count_interval(len(decided), len(possible), len(ACTS), "activations"),
            ours,
            our_value=(
                f"estimators give opposite decided answers on compression for {len(decided)} of {len(ACTS)} "
                f"activations ({', '.join(decided) or 'none'}; possible for {len(possible)}; {note})"
            ),
            profile=settings.profile,
            seeds=n_seeds,
            support=counts,
        )
    )

    excess = layer_excess(planes)
    breaks = (excess["excess"] > DPI_TOL / LN2).groupby(excess["seed"]).sum().to_numpy()
    kd, nd = count_meeting(DPI_BREAK.rule, breaks) if breaks.size else (0, 0)
    rows.append(
        evaluate(
            DPI_BREAK,
            t_interval(breaks, level=LEVEL) if breaks.size else _NO_INTERVAL,
            ours,
            our_value=(
                f"{breaks.mean() if breaks.size else 0.0:.1f} breaks per seed: {int(breaks.sum())} "
                "(seed, epoch, layer pair) "
                f"cases of binning with a deeper layer > 0.01 bit above its predecessor ({note})"
            ),
            profile=settings.profile,
            seeds=nd or None,
            support=f"{kd} of {nd} seeds break it at least once",
            comparable=bool(breaks.size),
            why_not_comparable="no binning estimate of two consecutive layers",
        )
    )
    rows.append(_mnist_row(mnist, settings, ours))
    return Claims(tuple(rows), table, k, n, decided, breaks)


def record_claims(notebook: str, result: Claims) -> pd.DataFrame:
    """Record the evaluations of ``result`` on the scorecard, in order; returns the page's rows (the card)."""
    if not result.evaluations:
        raise ValueError("no claims to record")
    card = None
    for evaluation in result.evaluations:
        card = scorecard.record_evaluation(notebook, evaluation)
    return card
