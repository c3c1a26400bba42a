"""Tests for the decision-rule estimator (predicted class L-hat = argmax of the output)."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import mutual_info_score

from ibcore.estimators.decision import DecisionRule, mi_decision_rule
from ibcore.ground_truth import discrete_entropy


def test_perfect_classifier_gives_h_y_twice():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, 400)
    logits = 5.0 * np.eye(5)[y] + 0.1 * rng.standard_normal((400, 5))
    r = mi_decision_rule(logits, labels=y)
    h_y = discrete_entropy(np.bincount(y) / 400)
    assert r.i_xl == pytest.approx(h_y, abs=1e-12)
    assert r.i_yl == pytest.approx(h_y, abs=1e-12)


def test_constant_prediction_gives_zero():
    y = np.arange(30) % 3
    out = np.tile([0.1, 0.7, 0.2], (30, 1))
    r = mi_decision_rule(out, labels=y)
    assert r.i_xl == 0.0 and r.i_yl == 0.0


def test_hand_computed_confusion_matrix():
    # labels 0,0,0,0,1,1,1,1 and predictions 0,0,0,1,1,1,1,1: joint counts (pred, y):
    # (0,0)=3, (1,0)=1, (1,1)=4 -> p = 3/8, 1/8, 4/8; p(pred) = 3/8, 5/8; p(y) = 1/2, 1/2.
    # I = 3/8 log(3/8 / (3/8 * 1/2)) + 1/8 log(1/8 / (5/8 * 1/2)) + 4/8 log(4/8 / (5/8 * 1/2))
    #   = 3/8 log 2 + 1/8 log(2/5) + 1/2 log(8/5)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    pred = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    want = 3 / 8 * math.log(2) + 1 / 8 * math.log(2 / 5) + 1 / 2 * math.log(8 / 5)
    r = mi_decision_rule(pred, labels=y)
    assert r.i_yl == pytest.approx(want, abs=1e-12)
    assert r.i_xl == pytest.approx(discrete_entropy([3 / 8, 5 / 8]), abs=1e-12)
    assert r.i_yl == pytest.approx(mutual_info_score(y, pred), abs=1e-12)


def test_scores_and_class_indices_agree_and_ties_go_to_lowest_index():
    rng = np.random.default_rng(1)
    out = rng.standard_normal((200, 4))
    y = rng.integers(0, 4, 200)
    a = mi_decision_rule(out, labels=y)
    b = mi_decision_rule(out.argmax(axis=1), labels=y)
    assert a == pytest.approx(b)
    tied = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])  # argmax -> 0 and 1
    assert mi_decision_rule(tied, labels=np.array([0, 1])).i_yl == pytest.approx(math.log(2), abs=1e-12)


def test_matches_sklearn_on_random_predictions():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 10, 1000)
    pred = np.where(rng.random(1000) < 0.6, y, rng.integers(0, 10, 1000))
    r = mi_decision_rule(pred, labels=y)
    assert r.i_yl == pytest.approx(mutual_info_score(y, pred), abs=1e-12)
    assert r.i_yl <= min(r.i_xl, discrete_entropy(np.bincount(y) / 1000)) + 1e-12


def test_batched_equals_loop_and_bits():
    rng = np.random.default_rng(3)
    run = (
        rng.standard_normal((7, 300, 6))
        + np.linspace(0, 3, 7)[:, None, None] * np.eye(6)[rng.integers(0, 6, 300)]
    )
    y = run[-1].argmax(axis=1)  # the last epoch is a perfect classifier
    batched = mi_decision_rule(torch.from_numpy(run), labels=torch.from_numpy(y))
    bits = mi_decision_rule(run, labels=y, unit="bits")
    assert batched.i_xl.shape == (7,)
    for b in range(7):
        single = mi_decision_rule(run[b], labels=y)
        assert batched.i_xl[b] == pytest.approx(single.i_xl, abs=1e-12)
        assert batched.i_yl[b] == pytest.approx(single.i_yl, abs=1e-12)
        assert bits.i_yl[b] == pytest.approx(single.i_yl / math.log(2), rel=1e-12)
    assert batched.i_yl[-1] == pytest.approx(batched.i_xl[-1], abs=1e-12)
    assert batched.i_yl[0] < batched.i_yl[-1]


def test_labels_can_be_arbitrary_integers():
    pred = np.array([5, 5, 9, 9])
    y = np.array([-3, -3, 100, 100])
    assert mi_decision_rule(pred, labels=y).i_yl == pytest.approx(math.log(2), abs=1e-12)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="labels has 3 labels"):
        mi_decision_rule(np.zeros((4, 2)), labels=np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="whole numbers"):
        mi_decision_rule(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="NaN"):
        mi_decision_rule(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="ndim=4"):
        mi_decision_rule(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="unit"):
        mi_decision_rule(np.zeros((4, 2)), unit="dits")


def test_one_column_of_scores_is_refused():
    # issue 25: the argmax of one column is always class 0, which gave (0.0, 0.0) silently
    y = np.arange(40) % 2
    logit = np.random.default_rng(4).standard_normal((40, 1))
    for call in (
        lambda: mi_decision_rule(logit, labels=y),
        lambda: mi_decision_rule(np.stack([logit] * 3), labels=y),  # (B, N, 1)
        lambda: DecisionRule().estimate_layer(np.stack([logit] * 3), x=None, y=y),
    ):
        with pytest.raises(ValueError, match=r"outputs has one column .*always class 0.* 1-D array"):
            call()
    with pytest.raises(ValueError, match=r"y has one column \(shape \(40, 1\)\)"):
        DecisionRule().estimate(y, logit)
    # the ways out the message names give the binary classifier's numbers
    want = mi_decision_rule((logit > 0).astype(int)[:, 0], labels=y)
    assert mi_decision_rule(np.hstack([-logit, logit]), labels=y) == pytest.approx(want, abs=1e-12)


def test_pandas_predictions_and_scores_are_read_like_arrays():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(5)
    out, y = rng.standard_normal((60, 3)), rng.integers(0, 3, 60)
    pred = out.argmax(axis=1)
    want = mi_decision_rule(out, labels=y)
    assert mi_decision_rule(pd.DataFrame(out), labels=pd.Series(y)) == pytest.approx(want, abs=1e-12)
    # a Series of predicted classes is 1-D class indices, not one column of scores
    assert mi_decision_rule(pd.Series(pred), labels=y) == pytest.approx(want, abs=1e-12)
