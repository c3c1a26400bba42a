"""Tests of ibcore.analysis.summary: per-layer summaries, per-seed statistics, the compression table."""

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import (
    LN2,
    compresses,
    compression_table,
    layer_summary,
    mean_over_seeds,
    seed_statistics,
)
from ibcore.interface import IXL, IYL


def frame(curves, *, estimator="binning"):
    """A long frame from {(seed, layer, layer_index): (I(X;L) per epoch, I(Y;L) per epoch)}."""
    rows = []
    for (seed, layer, li), (ixl, iyl) in curves.items():
        for e, (a, b) in enumerate(zip(ixl, iyl, strict=False)):
            rows.append(
                {
                    "estimator": estimator,
                    "seed": seed,
                    "layer": layer,
                    "layer_index": li,
                    "epoch": 10 * e,
                    IXL: a,
                    IYL: b,
                }
            )
    return pd.DataFrame(rows)


# Two seeds, two layers; the layer named "a" is the deeper one, so network order is b, a.
CURVES = {
    (0, "b", 1): ([1.0, 3.0, 2.0, 2.5], [0.1, 0.2, 0.3, 0.4]),
    (1, "b", 1): ([1.0, 2.0, 2.0, 1.5], [0.3, 0.2, 0.1, 0.6]),
    (0, "a", 2): ([0.0, 1.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0]),
    (1, "a", 2): ([0.0, 1.0, 1.0, 3.0], [0.0, 0.0, 0.0, 0.2]),
}


def test_statistics_of_the_mean_curve_by_hand():
    s = layer_summary(frame(CURVES), unit="nats", spread=None)
    assert list(s.index) == ["b", "a"]  # network order (layer_index), not alphabetical
    assert s.index.name == "layer"
    assert list(s.columns) == [
        f"{IXL} start",
        f"{IXL} peak",
        "peak epoch",
        f"{IXL} end",
        "drop",
        "largest dip",
        f"{IYL} end",
    ]
    # b: mean curve [1, 2.5, 2, 2]: peak 2.5 at epoch 10, end 2, drop 0.5, largest dip 0.5;
    #    I(Y;L) at the end (0.4 + 0.6) / 2 = 0.5
    np.testing.assert_allclose(
        s.loc["b"].to_numpy(dtype=float), [1.0, 2.5, 10, 2.0, 0.5, 0.5, 0.5], atol=1e-12
    )
    # a: mean curve [0, 1, 2, 2]: peak 2 first reached at epoch 20, no fall; I(Y;L) end 0.1
    np.testing.assert_allclose(
        s.loc["a"].to_numpy(dtype=float), [0.0, 2.0, 20, 2.0, 0.0, 0.0, 0.1], atol=1e-12
    )
    assert s["peak epoch"].dtype.kind == "i"
    assert s.attrs == {"quantity": IXL, "unit": "nats", "estimator": "binning", "n_seeds": 2}


def test_bits_divide_by_ln2_and_row_order_does_not_matter():
    df = frame(CURVES)
    nats = layer_summary(df, unit="nats", spread=None)
    bits = layer_summary(df.sample(frac=1.0, random_state=0), unit="bits", spread=None)
    value_cols = [c for c in nats.columns if c != "peak epoch"]
    np.testing.assert_allclose(bits[value_cols].to_numpy(), nats[value_cols].to_numpy() / LN2, rtol=1e-12)
    assert (bits["peak epoch"] == nats["peak epoch"]).all()


def test_largest_dip_catches_a_compression_that_is_undone():
    # falls by 2 from 3 to 1, then climbs back to 3: drop 0 (ends at its peak), largest dip 2
    df = frame({(0, "l1", 1): ([1.0, 3.0, 1.0, 3.0], [0.0] * 4)})
    s = layer_summary(df, unit="nats", spread=None)
    assert s.loc["l1", "drop"] == pytest.approx(0.0, abs=1e-12)
    assert s.loc["l1", "largest dip"] == pytest.approx(2.0, abs=1e-12)
    assert s.loc["l1", "peak epoch"] == 10  # first epoch at the peak
    assert not compresses(s, 0.1)["l1"] and compresses(s, 0.1, by="largest dip")["l1"]


def test_spread_over_seeds_by_hand():
    df = frame(CURVES)
    sd = layer_summary(df, unit="nats", spread="std")
    # per-seed drops of b: seed 0 peak 3 end 2.5 -> 0.5; seed 1 peak 2 end 1.5 -> 0.5: sd 0
    # per-seed peaks of b: 3 and 2 -> sample sd |3 - 2| / sqrt(2)
    assert sd.loc["b", "drop sd"] == pytest.approx(0.0, abs=1e-12)
    assert sd.loc["b", f"{IXL} peak sd"] == pytest.approx(1 / np.sqrt(2), rel=1e-12)
    # per-seed largest dips of a: seed 0 falls 3 -> 1 (2), seed 1 never falls (0)
    assert sd.loc["a", "largest dip sd"] == pytest.approx(np.sqrt(2), rel=1e-12)
    # peak epochs of a: seed 0 (0, 1, 3, 1) peaks at 20, seed 1 (0, 1, 1, 3) at 30: sd 10 / sqrt(2)
    assert sd.loc["a", "peak epoch sd"] == pytest.approx(10 / np.sqrt(2), rel=1e-12)
    rng = layer_summary(df, unit="nats", spread="range")
    assert rng.loc["a", "peak epoch min"] == 20 and rng.loc["a", "peak epoch max"] == 30
    assert rng.loc["b", f"{IXL} end min"] == pytest.approx(1.5) and rng.loc[
        "b", f"{IXL} end max"
    ] == pytest.approx(2.5)
    assert rng.loc["b", f"{IYL} end min"] == pytest.approx(0.4) and rng.loc[
        "b", f"{IYL} end max"
    ] == pytest.approx(0.6)
    # the mean columns are the same whatever the spread option
    base = layer_summary(df, unit="nats", spread=None)
    pd.testing.assert_frame_equal(rng[base.columns], base, check_exact=False, rtol=1e-12)
    # one seed: the sample sd is undefined (NaN), the range is a point
    one = layer_summary(df[df.seed == 0], unit="nats")
    assert one["drop sd"].isna().all()


def test_quantity_and_end_of_choose_the_columns():
    s = layer_summary(frame(CURVES), quantity=IYL, unit="nats", spread=None)
    assert list(s.columns) == [
        f"{IYL} start",
        f"{IYL} peak",
        "peak epoch",
        f"{IYL} end",
        "drop",
        "largest dip",
    ]
    # b's mean I(Y;L): [0.2, 0.2, 0.2, 0.5]: peak 0.5 at the end
    assert s.loc["b", f"{IYL} peak"] == pytest.approx(0.5) and s.loc["b", "peak epoch"] == 30
    s = layer_summary(frame(CURVES), unit="nats", spread=None, end_of=[])
    assert f"{IYL} end" not in s.columns


def test_matches_the_chapter_zero_cell_exactly():
    """The inline computation chapter 0 used before this module: same floats, so its table is unchanged."""
    rng = np.random.default_rng(0)
    rows = [
        {
            "estimator": "binning (30 bins)",
            "seed": s,
            "layer": f"layer{li}",
            "layer_index": li,
            "epoch": e,
            IXL: rng.uniform(0, 8),
            IYL: rng.uniform(0, 0.7),
        }
        for s in range(3)
        for li in range(1, 5)
        for e in (0, 1, 2, 5, 10, 20)
    ]
    ip = pd.DataFrame(rows)
    mean = ip.groupby(["layer_index", "layer", "epoch"], as_index=False)[[IXL, IYL]].mean()
    old = []
    for (_li, layer), g in mean.groupby(["layer_index", "layer"]):
        g = g.sort_values("epoch")
        ixl = g[IXL].to_numpy() / LN2
        peak = int(np.argmax(ixl))
        old.append(
            {
                "layer": layer,
                "I(X;L) start": ixl[0],
                "I(X;L) peak": ixl[peak],
                "peak epoch": int(g["epoch"].iloc[peak]),
                "I(X;L) end": ixl[-1],
                "drop": ixl[peak] - ixl[-1],
                "largest dip": float(np.max(np.maximum.accumulate(ixl) - ixl)),
                "I(Y;L) end": g[IYL].iloc[-1] / LN2,
            }
        )
    old = pd.DataFrame(old).set_index("layer")
    new = layer_summary(ip, unit="bits", spread=None)
    # same operations in the same order: equal to the last bit (the rounded table must not move)
    pd.testing.assert_frame_equal(new, old, check_exact=True)


def test_estimator_selection():
    df = pd.concat(
        [
            frame(CURVES, estimator="binning"),
            frame(CURVES, estimator="kde").assign(**{IXL: lambda d: d[IXL] * 2}),
        ]
    )
    with pytest.raises(ValueError, match="several estimators.*estimator="):
        layer_summary(df)
    s = layer_summary(df, estimator="kde", unit="nats", spread=None)
    assert s.loc["b", f"{IXL} peak"] == pytest.approx(5.0)  # 2 x 2.5
    assert s.attrs["estimator"] == "kde"
    with pytest.raises(ValueError, match="'knn' is not in the frame"):
        layer_summary(df, estimator="knn")
    with pytest.raises(ValueError, match="no 'estimator' column"):
        layer_summary(frame(CURVES).drop(columns="estimator"), estimator="kde")


@pytest.mark.parametrize(
    ("change", "kwargs", "err", "match"),
    [
        (lambda d: d.drop(columns=IYL), {}, ValueError, r"lacks the column\(s\) \['I\(Y;L\)'\]"),
        (lambda d: d.drop(columns="layer_index"), {}, ValueError, "layer_index"),
        (lambda d: d, {"unit": "bytes"}, ValueError, "unknown unit='bytes'"),
        (lambda d: d, {"spread": "iqr"}, ValueError, "unknown spread='iqr'"),
        (lambda d: d.iloc[:0], {}, ValueError, "empty"),
        (lambda d: d.assign(**{IXL: np.nan}), {}, ValueError, "NaN"),
        (lambda d: pd.concat([d, d]), {}, ValueError, "duplicate row"),
        (lambda d: d.to_numpy(), {}, TypeError, "must be a pandas.DataFrame"),
    ],
)
def test_layer_summary_rejects_bad_input(change, kwargs, err, match):
    with pytest.raises(err, match=match):
        layer_summary(change(frame(CURVES)), **kwargs)


def test_compresses_threshold_is_inclusive_and_validated():
    s = pd.DataFrame({"drop": [0.0, 0.25, 0.5], "largest dip": [0.3, 0.25, 0.5]}, index=["l1", "l2", "l3"])
    # exact binary fractions, so ">= 0.25" is decided without rounding
    assert compresses(s, 0.25).tolist() == [False, True, True]
    assert compresses(s, 0.26, by="largest dip").tolist() == [True, False, True]
    assert compresses(s).name == "compresses" and list(compresses(s).index) == ["l1", "l2", "l3"]
    with pytest.raises(ValueError, match="unknown by='end'"):
        compresses(s, by="end")
    with pytest.raises(ValueError, match="threshold must be finite and > 0"):
        compresses(s, 0.0)
    with pytest.raises(ValueError, match="lacks the column"):
        compresses(s.drop(columns="drop"))


def test_mean_over_seeds_is_the_plain_mean():
    m = mean_over_seeds(frame(CURVES), [IXL, IYL])
    assert list(m.columns) == ["layer_index", "layer", "epoch", IXL, IYL]
    b = m[m.layer == "b"].sort_values("epoch")
    np.testing.assert_allclose(b[IXL], [1.0, 2.5, 2.0, 2.0], atol=1e-12)
    with pytest.raises(ValueError, match="lacks the column"):
        mean_over_seeds(frame(CURVES), ["I(X;T)"])
    # the plots average through the same function
    import ibcore.plotting as plotting

    assert plotting.mean_over_seeds is mean_over_seeds and plotting.LN2 == LN2


def _frame():
    # layer "a" (index 1) and "b" (index 2); two activations x two estimators x two seeds
    rows = []
    curves = {
        # (activation, estimator, seed): curve of layer b over epochs 0, 10, 20 (nats)
        ("tanh", "e1", 0): [1.0, 3.0, 2.0],  # drop 1.0, rises 2.0 first
        ("tanh", "e1", 1): [1.0, 4.0, 1.0],  # drop 3.0
        ("relu", "e1", 0): [1.0, 2.0, 2.0],  # drop 0
        ("relu", "e1", 1): [3.0, 2.0, 2.5],  # peak at the start: drop 0.5, largest dip 1.0
        ("tanh", "e2", 0): [0.5, 0.5, 0.5],
        ("tanh", "e2", 1): [0.5, 0.5, 0.5],
        ("relu", "e2", 0): [0.5, 0.5, 0.5],
        ("relu", "e2", 1): [0.5, 0.5, 0.5],
    }
    for (act, est, seed), curve in curves.items():
        for e, v in zip([0, 10, 20], curve, strict=True):
            for layer, li, val in (("a", 1, 5.0), ("b", 2, v)):
                rows.append(
                    {
                        "activation": act,
                        "estimator": est,
                        "seed": seed,
                        "layer": layer,
                        "layer_index": li,
                        "epoch": e,
                        IXL: val,
                    }
                )
    return pd.DataFrame(rows)


def test_seed_statistics_by_hand():
    f = _frame()
    sub = f[(f["activation"] == "relu") & (f["estimator"] == "e1")]
    s = seed_statistics(sub, layer="b", unit="nats")
    assert s.index.tolist() == [0, 1]
    assert s["drop"].tolist() == [0.0, 0.5]
    assert s["largest dip"].tolist() == [0.0, 1.0]
    assert s["peak epoch"].tolist() == [10, 0]
    # bits are nats / ln 2
    sb = seed_statistics(sub, layer="b")
    np.testing.assert_allclose(sb["drop"].to_numpy(), s["drop"].to_numpy() / LN2)


def test_compression_table_means_spreads_and_rule():
    t = compression_table(
        _frame(), layer="b", threshold=0.75, unit="nats", groups=("estimator", "activation")
    )
    r = t.loc[("e1", "tanh")]
    assert r["drop mean"] == pytest.approx(2.0)
    assert r["drop sd"] == pytest.approx(np.std([1.0, 3.0], ddof=1))
    assert (r["drop min"], r["drop max"], r["seeds"], r["seeds compressing"]) == (1.0, 3.0, 2, 2)
    assert bool(r["compresses"])
    assert not bool(t.loc[("e1", "relu"), "compresses"])  # mean drop 0.25 < 0.75
    assert int(t.loc[("e1", "relu"), "seeds compressing"]) == 0
    assert not t.loc[("e2", slice(None)), "compresses"].any()  # flat curves never compress
    # the largest dip catches relu seed 1's fall that was partly undone
    d = compression_table(
        _frame(), layer="b", threshold=0.75, unit="nats", by="largest dip", groups=("estimator", "activation")
    )
    assert d.loc[("e1", "relu"), "largest dip mean"] == pytest.approx(0.5)
    assert t.attrs["threshold"] == 0.75 and t.attrs["layer"] == "b"


def test_compression_table_one_seed_has_nan_sd():
    f = _frame()
    t = compression_table(f[f["seed"] == 0], layer="b", threshold=0.1, groups=("estimator", "activation"))
    assert np.isnan(t["drop sd"]).all()


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"threshold": 0.0}, ValueError, "threshold"),
        ({"by": "peak"}, ValueError, "by"),
        ({"groups": ()}, ValueError, "groups"),
        ({"groups": ("nope",)}, ValueError, "lacks"),
        ({"layer": "zzz"}, ValueError, "not in the frame"),
    ],
)
def test_compression_table_errors(kwargs, err, match):
    args = {"layer": "b", "groups": ("estimator", "activation"), **kwargs}
    with pytest.raises(err, match=match):
        compression_table(_frame(), **args)
