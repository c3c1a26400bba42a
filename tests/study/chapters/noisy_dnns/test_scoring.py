"""Chapter 2 (noisy DNNs): criteria, counts, verdicts, rows and glue of ``chapters.noisy_dnns.scoring``.

Small synthetic compression tables whose answers are known; nothing trains.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study.chapters.noisy_dnns import scoring as ch

from . import fakes

HIDDEN = ["layer1", "layer2", "layer3"]
BETAS = [0.005, 0.1]
NAN = float("nan")


def comp_rows(rows: dict) -> pd.DataFrame:
    """A compression table from ``{key: (dip, dip stderr, measure change)}`` plus epoch columns."""
    t = pd.DataFrame.from_dict(rows, orient="index", columns=["dip", "dip stderr", "measure change"])
    return t.assign(
        **{"peak epoch": 3, "bottom epoch": 9, "min epoch": 12, "lag": 9, "bottom lag": 3, "rho": 0.5}
    )


def synthetic() -> ch.KeyNumbers:
    # beta 0.005: layer2 and layer3 compress (layer3 with tighter clusters), layer1 too small a dip;
    # beta 0.1: layer3's dip is within 2 s.e. -> nothing compresses at 0.1
    table = comp_rows(
        {
            (0.005, "layer1"): (0.05, 0.01, -0.5),
            (0.005, "layer2"): (0.30, 0.05, 0.0),
            (0.005, "layer3"): (0.50, 0.05, -0.2),
            (0.1, "layer1"): (0.00, 0.01, 0.0),
            (0.1, "layer2"): (0.02, 0.01, 0.0),
            (0.1, "layer3"): (0.20, 0.15, -0.3),
        }
    )
    table.index = pd.MultiIndex.from_tuples(table.index, names=["beta", "layer"])
    # twin (binned, no stderr): layer1 at the ceiling (constant: rho NaN); layer2 falls and tightens
    # with rho > 0 (tracks); layer3 falls and tightens but rho < 0
    track = comp_rows({"layer1": (0.0, NAN, 0.0), "layer2": (0.4, NAN, -0.3), "layer3": (0.2, NAN, -0.2)})
    track["rho"] = [NAN, 0.7, -0.4]
    # with the penalty layer2 still compresses, layer3 does not -> 1 of 2 prevented
    ortho = comp_rows(
        {"layer1": (0.0, 0.01, 0.05), "layer2": (0.25, 0.05, -0.02), "layer3": (0.05, 0.05, 0.1)}
    )
    cnn = comp_rows({"layer3": (0.3, 0.05, -0.2), "layer4": (0.05, 0.05, 0.1)})
    sp_cnn = pd.DataFrame(
        {
            "layer": ["layer3", "layer3", "layer4", "layer4"],
            "epoch": [0, 2, 0, 2],
            IXL: np.array([4.0, 3.0, 5.0, 5.0]) * LN2,
        }
    )
    cos_gap = pd.DataFrame(
        {"epoch 0": {"layer3": 0.01, "layer4": 0.02}, "epoch 2": {"layer3": 0.2, "layer4": 0.03}}
    )
    return ch.key_numbers(
        table, track, ortho, cnn, sp_cnn, cos_gap, acc={0.005: 0.9, 0.1: 0.8}, cnn_acc=0.75, hidden=HIDDEN
    )


def test_compressing_needs_dip_and_significance():
    t = pd.DataFrame(
        {"dip": [0.1, 0.09, 0.3, 0.3, 0.3], "dip stderr": [0.01, 0.0, 0.15, 0.149, NAN]}, index=list("abcde")
    )
    assert ch.compressing(t).tolist() == [True, False, False, True, False]
    assert ch.compressing(t, dip_min=0.05, n_se=1.0).tolist() == [True, True, True, True, False]
    with pytest.raises(ValueError, match="dip stderr"):
        ch.compressing(t[["dip"]])


def test_key_numbers_counts():
    n = synthetic()
    assert (n.beta0, n.last) == (0.005, "layer3")
    assert n.table["compresses"].tolist() == [False, True, True, False, False, False]
    assert (n.n_beta_comp, n.n_betas) == (1, 2)
    assert (n.n_comp, n.n_tight) == (2, 1)  # layer2 did not tighten, layer3 did (-20 %)
    assert (n.n_bin_comp, n.n_track_fall, n.n_track) == (2, 2, 1)
    assert (n.n_rho_pos, n.n_rho) == (1, 2)
    assert list(n.was) == ["layer2", "layer3"] and n.n_prevented == 1
    assert n.n_cnn_comp == 1 and n.cnn_table["compresses"].tolist() == [True, False]
    assert n.cnn_layers == ["layer3", "layer4"] and n.n_cluster == 1  # rise 0.19 vs 0.01
    assert list(n.lags.index) == BETAS
    key = n.key
    assert key["compressing layers"].tolist() == [2, 0]
    assert key["largest dip [bits]"].tolist() == [0.5, 0.2]
    assert key["final accuracy"].tolist() == [0.9, 0.8]
    assert list(key.columns[2:4]) == ["layer3 lag [epochs]", "layer3 bottom lag [epochs]"]


def test_key_numbers_without_compression_and_bad_input():
    n = synthetic()
    table = n.table.drop(columns=["compresses", "tightens"]).assign(dip=0.0)
    m = ch.key_numbers(
        table, n.track, n.ortho_table, n.cnn_table, n.sp_cnn, n.cos_gap, acc={}, cnn_acc=0.5, hidden=HIDDEN
    )
    assert (m.n_beta_comp, m.n_comp, len(m.was), m.n_prevented) == (0, 0, 0, 0)
    with pytest.raises(ValueError, match="hidden layer"):
        ch.key_numbers(
            table, n.track, n.ortho_table, n.cnn_table, n.sp_cnn, n.cos_gap, acc={}, cnn_acc=0.5, hidden=[]
        )


def test_verdicts():
    v = ch.verdicts(synthetic(), "default")
    assert v == {
        "v_comp": "partly",
        "v_clus": "partly",
        "v_bin": "partly",
        "v_orth": "partly",
        "v_cnn": "reproduced",
        "v_cos": "partly",
    }
    assert set(ch.verdicts(synthetic(), "smoke").values()) == {"not comparable"}
    n = dataclasses.replace(
        synthetic(), n_comp=0, n_tight=0, n_bin_comp=0, n_track=0, was=pd.Index([]), n_prevented=0
    )
    v = ch.verdicts(n, "default")
    assert v["v_clus"] == v["v_bin"] == v["v_orth"] == "not comparable"
    n = dataclasses.replace(synthetic(), n_cnn_comp=0, n_cluster=0, n_beta_comp=2)
    v = ch.verdicts(n, "default")
    assert (v["v_cnn"], v["v_cos"], v["v_comp"]) == ("not reproduced", "not reproduced", "reproduced")


def test_sentences():
    t = pd.DataFrame({"measure change": [0.2, -0.1, -0.5]}, index=["layer1", "layer2", "output"])
    assert (
        ch.ortho_sentence(t, ["layer1", "layer2"]) == "the penalty did not stop the classes from clustering"
    )
    assert ch.ortho_sentence(t, ["layer1"]) == "the classes did not cluster with the penalty"
    assert ch.bin_sentence(1, 2).startswith("binning followed clustering during its falls but not")
    assert ch.bin_sentence(2, 2) == "binned I(X;T) and clustering moved together throughout training"


def test_claims_rows_and_record(tmp_path, monkeypatch):
    s, n = fakes.settings(), synthetic()
    rows = ch.claims(n, s)
    assert [r["verdict"] for r in rows] == ["partly", "partly", "partly", "reproduced", "partly", "partly"]
    assert rows[0]["claim"].startswith("Compression occurs in noisy nets")
    assert rows[-1]["claim"] == "Orthonormal regularisation prevents compression"
    assert "at 1 of 2 betas (1500 epochs, 1 seed, SP on 256 inputs (r=5, n_mc=4))" in rows[0]["our value"]
    assert "distance ratio falls >= 10% during 1 of 2 compressions" in rows[1]["our value"]
    assert rows[2]["our value"].startswith("1 of 2 compressing layers of the twin at beta = 0.005 track")
    assert "rank correlation over all epochs > 0: 1 of 3 layers" in rows[2]["our value"]
    assert "layer3 0.01 -> 0.20, layer4 0.02 -> 0.03" in rows[4]["our value"]
    assert rows[5]["our value"].startswith("1 of 2 compressing layers no longer compress with penalty 0.1")
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    card = ch.record_claims(fakes.NB, s, n)
    assert len(card) == 6 and card["verdict"].tolist() == [r["verdict"] for r in rows]
    assert set(card["paper"]) == {ch.PAPER_KEY}


def test_glue_values():
    g = ch.glue_values(synthetic(), fakes.settings())
    assert list(g)[:3] == ["run_profile", "n_beta_comp", "n_betas"] and list(g)[-2:] == ["beta0", "last"]
    assert len(g) == 34 and all(name.isidentifier() for name in g)
    assert (g["n_hidden"], g["n_was"], g["n_prevented"], g["beta0"], g["last"]) == (
        3,
        2,
        1,
        "0.005",
        "layer3",
    )
    assert g["dip0"] == "0.50" and g["dip0_se"] == "0.05"
    assert g["ortho_change"] == "-2% to 10%" and g["ortho_dip"] == "0.25"
    assert g["ortho_sentence"] == "the classes did not cluster with the penalty"
    assert g["rho_text"] == "layer2 0.70, layer3 -0.40"
    assert (
        g["cnn_path"] == "layer3 from 4.00 bits before training to 3.00 at epoch 2; "
        "layer4 from 5.00 bits before training to 5.00 at epoch 2"
    )
    assert g["cnn_change"] == "layer3 -20%, layer4 +10%" and g["cnn_acc"] == "0.750"
    assert g["lag_text"].startswith(
        "beta = 0.005: I(X;T) peak at epoch 3, bottom at 9, tightest clusters at 12"
    )
