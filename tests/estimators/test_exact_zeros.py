"""Where the exact answer is 0, every estimator says +0.0: no -0.0, no rounding-level negative.

Eigenvalue routines and log-sum-exp differ in their last bits between CPUs and BLAS builds; a
fresh clone elsewhere once printed -0.0 for the matrix-based entropy of identical points.
"""

import math

import numpy as np
import pytest

import ibcore

SAME = np.zeros((16, 3))  # 16 identical points
LABELS = np.arange(16) % 2


def _is_plus_zero(v):
    # +0.0 up to round-off that can only be positive: never negative, never -0.0
    return 0.0 <= v < 1e-12 and math.copysign(1.0, v) == 1.0


CASES = {
    "entropy_renyi": lambda: ibcore.entropy_renyi(SAME, sigma=1.0),
    "entropy_renyi alpha=2": lambda: ibcore.entropy_renyi(SAME, sigma=1.0, alpha=2.0),
    "entropy_renyi alpha=1": lambda: ibcore.entropy_renyi(SAME, sigma=1.0, alpha=1.0),
    "joint_entropy_renyi": lambda: ibcore.joint_entropy_renyi(SAME, SAME, sigma_x=1.0, sigma_y=1.0),
    "mi_renyi": lambda: ibcore.mi_renyi(SAME, SAME, sigma_x=1.0, sigma_y=1.0),
    "mi_kde lower": lambda: ibcore.mi_kde(SAME, noise_var=0.1).i_xl.lower,
    "mi_kde upper": lambda: ibcore.mi_kde(SAME, noise_var=0.1).i_xl.upper,
    "mi_kde I(Y;T)": lambda: ibcore.mi_kde(SAME, labels=LABELS, noise_var=0.1).i_yl.upper,
    "entropy_discrete": lambda: ibcore.entropy_discrete(np.ones(16)),
    "mi_binning I(X;L)": lambda: ibcore.mi_binning(SAME, labels=LABELS).i_xl,
    "mi_binning I(Y;L)": lambda: ibcore.mi_binning(SAME, labels=LABELS).i_yl,
    "mi_decision_rule": lambda: ibcore.mi_decision_rule(np.tile([1.0, 0.0], (16, 1)), labels=LABELS).i_xl,
    "Binning.estimate": lambda: ibcore.Binning().estimate(LABELS, SAME),
    "KDE.estimate": lambda: ibcore.KDE().estimate(np.zeros(16), SAME),
}


@pytest.mark.parametrize("name", list(CASES))
def test_exact_zero_is_plus_zero(name):
    v = CASES[name]()
    assert _is_plus_zero(float(v)), f"{name} gave {v!r}"


def test_renyi_entropy_stays_in_its_range():
    # far-apart points: exactly log N up to round-off, never above it
    v = ibcore.entropy_renyi(np.arange(8.0) * 1e3, sigma=1.0)
    assert 0.0 <= v <= math.log(8)
    assert v == pytest.approx(math.log(8), abs=1e-12)
