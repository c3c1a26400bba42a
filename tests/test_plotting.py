"""Plots of ``ibcore.plotting``: what each draws, on small synthetic frames."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ibcore.plotting import plot_curves_over_epochs

# --- plot_curves_over_epochs -------------------------------------------------------------------


def _curves(beta: float = 0.1) -> pd.DataFrame:
    """Two layers over epochs 0, 9, 99 with a standard error and an interval."""
    v = np.array([1.0, 2.0, 1.5, 3.0, 2.5, 2.0]) * np.log(2)  # nats: bits 1, 2, 1.5, 3, 2.5, 2
    return pd.DataFrame(
        {
            "layer": ["a"] * 3 + ["b"] * 3,
            "epoch": [0, 9, 99] * 2,
            "value": v,
            "stderr": np.full(6, 0.1 * np.log(2)),
            "lo": v - 0.2,
            "hi": v + 0.5,
            "beta": beta,
        }
    )


def test_curves_over_epochs_errorbars_bits_and_labels():
    axes = plot_curves_over_epochs(_curves(), "value", err="stderr", unit="bits", hline=3.5)
    assert axes.shape == (1,)
    ax = axes[0]
    bars = ax.containers
    assert len(bars) == 2 and [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    line, (segments,) = bars[0].lines[0], bars[0].lines[2]
    np.testing.assert_allclose(np.asarray(line.get_xdata(), float), [1, 10, 100])
    np.testing.assert_allclose(np.asarray(line.get_ydata(), float), [1.0, 2.0, 1.5])  # nats shown in bits
    spans = [seg[:, 1] for seg in segments.get_segments()]
    np.testing.assert_allclose([s[1] - s[0] for s in spans], [0.4, 0.4, 0.4])  # +- 2 s.e. in bits
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "epoch + 1"
    assert ax.get_ylabel() == "value [bits]"
    dotted = [h for h in ax.lines if h.get_linestyle() == ":"]
    assert len(dotted) == 1 and np.allclose(np.asarray(dotted[0].get_ydata(), float), 3.5)
    plt.close("all")


def test_curves_over_epochs_facets_band_and_interval():
    frames = {0.005: _curves(0.005), 0.1: _curves(0.1)}
    axes = plot_curves_over_epochs(frames, "value", interval=("lo", "hi"), band=True, title="beta = {:g}")
    assert [ax.get_title() for ax in axes] == ["beta = 0.005", "beta = 0.1"]
    assert all(len(ax.collections) == 2 and not ax.containers for ax in axes)  # one band per curve
    assert axes[0].get_legend() is None and axes[1].get_legend() is not None
    lows = axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert lows.min() == pytest.approx(np.log(2) - 0.2)  # the interval, not a standard error
    long = pd.concat(frames.values(), ignore_index=True)
    axes = plot_curves_over_epochs(long, "value", facet="beta", legend=False)
    assert [ax.get_title() for ax in axes] == ["beta = 0.005", "beta = 0.1"]
    assert [len(ax.lines) for ax in axes] == [2, 2] and axes[1].get_legend() is None
    plt.close("all")


def test_curves_over_epochs_on_given_axes_with_hue_order():
    fig, axes = plt.subplots(1, 2)
    out = plot_curves_over_epochs(_curves(), "value", hue_order=["b"], axes=axes[1], ylabel="v", title="t")
    assert out[0] is axes[1] and len(axes[0].lines) == 0
    assert [line.get_label() for line in axes[1].lines] == ["b"]
    assert (axes[1].get_ylabel(), axes[1].get_title()) == ("v", "t")
    plot_curves_over_epochs(_curves(), "value", hue_order=["b", "a"], axes=[axes[0]], logx=False)
    assert [line.get_label() for line in axes[0].lines] == ["b", "a"] and axes[0].get_xscale() == "linear"
    plt.close("all")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"err": "stderr", "interval": ("lo", "hi")}, "not both"),
        ({"err": "missing"}, "lacks the column"),
        ({"facet": "nope"}, "facet column"),
        ({"unit": "bytes"}, "unit"),
        ({"n_err": 0}, "n_err"),
        ({"hue_order": ["z"]}, "hue_order"),
        ({"axes": "two"}, "axes for"),
    ],
)
def test_curves_over_epochs_refuses_bad_input(kwargs, match):
    if kwargs.get("axes") == "two":
        kwargs = {"axes": plt.subplots(1, 2)[1]}
    with pytest.raises(ValueError, match=match):
        plot_curves_over_epochs(_curves(), "value", **kwargs)
    with pytest.raises(ValueError, match="facet="):
        plot_curves_over_epochs({1: _curves()}, "value", facet="beta")
    with pytest.raises(ValueError, match="empty"):
        plot_curves_over_epochs(_curves().iloc[:0], "value")
    with pytest.raises(TypeError, match="DataFrame"):
        plot_curves_over_epochs([1, 2], "value")
    plt.close("all")


# --- plot_information_plane_grid ---------------------------------------------------------------


def _plane() -> pd.DataFrame:
    """Estimators "e1", "e2" x activations "tanh", "relu", two seeds, layers l1, l2, epochs 0, 1, 2."""
    rows = [
        {
            "estimator": est,
            "activation": act,
            "seed": seed,
            "layer": f"l{k}",
            "layer_index": k,
            "epoch": epoch,
            "I(X;L)": (3 - k + 0.1 * epoch) * np.log(2),
            "I(Y;L)": 0.3 * epoch * np.log(2),
        }
        for est in ("e1", "e2")
        for act in ("tanh", "relu")
        for seed in (0, 1)
        for k in (1, 2)
        for epoch in (0, 1, 2)
    ]
    return pd.DataFrame(rows)


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def test_information_plane_grid_facets_rows_by_columns():
    from ibcore.plotting import plot_information_plane_grid

    fig = plot_information_plane_grid(
        _plane(),
        col="activation",
        order=["e2", "e1"],
        col_order=["tanh", "relu"],
        n_inputs={"e1": 8, "e2": 64},
    )
    panels = _panels(fig)
    assert len(panels) == 4 and len(fig.axes) == 4 + 2  # one colour bar per row, on its last column
    assert [ax.get_title() for ax in panels] == ["tanh: e2", "relu: e2", "tanh: e1", "relu: e1"]
    assert all(len(ax.lines) == 2 + 1 for ax in panels)  # a line per layer and the log N line
    ceiling = [ln for ln in panels[0].lines if ln.get_linestyle() == ":"]
    assert len(ceiling) == 1 and np.allclose(np.asarray(ceiling[0].get_xdata(), float), 6.0)  # log2 64
    assert np.allclose(np.asarray(panels[2].lines[-1].get_xdata(), float), 3.0)  # log2 8
    assert tuple(fig.get_size_inches()) == pytest.approx((4.6 * 2, 3.6 * 2))
    plt.close("all")


def test_information_plane_grid_wraps_without_col_and_formats_titles():
    from ibcore.plotting import plot_information_plane_grid

    df = _plane()[lambda d: d["activation"] == "tanh"]
    fig = plot_information_plane_grid(df, by="estimator", ncols=3, n_inputs=16, unit="nats", colorbar=False)
    panels = _panels(fig)
    assert len(fig.axes) == 2 and [ax.get_title() for ax in panels] == ["e1", "e2"]  # no colour bar
    assert np.allclose(np.asarray(panels[0].lines[-1].get_xdata(), float), np.log(16))  # nats
    fig = plot_information_plane_grid(
        df[df["estimator"] == "e1"], by="seed", ncols=1, title="MNIST {by} {key}", panel_size=(3, 2)
    )
    assert [ax.get_title() for ax in _panels(fig)] == ["MNIST seed 0", "MNIST seed 1"]
    assert all(len(ax.lines) == 2 for ax in _panels(fig))  # no n_inputs: no ceiling line
    fig = plot_information_plane_grid(df, by="estimator", ncols=3)
    assert [ax.get_visible() for ax in fig.axes[:2]] == [True, True] and len(_panels(fig)) == 2
    plt.close("all")


def test_information_plane_grid_refuses_bad_input():
    from ibcore.plotting import plot_information_plane_grid

    df = _plane()
    with pytest.raises(ValueError, match="no column 'nope'"):
        plot_information_plane_grid(df, col="nope")
    with pytest.raises(ValueError, match="both 'estimator'"):
        plot_information_plane_grid(df, col="estimator")
    with pytest.raises(ValueError, match="n_inputs has no entry"):
        plot_information_plane_grid(df, col="activation", n_inputs={"e1": 8})
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_information_plane_grid(df, col="activation", order=["e1", "absent"])
    plt.close("all")
