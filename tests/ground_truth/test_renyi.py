"""Tests of ibcore.ground_truth.renyi: the Renyi-2 closed form and target."""

import math

import numpy as np
import pytest

from ibcore import ground_truth as gt


def test_renyi2_closed_form_against_monte_carlo():
    # S_2 limit = -log E exp(-||X - X'||^2 / sigma^2) for independent copies: check by sampling pairs
    rng = np.random.default_rng(0)
    cov = gt.correlated_cov(2, 2, 0.5, rng)
    sigma = 1.3
    a = rng.multivariate_normal(np.zeros(4), cov, size=400000)
    b = rng.multivariate_normal(np.zeros(4), cov, size=400000)
    k2 = np.exp(-np.sum((a - b) ** 2, axis=1) / sigma**2)
    assert -math.log(k2.mean()) == pytest.approx(gt.gaussian_renyi2_entropy(cov, sigma), abs=0.01)
    kx = np.exp(-np.sum((a[:, :2] - b[:, :2]) ** 2, axis=1) / sigma**2)
    ky = np.exp(-np.sum((a[:, 2:] - b[:, 2:]) ** 2, axis=1) / sigma**2)
    mc = -math.log(kx.mean()) - math.log(ky.mean()) + math.log(k2.mean())
    assert mc == pytest.approx(gt.gaussian_renyi2_mi(cov, 2, sigma), abs=0.01)
    # one dimension by hand: S_2 = 1/2 log(1 + 4 var / sigma^2)
    assert gt.gaussian_renyi2_entropy([[2.0]], 1.0) == pytest.approx(0.5 * math.log(9))


def test_renyi2_target_is_what_mi_renyi_converges_to():
    from ibcore.estimators import mi_renyi

    rng = np.random.default_rng(5)
    cov = gt.correlated_cov(2, 2, 0.5, rng)
    z = rng.multivariate_normal(np.zeros(4), cov, size=2000)
    est = mi_renyi(z[:, :2], z[:, 2:], alpha=2.0, sigma_x=1.0, sigma_y=1.0, device="cpu")
    # V-statistic bias O(1/N) plus sampling sd ~ 0.02 at N = 2000
    assert est == pytest.approx(gt.gaussian_renyi2_mi(cov, 2, 1.0), abs=0.06)
