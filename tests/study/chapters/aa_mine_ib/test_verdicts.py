"""The page's verdicts and glue (aa_mine_ib.verdicts, Elad et al. 2019).

On hand-made results whose answer is known: no training, no data.
"""

import numpy as np
import pytest

from . import fakes


def test_fig1_claims_growth_saturation_and_anchor():
    from ibcore.study.chapters.aa_mine_ib.verdicts import fig1_claims

    sweep = fakes.sweep(fakes.V3, aa=[1.0, 3.0, 6.0], mi=[1.0, 1.2, 1.3])
    # truth below log 60 at the first two variances: AA-MINE 0.7 nat off (and > 15 %) there, then 0.2
    anchor = fakes.anchor(fakes.V3, aa=[1.2, 2.2, 0.0], truth=[0.5, 2.0, 10.0])
    c = fig1_claims(sweep, anchor, fakes.N_HELDOUT, "default")
    assert (c["n_rise_ok"], c["n_rise_total"]) == (3, 3) and c["v_aa"] == "reproduced"
    assert c["mine_rise"] == pytest.approx(0.3) and c["v_mine"] == "reproduced"
    assert (c["n_anchor_ok"], c["n_inside"]) == (1, 2) and c["v_anchor"] == "partly"
    assert c["log_ev"] == pytest.approx(np.log(60))
    np.testing.assert_array_equal(c["aa"], [1.0, 3.0, 6.0])  # largest variance first
    assert c["n_diverged"] == 0


def test_fig1_claims_a_diverged_fit_is_no_growth_and_mine_that_grows_fails():
    from ibcore.study.chapters.aa_mine_ib.verdicts import fig1_claims

    # the rows come in any order: the rule sorts by variance
    sweep = fakes.sweep(
        fakes.V3[::-1], aa=[9.0, 3.0, 1.0], mi=[4.0, 2.5, 1.0], aa_diverged=[True, False, False]
    )
    anchor = fakes.anchor(fakes.V3, aa=[0.0, 0.0, 0.0], truth=[5.0, 6.0, 7.0])  # all above log 60
    c = fig1_claims(sweep, anchor, fakes.N_HELDOUT, "default")
    assert c["n_rise_ok"] == 1 and c["v_aa"] == "partly"  # 1 -> 3 counts; 3 -> 9 and the end do not
    assert c["mine_rise"] == pytest.approx(3.0) and c["v_mine"] == "not reproduced"
    assert c["n_inside"] == 0 and c["v_anchor"] == "not comparable"
    assert c["n_diverged"] == 1
    assert fig1_claims(sweep, anchor, fakes.N_HELDOUT, "smoke")["v_mine"] == "not comparable"


def test_table1_claims_ordering_per_data_set():
    from ibcore.study.chapters.aa_mine_ib.experiments import table1_summary
    from ibcore.study.chapters.aa_mine_ib.verdicts import table1_claims

    c = table1_claims(table1_summary(fakes.runs(fakes.ACC), list(fakes.ACC), "default"), "default")
    assert c["order"] == {"MNIST 1%": True, "MNIST 100%": False, "CIFAR-10 partial": True}
    assert c["verdicts"] == {
        "MNIST 1%": "reproduced",
        "MNIST 100%": "not reproduced",
        "CIFAR-10 partial": "not comparable",
    }
    assert (c["n_order"], c["n_comparable"]) == (1, 2)  # the CIFAR ordering holds but is not counted
    assert c["means"]["MNIST 100%"]["ce"] == pytest.approx(95.0)


def test_fig3_claim_counts_the_two_numbers():
    from ibcore.study.chapters.aa_mine_ib.verdicts import fig3_claim

    quant = {100.0: {"saturated": 0.9, "nn_gap": 0.5}, 0.001: {"saturated": 0.1, "nn_gap": 0.6}}
    c = fig3_claim(quant, [100.0, 0.001], "default")
    assert (c["b_large"], c["b_small"], c["n_quant"], c["v_quant"]) == (100.0, 0.001, 1, "partly")
    quant[100.0]["nn_gap"] = 0.7
    assert fig3_claim(quant, [100.0, 0.001], "default")["v_quant"] == "reproduced"
    assert fig3_claim(quant, [0.001, 100.0], "default")["v_quant"] == "not reproduced"


def _wd_runs():
    import pandas as pd

    return pd.DataFrame(
        {
            "method": ["iyl", "iyl", "ib", "ib", "l2"],
            "weight_norms": [[2, 1, 4], [2, 1, 4], [1, 2, 2], [1, 2, 4], [0.5, 0.5, 0.5]],
            "accuracy": [0.8, 0.9, 0.7, 0.7, 0.6],
        }
    )


def test_weight_decay_claim_counts_the_layers_that_shrink():
    from ibcore.study.chapters.aa_mine_ib.verdicts import weight_decay_claim

    c = weight_decay_claim(_wd_runs(), 3, "default")
    assert c["n_shrink"] == 2 and c["v_wd"] == "partly"  # layers 1 and 3 (mean 3 < 4), not layer 2
    assert c["mean_norms"].loc["ib", 2] == pytest.approx(3.0)
    assert c["mean_acc"]["iyl"] == pytest.approx(85.0)


def _claims(profile="default"):
    import pandas as pd

    from ibcore.study.chapters.aa_mine_ib.experiments import (
        ChapterData,
        Fig1,
        Fig3,
        WeightDecay,
        table1_summary,
    )
    from ibcore.study.chapters.aa_mine_ib.verdicts import evaluate_claims
    from ibcore.study.profiles import Settings

    params = {"seeds": [0, 1], "widths": [8, 4, 2], "n_steps": 10, "tsne_betas": [100.0, 0.001]}
    settings = Settings("04_aa_mine_ib", profile, params, seed=0, device="cpu")
    data = ChapterData(*[None] * 6, cifar_label="CIFAR-10 partial")
    fig1 = Fig1(
        np.asarray(fakes.V3),
        fakes.sweep(fakes.V3, aa=[1.0, 3.0, 6.0], mi=[1.0, 1.2, 1.3]),
        fakes.anchor(fakes.V3, aa=[0.4, 2.1, 0.0], truth=[0.5, 2.0, 10.0]),
        fakes.N_HELDOUT,
    )
    quant = {100.0: {"saturated": 0.9, "nn_gap": 0.7}, 0.001: {"saturated": 0.1, "nn_gap": 0.6}}
    fig3 = Fig3(np.zeros(3), {}, quant, {})
    wd = WeightDecay(0.1, 0.015, _wd_runs(), pd.DataFrame())
    return evaluate_claims(
        settings, data, fig1, table1_summary(fakes.runs(fakes.ACC), list(fakes.ACC), profile), fig3, wd
    )


def test_record_claims_writes_one_row_per_claim(tmp_path, monkeypatch):
    from ibcore.study.chapters.aa_mine_ib.verdicts import record_claims

    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    card = record_claims("04_aa_mine_ib", _claims())
    assert len(card) == 3 + len(fakes.ACC) + 2
    assert list(card["verdict"]) == [
        "reproduced",  # AA-MINE grows: 1 -> 3 -> 6 > log 60
        "reproduced",  # MINE rises 0.3 nat
        "reproduced",  # anchor: 2 of 2
        "reproduced",
        "not reproduced",
        "not comparable",
        "reproduced",  # both quantisation numbers larger at beta = 100
        "partly",  # 2 of 3 layers shrink
    ]
    assert card["our value"].iloc[1] == "1.00 -> 1.30 nats; rise over the last three noise levels 0.30 nats"
    assert card["paper value"].iloc[5].endswith("(full CIFAR-10: other data)")
    assert (
        "(mean of 2 seeds; MNIST 1%; default profile, 2 seed(s), 10 steps per layer)"
        in card["our value"].iloc[3]
    )
    assert (tmp_path / "default" / "04_aa_mine_ib.json").exists()
    smoke = record_claims("04_aa_mine_ib", _claims("smoke"))
    assert set(smoke["verdict"]) == {"not comparable"}


def test_glue_values_cover_the_page_prose():
    import json
    import re
    from pathlib import Path

    from ibcore.study.chapters.aa_mine_ib.verdicts import glue_values

    values = glue_values(_claims())
    page = Path(__file__).parents[4] / "notebooks" / "04_aa_mine_ib.ipynb"
    cells = json.loads(page.read_text())["cells"]
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    names = set(re.findall(r"\{glue:text\}`(\w+)`", text))
    assert names and names <= set(values)
    assert values["aa_first"] == "1.00" and values["var_min"] == "1e-05" and values["b_small"] == "0.001"
    assert (values["n_order"], values["n_comparable"], values["n_shrink"], values["n_layers"]) == (1, 2, 2, 3)
    assert values["table_text"].startswith("MNIST 1%: Cross-entropy 85.00 %, L = I(Y;L_i) 80.00 %")
    assert values["wd_text"].startswith("L = I(Y;L_i): ||W_1|| 2.0, accuracy 85.0 %")
    assert values["quant_text"] == "saturated fraction 0.90 vs 0.10, NN gap 0.70 vs 0.60"
