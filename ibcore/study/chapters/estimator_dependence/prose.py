"""The numbers and sentences of chapter 1's prose, from the claims decided on this run.

:func:`glue_values` gives every glue name of the page, with :func:`dead_sentence`,
:func:`worst_text`, :func:`mnist_text` and :func:`geo_sentence`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI, Geometry
from ibcore.study.chapters.estimator_dependence.mnist import MNIST
from ibcore.study.chapters.estimator_dependence.records import (
    DISAGREE,
    DPI_BREAK,
    MNIST_CLAIM,
    SAXE_ALL,
    TWO_PHASES,
)
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, SZTRuns
from ibcore.study.chapters.estimator_dependence.verdicts import Claims

__all__ = ["dead_sentence", "worst_text", "mnist_text", "geo_sentence", "glue_values"]


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
    """The MNIST decisions in words, e.g. ``"KDE, var 0.1: tanh compresses, ReLU does not"``."""
    return "; ".join(
        f"{name}: tanh {comp.loc[name, 'tanh']}, ReLU {comp.loc[name, 'relu']}" for name in comp.index
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
        "acc_seeds": "; ".join(f"{a}: " + ", ".join(f"{x:.3f}" for x in v) for a, v in acc.items()),
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
        "v_mnist": result.get(MNIST_CLAIM.key).verdict,
        "why_mnist": result.get(MNIST_CLAIM.key).reason,
        "why_saxe": result.get(SAXE_ALL.key).reason,
        "why_two": result.get(TWO_PHASES.key).reason,
        "why_dis": result.get(DISAGREE.key).reason,
        "why_dpi": result.get(DPI_BREAK.key).reason,
    }
