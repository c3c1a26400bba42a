"""Whitened kNN entropies and MIs (``whiten=True``): invariances, the log-determinant, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ibcore.estimators.knn import entropy_kl, entropy_wkl, mi_kl, mi_wkl

pytestmark = pytest.mark.usefixtures("one_thread")


def _gauss_pair(n=4000, d=3, rho=0.8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y, -d / 2 * math.log(1 - rho**2)


@pytest.mark.parametrize("entropy", [entropy_kl, entropy_wkl])
def test_whitened_entropy_moves_by_the_log_determinant(entropy):
    x = np.random.default_rng(1).standard_normal((3000, 3))
    a = np.array([[2.0, 0.3, 0.0], [0.0, 1e-3, 0.5], [0.0, 0.0, 50.0]])  # det 0.1, scales 1e-3..50
    h, ha = entropy(x, 5, whiten=True), entropy(x @ a, 5, whiten=True)
    # H(XA) = H(X) + log|det A|; whitening maps both samples to the same points up to a rotation
    assert ha - h == pytest.approx(math.log(abs(np.linalg.det(a))), abs=1e-6)
    # and on N(0, I_3) it is as close to the truth as without whitening (N = 3000: within 0.1)
    assert h == pytest.approx(1.5 * math.log(2 * math.pi * math.e), abs=0.1)


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


def test_whitening_is_right_at_extreme_scales():
    # the moments come from scale_safe_moments: data of size 1e160 or 1e-170 whiten like any other
    x = np.random.default_rng(4).standard_normal((1000, 3))
    h = entropy_kl(x, 5, whiten=True)
    for s in (1e160, 1e-170):
        assert entropy_kl(x * s, 5, whiten=True) - 3 * math.log(s) == pytest.approx(h, abs=1e-9)
