"""Tests for MINE and architecture-aware MINE (AA-MINE).

Truths used: bivariate Gaussian MI -1/2 log(1 - rho^2); 0 for independent data; the noisy linear
Gaussian channel 1/2 logdet(I + A Sigma A^T / sigma^2). All fits are small (two 32-unit layers,
a few hundred Adam steps) so each takes about a second on one CPU core.
"""

import math
import re

import numpy as np
import pytest
import torch

from ibcore.estimators.neural import (
    AAMINE,
    MINE,
    MINEResult,
    mi_mine,
    mi_noisy_layer,
)
from ibcore.ground_truth import gaussian_pair, noisy_linear_gaussian_mi
from ibcore.interface import MIEstimator

FAST = dict(hidden=(32, 32), n_iter=400, batch_size=256, lr=3e-3)
W = np.array([[1.0, 0.5, -0.3], [0.2, -0.8, 0.6]])


pytestmark = pytest.mark.usefixtures("one_thread")


def linear_layer(w):
    layer = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w, dtype=torch.float32))
    return layer


@pytest.fixture(scope="module")
def tanh_net():
    """A small random frozen network R^5 -> R^2 and 2000 Gaussian inputs."""
    gen = torch.Generator().manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    with torch.no_grad():
        for p in net.parameters():
            p.uniform_(-1.0, 1.0, generator=gen)
    x = np.random.default_rng(0).standard_normal((2000, 5)).astype(np.float32)
    return net, x


# ------------------------------------------------------------------------------------- MINE


def test_mine_gaussian_close_to_closed_form():
    x, y, truth = gaussian_pair(5000, 0.8, seed=0)  # truth = -1/2 log(0.36) = 0.511 nats
    r = mi_mine(x, y, **FAST)
    assert isinstance(r, MINEResult)
    # MINE is a lower bound (critic capacity, finite training) plus estimation noise of the
    # held-out DV bound on 1000 samples (sd ~0.03); seeds 0-3 gave 0.44-0.51, so 0.1 nats.
    assert r.estimate == pytest.approx(truth, abs=0.1)
    assert float(r) == r.estimate


def test_mine_independent_is_about_zero():
    x, y, _ = gaussian_pair(2000, 0.0, seed=1)
    r = mi_mine(x, y, **FAST)
    # True MI is 0; the held-out bound on 400 samples has sd ~0.01 and the critic can only
    # overfit the training part (seeds 0-3: |estimate| <= 0.004): |estimate| < 0.05.
    assert abs(r.estimate) < 0.05


def test_mine_ranks_correlations():
    est = [mi_mine(*gaussian_pair(2000, rho, seed=2)[:2], **FAST).estimate for rho in (0.3, 0.6, 0.9)]
    # True MI 0.047, 0.223, 0.830: gaps far above the ~0.03 noise.
    assert est[0] < est[1] < est[2], est


def test_mine_reproducible_with_seed():
    x, y, _ = gaussian_pair(600, 0.5, seed=3)
    opts = dict(hidden=(16,), n_iter=60, batch_size=64, lr=3e-3, log_every=20)
    a, b = mi_mine(x, y, seed=7, **opts), mi_mine(x, y, seed=7, **opts)
    assert a.estimate == b.estimate
    np.testing.assert_array_equal(a.train_curve, b.train_curve)
    np.testing.assert_array_equal(a.eval_curve, b.eval_curve)
    assert mi_mine(x, y, seed=8, **opts).estimate != a.estimate


def test_mine_curves_and_config():
    x, y, _ = gaussian_pair(500, 0.5, seed=4)
    r = mi_mine(x, y, hidden=(8,), n_iter=120, batch_size=64, log_every=50, eval_fraction=0.3)
    assert r.train_curve.shape == (120,) and np.all(np.isfinite(r.train_curve))
    np.testing.assert_array_equal(r.eval_steps, [50, 100, 120])
    assert r.eval_curve.shape == (3,) and r.estimate == r.eval_curve[-1]
    assert r.config["n_eval"] == 150 and r.config["n_train"] == 350
    assert r.config["hidden"] == (8,) and r.config["seed"] == 0


def test_mine_class_protocol_and_evaluate():
    x, y, truth = gaussian_pair(3000, 0.8, seed=5)
    est = MINE(**FAST)
    assert isinstance(est, MIEstimator)
    value = est.estimate(x[:2000], y[:2000])
    assert value == est.result_.estimate
    # The trained critic's bound on 1000 fresh samples agrees with the held-out one to within
    # their sampling noise (sd ~0.03 each) and stays near the truth.
    fresh = est.evaluate(x[2000:], y[2000:])
    assert fresh == pytest.approx(value, abs=0.1)
    assert fresh == pytest.approx(truth, abs=0.12)


def test_mine_relu_and_plain_gradient_run():
    x, y, truth = gaussian_pair(2000, 0.8, seed=6)
    r = mi_mine(x, y, activation="relu", ema_rate=1.0, **FAST)  # ema_rate=1: uncorrected gradient
    assert r.estimate == pytest.approx(truth, abs=0.15)  # looser: biased gradient, ReLU critic


# ----------------------------------------------------------------------------------- AA-MINE


def test_noisy_linear_closed_form():
    assert noisy_linear_gaussian_mi([[1.0]], [[1.0]], 1.0) == pytest.approx(0.5 * math.log(2))
    # Two independent channels with gains 2 and 1: sum of 1/2 log(1 + gain^2 / sigma^2).
    v = noisy_linear_gaussian_mi(np.diag([2.0, 1.0]), np.eye(2), 0.5)
    assert v == pytest.approx(0.5 * math.log(1 + 16) + 0.5 * math.log(1 + 4))


def test_aamine_linear_layer_close_to_closed_form():
    x = np.random.default_rng(1).standard_normal((2000, 3))
    truth = noisy_linear_gaussian_mi(W, np.eye(3), 0.3)  # 2.60 nats
    r = mi_noisy_layer(x, linear_layer(W), 0.3, architecture_aware=True, n_eval_shuffles=20, **FAST)
    # Held-out DV bound on 400 samples at I = 2.6 nats: seeds 0-3 gave 2.43-2.64 (the heavy
    # tail of e^T makes the marginal term noisy), so 0.3 nats.
    assert r.estimate == pytest.approx(truth, abs=0.3)


def test_aamine_beats_mine_at_small_sigma(tanh_net):
    net, x = tanh_net
    aa = mi_noisy_layer(x, net, 0.01, architecture_aware=True, **FAST).estimate
    plain = mi_noisy_layer(x, net, 0.01, architecture_aware=False, **FAST).estimate
    # Elad et al. Fig. 1: as sigma -> 0 the true MI ~ d/2 log(1/sigma^2) grows without bound;
    # plain MINE has to learn F and saturates. Seeds 0-3: AA 7.5-12.7, MINE 2.3-2.7 (the true
    # value is ~8-9 nats; DV bounds above log(n_eval) ~ 6 nats are noisy and can overshoot).
    assert aa > plain + 1.0, (aa, plain)


def test_aamine_keeps_growing_as_sigma_shrinks(tanh_net):
    net, x = tanh_net
    big = mi_noisy_layer(x, net, 0.1, **FAST).estimate
    small = mi_noisy_layer(x, net, 0.01, **FAST).estimate
    # True increase is about d/2 log(100) = 4.6 nats (d = 2); seeds 0-3 gave 3.6-8.8. Require half.
    assert small - big > 2.3, (big, small)


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


@pytest.mark.filterwarnings("ignore:AA-MINE training diverged")  # 40 steps: a barely trained critic
def test_aamine_reproducible(tanh_net):
    net, x = tanh_net
    opts = dict(hidden=(8,), n_iter=40, batch_size=64, log_every=20)
    a = mi_noisy_layer(x[:400], net, 0.05, seed=3, **opts)
    b = mi_noisy_layer(x[:400], net, 0.05, seed=3, **opts)
    np.testing.assert_array_equal(a.train_curve, b.train_curve)
    assert a.estimate == b.estimate


# -------------------------------------------------------------------------------------- errors


def test_errors(tanh_net):
    net, x = tanh_net
    xs, ys, _ = gaussian_pair(100, 0.5, seed=0)
    with pytest.raises(ValueError, match="x has 100 rows, y has 99"):
        mi_mine(xs, ys[:99])
    bad = xs.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        mi_mine(bad, ys)
    with pytest.raises(ValueError, match="y must be 1-D"):
        mi_mine(xs, np.zeros((100, 2, 2)))
    with pytest.raises(ValueError, match="x is empty"):
        mi_mine(np.zeros((0, 1)), np.zeros((0, 1)))
    for frac in (0.0, 1.0, 1.5, -0.2):
        with pytest.raises(ValueError, match="eval_fraction must be"):
            MINE(eval_fraction=frac)
    with pytest.raises(ValueError, match="each part needs at least 2"):
        mi_mine(xs[:10], ys[:10], eval_fraction=0.05)
    with pytest.raises(ValueError, match="hidden width must be >= 1"):
        MINE(hidden=(32, 0))
    with pytest.raises(ValueError, match="hidden must hold at least one"):
        MINE(hidden=())
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        MINE(batch_size=1)
    with pytest.raises(ValueError, match="n_iter must be >= 1"):
        MINE(n_iter=0)
    with pytest.raises(ValueError, match="ema_rate must be"):
        MINE(ema_rate=0.0)
    with pytest.raises(ValueError, match="ema_rate must be in"):
        MINE(ema_rate=1.5)
    with pytest.raises(ValueError, match="unknown activation='tanh'"):
        MINE(activation="tanh")
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        MINE(lr=-1.0)
    with pytest.raises(ValueError, match="need at least 4 samples"):
        mi_mine(xs[:3], ys[:3])
    with pytest.raises(RuntimeError, match="call fit"):
        MINE().evaluate(xs, ys)
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        AAMINE(net, 0.0)
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        mi_noisy_layer(x, net, -0.1)
    with pytest.raises(TypeError, match="subnetwork must be a torch.nn.Module"):
        AAMINE(lambda v: v, 0.1)
    bad_x = x[:50].copy()
    bad_x[7, 2] = np.inf
    with pytest.raises(ValueError, match="x contains 1 NaN or infinite"):
        mi_noisy_layer(bad_x, net, 0.1, n_iter=1)
    with pytest.raises(ValueError, match="keep the sample axis first"):
        mi_noisy_layer(x[:50], torch.nn.Flatten(0), 0.1, n_iter=1)
    with pytest.raises(ValueError, match="eval_fraction must be"):
        mi_noisy_layer(x[:50], net, 0.1, eval_fraction=1.0)
    with pytest.raises(ValueError, match="cov_x must be"):
        noisy_linear_gaussian_mi(W, np.eye(2), 1.0)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        noisy_linear_gaussian_mi(W, np.eye(3), 0.0)


@pytest.mark.gpu
def test_mine_runs_on_cuda():
    x, y, truth = gaussian_pair(5000, 0.8, seed=0)
    r = mi_mine(torch.tensor(x, device="cuda"), torch.tensor(y, device="cuda"), **FAST)
    assert r.config["device"].startswith("cuda")
    assert r.estimate == pytest.approx(truth, abs=0.1)  # as on the CPU (different random streams)


# ------------------------------------------------------------- failed training is flagged (issue 13)


@pytest.mark.parametrize(
    ("train0", "evals", "why"),
    [
        (0.0, [0.1, 0.3, 0.5], None),  # healthy
        (-3.8, [-4.3, -2.0, 0.4], None),  # an untrained AA-MINE critic starts low and recovers
        (0.0, [0.1, -0.3, 0.2], None),  # held-out noise below 0, within 1 nat
        (0.0, [0.1, -29.0, -0.4], "fell to -29"),  # lr too large: blew up (and came back)
        (-0.01, [-1e14, -4.8e14], "fell to -4.8e\\+14"),  # lr = 1e6
        (-3.8, [-4.3, -3.6], "ended at -3.6"),  # never learned: not a usable bound
        (0.0, [0.1, float("nan")], "NaN or inf"),
    ],
)
def test_failure_rule(train0, evals, why):
    from ibcore.estimators.neural._dv import failure

    got = failure(np.array([train0, 0.0]), np.array(evals))
    if why is None:
        assert got is None
    else:
        assert got is not None and re.search(why, got), got
