"""The synthetic part of chapter 3 (lossy_compression.synthetic) on small synthetic inputs.

No training and no estimation: the estimates are built against a known truth (constant errors
per method), so the accuracy table, the WKL weight norms, the choice of k and the cost table have
answers known by construction.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.estimators.knn import wkl_weights
from ibcore.ground_truth.images import TASKS
from ibcore.study.chapters.lossy_compression.synthetic import (
    KS,
    SHOW,
    Synthetic,
    accuracy,
    cost_table,
    k_for,
    weight_norms,
)

from . import fakes

# ---------------------------------------------------------------- synthetic estimates, known errors

# (task, method) -> constant error (estimate - truth) at every grid point and seed


def test_accuracy_table_has_the_known_bias_and_rmse():
    acc, table = accuracy(fakes.bench())
    a = acc.set_index(["task", "method"])
    assert a.loc[("bumps", "KL on AE codes"), "bias"] == pytest.approx(-2.0)
    assert a.loc[("rectangles", "WKL on AE codes"), "RMSE"] == pytest.approx(2.0)
    assert list(table.index) == SHOW
    assert np.isnan(table.loc["KSG on AE codes", ("bias", "bumps")])  # not in the bench


# ---------------------------------------------------------------- WKL weights


def test_weight_norms_are_nan_where_wkl_is_undefined():
    t = weight_norms(ks=(1, 10, 5), dims=(2, 20, 24))
    assert list(t.columns) == ["k=1", "k=5", "k=10"]
    assert t.loc[2, "k=1"] == pytest.approx(1.0)  # one weight, summing to 1
    assert np.isnan(t.loc[24, "k=5"])  # 5 <= 24 // 4
    assert np.isnan(t.loc[20, "k=5"])  # 5 <= 20 // 4: the boundary
    assert np.isfinite(t.loc[20, "k=10"])
    assert t.loc[24, "k=10"] == pytest.approx(np.linalg.norm(wkl_weights(10, 24)))


def test_k_for_picks_the_smallest_norm_among_defined_k():
    for d in (2, 8, 12, 16):
        best = k_for(d)
        valid = [k for k in KS if k > d // 4]
        assert best in valid
        assert np.linalg.norm(wkl_weights(best, d)) == pytest.approx(
            min(np.linalg.norm(wkl_weights(k, d)) for k in valid)
        )
    assert k_for(4, ks=(1, 5)) == 5  # k = 1 is undefined in 4 dimensions
    with pytest.raises(ValueError, match="no k"):
        k_for(40, ks=(5, 10))


def test_cost_table_and_summaries():
    comps = {
        t: {"AE": SimpleNamespace(wall_time_s=2.0), "PCA": SimpleNamespace(wall_time_s=0.5)} for t in TASKS
    }
    bench = pd.DataFrame({"method": ["WKL on AE codes", "WKL on AE codes"], "seconds": [1.0, 3.0]})
    cost = cost_table(comps, bench)["seconds"]
    assert cost["fit AE (bumps)"] == 2.0 and cost["one estimate: WKL on AE codes"] == 2.0
    assert np.isnan(cost["one estimate: MINE on raw images"])
    assert (
        Synthetic(bench, [True, False], 12.3, [False, True]).summary()
        == "2 estimates in 12 s; MINE fits diverged: 1 of 2; "
        "plateaued (last 20% of iterations within 5%): 1 of 2"
    )


def test_plateaued_reads_the_tail_of_the_held_out_curve():
    from ibcore.study.chapters.lossy_compression import plateaued

    steps = np.arange(50, 2001, 50)
    assert plateaued(steps, np.full(len(steps), 4.0))  # flat
    assert plateaued(steps, 4.0 + 0.1 * (steps / 2000))  # 0.02 nat over the last fifth: < 5 % of 4.1
    assert not plateaued(steps, steps / 200.0)  # a straight rise to 10 nats: 2 nats over the tail
    assert plateaued(steps, 0.02 * np.sin(steps))  # near 0: the 1-nat floor, 0.05 nat of scatter
    assert not plateaued(steps, np.r_[np.full(len(steps) - 1, 1.0), np.nan])  # not finite
    assert not plateaued([], [])
