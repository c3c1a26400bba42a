"""The WKL guard: mi_wkl / entropy_wkl refuse where the weights explode (appendix A2)."""

import math

import numpy as np
import pytest

from ibcore.estimators import entropy_kl, entropy_wkl, mi_wkl, wkl_weight_norm, wkl_weights
from ibcore.estimators.knn import WKL_MAX_NORM


def test_weight_norm_is_the_norm_of_the_weights_and_inf_where_none_exist():
    assert wkl_weight_norm(5, 8) == pytest.approx(float(np.linalg.norm(wkl_weights(5, 8))))
    assert wkl_weight_norm(5, 3) == 1.0  # d <= 3: w = e_k
    assert wkl_weight_norm(5, 20) == math.inf  # 5 constraints + the sum need k >= 6


def test_entropy_wkl_refuses_above_max_weight_norm_and_says_what_to_do():
    x = np.random.default_rng(0).standard_normal((300, 16))  # k=5, d=16: norm 1.7e4 > 1000
    assert wkl_weight_norm(5, 16) > WKL_MAX_NORM
    with pytest.raises(ValueError, match=r"norm 1\.72e\+04 > max_weight_norm=1000.*entropy_kl"):
        entropy_wkl(x, k=5, device="cpu")
    # a larger k brings the norm down (784 at k=20): a warning, not a refusal
    with pytest.warns(RuntimeWarning, match="norm"):
        assert math.isfinite(entropy_wkl(x, k=20, device="cpu"))
    # max_weight_norm=None computes it anyway (with the warning)
    with pytest.warns(RuntimeWarning, match="norm"):
        assert math.isfinite(entropy_wkl(x, k=5, device="cpu", max_weight_norm=None))


def test_mi_wkl_checks_the_joint_dimension():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((300, 8)), rng.standard_normal((300, 8))  # each 8-D is fine, joint 16-D is not
    with pytest.raises(ValueError, match=r"\(x, y\): the weighted KL weights for k=5, d=16"):
        mi_wkl(x, y, k=5, device="cpu")
    # a tighter bound refuses earlier: joint d=8 has norm 16
    with pytest.raises(ValueError, match="max_weight_norm=10"):
        mi_wkl(x[:, :4], y[:, :4], k=5, device="cpu", max_weight_norm=10.0)
    # below the bound nothing changes: the same number as before the guard existed (sum of entropies)
    a, b = x[:, :2], y[:, :2]
    ref = (
        entropy_wkl(a, k=5, device="cpu")
        + entropy_wkl(b, k=5, device="cpu")
        - entropy_wkl(np.hstack([a, b]), k=5, device="cpu")
    )
    assert mi_wkl(a, b, k=5, device="cpu") == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_max_weight_norm_must_be_positive_and_finite(bad):
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(ValueError, match="max_weight_norm"):
        entropy_wkl(x, max_weight_norm=bad)
    with pytest.raises(ValueError, match="max_weight_norm"):
        mi_wkl(x, x, max_weight_norm=bad)
    with pytest.raises(TypeError, match="max_weight_norm"):
        entropy_wkl(x, max_weight_norm="big")


def test_guard_leaves_low_dimension_unchanged():
    x = np.random.default_rng(2).standard_normal((400, 2))
    assert entropy_wkl(x, k=5, device="cpu") == entropy_kl(x, k=5, device="cpu")
