"""Bin-width and KDE-variance sweeps and data-processing-inequality checks (ibcore.analysis.sensitivity)."""

import math

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.sensitivity import bin_width_sweep, dpi_violations, kde_variance_sweep
from ibcore.estimators.binning import mi_binning
from ibcore.estimators.kde import mi_kde
from ibcore.interface import IXL


def _layer(n=512, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(size=(n, d))), rng.integers(0, 2, n)


def test_bin_width_sweep_reaches_log_n_for_tiny_bins_and_zero_for_huge():
    h, y = _layer()
    t = bin_width_sweep(h, y, [1e-6, 0.07, 0.5, 100.0])
    # continuous tanh values of 512 inputs are distinct: 1e-6 bins separate every one -> log N
    assert t[IXL].iloc[0] == pytest.approx(math.log(512), abs=1e-12)
    # one bin per sign pattern at width 100 (floor(h / 100) is 0 or -1 per unit): at most 3 bits
    assert t[IXL].iloc[-1] <= 3 * math.log(2) + 1e-12
    # coarser bins never increase the entropy here (nested widths 1e-6 .. 0.5 are not nested in
    # general, but the trend over decades is monotone on this data)
    assert np.all(np.diff(t[IXL].to_numpy()) <= 1e-12)
    assert (t["I(Y;L)"] <= t[IXL] + 1e-12).all()


def test_bin_width_sweep_matches_mi_binning_row_by_row():
    h, y = _layer(seed=1)
    t = bin_width_sweep(h, y, [0.07, 0.3])
    for w, row in zip([0.07, 0.3], t.itertuples(index=False), strict=True):
        r = mi_binning(h, labels=y, bin_width=w)
        assert row[1] == pytest.approx(r.i_xl, abs=1e-12) and row[2] == pytest.approx(r.i_yl, abs=1e-12)


def test_kde_variance_sweep_is_monotone_and_bounded():
    h, y = _layer(n=256, seed=2)
    t = kde_variance_sweep(h, y, [1e-6, 1e-3, 0.1, 100.0])
    # tiny noise resolves all 256 inputs: both bounds -> log N; huge noise resolves nothing -> ~0
    assert t[IXL].iloc[0] == pytest.approx(math.log(256), abs=1e-6)
    # huge noise: the pairwise-KL upper bound is about E||h_i - h_j||^2 / (2 sigma^2) ~ 2.4 / 200
    assert t[IXL].iloc[-1] < 0.05
    assert np.all(np.diff(t[IXL].to_numpy()) < 0)
    assert (t[f"{IXL} lower"] <= t[IXL] + 1e-12).all()
    r = mi_kde(h, labels=y, noise_var=0.1)
    assert t[IXL].iloc[2] == pytest.approx(r.i_xl.upper, abs=1e-12)


@pytest.mark.parametrize("bad", [[], [0.1, -1.0], "0.1"])
def test_sweeps_reject_bad_lists(bad):
    h, y = _layer(n=16)
    with pytest.raises((ValueError, TypeError)):
        bin_width_sweep(h, y, bad)
    with pytest.raises((ValueError, TypeError)):
        kde_variance_sweep(h, y, bad)


def test_dpi_violations_hand_made_frame():
    df = pd.DataFrame(
        {
            "estimator": ["e"] * 6,
            "seed": [0] * 6,
            "epoch": [0, 0, 0, 5, 5, 5],
            "layer": ["l1", "l2", "l3"] * 2,
            "layer_index": [1, 2, 3] * 2,
            IXL: [3.0, 2.0, 2.0, 3.0, 3.5, 1.0],
        }
    )
    v = dpi_violations(df)
    assert v[["epoch", "layer", "next layer"]].values.tolist() == [[5, "l1", "l2"]]
    assert v["excess"].iloc[0] == pytest.approx(0.5)
    assert dpi_violations(df, tol=1.0).empty


def test_binning_can_break_the_dpi_on_a_deterministic_map():
    # L2 = 10 * L1 is a function of L1, so the true I(X;L2) <= I(X;L1); the same 30 bins on a
    # fixed range see L1 in 2 bins and L2 in all 30: binning breaks the inequality
    l1 = np.linspace(-0.1, 0.1, 400)[:, None]
    l2 = 10 * l1
    rows = []
    for i, layer in enumerate([l1, l2], start=1):
        r = mi_binning(layer, n_bins=30, value_range=(-1, 1))
        rows.append({"seed": 0, "epoch": 0, "layer": f"l{i}", "layer_index": i, IXL: r.i_xl})
    v = dpi_violations(pd.DataFrame(rows))
    assert len(v) == 1 and v["excess"].iloc[0] > 1.0


def test_dpi_violations_compare_layers_within_a_group_only():
    # two networks (groups "a", "b") with the same seed and epoch: no violation inside either,
    # but b's first layer (1.0) < a's second (2.0) would be one if the groups were mixed
    df = pd.DataFrame(
        {
            "activation": ["a", "a", "b", "b"],
            "seed": 0,
            "epoch": 0,
            "layer": ["l1", "l2", "l1", "l2"],
            "layer_index": [1, 2, 1, 2],
            IXL: [3.0, 2.0, 1.0, 0.5],
        }
    )
    assert dpi_violations(df, groups=("activation",)).empty
    with pytest.raises(ValueError, match="lacks"):
        dpi_violations(df, groups=("nope",))


def test_dpi_violations_errors():
    with pytest.raises(TypeError):
        dpi_violations([1, 2])
    with pytest.raises(ValueError, match="lacks"):
        dpi_violations(pd.DataFrame({"seed": [0]}))
