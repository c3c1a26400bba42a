"""Tests of ibcore.models._spec: late spec options stay out of specs at their default."""

from __future__ import annotations

import pytest

from ibcore.models import (
    MLP,
    MNISTCNN,
    CIFAR10ConvNet,
    GaussianNoise,
    build_model,
    normalize_spec,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_noise_mode_in_specs_only_when_not_additive():
    for cls, extra in ((MNISTCNN, {}), (CIFAR10ConvNet, {}), (MLP, {"widths": [4, 3, 2]})):
        kind = cls(**extra).spec["kind"] if extra else cls().spec["kind"]
        plain = normalize_spec({"kind": kind, **extra})
        assert "noise_mode" not in plain  # so the cache keys of old runs do not change
        assert normalize_spec({**plain, "noise_mode": "additive"}) == plain
        mult = normalize_spec({**plain, "noise_std": 0.01, "noise_mode": "multiplicative"})
        assert mult["noise_mode"] == "multiplicative"
        net = build_model(mult)
        assert net.spec == mult
        modes = {m.mode for m in net.modules() if isinstance(m, GaussianNoise)}
        assert modes == {"multiplicative"}
