r"""Ground truth for the matrix-based Rényi estimator at order 2 on Gaussian data (nats).

The matrix-based entropy of order alpha = 2 of N samples with Gaussian kernel width sigma is
:math:`S_2 = -\log \operatorname{tr}(A^2) = -\log \frac1{N^2}\sum_{ij} K_{ij}^2`,
:math:`K_{ij} = e^{-\|x_i - x_j\|^2 / 2\sigma^2}` (Sanchez Giraldo et al. 2015; Geiger 2021,
Eq. 5a). As N grows it converges to :math:`-\log E[e^{-\|X - X'\|^2/\sigma^2}]` for independent
copies X, X'. For X ~ N(mu, Sigma), X - X' ~ N(0, 2 Sigma) and the Gaussian integral
:math:`E[e^{-\frac12 z^\top B z}] = \det(I + C B)^{-1/2}` (z ~ N(0, C)) with B = 2I/sigma^2 gives

.. math:: S_2^\infty(X) = \tfrac12 \log\det\!\big(I + 4\Sigma/\sigma^2\big).

The Rényi MI :math:`I_2 = S_2(A) + S_2(B) - S_2(A \circ B / \operatorname{tr}(A \circ B))` with one
width sigma for X and Y uses the product kernel, i.e. the Gaussian kernel of the joint vector, so

.. math::
    I_2^\infty = \tfrac12\log\frac{\det(I + 4\Sigma_{XX}/\sigma^2)\,
    \det(I + 4\Sigma_{YY}/\sigma^2)}{\det(I + 4\Sigma/\sigma^2)}.

This is the estimator's own target, not Shannon MI: it depends on sigma. At finite N the
V-statistic includes the N diagonal terms (each 1), a bias of order 1/N.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gaussian_renyi2_entropy", "gaussian_renyi2_mi"]


def gaussian_renyi2_entropy(cov: np.ndarray, sigma: float) -> float:
    r"""Large-N limit of the matrix-based order-2 entropy of N(mu, cov).

    .. math:: S_2^\infty = \tfrac12\log\det(I + 4\Sigma/\sigma^2)
    """
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    if isinstance(sigma, bool) or not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}")
    sign, logdet = np.linalg.slogdet(np.eye(cov.shape[0]) + 4.0 * cov / sigma**2)
    if sign <= 0:
        raise ValueError("cov must be positive semi-definite")
    return 0.5 * float(logdet)


def gaussian_renyi2_mi(cov: np.ndarray, dim_x: int, sigma: float) -> float:
    """Large-N limit of the matrix-based order-2 Rényi MI of a joint Gaussian, one width for X and Y."""
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    if not 0 < dim_x < cov.shape[0]:
        raise ValueError(f"dim_x must be in 1..{cov.shape[0] - 1}, got {dim_x}")
    h = lambda c: gaussian_renyi2_entropy(c, sigma)  # noqa: E731
    return h(cov[:dim_x, :dim_x]) + h(cov[dim_x:, dim_x:]) - h(cov)
