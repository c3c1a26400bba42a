"""Does the last hidden layer compress? (estimator_dependence.compression_tables) on small synthetic frames.

No training: the information-plane frame below is written by hand so that its answer is known
(values in nats; ``B`` = ln 2, one bit). Estimators "A" (tanh compresses by 1 bit, ReLU is flat),
"B" (both compress) and the decision rule (output layer, flat) on two seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.study.chapters import estimator_dependence as chapter
from ibcore.study.chapters.estimator_dependence.compression_tables import (
    INTERVAL_LEVEL,
    compression,
    compression_counts,
    interval_decision,
    table_one,
    table_one_mark,
    verdict_cell,
    verdict_table,
)

from . import fakes

B = LN2
ORDER3 = ("A", "B", "decision rule")


# --- does the last hidden layer compress? ---------------------------------------------------------


def test_compression_reads_the_last_layer_and_the_output_for_the_decision_rule():
    table = compression(fakes.planes(), last="l2")
    assert list(table.index)[-2:] == [("decision rule", "tanh"), ("decision rule", "relu")]
    assert table.loc[("A", "tanh"), "drop mean"] == pytest.approx(1.0)
    assert table.loc[("A", "relu"), "drop mean"] == pytest.approx(0.0)
    assert table.loc[("B", "relu"), "drop mean"] == pytest.approx(1.5)
    assert table.loc[("decision rule", "tanh"), "drop mean"] == pytest.approx(0.0)
    # rows in order of appearance: (A, tanh), (B, tanh), (A, relu), (B, relu), then the rule's
    assert table["compresses"].tolist() == [True, True, False, True, False, False]


def test_verdict_cell_and_table():
    row = {
        "decision": "compresses",
        "drop mean": 0.4242,
        "drop sd": float("nan"),
        "seeds compressing": 1,
        "seeds": 1,
    }
    assert verdict_cell(row) == "compresses (0.42 +- 0.00; 1/1)"
    row = {**row, "decision": "undecided", "drop sd": 0.1234, "seeds compressing": 0, "seeds": 3}
    assert verdict_cell(row) == "undecided (0.42 +- 0.12; 0/3)"
    v = verdict_table(compression(fakes.planes(), last="l2"), last="l2", order=ORDER3)
    assert list(v.index) == list(ORDER3) and list(v.columns) == ["tanh", "relu"]
    assert v.loc["A", "tanh"] == "compresses (1.00 +- 0.00; 2/2)"
    assert v.loc["A", "relu"] == "does not (0.00 +- 0.00; 0/2)"
    assert v.columns.name.startswith("drop of I(X;L), l2 (output")


def test_compression_counts_saxe_pattern():
    counts = compression_counts(compression(fakes.planes(), last="l2"), order=ORDER3)
    # A: tanh yes, ReLU no (Saxe's pattern); B: both; decision rule: neither
    assert (counts.n_est, counts.n_saxe, counts.n_tanh, counts.n_relu) == (3, 1, 2, 1)
    assert all(isinstance(n, int) for n in (counts.n_est, counts.n_saxe, counts.n_tanh, counts.n_relu))
    assert list(counts.comp.index) == list(ORDER3)


def test_table_one_marks():
    assert table_one_mark({"seeds compressing": 3, "seeds": 3}) == "✓"
    assert table_one_mark({"seeds compressing": 0, "seeds": 3}) == "×"
    assert table_one_mark({"seeds compressing": 1, "seeds": 3}) == "~"
    t = table_one(compression(fakes.planes(), last="l2"), "smoke", order=ORDER3)
    assert list(t.columns) == list(ORDER3)
    assert t.loc["SZT MLP, tanh, Adam, smoke"].tolist() == ["✓", "✓", "×"]
    assert t.loc["SZT MLP, relu, Adam, smoke"].tolist() == ["×", "✓", "×"]


# --- "compresses" by the seeds' interval, not by the mean ----------------------------------------


def _drops_planes(drops):
    """One estimator "A" (tanh), layer l2, one seed per drop (bits): rise 1 bit, then fall."""
    rows = []
    for seed, d in enumerate(drops):
        rows += fakes.plane_rows("A", "tanh", "l2", 2, [1 * B, 2 * B, (2 - d) * B], seeds=[seed])
    return pd.DataFrame(rows)


def test_one_seed_falling_does_not_make_a_row_compress():
    # mean 0.2 bit >= 0.1 (the old mean rule said "compresses"), but 1 of 5 seeds falls
    row = compression(_drops_planes([1.0, 0.0, 0.0, 0.0, 0.0]), last="l2").loc[("A", "tanh")]
    assert row["drop mean"] == pytest.approx(0.2) and row["seeds compressing"] == 1
    assert row["decision"] == "undecided" and not row["compresses"]
    every = compression(_drops_planes(fakes.RISE_FALL), last="l2").loc[("A", "tanh")]
    assert every["decision"] == "compresses" and every["compresses"]
    none = compression(_drops_planes(fakes.MONOTONE), last="l2").loc[("A", "tanh")]
    assert none["decision"] == "does not" and not none["compresses"]


@pytest.mark.parametrize("values", [[0.3, 0.1, 0.5, 0.2], [0.11, 0.12, 0.1], [0.0, 0.05, 0.02], [0.4] * 3])
def test_interval_decision_is_the_t_interval_of_the_claims(values):
    from ibcore.study.chapters.estimator_dependence import decide
    from ibcore.study.claims import t_interval

    arr = np.asarray(values)
    sd = float(arr.std(ddof=1))
    assert interval_decision(float(arr.mean()), sd, len(arr)) == decide(t_interval(arr, level=0.95))


def test_interval_decision_needs_two_seeds():
    assert interval_decision(5.0, float("nan"), 1) == "undecided"
    assert INTERVAL_LEVEL == chapter.LEVEL
