"""Tests of the k-NN mutual informations (ibcore.estimators.knn.mi): KSG, KL, WKL; closed forms, invariances.

Tolerances come from 20-seed simulations at the N used here (bias and standard deviation of the
estimate, written next to each check); a tolerance is about |bias| + 4 sd, so a correct estimator
fails with probability well below 1e-3 and an estimator off by a few sd fails.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import special, stats
from sklearn.feature_selection import mutual_info_regression
from sklearn.preprocessing import scale

from ibcore.estimators.knn import (
    TiedSamplesWarning,
    entropy_kl,
    entropy_wkl,
    mi_kl,
    mi_ksg,
    mi_wkl,
)
from ibcore.ground_truth import (
    correlated_gaussians,
    gaussian_mi_from_rho,
    gaussian_pair,
)

N = 2000


METHODS = ("tree", "brute", "sort", "auto")


# ----------------------------------------------------------------------------------------------
# naive O(N^2) references written from the papers' formulas (independent of the module's code)
# ----------------------------------------------------------------------------------------------
def _pairwise(a: np.ndarray, p: float) -> np.ndarray:
    diff = np.abs(a[:, None, :] - a[None, :, :])
    d = diff.max(-1) if p == math.inf else np.sqrt((diff**2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return d


def _ref_ksg(x: np.ndarray, y: np.ndarray, k: int) -> float:
    n = len(x)
    dx, dy = _pairwise(x.reshape(n, -1), math.inf), _pairwise(y.reshape(n, -1), math.inf)
    eps = np.sort(np.maximum(dx, dy), axis=1)[:, k - 1]
    nx, ny = (dx < eps[:, None]).sum(1), (dy < eps[:, None]).sum(1)
    return (
        special.digamma(k) + special.digamma(n) - np.mean(special.digamma(nx + 1) + special.digamma(ny + 1))
    )


# ----------------------------------------------------------------------------------------------
# formulas against the naive references
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dx,dy,k", [(1, 1, 1), (1, 1, 5), (2, 3, 3), (4, 1, 7)])
def test_ksg_matches_naive_definition(dx, dy, k):
    rng = np.random.default_rng(dx + 10 * dy + 100 * k)
    x = rng.standard_normal((300, dx))
    y = x[:, :1] + rng.standard_normal((300, dy))
    # Same floating-point comparisons as the naive reference: agreement to rounding of the mean.
    assert mi_ksg(x, y, k=k, device="cpu") == pytest.approx(_ref_ksg(x, y, k), abs=1e-12)


def test_mi_kl_and_mi_wkl_are_entropy_differences():
    x, y, _ = gaussian_pair(500, [0.5, 0.7], seed=3)
    xy = np.hstack([x, y])
    for mi, h, k in ((mi_kl, entropy_kl, 2), (mi_wkl, entropy_wkl, 5)):
        expected = h(x, k=k, device="cpu") + h(y, k=k, device="cpu") - h(xy, k=k, device="cpu")
        assert mi(x, y, k=k, device="cpu") == pytest.approx(expected, abs=1e-12)


def test_ksg_matches_sklearn_mutual_info_regression():
    # sklearn standardises (no centring) and adds 1e-10 * max(1, mean|.|) noise drawn from
    # RandomState(random_state), first for X then for y, then runs the same KSG formula with
    # k = n_neighbors and clips at 0. Replaying that preprocessing gives identical inputs.
    x, y, _ = gaussian_pair(1000, 0.6, seed=5)
    rng = np.random.RandomState(0)
    xs = scale(x, with_mean=False)
    xs += 1e-10 * np.maximum(1, np.mean(np.abs(xs), axis=0)) * rng.standard_normal(size=xs.shape)
    ys = scale(y[:, 0], with_mean=False)
    ys += 1e-10 * np.maximum(1, np.mean(np.abs(ys))) * rng.standard_normal(size=len(ys))
    theirs = mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0]
    assert theirs > 0  # not clipped, so comparable
    assert mi_ksg(xs, ys, k=3, device="cpu") == pytest.approx(theirs, abs=1e-12)


# ----------------------------------------------------------------------------------------------
# closed forms
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6, 0.9])
def test_ksg_gaussian_pair(rho):
    x, y, true = gaussian_pair(N, rho, seed=11)
    # 20 seeds at N=2000, k=5: bias within +-0.005, sd 0.014-0.017 for every rho here.
    assert mi_ksg(x, y, device="cpu") == pytest.approx(true, abs=0.07)


@pytest.mark.parametrize("rho", [0.3, 0.9])
def test_mi_kl_and_mi_wkl_gaussian_pair(rho):
    x, y, true = gaussian_pair(N, rho, seed=12)
    # mi_kl (k=1): bias <= 0.03, sd ~0.05 (three unrelated neighbourhoods, no cancellation).
    assert mi_kl(x, y, device="cpu") == pytest.approx(true, abs=0.2)
    # mi_wkl (k=5; d=1, 1 and 2, so w = e_5): bias <= 0.016, sd 0.020-0.025.
    assert mi_wkl(x, y, device="cpu") == pytest.approx(true, abs=0.11)


def test_dense_correlated_gaussian():
    x, y, true = correlated_gaussians(N, 3, 3, seed=4)
    # Dense 3x3 joint Gaussians (true MI ~0.2-0.4): KSG error -0.020 +- 0.019, mi_kl -0.011 +- 0.053,
    # mi_wkl (joint d=6, one constraint) -0.039 +- 0.072 over 20 seeds.
    assert mi_ksg(x, y, device="cpu") == pytest.approx(true, abs=0.1)
    assert mi_kl(x, y, device="cpu") == pytest.approx(true, abs=0.25)
    assert mi_wkl(x, y, device="cpu") == pytest.approx(true, abs=0.33)


def test_ksg_underestimates_several_strong_pairs():
    x, y, true = gaussian_pair(N, [0.5, 0.7, 0.9], seed=13)
    est = mi_ksg(x, y, device="cpu")
    # True MI 1.31 nats in a 6-D joint space: KSG is biased low by 0.188 (sd 0.021) at N=2000,
    # the known underestimation of large MI (Gao, Ver Steeg & Galstyan 2015).
    assert -0.29 < est - true < -0.09
    # mi_kl: bias -0.016, sd 0.064; mi_wkl: bias +0.048, sd 0.070.
    assert mi_kl(x, y, device="cpu") == pytest.approx(true, abs=0.28)
    assert mi_wkl(x, y, device="cpu") == pytest.approx(true, abs=0.33)


def test_uniform_plus_uniform_noise():
    # X ~ U(0, 1), Y = X + Z, Z ~ U(0, a), a <= 1: Y has a trapezoidal density (two ramps of width
    # a, flat in between), h(Y) = a/2 and h(Y|X) = h(Z) = log a, so I = a/2 - log a.
    a = 0.5
    rng = np.random.default_rng(14)
    x = rng.uniform(size=N)
    y = x + a * rng.uniform(size=N)
    true = a / 2 - math.log(a)
    # KSG bias -0.030 (the density's sharp edges), sd 0.014 over 20 seeds at N=2000.
    assert mi_ksg(x, y, device="cpu") == pytest.approx(true, abs=0.09)
    # mi_kl with k=3: bias -0.031, sd 0.026.
    assert mi_kl(x, y, k=3, device="cpu") == pytest.approx(true, abs=0.14)


def test_independent_variables_near_zero():
    rng = np.random.default_rng(15)
    x, y = rng.standard_normal((N, 2)), rng.standard_normal((N, 2))
    # 20 seeds: KSG -0.004 +- 0.013, mi_kl 0.012 +- 0.067, mi_wkl -0.010 +- 0.048.
    assert abs(mi_ksg(x, y, device="cpu")) < 0.055
    assert abs(mi_kl(x, y, device="cpu")) < 0.28
    assert abs(mi_wkl(x, y, device="cpu")) < 0.2


# ----------------------------------------------------------------------------------------------
# invariances, symmetry, monotonicity
# ----------------------------------------------------------------------------------------------
def test_ksg_symmetric():
    x, y, _ = gaussian_pair(N, [0.4, 0.8], seed=21)
    y3 = np.hstack([y, np.random.default_rng(0).standard_normal((N, 1))])
    # the joint max-norm and the two counts just swap roles: identical up to float summation
    assert mi_ksg(x, y3, device="cpu") == pytest.approx(mi_ksg(y3, x, device="cpu"), abs=1e-12)
    assert mi_kl(x, y3, device="cpu") == pytest.approx(mi_kl(y3, x, device="cpu"), abs=1e-10)
    assert mi_wkl(x, y3, device="cpu") == pytest.approx(mi_wkl(y3, x, device="cpu"), abs=1e-10)


def test_ksg_exactly_invariant_under_power_of_two_scaling_and_permutations():
    x, y, _ = gaussian_pair(1000, [0.4, 0.8], seed=22)
    ref = mi_ksg(x, y, device="cpu")
    # scaling by 2^m is exact in floating point, so every comparison and hence the estimate is unchanged
    assert mi_ksg(8.0 * x, 8.0 * y, device="cpu") == ref
    # permuting samples or coordinates changes nothing but the order of summation
    perm = np.random.default_rng(1).permutation(1000)
    assert mi_ksg(x[perm][:, ::-1], y[perm], device="cpu") == pytest.approx(ref, abs=1e-12)


def test_ksg_nearly_invariant_under_monotone_maps():
    x, y, _ = gaussian_pair(N, 0.6, seed=23)
    ref = mi_ksg(x, y, device="cpu")
    mapped = mi_ksg(np.arcsinh(3 * x), stats.norm.cdf(y), device="cpu")
    # ranks are unchanged, the max-norm neighbourhoods only slightly: over 20 seeds the
    # difference is -0.001 +- 0.012 at N=2000 (maps that change the scale of one coordinate of a
    # multi-dimensional X relative to the others shift it by ~0.08, so we test 1x1).
    assert mapped == pytest.approx(ref, abs=0.05)


def test_ksg_monotone_in_rho():
    rhos = [0.0, 0.25, 0.5, 0.75, 0.95]
    est = [mi_ksg(*gaussian_pair(N, r, seed=24)[:2], device="cpu") for r in rhos]
    # true MI 0, 0.032, 0.144, 0.419, 1.164; errors at a common seed are positively correlated
    # and sd 0.015, far below the smallest step.
    assert all(a < b for a, b in itertools.pairwise(est))
    truths = [gaussian_mi_from_rho(r) for r in rhos]
    assert np.allclose(est, truths, atol=0.07)


@pytest.mark.parametrize("fn", [mi_ksg, mi_kl, mi_wkl])
def test_mi_bad_input(fn, make_xy):
    x, y = make_xy()
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        fn(bad, y, device="cpu")
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="y contains 1 NaN or infinite"):
        fn(x, bad, device="cpu")
    with pytest.raises(ValueError, match="x has 50 rows, y has 49"):
        fn(x, y[:-1], device="cpu")
    with pytest.raises(ValueError, match="need at least 6 samples"):
        fn(x[:5], y[:5], k=5, device="cpu")
    with pytest.raises(ValueError, match="ndim=3"):
        fn(x[:, :, None], y, device="cpu")
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros((0, 2)), np.zeros((0, 2)), device="cpu")
    with pytest.raises(ValueError, match="k must be >= 1"):
        fn(x, y, k=0, device="cpu")
    with pytest.raises(TypeError, match="k must be an integer"):
        fn(x, y, k=2.5, device="cpu")
    with pytest.raises(ValueError, match="unknown method='kd'"):
        fn(x, y, method="kd", device="cpu")
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        fn(x, y, chunk_size=0, device="cpu")
    with pytest.raises(ValueError, match="n_jobs must be >= 1"):
        fn(x, y, n_jobs=0, device="cpu")
    with pytest.raises(ValueError, match="jitter must be finite and >= 0"):
        fn(x, y, jitter=-1.0, device="cpu")


def test_duplicates_raise_with_a_hint(make_xy):
    x, y = make_xy(100)
    xd = np.vstack([x, x[:10]])
    yd = np.vstack([y, y[:10]])
    with pytest.raises(ValueError, match="jitter"):
        entropy_kl(xd, device="cpu")
    with pytest.raises(ValueError, match="jitter"):
        mi_kl(xd, yd, device="cpu")
    # KSG needs k + 1 coincident joint points for a zero radius
    xk, yk = np.vstack([x] + [x[:5]] * 3), np.vstack([y] + [y[:5]] * 3)
    for m in METHODS:
        with pytest.raises(ValueError, match="KSG radius 0"):
            mi_ksg(xk, yk, k=3, method=m, device="cpu")
    # duplicates in x alone give a number for KSG (ties are counted strictly), with the warning
    yk2 = np.random.default_rng(1).standard_normal((len(xk), 2))
    with pytest.warns(TiedSamplesWarning, match="in x, "):
        assert np.isfinite(mi_ksg(xk, yk2, k=3, device="cpu"))


def test_no_warning_in_normal_use():
    x, y, _ = gaussian_pair(300, [0.5, 0.5], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mi_ksg(x, y, device="cpu")
        mi_wkl(x, y, device="cpu")


def test_mi_wkl_checks_the_joint_dimension():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((300, 8)), rng.standard_normal((300, 8))  # each 8-D is fine, joint 16-D is not
    with pytest.raises(ValueError, match=r"\(x, y\): the weighted KL weights for k=5, d=16"):
        mi_wkl(x, y, k=5, device="cpu")
    # a tighter bound refuses earlier: joint d=8 has norm 16
    with pytest.raises(ValueError, match="max_weight_norm=10"):
        mi_wkl(x[:, :4], y[:, :4], k=5, device="cpu", max_weight_norm=10.0)
    # below the bound nothing changes: the same number as before the guard existed (sum of entropies)
    a, b = x[:, :2], y[:, :2]
    ref = (
        entropy_wkl(a, k=5, device="cpu")
        + entropy_wkl(b, k=5, device="cpu")
        - entropy_wkl(np.hstack([a, b]), k=5, device="cpu")
    )
    assert mi_wkl(a, b, k=5, device="cpu") == pytest.approx(ref, abs=1e-12)


# one intra-op thread for the tests below (they ran under a module-wide one_thread mark);
# last in the file, as the module-scoped fixture stays in effect until the module ends


def _gauss_pair(n=4000, d=3, rho=0.8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y, -d / 2 * math.log(1 - rho**2)


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("mi", [mi_kl, mi_wkl])
def test_whitened_mi_is_invariant_under_linear_maps_and_near_the_truth(mi):
    x, y, truth = _gauss_pair()
    rng = np.random.default_rng(2)
    a = np.diag([1e-3, 1.0, 1e3])
    b = rng.standard_normal((3, 3))
    plain = mi(x, y, 5, whiten=True)
    mapped = mi(x @ a, y @ b, 5, whiten=True)
    assert mapped == pytest.approx(plain, abs=1e-6)  # the true MI is invariant; now the estimate too
    # Gaussian pair, 3+3 dims, N = 4000: truth 1.53 nats, the whitened estimate within 0.15
    assert plain == pytest.approx(truth, abs=0.15)
    # without whitening the badly scaled copy is far off: the failure whitening prevents
    assert abs(mi(x @ a, y @ b, 5) - truth) > 0.5
