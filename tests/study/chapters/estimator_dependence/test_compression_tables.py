"""Does the last hidden layer compress? (estimator_dependence.compression_tables) on small synthetic frames.

No training: the information-plane frame below is written by hand so that its answer is known
(values in nats; ``B`` = ln 2, one bit). Estimators "A" (tanh compresses by 1 bit, ReLU is flat),
"B" (both compress) and the decision rule (output layer, flat) on two seeds.
"""

from __future__ import annotations

import pytest

from ibcore.analysis.summary import LN2
from ibcore.study.chapters.estimator_dependence.compression_tables import (
    compression,
    compression_counts,
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
        "compresses": True,
        "drop mean": 0.4242,
        "drop sd": float("nan"),
        "seeds compressing": 1,
        "seeds": 1,
    }
    assert verdict_cell(row) == "compresses (0.42 +- 0.00; 1/1)"
    row = {**row, "compresses": False, "drop sd": 0.1234, "seeds compressing": 0, "seeds": 3}
    assert verdict_cell(row) == "no (0.42 +- 0.12; 0/3)"
    v = verdict_table(compression(fakes.planes(), last="l2"), last="l2", order=ORDER3)
    assert list(v.index) == list(ORDER3) and list(v.columns) == ["tanh", "relu"]
    assert v.loc["A", "tanh"] == "compresses (1.00 +- 0.00; 2/2)"
    assert v.loc["A", "relu"] == "no (0.00 +- 0.00; 0/2)"
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
