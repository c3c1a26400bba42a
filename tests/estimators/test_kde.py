"""Tests for the KDE (pairwise-distance) bounds: exact mixture entropies, limits, batching, errors."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, special, stats

from ibcore.estimators.kde import mi_kde
from ibcore.ground_truth import discrete_entropy


def _exact_mi_1d(centres: np.ndarray, noise_var: float) -> float:
    """I(X;T) for T = h_X + N(0, s), X uniform on the centres: H(T) by quadrature - H(T|X)."""
    s = math.sqrt(noise_var)

    def neg_p_log_p(t):
        p = stats.norm.pdf(t, loc=centres, scale=s).mean()
        return -p * math.log(p) if p > 0 else 0.0

    lo, hi = centres.min() - 12 * s, centres.max() + 12 * s
    # breakpoints at the centres help quad resolve narrow components; error ~1e-9
    h_t, _ = integrate.quad(neg_p_log_p, lo, hi, points=sorted(set(centres.tolist())), limit=500)
    return h_t - 0.5 * math.log(2 * math.pi * math.e * noise_var)


def _reference_bounds(h: np.ndarray, noise_var: float) -> tuple[float, float]:
    """Direct dense evaluation of the two bounds with scipy's logsumexp (independent code path)."""
    d2 = ((h[:, None, :] - h[None, :, :]) ** 2).sum(-1)
    n = h.shape[0]
    up = -np.mean(special.logsumexp(-d2 / (2 * noise_var), axis=1) - math.log(n))
    lo = -np.mean(special.logsumexp(-d2 / (8 * noise_var), axis=1) - math.log(n))
    return lo, up


@pytest.mark.parametrize(
    "centres, noise_var",
    [([0.0, 1.0], 0.25), ([0.0, 1.0, 3.0], 0.5), ([-2.0, 0.0, 0.5, 4.0, 4.2], 0.3), ([0.0, 0.1], 1.0)],
)
def test_exact_mixture_mi_lies_between_the_bounds(centres, noise_var):
    centres = np.asarray(centres)
    exact = _exact_mi_1d(centres, noise_var)
    r = mi_kde(centres, noise_var=noise_var)
    # quadrature error ~1e-9, so a 1e-7 slack cannot hide a violated bound
    assert r.i_xl.lower - 1e-7 <= exact <= r.i_xl.upper + 1e-7
    assert r.i_xl.upper - r.i_xl.lower < math.log(len(centres))


def test_matches_dense_reference_implementation():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((150, 3))
    lo, up = _reference_bounds(h, 0.2)
    r = mi_kde(h, noise_var=0.2, chunk_size=17)
    assert r.i_xl.lower == pytest.approx(lo, abs=1e-12)
    assert r.i_xl.upper == pytest.approx(up, abs=1e-12)


def test_lower_never_exceeds_upper():
    rng = np.random.default_rng(1)
    run = rng.standard_normal((4, 200, 5)) * np.array([0.01, 0.3, 1.0, 10.0])[:, None, None]
    for noise_var in (1e-4, 1e-2, 1.0, 100.0):
        r = mi_kde(run, noise_var=noise_var)
        assert np.all(r.i_xl.lower <= r.i_xl.upper + 1e-12)
        assert np.all(r.i_xl.lower >= -1e-12) and np.all(r.i_xl.upper <= math.log(200) + 1e-12)


def test_bounds_decrease_monotonically_to_zero_as_noise_grows():
    rng = np.random.default_rng(2)
    h = np.tanh(rng.standard_normal((300, 4)))
    noise = np.logspace(-4, 4, 17)
    res = [mi_kde(h, noise_var=v).i_xl for v in noise]
    lower, upper = np.array([r.lower for r in res]), np.array([r.upper for r in res])
    assert np.all(np.diff(lower) < 0) and np.all(np.diff(upper) < 0)  # exact monotonicity
    assert upper[0] == pytest.approx(math.log(300), abs=1e-6)  # tiny noise: all points resolved
    # huge noise: -log mean exp(-d^2 / 2s) ~ mean d^2 / 2s <= 16 / 2e4 -> below 1e-3
    assert upper[-1] < 1e-3 and lower[-1] < upper[-1]


def test_separated_clusters_give_log_number_of_clusters():
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    labels = np.repeat(np.arange(4), 50)
    h = centres[labels] + 1e-3 * rng.standard_normal((200, 2))
    r = mi_kde(h, noise_var=0.01)
    # within a cluster d^2 ~ 4e-6 -> exp(-d^2 / 0.08) = 1 - 5e-5; across clusters exp(-1250) = 0
    assert r.i_xl.lower == pytest.approx(math.log(4), abs=1e-3)
    assert r.i_xl.upper == pytest.approx(math.log(4), abs=1e-3)


def test_label_information_of_separated_classes_is_h_y():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 300)
    h = rng.standard_normal((300, 2)) + 100.0 * y[:, None]  # classes 100 apart, noise sd 0.3
    r = mi_kde(h, labels=y, noise_var=0.1)
    h_y = discrete_entropy(np.bincount(y) / 300)
    # no cross-class kernel mass (exp(-1e4 / 0.8) = 0): each bound splits as H(Y) + sum p I_y
    assert r.i_yl.lower == pytest.approx(h_y, abs=1e-9)
    assert r.i_yl.upper == pytest.approx(h_y, abs=1e-9)
    assert r.i_xl.lower > h_y


def test_label_information_never_exceeds_layer_information():
    rng = np.random.default_rng(5)
    run = rng.standard_normal((3, 250, 3))
    y = rng.integers(0, 4, 250)
    for noise_var in (0.01, 0.3, 3.0):
        r = mi_kde(run, labels=y, noise_var=noise_var)
        # I(X;T) - I(Y;T) = sum_y p(y) I(X;T|Y=y) with each class term >= 0, for both formulas
        assert np.all(r.i_yl.upper <= r.i_xl.upper + 1e-12)
        assert np.all(r.i_yl.lower <= r.i_xl.lower + 1e-12)
        assert np.all(r.i_yl.upper >= -1e-12)


def test_class_conditional_terms_match_explicit_per_class_loop():
    rng = np.random.default_rng(6)
    h = rng.standard_normal((120, 2))
    y = rng.integers(0, 3, 120)
    r = mi_kde(h, labels=y, noise_var=0.5)
    lo_c = sum(np.mean(y == c) * _reference_bounds(h[y == c], 0.5)[0] for c in range(3))
    up_c = sum(np.mean(y == c) * _reference_bounds(h[y == c], 0.5)[1] for c in range(3))
    lo, up = _reference_bounds(h, 0.5)
    assert r.i_yl.lower == pytest.approx(lo - lo_c, abs=1e-12)
    assert r.i_yl.upper == pytest.approx(up - up_c, abs=1e-12)


def test_batched_equals_loop_and_chunking_does_not_matter():
    rng = np.random.default_rng(7)
    run = rng.standard_normal((5, 180, 4)) * np.linspace(0.1, 2.0, 5)[:, None, None]
    y = rng.integers(0, 2, 180)
    batched = mi_kde(torch.from_numpy(run), labels=torch.from_numpy(y), noise_var=0.1, chunk_size=13)
    assert batched.i_xl.lower.shape == (5,)
    for b in range(5):
        single = mi_kde(run[b], labels=y, noise_var=0.1)
        assert batched.i_xl.lower[b] == pytest.approx(single.i_xl.lower, abs=1e-12)
        assert batched.i_xl.upper[b] == pytest.approx(single.i_xl.upper, abs=1e-12)
        assert batched.i_yl.lower[b] == pytest.approx(single.i_yl.lower, abs=1e-12)
        assert batched.i_yl.upper[b] == pytest.approx(single.i_yl.upper, abs=1e-12)


def test_rescaling_layer_and_noise_together_is_invariant():
    rng = np.random.default_rng(8)
    h = rng.standard_normal((100, 3))
    a, b = mi_kde(h, noise_var=0.2), mi_kde(5.0 * h, noise_var=25 * 0.2)
    assert a.i_xl.upper == pytest.approx(b.i_xl.upper, rel=1e-10)
    assert a.i_xl.lower == pytest.approx(b.i_xl.lower, rel=1e-10)


@pytest.mark.parametrize("noise_var", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_noise_var_raises(noise_var):
    with pytest.raises(ValueError, match="noise_var"):
        mi_kde(np.zeros((5, 2)), noise_var=noise_var)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="labels has 4 labels"):
        mi_kde(np.zeros((5, 2)), labels=np.zeros(4, dtype=int), noise_var=0.1)
    with pytest.raises(ValueError, match="NaN"):
        mi_kde(np.array([[0.0], [np.inf]]), noise_var=0.1)
    with pytest.raises(ValueError, match="chunk_size"):
        mi_kde(np.zeros((5, 2)), noise_var=0.1, chunk_size=0)
    with pytest.raises(TypeError, match="noise_var"):
        mi_kde(np.zeros((5, 2)), noise_var="0.1")


# --- the tiled, symmetric computation and its float32 option -----------------------------------


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 500])
def test_tiles_and_class_boundaries_do_not_matter(chunk_size):
    # interleaved labels put class boundaries inside tiles ("mixed" tiles), 60 distinct labels
    # make tiles with no common class; all must match the dense reference loop exactly
    rng = np.random.default_rng(9)
    h = rng.standard_normal((150, 3))
    for y in (np.arange(150) % 3, rng.integers(0, 60, 150)):
        r = mi_kde(h, labels=y, noise_var=0.3, chunk_size=chunk_size)
        classes = np.unique(y)
        lo_c = sum(np.mean(y == c) * _reference_bounds(h[y == c], 0.3)[0] for c in classes)
        up_c = sum(np.mean(y == c) * _reference_bounds(h[y == c], 0.3)[1] for c in classes)
        lo, up = _reference_bounds(h, 0.3)
        # float64 sums of <= 150 terms each >= 0: round-off ~1e-15, far below 1e-12
        assert r.i_xl.lower == pytest.approx(lo, abs=1e-12)
        assert r.i_xl.upper == pytest.approx(up, abs=1e-12)
        assert r.i_yl.lower == pytest.approx(lo - lo_c, abs=1e-12)
        assert r.i_yl.upper == pytest.approx(up - up_c, abs=1e-12)


def test_equals_saxe_et_al_kde_py_reference():
    # the anchor of benchmarks/: Saxe et al.'s entropy_estimator_kl/_bd and kde_condentropy in numpy
    from ibcore.evaluation.benchmark import saxe_kde, synthetic_layer

    acts, y = synthetic_layer(300, 6, 3)
    for noise_var in (1e-3, 0.1):
        ours = mi_kde(acts, labels=y, noise_var=noise_var)
        for e in range(3):
            ref = saxe_kde(acts[e].numpy(), y.numpy(), noise_var)
            # two float64 computations of the same sums (logsumexp vs direct sums >= 1): ~1e-14
            for a, b in ((ours.i_xl, ref.i_xl), (ours.i_yl, ref.i_yl)):
                assert a.lower[e] == pytest.approx(b.lower, abs=1e-10)
                assert a.upper[e] == pytest.approx(b.upper, abs=1e-10)


@pytest.mark.parametrize("noise_var", [1e-5, 1e-3, 0.1, 10.0])
def test_float32_kernels_agree_with_float64_to_1e_5(noise_var):
    # saturated tanh layers (many exact duplicates, stored in float16 like recorded runs) over
    # epochs, labels in 2 classes: float32 kernel values (relative error ~1e-7) and tile sums
    # added in float64; every inner sum is >= 1, so the logs move by ~1e-7, checked at 1e-5
    from ibcore.evaluation.benchmark import synthetic_layer

    acts, y = synthetic_layer(700, 5, 4, seed=1)
    a = mi_kde(acts, labels=y, noise_var=noise_var, chunk_size=128)
    b = mi_kde(acts, labels=y, noise_var=noise_var, chunk_size=128, precision="float32")
    for u, v in ((a.i_xl, b.i_xl), (a.i_yl, b.i_yl)):
        assert np.abs(u.lower - v.lower).max() < 1e-5
        assert np.abs(u.upper - v.upper).max() < 1e-5


def test_tiny_noise_resolves_every_distinct_point():
    # noise_var 1e-8: every off-diagonal kernel value underflows (exp(-d^2 / 2e-8) = 0 for
    # d^2 > 1e-5), only the i = j terms remain: both bounds are log N exactly, in either precision
    h = np.random.default_rng(10).uniform(-1, 1, (200, 3))
    for precision in ("float64", "float32"):
        r = mi_kde(h, noise_var=1e-8, precision=precision)
        assert r.i_xl.lower == pytest.approx(math.log(200), abs=1e-12)
        assert r.i_xl.upper == pytest.approx(math.log(200), abs=1e-12)


def test_a_far_offset_does_not_spoil_the_distances():
    # distances come from ||a||^2 + ||b||^2 - 2ab; centring per epoch removes an offset of 1e4
    # that would otherwise cost 1e-16 * 1e8 / 8s = 1e-7 in the exponents
    h = np.random.default_rng(11).standard_normal((120, 2))
    a, b = mi_kde(h, noise_var=0.01), mi_kde(h + 1e4, noise_var=0.01)
    assert b.i_xl.lower == pytest.approx(a.i_xl.lower, abs=1e-9)
    assert b.i_xl.upper == pytest.approx(a.i_xl.upper, abs=1e-9)


def test_bad_precision_raises():
    with pytest.raises(ValueError, match="precision"):
        mi_kde(np.zeros((5, 2)), noise_var=0.1, precision="float16")
    from ibcore.estimators.kde import KDE

    with pytest.raises(ValueError, match="precision"):
        KDE(precision="half")


def test_the_answer_does_not_depend_on_the_thread_count():
    # CPU: tiles spread over Python threads, partial sums always added in row-block order; one
    # thread (a worker process, or the GPU's sequential path) must give the same floats
    from ibcore.evaluation.benchmark import synthetic_layer

    acts, y = synthetic_layer(600, 4, 3, seed=2)
    before = torch.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            torch.set_num_threads(threads)
            for layer in (acts, acts[0]):  # many epochs (epoch blocks), one epoch (row blocks)
                results.append(mi_kde(layer, labels=y, noise_var=0.01, chunk_size=128))
    finally:
        torch.set_num_threads(before)
    for r in results[2:]:
        ref = results[0] if np.ndim(r.i_xl.lower) else results[1]
        for a, b in ((r.i_xl, ref.i_xl), (r.i_yl, ref.i_yl)):
            assert np.array_equal(a.lower, b.lower) and np.array_equal(a.upper, b.upper)
    assert torch.get_num_threads() == before


@pytest.mark.gpu
def test_cuda_matches_cpu():
    from ibcore.evaluation.benchmark import synthetic_layer

    acts, y = synthetic_layer(500, 5, 3, seed=3)
    for precision in ("float64", "float32"):
        a = mi_kde(acts, labels=y, noise_var=0.01, device="cpu", precision=precision)
        b = mi_kde(acts.cuda(), labels=y.cuda(), noise_var=0.01, precision=precision)
        # the same sums in another order (and another BLAS): float64 ~1e-14, float32 ~1e-7
        for u, v in ((a.i_xl, b.i_xl), (a.i_yl, b.i_yl)):
            assert np.abs(u.lower - v.lower).max() < 1e-6 and np.abs(u.upper - v.upper).max() < 1e-6
