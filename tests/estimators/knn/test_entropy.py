"""Tests of the k-NN entropies (ibcore.estimators.knn.entropy): KL, WKL, its weights and guard, whitening.

Tolerances come from 20-seed simulations at the N used here (bias and standard deviation of the
estimate, written next to each check); a tolerance is about |bias| + 4 sd, so a correct estimator
fails with probability well below 1e-3 and an estimator off by a few sd fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from ibcore.estimators.knn import (
    WKL_MAX_NORM,
    entropy_kl,
    entropy_wkl,
    mi_kl,
    mi_wkl,
    wkl_weight_norm,
    wkl_weights,
)
from ibcore.ground_truth import (
    gaussian_entropy,
    uniform_entropy,
)

N = 2000


# ----------------------------------------------------------------------------------------------
# naive O(N^2) references written from the papers' formulas (independent of the module's code)
# ----------------------------------------------------------------------------------------------
def _pairwise(a: np.ndarray, p: float) -> np.ndarray:
    diff = np.abs(a[:, None, :] - a[None, :, :])
    d = diff.max(-1) if p == math.inf else np.sqrt((diff**2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return d


def _ref_kl_j(x: np.ndarray, j: int) -> float:
    n, d = x.shape
    rho = np.sort(_pairwise(x, 2.0), axis=1)[:, j - 1]
    log_vd = d / 2 * np.log(np.pi) - special.gammaln(d / 2 + 1)
    return special.digamma(n) - special.digamma(j) + log_vd + d * np.mean(np.log(rho))


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


@pytest.mark.parametrize("fn", [entropy_kl, entropy_wkl])
def test_entropy_bad_input(fn, make_xy):
    x, _ = make_xy()
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


def test_weight_norm_is_the_norm_of_the_weights_and_inf_where_none_exist():
    assert wkl_weight_norm(5, 8) == pytest.approx(float(np.linalg.norm(wkl_weights(5, 8))))
    assert wkl_weight_norm(5, 3) == 1.0  # d <= 3: w = e_k
    assert wkl_weight_norm(5, 20) == math.inf  # 5 constraints + the sum need k >= 6


def test_entropy_wkl_refuses_above_max_weight_norm_and_says_what_to_do():
    x = np.random.default_rng(0).standard_normal((300, 16))  # k=5, d=16: norm 1.7e4 > 1000
    assert wkl_weight_norm(5, 16) > WKL_MAX_NORM
    with pytest.raises(ValueError, match=r"norm 1\.72e\+04 > max_weight_norm=1000.*entropy_kl"):
        entropy_wkl(x, k=5, device="cpu")
    # a larger k brings the norm down (784 at k=20): a warning, not a refusal
    with pytest.warns(RuntimeWarning, match="norm"):
        assert math.isfinite(entropy_wkl(x, k=20, device="cpu"))
    # max_weight_norm=None computes it anyway (with the warning)
    with pytest.warns(RuntimeWarning, match="norm"):
        assert math.isfinite(entropy_wkl(x, k=5, device="cpu", max_weight_norm=None))


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_max_weight_norm_must_be_positive_and_finite(bad):
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(ValueError, match="max_weight_norm"):
        entropy_wkl(x, max_weight_norm=bad)
    with pytest.raises(ValueError, match="max_weight_norm"):
        mi_wkl(x, x, max_weight_norm=bad)
    with pytest.raises(TypeError, match="max_weight_norm"):
        entropy_wkl(x, max_weight_norm="big")


def test_guard_leaves_low_dimension_unchanged():
    x = np.random.default_rng(2).standard_normal((400, 2))
    assert entropy_wkl(x, k=5, device="cpu") == entropy_kl(x, k=5, device="cpu")


# one intra-op thread for the tests below (they ran under a module-wide one_thread mark);
# last in the file, as the module-scoped fixture stays in effect until the module ends


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("entropy", [entropy_kl, entropy_wkl])
def test_whitened_entropy_moves_by_the_log_determinant(entropy):
    x = np.random.default_rng(1).standard_normal((3000, 3))
    a = np.array([[2.0, 0.3, 0.0], [0.0, 1e-3, 0.5], [0.0, 0.0, 50.0]])  # det 0.1, scales 1e-3..50
    h, ha = entropy(x, 5, whiten=True), entropy(x @ a, 5, whiten=True)
    # H(XA) = H(X) + log|det A|; whitening maps both samples to the same points up to a rotation
    assert ha - h == pytest.approx(math.log(abs(np.linalg.det(a))), abs=1e-6)
    # and on N(0, I_3) it is as close to the truth as without whitening (N = 3000: within 0.1)
    assert h == pytest.approx(1.5 * math.log(2 * math.pi * math.e), abs=0.1)


@pytest.mark.usefixtures("one_thread")
def test_whitening_refuses_singular_samples():
    x = np.random.default_rng(3).standard_normal((500, 3))
    with pytest.raises(ValueError, match="correlation matrix is singular"):
        entropy_kl(np.c_[x, x[:, 0] - 2 * x[:, 2]], 5, whiten=True)
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] are constant"):
        entropy_wkl(np.c_[x[:, :1], np.full(500, 3.0), x[:, 1:]], 5, whiten=True)
    with pytest.raises(ValueError, match="singular"):  # the pair lies on a subspace: y copies x
        mi_kl(x, x @ np.diag([2.0, 1.0, -1.0]), 5, whiten=True)
    with pytest.raises(TypeError, match="whiten must be True or False"):
        mi_wkl(x, x, 5, whiten=1)


@pytest.mark.usefixtures("one_thread")
def test_whitening_is_right_at_extreme_scales():
    # the moments come from scale_safe_moments: data of size 1e160 or 1e-170 whiten like any other
    x = np.random.default_rng(4).standard_normal((1000, 3))
    h = entropy_kl(x, 5, whiten=True)
    for s in (1e160, 1e-170):
        assert entropy_kl(x * s, 5, whiten=True) - 3 * math.log(s) == pytest.approx(h, abs=1e-9)
