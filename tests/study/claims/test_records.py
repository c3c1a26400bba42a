"""Tests of ibcore.study.claims.records: claims, settings with sources, deviations, verdicts, export."""

from __future__ import annotations

import json

import pytest

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
        {
            "item": "",
            "estimate": 0.3,
            "low": None,
            "high": None,
            "level": 0.95,
            "method": "1 value",
            "n": 1,
            "outcome": "undecided",
        }
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


def test_an_unstated_setting_never_deviates_and_is_listed():
    claim = C.Claim(
        key="k",
        paper="elad2019",
        claim="IB >= CE",
        where="Table 1",
        paper_value="IB 86.57, CE 85.78",
        settings={
            "lr": C.Setting(None, "not in the paper (Sec. 4); the supplement is not available"),
            "seeds": C.Setting(5, "Table 1", decisive=False),
        },
        rule=C.AtLeast("IB - CE", "why", threshold=0.0),
    )
    assert C.unstated(claim) == ("lr",)
    assert C.deviations(claim, {"lr": 3e-3, "seeds": 5}) == ()
    e = C.evaluate(
        claim,
        C.t_interval([0.2, 0.4, 0.3]),
        {"lr": 3e-3, "seeds": 2},
        our_value="0.3",
        profile="default",
        seeds=3,
        support="3 of 3 seeds",
    )
    assert e.verdict == "reproduced"  # the seeds deviate, but they only widen the interval
    row = e.to_dict()
    assert row["unstated"] == ["lr"] and row["seeds"] == 3 and row["support"] == "3 of 3 seeds"
    assert row["paper settings"]["lr"] == {
        "value": None,
        "source": claim.settings["lr"].source,
        "decisive": True,
    }
    assert row["deviations"] == ["seeds 2 vs 5 (x1/2.5, uncertainty only)"]
    assert "t over 3 seeds" in e.statistic_text
    with pytest.raises(ValueError, match="seeds"):
        C.evaluate(
            claim, C.t_interval([0.2, 0.4]), {"lr": 1, "seeds": 2}, our_value="x", profile="p", seeds=0
        )


def test_partly_names_the_items_of_an_each_rule():
    rule = C.Each(
        "t yes r no", "why", rules=(C.AtLeast("t", "w", threshold=0.1), C.AtMost("r", "w", threshold=0.1))
    )
    claim = C.Claim(
        "k",
        "saxe2018",
        "tanh yes, ReLU no",
        "Figs. 1-2",
        "tanh: yes; ReLU: no",
        {"lr": C.Setting(4e-4, "artemyk/ibsgd: IBnet_SaveActivations.ipynb")},
        rule,
    )
    iv = lambda lo, hi: C.Interval((lo + hi) / 2, lo, hi, 0.95, "t over 5 seeds", 5)  # noqa: E731
    e = C.evaluate(
        claim,
        [iv(0.5, 1.0), iv(0.5, 1.0)],
        {"lr": 4e-4},
        our_value="x",
        profile="default",
        items=("tanh", "ReLU"),
    )
    assert e.verdict == "partly" and e.reason.startswith("met by 1 of 2: tanh")
