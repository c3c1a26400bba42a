"""The claims, verdicts and prose of chapter 1 (estimator_dependence.verdicts) on small synthetic frames.

No training: each information-plane frame is written by hand so that its answer is known (values in
nats; ``B`` = ln 2, one bit; :func:`fakes.every_estimator` draws every estimator of the page with
given per-seed drops). The known-answer tests decide each claim at its paper's settings (``ours``
= the paper's values: no deviation), so that the rule alone decides.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.study import scorecard
from ibcore.study.chapters import estimator_dependence as chapter
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI, Geometry
from ibcore.study.chapters.estimator_dependence.mnist import MNIST
from ibcore.study.chapters.estimator_dependence.szt_runs import SZTRuns
from ibcore.study.claims import Interval
from ibcore.study.profiles import Settings

from . import fakes

B = LN2
ROOT = Path(__file__).resolve().parents[4]
NB = "01_estimator_dependence"
KEYS = {
    "saxe_all": "saxe2018/tanh-vs-relu-all",
    "two": "shwartzziv2017/two-phases",
    "dis": "geiger2021/estimators-disagree",
    "dpi": "geiger2021/binning-dpi",
}


def _settings(profile="default", seeds=range(5)):
    params = {**chapter.PROFILE[profile], "seeds": list(seeds)}
    return Settings(notebook=NB, profile=profile, params=params, seed=0, device="cpu")


def _paper(claim, settings):
    """This run's settings with the claim's stated paper values put in: no deviation."""
    ours = chapter.our_settings(settings)
    return {**ours, **{k: s.value for k, s in claim.settings.items() if s.value is not None}}


def _decide(planes, claim, settings=None):
    """The evaluation of ``claim`` on ``planes``, decided at the claim's paper settings."""
    settings = settings or _settings()
    result = chapter.claims(planes, settings, last="l2", ours=_paper(claim, settings))
    evaluation = result.get(claim.key)
    assert evaluation.deviations == ()
    return evaluation


def _saxe(tanh, relu):
    """Drops per (estimator, activation): ``tanh``/``relu`` map estimator -> drops (default in [None])."""
    return lambda name, act: (tanh if act == "tanh" else relu).get(
        name, (tanh if act == "tanh" else relu)[None]
    )


COMPRESS = {None: fakes.RISE_FALL}
FLAT = {None: fakes.MONOTONE}


# --- the statistics ---------------------------------------------------------------------------------


def test_run_note():
    s = SimpleNamespace(profile="default", n_epochs=20, lr=4e-3, seeds=[0, 1], n_record=6)
    assert chapter.run_note(s) == "SZT, 20 epochs, lr 0.004, 2 seeds, 6 recorded epochs"


def test_seed_drops_read_the_last_layer_and_the_output_for_the_decision_rule():
    planes = fakes.every_estimator(_saxe(COMPRESS, FLAT))
    drops = chapter.seed_drops(planes, last="l2")
    assert set(drops) == {(n, a) for n in chapter.ORDER for a in chapter.ACTS}
    assert drops[("EDGE", "tanh")] == pytest.approx(fakes.RISE_FALL)
    assert drops[("decision rule", "tanh")] == pytest.approx(fakes.RISE_FALL)  # read on "output"
    assert drops[("Renyi", "relu")] == pytest.approx(fakes.MONOTONE)
    no_knn = planes[~((planes["estimator"] == "kNN (KSG, k=5)") & (planes["layer"] == "l2"))]
    assert ("kNN (KSG, k=5)", "tanh") not in chapter.seed_drops(no_knn, last="l2")


def _iv(low, high):
    return Interval((low + high) / 2, low, high, 0.95, "t over 5 seeds", 5)


def test_decide_reads_an_interval_against_a_tenth_of_a_bit():
    assert chapter.decide(_iv(0.1, 2.0)) == "compresses"
    assert chapter.decide(_iv(-0.2, 0.1)) == "does not"
    assert chapter.decide(_iv(0.05, 0.15)) == "undecided"
    table = chapter.decisions({("A", "tanh"): fakes.RISE_FALL, ("A", "relu"): fakes.JITTER}, order=["A", "B"])
    assert table.loc["A"].tolist() == ["compresses", "undecided"] and table.loc["B"].isna().all()


def test_disagreeing_decided_and_possible():
    table = pd.DataFrame(
        {"tanh": ["compresses", "compresses", "undecided"], "relu": ["compresses", "does not", "does not"]},
        index=["A", "B", "C"],
    )
    assert chapter.disagreeing(table) == (["relu"], ["tanh", "relu"])  # tanh: C might not compress
    agree = table.assign(tanh="compresses", relu="does not")
    assert chapter.disagreeing(agree) == ([], [])


def test_two_phases_need_a_rise_then_a_fall():
    rows = []
    name = "binning, 30 bins on [-1, 1]"
    rows += fakes.plane_rows(name, "tanh", "l2", 2, [0.0, 1 * B, 0.5 * B], seeds=[0])  # both: 0.5
    rows += fakes.plane_rows(name, "tanh", "l2", 2, [1 * B, 0.8 * B, 0.2 * B], seeds=[1])  # falls only
    rows += fakes.plane_rows(name, "tanh", "l2", 2, [0.0, 0.5 * B, 0.5 * B], seeds=[2])  # rises only
    rows += fakes.plane_rows(name, "relu", "l2", 2, [0.0, 1 * B, 0.0], seeds=[0, 1, 2, 3])  # other activation
    rows += fakes.plane_rows("KDE, var 0.1", "tanh", "l2", 2, [0.0, 1 * B, 0.0], seeds=[5])  # other estimator
    planes = pd.DataFrame(rows)
    assert chapter.two_phase_values(planes, last="l2") == pytest.approx([0.5, 0.0, 0.0])
    assert chapter.two_phase_count(planes, last="l2") == (1, 3)
    assert chapter.two_phase_count(planes, last="l2", threshold=0.6) == (0, 3)
    assert chapter.two_phase_count(planes, last="l2", activation="relu") == (4, 4)


def test_layer_excess_of_binning_estimators_only():
    rows = fakes.plane_rows("binning, width 0.07", "tanh", "l1", 1, [1 * B, 1 * B])
    rows += fakes.plane_rows("binning, width 0.07", "tanh", "l2", 2, [0.5 * B, 2 * B])
    rows += fakes.plane_rows("KDE, var 0.1", "tanh", "l1", 1, [1 * B, 1 * B])
    rows += fakes.plane_rows("KDE, var 0.1", "tanh", "l2", 2, [3 * B, 3 * B])
    excess = chapter.layer_excess(pd.DataFrame(rows))
    assert set(excess["estimator"]) == {"binning, width 0.07"} and len(excess) == 4  # 2 seeds x 2 epochs
    assert sorted(excess["excess"]) == pytest.approx([-0.5, -0.5, 1.0, 1.0])
    assert excess[["layer", "next layer"]].drop_duplicates().values.tolist() == [["l1", "l2"]]


# --- known answers at the papers' settings ------------------------------------------------------------


def test_saxe_pattern_everywhere_reproduces_every_row():
    planes = fakes.every_estimator(_saxe(COMPRESS, FLAT))
    for name in chapter.ORDER:
        e = _decide(planes, chapter.SAXE_CLAIMS[name])
        assert (e.verdict, e.items, e.seeds) == ("reproduced", ("tanh", "ReLU"), 5), name
        assert all(s.method == "t over 5 seeds" for s in e.statistic)
        assert e.support == "tanh 5/5 seeds >= 0.1 bit, ReLU 5/5 seeds <= 0.1 bit"
    every = _decide(planes, chapter.SAXE_ALL)
    assert every.verdict == "reproduced" and len(every.statistic) == 20
    assert every.items[:2] == ("binning, 30 bins on [-1, 1]: tanh", "binning, 30 bins on [-1, 1]: ReLU")
    assert _decide(planes, chapter.TWO_PHASES).verdict == "reproduced"  # 1 bit up, ~1 bit down
    dis = _decide(planes, chapter.DISAGREE)  # every estimator agrees: decided count 0, none possible
    assert dis.verdict == "not reproduced" and (dis.statistic.low, dis.statistic.high) == (0, 0)
    dpi = _decide(planes, chapter.DPI_BREAK)  # l1 above l2 throughout: no break in any seed
    assert dpi.verdict == "not reproduced" and (dpi.statistic.low, dpi.statistic.high) == (0, 0)


def test_relu_compressing_under_kde_makes_those_rows_partly_and_estimators_disagree():
    relu = {**FLAT, "KDE, var 1e-3": fakes.RISE_FALL, "KDE, var 0.1": fakes.RISE_FALL}
    planes = fakes.every_estimator(_saxe(COMPRESS, relu))
    kde = _decide(planes, chapter.SAXE_CLAIMS["KDE, var 0.1"])
    assert kde.verdict == "partly" and kde.reason.startswith("met by 1 of 2: tanh;")
    assert _decide(planes, chapter.SAXE_CLAIMS["EDGE"]).verdict == "reproduced"
    every = _decide(planes, chapter.SAXE_ALL)
    assert every.verdict == "partly" and every.reason.startswith("met by 18 of 20:")
    dis = _decide(planes, chapter.DISAGREE)
    assert dis.verdict == "reproduced" and dis.ours.startswith(
        "estimators give opposite decided answers on compression for 1 of 2 activations (relu;"
    )
    assert dis.support.endswith("relu: 2 compress, 8 do not, 0 undecided")


def test_jitter_straddles_the_threshold_inconclusive():
    planes = fakes.every_estimator(_saxe({**COMPRESS, "Renyi": fakes.JITTER}, FLAT))
    renyi = _decide(planes, chapter.SAXE_CLAIMS["Renyi"])
    assert renyi.verdict == "inconclusive" and renyi.reason.startswith("the interval straddles")
    assert _decide(planes, chapter.SAXE_ALL).verdict == "inconclusive"  # 19 met, one undecided
    dis = _decide(planes, chapter.DISAGREE)  # Renyi's tanh might not compress: 0 decided, 1 possible
    assert dis.verdict == "inconclusive" and (dis.statistic.low, dis.statistic.high) == (0, 1)


def test_a_curve_pinned_at_the_ceiling_does_not_compress():
    def pinned(name, act, seed, drop):  # every input in its own bin: log2 4096 = 12 bits throughout
        return [12.0, 12.0, 12.0] if (name, act) == ("binning, width 0.07", "tanh") else fakes.curve(drop)

    planes = fakes.every_estimator(_saxe(COMPRESS, FLAT), curves=pinned, first=lambda *_: [12.0] * 3)
    e = _decide(planes, chapter.SAXE_CLAIMS["binning, width 0.07"])
    assert e.verdict == "partly" and e.reason.startswith("met by 1 of 2: ReLU;")
    assert e.statistic[0].estimate == 0.0


def test_a_monotone_rise_has_no_second_phase():
    planes = fakes.every_estimator(_saxe(FLAT, FLAT))
    two = _decide(planes, chapter.TWO_PHASES)
    assert (
        two.verdict == "not reproduced"
        and two.support == "0 of 5 tanh seeds rise >= 0.1 bit, then drop >= 0.1 bit"
    )
    assert _decide(planes, chapter.SAXE_CLAIMS["KDE, var 0.1"]).verdict == "partly"  # ReLU half only


def test_a_deeper_binned_layer_above_its_predecessor_breaks_the_dpi():
    def first(name, act, seed):  # l1 at 1 bit: l2 (1 -> 2 -> ~1 bits) exceeds it by 1 bit at epoch 1
        return [1.0, 1.0, 1.0] if name == "binning, width 0.07" else [3.0] * 3

    planes = fakes.every_estimator(_saxe(COMPRESS, FLAT), first=first)
    dpi = _decide(planes, chapter.DPI_BREAK)
    assert dpi.verdict == "reproduced"
    # per seed: epoch 1 of tanh, epochs 1 and 2 of ReLU (flat at 2 bits), and tanh's epoch 2 where
    # l2 ends 1 - drop bits above l1 (0.1 bit for the seed with drop 0.9)
    assert chapter.claims(planes, _settings(), last="l2").dpi_breaks.tolist() == [3, 3, 4, 3, 3]
    assert dpi.statistic.estimate == pytest.approx(3.2) and dpi.statistic.low > 1
    assert dpi.support == "5 of 5 seeds break it at least once"
    assert dpi.ours.startswith("3.2 breaks per seed: 16 (seed, epoch, layer pair) cases")


def test_one_seed_gives_no_interval_and_no_verdict():
    one = _settings(seeds=[0])
    planes = fakes.every_estimator(_saxe({None: [1.0]}, {None: [0.0]}))
    for claim in chapter.CLAIMS:
        e = _decide(planes, claim, one)
        assert e.verdict == "inconclusive", claim.key


def test_a_missing_estimate_is_not_comparable():
    planes = fakes.every_estimator(_saxe(COMPRESS, FLAT))
    planes = planes[~((planes["estimator"] == "kNN (KSG, k=5)") & (planes["layer"] == "l2"))]
    result = chapter.claims(planes, _settings(), last="l2")
    knn = result.get("saxe2018/tanh-vs-relu-knn-ksg-5")
    assert knn.verdict == "not comparable" and "did not run on l2" in knn.reason
    assert result.get(KEYS["saxe_all"]).verdict == "not comparable"


# --- the default and smoke profiles -----------------------------------------------------------------


def test_default_names_the_decisive_deviations_and_smoke_is_not_comparable():
    planes = fakes.every_estimator(_saxe(COMPRESS, FLAT))
    result = chapter.claims(planes, _settings(), last="l2")
    assert {e.verdict for e in result.evaluations[:-1]} == {"inconclusive"}
    assert all(
        e.reason.startswith("decisive settings deviate: lr 0.004 vs 0.0004") for e in result.evaluations[:-1]
    )
    assert result.get(KEYS["two"]).reason.count("init truncated normal, std 1/sqrt(fan-out)") == 1
    dpi = result.get(KEYS["dpi"])  # an existence claim: another network's widths do not decide it
    assert [d.text() for d in dpi.deviations] == [
        "widths [12, 10, 7, 5, 4, 3, 2] vs [12, 3, 2, 12, 2, 2] (uncertainty only)"
    ]
    assert result.get(KEYS["saxe_all"]).outcome == "met"  # the rule is met, but the runs deviate
    smoke = chapter.claims(planes, _settings("smoke"), last="l2")
    assert {e.verdict for e in smoke.evaluations} == {"not comparable"}
    assert "n_epochs 20 vs 10000 (x1/500, decisive)" in [d.text() for d in smoke.evaluations[0].deviations]


def test_record_claims_writes_every_row_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    result = chapter.claims(fakes.every_estimator(_saxe(COMPRESS, FLAT)), _settings(), last="l2")
    card = chapter.record_claims(NB, result)
    assert list(card.columns) == scorecard.CARD_COLUMNS
    assert card["claim"].tolist() == [c.claim for c in chapter.CLAIMS]
    stored = json.loads((tmp_path / "default" / f"{NB}.json").read_text())
    assert [r["key"] for r in stored] == [c.key for c in chapter.CLAIMS]
    assert {r["verdict"] for r in stored[:-1]} == {"inconclusive"} and {r["seeds"] for r in stored} == {5}
    assert (
        stored[-1]["verdict"] == "not reproduced"
    )  # these fakes hold no DPI break, and widths do not decide
    empty = chapter.Claims((), pd.DataFrame(), 0, 0, [], np.zeros(0))
    with pytest.raises(ValueError, match="no claims"):
        chapter.record_claims(NB, empty)


# --- prose -------------------------------------------------------------------------------------------


def test_geo_sentence_reads_tracks_at_half():
    yes = chapter.geo_sentence({"rho vs saturation": -0.5, "rho vs ratio": 0.5})
    assert yes.startswith("compression in the binned plane went with")
    for rho in (
        {"rho vs saturation": -0.49, "rho vs ratio": 0.9},
        {"rho vs saturation": -0.9, "rho vs ratio": 0.4},
    ):
        assert chapter.geo_sentence(rho).startswith("at this profile the binned curve did not")


def test_dead_sentence_counts_seeds_near_chance():
    assert (
        chapter.dead_sentence({"tanh": np.array([0.9, 0.95])})
        == "Every seed trained to well above chance accuracy."
    )
    s = chapter.dead_sentence({"tanh": np.array([0.9, 0.95]), "relu": np.array([0.5, 0.9, 0.55])})
    assert s.startswith("2 of 3 relu seeds stayed near chance accuracy")
    s = chapter.dead_sentence({"tanh": np.array([0.5]), "relu": np.array([0.5, 0.9])})
    assert s.startswith("1 of 1 tanh seeds and 1 of 2 relu seeds stayed")


def test_mnist_text():
    comp = pd.DataFrame({"relu": [False, True], "tanh": [True, False]}, index=["X", "Y"])
    assert chapter.mnist_text(comp) == "X: tanh compresses, ReLU no; Y: tanh no, ReLU compresses"


def _glue_inputs():
    relu = {**FLAT, "KDE, var 0.1": fakes.RISE_FALL, "Renyi": fakes.JITTER}
    result = chapter.claims(fakes.every_estimator(_saxe(COMPRESS, relu)), _settings(), last="l2")
    run = SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, 0.9]}))
    dead = SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, 0.55]}))
    szt = SZTRuns(runs={"tanh": [run, run], "relu": [run, dead]}, schedule=[0, 1], n_inputs=4096)
    dpi = DPI(table=pd.DataFrame(), n_binning=3, worst=None)
    sweeps = (pd.DataFrame({"I(X;L)": [0.0, 12 * B]}), pd.DataFrame({"I(X;L)": [0.001 * B, 7 * B]}))
    m_table = pd.DataFrame(
        {"compresses": [True, False]},
        index=pd.MultiIndex.from_tuples([("X", "tanh"), ("X", "relu")], names=["estimator", "activation"]),
    )
    mnist = MNIST(runs={}, planes=pd.DataFrame(), last="l4", accuracy={}, n_eval=64, table=m_table)
    corr = pd.DataFrame(
        {"rho vs ratio": [0.9], "rho vs saturation": [-0.8], "rho vs diameter": [0.1]},
        index=pd.MultiIndex.from_tuples([("tanh", "binning, 30 bins on [-1, 1]")]),
    )
    geometry = Geometry(stats=pd.DataFrame(), info=pd.Series(dtype=float), correlations=corr)
    return _settings(), szt, result, dpi, sweeps, mnist, geometry


def test_glue_values_cover_the_page_and_read_the_interval_decisions():
    values = chapter.glue_values(*_glue_inputs())
    nb = json.loads((ROOT / "notebooks" / f"{NB}.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert set(re.findall(r"\{glue:text\}`(\w+)`", text)) <= set(values)
    assert values["n_saxe"] == 8 and type(values["n_saxe"]) is int and type(values["n_dpi_bin"]) is int
    assert (values["n_est"], values["n_tanh"], values["n_relu"]) == (10, 10, 1)
    assert values["relu_yes"] == "KDE, var 0.1" and values["undecided"] == "Renyi (relu)"
    assert values["tanh_yes"].startswith("binning, 30 bins on [-1, 1], binning, 30 bins on each")
    assert values["disagree"] == "relu" and values["n_dpi_seeds"] == 0
    assert values["acc_text"] == "tanh 0.900 (lowest seed 0.900), relu 0.725 (lowest seed 0.550)"
    assert values["dead_sentence"].startswith("1 of 2 relu seeds")
    assert values["worst_text"] == "none"
    assert (
        values["sweep_text"] == "from 0.0 to 12.0 bits" and values["ksweep_text"] == "from 0.00 to 7.0 bits"
    )
    assert values["m_text"] == "X: tanh compresses, ReLU no"
    assert (
        values["rho_text"] == "0.90 with the distance ratio, -0.80 with saturation and 0.10 with the diameter"
    )
    assert values["geo_sentence"].startswith("compression in the binned plane")
    assert values["v_saxe"] == values["v_dis"] == "inconclusive" and values["run_profile"] == "default"
    assert values["why_saxe"].startswith("decisive settings deviate: lr 0.004 vs 0.0004")
