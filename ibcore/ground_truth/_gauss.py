"""Gaussian closed forms (entropy, MI, the noisy linear layer) and Gaussian samplers, in nats."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from scipy import special, stats

__all__ = [
    "gaussian_entropy",
    "gaussian_mi",
    "gaussian_mi_from_rho",
    "correlated_cov",
    "correlated_gaussians",
    "gaussian_pair",
    "discrete_entropy",
    "uniform_entropy",
    "noisy_linear_gaussian_mi",
]


def gaussian_entropy(cov: np.ndarray) -> float:
    r"""Differential entropy of N(mu, cov): :math:`\tfrac12 \log\det(2\pi e\,\Sigma)`."""
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    sign, logdet = np.linalg.slogdet(2 * np.pi * np.e * cov)
    if sign <= 0:
        raise ValueError("cov must be positive definite")
    return 0.5 * float(logdet)


def gaussian_mi(cov: np.ndarray, dim_x: int) -> float:
    r"""I(X;Y) for a jointly Gaussian (X, Y) with joint covariance ``cov``, X the first ``dim_x`` coordinates.

    .. math:: I(X;Y) = \tfrac12 \log \frac{\det\Sigma_{XX}\,\det\Sigma_{YY}}{\det\Sigma}
    """
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    if not 0 < dim_x < cov.shape[0]:
        raise ValueError(f"dim_x must be in 1..{cov.shape[0] - 1}, got {dim_x}")
    ld = lambda a: np.linalg.slogdet(a)[1]  # noqa: E731
    return 0.5 * float(ld(cov[:dim_x, :dim_x]) + ld(cov[dim_x:, dim_x:]) - ld(cov))


def gaussian_mi_from_rho(rho: float | np.ndarray) -> float:
    r"""I(X;Y) of independent pairs of unit Gaussians with correlations ``rho``.

    .. math:: I = -\tfrac12 \sum_i \log(1 - \rho_i^2)
    """
    rho = np.atleast_1d(np.asarray(rho, dtype=np.float64))
    if np.any(np.abs(rho) >= 1):
        raise ValueError("every |rho| must be < 1")
    return float(-0.5 * np.log1p(-(rho**2)).sum())


def gaussian_pair(n: int, rho: float | np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Sample ``n`` pairs (X, Y), X_i and Y_i unit Gaussians with correlation ``rho[i]``, pairs independent.

    Returns x (n, d), y (n, d) and the true I(X;Y) in nats, d = len(rho).
    """
    rho = np.atleast_1d(np.asarray(rho, dtype=np.float64))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, rho.size))
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((n, rho.size))
    return x, y, gaussian_mi_from_rho(rho)


def correlated_gaussians(
    n: int, dim_x: int, dim_y: int, *, seed: int = 0, strength: float = 0.5
) -> tuple[np.ndarray, np.ndarray, float]:
    """Sample from a dense random joint Gaussian of dimension dim_x + dim_y; return x, y, true MI.

    The joint covariance is a random correlation matrix (Wishart-like, ``strength`` in (0, 1)
    scaling the off-diagonal part), so every coordinate of X is correlated with every one of Y.
    """
    rng = np.random.default_rng(seed)
    cov = correlated_cov(dim_x, dim_y, strength, rng)
    z = rng.multivariate_normal(np.zeros(dim_x + dim_y), cov, size=n)
    return z[:, :dim_x], z[:, dim_x:], gaussian_mi(cov, dim_x)


def correlated_cov(dim_x: int, dim_y: int, strength: float, rng: np.random.Generator) -> np.ndarray:
    """The random joint covariance of :func:`correlated_gaussians`: (1 - s) I + s C, C random correlations."""
    if not 0 < strength < 1:
        raise ValueError(f"strength must be in (0, 1), got {strength}")
    d = dim_x + dim_y
    a = rng.standard_normal((d, d))
    c = a @ a.T
    s = np.sqrt(np.diag(c))
    corr = c / np.outer(s, s)
    return (1 - strength) * np.eye(d) + strength * corr


def discrete_entropy(p: np.ndarray) -> float:
    r"""Shannon entropy :math:`-\sum p \log p` of a probability vector (zeros allowed)."""
    p = np.asarray(p, dtype=np.float64).ravel()
    if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("p must be a probability vector")
    return float(special.entr(p).sum())


def uniform_entropy(low: np.ndarray, high: np.ndarray) -> float:
    """Differential entropy of the uniform distribution on the box [low, high]: sum log(high - low)."""
    width = np.asarray(high, dtype=np.float64) - np.asarray(low, dtype=np.float64)
    if np.any(width <= 0):
        raise ValueError("high must exceed low in every coordinate")
    return float(np.log(width).sum())


def noisy_linear_gaussian_mi(weight: Any, cov_x: Any, sigma: float) -> float:
    r"""Closed form :math:`I(X; AX + b + \varepsilon)` for Gaussian X and isotropic Gaussian noise.

    .. math:: I = \tfrac12 \log\det\!\big(I + A \Sigma_X A^\top / \sigma^2\big)

    (Elad et al. 2019, Eq. 5, with the constant made explicit).

    Parameters
    ----------
    weight : array, shape (d, dx)
        A.
    cov_x : array, shape (dx, dx)
        Covariance of X (positive semi-definite).
    sigma : float
        Noise standard deviation > 0.

    Returns
    -------
    float
        Nats.

    Examples
    --------
    >>> abs(noisy_linear_gaussian_mi([[1.0]], [[1.0]], 1.0) - 0.5 * float(np.log(2))) < 1e-12
    True
    """
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}")
    a = np.atleast_2d(np.asarray(weight, dtype=np.float64))
    c = np.atleast_2d(np.asarray(cov_x, dtype=np.float64))
    if c.shape != (a.shape[1], a.shape[1]):
        raise ValueError(
            f"cov_x must be ({a.shape[1]}, {a.shape[1]}) for weight of shape {a.shape}, got {c.shape}"
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(c))):
        raise ValueError("weight and cov_x must be finite")
    sign, logdet = np.linalg.slogdet(np.eye(a.shape[0]) + a @ c @ a.T / sigma**2)
    if sign <= 0:
        raise ValueError("cov_x must be positive semi-definite")
    return 0.5 * float(logdet)


# scipy.stats is imported for the tests' convenience (normal CDF as an invertible map).
normal_cdf = stats.norm.cdf
