"""Matrix-based Renyi alpha-entropy and mutual information (Sanchez Giraldo, Rao & Principe).

The entropy is a functional of the eigenvalues of a normalized Gram matrix of the samples,
so no density is estimated; joint entropies use Hadamard products of Gram matrices. This is
the estimator of the kernel-based information-plane papers (Yu et al.; Wickstrom et al.).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch

from ibcore._validation import as_2d, check_int, check_positive

__all__ = ["entropy_renyi", "joint_entropy_renyi", "mi_renyi", "renyi_kernel_width"]

_ROW_BLOCK_ELEMENTS = 1 << 22  # rows x N distances per block in the k-NN width rule


def _as_samples(x: Any, name: str, device: str | torch.device | None) -> torch.Tensor:
    """(N, ...) samples as a float64 (N, D) tensor; ndim > 2 (e.g. conv maps) is flattened."""
    if isinstance(x, (list, tuple)):
        x = np.asarray(x, dtype=np.float64)
    if isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim > 2:
        x = x.reshape(x.shape[0], -1)
    return as_2d(x, name, device=device, dtype=torch.float64)


def _check_alpha(alpha: Any) -> float:
    return check_positive(alpha, "alpha")


def _knn_width(x: torch.Tensor, k: int) -> float:
    """Mean over samples of the mean distance to their k nearest neighbours (self excluded)."""
    n = x.shape[0]
    k = min(k, n - 1)
    rows = max(1, _ROW_BLOCK_ELEMENTS // n)
    total = torch.zeros((), dtype=x.dtype, device=x.device)
    for s in range(0, n, rows):
        d = torch.cdist(x[s : s + rows], x)
        # the k + 1 smallest include the sample itself (distance 0); drop the smallest one
        total += torch.topk(d, k + 1, dim=1, largest=False).values[:, 1:].mean(dim=1).sum()
    return float(total / n)


def renyi_kernel_width(
    x: Any, rule: str = "silverman", *, k: int = 10, device: str | torch.device | None = None
) -> float:
    r"""Gaussian kernel width sigma for the matrix-based entropy of samples x.

    .. math::

        \sigma_{\rm knn} = \frac1N \sum_i \frac1k \sum_{j \in {\rm kNN}(i)} \|x_i - x_j\|,
        \qquad
        \sigma_{\rm silverman} = \bar s \left(\frac{4}{d+2}\right)^{\frac1{d+4}} N^{-\frac1{d+4}}

    Parameters
    ----------
    x : array or tensor, shape (N,), (N, d) or (N, ...)
        Samples; more than two dimensions are flattened per sample.
    rule : {"silverman", "knn"}, default "silverman"
        ``"silverman"``: Silverman's normal-reference rule with :math:`\bar s` the mean
        per-coordinate standard deviation (Sanchez Giraldo et al. 2015 and Yu et al. use
        Silverman's rule :math:`\sigma = \gamma N^{-1/(4+d)}`). ``"knn"``: mean distance to
        the k nearest neighbours (Wickstrom et al. 2019 choose sigma from nearest-neighbour
        distances so that it follows the scale of wide layers).
    k : int, default 10
        Neighbours for ``"knn"`` (capped at N - 1).
    device : str or torch.device, optional

    Returns
    -------
    float
        sigma > 0. Degenerate data (all points equal, or zero k-NN distances) give a tiny
        positive width, so that equal points have kernel 1 and distinct ones kernel ~0.

    Notes
    -----
    Silverman's rule suits low dimensions; for d >~ 10 it tends to the data's standard
    deviation while squared distances grow like 2 d s^2, so the Gram matrix becomes nearly
    diagonal and every entropy saturates at log N (e.g. d = 20, N = 1000). Use ``"knn"`` for
    wide layers: its width grows with the distances. In one or two dimensions the k-NN width
    is tiny (about k / N of the data's range) and entropies again approach log N.
    We could not check the exact k of Wickstrom et al. in the sources available to us;
    k = 10 is our default.
    """
    if rule not in ("knn", "silverman"):
        raise ValueError(f"unknown sigma rule {rule!r}; choose 'knn', 'silverman' or a positive float")
    k = check_int(k, "k", minimum=1)
    t = _as_samples(x, "x", device)
    n, d = t.shape
    if n < 2:
        return 1.0
    if rule == "knn":
        sigma = _knn_width(t, k)
    else:
        s = float(t.std(dim=0).mean())
        sigma = s * (4.0 / (d + 2)) ** (1.0 / (d + 4)) * n ** (-1.0 / (d + 4))
    scale = float(t.abs().max())
    return max(sigma, 1e-12 * (1.0 + scale))


def _resolve_sigma(t: torch.Tensor, sigma: Any, name: str, k: int) -> float:
    if sigma is None:
        sigma = "silverman"
    if isinstance(sigma, str):
        return renyi_kernel_width(t, sigma, k=k)
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"{name} must be None, 'silverman', 'knn' or a positive float, got {sigma!r}")
    return check_positive(sigma, name)


def _normalized_gram(t: torch.Tensor, sigma: float) -> torch.Tensor:
    """A = K / tr(K) with K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)); A_ii = 1/N."""
    k = torch.exp(-torch.cdist(t, t).square_() / (2.0 * sigma * sigma))
    return k / torch.diagonal(k).sum()


def _matrix_entropy(a: torch.Tensor, alpha: float) -> float:
    """S_alpha(A) = log(sum_i lambda_i^alpha) / (1 - alpha); von Neumann entropy at alpha = 1.

    Every matrix entropy here is computed by this function, and its exact value lies in
    [0, log N] for a unit-trace PSD matrix (the eigenvalues are a probability vector). Round-off
    of the eigenvalue routine - which differs between CPUs and BLAS builds - gives tiny
    eigenvalues of either sign where the exact ones are 0 and can put the result a few ulps
    outside its range (e.g. -1e-16, printed as -0.0, for identical points). Eigenvalues below
    the numerical-rank tolerance are set to 0 and the result is clamped into the range, so an
    exact 0 comes out as +0.0 on every machine.
    """
    n = a.shape[0]
    lam = torch.linalg.eigvalsh(a)
    # A is PSD with unit trace: eigenvalues below the numerical-rank tolerance N eps max(lambda)
    # (numpy.linalg.matrix_rank's) are round-off of zeros, negative ones included; drop them
    lam = torch.where(lam > n * torch.finfo(lam.dtype).eps * lam.max(), lam, 0.0)
    lam = lam / lam.sum()
    if alpha == 1.0:
        value = float(-torch.special.xlogy(lam, lam).sum())
    else:
        value = float(torch.log(torch.pow(lam[lam > 0], alpha).sum()) / (1.0 - alpha))
    return min(max(value, 0.0), math.log(n)) + 0.0  # + 0.0 turns a -0.0 into +0.0


def entropy_renyi(
    x: Any,
    *,
    alpha: float = 1.01,
    sigma: float | str | None = None,
    k: int = 10,
    device: str | torch.device | None = None,
) -> float:
    r"""Matrix-based Renyi alpha-entropy of samples x (nats).

    .. math::

        K_{ij} = e^{-\|x_i - x_j\|^2 / 2\sigma^2},\quad A = \frac{K}{\operatorname{tr} K},
        \quad S_\alpha(A) = \frac{1}{1-\alpha}\log \sum_i \lambda_i(A)^\alpha

    (Sanchez Giraldo et al. 2015; Geiger 2021, Eq. 5a). Since K_ii = 1,
    :math:`A_{ij} = K_{ij} / N` and A has unit trace. At ``alpha == 1`` the von Neumann
    entropy :math:`-\sum_i \lambda_i \log \lambda_i` (the alpha -> 1 limit) is returned.

    Parameters
    ----------
    x : array or tensor, shape (N,), (N, d) or (N, C, H, W, ...)
        Samples. Higher-dimensional samples (convolutional feature maps) are flattened: the
        Gaussian kernel of the flattened vectors is the tensor kernel of Wickstrom et al. (2019)
        built on the Frobenius distance between the (C, H, W) tensors.
    alpha : float, default 1.01
        Order alpha > 0 (1.01 as in Yu et al. and Wickstrom et al., close to Shannon).
    sigma : float, "silverman", "knn" or None
        Kernel width; ``None`` means ``"silverman"`` (see :func:`renyi_kernel_width`; use
        ``"knn"`` for wide layers).
    k : int, default 10
        Neighbours of the ``"knn"`` rule.
    device : str or torch.device, optional

    Returns
    -------
    float
        :math:`0 \le S_\alpha \le \log N` nats.

    Notes
    -----
    The value depends on sigma (and alpha) as much as on the data: sigma -> 0 gives log N
    (every point its own "cluster"), sigma -> infinity gives 0. It is not a consistent
    estimator of a differential entropy but an RKHS functional of the sample (Sanchez Giraldo
    et al. 2015). Eigenvalues come from ``torch.linalg.eigvalsh``; tiny negative ones
    produced by round-off (below N eps max(lambda)) are set to 0, and the entropy is clamped
    into its exact range
    [0, log N], so round-off never yields a negative entropy or -0.0 on any CPU or BLAS.
    Cost O(N^3) time, O(N^2) memory. On a busy CPU,
    MKL's multi-threaded ``eigvalsh`` can be very slow for the near-low-rank Gram matrices of
    low-dimensional data (13 s vs 0.04 s single-threaded at N = 600 on our 2-core machine);
    ``torch.set_num_threads(1)`` or a GPU avoids it.

    References
    ----------
    .. [1] L. G. Sanchez Giraldo, M. Rao and J. C. Principe, "Measures of entropy from data
       using infinitely divisible kernels", IEEE Trans. Inf. Theory 61(1), 2015.
    .. [2] S. Yu, K. Wickstrom, R. Jenssen and J. C. Principe, "Understanding convolutional
       neural networks with information theory: an initial exploration", IEEE TNNLS 2020
       (arXiv:1804.06537).
    .. [3] K. Wickstrom et al., "Information plane analysis of deep neural networks via
       matrix-based Renyi's entropy and tensor kernels", arXiv:1909.11396, 2019.
    .. [4] B. C. Geiger, IEEE TNNLS 2021, Eqs. (5a)-(5b).

    Examples
    --------
    >>> import numpy as np
    >>> entropy_renyi(np.zeros((8, 2)), sigma=1.0) < 1e-12            # identical points: 0
    True
    >>> abs(entropy_renyi(np.arange(8.0) * 100, sigma=1.0) - math.log(8)) < 1e-9   # far apart: log 8
    True
    """
    alpha = _check_alpha(alpha)
    k = check_int(k, "k", minimum=1)
    t = _as_samples(x, "x", device)
    s = _resolve_sigma(t, sigma, "sigma", k)
    return _matrix_entropy(_normalized_gram(t, s), alpha)


def _pair_grams(
    x: Any, y: Any, sigma_x: Any, sigma_y: Any, k: int, device: str | torch.device | None
) -> tuple[torch.Tensor, torch.Tensor]:
    tx = _as_samples(x, "x", device)
    ty = _as_samples(y, "y", tx.device if device is None else device)
    if tx.shape[0] != ty.shape[0]:
        raise ValueError(f"x has {tx.shape[0]} rows, y has {ty.shape[0]}: they must hold the same samples")
    ax = _normalized_gram(tx, _resolve_sigma(tx, sigma_x, "sigma_x", k))
    ay = _normalized_gram(ty, _resolve_sigma(ty, sigma_y, "sigma_y", k))
    return ax, ay


def joint_entropy_renyi(
    x: Any,
    y: Any,
    *,
    alpha: float = 1.01,
    sigma_x: float | str | None = None,
    sigma_y: float | str | None = None,
    k: int = 10,
    device: str | torch.device | None = None,
) -> float:
    r"""Matrix-based joint Renyi alpha-entropy of paired samples (x_i, y_i), in nats.

    .. math:: S_\alpha(A, B) = S_\alpha\!\left(\frac{A \circ B}{\operatorname{tr}(A \circ B)}\right)

    with A, B the normalized Gram matrices of x and y (Sanchez Giraldo et al. 2015;
    Yu et al.). Parameters as in :func:`entropy_renyi`, with separate kernel widths
    ``sigma_x`` and ``sigma_y``.

    Returns
    -------
    float
        Nats. At least :math:`\max(S_\alpha(A), S_\alpha(B))` (Sanchez Giraldo et al. 2015).
        At most :math:`S_\alpha(A) + S_\alpha(B)` in all our checks with alpha <= 1.01
        (300 random cases), but for alpha > 1 it can exceed the sum: we see this at
        alpha = 2 and 5 in small samples.
    """
    alpha = _check_alpha(alpha)
    k = check_int(k, "k", minimum=1)
    ax, ay = _pair_grams(x, y, sigma_x, sigma_y, k, device)
    h = ax * ay
    return _matrix_entropy(h / torch.diagonal(h).sum(), alpha)


def mi_renyi(
    x: Any,
    y: Any,
    *,
    alpha: float = 1.01,
    sigma_x: float | str | None = None,
    sigma_y: float | str | None = None,
    k: int = 10,
    device: str | torch.device | None = None,
) -> float:
    r"""Matrix-based Renyi alpha-order mutual information of paired samples, in nats.

    .. math::

        I_\alpha(X;Y) = S_\alpha(A) + S_\alpha(B)
        - S_\alpha\!\left(\frac{A\circ B}{\operatorname{tr}(A\circ B)}\right)

    (Sanchez Giraldo et al. 2015; Yu et al.; Geiger 2021, Eq. 5b).

    Parameters
    ----------
    x, y : arrays or tensors, shape (N, ...)
        Paired samples; more than two dimensions are flattened per sample (tensor kernel of
        Wickstrom et al. 2019). For labels, pass one-hot vectors.
    alpha : float, default 1.01
    sigma_x, sigma_y : float, "silverman", "knn" or None
        Kernel widths for x and y (``None``: ``"silverman"``; use ``"knn"`` for wide layers).
    k : int, default 10
        Neighbours of the ``"knn"`` rule.
    device : str or torch.device, optional

    Returns
    -------
    float
        Nats; symmetric in (x, y) when the widths are swapped along. Each of the three entropies
        is clamped into [0, log N] (see :func:`entropy_renyi`); the difference is not.

    Notes
    -----
    :math:`I_\alpha \le \min(S_\alpha(A), S_\alpha(B))` always, and :math:`I_\alpha \ge 0`
    for alpha <= 1 (about so at alpha = 1.01); for larger alpha it can be negative (see
    :func:`joint_entropy_renyi`). Different widths for
    different variables change the scale of each entropy; comparing I(X;L) with I(Y;L) is only
    meaningful with the widths in mind (Geiger 2021, footnote 2).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((50, 1))
    >>> mi_renyi(x, x) > mi_renyi(x, np.random.default_rng(1).standard_normal((50, 1)))
    True
    """
    alpha = _check_alpha(alpha)
    k = check_int(k, "k", minimum=1)
    ax, ay = _pair_grams(x, y, sigma_x, sigma_y, k, device)
    h = ax * ay
    return (
        _matrix_entropy(ax, alpha)
        + _matrix_entropy(ay, alpha)
        - _matrix_entropy(h / torch.diagonal(h).sum(), alpha)
    ) + 0.0
