"""Hand-made information-plane rows for the tests of chapter 1 (estimator dependence).

Shared by the test modules of this folder as ``fakes.<name>``; not a test module.
"""

from __future__ import annotations

import pandas as pd

from ibcore.analysis.summary import LN2

B = LN2  # one bit in nats


def plane_rows(estimator, activation, layer, index, values, seeds=(0, 1)):
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


def planes():
    rows = []
    for act in ("tanh", "relu"):
        falls_a = act == "tanh"
        rows += plane_rows("A", act, "l1", 1, [3 * B, 3 * B, 3 * B])
        rows += plane_rows("A", act, "l2", 2, [1 * B, 2 * B, 1 * B] if falls_a else [1 * B, 1 * B, 1 * B])
        rows += plane_rows("B", act, "l1", 1, [3 * B, 3 * B, 3 * B])
        rows += plane_rows("B", act, "l2", 2, [2 * B, 2 * B, 0.5 * B])
        rows += plane_rows("decision rule", act, "output", 3, [1 * B, 1 * B, 1 * B])
    return pd.DataFrame(rows)
