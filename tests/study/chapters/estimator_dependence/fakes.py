"""Hand-made information-plane rows for the tests of chapter 1 (estimator dependence).

Shared by the test modules of this folder as ``fakes.<name>``; not a test module. Values in nats
(``B`` = ln 2, one bit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ibcore.analysis.summary import LN2
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER

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


# per-seed drops (bits) of five seeds with a known answer against 0.1 bit
RISE_FALL = [1.0, 1.2, 0.9, 1.1, 1.05]  # every seed falls ~1 bit after its peak: compresses
MONOTONE = [0.0] * 5  # a monotone rise, the last epoch is the peak: does not compress
JITTER = [0.0, 0.12, 0.03, 0.09, 0.0]  # falls of the size of an estimator's jitter: straddles 0.1


def curve(drop: float, rise: float = 1.0, start: float = 1.0) -> list[float]:
    """Bits over three epochs: ``start``, a rise of ``rise`` to the peak, then a fall of ``drop``."""
    return [start, start + rise, start + rise - drop]


def every_estimator(
    drops: Callable[[str, str], Sequence[float]],
    *,
    curves: Callable[[str, str, int, float], list[float]] | None = None,
    first: Callable[[str, str, int], list[float]] | None = None,
) -> pd.DataFrame:
    """Planes of every estimator of ORDER and both activations on ``len(drops(...))`` seeds.

    ``drops(estimator, activation)`` gives each seed's drop in bits of the decisive layer ("l2";
    "output" for the decision rule), which rises 1 bit from 1 bit (:func:`curve`) unless
    ``curves(estimator, activation, seed, drop)`` gives the curve in bits. The first layer "l1"
    is flat at 3 bits, above every "l2" (no DPI break), unless ``first(estimator, activation,
    seed)`` gives it.
    """
    rows = []
    for name in ORDER:
        for act in ACTS:
            for seed, drop in enumerate(drops(name, act)):
                values = curves(name, act, seed, drop) if curves else curve(drop)
                l1 = first(name, act, seed) if first else [3.0] * len(values)
                last = ("output", 3) if name == "decision rule" else ("l2", 2)
                rows += plane_rows(name, act, "l1", 1, [v * B for v in l1], seeds=[seed])
                rows += plane_rows(name, act, *last, [v * B for v in values], seeds=[seed])
    return pd.DataFrame(rows)
