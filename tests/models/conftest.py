"""Fixtures shared by the tests of ibcore.models."""

from __future__ import annotations

import pytest
import torch
from torch import nn


def _hooked(model: nn.Module, x: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
    seen: dict[str, torch.Tensor] = {}
    handles = [
        model.get_submodule(n).register_forward_hook(lambda m, i, o, n=n: seen.__setitem__(n, o))
        for n in names
    ]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return seen


@pytest.fixture
def hook_outputs():
    """``hook_outputs(model, x, names)``: the outputs of the named submodules in a forward pass of x."""
    return _hooked
