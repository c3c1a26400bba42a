"""Tests of ibcore.ground_truth._gauss: Gaussian, discrete and uniform closed forms and samplers."""

import math

import numpy as np
import pytest

from ibcore import ground_truth as gt
from ibcore.ground_truth import noisy_linear_gaussian_mi


def test_gaussian_entropy_and_mi_closed_forms():
    assert gt.gaussian_entropy(1.0) == pytest.approx(0.5 * math.log(2 * math.pi * math.e))
    cov = np.diag([2.0, 3.0])
    assert gt.gaussian_entropy(cov) == pytest.approx(0.5 * math.log((2 * math.pi * math.e) ** 2 * 6))
    rho = 0.6
    cov2 = np.array([[1.0, rho], [rho, 1.0]])
    assert gt.gaussian_mi(cov2, 1) == pytest.approx(-0.5 * math.log(1 - rho**2))
    assert gt.gaussian_mi_from_rho([rho, 0.0]) == pytest.approx(-0.5 * math.log(1 - rho**2))
    # invariance: rescaling X does not change I(X;Y)
    s = np.diag([10.0, 1.0])
    assert gt.gaussian_mi(s @ cov2 @ s, 1) == pytest.approx(gt.gaussian_mi(cov2, 1))
    with pytest.raises(ValueError, match="positive definite"):
        gt.gaussian_entropy(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="\\|rho\\| must be < 1"):
        gt.gaussian_mi_from_rho(1.0)


def test_samplers_carry_their_true_mi():
    x, y, mi = gt.gaussian_pair(20000, [0.9, 0.5], seed=1)
    assert mi == pytest.approx(gt.gaussian_mi_from_rho([0.9, 0.5]))
    # the sample correlations match the rhos (sd of a correlation ~ (1 - rho^2) / sqrt(n) < 0.01)
    assert np.corrcoef(x[:, 0], y[:, 0])[0, 1] == pytest.approx(0.9, abs=0.01)
    assert np.corrcoef(x[:, 1], y[:, 1])[0, 1] == pytest.approx(0.5, abs=0.02)
    x, y, mi = gt.correlated_gaussians(50000, 2, 3, seed=0)
    cov = np.cov(np.hstack([x, y]).T)
    assert gt.gaussian_mi(cov, 2) == pytest.approx(mi, abs=0.02)  # plug-in MI of the sample


def test_discrete_and_uniform_entropy():
    assert gt.discrete_entropy([0.5, 0.5, 0.0]) == pytest.approx(math.log(2))
    assert gt.discrete_entropy([1.0]) == 0.0
    with pytest.raises(ValueError, match="probability vector"):
        gt.discrete_entropy([0.5, 0.6])
    assert gt.uniform_entropy([0, 0], [2, 3]) == pytest.approx(math.log(6))
    with pytest.raises(ValueError, match="high must exceed low"):
        gt.uniform_entropy([0], [0])


def test_noisy_linear_gaussian_mi():
    # I(X; aX + eps) = 1/2 log(1 + a^2 var / sigma^2) in one dimension
    assert gt.noisy_linear_gaussian_mi([[2.0]], [[3.0]], 0.5) == pytest.approx(
        0.5 * math.log(1 + 4 * 3 / 0.25)
    )
    # it agrees with the general Gaussian MI of the joint covariance
    w = np.array([[1.0, 0.5], [0.0, 2.0]])
    cx = np.array([[1.0, 0.3], [0.3, 2.0]])
    s2 = 0.7**2
    joint = np.block([[cx, cx @ w.T], [w @ cx, w @ cx @ w.T + s2 * np.eye(2)]])
    assert gt.noisy_linear_gaussian_mi(w, cx, 0.7) == pytest.approx(gt.gaussian_mi(joint, 2))


def test_correlated_gaussians_unchanged_by_the_refactor():
    # the covariance now comes from correlated_cov with the same draws: the same MI as before
    rng = np.random.default_rng(0)
    assert gt.correlated_gaussians(10, 2, 3, seed=0)[2] == pytest.approx(
        gt.gaussian_mi(gt.correlated_cov(2, 3, 0.5, rng), 2)
    )


# one intra-op thread for the tests below (they ran under a module-wide one_thread mark);
# last in the file, as the module-scoped fixture stays in effect until the module ends


# ----------------------------------------------------------------------------------- AA-MINE
@pytest.mark.usefixtures("one_thread")
def test_noisy_linear_closed_form():
    assert noisy_linear_gaussian_mi([[1.0]], [[1.0]], 1.0) == pytest.approx(0.5 * math.log(2))
    # Two independent channels with gains 2 and 1: sum of 1/2 log(1 + gain^2 / sigma^2).
    v = noisy_linear_gaussian_mi(np.diag([2.0, 1.0]), np.eye(2), 0.5)
    assert v == pytest.approx(0.5 * math.log(1 + 16) + 0.5 * math.log(1 + 4))
