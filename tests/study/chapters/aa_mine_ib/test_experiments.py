"""The page's experiments (aa_mine_ib.experiments, Elad et al. 2019) on hand-made results.

Fig. 1's table from hand-made sweeps, Table 1's summary from hand-made runs, and :func:`load_data`'s
refusal of an unknown CIFAR-10 choice (no data is loaded).
"""

import numpy as np
import pytest

from . import fakes


def test_fig1_table_rows_and_columns():
    from ibcore.study.chapters.aa_mine_ib.experiments import Fig1, fig1_table

    fig1 = Fig1(
        np.asarray(fakes.V3),
        fakes.sweep(fakes.V3, aa=[1.0, 3.0, 6.0], mi=[1.0, 1.2, 1.3], aa_diverged=[False, False, True]),
        fakes.anchor(fakes.V3, aa=[0.4, 2.1, 5.0], truth=[0.5, 2.0, 10.0]),
        fakes.N_HELDOUT,
    )
    table = fig1_table(fig1)
    assert list(table.index) == fakes.V3
    assert list(table.columns) == [
        "AA-MINE",
        "MINE",
        "diverged fits",
        "Eq. 5 truth (linear)",
        "AA-MINE (linear)",
    ]
    assert table.loc[1e-5, "diverged fits"] == 1 and table.loc[1e-3, "Eq. 5 truth (linear)"] == 2.0
    assert table.loc[1e-1, "AA-MINE (linear)"] == 0.4


def test_table1_summary_paper_columns_and_comparability():
    from ibcore.study.chapters.aa_mine_ib.experiments import table1_summary

    t1 = table1_summary(fakes.runs(fakes.ACC), list(fakes.ACC), "default")
    assert t1.same_data == {"MNIST 1%": True, "MNIST 100%": True, "CIFAR-10 partial": False}
    assert t1.comparable == t1.same_data
    first = t1.table.iloc[0]
    assert first["paper (%)"] == 85.78 and first["ours mean (%)"] == pytest.approx(85.0)
    assert first["ours sd (%)"] == pytest.approx(np.std([80.0, 90.0], ddof=1)) and first["seeds"] == 2
    cifar = t1.table[t1.table["data set"] == "CIFAR-10 partial"]
    assert np.isnan(cifar["paper (%)"]).all()
    assert list(cifar["paper, full CIFAR-10 (%) - not comparable"]) == [58.23, 60.59, 61.75]
    assert not any(table1_summary(fakes.runs(fakes.ACC), list(fakes.ACC), "smoke").comparable.values())
    # with only paper data sets the "not comparable" column is all NaN and dropped
    only = {k: fakes.ACC[k] for k in ("MNIST 1%",)}
    columns = table1_summary(fakes.runs(only), only, "default").table.columns
    assert "paper, full CIFAR-10 (%) - not comparable" not in columns


def test_load_data_refuses_an_unknown_cifar_choice():
    from ibcore.study.chapters.aa_mine_ib.experiments import load_data

    with pytest.raises(ValueError, match="cifar_data must be 'full' or 'partial'"):
        load_data(10, "half")
