"""The SZT runs of chapter 1 (estimator_dependence.szt_runs): the estimators' names, the epochs and
layers the pairwise estimators and kNN read, and the report of the runs, on hand-made inputs (no training).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.study.chapters.estimator_dependence.estimator_checks import GEOMETRY_ESTIMATORS
from ibcore.study.chapters.estimator_dependence.mnist import MNIST_ESTIMATORS, mnist_estimators
from ibcore.study.chapters.estimator_dependence.records import SAXE_USED
from ibcore.study.chapters.estimator_dependence.szt_runs import (
    ORDER,
    SZTRuns,
    narrow_layers,
    pair_epoch_subset,
    runs_report,
    szt_estimators,
)

# --- the estimators and the epochs they read ------------------------------------------------------


def test_order_names_every_estimator_once():
    names = [name for group in szt_estimators().values() for name in group]
    assert list(ORDER) == [*names, "decision rule"]
    assert list(MNIST_ESTIMATORS) == list(mnist_estimators())
    assert set(GEOMETRY_ESTIMATORS) <= set(ORDER) and set(SAXE_USED) <= set(ORDER)


def test_pair_epoch_subset_spreads_in_log_and_keeps_the_ends():
    epochs = [0, 1, 2, 4, 8, 20]
    assert pair_epoch_subset(epochs, 2) == [0, 20]
    assert pair_epoch_subset(epochs, 3) == [0, 1, 20]  # positions round(1, 2.45, 6) - 1 = 0, 1, 5
    assert pair_epoch_subset(epochs, 99) == [0, 1, 2, 4, 20]  # at most 6; rounding merges two
    with pytest.raises(ValueError, match="n >= 1"):
        pair_epoch_subset(epochs, 0)
    with pytest.raises(ValueError, match="epochs"):
        pair_epoch_subset([], 2)


def test_narrow_layers_keeps_layers_at_most_max_width():
    acts = {"l1": np.zeros((3, 8, 10)), "l2": np.zeros((3, 8, 5)), "output": np.zeros((3, 8, 2))}
    run = SimpleNamespace(layers=list(acts), activations=acts)
    assert narrow_layers(run, 5) == ["l2", "output"]
    assert narrow_layers(run, 1) == []


# --- the runs' report -----------------------------------------------------------------------------


def test_runs_report_records_the_runs():
    run = SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, 0.9]}))
    szt = SZTRuns(runs={"tanh": [run], "relu": [run]}, schedule=[0, 1, 5], n_inputs=4096)
    noted = []
    settings = SimpleNamespace(seeds=[0], note_runs=lambda runs: noted.append(len(runs)) or "2 runs loaded")
    text = runs_report(szt, settings)
    assert noted == [2]
    assert text == (
        "2 runs (1 seeds x 2 activations), 3 recorded epochs each; 2 runs loaded\n"
        "final accuracy on all 4096 inputs, mean (min-max) over seeds: "
        "{'tanh': '0.900 (0.900-0.900)', 'relu': '0.900 (0.900-0.900)'}"
    )
