"""Input checks shared by every estimator: what they accept, what they refuse, and how they say it."""

import numpy as np
import pytest
import torch

from ibcore._validation import (
    as_2d,
    as_groups,
    as_layer_batch,
    check_choice,
    check_int,
    check_labels,
    check_positive,
    check_xy,
)


def test_as_2d_shapes_dtypes_and_devices():
    assert as_2d(np.arange(5)).shape == (5, 1)  # 1-D -> (N, 1)
    assert as_2d([[1, 2], [3, 4]]).dtype == torch.float64  # lists become float64
    assert as_2d(np.ones((3, 2), dtype=np.float32), dtype=None).dtype == torch.float32
    assert as_2d(np.ones((3, 2), dtype=np.int64), dtype=None).dtype == torch.float32
    assert as_2d(torch.ones(2, 3, 4), allow_batch=True).shape == (2, 3, 4)
    t = torch.ones(4, 2)
    assert as_2d(t).device == t.device  # a tensor stays where it is
    assert as_2d(t, device="cpu").device.type == "cpu"
    nc = torch.arange(12.0).reshape(3, 4).t()  # non-contiguous input
    np.testing.assert_array_equal(as_2d(nc).numpy(), nc.numpy())


@pytest.mark.parametrize(
    ("value", "err", "match"),
    [
        (np.array([[np.nan, 1.0]]), ValueError, "1 NaN or infinite"),
        (np.empty((0, 2)), ValueError, "empty"),
        (np.ones((2, 2, 2)), ValueError, "ndim=3"),
        (np.array(["a", "b"]), TypeError, "must hold numbers"),
        ("abc", TypeError, "torch.Tensor or numpy.ndarray"),
        ([[1, 2], [3]], TypeError, "cannot turn into numbers"),
    ],
)
def test_as_2d_refuses_clearly(value, err, match):
    with pytest.raises(err, match=match):
        as_2d(value)


def test_check_xy_names_both_sample_counts():
    with pytest.raises(ValueError, match="x has 5 rows, y has 4"):
        check_xy(np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="at least 6 samples, got N=5"):
        check_xy(np.ones(5), np.ones(5), min_samples=6)
    x, y = check_xy(np.ones(5), np.zeros((5, 3)))
    assert x.shape == (5, 1) and y.shape == (5, 3)


def test_labels_and_groups():
    np.testing.assert_array_equal(check_labels([0.0, 2.0, 2.0]).numpy(), [0, 2, 2])
    with pytest.raises(ValueError, match="whole numbers"):
        check_labels([0.5, 1.0])
    with pytest.raises(ValueError, match="expected 3"):
        check_labels([0, 1], n=3)
    # rows grouped by equality: ids 0..G-1, equal rows share an id
    g = as_groups(np.array([[1, 0], [0, 1], [1, 0], [5, 5]]))
    assert g[0] == g[2] and len(set(g.tolist())) == 3 and set(g.tolist()) == {0, 1, 2}
    assert as_groups(np.zeros((4, 2, 2))).tolist() == [0, 0, 0, 0]  # any trailing shape
    with pytest.raises(ValueError, match="0-D"):
        as_groups(np.array(1.0))
    with pytest.raises(ValueError, match="expected 3"):
        as_groups(np.arange(4), n=3)


def test_layer_batch_relabels_labels():
    t, y, batched = as_layer_batch(np.ones((5, 2)), np.array([7, 7, 9, 9, 9]))
    assert t.shape == (1, 5, 2) and not batched
    assert y.tolist() == [0, 0, 1, 1, 1]


def test_scalar_option_checks():
    assert check_positive(2, "a") == 2.0
    assert check_positive(0, "a", allow_zero=True) == 0.0
    for bad, err in ((0, ValueError), (float("inf"), ValueError), (True, TypeError), ("1", TypeError)):
        with pytest.raises(err, match="a must"):
            check_positive(bad, "a")
    assert check_int(np.int64(3), "k", minimum=1) == 3
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        check_int(0, "k", minimum=1)
    with pytest.raises(TypeError, match="k must be an integer"):
        check_int(2.0, "k")
    assert check_choice("a", "mode", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="unknown mode='c'; choose one of 'a', 'b'"):
        check_choice("c", "mode", ("a", "b"))
