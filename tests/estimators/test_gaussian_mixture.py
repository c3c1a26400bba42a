"""Tests of the Gaussian-mixture entropy (ibcore.estimators.gaussian_mixture): closed forms, kernel sums.

Truths used: the entropy of one Gaussian, d/2 log(2 pi e beta^2); far-apart components, log n
plus that; a 1-D two-component mixture by quadrature.
"""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ibcore.estimators.gaussian_mixture import MCEntropy, entropy_gaussian_mixture


def gauss_h(d, beta):
    return 0.5 * d * math.log(2 * math.pi * math.e * beta**2)


# ----------------------------------------------------------------------------- mixture entropy
def test_single_centre_is_gaussian_entropy():
    r = entropy_gaussian_mixture(np.full((1, 3), 2.0), 0.5, n_mc=4000, seed=1)
    assert isinstance(r, MCEntropy) and r.stderr > 0
    # Unbiased MC estimate: within 4 standard errors (se ~ 0.02 here) of the closed form.
    assert abs(r.estimate - gauss_h(3, 0.5)) < 4 * r.stderr


def test_far_apart_centres_add_log_n():
    n, beta = 8, 0.7
    centres = np.arange(n)[:, None] * np.array([[60.0 * beta, 0.0]])  # 60 beta apart: overlap ~e^-450
    r = entropy_gaussian_mixture(centres, beta, n_mc=500)
    assert abs(r.estimate - (math.log(n) + gauss_h(2, beta))) < 4 * r.stderr


def test_two_components_match_quadrature():
    mu, beta = np.array([0.0, 1.5]), 1.0

    def g(u):
        return 0.5 * (stats.norm.pdf(u, mu[0], beta) + stats.norm.pdf(u, mu[1], beta))

    truth = integrate.quad(lambda u: -g(u) * np.log(g(u)), -15, 16.5, epsabs=1e-11)[0]
    r = entropy_gaussian_mixture(mu, beta, n_mc=5000, seed=3)  # 1-D input becomes (2, 1)
    # se ~ 0.0065: 4 se leaves room for MC noise only (quadrature is accurate to ~1e-10).
    assert abs(r.estimate - truth) < 4 * r.stderr
    assert r.stderr < 0.01


def test_entropy_reproducible_and_chunk_invariant():
    c = np.random.default_rng(2).standard_normal((37, 3))
    a = entropy_gaussian_mixture(c, 0.4, n_mc=11, seed=5)
    b = entropy_gaussian_mixture(c, 0.4, n_mc=11, seed=5, chunk_size=7)  # blocks over rows and centres
    assert a.estimate == pytest.approx(b.estimate, rel=0, abs=1e-12)
    assert a.stderr == pytest.approx(b.stderr, rel=0, abs=1e-12)
    assert entropy_gaussian_mixture(c, 0.4, n_mc=11, seed=6).estimate != a.estimate


def test_entropy_single_mc_point_uses_pooled_stderr():
    r = entropy_gaussian_mixture(np.zeros((50, 1)), 1.0, n_mc=1)
    assert math.isfinite(r.stderr) and r.stderr > 0


# ------------------------------------------------------------- scale-safe kernel sums (issue 13)
def test_direct_kernel_sums_match_the_fast_path_where_both_are_exact():
    # ordinary scale (beta 0.7, data of size ~3): cdist's rounding is ~1e-15 in each log-kernel,
    # so the two ways of forming the same sums agree to rounding
    from ibcore.estimators import gaussian_mixture as sp

    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(2, 30, 3, generator=gen, dtype=torch.float64)
    noise = torch.randn(2, 30 * 4, 3, generator=gen, dtype=torch.float64)
    assert sp._fast_path_is_exact(centres, 0.7)
    fast = sp._log_kernel_sums_mm(centres, noise, 0.7, 4, (1, 7, 11))
    direct = sp._log_kernel_sums_direct(centres, noise, 0.7, 4, (2, 13, 5))
    torch.testing.assert_close(direct, fast, rtol=0, atol=1e-12)


def test_tiny_noise_switches_to_the_direct_path():
    from ibcore.estimators import gaussian_mixture as sp

    centres = torch.ones(1, 5, 2, dtype=torch.float64)
    assert sp._fast_path_is_exact(centres, 0.1)
    # beta = 1e-10 next to data of size 1: cdist's error would be ~1e4 nats per log-kernel
    assert not sp._fast_path_is_exact(centres, 1e-10)
    assert not sp._fast_path_is_exact(centres, 1e-300)  # beta**2 underflows
    assert not sp._fast_path_is_exact(centres * 1e200, 1.0)  # |c|**2 overflows


def test_memory_bound_names_the_size_and_the_bound(monkeypatch):
    from ibcore.estimators import gaussian_mixture as sp

    monkeypatch.setattr(sp, "_MC_MEMORY_CAP", 2**20)  # 1 MiB
    entropy_gaussian_mixture(np.zeros((10, 2)), 1.0, n_mc=100)  # 1000 points x 48 bytes: fits
    with pytest.raises(ValueError, match=r"0.00447 GiB \(1 mixture\(s\) x 100000 points x 48 bytes\)"):
        entropy_gaussian_mixture(np.zeros((10, 2)), 1.0, n_mc=10**4)
