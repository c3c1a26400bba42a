"""Fixtures shared by the tests of ibcore.estimators.neural."""

import numpy as np
import pytest
import torch


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
