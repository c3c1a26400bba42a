"""Chapter 1's claim records (estimator_dependence.records): one per scorecard row, the papers'
settings with their sources, and this run's settings computed under the same names.
"""

from __future__ import annotations

import pytest

from ibcore.study.chapters import estimator_dependence as chapter
from ibcore.study.chapters.estimator_dependence import records
from ibcore.study.claims import AtLeast, AtMost, Each, deviations, unstated
from ibcore.study.profiles import Settings
from ibcore.training import saxe_schedule

NB = "01_estimator_dependence"

#: the claim sentences of the scorecard rows before the claims became records (row by row)
BEFORE = [
    *(f"tanh compresses, ReLU does not - {name}" for name in chapter.ORDER),
    "tanh compresses, ReLU does not (all estimators, same runs)",
    "Two phases: fitting, then compression (tanh, 30 bins)",
    "Planes from different estimators disagree on the same runs",
    "Binning can break the data-processing inequality",
]


def _settings(profile):
    return Settings(notebook=NB, profile=profile, params=chapter.PROFILE[profile], seed=0, device="cpu")


def test_one_claim_per_scorecard_row_in_order():
    assert [c.claim for c in chapter.CLAIMS] == BEFORE
    keys = [c.key for c in chapter.CLAIMS]
    assert len(set(keys)) == len(keys) == 14
    assert all(c.key.startswith(c.paper + "/") for c in chapter.CLAIMS)
    assert [c.paper for c in chapter.CLAIMS[-4:]] == [
        "saxe2018",
        "shwartzziv2017",
        "geiger2021",
        "geiger2021",
    ]


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_our_settings_state_every_claim_setting(profile):
    ours = chapter.our_settings(_settings(profile))
    for claim in chapter.CLAIMS:
        assert set(claim.settings) <= set(ours), claim.key
    params = chapter.PROFILE[profile]
    assert ours["lr"] == params["lr"] and ours["n_epochs"] == params["n_epochs"]
    assert ours["seeds"] == len(params["seeds"]) and ours["train_fraction"] == params["train_fraction"]
    assert ours["widths"] == [12, 10, 7, 5, 4, 3, 2] and ours["activations"] == ["tanh", "relu"]
    assert ours["init"] == "truncated normal, std 1/sqrt(fan-out)"  # TrainConfig(init="saxe")
    assert ours["KDE, var 1e-3: inputs"] == min(params["kde_inputs"], 4096)
    assert ours["binning, width 0.07: bin width"] == 0.07 and ours["KDE, var 0.1: noise_var"] == 0.1
    assert ours["binning, 30 bins on [-1, 1]: range"] == [-1.0, 1.0]


def test_the_rules_and_their_thresholds():
    rule = chapter.SAXE_CLAIMS["KDE, var 0.1"].rule
    assert isinstance(rule, Each) and rule.rules == (chapter.COMPRESSES, chapter.DOES_NOT)
    assert (
        isinstance(chapter.COMPRESSES, AtLeast) and chapter.COMPRESSES.threshold == chapter.THRESHOLD == 0.1
    )
    assert isinstance(chapter.DOES_NOT, AtMost) and chapter.DOES_NOT.threshold == 0.1
    assert len(chapter.SAXE_ALL.rule.rules) == 2 * len(chapter.ORDER)
    assert chapter.TWO_PHASES.rule.threshold == 0.1
    assert chapter.DISAGREE.rule.threshold == chapter.DPI_BREAK.rule.threshold == 1
    assert all(c.rule.reason for c in chapter.CLAIMS)


def test_estimators_saxe_did_not_use_leave_their_parameters_unstated():
    for name, claim in chapter.SAXE_CLAIMS.items():
        own = [k for k in claim.settings if k.startswith(f"{name}: ")]
        if name in chapter.SAXE_USED:
            assert own and not unstated(claim), name
            assert claim.paper_value == "tanh: compression; ReLU: none (Figs. 1-2)"
        else:
            assert set(unstated(claim)) == set(own), name
            assert "estimator not used by them" in claim.paper_value
    assert chapter.SAXE_CLAIMS["decision rule"].settings.keys() == records._SAXE_TRAINING.keys()


def test_saxe_recorded_epochs_follow_their_do_report_rule():
    def do_report(epoch):  # artemyk/ibsgd: IBnet_SaveActivations.ipynb
        if epoch < 20:
            return True
        if epoch < 100:
            return epoch % 5 == 0
        if epoch < 2000:
            return epoch % 20 == 0
        return epoch % 100 == 0

    assert sum(map(do_report, range(10000))) == 211  # keras epochs 0-9999; ibcore adds the last
    assert records._SAXE_TRAINING["n_record"].value == len(saxe_schedule(10000)) == 212


def test_default_deviations_are_named_and_paper_keeps_only_the_split():
    default, paper = (chapter.our_settings(_settings(p)) for p in ("default", "paper"))
    claim = chapter.SAXE_CLAIMS["binning, width 0.07"]
    decisive = [d.text() for d in deviations(claim, default) if d.decisive]
    assert decisive == [
        "lr 0.004 vs 0.0004 (x10, decisive)",
        "n_epochs 1000 vs 10000 (x1/10, decisive)",
        "train_fraction 0.85 vs 0.8 (x1.06, decisive)",
    ]
    assert [d.name for d in deviations(claim, paper) if d.decisive] == ["train_fraction"]
    assert [d.name for d in deviations(chapter.TWO_PHASES, paper) if d.decisive] == ["init", "train_fraction"]
    assert [d.name for d in deviations(chapter.DPI_BREAK, paper) if d.decisive] == []  # existence claim
    kde = [d.text() for d in deviations(chapter.SAXE_CLAIMS["KDE, var 1e-3"], default) if not d.decisive]
    assert "KDE, var 1e-3: inputs 1024 vs 4096 (x1/4, uncertainty only)" in kde
