"""Tests of ibcore.ground_truth.samplers: pairs of known MI (Gaussian, Student-t, uniform noise, maps)."""

import math

import numpy as np
import pytest

from ibcore import ground_truth as gt
from ibcore.ground_truth import gaussian_mi_from_rho, rho_for_mi


# ----------------------------------------------------------------------------------------------
# the task families of appendix A2 (ibcore.ground_truth.samplers, discrete, layer, renyi)
# ----------------------------------------------------------------------------------------------
def _mc_mi(logp_joint, logp_x, logp_y):
    """Monte Carlo I = E[log p(x,y) - log p(x) - log p(y)] and its standard error."""
    v = logp_joint - logp_x - logp_y
    return v.mean(), v.std() / math.sqrt(v.size)


@pytest.mark.parametrize("dim_x,dim_y,dof", [(1, 1, 3.0), (2, 3, 5.0), (3, 2, 1.5)])
def test_student_t_mi_closed_form_matches_monte_carlo_and_scipy_entropies(dim_x, dim_y, dof):
    from scipy import stats

    rng = np.random.default_rng(dim_x + dim_y)
    cov = gt.correlated_cov(dim_x, dim_y, 0.5, rng)
    true = gt.student_t_mi(cov, dim_x, dof)
    # 1) from scipy's multivariate-t entropies: I = h(X) + h(Y) - h(X, Y) (marginals are t, same dof)
    h = lambda c: stats.multivariate_t(shape=c, df=dof).entropy()  # noqa: E731
    ent = h(cov[:dim_x, :dim_x]) + h(cov[dim_x:, dim_x:]) - h(cov)
    assert true == pytest.approx(ent, abs=1e-8)
    # 2) Monte Carlo with the sampler: 4e4 draws, standard error < 0.01 here; 5 se tolerance
    x, y, mi = gt.student_t_pair(40000, dim_x, dim_y, dof=dof, seed=dim_x + dim_y)
    assert mi == pytest.approx(true)
    z = np.hstack([x, y])
    est, se = _mc_mi(
        stats.multivariate_t(shape=cov, df=dof).logpdf(z),
        stats.multivariate_t(shape=cov[:dim_x, :dim_x], df=dof).logpdf(x),
        stats.multivariate_t(shape=cov[dim_x:, dim_x:], df=dof).logpdf(y),
    )
    assert est == pytest.approx(true, abs=5 * se + 1e-3)
    # heavy tails add information: above the Gaussian MI of the same scale matrix
    assert true > gt.gaussian_mi(cov, dim_x)


def test_student_t_mi_tends_to_gaussian_for_large_dof():
    cov = gt.correlated_cov(2, 2, 0.5, np.random.default_rng(0))
    assert gt.student_t_mi(cov, 2, 1e7) == pytest.approx(gt.gaussian_mi(cov, 2), abs=1e-6)
    with pytest.raises(ValueError, match="dof must be"):
        gt.student_t_mi(cov, 2, 0.0)


@pytest.mark.parametrize("width", [0.1, 0.5, 1.0, 2.0])
def test_uniform_noise_mi_by_numerical_integration_and_monte_carlo(width):
    from scipy import integrate

    # p_Y is the convolution of U(0,1) and U(0,w): trapezoid of height 1/max(1,w)
    def p(y):
        return max(0.0, min(y, 1.0, width, 1 + width - y)) / width

    knots = sorted({0.0, min(1.0, width), max(1.0, width), 1 + width})
    h_y = sum(
        integrate.quad(lambda y: -p(y) * math.log(p(y)) if p(y) > 0 else 0.0, a, b)[0]
        for a, b in zip(knots[:-1], knots[1:], strict=True)
    )
    assert gt.uniform_noise_mi(width) == pytest.approx(h_y - math.log(width), abs=1e-8)
    # Monte Carlo: I = E[log p(y|x) - log p(y)] = E[-log w - log p(y)]
    x, y, mi = gt.uniform_noise_pair(20000, width=width, seed=1)
    assert np.all((y >= x) & (y <= x + width))
    v = -math.log(width) - np.log([p(t) for t in y[:, 0]])
    assert v.mean() == pytest.approx(mi, abs=5 * v.std() / math.sqrt(v.size) + 1e-3)
    with pytest.raises(ValueError, match="width must be"):
        gt.uniform_noise_mi(-1.0)


@pytest.mark.parametrize("mi,d", [(0.5, 1), (4.0, 5), (10.0, 1), (10.0, 5)])
def test_mi_grid_hits_its_target_and_the_sample_correlation(mi, d):
    x, y, true = gt.gaussian_pair_with_mi(50000, d, mi, seed=3)
    assert true == pytest.approx(mi, rel=1e-8)  # rho rounded to float64: 2e-9 relative at 10 nats
    rho = gt.rho_for_mi(mi, d)
    # plug-in Gaussian MI of the sample (sd of a sample correlation ~ (1 - rho^2)/sqrt(n))
    r = np.array([np.corrcoef(x[:, i], y[:, i])[0, 1] for i in range(d)])
    assert np.allclose(r, rho, atol=5 * (1 - rho**2) / math.sqrt(50000) + 1e-12)
    with pytest.raises(ValueError, match="mi must be"):
        gt.rho_for_mi(-1.0, 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda n: gt.gaussian_pair_with_mi(n, 1, 1.0),
        lambda n: gt.gaussian_pair_with_mi(10, n, 1.0),
        lambda n: gt.sparse_gaussians(n, 3),
        lambda n: gt.student_t_pair(n, 1, 1),
        lambda n: gt.uniform_noise_pair(n),
        lambda n: gt.rho_for_mi(1.0, n),
    ],
)
def test_sample_sizes_and_dimensions_are_checked_as_everywhere_in_ibcore(call):
    # the shared _validation.check_int: a wrong type is a TypeError, a value below 1 a ValueError
    with pytest.raises(TypeError, match="must be an integer, got float 3.0"):
        call(3.0)
    with pytest.raises(TypeError, match="must be an integer, got bool"):
        call(True)
    with pytest.raises(ValueError, match="must be >= 1, got 0"):
        call(0)


def test_mi_grid_keeps_its_noise_beyond_float64_rounding_of_rho():
    # 25 nats on one pair: rho rounds to 1.0, but y must stay x plus noise of std e^-25
    x, y, true = gt.gaussian_pair_with_mi(20000, 1, 25.0, seed=0)
    assert gt.rho_for_mi(25.0, 1) == 1.0 and true == 25.0
    resid = y - x
    assert np.all(resid != 0)
    assert np.std(resid) == pytest.approx(math.exp(-25.0), rel=0.05)


def test_sparse_gaussians_mi_does_not_grow_with_dimension():
    for dim in (1, 2, 10):
        x, y, mi = gt.sparse_gaussians(100, dim, n_correlated=2, rho=0.8)
        assert x.shape == y.shape == (100, dim)
        assert mi == pytest.approx(-0.5 * min(dim, 2) * math.log(1 - 0.64))


@pytest.mark.parametrize("name", sorted(gt.MAPS))
def test_maps_are_invertible_so_they_keep_mi(name):
    x = np.random.default_rng(0).standard_normal((500, 3))
    fx = gt.apply_map(name, x)
    assert fx.shape == x.shape and np.all(np.isfinite(fx))
    # a bijection: the inverse recovers the input (so I(f(X); f(Y)) = I(X; Y))
    assert np.allclose(gt.invert_map(name, fx), x, atol=1e-7)
    assert not np.allclose(fx, x)  # and it really changes the data
    with pytest.raises(ValueError, match="unknown map"):
        gt.apply_map("nope", x)


def test_maps_keep_mi_of_a_discretised_pair():
    # Per-coordinate monotone maps keep the ranks, so the plug-in MI of rank-quantile bins is
    # exactly unchanged (an estimator-independent check of invariance); the spiral is checked above.
    from sklearn.metrics import mutual_info_score

    x, y, _ = gt.correlated_gaussians(5000, 1, 1, seed=2)

    def binned(v):
        return np.searchsorted(np.quantile(v, np.linspace(0, 1, 11)[1:-1]), v[:, 0])

    base = mutual_info_score(binned(x), binned(y))
    for name in ("normal_cdf", "cube", "asinh"):
        assert mutual_info_score(
            binned(gt.apply_map(name, x)), binned(gt.apply_map(name, y))
        ) == pytest.approx(base)


def test_spiral_needs_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        gt.apply_map("spiral", np.zeros((3, 1)))


@pytest.mark.parametrize("dim", [1, 2, 4])
@pytest.mark.parametrize("mi", [0.0, 0.5, 3.0, 10.0])
def test_rho_sets_the_mi_exactly(mi, dim):
    rho = rho_for_mi(mi, dim)
    assert 0.0 <= rho < 1.0
    # float64 cancellation in 1 - rho^2 near rho = 1: error ~ 1e-16 / (1 - rho^2) = 1e-16 e^(2 mi / d)
    assert gaussian_mi_from_rho(np.full(dim, rho)) == pytest.approx(mi, abs=1e-15 * math.exp(2 * mi / dim))
