"""Tests of ibcore.training.recording: record_activations and ActivationRecorder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from ibcore.training import (
    ActivationRecorder,
    record_activations,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# --------------------------------------------------------------------------------------- recording
class _Custom(nn.Module):
    """Not an ibcore model: a branchy module with nested names."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
        self.head = nn.Linear(2 * 4 * 4, 3)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def test_record_activations_sequential_values():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))
    net.train()
    x = torch.randn(37, 5)
    acts = record_activations(net, x, ["2", "1"], batch_size=8)  # 5 batches, last one partial
    assert list(acts) == ["1", "2"]  # forward (input -> output) order, not argument order
    with torch.no_grad():
        h = torch.tanh(net[0](x))
        out = net[2](h)
        # A batch of 8 rows and the full 37 may go through different matrix kernels, which sum
        # the d + 1 terms of each unit (bias included) in another order: each result is within
        # d u sum_i |w_i x_i| + |b| of the exact sum (u = 2^-24, float32's unit roundoff; Higham,
        # Accuracy and Stability, Sec. 3.1), so the two differ by at most twice that. tanh is
        # 1-Lipschitz and its own rounding (a few ulps, by vectorised kernels that differ between
        # CPUs) adds 4u per value; the second layer sees the first's difference through |W2|.
        u = 2.0**-24
        w1, b1, w2, b2 = net[0].weight, net[0].bias, net[2].weight, net[2].bias
        tol1 = 2 * 6 * u * (x.abs() @ w1.abs().T + b1.abs()) + 4 * u
        tol2 = tol1 @ w2.abs().T + 2 * 5 * u * (h.abs() @ w2.abs().T + b2.abs())
    assert bool(((acts["1"] - h).abs() <= tol1).all())
    assert bool(((acts["2"] - out).abs() <= tol2).all())
    assert float(tol1.max()) < 1e-5  # the bound is float32 rounding, not a loose tolerance
    assert net.training  # mode restored
    assert all(not m._forward_hooks for m in net.modules())  # hooks removed


def test_record_activations_custom_module_flatten_and_dtype():
    torch.manual_seed(0)
    net = _Custom().eval()
    x = np.random.default_rng(0).random((6, 1, 6, 6))  # numpy float64 input
    flat = record_activations(net, x, ["features.0", "features", "head"], dtype=torch.float16)
    assert flat["features.0"].shape == (6, 2 * 4 * 4) and flat["head"].shape == (6, 3)
    assert flat["head"].dtype == torch.float16
    raw = record_activations(net, x, ["features.0"], flatten=False)
    assert raw["features.0"].shape == (6, 2, 4, 4)
    assert not net.training


def test_record_activations_bad_layer_name_lists_available():
    net = _Custom()
    with pytest.raises(
        ValueError,
        match=r"unknown layer name\(s\) \['body'\].*available: \['features', "
        r"'features.0', 'features.1', 'head'\]",
    ):
        record_activations(net, torch.zeros(2, 1, 6, 6), ["body"])
    with pytest.raises(ValueError, match="duplicates"):
        record_activations(net, torch.zeros(2, 1, 6, 6), ["head", "head"])
    with pytest.raises(ValueError, match="empty"):
        record_activations(net, torch.zeros(2, 1, 6, 6), [])


def test_record_activations_hooks_removed_on_error():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(4, 2))  # second layer cannot take the first's output
    net.train()
    with pytest.raises(RuntimeError):
        record_activations(net, torch.zeros(5, 3), ["0"])
    assert all(not m._forward_hooks for m in net.modules())
    assert net.training


def test_record_activations_shared_module_rejected():
    lin = nn.Linear(3, 3)
    net = nn.Sequential(lin, nn.Tanh(), lin)  # the same module runs twice per forward pass
    with pytest.raises(ValueError, match="exactly once per forward pass"):
        record_activations(net, torch.zeros(4, 3), ["0"])


def test_activation_recorder_context():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with ActivationRecorder(net, ["0", "2"], to_cpu=True) as rec:
        net(torch.ones(2, 3))
        net(torch.ones(3, 3))
    assert rec.counts() == {"0": 2, "2": 2}
    assert rec.result()["2"].shape == (5, 2)
    assert all(not m._forward_hooks for m in net.modules())
