"""The information-plane computation over recorded runs, and the plots drawn from it."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks keep the inline backend

import numpy as np
import pandas as pd
import pytest
import torch

import ibcore
from ibcore.infoplane import IXL, IYL, KDE, Binning, DecisionRule, PairwiseMI, information_plane
from ibcore.plotting import plot_information_plane, plot_information_plane_grid, plot_mi_over_epochs


def fake_run(seed=0, n=256, epochs=(0, 1, 5, 10)):
    """A run-shaped object: two layers whose activations change over epochs in a known way."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (n, 6), generator=g).float()
    y = x[:, 0].long()  # the label is the first input bit
    e = len(epochs)
    scale = torch.linspace(0.1, 3.0, e)[:, None, None]  # units saturate more and more
    w1 = torch.randn(6, 4, generator=g)
    l1 = torch.tanh(scale * (x @ w1)[None])  # (E, N, 4)
    out = torch.stack([torch.softmax(s * torch.stack([x[:, 0], 1 - x[:, 0]], 1), 1) for s in scale[:, 0, 0]])
    return SimpleNamespace(
        seed=seed,
        epochs=np.array(epochs),
        layers=["layer1", "output"],
        activations={"layer1": l1.half(), "output": out.half()},
        x_eval=x,
        y_eval=y,
    )


def test_binning_columns_equal_direct_calls():
    run = fake_run()
    df = information_plane(run, Binning(n_bins=30, value_range=(-1, 1)), progress=False)
    assert list(df.columns[:5]) == ["estimator", "seed", "layer", "layer_index", "epoch"]
    assert len(df) == 2 * len(run.epochs)
    for e_idx, epoch in enumerate(run.epochs):
        direct = ibcore.mi_binning(
            run.activations["layer1"][e_idx].float(), run.y_eval, n_bins=30, value_range=(-1, 1)
        )
        row = df[(df.layer == "layer1") & (df.epoch == epoch)].iloc[0]
        assert row[IXL] == pytest.approx(direct.i_xl, abs=1e-12)
        assert row[IYL] == pytest.approx(direct.i_yl, abs=1e-12)


def test_information_plane_obeys_its_bounds():
    run = fake_run()
    df = information_plane(run, [Binning(), KDE(noise_var=0.1)], progress=False)
    h_y = float(-(np.log(0.5)))  # labels are a fair-ish coin; I(Y;L) <= H(Y) <= log 2
    assert (df[IYL] <= df[IXL] + 1e-9).all()  # data processing: I(Y;L) <= I(X;L) for both estimators
    assert (df[IYL] <= h_y + 1e-9).all()
    assert (df[IXL] <= np.log(len(run.x_eval)) + 1e-9).all()  # at most log N
    kde = df[df.estimator.str.startswith("KDE")]
    assert (kde[f"{IXL} lower"] <= kde[IXL] + 1e-9).all()  # lower <= upper
    # the output layer's label information grows as the softmax sharpens (known by construction)
    out = df[(df.layer == "output") & (df.estimator.str.startswith("binning"))].sort_values("epoch")
    assert out[IYL].iloc[-1] > out[IYL].iloc[0]


def test_seeds_layers_and_epoch_subsets():
    runs = [fake_run(seed=s) for s in (0, 1, 2)]
    df = information_plane(runs, {"b": Binning()}, layers=["output"], epochs=[1, 10], progress=False)
    assert sorted(df.seed.unique()) == [0, 1, 2]
    assert set(df.layer) == {"output"} and set(df.epoch) == {1, 10}
    assert set(df.estimator) == {"b"}


def test_decision_rule_and_pairwise_adapters():
    run = fake_run()
    dr = information_plane(run, DecisionRule(), layers=["output"], progress=False)
    # the predicted class is the first input bit at every epoch, so I(Y; L-hat) = H(Y)
    h_y = float(
        pd.Series(run.y_eval.numpy()).value_counts(normalize=True).pipe(lambda p: -(p * np.log(p)).sum())
    )
    assert np.allclose(dr[IYL], h_y, atol=1e-9)
    pw = information_plane(
        run,
        PairwiseMI(ibcore.mi_ksg, {"k": 3, "jitter": 1e-6}),
        layers=["layer1"],
        epochs=[10],
        progress=False,
    )
    assert len(pw) == 1 and np.isfinite(pw[[IXL, IYL]].to_numpy()).all()


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"layers": ["nope"]}, ValueError, "not recorded"),
        ({"epochs": [3]}, ValueError, "epochs \\[3\\] were not recorded"),
        ({"estimators": []}, ValueError, "estimators is empty"),
        ({"estimators": [42]}, TypeError, "estimate\\(x, y\\) or be a function"),
    ],
)
def test_information_plane_errors(kwargs, err, match):
    kwargs.setdefault("estimators", Binning())
    with pytest.raises(err, match=match):
        information_plane(fake_run(), progress=False, **kwargs)


def test_plots_draw_one_line_per_layer():
    df = information_plane([fake_run(0), fake_run(1)], [Binning(), KDE()], progress=False)
    ax = plot_information_plane(df, estimator="binning (30 bins)")
    assert len(ax.lines) == 2  # one connecting line per layer
    assert ax.get_xlabel() == "I(X;L) [bits]"
    with pytest.raises(ValueError, match="several estimators"):
        plot_information_plane(df)
    with pytest.raises(ValueError, match="unit"):
        plot_information_plane(df, estimator="binning (30 bins)", unit="bans")
    fig = plot_information_plane_grid(df, by="estimator")
    assert sum(a.get_visible() for a in fig.axes if a.get_label() != "<colorbar>") >= 2
    plot_mi_over_epochs(df, estimator="binning (30 bins)")
    matplotlib.pyplot.close("all")
