"""Tests for the matrix-based Renyi entropy and mutual information."""

import itertools
import math

import numpy as np
import pytest
import torch

from ibcore.estimators.renyi import (
    Renyi,
    entropy_renyi,
    joint_entropy_renyi,
    mi_renyi,
    renyi_kernel_width,
    subsample_index,
)
from ibcore.ground_truth import gaussian_pair

# eigvalsh spun badly on a loaded 2-core machine (13 s vs 0.04 s for N = 600 with one thread)
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("d, s, sigma", [(1, 1.0, 1.0), (2, 1.0, 1.0), (5, 0.5, 1.0)])
def test_alpha2_entropy_matches_gaussian_closed_form(d, s, sigma):
    # S_2 = -log tr(A^2), tr(A^2) = (1/N^2) sum_ij K_ij^2 with K_ij^2 = exp(-||x_i - x_j||^2 / sigma^2).
    # For i != j, x_i - x_j ~ N(0, 2 s^2 I_d) and E exp(-Z^2 / sigma^2) = (1 + 4 s^2 / sigma^2)^(-1/2)
    # per coordinate, so tr(A^2) -> 1/N + (N - 1)/N * (sigma^2 / (sigma^2 + 4 s^2))^(d/2).
    n = 600
    x = np.random.default_rng(d).standard_normal((n, d)) * s
    expected = (sigma**2 / (sigma**2 + 4 * s**2)) ** (d / 2)
    want = -math.log(1 / n + (n - 1) / n * expected)
    # the U-statistic's sd at N = 600 is ~0.03 in S_2 (20 seeds checked): 0.1 is > 3 sd
    assert entropy_renyi(x, alpha=2.0, sigma=sigma) == pytest.approx(want, abs=0.1)


def test_alpha2_is_minus_log_trace_of_a_squared_exactly():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3))
    d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
    a = np.exp(-d2 / (2 * 0.7**2)) / 50
    assert entropy_renyi(x, alpha=2.0, sigma=0.7) == pytest.approx(-math.log(np.trace(a @ a)), abs=1e-10)


def test_identical_points_have_zero_entropy_and_far_points_log_n():
    assert entropy_renyi(np.ones((20, 3)), sigma=0.5) == pytest.approx(0.0, abs=1e-10)
    far = np.arange(20.0)[:, None] * 1e3
    for alpha in (0.5, 1.0, 1.01, 2.0):
        assert entropy_renyi(far, alpha=alpha, sigma=1.0) == pytest.approx(math.log(20), abs=1e-10)


def test_entropy_is_at_most_log_n_and_decreases_with_sigma():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((120, 2))
    for alpha in (0.5, 1.01, 3.0):
        s = [entropy_renyi(x, alpha=alpha, sigma=w) for w in (0.01, 0.1, 0.5, 2.0, 20.0)]
        assert all(0 <= v <= math.log(120) + 1e-10 for v in s)
        assert all(b < a for a, b in itertools.pairwise(s))  # wider kernels merge points


def test_alpha_to_one_approaches_von_neumann_entropy():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((100, 2))
    d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
    lam = np.clip(np.linalg.eigvalsh(np.exp(-d2 / 2.0) / 100), 0, None)
    shannon = -np.sum(lam[lam > 0] * np.log(lam[lam > 0]))
    assert entropy_renyi(x, alpha=1.0, sigma=1.0) == pytest.approx(shannon, abs=1e-10)
    # S_alpha is continuous in alpha: |S_1.0001 - S_1| is O(1e-4 * variance of log lambda)
    assert entropy_renyi(x, alpha=1.0001, sigma=1.0) == pytest.approx(shannon, abs=1e-3)
    assert entropy_renyi(x, alpha=1.01, sigma=1.0) == pytest.approx(shannon, abs=0.1)


def test_mi_increases_with_correlation_and_is_near_zero_when_independent():
    values = []
    for rho in (0.0, 0.3, 0.6, 0.9):
        x, y, _ = gaussian_pair(400, rho, seed=3)
        values.append(mi_renyi(x, y))
    # Silverman widths, N = 400: independent data give ~0.15 nats of bias (kernel smoothing,
    # not a consistent MI estimator); the ranking in rho is what the estimator promises
    assert values[0] < 0.25
    assert all(b > a for a, b in itertools.pairwise(values))
    assert all(v > -1e-6 for v in values)


def test_mi_is_symmetric_and_bounded_by_marginal_entropies():
    x, y, _ = gaussian_pair(200, [0.7, 0.2], seed=4)
    a = mi_renyi(x, y, sigma_x=0.8, sigma_y=1.3)
    b = mi_renyi(y, x, sigma_x=1.3, sigma_y=0.8)
    assert a == pytest.approx(b, abs=1e-10)
    assert a <= min(entropy_renyi(x, sigma=0.8), entropy_renyi(y, sigma=1.3)) + 1e-10


def test_joint_entropy_is_between_max_and_sum_for_alpha_near_one():
    rng = np.random.default_rng(5)
    for _ in range(5):
        x = rng.standard_normal((80, 2))
        y = x[:, :1] + rng.standard_normal((80, 1))
        sa, sb = entropy_renyi(x, sigma=0.7), entropy_renyi(y, sigma=1.0)
        sab = joint_entropy_renyi(x, y, sigma_x=0.7, sigma_y=1.0)
        assert max(sa, sb) - 1e-10 <= sab <= sa + sb + 1e-10


def test_mi_of_a_variable_with_itself_is_its_entropy_at_alpha_1():
    # A o A has the eigenvalues of a sharper kernel; with identical far-apart points MI = H = log N
    far = np.arange(10.0)[:, None] * 1e3
    assert mi_renyi(far, far, alpha=1.0, sigma_x=1.0, sigma_y=1.0) == pytest.approx(math.log(10), abs=1e-10)


def test_tensor_input_is_flattened_per_sample():
    rng = np.random.default_rng(6)
    maps = rng.standard_normal((40, 2, 3, 4))  # (N, C, H, W) feature maps
    flat = maps.reshape(40, -1)
    assert entropy_renyi(maps, sigma=3.0) == pytest.approx(entropy_renyi(flat, sigma=3.0), abs=1e-12)
    labels = np.eye(4)[rng.integers(0, 4, 40)]
    assert mi_renyi(torch.from_numpy(maps), labels, sigma_x=3.0, sigma_y=0.5) == pytest.approx(
        mi_renyi(flat, labels, sigma_x=3.0, sigma_y=0.5), abs=1e-12
    )


def test_kernel_width_rules():
    # equally spaced points 0..9, k = 2: interior points have neighbours at distance 1, 1;
    # the two end points at 1, 2 -> sigma = (8 * 1 + 2 * 1.5) / 10 = 1.1
    x = np.arange(10.0)
    assert renyi_kernel_width(x, "knn", k=2) == pytest.approx(1.1, abs=1e-12)
    s = np.std(x, ddof=1)
    assert renyi_kernel_width(x, "silverman") == pytest.approx(s * (4 / 3) ** 0.2 * 10**-0.2, rel=1e-12)
    # default of the estimators is Silverman's rule
    assert entropy_renyi(x) == pytest.approx(entropy_renyi(x, sigma=renyi_kernel_width(x)), abs=1e-12)
    # degenerate data still gives a usable positive width
    assert renyi_kernel_width(np.zeros(5), "knn") > 0


def test_bad_inputs_raise():
    x = np.random.default_rng(7).standard_normal((10, 2))
    with pytest.raises(ValueError, match="alpha"):
        entropy_renyi(x, alpha=0.0)
    with pytest.raises(ValueError, match="sigma"):
        entropy_renyi(x, sigma=-1.0)
    with pytest.raises(ValueError, match="sigma rule"):
        entropy_renyi(x, sigma="scott")
    with pytest.raises(ValueError, match="x has 10 rows, y has 9"):
        mi_renyi(x, x[:9])
    with pytest.raises(ValueError, match="NaN"):
        entropy_renyi(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="k must be"):
        entropy_renyi(x, sigma="knn", k=0)
    with pytest.raises(TypeError, match="sigma_y"):
        mi_renyi(x, x, sigma_y=[1.0])


# --- the layer estimator: whole runs, batched eigvalsh, a fixed subsample of the inputs ----------


def _run_like(n=120, epochs=3, seed=8):
    """Inputs (N, 6) binary, labels, and a tanh layer (E, N, 3) sharpening over epochs."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (n, 6)).astype(np.float32)
    y = (x.sum(1) > 3).astype(np.int64)
    w = rng.standard_normal((6, 3))
    acts = np.stack([np.tanh(s * (x - 0.5) @ w) for s in np.linspace(0.5, 4.0, epochs)]).astype(np.float32)
    return acts, x, y


@pytest.mark.parametrize(
    "opts", [{}, {"sigma_x": 1.0, "sigma_y": "knn", "k": 5}, {"alpha": 2.0, "sigma_y": 0.5}]
)
def test_layer_estimator_equals_the_pairwise_adapter(opts):
    # Renyi computes S(A_X), S(A_Y) once and batches the epochs; PairwiseMI(mi_renyi) calls
    # mi_renyi epoch by epoch: the same matrices, so the same numbers up to eigvalsh round-off
    from ibcore.analysis.infoplane import PairwiseMI

    acts, x, y = _run_like()
    a = Renyi(**opts).estimate_layer(acts, x=x, y=y)
    b = PairwiseMI(mi_renyi, opts).estimate_layer(acts, x=x, y=y)
    for key in ("I(X;L)", "I(Y;L)"):
        assert a[key].shape == (3,)
        assert np.abs(a[key] - b[key]).max() < 1e-9


def test_subsample_is_fixed_seeded_and_exact_on_its_rows():
    from ibcore.analysis.infoplane import PairwiseMI

    idx = subsample_index(120, 50, seed=4)
    assert idx.shape == (50,) and torch.equal(idx, torch.sort(idx).values) and len(set(idx.tolist())) == 50
    assert torch.equal(idx, subsample_index(120, 50, seed=4))  # the same for every epoch and layer
    assert not torch.equal(idx, subsample_index(120, 50, seed=5))
    assert torch.equal(subsample_index(120, None), torch.arange(120))
    assert torch.equal(subsample_index(120, 500), torch.arange(120))
    acts, x, y = _run_like()
    a = Renyi(n_subsample=50, seed=4).estimate_layer(acts, x=x, y=y)
    b = PairwiseMI(mi_renyi).estimate_layer(acts[:, idx], x=x[idx], y=y[idx])
    for key in ("I(X;L)", "I(Y;L)"):
        assert np.abs(a[key] - b[key]).max() < 1e-9
    # the MIEstimator face uses the same rows
    est = Renyi(n_subsample=50, seed=4)
    assert est.estimate(x, acts[-1]) == pytest.approx(mi_renyi(x[idx], acts[-1][idx]), abs=1e-12)


def test_information_plane_takes_mi_renyi_as_the_layer_estimator():
    from ibcore.analysis.infoplane import as_layer_estimator

    est = as_layer_estimator(mi_renyi, n_subsample=64, alpha=1.01)
    assert isinstance(est, Renyi) and est.n_subsample == 64
    assert "64 inputs" in est.name


def test_renyi_estimator_bad_options_raise():
    with pytest.raises(ValueError, match="n_subsample"):
        Renyi(n_subsample=1)
    with pytest.raises(ValueError, match="alpha"):
        Renyi(alpha=-1.0)
    with pytest.raises(ValueError, match="sigma_y"):
        Renyi(sigma_y="scott")
    with pytest.raises(ValueError, match="sigma_x"):
        Renyi(sigma_x=-2.0)
    acts, x, y = _run_like()
    with pytest.raises(ValueError, match="x has 119 rows"):
        Renyi().estimate_layer(acts, x=x[:119], y=y)
    with pytest.raises(ValueError, match="y has 119 labels"):
        Renyi().estimate_layer(acts, x=x, y=y[:119])


def test_layer_estimator_is_independent_of_the_thread_count():
    # CPU with several threads: one epoch per task; one thread (and a GPU): batched eigvalsh
    acts, x, y = _run_like(n=90, epochs=4)
    before = torch.get_num_threads()
    try:
        out = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            out.append(Renyi(n_subsample=60).estimate_layer(acts, x=x, y=y))
    finally:
        torch.set_num_threads(before)
    for key in ("I(X;L)", "I(Y;L)"):
        assert np.abs(out[0][key] - out[1][key]).max() < 1e-12


@pytest.mark.gpu
def test_layer_estimator_cuda_matches_cpu():
    acts, x, y = _run_like(n=90, epochs=4)
    a = Renyi(device="cpu").estimate_layer(acts, x=x, y=y)
    b = Renyi(device="cuda").estimate_layer(acts, x=x, y=y)
    for key in ("I(X;L)", "I(Y;L)"):
        assert np.abs(a[key] - b[key]).max() < 1e-8  # float64 eigenvalues by another library
