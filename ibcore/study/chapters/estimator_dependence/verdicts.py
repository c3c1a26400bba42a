"""Chapter 1's scorecard rows, verdicts and the numbers and sentences of its prose.

:func:`claims` turns the compression table, :class:`CompressionCounts`, the two phases
(:func:`two_phase_count`), the estimators' disagreement (:func:`disagreeing`) and the DPI count
into the page's scorecard rows and verdicts (:class:`Claims`; :func:`record_claims` records them,
:func:`run_note` states the runs' settings, :data:`SAXE_USED` the estimators Saxe et al. used);
:func:`glue_values` gives the prose's numbers and sentences, with :func:`dead_sentence`,
:func:`worst_text`, :func:`mnist_text` and :func:`geo_sentence`.
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
from ibcore.study.chapters.estimator_dependence.compression_tables import THRESHOLD, CompressionCounts
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI, Geometry
from ibcore.study.chapters.estimator_dependence.mnist import MNIST
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER, SZTRuns

__all__ = [
    "SAXE_USED",
    "run_note",
    "two_phase_count",
    "disagreeing",
    "Claims",
    "claims",
    "record_claims",
    "dead_sentence",
    "worst_text",
    "mnist_text",
    "geo_sentence",
    "glue_values",
]

# -------------------------------------------------------------------------------- claims and prose

SAXE_USED = ("binning, 30 bins on [-1, 1]", "binning, width 0.07", "KDE, var 1e-3", "KDE, var 0.1")
"""The estimators Saxe et al. themselves used."""


def run_note(settings: Any) -> str:
    """The runs' settings as the scorecard rows state them."""
    return (
        f"SZT, {settings.n_epochs} epochs, lr {settings.lr:g}, {len(settings.seeds)} seeds, "
        f"{settings.n_record} recorded epochs"
    )


def two_phase_count(
    planes: pd.DataFrame, *, last: str, threshold: float = THRESHOLD, activation: str = "tanh"
) -> tuple[int, int]:
    """Seeds whose layer ``last`` shows both of Shwartz-Ziv & Tishby's phases with 30 bins on [-1, 1].

    A seed does when its I(X;L) first rises by at least ``threshold`` bits from its first recorded
    value to its peak (fitting) and then falls by at least ``threshold`` (compression). Returns
    ``(seeds showing both, seeds)`` for ``activation``.
    """
    sel = planes[
        (planes["activation"] == activation) & (planes["estimator"] == "binning, 30 bins on [-1, 1]")
    ]
    per_seed = seed_statistics(sel, layer=last)
    fit = per_seed[f"{IXL} peak"] - per_seed[f"{IXL} start"]
    return int(((fit >= threshold) & (per_seed["drop"] >= threshold)).sum()), len(per_seed)


def disagreeing(comp: pd.DataFrame, acts: Sequence[str] = ACTS) -> list[str]:
    """The activations for which some estimators say "compresses" and others "no" (``comp``: bool frame)."""
    return [act for act in acts if comp[act].any() and not comp[act].all()]


@dataclass(frozen=True)
class Claims:
    """The page's scorecard rows and what its prose quotes of them.

    ``rows``: ``(paper, claim, paper value, our value, verdict)`` in recording order (one row per
    estimator on Saxe et al.'s claim, then the claim over all estimators, the two phases, the
    estimators' disagreement and the DPI); ``v_saxe``, ``v_two``, ``v_dis``, ``v_dpi``: the
    verdicts of the last four; ``n_two``/``n_seeds``: tanh seeds with both phases / all;
    ``disagree``: the activations on which estimators disagree.
    """

    rows: list[tuple[str, str, str, str, str]]
    v_saxe: str
    v_two: str
    v_dis: str
    v_dpi: str
    n_two: int
    n_seeds: int
    disagree: list[str]


def claims(
    table: pd.DataFrame,
    counts: CompressionCounts,
    planes: pd.DataFrame,
    *,
    last: str,
    n_dpi_bin: int,
    settings: Any,
    threshold: float = THRESHOLD,
    order: Sequence[str] = ORDER,
    acts: Sequence[str] = ACTS,
) -> Claims:
    """Every claim of the page: paper value, our value and verdict.

    Saxe et al. per estimator (reproduced when tanh compresses and ReLU does not, partly when one
    of the two holds: :func:`scorecard.verdict_count` of 2 checks) and over all estimators
    (``counts.n_saxe`` of ``counts.n_est``); Shwartz-Ziv & Tishby's two phases
    (:func:`two_phase_count` of the tanh seeds); Geiger's disagreement (at least one activation
    in :func:`disagreeing`) and DPI (at least one binning violation, ``n_dpi_bin``). Returns the
    :class:`Claims`.
    """
    prof = settings.profile
    note = run_note(settings)
    n_two, n_seeds = two_phase_count(planes, last=last, threshold=threshold)
    disagree = disagreeing(counts.comp, acts)
    rows = []
    for name in order:
        row_t, row_r = table.loc[(name, "tanh")], table.loc[(name, "relu")]
        ok = int(row_t["compresses"]) + int(not row_r["compresses"])
        paper_value = (
            "tanh: compression; ReLU: none (Figs. 1-2)"
            if name in SAXE_USED
            else "tanh: compression; ReLU: none (their claim; estimator not used by them)"
        )
        ours = (
            f"drop of {'output' if name == 'decision rule' else last}: tanh {row_t['drop mean']:.2f} "
            f"+- {np.nan_to_num(row_t['drop sd']):.2f}, ReLU {row_r['drop mean']:.2f} "
            f"+- {np.nan_to_num(row_r['drop sd']):.2f} bits (compresses: >= {threshold:g}; {note})"
        )
        verdict = scorecard.verdict_count(ok, 2, profile=prof)
        rows.append(("saxe2018", f"tanh compresses, ReLU does not - {name}", paper_value, ours, verdict))
    v_saxe = scorecard.verdict_count(counts.n_saxe, counts.n_est, profile=prof)
    v_two = scorecard.verdict_count(n_two, n_seeds, profile=prof)
    v_dis = scorecard.verdict_threshold(len(disagree), at_least=1, profile=prof)
    v_dpi = scorecard.verdict_threshold(n_dpi_bin, at_least=1, profile=prof)
    rows += [
        (
            "saxe2018",
            "tanh compresses, ReLU does not (all estimators, same runs)",
            "tanh: compression; ReLU: none, with binning and KDE (Figs. 1-2)",
            f"{counts.n_saxe} of {counts.n_est} estimators show it (tanh compresses under {counts.n_tanh}, "
            f"ReLU under {counts.n_relu}; drop of {last} >= {threshold:g} bit, mean over seeds; {note})",
            v_saxe,
        ),
        (
            "shwartzziv2017",
            "Two phases: fitting, then compression (tanh, 30 bins)",
            "I(X;L) rises, then falls in the last hidden layers (Fig. 3)",
            f"{n_two} of {n_seeds} seeds: {last} rises >= {threshold:g} bit then drops "
            f">= {threshold:g} bit ({note})",
            v_two,
        ),
        (
            "geiger2021",
            "Planes from different estimators disagree on the same runs",
            "IPs by different estimators are not comparable (Sec. II)",
            f"estimators disagree on compression for {len(disagree)} of {len(acts)} activations "
            f"({', '.join(disagree) or 'none'}; {note})",
            v_dis,
        ),
        (
            "geiger2021",
            "Binning can break the data-processing inequality",
            "I(X;Q(L_l)) < I(X;Q(L_l+1)) possible (Sec. III-A)",
            f"{n_dpi_bin} (seed, epoch, layer pair) cases with a deeper layer > 0.01 bit "
            f"above its predecessor ({note})",
            v_dpi,
        ),
    ]
    return Claims(rows, v_saxe, v_two, v_dis, v_dpi, n_two, n_seeds, disagree)


def record_claims(notebook: str, settings: Any, result: Claims) -> pd.DataFrame:
    """Record the rows of ``result`` on the scorecard (in order); returns the notebook's rows (the card)."""
    card = None
    for row in result.rows:
        card = scorecard.record(notebook, settings.profile, *row)
    if card is None:
        raise ValueError("no claims to record")
    return card


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


def glue_values(
    settings: Any,
    szt: SZTRuns,
    counts: CompressionCounts,
    result: Claims,
    dpi: DPI,
    sweeps: tuple[pd.DataFrame, pd.DataFrame],
    mnist: MNIST,
    geometry: Geometry,
) -> dict[str, Any]:
    """The numbers and sentences of the page's prose, name -> value, for :func:`glue_all`.

    ``sweeps`` is :func:`sensitivity`'s ``(sweeps, ksweeps)``. Returns a dict in the prose's
    glue names (counts as ``int``, the rest as strings).
    """
    comp = counts.comp
    acc = szt.accuracy()
    sweep, ksweep = sweeps
    rho = geometry.correlations.loc[("tanh", "binning, 30 bins on [-1, 1]")]
    return {
        "run_profile": settings.profile,
        "n_saxe": counts.n_saxe,
        "n_est": counts.n_est,
        "n_tanh": counts.n_tanh,
        "n_relu": counts.n_relu,
        "n_two": result.n_two,
        "n_seeds": result.n_seeds,
        "n_dpi_bin": dpi.n_binning,
        "disagree": ", ".join(result.disagree) or "neither activation",
        "tanh_yes": ", ".join(comp.index[comp["tanh"]]) or "none",
        "relu_yes": ", ".join(comp.index[comp["relu"]]) or "none",
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
    }
