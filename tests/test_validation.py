"""Input checks shared by every estimator: what they accept, what they refuse, and how they say it."""

import numpy as np
import pytest
import torch

from ibcore._validation import (
    as_2d,
    as_groups,
    as_layer_batch,
    as_tensor,
    check_bool,
    check_choice,
    check_int,
    check_labels,
    check_positive,
    check_xy,
    scale_safe_moments,
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
        ([[1, 2], [3]], ValueError, "ragged list: row 0 holds 2 values, row 1 holds 1 value"),
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


# --------------------------------------------------------------------------- issue 13 classes


@pytest.mark.parametrize(
    ("value", "err", "match"),
    [
        (np.ones((3, 2)) + 1j, TypeError, "must hold real numbers, got a numpy array of complex dtype"),
        (torch.ones(3, 2, dtype=torch.complex64), TypeError, "got a tensor of complex dtype"),
        ([[1 + 2j], [3]], TypeError, "got a list of complex dtype"),
        ([["1"], ["2"]], TypeError, "got a list of strings"),
        (np.array([["1"], ["2"]]), TypeError, "got a numpy array of strings"),
        ([[1.0], [None]], TypeError, "dtype object"),
        ([[1.0, 2.0], [3.0, 4.0], [5.0]], ValueError, "row 0 holds 2 values, row 2 holds 1 value"),
        ([[1.0, 2.0], 3.0], ValueError, "row 1 holds a single value"),
        (np.array(2.0), ValueError, r"ndim=0 with shape \(\)"),
    ],
)
def test_inputs_are_read_as_real_numbers_only(value, err, match):
    with pytest.raises(err, match=match):
        as_2d(value)


def test_every_reader_shares_the_rules():
    for fn in (as_tensor, as_2d, check_labels, as_groups, lambda v: as_layer_batch(v)):
        with pytest.raises(TypeError, match="complex"):
            fn(np.array([1j, 2j]))
        with pytest.raises(TypeError, match="strings"):
            fn(["1", "2"])


def test_unusual_numpy_dtypes_are_widened_exactly():
    big = np.array([2**63 + 5, 7], dtype=np.uint64)  # beyond int64: read as float64
    assert as_tensor(big).dtype == torch.float64
    assert as_tensor(np.array([7, 9], dtype=np.uint32)).tolist() == [7, 9]
    assert as_tensor(np.array([7, 9], dtype=np.uint32)).dtype == torch.int64
    assert as_tensor(np.array([1.5], dtype=np.longdouble)).dtype == torch.float64


def test_inputs_are_detached():
    x = torch.ones(4, 2, requires_grad=True)
    for t in (as_tensor(x), as_2d(x), as_2d(x, dtype=torch.float32)):
        assert not t.requires_grad


def test_narrowing_cast_refuses_values_out_of_range():
    with pytest.raises(ValueError, match="up to 1e\\+200 in magnitude, beyond the range of torch.float32"):
        as_2d(np.array([[1e200], [1.0]]), dtype=torch.float32)
    with pytest.raises(ValueError, match="column.* below 1e-200 .* smallest normal torch.float32"):
        as_2d(np.array([[1e-200, 1.0], [0.0, 2.0]]), dtype=torch.float32)
    # one tiny value among ordinary ones is ordinary rounding, not a lost column
    assert as_2d(np.array([[1e-200], [1.0]]), dtype=torch.float32).tolist() == [[0.0], [1.0]]


def test_float_labels_beyond_2_53_are_refused():
    with pytest.raises(ValueError, match=r"exact integers only up to 2\*\*53"):
        check_labels(np.array([0.0, 2.0**60]))
    assert check_labels(np.array([0, 2**60])).tolist() == [0, 2**60]  # integer labels are exact


def test_check_bool():
    assert check_bool(True, "a") is True and check_bool(np.bool_(False), "a") is False
    for bad in ("no", 1, 0.0, None):
        with pytest.raises(TypeError, match="a must be True or False"):
            check_bool(bad, "a")


@pytest.mark.parametrize("scale", [1e160, 1e-170, 1e300])
def test_scale_safe_moments_at_any_finite_scale(scale):
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((500, 3)))
    x[:, 2] = 7.0  # a constant column keeps std 0
    mean, std = scale_safe_moments(x * scale)
    ref_mean, ref_std = x.mean(0) * scale, x.std(0) * scale
    assert torch.allclose(mean, ref_mean, rtol=1e-12, atol=0) and torch.allclose(std, ref_std, rtol=1e-12)
    assert std[2] == 0


def test_scale_safe_moments_are_torchs_own_for_ordinary_data():
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((100, 4)))
    mean, std = scale_safe_moments(x)
    assert torch.equal(mean, x.mean(0)) and torch.equal(std, x.std(0))  # bit for bit


# --------------------------------------------------------------------------- issue 25 classes

READERS = {
    "as_tensor": lambda v: as_tensor(v, "x"),
    "as_2d": lambda v: as_2d(v, "x"),
    "check_labels": lambda v: check_labels(v, "x"),
    "as_groups": lambda v: as_groups(v, "x"),
    "check_xy": lambda v: check_xy(v, v, names=("x", "y"))[0],
}


@pytest.mark.parametrize("reader", list(READERS))
def test_pandas_frames_and_series_are_read_as_their_values(reader):
    pd = pytest.importorskip("pandas")
    labels = np.array([3, 1, 1, 2, 3])
    frame = pd.DataFrame({"a": labels, "b": labels * 2}, index=[9, 8, 7, 6, 5])  # the index is ignored
    series = pd.Series(labels, index=list("vwxyz"), name="unit")
    fn = READERS[reader]
    for obj, arr in ((series, labels), (frame, frame.to_numpy())):
        if reader == "check_labels" and obj is frame:
            continue  # labels are 1-D
        assert torch.equal(fn(obj).cpu(), fn(arr).cpu())


def test_pandas_values_get_the_strict_checks_after_conversion():
    pd = pytest.importorskip("pandas")
    with pytest.raises(
        TypeError, match="x must be a torch.Tensor or numpy.ndarray .* DataFrame that numpy reads as objects"
    ):
        as_2d(pd.DataFrame({"a": [1.0, 2.0], "b": ["u", "v"]}))
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        as_2d(pd.Series([1.0, None, 2.0]))
    with pytest.raises(TypeError, match="got a Series of complex dtype"):
        as_2d(pd.Series([1 + 1j, 2j]))
    with pytest.raises(TypeError, match="got a dict that numpy reads as objects"):  # not array-like
        as_2d({"a": 1})
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match=r"x is a scipy.sparse csr_matrix.* x.toarray\(\)"):
        as_2d(scipy_sparse.csr_matrix(np.eye(3)))


@pytest.mark.parametrize("reader", list(READERS))
def test_masked_entries_are_refused_never_read(reader):
    data = np.arange(8.0).reshape(4, 2) if reader != "check_labels" else np.arange(4)
    fn = READERS[reader]
    assert torch.equal(fn(np.ma.masked_array(data)).cpu(), fn(data).cpu())  # nothing masked: the data
    mask = np.zeros(data.shape, dtype=bool)
    mask[2] = True
    rows = "in 1 of its 4 row"
    with pytest.raises(
        ValueError, match=f"x is a masked array with {mask.sum()} masked value.* {rows}.*keep ="
    ):
        fn(np.ma.masked_array(data, mask=mask))


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("dtype", [">f8", ">f4", ">i8", ">u2"])
def test_big_endian_arrays_are_read_as_their_values(reader, dtype):
    data = np.array([[3, 1], [1, 2], [5, 5], [0, 7]]) if reader != "check_labels" else np.array([3, 1, 5, 0])
    fn = READERS[reader]
    assert torch.equal(fn(data.astype(dtype)).cpu(), fn(data.astype(dtype[1:])).cpu())


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: torch.eye(3).to_sparse(), "x is a sparse tensor .*sparse_coo.* x.to_dense"),
        (lambda: torch.empty(3, 2, device="meta"), r"x is a meta tensor \(shape \(3, 2\) without values"),
    ],
)
@pytest.mark.parametrize("reader", list(READERS))
def test_tensors_without_plain_values_are_refused_naming_the_argument(reader, make, match):
    with pytest.raises(TypeError, match=match):
        READERS[reader](make())


def test_a_3d_layer_says_how_it_was_read():
    acts, labels = np.random.default_rng(0).random((300, 3)), np.arange(300) % 2
    with pytest.raises(
        ValueError,
        match=r"labels has 300 labels, expected 3 .*read as 300 epochs x 3 samples x 1 unit .*pass it as 2-D",
    ):
        as_layer_batch(acts[:, :, None], labels)
    with pytest.raises(ValueError, match=r"labels has 2 labels, expected 300 \(one per sample\)$"):
        as_layer_batch(acts, labels[:2])  # 2-D: the plain message


@pytest.mark.parametrize("name", ["mi_binning", "mi_kde", "mi_decision_rule", "mi_labels"])
def test_layer_functions_refuse_labels_given_positionally(name):
    """The 0.2 order fn(layer, labels) fails with a message saying how to call; labels= works."""
    import ibcore.estimators as est

    fn = getattr(est, name)
    layer = np.random.default_rng(0).normal(size=(40, 2))
    labels = np.arange(40) % 2
    extra = {"noise_var": 0.1} if name == "mi_kde" else {}
    with pytest.raises(TypeError, match=rf"call {name}\(layer, labels=y\)"):
        fn(layer, labels, **extra)
    assert fn(layer, labels=labels, **extra) is not None
    assert fn.__name__ == name and "labels" in fn.__doc__  # the wrapper keeps name and docs
