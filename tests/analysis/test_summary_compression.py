"""Per-seed statistics and the compression table of ibcore.analysis.summary, on curves worked out by hand."""

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2, compression_table, seed_statistics
from ibcore.interface import IXL


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
