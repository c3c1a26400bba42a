"""Tests of ibcore.models.registry: build_model from a spec, set_noise."""

from __future__ import annotations

import pytest
import torch

from ibcore.models import (
    build_model,
    mlp,
    set_noise,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_noise_generator_reproducible():
    torch.manual_seed(6)
    net = mlp([4, 8, 2], noise_std=1.0)
    x = torch.randn(5, 4)
    set_noise(net, generator=torch.Generator().manual_seed(11))
    a = net(x)
    set_noise(net, generator=torch.Generator().manual_seed(11))
    b = net(x)
    assert torch.equal(a, b)


def test_build_model_errors():
    with pytest.raises(ValueError, match="unknown kind"):
        build_model({"kind": "resnet"})
    with pytest.raises(ValueError, match="needs a 'kind'"):
        build_model({"widths": [3, 2]})
    with pytest.raises(ValueError, match="unknown option"):
        build_model({"kind": "mlp", "widths": [3, 2], "dropout": 0.5})
    with pytest.raises(ValueError, match="needs 'widths'"):
        build_model({"kind": "mlp"})
    with pytest.raises(TypeError, match="must be a dict"):
        build_model("mlp")
