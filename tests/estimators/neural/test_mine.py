"""Tests of MINE (ibcore.estimators.neural.mine): vector and image critics, the options, refusals.

Truths used: bivariate Gaussian MI -1/2 log(1 - rho^2); 0 for independent data; the noisy linear
Gaussian channel 1/2 logdet(I + A Sigma A^T / sigma^2). All fits are small (two 32-unit layers,
a few hundred Adam steps) so each takes about a second on one CPU core.
"""

from __future__ import annotations

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
from ibcore.ground_truth.images import image_pair
from ibcore.interface import MIEstimator

pytestmark = pytest.mark.usefixtures("one_thread")


FAST = dict(hidden=(32, 32), n_iter=400, batch_size=256, lr=3e-3)


W = np.array([[1.0, 0.5, -0.3], [0.2, -0.8, 0.6]])


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


SHAPES = ((1, 16, 16), (1, 16, 16))


def _bumps(mi: float, n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    p = image_pair("bumps", n, mi, seed=seed)
    return p.x.reshape(n, -1), p.y.reshape(n, -1)


def test_conv_critic_is_a_lower_bound_near_the_truth():
    # bump images whose 2-D latent pair carries 2 nats: the held-out DV bound of the conv critic
    # comes close from below (sampling noise of the held-out mean allows a little above)
    x, y = _bumps(2.0)
    r = mi_mine(x, y, hidden=(64,), n_iter=300, batch_size=128, lr=1e-3, image_shapes=SHAPES)
    assert not r.diverged
    assert 1.0 < r.estimate < 2.0 + 0.3
    assert r.config["image_shapes"] == SHAPES


def test_conv_critic_finds_nothing_in_independent_images():
    x, _ = _bumps(0.5, seed=1)
    _, y = _bumps(0.5, seed=2)  # images of independent latents
    r = mi_mine(x, y, hidden=(64,), n_iter=200, batch_size=128, lr=1e-3, image_shapes=SHAPES)
    assert abs(r.estimate) < 0.2


def test_evaluate_and_estimate_with_the_conv_critic():
    x, y = _bumps(1.0, n=200)
    est = MINE(hidden=(16,), n_iter=20, batch_size=64, image_shapes=SHAPES)
    value = est.estimate(x, y)
    assert np.isfinite(value) and np.isfinite(est.evaluate(x, y))


def test_images_that_do_not_match_their_shape_are_refused():
    x, y = _bumps(1.0, n=50)
    with pytest.raises(ValueError, match="pass images flattened"):
        mi_mine(x, y, n_iter=2, image_shapes=((1, 8, 8), (1, 16, 16)))
