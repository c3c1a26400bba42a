"""Tests of ibcore.ground_truth.discrete: discrete MI, symmetric channel, decision and binned-layer tasks."""

import math

import numpy as np
import pytest

from ibcore import ground_truth as gt


def test_discrete_mi_and_symmetric_channel():
    # independent table: 0; a perfect copy of a fair bit: log 2
    assert gt.discrete_mi(np.full((2, 3), 1 / 6)) == pytest.approx(0.0, abs=1e-15)
    assert gt.discrete_mi(np.diag([0.5, 0.5])) == pytest.approx(math.log(2))
    c, e = 10, 0.2
    table = np.full((c, c), e / (c - 1) / c)
    np.fill_diagonal(table, (1 - e) / c)
    assert gt.symmetric_channel_mi(c, e) == pytest.approx(gt.discrete_mi(table))
    assert gt.symmetric_channel_mi(c, 0.0) == pytest.approx(math.log(c))
    assert gt.symmetric_channel_mi(c, 0.9) == pytest.approx(0.0, abs=1e-12)  # e = (C-1)/C: independent
    with pytest.raises(ValueError, match="probabilities"):
        gt.discrete_mi(np.ones((2, 2)))


def test_decision_task_plugin_converges_to_its_exact_mi():
    from sklearn.metrics import mutual_info_score

    out, labels, true = gt.decision_task(200000, n_classes=10, error=0.2, seed=0)
    # plug-in bias ~ (C-1)^2 / 2N = 2e-4; sampling sd ~ 3e-3
    assert mutual_info_score(labels, out.argmax(1)) == pytest.approx(true, abs=0.01)
    assert np.mean(out.argmax(1) != labels) == pytest.approx(0.2, abs=0.005)


def test_binned_layer_task_exact_targets():
    from sklearn.metrics import mutual_info_score

    layer, labels, truth = gt.binned_layer_task(200000, dim=2, levels=8, seed=1)
    cell = np.unique(layer, axis=0, return_inverse=True)[1].ravel()
    assert np.unique(layer).size <= 8 and np.all(np.abs(layer) < 1)
    # plug-in H(L) and I(Y;L) of many samples approach the exact values (64 cells, 2 classes)
    h = gt.discrete_entropy(np.bincount(cell) / cell.size)
    assert h == pytest.approx(truth["I(X;L)"], abs=0.01)
    assert mutual_info_score(labels, cell) == pytest.approx(truth["I(Y;L)"], abs=0.01)
    assert 0 < truth["I(Y;L)"] < math.log(2)
