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
from ibcore.training.init import DESCRIPTIONS

NB = "01_estimator_dependence"

#: the claim sentences of the scorecard rows, row by row
ROWS = [
    *(
        f"tanh compresses, ReLU does not - {name}"
        if name in chapter.SAXE_USED
        else chapter.OWN_CLAIMS[name].claim
        for name in chapter.ORDER
    ),
    "tanh compresses, ReLU does not (Saxe et al.'s estimators, same runs)",
    "Two phases: fitting, then compression (tanh, 30 bins)",
    "Planes from different estimators disagree on the same runs",
    "Binning can break the data-processing inequality",
    "MNIST 784-1024-20-20-20-10: tanh compresses, ReLU does not (binning 0.5, KDE 0.1)",
]


def _settings(profile):
    return Settings(notebook=NB, profile=profile, params=chapter.PROFILE[profile], seed=0, device="cpu")


def test_one_claim_per_scorecard_row_in_order():
    assert [c.claim for c in chapter.CLAIMS] == ROWS
    keys = [c.key for c in chapter.CLAIMS]
    assert len(set(keys)) == len(keys) == 15
    assert all(c.key.startswith(c.paper + "/") for c in chapter.CLAIMS)
    assert [c.paper for c in chapter.CLAIMS[-5:]] == [
        "saxe2018",
        "shwartzziv2017",
        "geiger2021",
        "geiger2021",
        "saxe2018",
    ]
    assert [c.paper for c in chapter.ESTIMATOR_CLAIMS.values()] == [
        "saxe2018" if n in chapter.SAXE_USED else "geiger2021" for n in chapter.ORDER
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
    assert ours["init"] == DESCRIPTIONS["saxe"]  # TrainConfig(init="saxe")
    assert ours["MNIST: init"] == DESCRIPTIONS["glorot"] and ours["MNIST: optimizer"] == "sgd"
    assert (ours["MNIST: lr"], ours["MNIST: batch_size"]) == (1e-3, 128)
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
    assert len(chapter.SAXE_ALL.rule.rules) == 2 * len(chapter.SAXE_USED)
    assert len(chapter.MNIST_CLAIM.rule.rules) == len(chapter.MNIST_ITEMS) == 4
    assert chapter.TWO_PHASES.rule.threshold == 0.1
    assert chapter.DISAGREE.rule.threshold == chapter.DPI_BREAK.rule.threshold == 1
    assert all(c.rule.reason for c in chapter.CLAIMS)


def test_saxe_rows_are_their_estimators_and_the_others_cite_their_table_one_row():
    assert list(chapter.SAXE_CLAIMS) == list(chapter.SAXE_USED)
    for name, claim in chapter.SAXE_CLAIMS.items():
        own = [k for k in claim.settings if k.startswith(f"{name}: ")]
        assert own and not unstated(claim), name
        assert claim.paper_value == "tanh: compression; ReLU: none (Figs. 1-2)"
    for name, claim in chapter.OWN_CLAIMS.items():
        assert claim.paper == "geiger2021" and "Table I" in claim.where, name
        assert name in chapter.OWN_ROWS
    assert "[8], [9]" in chapter.OWN_CLAIMS["decision rule"].claim
    assert (
        "[18]" in chapter.OWN_CLAIMS["Renyi"].where
        and "[5]" in chapter.OWN_CLAIMS["adaptive binning, 30 bins"].claim
    )
    assert set(chapter.NO_VERDICT) == {"binning, 30 bins on each epoch's range", "EDGE", "kNN (KSG, k=5)"}


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


def test_default_and_paper_hold_saxe_et_al_s_dynamics():
    default, paper = (chapter.our_settings(_settings(p)) for p in ("default", "paper"))
    claim = chapter.SAXE_CLAIMS["binning, width 0.07"]
    assert [d.name for d in deviations(claim, default) if d.decisive] == []
    assert [d.name for d in deviations(claim, default)] == ["seeds", "n_record"]
    assert [d.name for d in deviations(claim, paper) if d.decisive] == []
    assert [d.name for d in deviations(chapter.TWO_PHASES, paper) if d.decisive] == ["init"]
    assert [d.name for d in deviations(chapter.DPI_BREAK, paper) if d.decisive] == []  # existence claim
    kde = [d.text() for d in deviations(chapter.SAXE_CLAIMS["KDE, var 1e-3"], default) if not d.decisive]
    assert "KDE, var 1e-3: inputs 1024 vs 4096 (x1/4, uncertainty only)" in kde
    mnist = [d.text() for d in deviations(chapter.MNIST_CLAIM, default)]
    assert [d for d in mnist if "decisive)" in d] == ["MNIST: n_epochs 150 vs 10000 (x1/66.7, decisive)"]
    assert [d.name for d in deviations(chapter.MNIST_CLAIM, paper)] == []


def test_the_split_is_saxe_et_al_s_3277_of_4096():
    from ibcore import data

    szt = data.load_szt()
    for profile in ("smoke", "default", "paper"):
        frac = chapter.PROFILE[profile]["train_fraction"]
        train, test = data.train_test_split(szt, test_fraction=1 - frac, seed=0)
        assert (len(train), len(test)) == (3277, 819)  # artemyk/ibsgd utils.py: rint(0.8 * 4096)
