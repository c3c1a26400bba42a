"""Tests for the binning estimator: hand-computed discrete cases, saturation, batching, errors."""

import itertools
import math

import numpy as np
import pytest
import torch

from ibcore.estimators.binning import Binning, _adaptive_codes, entropy_discrete, mi_binning
from ibcore.ground_truth import discrete_entropy

LOG2 = math.log(2.0)


def _plugin_entropy_rows(a: np.ndarray) -> float:
    """Reference: plug-in entropy of the rows of a 2-D integer array via numpy.unique."""
    _, counts = np.unique(a, axis=0, return_counts=True)
    return discrete_entropy(counts / counts.sum())


# ---------------------------------------------------------------- hand-computed discrete cases
def test_four_known_bins_give_log4_and_labels_of_the_bin():
    # n_bins=4 on [-1, 1]: bins [-1,-.5), [-.5,0), [0,.5), [.5,1]; two samples per bin -> H = log 4
    layer = np.array([-0.9, -0.6, -0.4, -0.1, 0.1, 0.4, 0.6, 0.9])
    bins = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    r = mi_binning(layer, labels=bins // 2, n_bins=4, value_range=(-1, 1))
    # labels = (bin // 2) are a function of the bin: I(Y;L) = H(Y) = log 2, exactly
    assert r.i_xl == pytest.approx(math.log(4), abs=1e-12)
    assert r.i_yl == pytest.approx(LOG2, abs=1e-12)
    # labels = bin: I(Y;L) = H(Y) = H(L) = log 4
    r4 = mi_binning(layer, labels=bins, n_bins=4, value_range=(-1, 1))
    assert r4.i_yl == pytest.approx(math.log(4), abs=1e-12)


def test_two_neurons_rows_are_the_symbols():
    # neuron 1 in bin 0 or 1, neuron 2 in bin 0 or 1: rows (0,0),(0,1),(1,0),(1,0) -> p = 1/4, 1/4, 1/2
    layer = np.array([[0.1, 0.1], [0.1, 0.9], [0.9, 0.1], [0.9, 0.2]])
    r = mi_binning(layer, n_bins=2, value_range=(0, 1))
    assert r.i_xl == pytest.approx(discrete_entropy([0.25, 0.25, 0.5]), abs=1e-12)
    assert r.i_yl is None


def test_unequal_bins_and_labels_hand_computed():
    # 6 samples in bins 0,0,0,1,1,2 with labels 0,0,1,1,1,1:
    # H(L) = H(3/6, 2/6, 1/6); H(L|Y=0) = 0 (both in bin 0); H(L|Y=1) = H(1/4, 2/4, 1/4)
    layer = np.array([0.05, 0.1, 0.2, 0.4, 0.45, 0.8])
    y = np.array([0, 0, 1, 1, 1, 1])
    r = mi_binning(layer, labels=y, n_bins=3, value_range=(0, 0.9))
    h_l = discrete_entropy([3 / 6, 2 / 6, 1 / 6])
    want = h_l - (4 / 6) * discrete_entropy([0.25, 0.5, 0.25])
    assert r.i_xl == pytest.approx(h_l, abs=1e-12)
    assert r.i_yl == pytest.approx(want, abs=1e-12)


def test_independent_labels_give_small_i_yl():
    rng = np.random.default_rng(0)
    layer = rng.uniform(-1, 1, 4000)
    y = rng.integers(0, 2, 4000)
    r = mi_binning(layer, labels=y, n_bins=4, value_range=(-1, 1))
    # true I = 0; plug-in bias ~ (4-1)(2-1)/(2N) = 4e-4 nats, sd ~ 3e-4: 0.004 is > 10 sd
    assert 0.0 <= r.i_yl < 0.004
    assert r.i_xl == pytest.approx(math.log(4), abs=0.005)  # 4 equiprobable bins, sd ~ 1e-3


def test_saturation_at_log_n_when_every_sample_has_its_own_bin():
    rng = np.random.default_rng(1)
    layer = rng.standard_normal((500, 3))
    y = rng.integers(0, 3, 500)
    r = mi_binning(layer, labels=y, n_bins=100_000)
    # all 500 rows distinct -> H(Q(L)) = log N exactly and I(Y;L) = H(Y)
    assert r.i_xl == pytest.approx(math.log(500), abs=1e-12)
    assert r.i_yl == pytest.approx(discrete_entropy(np.bincount(y) / 500), abs=1e-12)


def test_constant_layer_has_zero_information():
    r = mi_binning(np.full((50, 4), 0.3), labels=np.arange(50) % 2)
    assert r.i_xl == 0.0 and r.i_yl == 0.0


def test_bits_are_nats_over_log2():
    rng = np.random.default_rng(2)
    layer, y = np.tanh(rng.standard_normal((300, 5))), rng.integers(0, 4, 300)
    nats = mi_binning(layer, labels=y, n_bins=5)
    bits = mi_binning(layer, labels=y, n_bins=5, unit="bits")
    assert bits.i_xl == pytest.approx(nats.i_xl / LOG2, rel=1e-12)
    assert bits.i_yl == pytest.approx(nats.i_yl / LOG2, rel=1e-12)


# ---------------------------------------------------------------- fixed-bin conventions
def test_bin_width_is_anchored_at_zero_like_saxe():
    # floor(l / 0.5): -0.01 -> -1 and 0.01 -> 0 are different bins; 0.01 and 0.49 the same
    r = mi_binning(np.array([-0.01, 0.01, 0.49, 0.51]), bin_width=0.5)
    assert r.i_xl == pytest.approx(discrete_entropy([0.25, 0.5, 0.25]), abs=1e-12)


def test_bin_width_with_range_is_anchored_at_range_min_and_clips():
    # value_range (0.05, 1.05), width 0.5: bins [.05,.55), [.55,1.05]; -3 and 0.1 clip to bin 0
    r = mi_binning(np.array([-3.0, 0.1, 0.6, 7.0]), bin_width=0.5, value_range=(0.05, 1.05))
    assert r.i_xl == pytest.approx(LOG2, abs=1e-12)


def test_consistent_n_bins_and_bin_width_are_accepted():
    x = np.linspace(-1, 1, 101)
    a = mi_binning(x, n_bins=4, bin_width=0.5, value_range=(-1, 1))
    b = mi_binning(x, n_bins=4, value_range=(-1, 1))
    assert a.i_xl == pytest.approx(b.i_xl, abs=1e-12)


def test_default_range_spans_all_epochs_of_the_call():
    # epoch 0 lives in [0, 0.1], epoch 1 in [0, 1]: one quantizer (range [0, 1], 2 bins)
    # puts all of epoch 0 in one bin, whereas a 2-D call on epoch 0 alone would split it
    e0 = np.linspace(0, 0.1, 10)[:, None]
    e1 = np.linspace(0, 1, 10)[:, None]
    batched = mi_binning(np.stack([e0, e1]), n_bins=2)
    assert batched.i_xl[0] == 0.0
    assert mi_binning(e0, n_bins=2).i_xl == pytest.approx(LOG2, abs=1e-12)


def test_monotone_in_nested_bin_counts():
    rng = np.random.default_rng(3)
    layer = np.tanh(rng.standard_normal((1000, 2)))
    h = [mi_binning(layer, n_bins=2**k, value_range=(-1, 1)).i_xl for k in range(1, 8)]
    # 2^k bins on a fixed range refine each other, so H(Q(L)) cannot decrease
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(h))
    assert h[-1] > h[0] + 1.0
    assert h[-1] <= math.log(1000) + 1e-12


# ---------------------------------------------------------------- adaptive (equal-mass) bins
def test_adaptive_bins_hold_equal_counts():
    rng = np.random.default_rng(4)
    t = torch.from_numpy(rng.standard_normal((2, 1000, 3)))
    codes = _adaptive_codes(t, 10, "neuron")
    for b in range(2):
        for j in range(3):
            counts = torch.bincount(codes[b, :, j], minlength=10)
            assert counts.tolist() == [100] * 10  # distinct values, 10 | 1000: exactly equal
    # one neuron: H = log 10 exactly; a whole layer's rows are rarer than that
    assert mi_binning(t[0, :, :1], mode="adaptive", n_bins=10).i_xl == pytest.approx(math.log(10), abs=1e-12)


def test_adaptive_layer_scope_pools_neurons():
    rng = np.random.default_rng(5)
    t = torch.from_numpy(np.stack([rng.standard_normal(600), 3 + rng.standard_normal(600)], axis=1)[None])
    codes = _adaptive_codes(t, 4, "layer")
    # pooled quantiles: the two neurons (means 0 and 3) use mostly different bins
    assert torch.bincount(codes.reshape(-1), minlength=4).tolist() == [300] * 4
    assert codes[0, :, 0].float().mean() < 1.0
    assert codes[0, :, 1].float().mean() > 2.0


def test_adaptive_bins_keep_ties_together():
    # ReLU-like neuron: 60% exact zeros; zeros must share one bin whatever the quantiles say
    rng = np.random.default_rng(6)
    x = np.maximum(rng.standard_normal(1000) - 0.25, 0.0)
    frac_zero = np.mean(x == 0)
    codes = _adaptive_codes(torch.from_numpy(x)[None, :, None], 10, "neuron")[0, :, 0].numpy()
    assert np.unique(codes[x == 0]).size == 1
    # zeros form one bin; the positive values fill the others about equally
    assert mi_binning(x, mode="adaptive", n_bins=10).i_xl < math.log(10)
    assert mi_binning(x, mode="adaptive", n_bins=10).i_xl > discrete_entropy([frac_zero, 1 - frac_zero])


# ---------------------------------------------------------------- batching over epochs
@pytest.mark.parametrize(
    "options",
    [
        {"n_bins": 7, "value_range": (-1, 1)},
        {"bin_width": 0.3},
        {"mode": "adaptive", "n_bins": 5},
        {"mode": "adaptive", "n_bins": 3, "adaptive_scope": "layer"},
    ],
)
def test_batched_equals_loop_over_epochs(options):
    rng = np.random.default_rng(7)
    run = np.tanh(rng.standard_normal((6, 400, 4)) * np.linspace(0.2, 3, 6)[:, None, None])
    y = rng.integers(0, 3, 400)
    batched = mi_binning(run, labels=y, **options)
    assert batched.i_xl.shape == (6,) and batched.i_yl.shape == (6,)
    for b in range(6):
        single = mi_binning(run[b], labels=y, **options)
        assert batched.i_xl[b] == pytest.approx(single.i_xl, abs=1e-12)
        assert batched.i_yl[b] == pytest.approx(single.i_yl, abs=1e-12)


def test_wide_layer_uses_hashed_rows_and_matches_numpy_unique():
    # 60 neurons x 8 bins does not fit a 62-bit mixed-radix key: rows are hashed
    rng = np.random.default_rng(8)
    run = rng.integers(0, 3, (3, 300, 60)).astype(float) / 3
    run[:, 150:] = run[:, :150]  # duplicate rows so that counts are not all 1
    y = rng.integers(0, 2, 300)
    r = mi_binning(run, labels=y, n_bins=8, value_range=(0, 1))
    for b in range(3):
        codes = np.minimum(np.floor(run[b] * 8), 7).astype(int)
        h = _plugin_entropy_rows(codes)
        h_y = _plugin_entropy_rows(np.column_stack([codes, y]))
        assert r.i_xl[b] == pytest.approx(h, abs=1e-12)
        assert r.i_yl[b] == pytest.approx(h + discrete_entropy(np.bincount(y) / 300) - h_y, abs=1e-12)


def test_entropy_discrete_matches_numpy_and_accepts_batches():
    rng = np.random.default_rng(9)
    codes = rng.integers(-2, 3, (4, 200, 30))
    batched = entropy_discrete(codes)
    for b in range(4):
        assert batched[b] == pytest.approx(_plugin_entropy_rows(codes[b]), abs=1e-12)
    assert entropy_discrete([0, 1, 2, 3], unit="bits") == pytest.approx(2.0, abs=1e-12)


def test_torch_input_stays_on_its_device_and_gives_floats():
    t = torch.tensor([[0.1], [0.9]], dtype=torch.float32)
    r = mi_binning(t, labels=torch.tensor([0, 1]), n_bins=2, value_range=(0, 1))
    assert isinstance(r.i_xl, float) and r.i_xl == pytest.approx(LOG2)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode": "quantile"}, "mode"),
        ({"unit": "bans"}, "unit"),
        ({"n_bins": 0}, "n_bins"),
        ({"bin_width": 0.0}, "bin_width"),
        ({"bin_width": -0.5}, "bin_width"),
        ({"n_bins": 10, "bin_width": 0.5}, "n_bins or bin_width"),
        ({"n_bins": 10, "bin_width": 0.5, "value_range": (-1, 1)}, "inconsistent"),
        ({"value_range": (1, -1)}, "value_range"),
        ({"mode": "adaptive", "bin_width": 0.1}, "adaptive"),
        ({"adaptive_scope": "epoch"}, "adaptive_scope"),
    ],
)
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mi_binning(np.linspace(-1, 1, 20), **kwargs)


def test_bad_data_raise():
    with pytest.raises(ValueError, match="labels has 19 labels"):
        mi_binning(np.zeros((20, 2)), labels=np.zeros(19, dtype=int))
    with pytest.raises(ValueError, match="NaN"):
        mi_binning(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="ndim=4"):
        mi_binning(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="integer symbols"):
        entropy_discrete([0.5, 1.0])


# --------------------------------------------------------------- indices beyond int64 (issue 13)
def test_rank_codes_give_the_same_entropies_as_exact_codes(monkeypatch):
    # the rank fallback (used when bin indices exceed 2**62) must keep the partition: force it on
    # ordinary data and compare with the exact int64 path
    from ibcore.estimators import binning

    layer = np.random.default_rng(0).uniform(-1, 1, (3, 300, 4))
    labels = np.random.default_rng(1).integers(0, 3, 300)
    exact = mi_binning(layer, labels=labels, n_bins=7)
    monkeypatch.setattr(binning, "_EXACT_CODE", 0.5)
    ranked = mi_binning(layer, labels=labels, n_bins=7)
    np.testing.assert_array_equal(ranked.i_xl, exact.i_xl)
    np.testing.assert_array_equal(ranked.i_yl, exact.i_yl)


def test_power_of_two_rescaling_changes_no_bin():
    # float32 activations beyond max/8 are rescaled by a power of two: the same codes, bit for bit
    layer = np.random.default_rng(2).uniform(-1, 1, (400, 3)).astype(np.float32)
    labels = np.arange(400) % 4
    for scale in (2.0**126, 2.0**-120):  # float32: near the top of its range; tiny normals
        r = mi_binning(layer * np.float32(scale), labels=labels, n_bins=9)
        assert r == mi_binning(layer, labels=labels, n_bins=9)


def test_a_one_epoch_layer_given_as_3d_says_how_it_was_read():
    # issue 25: (N, d, 1) is read as N epochs of d samples; the error says so
    acts, labels = np.random.default_rng(0).random((300, 3)), np.arange(300) % 2
    with pytest.raises(ValueError, match=r"read as 300 epochs x 3 samples x 1 unit .*\(N, units\)"):
        mi_binning(acts[:, :, None], labels=labels)
    assert mi_binning(acts[:, :, None].reshape(300, -1), labels=labels) == mi_binning(acts, labels=labels)


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
