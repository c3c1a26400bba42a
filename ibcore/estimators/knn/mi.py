"""k-nearest-neighbour estimators of mutual information (nats).

* :func:`mi_kl`, :func:`mi_wkl`: H(X) + H(Y) - H(X, Y) with the entropies of
  :mod:`ibcore.estimators.knn.entropy` (Kozachenko-Leonenko, plain and weighted).
* :func:`mi_ksg`: Kraskov, Stoegbauer & Grassberger (2004), algorithm 1 (max-norm).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import torch
from scipy import special

from ibcore._device import torch_threads
from ibcore._validation import check_bool, check_xy, scale_safe_moments
from ibcore.estimators.knn._neighbours import (
    check_options,
    count_marginals,
    knn_tree_ordered,
    ksg_brute,
    resolve_method,
)
from ibcore.estimators.knn._ties import TiedSamplesWarning, add_jitter, tie_message
from ibcore.estimators.knn.entropy import (
    WKL_MAX_NORM,
    check_max_norm,
    entropy_kl_core,
    entropy_wkl_core,
    whitened,
)

__all__ = ["mi_kl", "mi_wkl", "mi_ksg"]


def _drop_constant_columns(t: torch.Tensor) -> torch.Tensor:
    """The columns of t (N, d) that are not constant."""
    return t[:, (t != t[:1]).any(dim=0)]


def _mi_from_entropies(
    x: Any,
    y: Any,
    k: int,
    opts: dict,
    device: Any,
    jitter: float,
    seed: int,
    entropy: Callable[[torch.Tensor, int, dict, str], float],
    fn: str,
) -> float:
    xt, yt = check_xy(x, y, min_samples=k + 1, device=device)
    # A constant column carries no information, I((X, c); Y) = I(X; Y), but it changes the
    # dimension of each entropy term and with it their biases: drop such columns (all of them: 0).
    xt, yt = _drop_constant_columns(xt), _drop_constant_columns(yt)
    if xt.shape[1] == 0 or yt.shape[1] == 0:
        return 0.0
    ties = tie_message(fn, {"x": xt, "y": yt}) if jitter == 0 else None
    xt, yt = add_jitter(xt, jitter, seed), add_jitter(yt, jitter, seed, offset=1)
    mi = (
        entropy(xt, k, opts, "x")
        + entropy(yt, k, opts, "y")
        - entropy(torch.cat([xt, yt], dim=1), k, opts, "(x, y)")
    )
    if ties is not None:  # after the estimate: a refusal (zero distances) says it alone
        warnings.warn(ties, TiedSamplesWarning, stacklevel=3)
    return mi


def mi_kl(
    x: Any,
    y: Any,
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
    r"""I(X;Y) in nats as :math:`\hat H(X) + \hat H(Y) - \hat H(X, Y)` with :func:`entropy_kl`.

    .. math::
        \hat I = \log\frac{V_{d_x} V_{d_y}}{V_{d_x + d_y}} + \psi(N) - \psi(k)
        + \frac{1}{N}\sum_i \left(d_x \log\rho^x_{i,k} + d_y \log\rho^y_{i,k}
        - (d_x + d_y) \log\rho^{xy}_{i,k}\right)

    Parameters
    ----------
    x : torch.Tensor or numpy.ndarray, shape (N, d_x) or (N,)
    y : torch.Tensor or numpy.ndarray, shape (N, d_y) or (N,)
    k : int, default 1
    method, device, chunk_size, n_jobs, jitter, seed
        As in :func:`entropy_kl` (jitter is drawn independently for x and y).
    whiten : bool, default False
        Whiten each of the three samples (x, y, and the pair) by its own covariance before its
        entropy, as :func:`entropy_kl` does (the log-determinants of x and y cancel against the
        pair's only in part: the pair's covariance holds the dependence). The estimate is then
        invariant under invertible linear maps of x and of y, as the true MI is.

    Returns
    -------
    float
        MI estimate in nats (can be negative).

    Notes
    -----
    The three entropies use neighbourhoods of different sizes, so their biases do not cancel:
    this estimator is usually worse than :func:`mi_ksg` (the motivation of Kraskov et al. 2004), and the
    joint entropy in d_x + d_y dimensions dominates the error.

    **Ties.** Tied samples (exact zeros of ReLU units, saturated or quantized units, discrete
    inputs) violate the continuous-density assumption of Kozachenko & Leonenko and of Kraskov et
    al. (2004), and the estimate then depends on how the ties fall. With ``jitter=0`` (default) a
    :class:`TiedSamplesWarning` is issued when, in some non-constant coordinate of x or y, at
    least 1 % of the samples share their value with another sample; it gives the fraction, how
    many rows of (x, y) occur more than once (jitter does not undo repeated rows) and the
    remedies. ``jitter=1e-10`` breaks the ties with seeded noise of standard deviation
    ``jitter * std`` per coordinate, as scikit-learn's ``mutual_info_regression`` does (1e-10 on
    coordinates scaled to unit variance), and is not checked further; the estimate is then that
    of the jittered samples. Zero distances raise a ``ValueError``, as in :func:`entropy_kl`.

    References
    ----------
    .. [1] A. Kraskov, H. Stoegbauer, P. Grassberger, Phys. Rev. E 69, 066138, 2004, Eqs. (4), (20).
    """
    opts = check_options(k, method, chunk_size, n_jobs, jitter, seed)
    entropy = whitened(entropy_kl_core) if check_bool(whiten, "whiten") else entropy_kl_core
    return _mi_from_entropies(x, y, k, opts, device, jitter, seed, entropy, "mi_kl")


def mi_wkl(
    x: Any,
    y: Any,
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
    r"""I(X;Y) in nats as :math:`\hat H^w(X) + \hat H^w(Y) - \hat H^w(X, Y)` with :func:`entropy_wkl`.

    .. math:: \hat I = \hat H^{w}(X) + \hat H^{w}(Y) - \hat H^{w}(X, Y)

    Each entropy uses the minimum-norm weights for its own dimension (d_x, d_y, d_x + d_y); this is
    the MI estimator of Butakov et al. (2024) applied to compressed representations.

    Parameters
    ----------
    x : torch.Tensor or numpy.ndarray, shape (N, d_x) or (N,)
    y : torch.Tensor or numpy.ndarray, shape (N, d_y) or (N,)
    k : int, default 5
        Must be >= floor((d_x + d_y)/4) + 1 when d_x + d_y >= 4 (see :func:`entropy_wkl`).
    method, device, chunk_size, n_jobs, jitter, seed
        As in :func:`entropy_kl`.
    max_weight_norm : float or None, default 1000
        As in :func:`entropy_wkl`, checked for each of the three entropies (the joint one, in
        d_x + d_y dimensions, has the largest weights: k = 5 is refused from d_x + d_y = 16 on).
    whiten : bool, default False
        As in :func:`mi_kl`; Butakov et al.'s estimator whitens each sample this way.

    Returns
    -------
    float
        MI estimate in nats (can be negative).

    Notes
    -----
    As for :func:`mi_kl`, the biases of the three terms need not cancel; the weighting removes the
    leading terms of each, at the price of a larger variance.

    **Ties.** As in :func:`mi_kl`: tied samples give a :class:`TiedSamplesWarning` unless
    ``jitter`` > 0, zero distances a ``ValueError``.

    References
    ----------
    .. [1] T. B. Berrett, R. J. Samworth, M. Yuan, Ann. Statist. 47(1), 288-318, 2019.
    .. [2] I. Butakov et al., ICLR 2024 (arXiv:2305.08013).
    """
    opts = check_options(k, method, chunk_size, n_jobs, jitter, seed)
    entropy = functools.partial(entropy_wkl_core, max_weight_norm=check_max_norm(max_weight_norm))
    entropy = whitened(entropy) if check_bool(whiten, "whiten") else entropy
    return _mi_from_entropies(x, y, k, opts, device, jitter, seed, entropy, "mi_wkl")


def mi_ksg(
    x: Any,
    y: Any,
    k: int = 5,
    *,
    method: str = "auto",
    device: Any = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    jitter: float = 0.0,
    seed: int = 0,
    standardize: bool = False,
) -> float:
    r"""Kraskov-Stoegbauer-Grassberger estimate of I(X;Y) (algorithm 1), in nats.

    .. math::
        \hat I = \psi(k) + \psi(N) - \frac{1}{N} \sum_{i=1}^{N} \left[\psi(n_{x,i} + 1)
        + \psi(n_{y,i} + 1)\right],

    where :math:`\epsilon_i` is the max-norm distance from :math:`(x_i, y_i)` to its k-th nearest
    neighbour in the joint space, :math:`\|(x, y)\| = \max(\|x\|_\infty, \|y\|_\infty)`, and
    :math:`n_{x,i} = \#\{j \ne i : \|x_j - x_i\|_\infty < \epsilon_i\}` (strictly), likewise
    :math:`n_{y,i}`.

    Parameters
    ----------
    x : torch.Tensor or numpy.ndarray, shape (N, d_x) or (N,)
    y : torch.Tensor or numpy.ndarray, shape (N, d_y) or (N,)
    k : int, default 5
        Neighbour order in the joint space, 1 <= k < N.
    method : {"auto", "tree", "brute", "sort"}, default "auto"
        ``"tree"``: KDTree (Chebyshev) k-NN query, then radius counts with radius
        ``nextafter(eps, 0)``; ``"brute"``: one chunked torch pass computing eps and both counts
        (GPU path); ``"sort"``: marginal counts of 1-D x or y by bisection in the sorted values;
        ``"auto"``: brute on CUDA, else tree with sorting for 1-D marginals.
    device, chunk_size, n_jobs, jitter, seed
        As in :func:`entropy_kl` (jitter is drawn independently for x and y).
    standardize : bool, default False
        Divide every coordinate of x and y by its standard deviation first (constant
        coordinates are left as they are), as scikit-learn's ``mutual_info_regression`` does.
        See the Notes: without it the estimate depends on the relative scale of x and y.

    Returns
    -------
    float
        MI estimate in nats. Not clipped: it can be slightly negative for independent variables
        (scikit-learn's ``mutual_info_regression`` clips at 0).

    Raises
    ------
    ValueError
        Bad input, or a zero radius :math:`\epsilon_i` (k + 1 coincident points in the joint space,
        i.e. discrete data): use ``jitter``.

    Warns
    -----
    TiedSamplesWarning
        Tied samples with ``jitter=0``; see the Notes, **Ties**.

    Notes
    -----
    Invariant under smooth invertible maps of each coordinate only up to its estimation error,
    but the max-norm neighbourhoods make it nearly so for monotone per-coordinate maps. It
    underestimates large MI (strong dependence) at fixed N, by an amount growing with the
    dimension (Gao, Ver Steeg & Galstyan 2015); for independent variables it is close to 0.
    Ties at the radius are excluded (strict count), identically for every method.

    **Scale.** The max-norm joins x and y in one space, so at finite N the estimate depends on
    how x is scaled relative to y (the true MI does not): multiplying x by 10 moved an estimate
    from 0.70 to 0.07 nats at N = 200 in our bad-input sweep. A common scale of x and y changes
    nothing (the neighbourhoods are the same). When coordinates have unrelated units, pass
    ``standardize=True`` (or standardise yourself), as scikit-learn does.

    **Ties.** KSG assumes continuous densities (Kraskov et al. 2004). On tied samples its
    neighbour counts jump at the tied distances: on 2000 pairs with correlation 0.9
    (``gaussian_pair(2000, 0.9, seed=0)``), x ReLU-ed (52 % exact zeros) gives 0.598 nats, 0.577
    with ``jitter=1e-10``; the 4096 distinct 12-bit inputs of the SZT task against a 3-unit tanh
    layer of them (random weights, noise 0.1) give 3.19 and 0.78 (max-norm distances between
    distinct binary rows are all 1, so the radii tie with them). With ``jitter=0`` (default) a
    :class:`TiedSamplesWarning` is issued when, in some non-constant coordinate of x or y, at
    least 1 % of the samples share their value with another sample, with the fraction, how many
    rows of (x, y) occur more than once, and the remedies. ``jitter=1e-10`` breaks the ties with
    seeded noise of standard deviation ``jitter * std`` per coordinate, drawn independently for x
    and y (scikit-learn's ``mutual_info_regression`` adds 1e-10 on coordinates scaled to unit
    variance, "as advised in Kraskov et al."), and is not checked further. Jitter does not undo
    repeated rows: every row of that sample given twice gave 1.22 nats (1.20 jittered) against
    0.81 for the sample itself. A zero radius still raises.

    References
    ----------
    .. [1] A. Kraskov, H. Stoegbauer, P. Grassberger, "Estimating mutual information",
       Phys. Rev. E 69, 066138, 2004, Eq. (8).
    .. [2] S. Gao, G. Ver Steeg, A. Galstyan, "Efficient estimation of mutual information for
       strongly dependent variables", AISTATS 2015.

    Examples
    --------
    >>> from ibcore.ground_truth import gaussian_pair
    >>> x, y, true_mi = gaussian_pair(2000, 0.8, seed=0)
    >>> abs(mi_ksg(x, y, k=5, device="cpu") - true_mi) < 0.05   # 0.49 vs 0.511: bias + 4 sd
    True
    """
    check_options(k, method, chunk_size, n_jobs, jitter, seed)
    # The tree path's work is scikit-learn's, in its own threads; torch's threads would only split
    # the small operations around it, and on a machine shared with other jobs those waited for
    # each other at every operation's end (isfinite on 4e4 numbers: 30 ms instead of 0.1 ms).
    if not isinstance(standardize, bool):
        raise TypeError(f"standardize must be a bool, got {type(standardize).__name__} {standardize!r}")
    with torch_threads(1):
        xt, yt = check_xy(x, y, min_samples=k + 1, device=device)
        ties = tie_message("mi_ksg", {"x": xt, "y": yt}) if jitter == 0 else None
        if standardize:
            sx, sy = scale_safe_moments(xt)[1], scale_safe_moments(yt)[1]
            xt, yt = xt / torch.where(sx > 0, sx, 1.0), yt / torch.where(sy > 0, sy, 1.0)
        xt, yt = add_jitter(xt, jitter, seed), add_jitter(yt, jitter, seed, offset=1)
        z = torch.cat([xt, yt], dim=1)
    if resolve_method(method, z) == "brute":
        eps, nx, ny = ksg_brute(xt, yt, k, chunk_size)
        _check_ksg_radius(eps, k)
    else:
        with torch_threads(1):
            dist, order = knn_tree_ordered(z, k, "chebyshev", n_jobs)
            eps = dist[:, -1]
            _check_ksg_radius(eps, k)
            nx, ny = count_marginals(xt, yt, eps, method, n_jobs, order)
    psi = torch.special.digamma((nx + 1).to(torch.float64)) + torch.special.digamma(
        (ny + 1).to(torch.float64)
    )
    mi = float(special.digamma(k) + special.digamma(xt.shape[0]) - psi.mean().item())
    if ties is not None:  # after the estimate: a refusal (radius 0) says it alone
        warnings.warn(ties, TiedSamplesWarning, stacklevel=2)
    return mi


def _check_ksg_radius(eps: torch.Tensor, k: int) -> None:
    if bool((eps <= 0).any()):
        raise ValueError(
            f"{int((eps <= 0).sum())} point(s) have k={k} or more exact duplicates in the joint (x, y) "
            "space (KSG radius 0): KSG assumes continuous data. Remove duplicates, or pass "
            "jitter=1e-10 (or larger) to break ties with seeded noise scaled to each column."
        )
