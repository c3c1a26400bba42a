"""The decisions of chapter 1 (ibcore.study.chapters.estimator_dependence) on small synthetic frames.

No training: each information-plane frame below is written by hand so that its answer is known
(values in nats; ``B`` = ln 2, one bit). Estimators "A" (tanh compresses by 1 bit, ReLU is flat),
"B" (both compress) and the decision rule (output layer, flat) on two seeds.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.study.chapters import estimator_dependence as ch

B = LN2
ROOT = Path(__file__).resolve().parents[2]
ORDER3 = ("A", "B", "decision rule")


def _rows(estimator, activation, layer, index, values, seeds=(0, 1)):
    """One curve (I(X;L) over epochs 0, 1, 2, ...) per seed."""
    return [
        {
            "estimator": estimator,
            "activation": activation,
            "seed": s,
            "layer": layer,
            "layer_index": index,
            "epoch": e,
            "I(X;L)": v,
        }
        for s in seeds
        for e, v in enumerate(values)
    ]


def _planes():
    rows = []
    for act in ("tanh", "relu"):
        falls_a = act == "tanh"
        rows += _rows("A", act, "l1", 1, [3 * B, 3 * B, 3 * B])
        rows += _rows("A", act, "l2", 2, [1 * B, 2 * B, 1 * B] if falls_a else [1 * B, 1 * B, 1 * B])
        rows += _rows("B", act, "l1", 1, [3 * B, 3 * B, 3 * B])
        rows += _rows("B", act, "l2", 2, [2 * B, 2 * B, 0.5 * B])
        rows += _rows("decision rule", act, "output", 3, [1 * B, 1 * B, 1 * B])
    return pd.DataFrame(rows)


def _settings(profile="default"):
    return SimpleNamespace(profile=profile, n_epochs=20, lr=4e-3, seeds=[0, 1], n_record=6)


# --- the estimators and the epochs they read ------------------------------------------------------


def test_order_names_every_estimator_once():
    names = [name for group in ch.szt_estimators().values() for name in group]
    assert list(ch.ORDER) == [*names, "decision rule"]
    assert list(ch.MNIST_ESTIMATORS) == list(ch.mnist_estimators())
    assert set(ch.GEOMETRY_ESTIMATORS) <= set(ch.ORDER) and set(ch.SAXE_USED) <= set(ch.ORDER)


def test_pair_epoch_subset_spreads_in_log_and_keeps_the_ends():
    epochs = [0, 1, 2, 4, 8, 20]
    assert ch.pair_epoch_subset(epochs, 2) == [0, 20]
    assert ch.pair_epoch_subset(epochs, 3) == [0, 1, 20]  # positions round(1, 2.45, 6) - 1 = 0, 1, 5
    assert ch.pair_epoch_subset(epochs, 99) == [0, 1, 2, 4, 20]  # at most 6; rounding merges two
    with pytest.raises(ValueError, match="n >= 1"):
        ch.pair_epoch_subset(epochs, 0)
    with pytest.raises(ValueError, match="epochs"):
        ch.pair_epoch_subset([], 2)


def test_narrow_layers_keeps_layers_at_most_max_width():
    acts = {"l1": np.zeros((3, 8, 10)), "l2": np.zeros((3, 8, 5)), "output": np.zeros((3, 8, 2))}
    run = SimpleNamespace(layers=list(acts), activations=acts)
    assert ch.narrow_layers(run, 5) == ["l2", "output"]
    assert ch.narrow_layers(run, 1) == []


# --- does the last hidden layer compress? ---------------------------------------------------------


def test_compression_reads_the_last_layer_and_the_output_for_the_decision_rule():
    table = ch.compression(_planes(), last="l2")
    assert list(table.index)[-2:] == [("decision rule", "tanh"), ("decision rule", "relu")]
    assert table.loc[("A", "tanh"), "drop mean"] == pytest.approx(1.0)
    assert table.loc[("A", "relu"), "drop mean"] == pytest.approx(0.0)
    assert table.loc[("B", "relu"), "drop mean"] == pytest.approx(1.5)
    assert table.loc[("decision rule", "tanh"), "drop mean"] == pytest.approx(0.0)
    # rows in order of appearance: (A, tanh), (B, tanh), (A, relu), (B, relu), then the rule's
    assert table["compresses"].tolist() == [True, True, False, True, False, False]


def test_verdict_cell_and_table():
    row = {
        "compresses": True,
        "drop mean": 0.4242,
        "drop sd": float("nan"),
        "seeds compressing": 1,
        "seeds": 1,
    }
    assert ch.verdict_cell(row) == "compresses (0.42 +- 0.00; 1/1)"
    row = {**row, "compresses": False, "drop sd": 0.1234, "seeds compressing": 0, "seeds": 3}
    assert ch.verdict_cell(row) == "no (0.42 +- 0.12; 0/3)"
    v = ch.verdict_table(ch.compression(_planes(), last="l2"), last="l2", order=ORDER3)
    assert list(v.index) == list(ORDER3) and list(v.columns) == ["tanh", "relu"]
    assert v.loc["A", "tanh"] == "compresses (1.00 +- 0.00; 2/2)"
    assert v.loc["A", "relu"] == "no (0.00 +- 0.00; 0/2)"
    assert v.columns.name.startswith("drop of I(X;L), l2 (output")


def test_compression_counts_saxe_pattern():
    counts = ch.compression_counts(ch.compression(_planes(), last="l2"), order=ORDER3)
    # A: tanh yes, ReLU no (Saxe's pattern); B: both; decision rule: neither
    assert (counts.n_est, counts.n_saxe, counts.n_tanh, counts.n_relu) == (3, 1, 2, 1)
    assert all(isinstance(n, int) for n in (counts.n_est, counts.n_saxe, counts.n_tanh, counts.n_relu))
    assert list(counts.comp.index) == list(ORDER3)


def test_table_one_marks():
    assert ch.table_one_mark({"seeds compressing": 3, "seeds": 3}) == "✓"
    assert ch.table_one_mark({"seeds compressing": 0, "seeds": 3}) == "×"
    assert ch.table_one_mark({"seeds compressing": 1, "seeds": 3}) == "~"
    t = ch.table_one(ch.compression(_planes(), last="l2"), "smoke", order=ORDER3)
    assert list(t.columns) == list(ORDER3)
    assert t.loc["SZT MLP, tanh, Adam, smoke"].tolist() == ["✓", "✓", "×"]
    assert t.loc["SZT MLP, relu, Adam, smoke"].tolist() == ["×", "✓", "×"]


def test_disagreeing_activations():
    comp = pd.DataFrame({"tanh": [True, True], "relu": [True, False]}, index=["A", "B"])
    assert ch.disagreeing(comp) == ["relu"]
    assert ch.disagreeing(comp.assign(relu=False)) == []


def test_two_phase_count_needs_a_rise_then_a_fall():
    rows = []
    name = "binning, 30 bins on [-1, 1]"
    rows += _rows(name, "tanh", "l2", 2, [0.0, 1 * B, 0.5 * B], seeds=[0])  # rises, then falls: both
    rows += _rows(name, "tanh", "l2", 2, [1 * B, 0.8 * B, 0.2 * B], seeds=[1])  # falls only
    rows += _rows(name, "tanh", "l2", 2, [0.0, 0.5 * B, 0.5 * B], seeds=[2])  # rises only
    rows += _rows(name, "relu", "l2", 2, [0.0, 1 * B, 0.0], seeds=[0, 1, 2, 3])  # other activation
    rows += _rows("KDE, var 0.1", "tanh", "l2", 2, [0.0, 1 * B, 0.0], seeds=[5])  # other estimator
    planes = pd.DataFrame(rows)
    assert ch.two_phase_count(planes, last="l2") == (1, 3)
    assert ch.two_phase_count(planes, last="l2", threshold=0.6) == (0, 3)
    assert ch.two_phase_count(planes, last="l2", activation="relu") == (4, 4)


# --- the data-processing inequality ----------------------------------------------------------------


def test_dpi_table_counts_binning_violations_only_for_the_scorecard():
    rows = []
    for act in ("tanh", "relu"):
        # binning: l2 above l1 by 1 bit at epoch 1 of both seeds (tanh) -> 2 violations
        up = [1 * B, 2 * B] if act == "tanh" else [1 * B, 1 * B]
        rows += _rows("binning, width 0.07", act, "l1", 1, [1 * B, 1 * B])
        rows += _rows("binning, width 0.07", act, "l2", 2, up)
        # KDE: a larger excess (2 bits) at one seed, not counted for the scorecard
        rows += _rows("KDE, var 0.1", act, "l1", 1, [1 * B, 1 * B])
        rows += _rows(
            "KDE, var 0.1", act, "l2", 2, [3 * B, 1 * B] if act == "relu" else [1 * B, 1 * B], seeds=[0]
        )
        rows += _rows("KDE, var 0.1", act, "l2", 2, [1 * B, 1 * B], seeds=[1])
        # adaptive binning: an excess below the 0.01-bit tolerance
        rows += _rows("adaptive binning, 30 bins", act, "l1", 1, [1 * B, 1 * B])
        rows += _rows("adaptive binning, 30 bins", act, "l2", 2, [1.005 * B, 1 * B])
    dpi = ch.dpi_table(pd.DataFrame(rows))
    assert dpi.n_binning == 2
    assert dpi.table.loc[("binning, width 0.07", "tanh"), "violations"] == 2
    assert dpi.table.loc[("KDE, var 0.1", "relu"), "violations"] == 1
    assert dpi.table.loc[("binning, width 0.07", "tanh"), "seed-epochs"] == 4
    assert dpi.table.loc[("KDE, var 0.1", "relu"), "largest excess [bits]"] == pytest.approx(2.0)
    assert dpi.worst["estimator"] == "KDE, var 0.1" and dpi.worst["activation"] == "relu"
    assert ch.worst_text(dpi.worst) == "KDE, var 0.1, relu, seed 0, epoch 0: l2 exceeds l1 by 2.00 bits"
    assert list(dpi.table.index.get_level_values(0).unique()) == [
        "binning, width 0.07",
        "adaptive binning, 30 bins",
        "KDE, var 0.1",
    ]  # the page's order
    flat = ch.dpi_table(pd.DataFrame([r for r in rows if r["estimator"] == "adaptive binning, 30 bins"]))
    assert flat.n_binning == 0 and flat.worst is None
    assert ch.worst_text(None) == "none"


# --- geometry ----------------------------------------------------------------------------------------


def test_rank_correlations_signs_and_constant_curves():
    epochs = [0, 1, 2, 3]
    idx = pd.MultiIndex.from_product([["tanh"], ["E"], epochs], names=["activation", "estimator", "epoch"])
    info = pd.Series([1.0, 2.0, 3.0, 4.0], index=idx)
    stats = pd.DataFrame(
        {"ratio": [0.1, 0.2, 0.5, 0.9, 7.0], "saturation": [0.9, 0.5, 0.2, 0.1, 0.0], "diameter": 1.0},
        index=pd.MultiIndex.from_product([["tanh"], [0, 1, 2, 3, 4]], names=["activation", "epoch"]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the constant diameter must not warn
        rho = ch.rank_correlations(info, stats, acts=["tanh"], estimators=["E"])
    assert rho.loc[("tanh", "E"), "rho vs ratio"] == pytest.approx(1.0)
    assert rho.loc[("tanh", "E"), "rho vs saturation"] == pytest.approx(-1.0)
    assert np.isnan(rho.loc[("tanh", "E"), "rho vs diameter"])


def test_geo_sentence_reads_tracks_at_half():
    yes = ch.geo_sentence({"rho vs saturation": -0.5, "rho vs ratio": 0.5})
    assert yes.startswith("compression in the binned plane went with")
    for rho in (
        {"rho vs saturation": -0.49, "rho vs ratio": 0.9},
        {"rho vs saturation": -0.9, "rho vs ratio": 0.4},
    ):
        assert ch.geo_sentence(rho).startswith("at this profile the binned curve did not")


# --- prose -------------------------------------------------------------------------------------------


def test_dead_sentence_counts_seeds_near_chance():
    assert (
        ch.dead_sentence({"tanh": np.array([0.9, 0.95])})
        == "Every seed trained to well above chance accuracy."
    )
    s = ch.dead_sentence({"tanh": np.array([0.9, 0.95]), "relu": np.array([0.5, 0.9, 0.55])})
    assert s.startswith("2 of 3 relu seeds stayed near chance accuracy")
    s = ch.dead_sentence({"tanh": np.array([0.5]), "relu": np.array([0.5, 0.9])})
    assert s.startswith("1 of 1 tanh seeds and 1 of 2 relu seeds stayed")


def test_mnist_text():
    comp = pd.DataFrame({"relu": [False, True], "tanh": [True, False]}, index=["X", "Y"])
    assert ch.mnist_text(comp) == "X: tanh compresses, ReLU no; Y: tanh no, ReLU compresses"


def test_run_note():
    assert ch.run_note(_settings()) == "SZT, 20 epochs, lr 0.004, 2 seeds, 6 recorded epochs"


# --- claims, scorecard and glue ----------------------------------------------------------------------


def _claims(profile="default", n_dpi_bin=3):
    planes = _planes().replace({"A": "binning, 30 bins on [-1, 1]"})
    order = ("binning, 30 bins on [-1, 1]", "B", "decision rule")
    table = ch.compression(planes, last="l2")
    counts = ch.compression_counts(table, order=order)
    result = ch.claims(
        table, counts, planes, last="l2", n_dpi_bin=n_dpi_bin, settings=_settings(profile), order=order
    )
    return counts, result


def test_claims_rows_and_verdicts():
    counts, result = _claims()
    assert len(result.rows) == 3 + 4
    verdicts = [row[4] for row in result.rows]
    # binning: tanh yes and ReLU no -> reproduced; B: ReLU also compresses -> partly; rule: tanh no -> partly
    assert verdicts[:3] == ["reproduced", "partly", "partly"]
    assert result.v_saxe == "partly"  # 1 of 3 estimators
    assert (result.n_two, result.n_seeds, result.v_two) == (2, 2, "reproduced")  # 1 bit up, then down
    assert result.disagree == ["tanh", "relu"] and result.v_dis == "reproduced"
    assert result.v_dpi == "reproduced"
    assert result.rows[0][2] == "tanh: compression; ReLU: none (Figs. 1-2)"  # Saxe et al.'s estimator
    assert "estimator not used by them" in result.rows[1][2]
    assert result.rows[2][3].startswith("drop of output: tanh 0.00 +- 0.00, ReLU 0.00")
    assert result.rows[3][3].startswith("1 of 3 estimators show it (tanh compresses under 2, ReLU under 1")
    assert [r[0] for r in result.rows[3:]] == ["saxe2018", "shwartzziv2017", "geiger2021", "geiger2021"]
    assert _claims(n_dpi_bin=0)[1].v_dpi == "not reproduced"
    assert {r[4] for r in _claims(profile="smoke")[1].rows} == {"not comparable"}


def test_record_claims_writes_the_rows_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    _, result = _claims()
    card = ch.record_claims("01_estimator_dependence", _settings(), result)
    assert card["claim"].tolist() == [r[1] for r in result.rows]
    stored = json.loads((tmp_path / "default" / "01_estimator_dependence.json").read_text())
    assert [r["verdict"] for r in stored] == [r[4] for r in result.rows]
    with pytest.raises(ValueError, match="no claims"):
        ch.record_claims("01_estimator_dependence", _settings(), ch.Claims([], "", "", "", "", 0, 0, []))


def _glue_inputs():
    counts, result = _claims()
    run = SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, 0.9]}))
    dead = SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, 0.55]}))
    szt = ch.SZTRuns(runs={"tanh": [run, run], "relu": [run, dead]}, schedule=[0, 1], n_inputs=4096)
    dpi = ch.DPI(table=pd.DataFrame(), n_binning=3, worst=None)
    sweeps = (pd.DataFrame({"I(X;L)": [0.0, 12 * B]}), pd.DataFrame({"I(X;L)": [0.001 * B, 7 * B]}))
    m_table = pd.DataFrame(
        {"compresses": [True, False]},
        index=pd.MultiIndex.from_tuples([("X", "tanh"), ("X", "relu")], names=["estimator", "activation"]),
    )
    mnist = ch.MNIST(runs={}, planes=pd.DataFrame(), last="l4", accuracy={}, n_eval=64, table=m_table)
    corr = pd.DataFrame(
        {"rho vs ratio": [0.9], "rho vs saturation": [-0.8], "rho vs diameter": [0.1]},
        index=pd.MultiIndex.from_tuples([("tanh", "binning, 30 bins on [-1, 1]")]),
    )
    geometry = ch.Geometry(stats=pd.DataFrame(), info=pd.Series(dtype=float), correlations=corr)
    return _settings(), szt, counts, result, dpi, sweeps, mnist, geometry


def test_glue_values_cover_the_page_and_read_right():
    values = ch.glue_values(*_glue_inputs())
    nb = json.loads((ROOT / "notebooks" / "01_estimator_dependence.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert set(re.findall(r"\{glue:text\}`(\w+)`", text)) <= set(values)
    assert values["n_saxe"] == 1 and type(values["n_saxe"]) is int and type(values["n_dpi_bin"]) is int
    assert values["tanh_yes"] == "binning, 30 bins on [-1, 1], B" and values["relu_yes"] == "B"
    assert values["disagree"] == "tanh, relu"
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
    assert values["v_saxe"] == "partly" and values["run_profile"] == "default"


def test_runs_report_records_the_runs():
    run = SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, 0.9]}))
    szt = ch.SZTRuns(runs={"tanh": [run], "relu": [run]}, schedule=[0, 1, 5], n_inputs=4096)
    noted = []
    settings = SimpleNamespace(seeds=[0], note_runs=lambda runs: noted.append(len(runs)) or "2 runs loaded")
    text = ch.runs_report(szt, settings)
    assert noted == [2]
    assert text == (
        "2 runs (1 seeds x 2 activations), 3 recorded epochs each; 2 runs loaded\n"
        "final accuracy on all 4096 inputs, mean (min-max) over seeds: "
        "{'tanh': '0.900 (0.900-0.900)', 'relu': '0.900 (0.900-0.900)'}"
    )
