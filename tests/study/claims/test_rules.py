"""Tests of ibcore.study.claims.rules: a rule decides an interval, items, and one rule per item."""

from __future__ import annotations

import math

import pytest

from ibcore.study import claims as C


@pytest.mark.parametrize(
    ("rule", "interval", "want"),
    [
        (C.AtLeast("r", "why", threshold=0.1), (0.3, 0.2, 0.4), "met"),
        (C.AtLeast("r", "why", threshold=0.1), (0.3, 0.1, 0.4), "met"),  # bound inclusive
        (C.AtLeast("r", "why", threshold=0.1), (0.05, 0.0, 0.09), "not met"),
        (C.AtLeast("r", "why", threshold=0.1), (0.15, 0.05, 0.25), "undecided"),
        (C.AtMost("r", "why", threshold=0.0), (-0.2, -0.3, -0.1), "met"),
        (C.AtMost("r", "why", threshold=0.0), (0.2, 0.1, 0.3), "not met"),
        (C.AtMost("r", "why", threshold=0.0), (0.0, -0.1, 0.1), "undecided"),
        (C.Within("on par", "why", margin=0.5), (0.1, -0.2, 0.4), "met"),
        (C.Within("on par", "why", margin=0.5), (1.0, 0.7, 1.3), "not met"),
        (C.Within("on par", "why", margin=0.5), (-1.0, -1.3, -0.7), "not met"),
        (C.Within("on par", "why", margin=0.5), (0.4, 0.1, 0.7), "undecided"),
    ],
)
def test_rules_decide_an_interval(rule, interval, want):
    est, low, high = interval
    assert rule.decide(C.Interval(est, low, high, 0.95, "t", 3)) == want


def test_a_rule_over_items_summarises_them():
    rule = C.AtLeast("r", "why", threshold=0.0)
    up, down, unsure = (
        C.Interval(m, lo, hi, 0.95, "t", 3) for m, lo, hi in ((1, 0.5, 2), (-1, -2, -0.5), (0, -1, 1))
    )
    assert rule.decide([up, up]) == "met"
    assert rule.decide([down, down]) == "not met"
    assert rule.decide([up, down, unsure]) == "partly"  # some met, some not: the unsure one cannot change it
    assert rule.decide([up, unsure]) == "undecided"
    assert rule.decide([down, unsure]) == "not met"  # "all items" is excluded, and none is shown to hold
    with pytest.raises(TypeError):
        rule.decide([])


def test_each_item_has_its_own_rule():
    # "tanh compresses (drop >= 0.1) and ReLU does not (drop <= 0.1)"
    rule = C.Each(
        "tanh yes, ReLU no",
        "0.1 bit: the binning jitter",
        rules=(C.AtLeast("tanh", "why", threshold=0.1), C.AtMost("ReLU", "why", threshold=0.1)),
    )
    yes, no, unsure = (
        C.Interval(m, lo, hi, 0.95, "t", 5) for m, lo, hi in ((1, 0.5, 2), (0.0, -0.1, 0.05), (0.1, 0.0, 0.3))
    )
    assert rule.decide([yes, no]) == "met"
    assert rule.decide([no, yes]) == "not met"  # tanh below, ReLU above: both items fail
    assert rule.decide([yes, yes]) == "partly"
    assert rule.decide([yes, unsure]) == "undecided"
    assert "tanh: interval >= 0.1" in rule.describe() and "ReLU: interval <= 0.1" in rule.describe()
    with pytest.raises(ValueError, match="needs 2 Intervals"):
        rule.decide([yes])
    with pytest.raises(TypeError, match="one interval per item"):
        rule.decide(yes)
    with pytest.raises(TypeError, match="simple Rules"):
        C.Each("nested", "why", rules=(rule,))


def test_count_meeting_reads_each_value_as_a_point():
    rule = C.AtLeast("drop", "why", threshold=0.1)
    assert C.count_meeting(rule, [0.0, 0.1, 0.5, 0.09]) == (2, 4)  # the bound is inclusive
    assert C.count_meeting(C.Within("on par", "why", margin=0.2), [0.1, -0.3]) == (1, 2)
    with pytest.raises(ValueError, match="finite"):
        C.count_meeting(rule, [math.nan])
