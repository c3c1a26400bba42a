"""Matrix-based Renyi alpha-entropy and mutual information (Sanchez Giraldo, Rao & Principe).

The entropy is a functional of the eigenvalues of a normalized Gram matrix of the samples,
so no density is estimated; joint entropies use Hadamard products of Gram matrices. This is
the estimator of the kernel-based information-plane papers (Yu et al.; Wickstrom et al.).
"""

from __future__ import annotations

import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ibcore._device import torch_threads
from ibcore._validation import as_2d, as_tensor, check_int, check_labels, check_positive, check_xy
from ibcore.interface import IXL, IYL

__all__ = ["Renyi", "entropy_renyi", "joint_entropy_renyi", "mi_renyi", "renyi_kernel_width"]

_ROW_BLOCK_ELEMENTS = 1 << 22  # rows x N distances per block in the k-NN width rule
# Matrices per batched eigvalsh call in Renyi.estimate_layer: 3 per epoch, as many epochs as keep
# the batch near 2**24 float64 entries (128 MiB), at least one.
_BATCH_ELEMENTS = 1 << 24


def _flattened(x: Any, name: str) -> Any:
    """(N, ...) samples with ndim > 2 (e.g. conv maps) flattened to (N, D); lists read as tensors."""
    if isinstance(x, (list, tuple)):
        x = as_tensor(x, name)  # the shared reading rules: no complex, strings or ragged rows
    if isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim > 2:
        x = x.reshape(x.shape[0], -1)
    return x


def _as_samples(x: Any, name: str, device: str | torch.device | None) -> torch.Tensor:
    """(N, ...) samples as a float64 (N, D) tensor; ndim > 2 (e.g. conv maps) is flattened."""
    return as_2d(_flattened(x, name), name, device=device, dtype=torch.float64)


def _as_pair(x: Any, y: Any, device: str | torch.device | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Paired (N, ...) samples as float64 (N, Dx), (N, Dy) tensors on one device (:func:`check_xy`).

    x is read whole before y, so that of two bad inputs x is the one reported.
    """
    return check_xy(_as_samples(x, "x", device), _flattened(y, "y"), device=device)


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
    """A = K / tr(K) with K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)); A_ii = 1/N.

    The distances are direct differences (not cdist's |a|^2 + |b|^2 - 2ab form, which overflows
    for data near 1e154 and cancels for tiny scales) and are divided by sigma before squaring, so
    the kernel is the same for data and sigma scaled together by any factor, and sigma -> 0 gives
    K = I (every point its own cluster, S = log N) instead of inf/NaN.
    """
    c = t.abs().max()
    if c == 0:  # all points equal (at 0): K is all ones
        return torch.full((t.shape[0], t.shape[0]), 1.0 / t.shape[0], dtype=t.dtype, device=t.device)
    d = torch.cdist(t / c, t / c, compute_mode="donot_use_mm_for_euclid_dist")  # no overflow: |t/c| <= 1
    z = torch.where(d > 0, d * (c / sigma), 0.0)  # c / sigma may be inf: then z is inf off the diagonal
    k = torch.exp(-0.5 * z.square_())
    return k / torch.diagonal(k).sum()


def _eigvalsh(a: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of a batch (..., N, N) of symmetric matrices; on the CPU, one thread per matrix.

    MKL's multi-threaded ``eigvalsh`` is several times slower than its single-threaded one on the
    near-low-rank Gram matrices of network layers (2 threads vs 1 on our 2-core machine: 5x at
    N = 512, 8x at N = 1024; 13 s vs 0.04 s at N = 600 on a busy machine). So each matrix is
    decomposed by one thread (``torch.set_num_threads(1)`` for the call, then restored) and the
    batch is split over as many Python threads as torch had (LAPACK runs without the GIL). One
    thread per matrix also makes the eigenvalues independent of the thread count. On a GPU the
    batch goes to one ``eigvalsh`` call.
    """
    if a.device.type != "cpu":
        return torch.linalg.eigvalsh(a)
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    workers = max(1, min(torch.get_num_threads(), flat.shape[0]))
    with torch_threads(1):
        if workers == 1:
            lam = torch.linalg.eigvalsh(flat)
        else:
            with ThreadPoolExecutor(workers) as pool:
                lam = torch.cat(list(pool.map(torch.linalg.eigvalsh, torch.tensor_split(flat, workers))))
    return lam.reshape(a.shape[:-1])


def _matrix_entropies(a: torch.Tensor, alpha: float) -> torch.Tensor:
    """S_alpha of each unit-trace PSD matrix of a batch (..., N, N), float64 tensor (...,).

    log(sum_i lambda_i^alpha) / (1 - alpha); the von Neumann entropy at alpha = 1. Every matrix
    entropy here is computed by this function, and its exact value lies in [0, log N] for a
    unit-trace PSD matrix (the eigenvalues are a probability vector). Round-off of the
    eigenvalue routine - which differs between CPUs and BLAS builds - gives tiny eigenvalues of
    either sign where the exact ones are 0 and can put the result a few ulps outside its range
    (e.g. -1e-16, printed as -0.0, for identical points). Eigenvalues below the numerical-rank
    tolerance are set to 0 and the result is clamped into the range, so an exact 0 comes out as
    +0.0 on every machine. One batched ``eigvalsh`` call serves the whole batch (on a GPU, the
    batch is what keeps it busy).
    """
    n = a.shape[-1]
    lam = _eigvalsh(a)
    # A is PSD with unit trace: eigenvalues below the numerical-rank tolerance N eps max(lambda)
    # (numpy.linalg.matrix_rank's) are round-off of zeros, negative ones included; drop them
    tol = n * torch.finfo(lam.dtype).eps * lam.max(dim=-1, keepdim=True).values
    lam = torch.where(lam > tol, lam, 0.0)
    lam = lam / lam.sum(dim=-1, keepdim=True)
    if alpha == 1.0:
        value = -torch.special.xlogy(lam, lam).sum(dim=-1)
    else:
        # log-domain: lambda^alpha underflows for large alpha (alpha = 1000 gave log N, or inf)
        log_lam = torch.where(lam > 0, torch.log(lam), -math.inf)
        value = torch.logsumexp(alpha * log_lam, dim=-1) / (1.0 - alpha)
    return value.clamp(min=0.0, max=math.log(n)) + 0.0  # + 0.0 turns a -0.0 into +0.0


def _matrix_entropy(a: torch.Tensor, alpha: float) -> float:
    """S_alpha(A) of one unit-trace PSD matrix (N, N) as a float (see :func:`_matrix_entropies`)."""
    return float(_matrix_entropies(a, alpha))


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
    Cost O(N^3) time, O(N^2) memory. On a CPU the eigendecomposition runs on one thread:
    MKL's multi-threaded ``eigvalsh`` is much slower for the near-low-rank Gram matrices of
    low-dimensional data (13 s vs 0.04 s single-threaded at N = 600 on our 2-core machine);
    :class:`Renyi` spreads the matrices of many epochs over the CPUs instead.

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
    tx, ty = _as_pair(x, y, device)
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


def subsample_index(n: int, n_subsample: int | None, seed: int = 0) -> torch.Tensor:
    """The rows a :class:`Renyi` estimator uses: ``n_subsample`` of ``range(n)``, drawn once.

    A uniform draw without replacement by ``torch.randperm`` with a generator seeded by
    ``seed``, sorted; it depends only on (n, n_subsample, seed), so every epoch and every layer
    of a run (and every run on the same inputs) use the same samples. ``None``, or a size of at
    least n: all rows.
    """
    if n_subsample is None or n_subsample >= n:
        return torch.arange(n)
    gen = torch.Generator().manual_seed(seed)
    return torch.sort(torch.randperm(n, generator=gen)[:n_subsample]).values


@dataclass(frozen=True)
class Renyi:
    r"""Matrix-based Renyi MI as an :class:`~ibcore.interface.MIEstimator` and layer estimator.

    ``estimate(x, y)`` is :func:`mi_renyi` (x the conditioning variable, y the representation;
    ``sigma_x`` and ``sigma_y`` their kernel widths). ``estimate_layer(acts, x=, y=)`` gives, at
    every recorded epoch of a layer L,

    .. math::

        I_\alpha(X;L) = S_\alpha(A_X) + S_\alpha(A_L) - S_\alpha(n\, A_X \circ A_L), \qquad
        I_\alpha(Y;L) = S_\alpha(A_Y) + S_\alpha(A_L) - S_\alpha(n\, A_Y \circ A_L)

    (:math:`n A \circ B` is the unit-trace joint matrix, since every diagonal entry of a
    normalized Gram matrix is 1/n), with X the flattened inputs and Y the one-hot labels, as
    ``PairwiseMI(mi_renyi, ...)`` computes them epoch by epoch, and equal to it (tested to 1e-9):
    but :math:`S_\alpha(A_X)` and :math:`S_\alpha(A_Y)` are computed once per layer rather than
    once per epoch (3 eigendecompositions per epoch instead of 6); on a CPU the epochs are spread
    over the threads (one-threaded ``eigvalsh`` each, see ``_eigvalsh``), on a GPU batches of
    epochs go through one batched ``eigvalsh``.

    Parameters
    ----------
    alpha : float, default 1.01
        Order alpha > 0 (1.01 as in Yu et al. and Wickstrom et al.).
    sigma_x : float, "silverman", "knn" or None
        Kernel width of the conditioning variable (the inputs X, and the one-hot labels Y, each
        resolved on its own data); ``None`` means ``"silverman"``.
    sigma_y : float, "silverman", "knn" or None
        Kernel width of the representation (the layer), resolved at every epoch.
    k : int, default 10
        Neighbours of the ``"knn"`` width rule.
    n_subsample : int or None, default None
        Use this many of the N inputs (:func:`subsample_index`: drawn once, the same for every
        epoch and layer). The estimate stays exact for the subsample - an exact eigendecomposition
        of an n x n matrix, no low-rank approximation - and the cost falls as n^3: at
        N = 4096 a chapter-0 run (212 epochs x 6 layers) takes hours on a CPU, at n = 512 one to
        two minutes on our 2 cores (``benchmarks/speed.py``). The kernel papers estimate on
        mini-batches of 100-500 samples (Yu et al. 2020; Wickstrom et al. 2019); the appendix
        page shows how the estimate moves with n. ``None``: all N inputs.
    seed : int, default 0
        Seed of the subsample.
    device : str or torch.device, optional
        Where the Gram matrices and eigendecompositions are computed (default: the data's device).

    Notes
    -----
    The values depend on n: with a fixed width the entropies grow with the number of samples
    (at most log n), so compare estimates at one n. The subsample is uniform; the labels of a
    small subsample may be unbalanced by chance.

    References
    ----------
    .. [1] L. G. Sanchez Giraldo, M. Rao and J. C. Principe, IEEE Trans. Inf. Theory 61(1), 2015.
    .. [2] S. Yu, K. Wickstrom, R. Jenssen and J. C. Principe, IEEE TNNLS 2020 (arXiv:1804.06537).
    .. [3] K. Wickstrom et al., arXiv:1909.11396, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> est = Renyi(n_subsample=64)
    >>> acts = np.random.default_rng(0).standard_normal((3, 200, 2))    # 3 epochs, 200 inputs
    >>> x, y = np.eye(200), np.arange(200) % 2
    >>> out = est.estimate_layer(acts, x=x, y=y)
    >>> out["I(X;L)"].shape, bool((out["I(Y;L)"] <= out["I(X;L)"] + 1e-9).all())
    ((3,), True)
    """

    alpha: float = 1.01
    sigma_x: float | str | None = None
    sigma_y: float | str | None = None
    k: int = 10
    n_subsample: int | None = None
    seed: int = 0
    device: str | torch.device | None = None

    def __post_init__(self) -> None:
        _check_alpha(self.alpha)
        check_int(self.k, "k", minimum=1)
        check_int(self.seed, "seed", minimum=0)
        if self.n_subsample is not None:
            check_int(self.n_subsample, "n_subsample", minimum=2)
        for name in ("sigma_x", "sigma_y"):
            value = getattr(self, name)
            if isinstance(value, str) and value not in ("silverman", "knn"):
                raise ValueError(f"unknown {name}={value!r}; choose 'knn', 'silverman' or a positive float")
            if value is not None and not isinstance(value, str):
                _resolve_sigma(torch.zeros(2, 1), value, name, self.k)

    @property
    def name(self) -> str:
        sub = f", {self.n_subsample} inputs" if self.n_subsample is not None else ""
        return f"Renyi (alpha {self.alpha:g}{sub})"

    def _options(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "sigma_x": self.sigma_x, "sigma_y": self.sigma_y, "k": self.k}

    def estimate(self, x: Any, y: Any) -> float:
        """:func:`mi_renyi` of x and y in nats, on the subsample's rows when ``n_subsample`` is set."""
        tx, ty = _as_pair(x, y, self.device)
        idx = subsample_index(tx.shape[0], self.n_subsample, self.seed).to(tx.device)
        return mi_renyi(tx[idx], ty[idx], device=self.device, **self._options())

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """I(X;L) and I(Y;L) of a layer (E, N, d) at every epoch, arrays (E,) in nats."""
        a = _as_epochs(acts, self.device)
        e, n = a.shape[0], a.shape[1]
        idx = subsample_index(n, self.n_subsample, self.seed).to(a.device)
        labels = check_labels(y, "y", n=n, device=a.device)
        onehot = torch.nn.functional.one_hot(torch.unique(labels, return_inverse=True)[1]).double()
        tx = _as_samples(x, "x", a.device)
        if tx.shape[0] != n:
            raise ValueError(f"x has {tx.shape[0]} rows, the layer has {n} samples: they must match")
        m = idx.numel()
        ax = _normalized_gram(tx[idx], _resolve_sigma(tx[idx], self.sigma_x, "sigma_x", self.k))
        ay = _normalized_gram(onehot[idx], _resolve_sigma(onehot[idx], self.sigma_x, "sigma_x", self.k))
        s_x, s_y = _matrix_entropies(torch.stack([ax, ay]), self.alpha)

        def terms(layer: torch.Tensor) -> torch.Tensor:
            """S(A_L), S(joint with X), S(joint with Y) of a batch of epochs (b, m, d): (3, b)."""
            al = torch.stack(
                [_normalized_gram(t, _resolve_sigma(t, self.sigma_y, "sigma_y", self.k)) for t in layer]
            )
            # tr(A o B) = sum_i (1/m)(1/m) = 1/m: m A o B has unit trace
            s = _matrix_entropies(torch.cat([al, m * (ax * al), m * (ay * al)]), self.alpha)
            return s.reshape(3, len(al)).cpu()

        threads = torch.get_num_threads() if a.device.type == "cpu" else 1
        if threads > 1:
            # CPU: one epoch per task on one-threaded torch (Gram matrices and eigvalsh alike), the
            # epochs spread over the threads: no thread waits for another inside an epoch's many
            # small operations, and each result is independent of the thread count
            with torch_threads(1), ThreadPoolExecutor(threads) as pool:
                parts = list(pool.map(lambda i: terms(a[i : i + 1, idx]), range(e)))
        else:  # a GPU (or one thread): batches of epochs through one eigvalsh call
            per_batch = max(1, _BATCH_ELEMENTS // (3 * m * m))
            parts = [terms(a[start : start + per_batch, idx]) for start in range(0, e, per_batch)]
        s_l, s_xl, s_yl = torch.cat(parts, dim=1).double().numpy()
        return {IXL: float(s_x) + s_l - s_xl + 0.0, IYL: float(s_y) + s_l - s_yl + 0.0}


def _as_epochs(acts: Any, device: str | torch.device | None) -> torch.Tensor:
    """A recorded layer (E, N, ...) as a float64 (E, N, D) tensor (feature maps flattened)."""
    if isinstance(acts, (list, tuple)):
        acts = np.asarray(acts, dtype=np.float64)
    if isinstance(acts, (np.ndarray, torch.Tensor)) and acts.ndim > 3:
        acts = acts.reshape(acts.shape[0], acts.shape[1], -1)
    t = as_2d(acts, "acts", device=device, dtype=torch.float64, allow_batch=True)
    return t if t.ndim == 3 else t[None]
