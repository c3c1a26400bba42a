"""The DPI count and the rank correlations of chapter 1 (estimator_dependence.estimator_checks) on
small synthetic frames (values in nats; ``B`` = ln 2, one bit).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.study.chapters.estimator_dependence.estimator_checks import dpi_table, rank_correlations
from ibcore.study.chapters.estimator_dependence.prose import worst_text

from . import fakes

B = LN2


# --- the data-processing inequality ----------------------------------------------------------------


def test_dpi_table_counts_binning_violations_only_for_the_scorecard():
    rows = []
    for act in ("tanh", "relu"):
        # binning: l2 above l1 by 1 bit at epoch 1 of both seeds (tanh) -> 2 violations
        up = [1 * B, 2 * B] if act == "tanh" else [1 * B, 1 * B]
        rows += fakes.plane_rows("binning, width 0.07", act, "l1", 1, [1 * B, 1 * B])
        rows += fakes.plane_rows("binning, width 0.07", act, "l2", 2, up)
        # KDE: a larger excess (2 bits) at one seed, not counted for the scorecard
        rows += fakes.plane_rows("KDE, var 0.1", act, "l1", 1, [1 * B, 1 * B])
        rows += fakes.plane_rows(
            "KDE, var 0.1", act, "l2", 2, [3 * B, 1 * B] if act == "relu" else [1 * B, 1 * B], seeds=[0]
        )
        rows += fakes.plane_rows("KDE, var 0.1", act, "l2", 2, [1 * B, 1 * B], seeds=[1])
        # adaptive binning: an excess below the 0.01-bit tolerance
        rows += fakes.plane_rows("adaptive binning, 30 bins", act, "l1", 1, [1 * B, 1 * B])
        rows += fakes.plane_rows("adaptive binning, 30 bins", act, "l2", 2, [1.005 * B, 1 * B])
    dpi = dpi_table(pd.DataFrame(rows))
    assert dpi.n_binning == 2
    assert dpi.table.loc[("binning, width 0.07", "tanh"), "violations"] == 2
    assert dpi.table.loc[("KDE, var 0.1", "relu"), "violations"] == 1
    assert dpi.table.loc[("binning, width 0.07", "tanh"), "seed-epochs"] == 4
    assert dpi.table.loc[("KDE, var 0.1", "relu"), "largest excess [bits]"] == pytest.approx(2.0)
    assert dpi.worst["estimator"] == "KDE, var 0.1" and dpi.worst["activation"] == "relu"
    assert worst_text(dpi.worst) == "KDE, var 0.1, relu, seed 0, epoch 0: l2 exceeds l1 by 2.00 bits"
    assert list(dpi.table.index.get_level_values(0).unique()) == [
        "binning, width 0.07",
        "adaptive binning, 30 bins",
        "KDE, var 0.1",
    ]  # the page's order
    flat = dpi_table(pd.DataFrame([r for r in rows if r["estimator"] == "adaptive binning, 30 bins"]))
    assert flat.n_binning == 0 and flat.worst is None
    assert worst_text(None) == "none"


# --- geometry ----------------------------------------------------------------------------------------


def test_rank_correlations_signs_and_constant_curves():
    epochs = [0, 1, 2, 3]
    idx = pd.MultiIndex.from_product([["tanh"], ["E"], epochs], names=["activation", "estimator", "epoch"])
    info = pd.Series([1.0, 2.0, 3.0, 4.0], index=idx)
    stats = pd.DataFrame(
        {"ratio": [0.1, 0.2, 0.5, 0.9, 7.0], "saturation": [0.9, 0.5, 0.2, 0.1, 0.0], "diameter": 1.0},
        index=pd.MultiIndex.from_product([["tanh"], [0, 1, 2, 3, 4]], names=["activation", "epoch"]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the constant diameter must not warn
        rho = rank_correlations(info, stats, acts=["tanh"], estimators=["E"])
    assert rho.loc[("tanh", "E"), "rho vs ratio"] == pytest.approx(1.0)
    assert rho.loc[("tanh", "E"), "rho vs saturation"] == pytest.approx(-1.0)
    assert np.isnan(rho.loc[("tanh", "E"), "rho vs diameter"])
