"""Tests of AA-MINE (ibcore.estimators.neural.aamine): closed forms, small noise, reproducibility.

AAMINE(residual="log"): the critic sees sign(r) log(1 + |r|) of r = (t - F(x)) / sigma.

An invertible map of the residual leaves the MI and the critic family unchanged; it keeps the
product pairs' residuals (|F(x) - F(x')| / sigma, ~1e4 at sigma = 1e-4) from blowing the DV
bound up, which is what the linear input does at tiny sigma.
"""

import warnings

import numpy as np
import pytest
import torch

from ibcore.estimators.neural import (
    AAMINE,
    mi_noisy_layer,
)
from ibcore.ground_truth import noisy_linear_gaussian_mi

OPTS = dict(n_iter=500, batch_size=256, lr=3e-3, hidden=(64,), seed=0)


def _linear(seed=0):
    g = torch.Generator().manual_seed(seed)
    lin = torch.nn.Linear(4, 2, bias=False)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(2, 4, generator=g) / 2)
    x = torch.randn(2000, 4, generator=g)
    return lin, x


def test_log_residual_matches_the_closed_form_at_moderate_noise():
    lin, x = _linear()
    truth = noisy_linear_gaussian_mi(lin.weight.detach().numpy(), np.eye(4), 0.3)
    est = mi_noisy_layer(x, lin, 0.3, residual="log", **OPTS).estimate
    # truth 2.75 nats; 500 steps reach ~2.65 (the linear residual: 2.70); 0.3 nat covers the
    # DV bound's shortfall plus 4 s.d. of its held-out noise (400 samples)
    assert est == pytest.approx(truth, abs=0.3)


def test_log_residual_does_not_diverge_and_grows_at_tiny_noise():
    lin, x = _linear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a diverged fit warns: fail on it
        small = mi_noisy_layer(x, lin, 1e-4, residual="log", **OPTS)
    moderate = mi_noisy_layer(x, lin, 0.3, residual="log", **OPTS)
    assert not small.diverged
    # the truth rises by log(0.3 / 1e-4) = 8 nats per output dimension; the DV bound on 400
    # held-out samples cannot show all of it, but it must rise well beyond the moderate value
    assert small.estimate > moderate.estimate + 2.0


def test_residual_option_is_checked_and_recorded():
    lin, _ = _linear()
    with pytest.raises(ValueError, match="residual"):
        AAMINE(lin, 0.1, residual="square")
    _, x = _linear()
    r = AAMINE(lin, 0.3, residual="log", **{**OPTS, "n_iter": 5}).fit(x).result_
    assert r.config["residual"] == "log"
    assert AAMINE(lin, 0.3).residual == "linear"  # the default is unchanged


# one intra-op thread for the tests below (they ran under a module-wide one_thread mark);
# last in the file, as the module-scoped fixture stays in effect until the module ends


FAST = dict(hidden=(32, 32), n_iter=400, batch_size=256, lr=3e-3)


W = np.array([[1.0, 0.5, -0.3], [0.2, -0.8, 0.6]])


def linear_layer(w):
    layer = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w, dtype=torch.float32))
    return layer


@pytest.mark.usefixtures("one_thread")
def test_aamine_linear_layer_close_to_closed_form():
    x = np.random.default_rng(1).standard_normal((2000, 3))
    truth = noisy_linear_gaussian_mi(W, np.eye(3), 0.3)  # 2.60 nats
    r = mi_noisy_layer(x, linear_layer(W), 0.3, architecture_aware=True, n_eval_shuffles=20, **FAST)
    # Held-out DV bound on 400 samples at I = 2.6 nats: seeds 0-3 gave 2.43-2.64 (the heavy
    # tail of e^T makes the marginal term noisy), so 0.3 nats.
    assert r.estimate == pytest.approx(truth, abs=0.3)


@pytest.mark.usefixtures("one_thread")
def test_aamine_beats_mine_at_small_sigma(tanh_net):
    net, x = tanh_net
    aa = mi_noisy_layer(x, net, 0.01, architecture_aware=True, **FAST).estimate
    plain = mi_noisy_layer(x, net, 0.01, architecture_aware=False, **FAST).estimate
    # Elad et al. Fig. 1: as sigma -> 0 the true MI ~ d/2 log(1/sigma^2) grows without bound;
    # plain MINE has to learn F and saturates. Seeds 0-3: AA 7.5-12.7, MINE 2.3-2.7 (the true
    # value is ~8-9 nats; DV bounds above log(n_eval) ~ 6 nats are noisy and can overshoot).
    assert aa > plain + 1.0, (aa, plain)


@pytest.mark.usefixtures("one_thread")
def test_aamine_keeps_growing_as_sigma_shrinks(tanh_net):
    net, x = tanh_net
    big = mi_noisy_layer(x, net, 0.1, **FAST).estimate
    small = mi_noisy_layer(x, net, 0.01, **FAST).estimate
    # True increase is about d/2 log(100) = 4.6 nats (d = 2); seeds 0-3 gave 3.6-8.8. Require half.
    assert small - big > 2.3, (big, small)


@pytest.mark.usefixtures("one_thread")
def test_aamine_class_critic_and_no_side_effects(tanh_net):
    net, x = tanh_net
    est = AAMINE(net, 0.1, hidden=(8,), n_iter=30, batch_size=64, log_every=10, seed=1)
    value = est.estimate(x[:300])
    assert value == est.result_.estimate and est.result_.config["architecture_aware"] is True
    assert all(p.requires_grad for p in net.parameters())  # the caller's module is untouched
    assert est.result_.config["dim_t"] == 2 and est.result_.train_curve.shape == (30,)
    # The critic holds a frozen copy of F: critic(x, t) == head(F(x), t).
    xt = torch.from_numpy(x[:5])
    with torch.no_grad():
        t = net(xt)
        np.testing.assert_allclose(est.critic_(xt, t).numpy(), est.critic_.head(net(xt), t).numpy())
    assert not any(p.requires_grad for p in est.critic_.subnet.parameters())


@pytest.mark.usefixtures("one_thread")
@pytest.mark.filterwarnings("ignore:AA-MINE training diverged")  # 40 steps: a barely trained critic
def test_aamine_reproducible(tanh_net):
    net, x = tanh_net
    opts = dict(hidden=(8,), n_iter=40, batch_size=64, log_every=20)
    a = mi_noisy_layer(x[:400], net, 0.05, seed=3, **opts)
    b = mi_noisy_layer(x[:400], net, 0.05, seed=3, **opts)
    np.testing.assert_array_equal(a.train_curve, b.train_curve)
    assert a.estimate == b.estimate
