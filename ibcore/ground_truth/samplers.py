"""Continuous task families with known Shannon MI (nats): MI grids, Student-t, uniform + noise, maps.

Each sampler returns ``(x, y, true_mi)``: x (n, dim_x), y (n, dim_y) float64 arrays and the exact
I(X;Y) in nats. The families follow the benchmark of Czyz et al. (2023, "Beyond normal: on the
evaluation of mutual information estimators", NeurIPS; Sec. 3 and Appendix A): Gaussians, the
same pushed through invertible maps (which leave MI unchanged), heavy-tailed Student-t pairs and
additive uniform noise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special, stats

from ibcore._validation import check_int
from ibcore.ground_truth._gauss import correlated_cov, gaussian_mi, gaussian_pair

__all__ = [
    "MAPS",
    "apply_map",
    "gaussian_pair_with_mi",
    "invert_map",
    "rho_for_mi",
    "sparse_gaussians",
    "student_t_mi",
    "student_t_pair",
    "uniform_noise_mi",
    "uniform_noise_pair",
]


# --------------------------------------------------------------------------------------------
# Gaussians with a chosen MI (the grid up to 10 nats) and sparse correlation
# --------------------------------------------------------------------------------------------
def rho_for_mi(mi: float, d: int) -> float:
    r"""Correlation rho such that d independent pairs with correlation rho carry ``mi`` nats in all.

    .. math:: -\tfrac d2 \log(1 - \rho^2) = I \iff \rho = \sqrt{1 - e^{-2I/d}}
    """
    d = check_int(d, "d", minimum=1)
    if not np.isfinite(mi) or mi < 0:
        raise ValueError(f"mi must be a finite number >= 0, got {mi!r}")
    return float(np.sqrt(-np.expm1(-2.0 * mi / d)))


def gaussian_pair_with_mi(
    n: int, d: int, mi: float, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    r"""``d`` independent unit-Gaussian pairs sharing ``mi`` nats equally (:func:`rho_for_mi`).

    Sampled as :func:`~ibcore.ground_truth.gaussian_pair` does, :math:`y = \rho x + s\,\varepsilon`
    (the same draws), but with the conditional spread :math:`s = \sqrt{1-\rho^2} = e^{-I/d}` computed
    from ``mi`` directly: ``1 - rho**2`` loses it to rounding at high MI (rho rounds to 1 from about
    18 nats per pair on, which would make y a copy of x). Beyond about 36 nats per pair the noise
    falls below float64's resolution of x itself and y is a copy whichever way it is computed. The
    returned truth is ``mi`` itself.
    """
    n, d = check_int(n, "n", minimum=1), check_int(d, "d", minimum=1)
    rho = rho_for_mi(mi, d)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + np.exp(-float(mi) / d) * rng.standard_normal((n, d))
    return x, y, float(mi)


def sparse_gaussians(
    n: int, dim: int, *, n_correlated: int = 2, rho: float = 0.8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """X, Y each ``dim``-dimensional; only the first ``n_correlated`` coordinate pairs are correlated.

    The other coordinates are independent noise (the "sparse interaction" Gaussians of Czyz et al.
    2023): true MI = -n_correlated/2 log(1 - rho^2), whatever ``dim``.
    """
    dim = check_int(dim, "dim", minimum=1)
    m = min(check_int(n_correlated, "n_correlated", minimum=1), dim)
    rhos = np.zeros(dim)
    rhos[:m] = rho
    return gaussian_pair(check_int(n, "n", minimum=1), rhos, seed=seed)


# --------------------------------------------------------------------------------------------
# Student-t
# --------------------------------------------------------------------------------------------
def _f(nu: float) -> float:
    return float(special.gammaln(nu / 2) - nu / 2 * special.digamma(nu / 2))


def student_t_mi(scale: np.ndarray, dim_x: int, dof: float) -> float:
    r"""I(X;Y) of a multivariate Student-t (X, Y) with scale matrix ``scale`` and ``dof`` degrees of freedom.

    .. math::
        I = \tfrac12 \log\frac{\det\Sigma_{XX}\det\Sigma_{YY}}{\det\Sigma}
        + f(\nu) + f(\nu + m + n) - f(\nu + m) - f(\nu + n),
        \qquad f(x) = \log\Gamma(x/2) - \tfrac x2\,\psi(x/2),

    m = dim_x, n = dim_y: the Gaussian MI of the scale matrix plus a term that is positive even for
    a diagonal scale (the shared chi-square mixing variable makes X and Y dependent). It follows
    from the entropy of the multivariate t (Arellano-Valle, Contreras-Reyes & Genton 2013,
    Eq. 10), since the marginals are t with the same dof; Czyz et al. (2023), Appendix A.
    """
    scale = np.atleast_2d(np.asarray(scale, dtype=np.float64))
    if isinstance(dof, bool) or not np.isfinite(dof) or dof <= 0:
        raise ValueError(f"dof must be a finite number > 0, got {dof!r}")
    m, n = dim_x, scale.shape[0] - dim_x
    return gaussian_mi(scale, dim_x) + _f(dof) + _f(dof + m + n) - _f(dof + m) - _f(dof + n)


def student_t_pair(
    n: int, dim_x: int, dim_y: int, *, dof: float = 3.0, strength: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Sample a Student-t (X, Y): Z / sqrt(W / dof), Z ~ N(0, scale), W ~ chi^2(dof) shared by X and Y.

    The scale matrix is the random correlation matrix of :func:`correlated_gaussians` (same seed,
    same matrix). Heavy tails: for dof <= 2 the variance is infinite.
    """
    n = check_int(n, "n", minimum=1)
    rng = np.random.default_rng(seed)
    cov = correlated_cov(
        check_int(dim_x, "dim_x", minimum=1), check_int(dim_y, "dim_y", minimum=1), strength, rng
    )
    true = student_t_mi(cov, dim_x, dof)
    z = rng.multivariate_normal(np.zeros(dim_x + dim_y), cov, size=n)
    w = rng.chisquare(dof, size=(n, 1))
    t = z / np.sqrt(w / dof)
    return t[:, :dim_x], t[:, dim_x:], true


# --------------------------------------------------------------------------------------------
# Uniform plus uniform noise
# --------------------------------------------------------------------------------------------
def uniform_noise_mi(width: float) -> float:
    r"""I(X; X + N) for X ~ U(0, 1) and independent N ~ U(0, w), w = ``width``.

    Y has a trapezoidal density; :math:`h(Y) = \log\max(1, w) + \min(1, w)/(2\max(1, w))` and
    :math:`h(Y \mid X) = \log w`, so

    .. math:: I = \begin{cases} w/2 - \log w & w \le 1 \\ 1/(2w) & w \ge 1 \end{cases}

    (Czyz et al. 2023, Appendix A, "additive uniform noise").
    """
    if isinstance(width, bool) or not np.isfinite(width) or width <= 0:
        raise ValueError(f"width must be a finite number > 0, got {width!r}")
    return float(width / 2 - np.log(width)) if width <= 1 else float(1 / (2 * width))


def uniform_noise_pair(n: int, *, width: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Sample X ~ U(0, 1), Y = X + U(0, width); 1+1 dimensions."""
    true = uniform_noise_mi(width)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(check_int(n, "n", minimum=1), 1))
    return x, x + rng.uniform(0, width, size=x.shape), true


# --------------------------------------------------------------------------------------------
# Invertible maps: I(f(X); g(Y)) = I(X; Y)
# --------------------------------------------------------------------------------------------
def _spiral(v: np.ndarray, speed: float) -> np.ndarray:
    """Rotate the first two coordinates by the angle speed * ||v||^2 (norm kept, hence invertible)."""
    if v.shape[1] < 2:
        raise ValueError(f"the spiral map needs at least 2 dimensions, got {v.shape[1]}")
    angle = speed * np.sum(v**2, axis=1)
    c, s = np.cos(angle), np.sin(angle)
    out = v.copy()
    out[:, 0] = c * v[:, 0] - s * v[:, 1]
    out[:, 1] = s * v[:, 0] + c * v[:, 1]
    return out


MAPS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    # name: (map, inverse); each is a diffeomorphism of R^d (or onto (0,1)^d), so MI is unchanged
    "normal_cdf": (stats.norm.cdf, stats.norm.ppf),
    "cube": (lambda v: v**3, np.cbrt),
    "asinh": (np.arcsinh, np.sinh),
    "spiral": (lambda v: _spiral(v, 0.5), lambda v: _spiral(v, -0.5)),
}
"""Invertible maps applied to both X and Y (Czyz et al. 2023, Sec. 3: half-cube, asinh, normal CDF,
spiral). The spiral rotates the plane of the first two coordinates by 0.5 ||v||^2 radians: a
rotation keeps the norm, so the inverse rotates back by the same angle."""


def apply_map(name: str, v: np.ndarray) -> np.ndarray:
    """Apply the map ``name`` of :data:`MAPS` to samples v (n, d)."""
    if name not in MAPS:
        raise ValueError(f"unknown map {name!r}; choose one of {', '.join(MAPS)}")
    return MAPS[name][0](np.asarray(v, dtype=np.float64))


def invert_map(name: str, v: np.ndarray) -> np.ndarray:
    """Invert the map ``name`` of :data:`MAPS`."""
    if name not in MAPS:
        raise ValueError(f"unknown map {name!r}; choose one of {', '.join(MAPS)}")
    return MAPS[name][1](np.asarray(v, dtype=np.float64))
