"""Tests of ibcore.estimators.sample_propagation: the I(X;T) estimator of Goldfeld et al. (2019).

Truths used: the entropy of one Gaussian, d/2 log(2 pi e beta^2); the linear-Gaussian channel
1/2 logdet(I + A Sigma A^T / beta^2); a two-layer linear-Gaussian network in closed form.
"""

import math

import numpy as np
import pytest
import torch

from ibcore.estimators.gaussian_mixture import entropy_gaussian_mixture
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
