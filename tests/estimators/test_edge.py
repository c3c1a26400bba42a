"""Tests for EDGE: Gaussian closed forms, the discrete plug-in limit, ensemble weights, errors."""

import itertools
import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import mutual_info_score

from ibcore.estimators.edge import edge_ensemble_weights, mi_edge
from ibcore.ground_truth import gaussian_pair


def test_independent_gaussians_give_about_zero():
    x, y, _ = gaussian_pair(2000, 0.0, seed=0)
    # defaults at N = 2000, d = 2: 0.005 +- 0.007 nats over 10 seeds; 0.05 is > 6 sd
    assert abs(mi_edge(x, y)) < 0.05


@pytest.mark.parametrize("rho, tol", [(0.5, 0.05), (0.8, 0.07)])
def test_close_to_gaussian_closed_form(rho, tol):
    x, y, truth = gaussian_pair(2000, rho, seed=1)
    # defaults at N = 2000 (10 seeds): rho 0.5 -> 0.142 +- 0.006 (truth 0.144),
    # rho 0.8 -> 0.491 +- 0.007 (truth 0.511): tolerances cover bias + 4 sd
    assert mi_edge(x, y) == pytest.approx(truth, abs=tol)


def test_increases_with_correlation():
    est = [mi_edge(*gaussian_pair(1500, rho, seed=2)[:2]) for rho in (0.0, 0.4, 0.7, 0.9, 0.97)]
    assert all(b > a for a, b in itertools.pairwise(est))


def test_two_dimensional_pairs_still_rank_correctly():
    # d = 4 is hard for any histogram estimator (see Notes); only the ranking is promised
    est = [mi_edge(*gaussian_pair(1000, [rho, rho], seed=3)[:2]) for rho in (0.0, 0.5, 0.8)]
    assert est[0] < est[1] < est[2]


def test_discrete_data_give_the_plug_in_mi():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 4, 600)
    y = (x + rng.integers(0, 3, 600)) % 5  # dependent, I ~ 0.5 nats
    plug_in = mutual_info_score(x, y)  # sklearn's plug-in MI, nats
    # epsilon below the gap between distinct (standardized) values: each value its own bucket,
    # so every base estimate equals the plug-in MI and the weights (sum 1) keep it
    assert mi_edge(x, y, epsilon=0.1) == pytest.approx(plug_in, abs=1e-10)
    assert mi_edge(x, y, epsilon=0.1, ensemble="median") == pytest.approx(plug_in, abs=1e-10)
    # a huge secondary hash table almost never merges the 4-5 occupied cells
    assert mi_edge(x, y, epsilon=0.1, n_buckets=10**9) == pytest.approx(plug_in, abs=1e-10)


def test_one_bucket_or_ratio_clipping_to_one_give_zero():
    x, y, _ = gaussian_pair(500, 0.9, seed=5)
    assert mi_edge(x, y, n_buckets=1) == pytest.approx(0.0, abs=1e-12)  # everything collides
    assert mi_edge(x, y, max_ratio=1.0) == pytest.approx(0.0, abs=1e-12)  # log 1 = 0 on every edge


def test_seed_reproducibility_and_dependence():
    x, y, _ = gaussian_pair(800, 0.6, seed=6)
    a, b, c = mi_edge(x, y, seed=11), mi_edge(x, y, seed=11), mi_edge(x, y, seed=12)
    assert a == b
    assert a != c
    # same numbers from torch input on the same device
    assert mi_edge(torch.from_numpy(x), torch.from_numpy(y), seed=11) == pytest.approx(a, abs=1e-12)


def test_scale_invariance_with_standardization():
    x, y, _ = gaussian_pair(800, 0.6, seed=7)
    # x / std(x) is the same array up to ~1 ulp, so the same cells up to floor ties (prob ~0)
    assert mi_edge(7.0 * x, y / 3.0) == pytest.approx(mi_edge(x, y), abs=1e-9)


def test_ensemble_weights_cancel_the_requested_powers():
    t = np.linspace(1, 3, 8)
    w = edge_ensemble_weights(t, [2, -2])
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert w @ t**2 == pytest.approx(0.0, abs=1e-10)
    assert w @ t**-2.0 == pytest.approx(0.0, abs=1e-10)
    # with nothing to cancel the minimum-norm weights are the plain mean
    assert np.allclose(edge_ensemble_weights(t, []), 1 / 8)
    # the paper's powers 1..d
    w = edge_ensemble_weights(t, [1, 2, 3])
    assert np.allclose([w @ t, w @ t**2, w @ t**3], 0.0, atol=1e-9)


def test_mean_and_median_options():
    x, y, _ = gaussian_pair(500, 0.5, seed=8)
    single = mi_edge(x, y, n_ensemble=1)
    assert mi_edge(x, y, n_ensemble=1, ensemble="median") == pytest.approx(single)
    # the plain mean keeps the small-count bias: above the bias-corrected default here
    assert mi_edge(x, y, ensemble="mean") > mi_edge(x, y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": -1.0}, "epsilon"),
        ({"n_ensemble": 0}, "n_ensemble"),
        ({"t_max": 1.0}, "t_max"),
        ({"ensemble": "best"}, "ensemble"),
        ({"n_ensemble": 2, "bias_powers": [2, -2]}, "more widths"),
        ({"bias_powers": [0]}, "non-zero"),
        ({"max_ratio": 0.5}, "max_ratio"),
        ({"n_buckets": 0}, "n_buckets"),
    ],
)
def test_bad_options_raise(kwargs, match):
    x, y, _ = gaussian_pair(50, 0.5, seed=9)
    with pytest.raises(ValueError, match=match):
        mi_edge(x, y, **kwargs)


def test_bad_data_raise():
    x = np.zeros((10, 1))
    with pytest.raises(ValueError, match="x has 10 rows, y has 9"):
        mi_edge(x, np.zeros(9))
    with pytest.raises(ValueError, match="NaN"):
        mi_edge(np.array([0.0, math.nan, 1.0]), np.zeros(3))
    with pytest.raises(ValueError, match="at least 2 samples"):
        mi_edge(np.zeros(1), np.zeros(1))


def test_grid_indices_beyond_int64_keep_distinct_values_apart():
    # epsilon = 1e-30: indices ~1e30 used to wrap around in int64 and merge every sample (I = 0);
    # bins this fine hold one sample each, so every base estimate is the plug-in log N
    x, y, _ = gaussian_pair(300, 0.5, seed=4)
    assert mi_edge(x, y, epsilon=1e-30) == pytest.approx(math.log(300), abs=1e-12)
    assert mi_edge(x, y, epsilon=1e-30, n_buckets=10**15) == pytest.approx(math.log(300), abs=1e-12)


def test_ties_need_no_jitter_and_give_no_warning():
    # issue 25: tied values share a bucket, so a jitter far below the width changes nothing
    x, y, _ = gaussian_pair(2000, 0.9, seed=0)
    relu = np.maximum(x, 0.0)  # 52 % exact zeros
    bits = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(float)  # the SZT inputs
    rng = np.random.default_rng(0)
    layer = np.tanh(bits @ rng.standard_normal((12, 3)) + 0.1 * rng.standard_normal((4096, 3)))
    for a, b in ((relu, y), (bits, layer)):
        noise = np.random.default_rng(1).standard_normal(a.shape) * a.std(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            raw = mi_edge(a, b, device="cpu")
        for jitter in (1e-10, 1e-6):
            assert mi_edge(a + jitter * noise, b, device="cpu") == raw
