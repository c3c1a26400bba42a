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


def test_fig1_table_and_truth_average_the_seeds():
    import pandas as pd

    from ibcore.study.chapters.aa_mine_ib.experiments import Fig1, fig1_table

    sweep = fakes.sweeps(fakes.V3, [([1.0, 3.0, 6.0], [1.0, 1.2, 1.3]), ([2.0, 4.0, 8.0], [1.0, 1.4, 1.5])])
    anchor = pd.concat(
        [
            fakes.anchor(fakes.V3, aa=[0.4, 2.1, 5.0], truth=[0.5, 2.0, 10.0], seed=0),
            fakes.anchor(fakes.V3, aa=[0.6, 1.9, 7.0], truth=[0.7, 2.2, 12.0], seed=1),
        ],
        ignore_index=True,
    )
    fig1 = Fig1(np.asarray(fakes.V3), sweep, anchor, fakes.N_HELDOUT)
    table = fig1_table(fig1)
    assert table.loc[1e-5, "AA-MINE"] == pytest.approx(7.0) and table.loc[1e-3, "MINE"] == pytest.approx(1.3)
    assert table.loc[1e-5, "Eq. 5 truth (linear)"] == pytest.approx(11.0)
    assert table.loc[1e-1, "AA-MINE (linear)"] == pytest.approx(0.5)
    truth = fig1.truth
    assert list(truth.columns) == ["sigma", "variance", "truth"]
    assert list(truth["variance"]) == fakes.V3 and truth["truth"].tolist() == pytest.approx([0.6, 2.1, 11.0])


def test_table1_summary_paper_columns_and_comparability():
    from ibcore.study.chapters.aa_mine_ib.experiments import table1_summary

    t1 = table1_summary(fakes.runs(fakes.ACC), list(fakes.ACC), "default")
    assert t1.same_data == {"MNIST 1%": True, "MNIST 100%": True, "CIFAR-10 partial": False}
    assert t1.comparable == t1.same_data
    first = t1.table.iloc[0]
    assert first["paper (%)"] == 85.78 and first["ours mean (%)"] == pytest.approx(85.0)
    assert first["ours sd (%)"] == pytest.approx(np.std([80.0, 90.0], ddof=1)) and first["seeds"] == 2
    assert t1.accuracy["MNIST 1%"] == {"ce": [80.0, 90.0], "iyl": [80.0, 80.0], "ib": [90.0, 90.0]}
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


def _tiny_mnist(n=80, seed=0):
    import torch

    from ibcore.data import Dataset

    g = torch.Generator().manual_seed(seed)
    return Dataset(torch.rand(n, 784, generator=g), torch.arange(n) % 10, "tiny", "ibcore")


def test_fig1_experiment_runs_one_sweep_per_seed():
    from ibcore._device import torch_threads
    from ibcore.study.chapters.aa_mine_ib.experiments import fig1_experiment

    settings = fakes.settings(
        "smoke", seeds=[0, 1], widths=[8, 4, 2], fig1_variances=[1e-1, 1e-3], fig1_inputs=50, mine_iter=5
    )
    with torch_threads(1):
        fig1 = fig1_experiment(_tiny_mnist(), settings)
    assert fig1.n_heldout == 10 and list(fig1.variances) == [1e-1, 1e-3]
    for frame in (fig1.sweep, fig1.anchor):
        assert (
            sorted(frame["seed"].unique()) == [0, 1] and len(frame) == 2 * 2 * 2
        )  # seeds x sigmas x estimators
    truths = fig1.anchor.drop_duplicates(["seed", "sigma"]).pivot(
        index="sigma", columns="seed", values="truth"
    )
    assert (truths[0] != truths[1]).all()  # each seed draws its own W
    assert len(fig1.truth) == 2


def test_fig3_experiment_quantises_every_seed_and_embeds_the_first():
    from ibcore._device import torch_threads
    from ibcore.study.chapters.aa_mine_ib.experiments import fig3_experiment

    train = _tiny_mnist()
    test = _tiny_mnist(30, seed=1)
    settings = fakes.settings("smoke", seeds=[3, 5], widths=[8, 4, 2], n_steps=2, tsne_points=20)
    with torch_threads(1):
        fig3 = fig3_experiment(train, test.x, test.y, settings)
    assert list(fig3.seed_quant) == [3, 5] and fig3.seed_quant[3] is fig3.quant
    assert set(fig3.seed_quant[5]) == set(settings.tsne_betas) == set(fig3.emb)
    assert fig3.emb[100.0].shape == (20, 2) and fig3.layer1[0.001].shape == (20, 8)
