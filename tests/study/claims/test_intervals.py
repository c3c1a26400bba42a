"""Tests of ibcore.study.claims.intervals: the t, Welch and normal intervals, the bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ibcore.study import claims as C


def test_t_interval_is_the_closed_form_and_one_value_has_none():
    v = [0.3, 0.5, 0.4, 0.7, 0.6]
    got = C.t_interval(v, level=0.9)
    low, high = stats.t.interval(0.9, 4, loc=np.mean(v), scale=stats.sem(v))
    assert got.low == pytest.approx(low, rel=1e-12) and got.high == pytest.approx(high, rel=1e-12)
    assert got.n == 5 and got.method == "t over 5 seeds" and got.bounded
    one = C.t_interval([0.4])
    assert not one.bounded and one.estimate == 0.4 and "no interval" in one.text()
    same = C.t_interval([0.2, 0.2, 0.2])
    assert same.low == same.high == pytest.approx(0.2)


def test_difference_interval_is_welch():
    a, b = [86.1, 86.6, 85.9, 86.4], [85.7, 86.0, 85.2]
    got = C.difference_interval(a, b)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert got.low == pytest.approx(ci.low, rel=1e-10) and got.high == pytest.approx(ci.high, rel=1e-10)
    assert got.estimate == pytest.approx(np.mean(a) - np.mean(b))
    assert not C.difference_interval([1.0], [0.0, 0.5]).bounded


def test_stderr_and_bootstrap_intervals():
    got = C.stderr_interval(1.0, 0.1, method="Monte Carlo s.e.")
    assert got.high - got.low == pytest.approx(2 * 1.959963984540054 * 0.1, rel=1e-9)
    rng = np.random.default_rng(0)
    v = rng.normal(2.0, 1.0, 40)
    boot = C.bootstrap_interval(v, seed=3)
    assert boot == C.bootstrap_interval(v, seed=3)  # seeded
    t = C.t_interval(v)
    assert boot.low < 2.0 < boot.high and abs(boot.low - t.low) < 0.15 and abs(boot.high - t.high) < 0.15


def test_bad_intervals_are_refused():
    with pytest.raises(ValueError, match="low <= estimate"):
        C.Interval(1.0, 1.5, 2.0, 0.95, "t", 3)
    with pytest.raises(ValueError, match="level"):
        C.t_interval([1.0, 2.0], level=1.0)
    with pytest.raises(ValueError, match="finite"):
        C.t_interval([1.0, math.nan])
    with pytest.raises(ValueError, match="margin"):
        C.Within("w", "why", margin=0.0)
