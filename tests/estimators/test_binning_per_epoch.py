"""Binning with each epoch's own observed range (``range_per_epoch``), for unbounded ReLU layers."""

import math

import numpy as np
import pytest
import torch

from ibcore.estimators.binning import Binning, mi_binning


def test_per_epoch_range_equals_binning_each_epoch_alone():
    # ground truth: range_per_epoch must be exactly "value_range=None" applied to one epoch at a time
    rng = np.random.default_rng(0)
    acts = np.maximum(0.0, rng.normal(size=(6, 300, 3)) * np.arange(1, 7)[:, None, None]).astype(np.float32)
    labels = rng.integers(0, 2, 300)
    r = mi_binning(acts, labels=labels, n_bins=30, range_per_epoch=True)
    for e in range(6):
        one = mi_binning(acts[e], labels=labels, n_bins=30)
        assert r.i_xl[e] == pytest.approx(one.i_xl, abs=1e-12)
        assert r.i_yl[e] == pytest.approx(one.i_yl, abs=1e-12)


def test_per_epoch_range_is_invariant_to_each_epochs_scale():
    # scaling one epoch by 1000 (a ReLU layer whose activations grow) moves no sample to another bin
    # of that epoch's own range (a power of two: exact in float, so equality is exact)
    rng = np.random.default_rng(1)
    base = np.abs(rng.normal(size=(1, 500, 2)))
    acts = np.concatenate([base, 1024.0 * base])
    per_epoch = mi_binning(acts, n_bins=10, range_per_epoch=True).i_xl
    assert per_epoch[0] == per_epoch[1]
    # one range over the whole call puts the small epoch into the lowest bin or two: a bias the
    # per-epoch range avoids
    whole = mi_binning(acts, n_bins=10).i_xl
    assert whole[0] < per_epoch[0] - 1.0


def test_per_epoch_range_hand_computed_and_constant_epoch():
    # epoch 0: values 0, 1, 2, 3 in 4 bins of [0, 3] -> 4 bins, log 4; epoch 1 constant -> 0
    acts = torch.tensor([[[0.0], [1.0], [2.0], [3.0]], [[5.0], [5.0], [5.0], [5.0]]])
    r = mi_binning(acts, labels=torch.tensor([0, 0, 1, 1]), n_bins=4, range_per_epoch=True)
    assert r.i_xl[0] == pytest.approx(math.log(4), abs=1e-12)
    assert r.i_yl[0] == pytest.approx(math.log(2), abs=1e-12)
    assert r.i_xl[1] == 0.0 and r.i_yl[1] == 0.0


def test_per_epoch_range_chunks_over_epochs_like_one_block(monkeypatch):
    import ibcore.estimators.binning as binning

    rng = np.random.default_rng(2)
    acts = rng.normal(size=(7, 64, 3)) * np.arange(1, 8)[:, None, None]
    whole = mi_binning(acts, n_bins=8, range_per_epoch=True).i_xl
    monkeypatch.setattr(binning, "_CHUNK_ELEMENTS", 64 * 4 * 2)  # two epochs per chunk
    chunked = mi_binning(acts, n_bins=8, range_per_epoch=True).i_xl
    np.testing.assert_array_equal(whole, chunked)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value_range": (0, 1)},
        {"bin_width": 0.1, "n_bins": None},
        {"mode": "adaptive"},
    ],
)
def test_per_epoch_range_rejects_other_range_options(kwargs):
    with pytest.raises(ValueError, match="range_per_epoch"):
        mi_binning(np.zeros((2, 5, 1)), n_bins=kwargs.pop("n_bins", 4), range_per_epoch=True, **kwargs)


def test_per_epoch_range_must_be_bool():
    with pytest.raises(TypeError, match="range_per_epoch must be a bool"):
        mi_binning(np.zeros((5, 1)), n_bins=4, range_per_epoch="yes")


def test_binning_object_carries_the_option_and_names_it():
    est = Binning(value_range=None, range_per_epoch=True)
    assert est.name == "binning (30 bins, per-epoch range)"
    acts = np.abs(np.random.default_rng(3).normal(size=(3, 40, 2)))
    out = est.estimate_layer(acts, x=np.arange(40), y=np.arange(40) % 2)
    ref = mi_binning(acts, labels=np.arange(40) % 2, n_bins=30, range_per_epoch=True)
    np.testing.assert_allclose(out["I(X;L)"], ref.i_xl, atol=1e-12)
    # the default object (tanh range [-1, 1]) is unchanged by the new field
    assert Binning() == Binning(n_bins=30, value_range=(-1.0, 1.0), range_per_epoch=False)
