"""Tests for the sample-propagation (Goldfeld et al. 2019) mixture-entropy and I(X;T) estimators.

Truths used: the entropy of one Gaussian, d/2 log(2 pi e beta^2); far-apart components, log n
plus that; a 1-D two-component mixture by quadrature; the linear-Gaussian channel
1/2 logdet(I + A Sigma A^T / beta^2); a two-layer linear-Gaussian network in closed form.
"""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ibcore.estimators.gaussian_mixture import MCEntropy, entropy_gaussian_mixture
from ibcore.estimators.sample_propagation import SPResult, mi_sample_propagation


def gauss_h(d, beta):
    return 0.5 * d * math.log(2 * math.pi * math.e * beta**2)


def linear(a):
    """A bias-free float64 torch linear layer with weight ``a``."""
    a = np.asarray(a, dtype=np.float64)
    layer = torch.nn.Linear(a.shape[1], a.shape[0], bias=False, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(a))
    return layer


SIGMA_X = np.array([[1.0, 0.5], [0.5, 1.0]])
A1 = np.array([[1.0, 0.3], [-0.4, 0.8]])
A2 = np.array([[0.7, -0.2], [0.5, 0.9]])


@pytest.fixture(scope="module")
def gaussian_x():
    return np.random.default_rng(0).multivariate_normal([0.0, 0.0], SIGMA_X, size=1000)


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


# ------------------------------------------------------------------------------ I(X;T), 1 layer


def test_identical_inputs_give_zero_mi():
    x = np.ones((20, 2))
    r = mi_sample_propagation(x, torch.nn.Identity(), 0.5, n_mc=200)
    assert isinstance(r, SPResult)
    assert r.h_t_given_x == pytest.approx(gauss_h(2, 0.5), abs=1e-12)  # exact for the first layer
    assert abs(r.mi) < 4 * r.stderr


def test_far_apart_inputs_give_log_n():
    n = 16
    x = np.random.default_rng(4).permutation(n)[:, None] * 100.0  # spacing 100 beta
    r = mi_sample_propagation(x, torch.nn.Identity(), 1.0, n_mc=300)
    assert abs(r.mi - math.log(n)) < 4 * r.stderr


def test_mi_decreases_as_beta_grows(gaussian_x):
    x = gaussian_x[:300]
    mis = [mi_sample_propagation(x, linear(A1), b, n_mc=10).mi for b in (0.1, 0.3, 1.0, 3.0)]
    # True MI drops by >= 0.2 nats per step here; MC se is ~0.01, so the order cannot flip by noise.
    assert all(a > b for a, b in zip(mis, mis[1:], strict=False)), mis
    assert mis[0] <= math.log(300) + 0.05  # X uniform on 300 points: I <= log 300


@pytest.mark.parametrize("beta", [0.3, 1.0])
def test_linear_gaussian_layer_matches_closed_form(gaussian_x, beta):
    truth = 0.5 * np.linalg.slogdet(np.eye(2) + A1 @ SIGMA_X @ A1.T / beta**2)[1]
    r = mi_sample_propagation(gaussian_x, linear(A1), beta, n_mc=10)
    # m = 1000 samples of continuous X: plug-in error ~ (log m)^{1/2}/sqrt(m) ~ 0.08 times a
    # constant < 1 here (measured |error| <= 0.02 at beta in {0.3, 0.5, 1}); MC se ~ 0.005.
    assert r.mi == pytest.approx(truth, abs=0.05)


def test_device_string_and_tensor_input(gaussian_x):
    x = torch.tensor(gaussian_x[:100])
    a = mi_sample_propagation(x, linear(A1), 0.5, n_mc=5, device="cpu")
    b = mi_sample_propagation(gaussian_x[:100], linear(A1), 0.5, n_mc=5, device="cpu")
    assert a == b


# ---------------------------------------------------------------------------- stacked layers


def test_stacked_linear_gaussian_matches_closed_form(gaussian_x):
    b1, b2 = 0.3, 0.4
    cov_t = A2 @ A1 @ SIGMA_X @ A1.T @ A2.T + b1**2 * A2 @ A2.T + b2**2 * np.eye(2)
    cov_n = b1**2 * A2 @ A2.T + b2**2 * np.eye(2)
    truth = 0.5 * (np.linalg.slogdet(cov_t)[1] - np.linalg.slogdet(cov_n)[1])
    r = mi_sample_propagation(
        gaussian_x[:200], [linear(A1), linear(A2)], [b1, b2], n_samples_per_x=10, n_mc=10
    )
    # With r = 10 propagated samples per input, each conditional mixture is a 10-sample plug-in
    # of N(A2 A1 x, cov_n) (error O((log r)^{1/2}/sqrt r); measured -0.043 nats), and h(T) has
    # the m = 200 plug-in error (measured -0.018): 0.1 nats covers either with room for MC noise.
    assert r.mi == pytest.approx(truth, abs=0.1)
    assert r.h_t_given_x == pytest.approx(0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov_n)[1], abs=0.1)


def test_stacked_with_tiny_first_noise_equals_single_layer(gaussian_x):
    x = gaussian_x[:200]
    net = [torch.nn.Sequential(linear(A1), torch.nn.Tanh()), linear(A2)]
    stacked = mi_sample_propagation(x, net, [1e-5, 0.4], n_samples_per_x=4, n_mc=25)
    with torch.no_grad():
        centres = net[1](net[0](torch.from_numpy(x)))
    single = mi_sample_propagation(centres, torch.nn.Identity(), 0.4, n_mc=100)
    # The replicas coincide to 1e-5, so both are MC estimates of the same mixture entropy:
    # agreement within 4 combined standard errors.
    assert abs(stacked.mi - single.mi) < 4 * math.hypot(stacked.stderr, single.stderr)


def test_stacked_mi_decreases_with_first_layer_noise(gaussian_x):
    x = gaussian_x[:100]
    net = [torch.nn.Sequential(linear(A1), torch.nn.Tanh()), linear(A2)]
    mis = [mi_sample_propagation(x, net, [b1, 0.4], n_samples_per_x=8, n_mc=10).mi for b1 in (0.05, 0.3, 1.0)]
    # Data processing: more noise before layer 2 cannot add information (measured steps >= 0.08
    # nats, MC se ~ 0.01).
    assert mis[0] > mis[1] > mis[2], mis


def test_layer_index_selects_layer(gaussian_x):
    x = gaussian_x[:100]
    net = [linear(A1), linear(A2)]
    first = mi_sample_propagation(x, net, 0.5, layer_index=0, n_mc=10)
    alone = mi_sample_propagation(x, net[0], 0.5, n_mc=10)
    assert first == alone
    assert mi_sample_propagation(
        x, net, 0.5, layer_index=-1, n_samples_per_x=3, n_mc=3
    ) == mi_sample_propagation(x, net, 0.5, layer_index=1, n_samples_per_x=3, n_mc=3)


# ------------------------------------------------------------------------------------ errors


def test_errors():
    c = np.zeros((5, 2))
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        entropy_gaussian_mixture(c, 0.0)
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        entropy_gaussian_mixture(c, -1.0)
    with pytest.raises(ValueError, match="centres contains 1 NaN"):
        entropy_gaussian_mixture(np.array([[0.0], [np.nan]]), 1.0)
    with pytest.raises(ValueError, match="centres is empty"):
        entropy_gaussian_mixture(np.zeros((0, 2)), 1.0)
    with pytest.raises(ValueError, match="n_mc must be >= 1"):
        entropy_gaussian_mixture(c, 1.0, n_mc=0)
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        entropy_gaussian_mixture(c, 1.0, chunk_size=0)
    with pytest.raises(ValueError, match="centres must be 1-D"):
        entropy_gaussian_mixture(np.zeros((2, 2, 2)), 1.0)
    ident = torch.nn.Identity()
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        mi_sample_propagation(c, ident, 0.0)
    with pytest.raises(ValueError, match=r"beta\[1\] must be finite and > 0"):
        mi_sample_propagation(c, [ident, ident], [1.0, -1.0])
    with pytest.raises(ValueError, match="beta has 1 values but there are 2 layers"):
        mi_sample_propagation(c, [ident, ident], [1.0])
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        mi_sample_propagation(np.array([[0.0], [np.nan]]), ident, 1.0)
    with pytest.raises(ValueError, match="x is empty"):
        mi_sample_propagation(np.zeros((0, 1)), ident, 1.0)
    with pytest.raises(ValueError, match="n_mc must be >= 1"):
        mi_sample_propagation(c, ident, 1.0, n_mc=0)
    with pytest.raises(ValueError, match="n_samples_per_x must be >= 1"):
        mi_sample_propagation(c, [ident, ident], 1.0, n_samples_per_x=0)
    with pytest.raises(ValueError, match="layer_index=2 is out of range"):
        mi_sample_propagation(c, [ident, ident], 1.0, layer_index=2)
    with pytest.raises(ValueError, match="layers is empty"):
        mi_sample_propagation(c, [], 1.0)
    with pytest.raises(TypeError, match="layers must be a callable"):
        mi_sample_propagation(c, 3, 1.0)
    with pytest.raises(ValueError, match="produced NaN"):
        mi_sample_propagation(c, lambda t: t * np.nan, 1.0)
    with pytest.raises(ValueError, match="keep the sample axis first"):
        mi_sample_propagation(c, lambda t: t[:2], 1.0)


@pytest.mark.gpu
def test_linear_gaussian_layer_on_cuda(gaussian_x):
    truth = 0.5 * np.linalg.slogdet(np.eye(2) + A1 @ SIGMA_X @ A1.T / 0.5**2)[1]
    r = mi_sample_propagation(torch.tensor(gaussian_x, device="cuda"), linear(A1), 0.5, n_mc=10)
    assert r.mi == pytest.approx(truth, abs=0.05)  # as on the CPU (the layer is copied to CUDA)


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
