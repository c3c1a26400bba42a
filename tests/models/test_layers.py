"""Tests of ibcore.models.layers: GaussianNoise, additive and multiplicative."""

from __future__ import annotations

import pytest
import torch

from ibcore.models import (
    MNISTCNN,
    GaussianNoise,
    mlp,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_gaussian_noise_zero_std_is_identity():
    x = torch.randn(3, 4)
    assert GaussianNoise(0.0)(x) is x
    with pytest.raises(ValueError, match="noise_std"):
        GaussianNoise(-1.0)


def test_multiplicative_noise_keeps_the_noise_to_signal_ratio():
    torch.manual_seed(8)
    noise = GaussianNoise(0.2, mode="multiplicative").eval()
    s = torch.tensor([0.0, 1.0, -3.0, 50.0]).repeat(100_000, 1)
    t = noise(s)
    assert torch.equal(t[:, 0], s[:, 0])  # a zero entry gets no noise
    ratio = (t - s)[:, 1:] / s[:, 1:]  # = 0.2 Z whatever the signal
    # 1e5 draws per column: the sample std has relative s.e. ~ 0.2 %; 2 % is ample
    assert ratio.std(dim=0).tolist() == pytest.approx([0.2, 0.2, 0.2], rel=0.02)
    assert ratio.mean(dim=0).abs().max() < 0.005  # 5 s.e. of the mean
    # the additive kind at the same std does not scale with the signal
    additive = GaussianNoise(0.2).eval()(s) - s
    assert additive[:, 0].std() == pytest.approx(0.2, rel=0.02)
    assert additive[:, 3].std() == pytest.approx(0.2, rel=0.02)


def test_multiplicative_noise_gradient_flows_through_the_scale():
    noise = GaussianNoise(0.5, mode="multiplicative", generator=torch.Generator().manual_seed(1))
    x = torch.tensor([2.0, -1.0], requires_grad=True)
    t = noise(x)
    t.sum().backward()
    # t = x (1 + 0.5 z): dt/dx = 1 + 0.5 z = t / x
    assert torch.allclose(x.grad, (t / x).detach())


def test_noise_mode_errors():
    with pytest.raises(ValueError, match="noise_mode"):
        GaussianNoise(0.1, mode="uniform")
    with pytest.raises(ValueError, match="noise_mode"):
        MNISTCNN(noise_mode="relative")
    with pytest.raises(ValueError, match="noise_mode"):
        mlp([3, 2], noise_mode="")
