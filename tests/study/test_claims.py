"""ibcore.study.claims: intervals against their closed forms, rules on known inputs, verdicts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from ibcore.study import claims as C

SETTINGS = {
    "lr": C.Setting(4e-4, "Sec. 3.1"),
    "n_epochs": C.Setting(10_000, "artemyk/ibsgd: SZT.py"),
    "seeds": C.Setting(50, "Fig. 3", decisive=False),
}
CLAIM = C.Claim(
    key="compression",
    paper="shwartzziv2017",
    claim="Hidden layers compress after fitting",
    where="Fig. 3",
    paper_value="compression in all 5 hidden layers",
    settings=SETTINGS,
    rule=C.AtLeast("drop", "0.1 bit: twice the binning jitter at 30 bins", threshold=0.1),
)
PAPER = {"lr": 4e-4, "n_epochs": 10_000, "seeds": 50}


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
    with pytest.raises(TypeError):
        rule.decide([])


def test_claims_refuse_a_setting_without_source_and_unknown_papers():
    with pytest.raises(ValueError, match="source"):
        C.Setting(4e-4, "")
    with pytest.raises(ValueError, match="paper key"):
        C.Claim("k", "nobody2020", "c", "Fig. 1", "v", SETTINGS, CLAIM.rule)
    with pytest.raises(TypeError, match="Setting"):
        C.Claim("k", "saxe2018", "c", "Fig. 1", "v", {"lr": 4e-4}, CLAIM.rule)
    with pytest.raises(ValueError, match="settings"):
        C.Claim("k", "saxe2018", "c", "Fig. 1", "v", {}, CLAIM.rule)


def test_deviations_are_computed_with_their_ratio_and_kind():
    ours = {"lr": 4e-3, "n_epochs": 1000, "seeds": 3}
    got = {d.name: d.text() for d in C.deviations(CLAIM, ours)}
    assert got == {
        "lr": "lr 0.004 vs 0.0004 (x10, decisive)",
        "n_epochs": "n_epochs 1000 vs 10000 (x1/10, decisive)",
        "seeds": "seeds 3 vs 50 (x1/16.7, uncertainty only)",
    }
    assert C.deviations(CLAIM, {**PAPER, "lr": 4e-4 * (1 + 1e-12)}) == ()  # float noise is no deviation
    with pytest.raises(ValueError, match="does not state"):
        C.deviations(CLAIM, {"lr": 4e-4})


def _iv(low, high):
    return C.Interval((low + high) / 2, low, high, 0.95, "t over 3 seeds", 3)


def test_evaluate_gives_the_verdict_vocabulary():
    def ev(stat, ours=PAPER, profile="default", **kw):
        return C.evaluate(CLAIM, stat, ours, our_value="x", profile=profile, **kw)

    assert ev(_iv(0.2, 0.4)).verdict == "reproduced"
    assert ev(_iv(0.0, 0.05)).verdict == "not reproduced"
    assert ev(_iv(0.05, 0.3)).verdict == "inconclusive"  # straddles 0.1
    fewer_seeds = ev(_iv(0.2, 0.4), ours={**PAPER, "seeds": 3})
    assert fewer_seeds.verdict == "reproduced" and len(fewer_seeds.deviations) == 1
    faster = ev(_iv(0.0, 0.05), ours={**PAPER, "lr": 4e-3})
    assert faster.verdict == "inconclusive" and "lr 0.004 vs 0.0004" in faster.reason
    assert ev(_iv(0.2, 0.4), profile="smoke").verdict == "not comparable"
    partial = ev(_iv(0.2, 0.4), comparable=False, why_not_comparable="partial CIFAR-10")
    assert partial.verdict == "not comparable" and partial.reason == "partial CIFAR-10"
    layers = ev([_iv(0.2, 0.4), _iv(0.0, 0.05), _iv(0.3, 0.5)], items=("L1", "L2", "L3"))
    assert layers.verdict == "partly" and layers.reason.startswith("met by 2 of 3: L1, L3")
    with pytest.raises(ValueError, match="labels"):
        ev([_iv(0.2, 0.4)], items=("L1", "L2"))


def test_an_evaluation_exports_every_field_as_json():
    e = C.evaluate(CLAIM, C.t_interval([0.3]), {**PAPER, "lr": 4e-3}, our_value="0.3 bit", profile="default")
    row = json.loads(json.dumps(e.to_dict(), allow_nan=False))
    assert row["verdict"] == "inconclusive" and row["decisive deviations"] == 1
    assert row["interval"] == [
        {"item": "", "estimate": 0.3, "low": None, "high": None, "level": 0.95, "method": "1 value", "n": 1}
    ]
    assert {
        "key",
        "paper",
        "claim",
        "where",
        "paper value",
        "our value",
        "rule",
        "deviations",
        "profile",
    } <= set(row)


def test_bad_intervals_are_refused():
    with pytest.raises(ValueError, match="low <= estimate"):
        C.Interval(1.0, 1.5, 2.0, 0.95, "t", 3)
    with pytest.raises(ValueError, match="level"):
        C.t_interval([1.0, 2.0], level=1.0)
    with pytest.raises(ValueError, match="finite"):
        C.t_interval([1.0, math.nan])
    with pytest.raises(ValueError, match="margin"):
        C.Within("w", "why", margin=0.0)
