"""Chapter 1's claims decided on this run, and the numbers and sentences of its prose.

The claims are records declared before any run (:mod:`~.records`); here each is decided on the
page's information planes with intervals over seeds. :func:`seed_drops` gives every seed's drop of
the decisive layer per estimator and activation, :func:`decide` reads one drop interval as
"compresses" / "does not" / "undecided", :func:`two_phase_values` the per-seed size of the
smaller of the two phases, :func:`layer_excess` the per-seed excess of a deeper binned layer over
its predecessor. :func:`claims` turns them into :class:`~ibcore.study.claims.Evaluation` s
(:class:`Claims`), :func:`record_claims` records them on the scorecard, :func:`run_note` states
the runs' settings; :func:`glue_values` gives the prose's numbers and sentences, with
:func:`dead_sentence`, :func:`worst_text`, :func:`mnist_text` and :func:`geo_sentence`.
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
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI, DPI_TOL, Geometry
from ibcore.study.chapters.estimator_dependence.mnist import MNIST
from ibcore.study.chapters.estimator_dependence.records import (
    BINNING_ESTIMATORS,
    COMPRESSES,
    DISAGREE,
    DOES_NOT,
    DPI_BREAK,
    LEVEL,
    SAXE_ALL,
    SAXE_CLAIMS,
    TWO_PHASES,
    our_settings,
)
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER, SZTRuns
from ibcore.study.claims import Evaluation, Interval, count_meeting, evaluate, t_interval

__all__ = [
    "run_note",
    "seed_drops",
    "decide",
    "decisions",
    "two_phase_values",
    "two_phase_count",
    "disagreeing",
    "layer_excess",
    "Claims",
    "claims",
    "record_claims",
    "dead_sentence",
    "worst_text",
    "mnist_text",
    "geo_sentence",
    "glue_values",
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


def disagreeing(table: pd.DataFrame, acts: Sequence[str] = ACTS) -> tuple[list[str], list[str]]:
    """The activations on which estimators disagree, from a :func:`decisions` table.

    Returns ``(decided, possible)``: decided where one estimator "compresses" and another "does
    not"; possible where that could still come out with the undecided ones counted either way.
    """
    decided, possible = [], []
    for act in acts:
        col = table[act].dropna()
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


def _support(drops: Mapping[tuple[str, str], np.ndarray], name: str) -> str:
    kt, nt = count_meeting(COMPRESSES, drops[(name, "tanh")])
    kr, nr = count_meeting(DOES_NOT, drops[(name, "relu")])
    return f"tanh {kt}/{nt} seeds >= {THRESHOLD:g} bit, ReLU {kr}/{nr} seeds <= {THRESHOLD:g} bit"


_NO_INTERVAL = Interval(0.0, -np.inf, np.inf, LEVEL, "no data", 1)


def _saxe_rows(drops, settings, ours, note, last) -> list[Evaluation]:
    rows = []
    for name in ORDER:
        have = all((name, act) in drops for act in ACTS)
        layer = _layer(name, last)
        stat = [t_interval(drops[(name, act)], level=LEVEL) if have else _NO_INTERVAL for act in ACTS]
        our_value = (
            f"drop of {layer}: tanh {_mean_sd(drops[(name, 'tanh')])}, "
            f"ReLU {_mean_sd(drops[(name, 'relu')])} bits ({note})"
            if have
            else f"no {name} estimate of {layer} ({note})"
        )
        rows.append(
            evaluate(
                SAXE_CLAIMS[name],
                stat,
                ours,
                our_value=our_value,
                profile=settings.profile,
                items=[_LABELS[a] for a in ACTS],
                seeds=len(settings.seeds),
                support=_support(drops, name) if have else "",
                comparable=have,
                why_not_comparable=f"{name} did not run on {layer} for both activations",
            )
        )
    return rows


def _saxe_all(drops, table, settings, ours, note, last) -> Evaluation:
    have = all((n, a) in drops for n in ORDER for a in ACTS)
    stat, items = [], []
    for name in ORDER:
        for act in ACTS:
            stat.append(t_interval(drops[(name, act)], level=LEVEL) if (name, act) in drops else _NO_INTERVAL)
            items.append(f"{name}: {_LABELS[act]}")
    both = [n for n in ORDER if table.loc[n, "tanh"] == "compresses" and table.loc[n, "relu"] == "does not"]
    n_undecided = int((table == "undecided").sum().sum())
    return evaluate(
        SAXE_ALL,
        stat,
        ours,
        our_value=(
            f"{len(both)} of {len(ORDER)} estimators show it by their intervals (tanh interval >= "
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


def _count_interval(low: int, high: int, n: int, what: str) -> Interval:
    return Interval(float(low), float(low), float(high), LEVEL, f"{what}: decided to possible, of {n}", n)


def claims(planes: pd.DataFrame, settings: Any, *, last: str, ours: dict[str, Any] | None = None) -> Claims:
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
    rows = _saxe_rows(drops, settings, ours, note, last)
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
    counts = "; ".join(
        f"{act}: {int((table[act] == 'compresses').sum())} compress, {int((table[act] == 'does not').sum())} "
        f"do not, {int((table[act] == 'undecided').sum())} undecided"
        for act in ACTS
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
    return Claims(tuple(rows), table, k, n, decided, breaks)


def record_claims(notebook: str, result: Claims) -> pd.DataFrame:
    """Record the evaluations of ``result`` on the scorecard, in order; returns the page's rows (the card)."""
    if not result.evaluations:
        raise ValueError("no claims to record")
    card = None
    for evaluation in result.evaluations:
        card = scorecard.record_evaluation(notebook, evaluation)
    return card


# ------------------------------------------------------------------------------------------- prose


def dead_sentence(acc: Mapping[str, np.ndarray], *, chance: float = 0.6) -> str:
    """The prose's sentence on failed seeds: those whose final accuracy is below ``chance``.

    ``acc`` maps activation -> final accuracies of its seeds (H(Y) ~ 1 bit, so below 0.6 is
    near chance: a narrow ReLU layer can lose all its units to the zero side).
    """
    dead = [a for a, v in acc.items() if v.min() < chance]
    if not dead:
        return "Every seed trained to well above chance accuracy."
    text = " and ".join(f"{int((acc[a] < chance).sum())} of {len(acc[a])} {a} seeds" for a in dead)
    return (
        f"{text[0].upper()}{text[1:]} stayed near chance accuracy (a narrow ReLU layer "
        "can lose all its units to the zero side); their curves enter the means and spreads above, and the "
        "per-seed counts in the verdict table show how much they weigh."
    )


def worst_text(worst: Mapping[str, Any] | None) -> str:
    """The largest DPI excess of any estimator in words (``"none"`` without a violation)."""
    if worst is None:
        return "none"
    return (
        f"{worst['estimator']}, {worst['activation']}, seed {worst['seed']}, epoch {worst['epoch']}: "
        f"{worst['next layer']} exceeds {worst['layer']} by {worst['excess'] / LN2:.2f} bits"
    )


def mnist_text(comp: pd.DataFrame) -> str:
    """The MNIST verdicts in words, e.g. ``"KDE, var 0.1: tanh compresses, ReLU no"`` per estimator."""
    return "; ".join(
        f"{name}: tanh {'compresses' if comp.loc[name, 'tanh'] else 'no'}, ReLU "
        f"{'compresses' if comp.loc[name, 'relu'] else 'no'}"
        for name in comp.index
    )


def geo_sentence(rho: Mapping[str, float]) -> str:
    """Whether the binned curve tracks the geometry: rank correlation <= -0.5 with saturation and >= 0.5
    with the distance ratio (our reading of "tracks"), as the prose's sentence.
    """
    tracks = rho["rho vs saturation"] <= -0.5 and rho["rho vs ratio"] >= 0.5
    if tracks:
        return (
            "compression in the binned plane went with the representation saturating and "
            "its classes drawing together"
        )
    return (
        "at this profile the binned curve did not clearly follow saturation and clustering "
        "(rank correlations beyond +-0.5 are our reading of 'tracks')"
    )


def _names(table: pd.DataFrame, act: str, what: str) -> str:
    return ", ".join(table.index[table[act] == what]) or "none"


def glue_values(
    settings: Any,
    szt: SZTRuns,
    result: Claims,
    dpi: DPI,
    sweeps: tuple[pd.DataFrame, pd.DataFrame],
    mnist: MNIST,
    geometry: Geometry,
) -> dict[str, Any]:
    """The numbers and sentences of the page's prose, name -> value, for :func:`glue_all`.

    ``sweeps`` is :func:`sensitivity`'s ``(sweeps, ksweeps)``. The compression counts and lists
    read the interval decisions of ``result`` (:func:`decisions`); the verdicts ``v_*`` and their
    reasons ``why_*`` its evaluations. Returns a dict in the prose's glue names (counts as
    ``int``, the rest as strings).
    """
    table = result.decisions
    acc = szt.accuracy()
    sweep, ksweep = sweeps
    rho = geometry.correlations.loc[("tanh", "binning, 30 bins on [-1, 1]")]
    undecided = [f"{n} ({a})" for n in table.index for a in ACTS if table.loc[n, a] == "undecided"]
    return {
        "run_profile": settings.profile,
        "n_saxe": result.n_saxe,
        "n_est": len(table),
        "n_tanh": int((table["tanh"] == "compresses").sum()),
        "n_relu": int((table["relu"] == "compresses").sum()),
        "n_two": result.n_two,
        "n_seeds": result.n_seeds,
        "n_dpi_bin": dpi.n_binning,
        "n_dpi_seeds": int((result.dpi_breaks > 0).sum()),
        "disagree": ", ".join(result.disagree) or "neither activation",
        "tanh_yes": _names(table, "tanh", "compresses"),
        "relu_yes": _names(table, "relu", "compresses"),
        "undecided": ", ".join(undecided) or "none",
        "acc_text": ", ".join(f"{a} {v.mean():.3f} (lowest seed {v.min():.3f})" for a, v in acc.items()),
        "dead_sentence": dead_sentence(acc),
        "worst_text": worst_text(dpi.worst),
        "sweep_text": f"from {sweep[IXL].min() / LN2:.1f} to {sweep[IXL].max() / LN2:.1f} bits",
        "ksweep_text": f"from {ksweep[IXL].min() / LN2:.2f} to {ksweep[IXL].max() / LN2:.1f} bits",
        "m_text": mnist_text(mnist.compresses),
        "rho_text": f"{rho['rho vs ratio']:.2f} with the distance ratio, {rho['rho vs saturation']:.2f} "
        f"with saturation and {rho['rho vs diameter']:.2f} with the diameter",
        "geo_sentence": geo_sentence(rho),
        "v_saxe": result.v_saxe,
        "v_two": result.v_two,
        "v_dis": result.v_dis,
        "v_dpi": result.v_dpi,
        "why_saxe": result.get(SAXE_ALL.key).reason,
        "why_two": result.get(TWO_PHASES.key).reason,
        "why_dis": result.get(DISAGREE.key).reason,
        "why_dpi": result.get(DPI_BREAK.key).reason,
    }
