"""Tests of the k-NN estimators (ibcore.estimators.knn): closed forms, invariances, method agreement.

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
import torch
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
    wkl_weights,
)
from ibcore.ground_truth import (
    correlated_gaussians,
    gaussian_entropy,
    gaussian_mi_from_rho,
    gaussian_pair,
    uniform_entropy,
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


def _ref_kl_j(x: np.ndarray, j: int) -> float:
    n, d = x.shape
    rho = np.sort(_pairwise(x, 2.0), axis=1)[:, j - 1]
    log_vd = d / 2 * np.log(np.pi) - special.gammaln(d / 2 + 1)
    return special.digamma(n) - special.digamma(j) + log_vd + d * np.mean(np.log(rho))


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


@pytest.mark.parametrize("d,k", [(1, 1), (2, 4), (5, 2)])
def test_entropy_kl_matches_naive_definition(d, k):
    x = np.random.default_rng(d * k).standard_normal((300, d))
    assert entropy_kl(x, k=k, device="cpu") == pytest.approx(_ref_kl_j(x, k), abs=1e-10)


@pytest.mark.parametrize("d,k", [(2, 5), (4, 5), (6, 8), (8, 5)])
def test_entropy_wkl_is_the_weighted_sum_of_kl_estimates(d, k):
    x = np.random.default_rng(d).standard_normal((300, d))
    w = wkl_weights(k, d)
    ref = sum(w[j - 1] * _ref_kl_j(x, j) for j in range(1, k + 1) if w[j - 1] != 0)
    # The weights reach norm ~16 at d=8, k=5; 1e-9 covers the amplified rounding.
    assert entropy_wkl(x, k=k, device="cpu") == pytest.approx(ref, abs=1e-9)


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


@pytest.mark.parametrize("d", [1, 3, 8])
def test_entropy_kl_gaussian(d):
    cov = 4.0 * np.eye(d)
    x = np.random.default_rng(16 + d).multivariate_normal(np.zeros(d), cov, size=N)
    true = gaussian_entropy(cov)
    # k=1 at N=2000: bias -0.036..+0.007, sd 0.026 (d=1), 0.036 (d=3), 0.050 (d=8).
    assert entropy_kl(x, device="cpu") == pytest.approx(true, abs={1: 0.12, 3: 0.16, 8: 0.24}[d])


@pytest.mark.parametrize("d", [1, 3])
def test_entropy_kl_uniform(d):
    x = np.random.default_rng(17 + d).uniform(-1, 2, size=(N, d))
    true = uniform_entropy(-np.ones(d), 2 * np.ones(d))
    # k=1: bias +0.002 (d=1), +0.056 (d=3: the boundary, growing with d), sd 0.034 / 0.032.
    assert entropy_kl(x, device="cpu") == pytest.approx(true, abs={1: 0.14, 3: 0.19}[d])


@pytest.mark.parametrize("d", [1, 3])
def test_entropy_wkl_closed_forms(d):
    rng = np.random.default_rng(18 + d)
    g = 2.0 * rng.standard_normal((N, d))
    u = rng.uniform(-1, 2, size=(N, d))
    # d <= 3 uses w = e_5: Gaussian bias -0.005 / -0.033, sd 0.019 / 0.025;
    # uniform bias +0.004 / +0.124 (boundary), sd 0.012.
    assert entropy_wkl(g, device="cpu") == pytest.approx(gaussian_entropy(4.0 * np.eye(d)), abs=0.14)
    assert entropy_wkl(u, device="cpu") == pytest.approx(d * math.log(3), abs={1: 0.06, 3: 0.18}[d])


def test_entropy_wkl_gaussian_d8_with_larger_k():
    x = np.random.default_rng(19).standard_normal((N, 8))
    # k=20 at d=8 (weight norm 9.7): bias -0.015, sd 0.089 over 10 seeds.
    assert entropy_wkl(x, k=20, device="cpu") == pytest.approx(gaussian_entropy(np.eye(8)), abs=0.4)


def test_entropy_wkl_removes_bias_of_kl_in_d4():
    # d=4, k=5: KL_5 has a bias of order N^{-2/d} = N^{-1/2} that the weights cancel.
    # 8 seeds at N=2000: mean bias KL_5 -0.064 (standard error 0.011), WKL -0.007 (0.017).
    true = gaussian_entropy(np.eye(4))
    xs = [np.random.default_rng(s).standard_normal((N, 4)) for s in range(8)]
    bias_kl = np.mean([entropy_kl(x, k=5, device="cpu") for x in xs]) - true
    bias_wkl = np.mean([entropy_wkl(x, k=5, device="cpu") for x in xs]) - true
    assert bias_kl < -0.03
    assert abs(bias_wkl) < abs(bias_kl) / 2


def test_entropy_wkl_equals_kl_k_for_d_at_most_3():
    x = np.random.default_rng(20).standard_normal((500, 3))
    assert entropy_wkl(x, k=4, device="cpu") == entropy_kl(x, k=4, device="cpu")


# ----------------------------------------------------------------------------------------------
# WKL weights
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k,d", [(5, 4), (5, 5), (5, 8), (10, 8), (20, 8), (5, 12), (50, 12), (7, 16)])
def test_wkl_weights_satisfy_constraints(k, d):
    w = wkl_weights(k, d)
    j = np.arange(1, k + 1)
    assert w.shape == (k,)
    assert w.sum() == pytest.approx(1.0, abs=1e-10)
    for m in range(1, d // 4 + 1):
        g = np.exp(special.gammaln(j + 2 * m / d) - special.gammaln(j))
        # constraint rows are O(k^(2m/d)); the weights can be O(1e3): absolute 1e-8 on the sum
        assert np.dot(w, g) == pytest.approx(0.0, abs=1e-8)
    support = {i * k // d for i in range(1, d + 1)}
    assert all(w[jj - 1] == 0 for jj in j if jj not in support)
    # minimum norm: orthogonal to the null space of the constraints on the support
    cols = np.array(sorted(support - {0}))
    a = np.vstack(
        [np.ones(cols.size)]
        + [np.exp(special.gammaln(cols + 2 * m / d) - special.gammaln(cols)) for m in range(1, d // 4 + 1)]
    )
    assert np.allclose(np.linalg.lstsq(a, np.eye(a.shape[0])[0], rcond=None)[0], w[cols - 1], atol=1e-8)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_wkl_weights_low_dimension_are_unweighted_kth(d):
    w = wkl_weights(6, d)
    assert w.tolist() == [0, 0, 0, 0, 0, 1]
    assert not w.flags.writeable  # cached: must not be mutable


def test_wkl_weights_cached():
    assert wkl_weights(5, 8) is wkl_weights(5, 8)


def test_wkl_needs_enough_neighbours():
    x = np.random.default_rng(0).standard_normal((100, 20))  # floor(20/4) = 5 constraints + sum
    with pytest.raises(ValueError, match=r"needs k >= 6"):
        entropy_wkl(x, k=5, device="cpu")
    with pytest.raises(ValueError, match=r"needs k >= 6"):
        mi_wkl(x[:, :10], x[:, 10:], k=5, device="cpu")


def test_wkl_warns_on_huge_weights():
    x = np.random.default_rng(0).standard_normal((200, 12))
    with pytest.warns(RuntimeWarning, match="norm"):
        entropy_wkl(x, k=5, device="cpu")


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


# ----------------------------------------------------------------------------------------------
# method agreement (exact searches on CPU: the GPU code path is the "brute" one)
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dx,dy", [(1, 1), (1, 3), (2, 2)])
def test_methods_agree(dx, dy):
    rng = np.random.default_rng(dx * 10 + dy)
    x = rng.standard_normal((1200, dx))
    y = np.tanh(x[:, :1]) + 0.5 * rng.standard_normal((1200, dy))
    for fn, k in ((mi_ksg, 4), (mi_kl, 2), (mi_wkl, 5)):
        vals = [fn(x, y, k=k, method=m, device="cpu") for m in METHODS]
        # max-norm distances are bitwise equal across methods; Euclidean ones may differ in the
        # last bit (summation order), i.e. ~1e-16 relative in each log-distance.
        assert max(vals) - min(vals) < 1e-10, (fn.__name__, vals)
    for fn in (entropy_kl, entropy_wkl):
        vals = [fn(x, method=m, device="cpu") for m in METHODS]
        assert max(vals) - min(vals) < 1e-10, (fn.__name__, vals)


@pytest.mark.filterwarnings("ignore::ibcore.estimators.knn.TiedSamplesWarning")  # ties on purpose
def test_methods_agree_on_ties():
    # coarsely rounded x: many exactly tied distances, also at the KSG radius (strict counts)
    rng = np.random.default_rng(25)
    x = np.round(rng.standard_normal(1500), 1)
    y = np.round(x + 0.5 * rng.standard_normal(1500), 3)
    vals = [mi_ksg(x, y, k=3, method=m, device="cpu") for m in METHODS]
    assert len(set(vals)) == 1, vals
    x2 = np.round(rng.standard_normal((1500, 2)), 1)
    y2 = np.round(rng.standard_normal((1500, 3)), 1) + x2[:, :1]
    vals = [mi_ksg(x2, y2, k=3, method=m, device="cpu") for m in METHODS]
    assert len(set(vals)) == 1, vals


def test_chunking_threads_and_input_types_do_not_change_the_answer():
    x, y, _ = gaussian_pair(1500, [0.3, 0.7], seed=26)
    ref = mi_ksg(x, y, device="cpu")
    assert mi_ksg(x, y, method="brute", chunk_size=97, device="cpu") == pytest.approx(ref, abs=1e-12)
    assert mi_ksg(x, y, method="tree", n_jobs=1, device="cpu") == pytest.approx(ref, abs=1e-12)
    assert mi_ksg(x, y, method="tree", n_jobs=3, device="cpu") == pytest.approx(ref, abs=1e-12)
    assert mi_ksg(torch.from_numpy(x), torch.from_numpy(y)) == pytest.approx(ref, abs=1e-12)
    e = entropy_kl(x, k=3, method="brute", chunk_size=101, device="cpu")
    assert e == pytest.approx(entropy_kl(x, k=3, method="tree", device="cpu"), abs=1e-10)
    # 1-D input is (N, 1)
    assert mi_ksg(x[:, 0], y[:, 0], device="cpu") == mi_ksg(x[:, :1], y[:, :1], device="cpu")
    assert isinstance(ref, float)


def test_tree_order_and_threads_give_the_plain_kdtree_answer():
    # N = 5000 splits the queries over 2 threads (>= 2048 rows each); the points are queried in
    # the joint tree's leaf order: the answer must be the plain one-thread KDTree recipe's
    # (the benchmark's anchor) and the torch brute-force one, to rounding of the final mean
    from ibcore.evaluation.benchmark import kdtree_ksg

    x, y, _ = gaussian_pair(5000, [0.6] * 3, seed=28)
    anchor = kdtree_ksg(x, y, k=5)
    for n_jobs in (1, 2, 3):
        assert mi_ksg(x, y, k=5, n_jobs=n_jobs, device="cpu") == pytest.approx(anchor, abs=1e-12)
    assert mi_ksg(x, y, k=5, method="brute", device="cpu") == pytest.approx(anchor, abs=1e-12)
    # the same order serves the Euclidean k-NN of the entropies (float64 round-off only)
    ent = [entropy_kl(x, k=3, method=m, n_jobs=2, device="cpu") for m in ("tree", "brute")]
    assert ent[0] == pytest.approx(ent[1], abs=1e-10)


def test_jitter_breaks_duplicates_deterministically():
    rng = np.random.default_rng(27)
    x = np.round(rng.standard_normal((500, 2)), 1)
    y = x + np.round(rng.standard_normal((500, 2)), 1)
    a = mi_ksg(x, y, k=3, jitter=1e-10, seed=1, device="cpu")
    assert a == mi_ksg(x, y, k=3, jitter=1e-10, seed=1, device="cpu")
    assert [mi_ksg(x, y, k=3, jitter=1e-10, seed=1, method=m, device="cpu") for m in METHODS] == [a] * 4
    assert np.isfinite(entropy_kl(x, jitter=1e-10, device="cpu"))


@pytest.mark.gpu
def test_cuda_matches_cpu():
    x, y, _ = gaussian_pair(3000, [0.5, 0.8], seed=28)
    for fn in (mi_ksg, mi_kl, mi_wkl):
        cpu = fn(x, y, device="cpu")
        gpu = fn(x, y, device="cuda")  # auto -> brute on CUDA
        assert gpu == pytest.approx(cpu, abs=1e-10), fn.__name__
    assert entropy_wkl(x, device="cuda") == pytest.approx(entropy_wkl(x, device="cpu"), abs=1e-10)


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------
def _xy(n=50, d=2):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, d)), rng.standard_normal((n, d))


@pytest.mark.parametrize("fn", [mi_ksg, mi_kl, mi_wkl])
def test_mi_bad_input(fn):
    x, y = _xy()
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


@pytest.mark.parametrize("fn", [entropy_kl, entropy_wkl])
def test_entropy_bad_input(fn):
    x, _ = _xy()
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        fn(bad, device="cpu")
    with pytest.raises(ValueError, match="need at least k \\+ 1 = 6 samples"):
        fn(x[:5], k=5, device="cpu")
    with pytest.raises(ValueError, match="ndim=3"):
        fn(x[:, :, None], device="cpu")
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros((0, 3)), device="cpu")
    with pytest.raises(ValueError, match="k must be >= 1"):
        fn(x, k=-1, device="cpu")
    with pytest.raises(ValueError, match="unknown method="):
        fn(x, method="ball", device="cpu")


def test_duplicates_raise_with_a_hint():
    x, y = _xy(100)
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


# --------------------------------------------------------------------------------------------
# tied samples (issue 25): one rule for the whole family
# --------------------------------------------------------------------------------------------
def _relu_pair(n: int = 1000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """x = (relu(g), g'): column 0 holds ~50 % exact zeros, no two rows are equal; y continuous."""
    x, y, _ = gaussian_pair(n, [0.9, 0.5], seed=seed)
    return np.column_stack([np.maximum(x[:, 0], 0.0), x[:, 1]]), y


TIE_CALLS = {
    "entropy_kl": lambda x, y, **kw: entropy_kl(x, k=3, device="cpu", **kw),
    "entropy_wkl": lambda x, y, **kw: entropy_wkl(x, k=3, device="cpu", **kw),
    "mi_kl": lambda x, y, **kw: mi_kl(x, y, k=3, device="cpu", **kw),
    "mi_wkl": lambda x, y, **kw: mi_wkl(x, y, k=3, device="cpu", **kw),
    "mi_ksg": lambda x, y, **kw: mi_ksg(x, y, k=3, device="cpu", **kw),
}


@pytest.mark.parametrize("name", list(TIE_CALLS))
def test_tied_samples_warn_with_the_fraction_and_the_remedy(name):
    x, y = _relu_pair()
    frac = 100 * np.mean(x[:, 0] == 0)  # the zeros: every other value of column 0 is distinct
    with pytest.warns(TiedSamplesWarning) as rec:
        v = TIE_CALLS[name](x, y)
    (w,) = rec
    text = str(w.message)
    assert text.startswith(
        f"{name}: tied samples: in x, {frac:.1f} % of the 1000 samples share their value in column 0"
    )
    assert "jitter=1e-10" in text and "Kraskov" in text and "occur more than once" not in text
    assert w.filename == __file__  # points at the caller's line
    with warnings.catch_warnings():  # the warning changes nothing: same number without it
        warnings.simplefilter("ignore", TiedSamplesWarning)
        assert TIE_CALLS[name](x, y) == v


@pytest.mark.parametrize("name", list(TIE_CALLS))
def test_jitter_breaks_ties_silently_seeded_and_changes_the_tied_estimate(name):
    x, y = _relu_pair()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the caller chose: no warning
        a = TIE_CALLS[name](x, y, jitter=1e-10, seed=4)
        assert TIE_CALLS[name](x, y, jitter=1e-10, seed=4) == a
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TiedSamplesWarning)
        assert TIE_CALLS[name](x, y) != a


@pytest.mark.parametrize("name", list(TIE_CALLS))
def test_continuous_samples_and_constant_columns_do_not_warn(name):
    x, y, _ = gaussian_pair(1000, [0.9, 0.5], seed=3)
    x = np.column_stack([x, np.full(1000, 2.0)])  # a constant column ties no distance
    few = x.copy()
    few[:4, 0] = few[4, 0]  # 5 of 1000 samples (0.5 %) tied: below the 1 % threshold
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TIE_CALLS[name](x, y)
        TIE_CALLS[name](few, y)


def test_ksg_ties_of_the_issue_warn_and_jitter_is_stated():
    # the issue's examples: ReLU-ed x, and a sample given twice (every row repeated)
    x, y, _ = gaussian_pair(2000, 0.9, seed=0)
    with pytest.warns(TiedSamplesWarning, match=r"in x, 51\.7 % of the 2000 samples"):
        relu = mi_ksg(np.maximum(x, 0), y, device="cpu")
    assert relu == pytest.approx(0.598, abs=1e-3)  # 0.577 with jitter=1e-10
    assert mi_ksg(np.maximum(x, 0), y, jitter=1e-10, device="cpu") == pytest.approx(0.577, abs=1e-3)
    with pytest.warns(TiedSamplesWarning, match="4000 of the 4000 rows of \\(x, y\\) occur more than once"):
        mi_ksg(np.vstack([x, x]), np.vstack([y, y]), device="cpu")


def test_binary_inputs_warn_without_any_repeated_row():
    # the 4096 distinct 12-bit inputs of the SZT task: no row repeats, every column is tied
    bits = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(float)
    rng = np.random.default_rng(0)
    layer = np.tanh(bits @ rng.standard_normal((12, 3)) + 0.1 * rng.standard_normal((4096, 3)))
    with pytest.warns(TiedSamplesWarning, match="in x, 100.0 % of the 4096 samples") as rec:
        raw = mi_ksg(bits, layer, device="cpu")
    assert "occur more than once" not in str(rec[0].message)
    jittered = mi_ksg(bits, layer, jitter=1e-10, device="cpu")
    assert raw == pytest.approx(3.19, abs=0.01) and jittered == pytest.approx(0.78, abs=0.01)


def test_a_refusal_comes_without_the_tie_warning():
    x, y = _xy(100)
    xd, yd = np.vstack([x, x[:10]]), np.vstack([y, y[:10]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="jitter"):
            entropy_kl(xd, device="cpu")
        with pytest.raises(ValueError, match="jitter"):
            mi_kl(xd, yd, device="cpu")
        with pytest.raises(ValueError, match="KSG radius 0"):
            mi_ksg(np.vstack([x] + [x[:5]] * 3), np.vstack([y] + [y[:5]] * 3), k=3, device="cpu")
    assert not [w for w in caught if issubclass(w.category, TiedSamplesWarning)]


@pytest.mark.parametrize("scale", [1e160, 1e-170])
def test_jitter_follows_the_data_at_any_finite_scale(scale):
    # the noise is jitter * std of each column: at 1e160 the plain std overflowed (inf noise), at
    # 1e-170 it underflowed to 0 and the column got noise of size 1e-10, far above the data
    x, y = _relu_pair()
    ref = mi_ksg(x, y, jitter=1e-10, device="cpu")
    assert mi_ksg(x * scale, y * scale, jitter=1e-10, device="cpu") == pytest.approx(ref, abs=1e-9)
    h = entropy_kl(x, k=3, jitter=1e-10, device="cpu") + 2 * math.log(scale)
    assert entropy_kl(x * scale, k=3, jitter=1e-10, device="cpu") == pytest.approx(h, abs=1e-6)
