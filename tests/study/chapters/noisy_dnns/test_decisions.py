"""Chapter 2 (noisy DNNs): the claim records, this run's settings and the claims decided on known answers
(``chapters.noisy_dnns.records`` and ``chapters.noisy_dnns.decisions``).

Synthetic per-seed tables (:mod:`fakes`) whose answers are known: at the paper's settings
(``ours=fakes.PAPER_OURS``, no deviation) the rules alone decide; at the default profile the
decisive deviations are named; at smoke every claim is "not comparable". Nothing trains.
"""

from __future__ import annotations

import pytest

from ibcore.study import scorecard
from ibcore.study.chapters import noisy_dnns as chapter
from ibcore.study.chapters.noisy_dnns import decisions
from ibcore.study.claims import AtLeast, Within

from . import fakes

SEEDS = range(5)
PAPER = fakes.PAPER_OURS
RISE_FALL = [1.0, 1.2, 0.9, 1.1, 1.05]  # every seed's layer falls ~1 bit from its peak
STRADDLE = [0.0, 0.3, 0.05, 0.25, 0.1]  # falls that straddle 0.1 bit over the seeds
JITTER = [0.12, 0.08, 0.15, 0.1, 0.05]  # falls of the size of the Monte Carlo error (s.e. 0.1)
KEYS = [
    "goldfeld2019/compression",
    "goldfeld2019/clustering",
    "goldfeld2019/binning",
    "goldfeld2019/cnn-compression",
    "goldfeld2019/cnn-clusters",
    "goldfeld2019/orthonormal",
    "goldfeld2019/proxy",
]


def sweep(dips_005, dips_01=None, se=0.05, change=-0.3):
    """layer3 falls ``dips_005`` bits per seed at beta 0.005 (and ``dips_01`` at 0.1); the other
    layers stay flat."""
    table = {}
    for beta, dips in ((0.005, dips_005), (0.1, dips_01)):
        if dips is None:
            continue
        table[(beta, "layer1")] = {"dip": 0.0, "dip stderr": 0.01, "measure change": 0.0}
        table[(beta, "layer3")] = {"dip": dips, "dip stderr": se, "measure change": change}
    return table


def decide(seeds=SEEDS, ours=PAPER, profile="default", **tables):
    n = fakes.numbers(seeds=seeds, **tables)
    return dict(zip(KEYS, decisions.claims(n, fakes.settings(profile, seeds=seeds), ours=ours), strict=True))


def verdict(key, **kw):
    return decide(**kw)[key].verdict


def test_claim_records_are_the_pages_rows():
    assert [c.key for c in chapter.CLAIMS] == KEYS
    assert chapter.CLAIMS[0].claim == "Compression occurs in noisy nets (I(X;T_l) by sample propagation)"
    assert chapter.CLAIMS[-2].claim == "Orthonormal regularisation prevents compression"
    assert {c.paper for c in chapter.CLAIMS} == {"goldfeld2019"}
    # one binning rule, fixed before the runs: the correlation after the binned peak
    assert isinstance(chapter.BINNING.rule, AtLeast) and chapter.BINNING.rule.threshold == chapter.RHO_MIN
    assert "from the binned peak on" in chapter.BINNING.rule.name
    assert isinstance(chapter.PROXY.rule, Within) and chapter.PROXY.rule.margin == chapter.PROXY_MARGIN
    assert chapter.COMPRESSION.rule.threshold == chapter.DIP_MIN == 0.1
    assert chapter.CLUSTERING.rule.threshold == -chapter.TIGHTEN
    assert chapter.CNN_CLUSTERS.rule.threshold == chapter.GAP_MIN
    # the paper's CNN is known only from Geiger's review; its training settings from nowhere
    assert chapter.CNN_COMPRESSION.settings["cnn_arch"].source.startswith("Geiger Sec. III-A")
    assert chapter.CNN_COMPRESSION.settings["mnist_lr"].value is None
    assert (
        chapter.COMPRESSION.settings["lr"].value == 4e-4
        and chapter.COMPRESSION.settings["beta"].value == 0.005
    )


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_our_settings_cover_every_claim_and_are_computed(profile):
    s = fakes.settings(profile)
    ours = chapter.our_settings(s)
    for claim in chapter.CLAIMS:
        assert set(claim.settings) <= set(ours), claim.key
    config = chapter.noisy_config(s, s.betas[0])
    assert ours["lr"] == s.lr and ours["n_epochs"] == s.n_epochs and ours["seeds"] == len(s.seeds)
    assert ours["n_record"] == len(config.schedule) and ours["beta"] == s.betas[0] == 0.005
    assert ours["noise_in_eval"] is False and ours["init"] == chapter.COMPRESSION.settings["init"].value
    assert ours["regulariser"] == chapter.RETRACTION == chapter.ORTHONORMAL.settings["regulariser"].value
    assert ours["regulariser_strength"] == s.parseval_alpha and ours["bin_width"] == pytest.approx(2 / 30)
    assert ours["cnn_arch"] == chapter.CNN_COMPRESSION.settings["cnn_arch"].value
    assert ours["mnist_lr"] == s.mnist_lr and ours["cnn_accuracy"] == "not measured"
    if profile != "smoke":  # the authors' dynamics at default and paper
        for name in ("lr", "n_epochs", "batch_size", "train_fraction", "widths", "noise_in_eval", "init"):
            assert ours[name] == chapter.COMPRESSION.settings[name].value, name


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({"table": sweep(RISE_FALL)}, "reproduced"),
        ({"table": sweep(RISE_FALL, [0.0] * 5)}, "partly"),  # compresses at 0.005, not at 0.1
        ({"table": sweep([0.0] * 5)}, "not reproduced"),  # a monotone rise: no fall at all
        ({"table": sweep(JITTER, se=0.1)}, "not reproduced"),  # falls within 2 s.e. do not count
        ({"table": sweep(STRADDLE, se=0.01)}, "inconclusive"),  # the interval straddles 0.1 bit
    ],
)
def test_compression_on_known_answers(tables, expected):
    e = decide(**tables)["goldfeld2019/compression"]
    assert e.verdict == expected and e.deviations == tuple(d for d in e.deviations if not d.decisive)
    assert e.seeds == 5 and all(s.method == "t over 5 seeds" for s in e.statistic)
    if expected == "partly":
        assert e.items == ("beta 0.005", "beta 0.1") and e.reason.startswith("met by 1 of 2: beta 0.005")
        assert e.support.endswith("beta 0.005 5/5, beta 0.1 0/5")


def test_one_seed_cannot_decide():
    for key, e in decide(seeds=[0], table=sweep([1.0])).items():
        assert e.verdict == "inconclusive", key
        assert "straddles" in e.reason and e.seeds == 1
        stats = e.statistic if isinstance(e.statistic, tuple) else (e.statistic,)
        assert not any(s.bounded for s in stats)


@pytest.mark.parametrize(
    ("change", "expected"),
    [([-0.3, -0.25, -0.35, -0.3, -0.28], "reproduced"), ([0.0, 0.02, -0.01, 0.01, 0.0], "not reproduced")],
)
def test_clustering_on_known_answers(change, expected):
    e = decide(table=sweep(RISE_FALL, change=change))["goldfeld2019/clustering"]
    assert e.verdict == expected and e.items == ("beta 0.005 layer3",)


def test_claims_without_a_compression_are_not_comparable():
    flat = {
        layer: {
            "dip": 0.0,
            "dip stderr": fakes.NAN,
            "measure change": 0.0,
            "rho": fakes.NAN,
            "rho after peak": fakes.NAN,
        }
        for layer in fakes.HIDDEN
    }
    got = decide(table=sweep([0.0] * 5), track=flat)  # the twin's binned curves pinned at log2 4096
    assert got["goldfeld2019/clustering"].verdict == "not comparable"
    assert got["goldfeld2019/orthonormal"].verdict == "not comparable"
    assert got["goldfeld2019/binning"].verdict == "not comparable"
    assert "no fall to set beside clustering" in got["goldfeld2019/binning"].reason


def twin(after, whole=-0.5):
    return {
        layer: {
            "dip": 0.5,
            "dip stderr": fakes.NAN,
            "measure change": [-0.3, -0.25, -0.35, -0.3, -0.2],
            "rho": whole,
            "rho after peak": after,
        }
        for layer in fakes.HIDDEN
    }


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ([0.8, 0.9, 0.7, 0.85, 0.8], "reproduced"),  # the whole-run correlation (-0.5) plays no part
        ([-0.5, -0.4, -0.6, -0.5, -0.3], "not reproduced"),
        ([0.3, 0.7, 0.5, 0.6, 0.4], "inconclusive"),  # straddles 0.5
    ],
)
def test_binning_on_known_answers(after, expected):
    e = decide(table=sweep(RISE_FALL), track=twin(after))["goldfeld2019/binning"]
    assert e.verdict == expected and e.items == ()


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        ([-0.002, 0.001, -0.003, 0.0, -0.001], "reproduced"),
        ([-0.05, -0.06, -0.04, -0.05, -0.055], "not reproduced"),  # noise costs 5 points
        ([-0.01, 0.0, -0.02, -0.005, -0.015], "inconclusive"),  # straddles -0.01
    ],
)
def test_proxy_on_known_answers(diff, expected):
    e = decide(table=sweep(RISE_FALL), proxy={0.005: diff})["goldfeld2019/proxy"]
    assert e.verdict == expected and e.items == ("beta 0.005",)


@pytest.mark.parametrize(
    ("dips", "expected"),
    [(RISE_FALL, "reproduced"), ([0.0] * 5, "not reproduced"), (STRADDLE, "inconclusive")],
)
def test_cnn_compression_on_known_answers(dips, expected):
    cnn = {
        "layer3": {"dip": dips, "dip stderr": 0.01, "measure change": -0.2},
        "layer4": {"dip": 0.0, "dip stderr": 0.01},
    }
    e = decide(table=sweep(RISE_FALL), cnn=cnn)["goldfeld2019/cnn-compression"]
    assert e.verdict == expected and "2 conv + dense 1583-128" in e.ours


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ({"layer3": [0.4, 0.5, 0.45, 0.42, 0.5], "layer4": 0.3}, "reproduced"),
        ({"layer3": [0.4, 0.5, 0.45, 0.42, 0.5], "layer4": 0.0}, "partly"),
        # layer3 straddles, layer4 fails: "both layers cluster" is excluded and no layer is shown to
        ({"layer3": [0.0, 0.1, 0.02, 0.08, 0.06], "layer4": 0.0}, "not reproduced"),
        ({"layer3": [0.0, 0.1, 0.02, 0.08, 0.06], "layer4": [0.0, 0.1, 0.02, 0.08, 0.06]}, "inconclusive"),
    ],
)
def test_cnn_clusters_on_known_answers(last, expected):
    assert verdict("goldfeld2019/cnn-clusters", table=sweep(RISE_FALL), gap_last=last) == expected


@pytest.mark.parametrize(("ortho_dip", "expected"), [(0.0, "reproduced"), (RISE_FALL, "not reproduced")])
def test_orthonormal_on_known_answers(ortho_dip, expected):
    ortho = {layer: {"dip": ortho_dip, "dip stderr": 0.01, "measure change": 0.0} for layer in fakes.HIDDEN}
    e = decide(table=sweep(RISE_FALL), ortho=ortho)["goldfeld2019/orthonormal"]
    assert e.verdict == expected and e.items == ("layer3",)


def test_default_profile_names_its_decisive_deviations():
    got = decide(seeds=[0], ours=None, table=sweep([1.0]))
    texts = {key: [d.text() for d in e.deviations if d.decisive] for key, e in got.items()}
    # the authors' dynamics: no decisive deviation left in the SZT claims but the twin's bin width
    for key in ("compression", "clustering", "orthonormal", "proxy"):
        assert texts[f"goldfeld2019/{key}"] == [], key
    assert texts["goldfeld2019/binning"] == ["bin_width 0.0666667 vs 0.007 (x9.52, decisive)"]
    # the fakes' CNN reaches 75 %: the accuracy setting deviates
    assert texts["goldfeld2019/cnn-compression"] == [
        "cnn_accuracy 75.0% test accuracy (< 97 %) vs >= 97 % test accuracy (decisive)"
    ]
    assert all(e.verdict == "inconclusive" for e in got.values())
    assert "straddles" in got["goldfeld2019/compression"].reason
    assert "sp_inputs 256 vs 4096 (x1/16, uncertainty only)" in [
        d.text() for d in got["goldfeld2019/compression"].deviations
    ]
    ok = decide(seeds=[0], ours=None, table=sweep([1.0]), cnn_acc=0.98)
    assert not [d for d in ok["goldfeld2019/cnn-compression"].deviations if d.decisive]


def test_smoke_is_not_comparable():
    got = decide(seeds=[0], ours=None, profile="smoke", table=sweep([1.0]))
    assert {e.verdict for e in got.values()} == {"not comparable"}


def test_record_claims_and_glue(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    n, s = fakes.numbers(seeds=[0]), fakes.settings()
    card = chapter.record_claims(fakes.NB, s, n)
    assert list(card.columns) == scorecard.CARD_COLUMNS and len(card) == 7
    rows = scorecard.load("default")
    assert list(rows.key) == KEYS and set(rows.verdict) == {"inconclusive"} and set(rows.seeds) == {1}
    assert rows.loc[0, "our value"].endswith("(10000 epochs, 1 seed, SP on 256 inputs (r=5, n_mc=4))")
    g = chapter.glue_values(n, s)
    assert all(name.isidentifier() for name in g) and g["n_seeds"] == 1 and g["run_profile"] == "default"
    for k in ("comp", "clus", "bin", "cnn", "cos", "orth", "proxy"):
        assert g[f"v_{k}"] == "inconclusive", k
    for k in ("bin", "cnn", "cos"):
        assert g[f"why_{k}"].startswith("decisive settings deviate"), k
    for k in ("comp", "clus", "orth", "proxy"):
        assert "straddles" in g[f"why_{k}"], k
    assert g["proxy_text"] == "beta = 0.005: 0.898 with the noise on against 0.900 without"
    assert g["rho_after_text"] == "layer1 0.80, layer2 0.80, layer3 0.80"
    assert (g["n_hidden"], g["n_was"], g["n_prevented"], g["beta0"], g["last"]) == (
        3,
        1,
        1,
        "0.005",
        "layer3",
    )
    assert g["dip0"] == "1.00" and g["dip0_se"] == "0.05" and g["cnn_acc"] == "0.750"
    assert g["cnn_gap"] == "layer3 from 0.00 to 0.40; layer4 from 0.00 to 0.40"
    assert g["cnn_path"].startswith("layer3 from 4.00 bits before training to 3.00 at epoch 2")
    assert g["lag_text"].startswith(
        "beta = 0.005: I(X;T) peak at epoch 3, bottom at 9, tightest clusters at 12"
    )
