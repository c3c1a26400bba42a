"""The claims, verdicts and prose of chapter 1 (estimator_dependence.verdicts) on small synthetic frames.

No training: each information-plane frame below is written by hand so that its answer is known
(values in nats; ``B`` = ln 2, one bit). Estimators "A" (tanh compresses by 1 bit, ReLU is flat),
"B" (both compress) and the decision rule (output layer, flat) on two seeds.
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
from ibcore.study.chapters.estimator_dependence.compression_tables import compression, compression_counts
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI, Geometry
from ibcore.study.chapters.estimator_dependence.mnist import MNIST
from ibcore.study.chapters.estimator_dependence.szt_runs import SZTRuns
from ibcore.study.chapters.estimator_dependence.verdicts import (
    Claims,
    claims,
    dead_sentence,
    disagreeing,
    geo_sentence,
    glue_values,
    mnist_text,
    record_claims,
    run_note,
    two_phase_count,
)

from . import fakes

B = LN2
ROOT = Path(__file__).resolve().parents[4]


def _settings(profile="default"):
    return SimpleNamespace(profile=profile, n_epochs=20, lr=4e-3, seeds=[0, 1], n_record=6)


# --- estimators that disagree, the two phases ------------------------------------------------------


def test_disagreeing_activations():
    comp = pd.DataFrame({"tanh": [True, True], "relu": [True, False]}, index=["A", "B"])
    assert disagreeing(comp) == ["relu"]
    assert disagreeing(comp.assign(relu=False)) == []


def test_two_phase_count_needs_a_rise_then_a_fall():
    rows = []
    name = "binning, 30 bins on [-1, 1]"
    rows += fakes.plane_rows(
        name, "tanh", "l2", 2, [0.0, 1 * B, 0.5 * B], seeds=[0]
    )  # rises, then falls: both
    rows += fakes.plane_rows(name, "tanh", "l2", 2, [1 * B, 0.8 * B, 0.2 * B], seeds=[1])  # falls only
    rows += fakes.plane_rows(name, "tanh", "l2", 2, [0.0, 0.5 * B, 0.5 * B], seeds=[2])  # rises only
    rows += fakes.plane_rows(name, "relu", "l2", 2, [0.0, 1 * B, 0.0], seeds=[0, 1, 2, 3])  # other activation
    rows += fakes.plane_rows("KDE, var 0.1", "tanh", "l2", 2, [0.0, 1 * B, 0.0], seeds=[5])  # other estimator
    planes = pd.DataFrame(rows)
    assert two_phase_count(planes, last="l2") == (1, 3)
    assert two_phase_count(planes, last="l2", threshold=0.6) == (0, 3)
    assert two_phase_count(planes, last="l2", activation="relu") == (4, 4)


def test_geo_sentence_reads_tracks_at_half():
    yes = geo_sentence({"rho vs saturation": -0.5, "rho vs ratio": 0.5})
    assert yes.startswith("compression in the binned plane went with")
    for rho in (
        {"rho vs saturation": -0.49, "rho vs ratio": 0.9},
        {"rho vs saturation": -0.9, "rho vs ratio": 0.4},
    ):
        assert geo_sentence(rho).startswith("at this profile the binned curve did not")


# --- prose -------------------------------------------------------------------------------------------


def test_dead_sentence_counts_seeds_near_chance():
    assert (
        dead_sentence({"tanh": np.array([0.9, 0.95])}) == "Every seed trained to well above chance accuracy."
    )
    s = dead_sentence({"tanh": np.array([0.9, 0.95]), "relu": np.array([0.5, 0.9, 0.55])})
    assert s.startswith("2 of 3 relu seeds stayed near chance accuracy")
    s = dead_sentence({"tanh": np.array([0.5]), "relu": np.array([0.5, 0.9])})
    assert s.startswith("1 of 1 tanh seeds and 1 of 2 relu seeds stayed")


def test_mnist_text():
    comp = pd.DataFrame({"relu": [False, True], "tanh": [True, False]}, index=["X", "Y"])
    assert mnist_text(comp) == "X: tanh compresses, ReLU no; Y: tanh no, ReLU compresses"


def test_run_note():
    assert run_note(_settings()) == "SZT, 20 epochs, lr 0.004, 2 seeds, 6 recorded epochs"


# --- claims, scorecard and glue ----------------------------------------------------------------------


def _claims(profile="default", n_dpi_bin=3):
    planes = fakes.planes().replace({"A": "binning, 30 bins on [-1, 1]"})
    order = ("binning, 30 bins on [-1, 1]", "B", "decision rule")
    table = compression(planes, last="l2")
    counts = compression_counts(table, order=order)
    result = claims(
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
    card = record_claims("01_estimator_dependence", _settings(), result)
    assert card["claim"].tolist() == [r[1] for r in result.rows]
    stored = json.loads((tmp_path / "default" / "01_estimator_dependence.json").read_text())
    assert [r["verdict"] for r in stored] == [r[4] for r in result.rows]
    with pytest.raises(ValueError, match="no claims"):
        record_claims("01_estimator_dependence", _settings(), Claims([], "", "", "", "", 0, 0, []))


def _glue_inputs():
    counts, result = _claims()
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
    return _settings(), szt, counts, result, dpi, sweeps, mnist, geometry


def test_glue_values_cover_the_page_and_read_right():
    values = glue_values(*_glue_inputs())
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
