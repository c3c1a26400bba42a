"""ibcore.estimators.kde_entropy: leave-one-out Gaussian-KDE entropy and MI, ML and LSCV bandwidths."""

import importlib
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ibcore.estimators.kde_entropy import kde_bandwidth, kde_entropy, mi_kde_loo

# the module (its name is shadowed in ibcore.estimators by the function kde_entropy)
ke = importlib.import_module("ibcore.estimators.kde_entropy")

N = 800


def _tol(d, n=N):
    """4 standard errors of the mean of -log f for a Gaussian (Var(log f) = d / 2)."""
    return 4.0 * math.sqrt(d / (2.0 * n))


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("bandwidth", ["ml", "lscv"])
def test_entropy_of_a_gaussian(d, bandwidth):
    scales = np.arange(1.0, d + 1.0)
    x = np.random.default_rng(d).standard_normal((N, d)) * scales
    true = 0.5 * d * math.log(2 * math.pi * math.e) + float(np.log(scales).sum())
    assert kde_entropy(x, bandwidth, device="cpu") == pytest.approx(true, abs=_tol(d))


def test_whitening_makes_the_entropy_follow_linear_maps():
    x = np.random.default_rng(0).standard_normal((300, 2))
    a = np.array([[3.0, 1.0], [0.0, 0.5]])
    shift = math.log(abs(np.linalg.det(a)))
    # float64 throughout: the two whitened samples agree to ~1e-14, far inside 1e-8
    assert kde_entropy(x @ a.T, 0.4) == pytest.approx(kde_entropy(x, 0.4) + shift, abs=1e-8)


def test_mi_of_a_gaussian_pair():
    rho, n = 0.8, 2000
    rng = np.random.default_rng(3)
    z = rng.standard_normal((n, 2))
    x, y = z[:, :1], rho * z[:, :1] + math.sqrt(1 - rho**2) * z[:, 1:]
    true = -0.5 * math.log(1 - rho**2)  # 0.51 nats
    # the information density of a Gaussian pair has variance rho^2, so 4 s.e. = 4 rho / sqrt(n)
    # = 0.07; the smoothing bias of the three KDE entropies adds at most 0.05 nats at this n
    assert mi_kde_loo(x, y, "ml") == pytest.approx(true, abs=4 * rho / math.sqrt(n) + 0.05)
    assert mi_kde_loo(x, rng.standard_normal((n, 1)), "ml") == pytest.approx(0.0, abs=0.07)


def test_criteria_match_their_definitions_in_1d():
    x = np.random.default_rng(1).standard_normal(60)
    a = torch.as_tensor(x[:, None])
    hs = torch.tensor([0.2, 0.5, 1.0], dtype=torch.float64)
    ml = ke._criteria(a, hs, lscv=False).numpy()
    sc = ke._criteria(a, hs, lscv=True).numpy()
    n = len(x)
    for k, h in enumerate(hs.tolist()):
        kern = stats.norm.pdf(x[:, None] - x[None, :], scale=h)
        loo = (kern.sum(1) - kern.diagonal()) / (n - 1)
        assert ml[k] == pytest.approx(np.log(loo).mean(), rel=1e-10)

        def f(t, h=h):
            return stats.norm.pdf(t - x, scale=h).mean()

        int_f2 = integrate.quad(lambda t, f=f: f(t) ** 2, -12, 12, limit=400)[0]
        assert sc[k] == pytest.approx(int_f2 - 2 * loo.mean(), rel=1e-6, abs=1e-9)


def test_bandwidth_is_the_criterion_optimum_on_the_grid():
    x = np.random.default_rng(0).standard_normal((400, 2))
    a, _ = ke._whiten(torch.as_tensor(x))
    hs = ke._grid(a)
    assert kde_bandwidth(x, "ml") == pytest.approx(float(hs[ke._criteria(a, hs, lscv=False).argmax()]))
    assert kde_bandwidth(x, "lscv") == pytest.approx(float(hs[ke._criteria(a, hs, lscv=True).argmin()]))
    for method in ("ml", "lscv"):  # an interior optimum: the grid brackets it
        h = kde_bandwidth(x, method)
        assert float(hs[0]) < h < float(hs[-1])


def test_bad_input_is_refused():
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(ValueError, match="N >= 3"):
        kde_entropy(x[:2])
    with pytest.raises(ValueError, match="finite"):
        kde_entropy(np.r_[x, [[np.nan, 0.0]]])
    with pytest.raises(ValueError, match="singular"):
        kde_entropy(np.c_[x[:, 0], 2 * x[:, 0]])
    with pytest.raises(ValueError, match="bandwidth"):
        kde_entropy(x, -1.0)
    with pytest.raises(ValueError, match="bandwidth"):
        kde_entropy(x, "silverman")
    with pytest.raises(ValueError, match="method"):
        kde_bandwidth(x, "silverman")
    with pytest.raises(ValueError, match="same number"):
        mi_kde_loo(x, x[:10])
