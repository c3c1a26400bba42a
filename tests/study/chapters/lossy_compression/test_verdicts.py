"""The per-seed values and glue of chapter 3 (lossy_compression.verdicts) on small synthetic inputs.

No training and no estimation: each test builds the frames the page's experiments would return
(estimates against a known truth, phase tables, ablation planes) with answers known by
construction, and checks the chapter's per-seed values, scorecard rows and glued values. The
claims' verdicts on known answers are in ``test_records.py``.
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.chapters.lossy_compression import CLAIMS, PAPER_KEY
from ibcore.study.chapters.lossy_compression.mnist import Ablation, Mnist, Plane
from ibcore.study.chapters.lossy_compression.synthetic import Sweeps, Synthetic, accuracy, k_for
from ibcore.study.chapters.lossy_compression.verdicts import (
    agree_sentence,
    drop_sentence,
    evaluate_claims,
    first_comp_text,
    glue_values,
    miss_epochs,
    mnist_claims,
    pca_word,
    record_claims,
    synthetic_claims,
    timing_values,
)

from . import fakes

ROOT = Path(__file__).resolve().parents[4]


# ---------------------------------------------------------------- synthetic estimates, known errors


def test_synthetic_claims_give_per_seed_values_by_task():
    bench = fakes.bench({**fakes.ERRORS, ("bumps", "WKL on AE codes"): (0.5, -0.7)})
    acc, _ = accuracy(bench)
    syn = synthetic_claims(acc, bench, raw_grid=fakes.GRID)
    assert syn["rmse_seeds"]["bumps"].tolist() == pytest.approx([0.5, 0.7])
    assert syn["rmse_seeds"]["rectangles"].tolist() == pytest.approx([2.0, 2.0])
    # |bias KL| - |bias WKL| per seed: bumps 2 - 0.5, 2 - 0.7; rectangles 1 - 2
    assert syn["offset_seeds"]["bumps"].tolist() == pytest.approx([1.5, 1.3])
    assert syn["offset_seeds"]["rectangles"].tolist() == pytest.approx([-1.0, -1.0])
    wkl, ksg = syn["beats"][("bumps", "KSG")]
    assert wkl.tolist() == pytest.approx([0.5, 0.7]) and ksg.tolist() == pytest.approx([3.0])  # first seed
    assert syn["no_estimate"] == [("rectangles", "MINE")]  # every MINE fit diverged
    key = syn["key"]
    assert key.loc["bumps", "KSG raw RMSE (raw grid)"] == pytest.approx(3.0)
    assert np.isnan(key.loc["rectangles", "MINE raw RMSE (raw grid)"])  # all missing: dropped


def test_beats_is_read_on_the_raw_grid_only():
    bench = fakes.bench()
    # WKL far off at 2.5 nats, outside the raw grid (0, 10): the comparison does not see it
    extra = bench[(bench["method"] == "WKL on AE codes") & (bench["true"] == 5.0)].assign(true=2.5)
    bench = pd.concat([bench, extra.assign(estimate=52.5)], ignore_index=True)
    acc, _ = accuracy(bench)
    syn = synthetic_claims(acc, bench, raw_grid=[0.0, 10.0])
    assert syn["beats"][("bumps", "KSG")][0].tolist() == pytest.approx([0.5, 0.5])
    assert syn["rmse_seeds"]["bumps"][0] > 20  # the RMSE over the whole grid sees it


def test_pca_word():
    acc, _ = accuracy(fakes.bench())
    rmse = acc.set_index(["task", "method"])["RMSE"]
    assert pca_word(rmse) == "did worse than the autoencoder's in both tasks"
    rmse[("bumps", "WKL on PCA codes")] = 0.1
    assert pca_word(rmse) == "were not worse than the autoencoder's in every task"


# ---------------------------------------------------------------- MNIST: phases, claims


PHASES = pd.DataFrame(
    [
        # seed 0, conv1: fitting, compression [2, 5], fitting -> several phases
        (0, "conv1", "fitting", 0, 2),
        (0, "conv1", "compression", 2, 5),
        (0, "conv1", "fitting", 5, 8),
        # seed 0, dense: only fitting -> one phase, no compression
        (0, "dense", "fitting", 0, 8),
        # seed 1, conv1: compression [6, 7] long after the drop
        (1, "conv1", "fitting", 0, 6),
        (1, "conv1", "compression", 6, 7),
        # seed 1, dense: compression [1, 3], then again [4, 5]
        (1, "dense", "compression", 1, 3),
        (1, "dense", "fitting", 3, 4),
        (1, "dense", "compression", 4, 5),
    ],
    columns=["seed", "layer", "kind", "start", "end"],
).assign(change=0.0, threshold=0.05)
DROPS = {0: 0.5, 1: 2.5}


def test_miss_epochs_is_the_distance_outside_the_window():
    assert miss_epochs(3.0, 2.0, 5.0) == 0.0  # inside
    assert miss_epochs(0.0, 2.0, 5.0) == 0.0  # two epochs before the start: the window's edge
    assert miss_epochs(-0.5, 2.0, 5.0) == pytest.approx(0.5)
    assert miss_epochs(6.5, 2.0, 5.0) == pytest.approx(1.5)  # after the end
    assert miss_epochs(1.0, 2.0, 5.0, lead=0) == pytest.approx(1.0)


def test_mnist_claims_count_phases_and_misses():
    mn = mnist_claims(PHASES, DROPS, ["conv1", "dense"], [0, 1])
    assert mn["n_cases"] == 4
    assert mn["n_phases"] == {"conv1": [3, 2], "dense": [1, 3]}
    assert mn["n_phase"] == 2  # seed 0 conv1, seed 1 dense
    assert mn["first_comp"] == {(0, "conv1"): (2.0, 5.0), (1, "conv1"): (6.0, 7.0), (1, "dense"): (1.0, 3.0)}
    # seed 0 conv1: 0 <= 0.5 <= 5 (miss 0); seed 1 conv1: window [4, 7], drop 2.5 (miss 1.5);
    # seed 1 dense: window [-1, 3], drop 2.5 (miss 0)
    assert mn["miss"] == {"conv1": {0: 0.0, 1: 1.5}, "dense": {1: 0.0}}
    assert mn["n_coinc"] == 2


def test_a_non_finite_drop_gives_no_miss():
    mn = mnist_claims(PHASES, {0: 0.5, 1: np.nan}, ["conv1", "dense"], [0, 1])
    assert mn["miss"] == {"conv1": {0: 0.0}, "dense": {}}


def test_sentences_on_the_first_compressions():
    fc = {(0, "conv1"): (2.0, 5.0), (1, "conv1"): (6.0, 7.0)}
    assert agree_sentence(fc, ["conv1", "dense"], 2) == "The seeds agree on which layers compress"
    assert agree_sentence(fc, ["conv1", "dense"], 3) == "The seeds do not agree on which layers compress"
    assert drop_sentence(fc, {0: -1.0, 1: 1.0}) == "the loss fell fastest before any compression began"
    assert drop_sentence(fc, {0: -0.5, 1: 1.0}).startswith("the fastest loss drop fell near")  # 0.5 away
    assert first_comp_text(fc) == "seed 0 conv1: 2-5; seed 1 conv1: 6-7"
    assert first_comp_text({}) == "none"


# ---------------------------------------------------------------- evaluations, scorecard, glue


def _fakes(profile="default"):
    settings = fakes.settings(
        profile, cnn_seeds=[0, 1], seeds=[0, 1], mi_grid=fakes.GRID, raw_grid=fakes.GRID
    )
    bench = fakes.bench()
    synth = Synthetic(bench, [False, True, False], 1.0, [True] * 3)
    acc, _ = accuracy(bench)
    plane = fakes.plane(
        {(s, layer): np.linspace(0, 1, 9) + s for s in (0, 1) for layer in ("conv1", "dense")}
    ).assign(**{"code error": 0.2})
    pl = Plane(plane, ["conv1", "dense"], {0: np.ones(9), 1: np.ones(9)}, DROPS, PHASES, 2.0)
    sweeps = Sweeps(
        None,
        None,
        pd.DataFrame({"RMSE": [0.5, 0.25]}, index=["k=5", "k=10"]),
        pd.DataFrame({"bias": [-1.0, 0.5]}, index=pd.Index([1, 2], name="code dim")),
        [1, 2, 6],
        3.0,
    )
    mnist = Mnist(
        [],
        SimpleNamespace(val_error=0.1234, best_epoch=3, val_history=[0.2, 0.15, 0.1234, 0.13]),
        0.1,
        0.3,
        {0: 0.9, 1: 0.95},
        "2 runs",
        "",
        4.0,
    )
    first = plane[plane["seed"] == 0]
    unwhite = first.assign(**{IXL: first[IXL] - 1.0})
    table = pd.DataFrame({"code error PCA": [0.3, 0.5], "code error AE": [0.1, 0.2]})
    abl = Ablation(np.array([0, 8]), first, first, first.iloc[:3], 2, table, first, unwhite, 5.0)
    return settings, acc, synth, sweeps, mnist, pl, abl


def test_evaluate_claims_gives_the_five_claims_in_order():
    settings, acc, synth, _, _, pl, _ = _fakes()
    claims = evaluate_claims(settings, acc, synth, pl)
    assert [e.claim for e in claims.evaluations] == list(CLAIMS)
    tracks, beats, offset, phase, coinc = claims.evaluations
    assert tracks.items == ("bumps", "rectangles") and tracks.seeds == 2
    assert beats.items == ("bumps vs KSG", "bumps vs MINE", "rectangles vs KSG")
    assert "rectangles vs MINE: no estimate, left out" in beats.support
    assert beats.statistic[0].method == "t over 2 seeds of WKL, the baseline's one run held fixed"
    assert phase.items == ("conv1", "dense") and coinc.items == ("conv1", "dense")
    assert coinc.statistic[1].n == 1 and not coinc.statistic[1].bounded  # one compressing seed
    assert set(claims.verdicts.values()) == {"inconclusive"}  # default: decisive deviations
    assert claims.reasons["why_phase"].startswith("decisive settings deviate: cnn_epochs 20 vs 300")
    smoke = evaluate_claims(fakes.settings("smoke", mi_grid=fakes.GRID, raw_grid=fakes.GRID), acc, synth, pl)
    assert set(smoke.verdicts.values()) == {"not comparable"}


def test_coincidence_not_comparable_without_compression_or_a_finite_drop():
    settings, acc, synth, _, _, pl, _ = _fakes()
    pl.phases = PHASES[PHASES["kind"] == "fitting"]
    coinc = evaluate_claims(settings, acc, synth, pl).evaluations[-1]
    assert coinc.verdict == "not comparable" and coinc.reason.startswith("no (seed, layer) curve")
    pl.phases, pl.drop_epoch = PHASES, {0: 0.5, 1: np.nan}
    coinc = evaluate_claims(settings, acc, synth, pl).evaluations[-1]
    assert coinc.verdict == "not comparable" and "not finite" in coinc.reason


def test_record_claims_writes_five_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    settings, acc, synth, _, _, pl, _ = _fakes()
    card = record_claims(fakes.NB, evaluate_claims(settings, acc, synth, pl))
    assert list(card.columns) == scorecard.CARD_COLUMNS and len(card) == 5
    rows = json.loads((tmp_path / "default" / f"{fakes.NB}.json").read_text())
    assert [r["key"] for r in rows] == [c.key for c in CLAIMS]
    assert {r["paper"] for r in rows} == {PAPER_KEY}
    assert [r["verdict"] for r in rows] == ["inconclusive"] * 5
    assert rows[0]["our value"].startswith("RMSE bumps 0.50, rectangles 2.00 nats over the grid")
    assert "in 2 of 3 compressing (seed, layer) curves" in rows[4]["our value"]
    assert all(r["deviations"] and r["interval"] and r["support"] for r in rows)
    assert rows[3]["seeds"] == 2 and rows[3]["unstated"] == []
    assert "mine_iters" in rows[1]["unstated"] and "raw_samples" not in rows[1]["unstated"]  # the paper's N


def test_glue_values_cover_every_glue_name_of_the_page():
    settings, acc, synth, sweeps, mnist, pl, abl = _fakes()
    claims = evaluate_claims(settings, acc, synth, pl)
    values = {**glue_values(settings, claims, synth, sweeps, mnist, pl, abl)}
    values.update(timing_values(synth, mnist, pl, abl))
    nb = json.loads((ROOT / "notebooks" / f"{fakes.NB}.ipynb").read_text())
    md = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue:text\}`(\w+)", md))
    assert used and used <= set(values)
    assert values["v_track"] == "inconclusive" and values["why_track"].startswith("decisive settings")
    assert values["n_coinc"] == 2 and values["n_first"] == 3 and values["n_phase"] == 2
    assert values["n_mine_div"] == 1 and values["n_mine"] == 3
    assert values["big_dim"] == 6 and values["big_k"] == k_for(12)
    assert values["dim_bias"] == "1: -1.00, 2: +0.50"
    assert values["k_rmse"] == "k=5 0.50, k=10 0.25"
    assert values["unwhite_neg"] == 16 and values["white_diff"] == "1.00"
    assert values["err_pca"] == "0.40" and values["x_err"] == "0.123"
    assert values["thresholds"] == "0.05-0.05"
    assert values["comp_by_layer"] == "conv1 2 of 2, dense 1 of 2"
    assert values["t_grid"] == "1" and values["train_note"] == "2 runs"
