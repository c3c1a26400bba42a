"""The rules and glue of chapter 3 (lossy_compression.verdicts) on small synthetic inputs.

No training and no estimation: each test builds the frames the page's experiments would return
(estimates against a known truth, phase tables, ablation planes) with answers known by
construction, and checks the chapter's verdict inputs, verdicts, scorecard rows and glued values.
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.interface import IXL
from ibcore.study.chapters.lossy_compression.mnist import Ablation, Mnist, Plane
from ibcore.study.chapters.lossy_compression.synthetic import Sweeps, Synthetic, accuracy, k_for
from ibcore.study.chapters.lossy_compression.verdicts import (
    PAPER_KEY,
    agree_sentence,
    drop_sentence,
    evaluate_claims,
    first_comp_text,
    glue_values,
    mnist_claims,
    pca_word,
    record_claims,
    synthetic_claims,
    timing_values,
)

from . import fakes

ROOT = Path(__file__).resolve().parents[4]


# ---------------------------------------------------------------- synthetic estimates, known errors

# (task, method) -> constant error (estimate - truth) at every grid point and seed


def test_synthetic_claims_decide_each_task():
    acc, _ = accuracy(fakes.bench())
    syn = synthetic_claims(acc, fakes.bench(), top=10.0, raw_grid=fakes.GRID, first_seed=0)
    assert syn["tracks"] == {"bumps": True, "rectangles": False}
    assert syn["beats"] == {"bumps": True, "rectangles": False}
    assert syn["offset"] == {"bumps": True, "rectangles": False}
    key = syn["key"]
    assert key.loc["bumps", "KSG raw RMSE (raw grid)"] == pytest.approx(3.0)
    assert np.isnan(key.loc["rectangles", "MINE raw RMSE (raw grid)"])  # all missing: dropped


def test_beats_needs_a_smaller_rmse_than_every_raw_baseline():
    errors = {**fakes.ERRORS, ("bumps", "MINE on raw images"): 0.1}  # MINE better than WKL (0.5)
    bench = fakes.bench(errors)
    acc, _ = accuracy(bench)
    syn = synthetic_claims(acc, bench, top=10.0, raw_grid=fakes.GRID, first_seed=0)
    assert syn["beats"]["bumps"] is False


def test_beats_is_read_on_the_raw_grid_and_first_seed_only():
    bench = fakes.bench()
    # WKL far off at 10 nats, seed 1 only: outside the comparison (seed 0 only) -> still beats
    bench.loc[(bench["method"] == "WKL on AE codes") & (bench["seed"] == 1), "estimate"] += 50
    acc, _ = accuracy(bench)
    syn = synthetic_claims(acc, bench, top=10.0, raw_grid=fakes.GRID, first_seed=0)
    assert syn["beats"]["bumps"] is True
    assert syn["tracks"]["bumps"] is False  # the RMSE over all seeds sees it


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


def test_mnist_claims_count_phases_and_coincidences():
    mn = mnist_claims(PHASES, DROPS, ["conv1", "dense"], [0, 1])
    assert mn["n_cases"] == 4
    assert mn["n_phase"] == 2  # seed 0 conv1, seed 1 dense
    assert mn["first_comp"] == {(0, "conv1"): (2.0, 5.0), (1, "conv1"): (6.0, 7.0), (1, "dense"): (1.0, 3.0)}
    # seed 0 conv1: 2 - 2 <= 0.5 <= 5 yes; seed 1 conv1: 4 <= 2.5 no; seed 1 dense: -1 <= 2.5 <= 3 yes
    assert mn["n_coinc"] == 2


def test_coincidence_allows_two_epochs_before_the_start_only():
    one = PHASES[(PHASES["seed"] == 0) & (PHASES["layer"] == "conv1")]
    assert mnist_claims(one, {0: 0.0}, ["conv1"], [0])["n_coinc"] == 1  # start 2, drop 0: lead 2
    assert mnist_claims(one, {0: -0.5}, ["conv1"], [0])["n_coinc"] == 0  # lead 2.5
    assert mnist_claims(one, {0: 5.5}, ["conv1"], [0])["n_coinc"] == 0  # after the end


def test_sentences_on_the_first_compressions():
    fc = {(0, "conv1"): (2.0, 5.0), (1, "conv1"): (6.0, 7.0)}
    assert agree_sentence(fc, ["conv1", "dense"], 2) == "The seeds agree on which layers compress"
    assert agree_sentence(fc, ["conv1", "dense"], 3) == "The seeds do not agree on which layers compress"
    assert drop_sentence(fc, {0: -0.5, 1: 1.0}) == "the loss fell fastest before any compression began"
    assert drop_sentence(fc, {0: 0.0, 1: 1.0}).startswith("the fastest loss drop fell near")
    assert first_comp_text(fc) == "seed 0 conv1: 2-5; seed 1 conv1: 6-7"
    assert first_comp_text({}) == "none"


# ---------------------------------------------------------------- verdicts, scorecard, glue


def _fakes(profile="default"):
    settings = fakes.settings(
        profile, cnn_seeds=[0, 1], seeds=[0, 1], mi_grid=fakes.GRID, raw_grid=fakes.GRID
    )
    bench = fakes.bench()
    synth = Synthetic(bench, [False, True, False], 1.0)
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
    mnist = Mnist([], SimpleNamespace(val_error=0.1234), 0.1, 0.3, {0: 0.9, 1: 0.95}, "2 runs", "", 4.0)
    first = plane[plane["seed"] == 0]
    unwhite = first.assign(**{IXL: first[IXL] - 1.0})
    table = pd.DataFrame({"code error PCA": [0.3, 0.5], "code error AE": [0.1, 0.2]})
    abl = Ablation(np.array([0, 8]), first, first, first.iloc[:3], 2, table, first, unwhite, 5.0)
    return settings, acc, synth, sweeps, mnist, pl, abl


def test_evaluate_claims_verdicts():
    settings, acc, synth, _, _, pl, _ = _fakes()
    claims = evaluate_claims(settings, acc, synth, pl)
    assert claims.verdicts == {
        "v_track": "partly",
        "v_beats": "partly",
        "v_offset": "partly",
        "v_phase": "partly",  # 2 of 4
        "v_coinc": "partly",  # 2 of 3
    }
    smoke = evaluate_claims(fakes.settings("smoke", mi_grid=fakes.GRID, raw_grid=fakes.GRID), acc, synth, pl)
    assert set(smoke.verdicts.values()) == {"not comparable"}


def test_coincidence_not_comparable_without_compression_or_a_finite_drop():
    settings, acc, synth, _, _, pl, _ = _fakes()
    pl.phases = PHASES[PHASES["kind"] == "fitting"]
    assert evaluate_claims(settings, acc, synth, pl).verdicts["v_coinc"] == "not comparable"
    pl.phases, pl.drop_epoch = PHASES, {0: 0.5, 1: np.nan}
    assert evaluate_claims(settings, acc, synth, pl).verdicts["v_coinc"] == "not comparable"


def test_record_claims_writes_five_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    settings, acc, synth, _, _, pl, _ = _fakes()
    card = record_claims(fakes.NB, settings, evaluate_claims(settings, acc, synth, pl))
    assert len(card) == 5 and set(card["paper"]) == {PAPER_KEY}
    rows = json.loads((tmp_path / "default" / f"{fakes.NB}.json").read_text())
    assert [r["verdict"] for r in rows] == ["partly"] * 5
    assert rows[0]["our value"].startswith("RMSE bumps 0.50, rectangles 2.00 nats; tracks (<= 1) in 1 of 2")
    assert "in 2 of 3 compressing (seed, layer) curves" in rows[4]["our value"]


def test_glue_values_cover_every_glue_name_of_the_page():
    settings, acc, synth, sweeps, mnist, pl, abl = _fakes()
    claims = evaluate_claims(settings, acc, synth, pl)
    values = {**glue_values(settings, claims, synth, sweeps, mnist, pl, abl)}
    values.update(timing_values(synth, mnist, pl, abl))
    nb = json.loads((ROOT / "notebooks" / f"{fakes.NB}.ipynb").read_text())
    md = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue:text\}`(\w+)", md))
    assert used and used <= set(values)
    assert values["n_mine_div"] == 1 and values["n_mine"] == 3
    assert values["big_dim"] == 6 and values["big_k"] == k_for(12)
    assert values["dim_bias"] == "1: -1.00, 2: +0.50"
    assert values["k_rmse"] == "k=5 0.50, k=10 0.25"
    assert values["unwhite_neg"] == 16 and values["white_diff"] == "1.00"
    assert values["err_pca"] == "0.40" and values["x_err"] == "0.123"
    assert values["thresholds"] == "0.05-0.05"
    assert values["comp_by_layer"] == "conv1 2 of 2, dense 1 of 2"
    assert values["t_grid"] == "1" and values["train_note"] == "2 runs"
