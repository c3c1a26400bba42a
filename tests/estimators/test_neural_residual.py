"""AAMINE(residual="log"): the critic sees sign(r) log(1 + |r|) of r = (t - F(x)) / sigma.

An invertible map of the residual leaves the MI and the critic family unchanged; it keeps the
product pairs' residuals (|F(x) - F(x')| / sigma, ~1e4 at sigma = 1e-4) from blowing the DV
bound up, which is what the linear input does at tiny sigma.
"""

import warnings

import numpy as np
import pytest
import torch

from ibcore import AAMINE, mi_noisy_layer
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
