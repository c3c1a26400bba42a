"""k-nearest-neighbour estimators of differential entropy (nats), plain and weighted.

* :func:`entropy_kl`: Kozachenko-Leonenko (1987) entropy from the distance to the k-th neighbour.
* :func:`entropy_wkl`: the weighted Kozachenko-Leonenko estimator of Berrett, Samworth & Yuan
  (2019), a weighted sum of the KL estimators for j = 1..k whose weights (:func:`wkl_weights`)
  cancel the leading bias terms.

Also the estimates on validated tensors and the whitening (``whiten=True``) that
:mod:`ibcore.estimators.knn.mi` builds its MI estimates from.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy import linalg, special

from ibcore._validation import as_2d, check_bool, check_positive, scale_safe_moments
from ibcore.estimators.knn._neighbours import check_n, check_options, knn_distances, to_numpy
from ibcore.estimators.knn._ties import TiedSamplesWarning, add_jitter, tie_message

__all__ = ["entropy_kl", "entropy_wkl", "wkl_weights", "wkl_weight_norm"]

# entropy_wkl warns above this weight norm (k=5: 1.7 at d=4, 16 at d=8, 359 at d=12, 1.7e4 at d=16).
_WKL_WARN_NORM = 100.0
# ... and refuses (ValueError) above this one unless max_weight_norm says otherwise: the standard
# deviation grows with the norm (0.26 at norm 16 on N(0, I_8), N = 2000), so at 1e3 and more the
# estimate is noise (appendix A2 measures it).
WKL_MAX_NORM = 1000.0


# --------------------------------------------------------------------------------------------
# entropies
# --------------------------------------------------------------------------------------------
def _log_unit_ball(d: int) -> float:
    r"""log of the volume of the Euclidean unit ball in R^d, :math:`\log \pi^{d/2} / \Gamma(1 + d/2)`."""
    return 0.5 * d * math.log(math.pi) - float(special.gammaln(1 + 0.5 * d))


def _zero_distance_error(name: str, n_zero: int, k: int) -> ValueError:
    return ValueError(
        f"{name}: {n_zero} point(s) coincide with one of their {k} nearest neighbours used by the "
        "estimator (distance 0, log 0): duplicate points make these continuous-data estimators "
        "undefined. Remove duplicates, or pass jitter=1e-10 (or larger) to break ties with seeded "
        "noise scaled to each column."
    )


def _mean_log_knn(z: torch.Tensor, k: int, cols: np.ndarray, name: str, opts: dict) -> np.ndarray:
    """Mean over points of log(distance to the j-th neighbour), for each j in ``cols`` (1-based).

    Data far from unit scale (max |z| outside [2^-400, 2^400]) are first multiplied by a power of
    two 2^e that brings them to it - exact in floating point - and e log 2 is subtracted from the
    logs: squared distances would otherwise overflow (1e154) or underflow (1e-160), giving inf or
    a false "points coincide" error. Ordinary data are untouched.
    """
    m = float(z.abs().max())
    shift = 0
    if m > 0 and not 2.0**-400 <= m <= 2.0**400:
        shift = -math.frexp(m)[1]  # z * 2**shift has its largest magnitude in [0.5, 1)
        z = torch.ldexp(z, torch.tensor(shift, device=z.device))
    dist = knn_distances(z, k, "euclidean", **opts)[:, cols - 1]
    zero = (dist <= 0).any(dim=1)
    if bool(zero.any()):
        raise _zero_distance_error(name, int(zero.sum()), int(cols.max()))
    return to_numpy(dist.log().mean(dim=0)) - shift * math.log(2.0)


@functools.cache
def wkl_weights(k: int, d: int) -> np.ndarray:
    r"""Minimum-norm weights of the weighted KL estimator (Berrett, Samworth & Yuan 2019).

    The weights w in R^k satisfy

    .. math::
        \sum_j w_j = 1, \qquad
        \sum_j w_j \frac{\Gamma(j + 2l/d)}{\Gamma(j)} = 0 \quad (l = 1..\lfloor d/4 \rfloor),
        \qquad w_j = 0 \text{ unless } j \in \{\lfloor ik/d \rfloor : i = 1..d\},

    the set :math:`\mathcal W^{(k)}` of the paper; among them we take the one of least Euclidean
    norm (as the authors' R package IndepTest::L2OptW and Butakov et al.'s code do; the support
    restriction as in Butakov et al.). For d <= 3 there is no bias constraint and we return
    :math:`w = e_k`, the unweighted KL estimator with the k-th neighbour (see :func:`entropy_wkl`).
    Cached per (k, d); the returned array is read-only.
    """
    n_con = d // 4
    w = np.zeros(k)
    if n_con == 0:
        w[-1] = 1.0
    else:
        support = np.array(sorted({i * k // d for i in range(1, d + 1)} - {0}))
        if support.size < n_con + 1:
            raise ValueError(
                f"the weighted KL estimator in d={d} dimensions has {n_con + 1} constraints on its "
                f"weights and needs k >= {n_con + 1} to meet them, got k={k}"
            )
        j = support.astype(np.float64)
        rows = [np.ones_like(j)] + [
            np.exp(special.gammaln(j + 2 * m / d) - special.gammaln(j)) for m in range(1, n_con + 1)
        ]
        a = np.vstack(rows)
        rhs = np.zeros(n_con + 1)
        rhs[0] = 1.0
        ws = linalg.lstsq(a, rhs)[0]  # full row rank: the exact minimum-norm solution
        if not np.allclose(a @ ws, rhs, rtol=0, atol=1e-8):
            raise ValueError(
                f"the weight constraints for k={k}, d={d} are too ill-conditioned to solve in float64 "
                f"(residual {np.abs(a @ ws - rhs).max():.1e}): use a larger k, or entropy_kl"
            )
        w[support - 1] = ws
    w.setflags(write=False)
    return w


def entropy_kl_core(z: torch.Tensor, k: int, opts: dict, name: str) -> float:
    n, d = z.shape
    mean_log = _mean_log_knn(z, k, np.array([k]), name, opts)[0]
    return float(special.digamma(n) - special.digamma(k) + _log_unit_ball(d) + d * mean_log)


def wkl_weight_norm(k: int, d: int) -> float:
    """Euclidean norm of :func:`wkl_weights` ``(k, d)``: how much the weighting can inflate the variance.

    ``inf`` where the weights do not exist (k too small for d, or constraints too ill-conditioned).
    """
    try:
        return float(np.linalg.norm(wkl_weights(k, d)))
    except ValueError:
        return math.inf


def check_max_norm(max_weight_norm: Any) -> float | None:
    if max_weight_norm is None:
        return None
    return check_positive(max_weight_norm, "max_weight_norm")


def entropy_wkl_core(
    z: torch.Tensor, k: int, opts: dict, name: str, max_weight_norm: float | None = WKL_MAX_NORM
) -> float:
    n, d = z.shape
    w = wkl_weights(k, d)
    norm = float(np.linalg.norm(w))
    if max_weight_norm is not None and norm > max_weight_norm:
        raise ValueError(
            f"{name}: the weighted KL weights for k={k}, d={d} have norm {norm:.3g} > max_weight_norm="
            f"{max_weight_norm:g}; the estimate's standard deviation grows with that norm and the value "
            "would be noise. Use a larger k, fewer dimensions (compress first), or entropy_kl / mi_ksg; "
            "max_weight_norm=None computes it anyway"
        )
    if norm > _WKL_WARN_NORM:
        warnings.warn(
            f"entropy_wkl: the weights for k={k}, d={d} have norm {norm:.3g}, which inflates the variance "
            "accordingly; use a larger k (see the Notes of entropy_wkl) or entropy_kl",
            RuntimeWarning,
            stacklevel=3,
        )
    cols = np.flatnonzero(w) + 1
    mean_log = _mean_log_knn(z, k, cols, name, opts)
    per_j = special.digamma(n) - special.digamma(cols) + _log_unit_ball(d) + d * mean_log
    return float(np.dot(w[cols - 1], per_j))


def entropy_kl(
    x: Any,
    k: int = 1,
    *,
    method: str = "auto",
    device: Any = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    jitter: float = 0.0,
    seed: int = 0,
    whiten: bool = False,
) -> float:
    r"""Kozachenko-Leonenko estimate of the differential entropy H(X), in nats.

    .. math::
        \hat H_{N,k} = \psi(N) - \psi(k) + \log V_d + \frac{d}{N} \sum_{i=1}^{N} \log \rho_{i,k},
        \qquad V_d = \frac{\pi^{d/2}}{\Gamma(1 + d/2)},

    with :math:`\rho_{i,k}` the Euclidean distance from :math:`x_i` to its k-th nearest neighbour
    among the other N - 1 points.

    Parameters
    ----------
    x : torch.Tensor or numpy.ndarray, shape (N, d) or (N,)
    k : int, default 1
        Neighbour order, 1 <= k < N.
    method : {"auto", "tree", "brute", "sort"}, default "auto"
        How neighbours are found (all exact, same answer); see the module docstring.
    device : str, torch.device or None, default None
        ``None``: the tensor's device (numpy input: CUDA when available, else CPU).
    chunk_size : int or None, default None
        Rows per block for ``"brute"``; ``None`` keeps each block near 2**23 distances.
    n_jobs : int or None, default None
        Threads for ``"tree"``; ``None`` uses every CPU this process may run on.
    jitter : float, default 0.0
        If > 0, Gaussian noise of standard deviation ``jitter * std(column)`` (the population
        standard deviation, computed safely at any finite scale; 1 for a constant column) is
        added to each column first, seeded by ``seed``: the way to break tied samples (see the
        Notes). With 0, tied samples give a :class:`TiedSamplesWarning`.
    seed : int, default 0
        Seed of the jitter noise.
    whiten : bool, default False
        Estimate on the samples mapped to unit covariance and add back
        :math:`\tfrac12 \log\det \hat\Sigma` (exact for the true entropy, :math:`H(AX) = H(X) +
        \log|\det A|`). The Euclidean k-NN balls then fit the data's shape, which cuts the
        finite-sample bias when the coordinates have very different scales or are correlated;
        Butakov et al.'s entropy estimator does this (``rescale=True``).

    Returns
    -------
    float
        Entropy estimate in nats.

    Raises
    ------
    ValueError
        Bad input (NaN/inf, empty, ndim not 1 or 2, N <= k, unknown method), or duplicate points
        (a zero k-th neighbour distance makes log 0): use ``jitter`` for data with ties. With
        ``whiten=True``, a singular sample covariance (points in a lower-dimensional subspace).

    Notes
    -----
    The estimator is asymptotically unbiased for any fixed k; its bias is of order
    :math:`N^{-2/d}` for smooth densities (Berrett et al. 2019), so it grows with d, and
    densities with bounded support (uniform) are underestimated near the boundary at small N.
    The variance falls with k. Berrett et al. write :math:`\log(N - 1)` for :math:`\psi(N)`; the
    two differ by O(1/N). Computed in float64.

    **Ties.** Tied samples (exact zeros of ReLU units, saturated or quantized units, discrete
    inputs) violate the continuous-density assumption of Kozachenko & Leonenko and of Kraskov et
    al. (2004), and the estimate then depends on how the ties fall. With ``jitter=0`` (default) a
    :class:`TiedSamplesWarning` is issued when, in some non-constant coordinate of x, at least
    1 % of the samples share their value with another sample; it gives the fraction and the
    remedies. ``jitter=1e-10`` breaks the ties with seeded noise of standard deviation
    ``jitter * std`` per coordinate, as scikit-learn's ``mutual_info_regression`` does (1e-10 on
    coordinates scaled to unit variance), and is not checked further; the estimate is then that
    of the jittered samples. Zero distances to the k-th neighbour (a point with k or more
    duplicates) make log 0 and raise a ``ValueError``.

    References
    ----------
    .. [1] L. F. Kozachenko, N. N. Leonenko, "Sample estimate of the entropy of a random vector",
       Problems Inform. Transmission 23(2), 95-101, 1987.
    .. [2] A. Kraskov, H. Stoegbauer, P. Grassberger, "Estimating mutual information",
       Phys. Rev. E 69, 066138, 2004, Eq. (20).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((2000, 2))
    >>> truth = math.log(2 * math.pi * math.e)          # 2.838
    >>> abs(entropy_kl(x, k=3, device="cpu") - truth) < 0.05   # bias + 4 sd at N = 2000
    True
    """
    opts = check_options(k, method, chunk_size, n_jobs, jitter, seed)
    entropy = whitened(entropy_kl_core) if check_bool(whiten, "whiten") else entropy_kl_core
    z = as_2d(x, "x", device=device)
    check_n(z.shape[0], k)
    return _entropy_warning_ties(entropy, z, k, opts, jitter, seed, "entropy_kl")


def entropy_wkl(
    x: Any,
    k: int = 5,
    *,
    method: str = "auto",
    device: Any = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    jitter: float = 0.0,
    seed: int = 0,
    max_weight_norm: float | None = WKL_MAX_NORM,
    whiten: bool = False,
) -> float:
    r"""Weighted Kozachenko-Leonenko estimate of H(X) (Berrett, Samworth & Yuan 2019), in nats.

    .. math::
        \hat H^{w}_{N} = \sum_{j=1}^{k} w_j \hat H_{N,j}, \qquad
        \sum_j w_j = 1, \quad
        \sum_j w_j \frac{\Gamma(j + 2l/d)}{\Gamma(j)} = 0 \;\; (l = 1, \dots, \lfloor d/4 \rfloor),
        \quad w_j = 0 \text{ for } j \notin \{\lfloor ik/d \rfloor : i = 1..d\},

    :math:`\hat H_{N,j}` being :func:`entropy_kl` with the j-th neighbour. The constraints cancel
    the bias terms of order :math:`N^{-2l/d}`, :math:`l \le d/4`, which otherwise stop the KL
    estimator from being efficient for d >= 4. Of the admissible weights we use the one of least
    Euclidean norm (as the authors' R package IndepTest, ``L2OptW``, does; the support restriction
    as in the paper and in Butakov et al.'s code), cached per (k, d).

    Parameters
    ----------
    x : torch.Tensor or numpy.ndarray, shape (N, d) or (N,)
    k : int, default 5
        Largest neighbour order used, 1 <= k < N. For d >= 4 it must be at least
        floor(d/4) + 1 (enough free weights for the constraints).
    method, device, chunk_size, n_jobs, jitter, seed
        As in :func:`entropy_kl`.
    max_weight_norm : float or None, default 1000
        Refuse (``ValueError``) when the weights' norm (:func:`wkl_weight_norm`) exceeds it:
        for k = 5 from d = 16 on (norm 1.7e4). ``None``: never refuse.
    whiten : bool, default False
        As in :func:`entropy_kl`: estimate on whitened samples, add back the log-determinant.

    Returns
    -------
    float
        Entropy estimate in nats.

    Notes
    -----
    d <= 3: floor(d/4) = 0, so the only condition is :math:`\sum w_j = 1`. There is then no bias
    term to cancel (Berrett et al. show the unweighted KL estimator is already efficient for
    d <= 3 when k grows suitably with N), and we use :math:`w = e_k`: the estimate equals
    ``entropy_kl(x, k)``, whose variance is the lowest of the :math:`\hat H_{N,j}`, j <= k, as the
    authors' package does. (The minimum-norm solution on the restricted support would instead
    average a few :math:`\hat H_{N,j}` for no bias gain; Butakov et al.'s code uses :math:`e_1`,
    the highest-variance choice, for d <= 4.) d = 4..7 has one constraint, d = 8..11 two, etc.

    Variance. The constraints are nearly collinear rows, so the weights grow fast with d at fixed
    k (norm of w for k = 5: 1.7 at d = 4, 16 at d = 8, 359 at d = 12, 1.7e4 at d = 16; at d = 16:
    784 for k = 20 and 2156 for k = 50, as the support restriction keeps only d values of j; the
    unrestricted minimum-norm weights of ``L2OptW`` would have norm 240 for k = 50) and the
    variance grows with them: on N(0, I_8),
    N = 2000, the standard deviation is 0.26 for k = 5 against 0.046 for ``entropy_kl(k=5)``, and
    0.09 for k = 20. A ``RuntimeWarning`` is raised when the norm exceeds 100, a ``ValueError``
    when it exceeds ``max_weight_norm`` (appendix A2 measures the error per dimension). The theory takes k
    growing with N; with small k use this estimator only in low dimension (Butakov et al. apply
    it after compressing to a few dimensions). Butakov et al.'s code solves the same system by
    ``numpy.linalg.lstsq`` with ``rcond=1e-6`` on rescaled rows, which drops ill-conditioned
    directions and then no longer meets the constraints; we keep them exact (checked to 1e-8)
    and raise a ``ValueError`` when float64 cannot.

    Zero neighbour distances raise a ``ValueError``, and tied samples give a
    :class:`TiedSamplesWarning`, as in :func:`entropy_kl` (see its Notes, **Ties**).

    References
    ----------
    .. [1] T. B. Berrett, R. J. Samworth, M. Yuan, "Efficient multivariate entropy estimation via
       k-nearest neighbour distances", Ann. Statist. 47(1), 288-318, 2019 (arXiv:1606.00304): the
       weighted estimator and its weight set :math:`\mathcal W^{(k)}`.
    .. [2] T. B. Berrett, R package IndepTest, functions ``KLentropy`` and ``L2OptW``.
    .. [3] I. Butakov, A. Tolmachev, S. Malanchuk, A. Neopryatnaya, A. Frolov, K. Andreev,
       "Information bottleneck analysis of deep neural networks via lossy compression",
       ICLR 2024 (arXiv:2305.08013), and their code (VanessB/Information-v3).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((2000, 4))
    >>> truth = 2 * math.log(2 * math.pi * math.e)            # 5.68
    >>> abs(entropy_wkl(x, k=5, device="cpu") - truth) < 0.1   # 5.74 here: bias + 4 sd at N = 2000
    True
    >>> abs(entropy_kl(x, k=5, device="cpu") - truth) < 0.1    # the unweighted k=5 estimate, 5.63
    True
    """
    opts = check_options(k, method, chunk_size, n_jobs, jitter, seed)
    max_norm = check_max_norm(max_weight_norm)
    entropy = functools.partial(entropy_wkl_core, max_weight_norm=max_norm)
    entropy = whitened(entropy) if check_bool(whiten, "whiten") else entropy
    z = as_2d(x, "x", device=device)
    check_n(z.shape[0], k)
    return _entropy_warning_ties(entropy, z, k, opts, jitter, seed, "entropy_wkl")


def _entropy_warning_ties(
    entropy: Callable[..., float], z: torch.Tensor, k: int, opts: dict, jitter: float, seed: int, fn: str
) -> float:
    """``entropy`` of ``z`` (jittered if asked), with a :class:`TiedSamplesWarning` on tied samples."""
    ties = tie_message(fn, {"x": z}) if jitter == 0 else None
    h = entropy(add_jitter(z, jitter, seed), k, opts, "x")
    if ties is not None:  # after the estimate: a refusal (zero distances) says it alone
        warnings.warn(ties, TiedSamplesWarning, stacklevel=3)
    return h


_SINGULAR_TOL = 1e-12  # smallest eigenvalue of the correlation matrix below which it counts as singular


def _whiten(z: torch.Tensor, name: str) -> tuple[torch.Tensor, float]:
    r"""``z`` linearly mapped to unit covariance, and the entropy that the map removed.

    With :math:`D` the columns' standard deviations and :math:`R = U \Lambda U^T` their
    correlation matrix, :math:`W = D^{-1} U \Lambda^{-1/2}` gives :math:`\operatorname{cov}(zW) = I`
    and :math:`H(z) = H(zW) + \tfrac12 \log\det\Sigma`, :math:`\log\det\Sigma = 2 \sum \log D_{jj} +
    \sum \log \lambda_j` (differential entropy under an invertible linear map). A constant column,
    or a correlation eigenvalue below 1e-12 (a scale-free test), means the points lie in a
    lower-dimensional subspace, whose differential entropy is -inf: a ``ValueError`` says so.
    """
    z = z.double()
    mean, sd = scale_safe_moments(z)  # right at any finite scale (1e-170 or 1e160 data)
    if not bool((sd > 0).all()):
        raise ValueError(
            f"{name}: column(s) {torch.nonzero(sd == 0).flatten().tolist()} are constant: the samples "
            "lie in a lower-dimensional subspace, where the differential entropy is -inf and whitening "
            "is undefined"
        )
    zs = (z - mean) / sd
    evals, evecs = torch.linalg.eigh(zs.T @ zs / max(len(z) - 1, 1))
    if float(evals[0]) <= _SINGULAR_TOL:
        raise ValueError(
            f"{name}: the samples' correlation matrix is singular (smallest eigenvalue "
            f"{float(evals[0]):.3g}): they lie in a lower-dimensional subspace, where the differential "
            "entropy is -inf and whitening is undefined; drop the dependent coordinates or compress to "
            "fewer dimensions"
        )
    half_log_det = float(sd.log().sum() + 0.5 * evals.log().sum())
    return zs @ (evecs / evals.sqrt()), half_log_det


def whitened(entropy: Callable[..., float]) -> Callable[..., float]:
    """``entropy`` computed on whitened samples plus the log-determinant term (:func:`_whiten`)."""

    def h(z: torch.Tensor, k: int, opts: dict, name: str) -> float:
        zw, half_log_det = _whiten(z, name)
        return entropy(zw, k, opts, name) + half_log_det

    return h
