"""Kernel-density (KDE) entropy and MI estimators with data-driven bandwidths (Butakov et al. 2024).

The entropy is the leave-one-out resubstitution estimate

.. math::

    \\hat H = -\\frac1N \\sum_i \\log \\hat f_{-i}(x_i), \\qquad
    \\hat f_{-i}(x) = \\frac1{N-1} \\sum_{j \\ne i} \\varphi_h(x - x_j),

of a Gaussian-kernel density with one bandwidth ``h`` on every coordinate, as in the authors'
``KDEFunctional`` (VanessB/Information-v3: source/python/mutinfo/estimators/functional.py,
``get_loo_densities``), on the sample whitened by its own covariance (their ``rescale=True``;
:math:`\\tfrac12\\log\\det\\hat\\Sigma` added back). The bandwidth is chosen on a log grid by

* ``"ml"``: leave-one-out maximum likelihood, the ``h`` maximising
  :math:`\\frac1N\\sum_i\\log\\hat f_{-i}(x_i)` (their ``bandwidth_algorithm='loo_ml'``);
* ``"lscv"``: least-squares cross-validation (their ``'loo_lsq'``), by its Gaussian-kernel closed
  form :math:`\\mathrm{LSCV}(h) = \\frac1{N^2}\\sum_{i,j}\\varphi_{\\sqrt2 h}(x_i - x_j) -
  \\frac2{N(N-1)}\\sum_{i\\ne j}\\varphi_h(x_i - x_j)` (Silverman 1986, Sec. 3.4.3);
* a float: that bandwidth (in whitened units).

Written here rather than taken from a library: scikit-learn's :class:`~sklearn.neighbors.KernelDensity`
selects bandwidths only by k-fold cross-validation (not the authors' leave-one-out), scipy has
neither criterion, and statsmodels (which has LSCV) is not a dependency. Both criteria share one
pass over the pairwise distances, in torch on ``device``, in row blocks (memory O(block x N)).

:func:`mi_kde_loo` is :math:`\\hat H(X) + \\hat H(Y) - \\hat H(X, Y)`. Cost O(N^2 d) per entropy.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ibcore._device import resolve_device
from ibcore._validation import as_tensor, check_choice

__all__ = ["BANDWIDTHS", "kde_bandwidth", "kde_entropy", "mi_kde_loo"]

BANDWIDTHS = ("ml", "lscv")
# the bandwidth grid: these multiples of Silverman's factor N^(-1/(d+4)) (whitened units)
_GRID = torch.logspace(math.log10(0.05), math.log10(2.0), 40, dtype=torch.float64)
_BLOCK = 1024


def _sample(x: Any, name: str, device: torch.device) -> torch.Tensor:
    a = as_tensor(x, name).to(device, torch.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or len(a) < 3:
        raise ValueError(f"{name} must be (N, d) with N >= 3, got shape {tuple(a.shape)}")
    if not torch.isfinite(a).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def _whiten(a: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The sample whitened by its covariance and :math:`\\tfrac12\\log\\det\\hat\\Sigma`."""
    centred = a - a.mean(dim=0)
    cov = centred.T @ centred / (len(a) - 1)
    eig = torch.linalg.eigvalsh(cov)
    if not bool(eig[0] > 1e-12 * eig[-1]):
        raise ValueError("the sample's covariance is singular: it lies in a subspace (infinite MI)")
    chol = torch.linalg.cholesky(cov)
    white = torch.linalg.solve_triangular(chol, centred.T, upper=False).T
    return white, float(torch.log(eig).sum()) / 2


def _block_sq_dists(a: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    return torch.cdist(a[start:stop], a).square()


def _criteria(a: torch.Tensor, hs: torch.Tensor, *, lscv: bool) -> torch.Tensor:
    """Per bandwidth of ``hs``: the mean leave-one-out log density, or the LSCV score."""
    n, d = a.shape
    hs = hs.to(a.device)
    acc = torch.zeros(len(hs), dtype=torch.float64, device=a.device)
    wide = torch.zeros_like(acc)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        d2 = _block_sq_dists(a, start, stop)
        rows = torch.arange(stop - start, device=a.device)
        diag = torch.zeros_like(d2, dtype=torch.bool)
        diag[rows, rows + start] = True
        for k, h in enumerate(hs):
            e = -d2 / (2 * h * h)
            if lscv:
                wide[k] += torch.exp(e / 2).sum()
                acc[k] += torch.exp(e.masked_fill(diag, -math.inf)).sum()
            else:
                acc[k] += torch.logsumexp(e.masked_fill(diag, -math.inf), dim=1).sum()
    if lscv:
        c_wide = (4 * math.pi * hs**2) ** (-d / 2)
        c_loo = (2 * math.pi * hs**2) ** (-d / 2)
        return c_wide * wide / n**2 - 2 * c_loo * acc / (n * (n - 1))
    return acc / n - d / 2 * torch.log(2 * math.pi * hs**2) - math.log(n - 1)


def _grid(a: torch.Tensor) -> torch.Tensor:
    n, d = a.shape
    return _GRID * n ** (-1.0 / (d + 4)) * float(a.var(dim=0).mean().sqrt())


def kde_bandwidth(
    x: Any, method: str = "ml", *, whiten: bool = True, device: str | torch.device | None = None
) -> float:
    """The bandwidth of ``method`` (``"ml"`` or ``"lscv"``, see the module) for the sample ``x``
    (N, d), in the units the estimate works in (whitened when ``whiten``): the best of 40
    log-spaced values from 0.05 to 2 times Silverman's factor :math:`N^{-1/(d+4)}` (times the
    sample's RMS scale).

    Raises
    ------
    ValueError
        An unknown ``method``, fewer than 3 samples, non-finite values, a singular covariance.
    """
    check_choice(method, "method", BANDWIDTHS)
    a = _sample(x, "x", resolve_device(device))
    if whiten:
        a, _ = _whiten(a)
    hs = _grid(a)
    scores = _criteria(a, hs, lscv=method == "lscv")
    best = int(torch.argmin(scores)) if method == "lscv" else int(torch.argmax(scores))
    return float(hs[best])


def kde_entropy(
    x: Any,
    bandwidth: str | float = "ml",
    *,
    whiten: bool = True,
    device: str | torch.device | None = None,
) -> float:
    """Leave-one-out Gaussian-KDE entropy of ``x`` (N, d) in nats (see the module).

    Parameters
    ----------
    x : array or tensor, shape (N, d) or (N,)
    bandwidth : {"ml", "lscv"} or float, default "ml"
        The selection rule, or a bandwidth > 0 in the units of the (whitened) sample.
    whiten : bool, default True
        Whiten by the sample covariance first (its log-determinant is added back).
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.

    Raises
    ------
    ValueError
        Fewer than 3 samples, non-finite values, a singular covariance (with ``whiten``), an
        unknown bandwidth rule or a bandwidth that is not positive.
    """
    a = _sample(x, "x", resolve_device(device))
    shift = 0.0
    if whiten:
        a, shift = _whiten(a)
    if isinstance(bandwidth, str):
        check_choice(bandwidth, "bandwidth", BANDWIDTHS)
        hs = _grid(a)
        scores = _criteria(a, hs, lscv=bandwidth == "lscv")
        h = hs[int(torch.argmin(scores)) if bandwidth == "lscv" else int(torch.argmax(scores))]
        if bandwidth == "ml":  # the criterion is the mean log density itself
            return float(-scores.max()) + shift
    else:
        h = float(bandwidth)
        if not (h > 0 and math.isfinite(h)):
            raise ValueError(f"bandwidth must be 'ml', 'lscv' or a positive number, got {bandwidth!r}")
    mean_log_density = _criteria(a, torch.tensor([float(h)], dtype=torch.float64), lscv=False)[0]
    return float(-mean_log_density) + shift


def mi_kde_loo(
    x: Any,
    y: Any,
    bandwidth: str | float = "ml",
    *,
    whiten: bool = True,
    device: str | torch.device | None = None,
) -> float:
    """:math:`\\hat H(X) + \\hat H(Y) - \\hat H(X, Y)` by :func:`kde_entropy`, in nats.

    Each of the three entropies selects its own bandwidth (when ``bandwidth`` is a rule).

    Raises
    ------
    ValueError
        ``x`` and ``y`` with different numbers of samples, and the errors of :func:`kde_entropy`.
    """
    dev = resolve_device(device)
    a, b = _sample(x, "x", dev), _sample(y, "y", dev)
    if len(a) != len(b):
        raise ValueError(f"x and y must have the same number of samples, got {len(a)} and {len(b)}")
    joint = torch.cat([a, b], dim=1)
    return (
        kde_entropy(a, bandwidth, whiten=whiten, device=dev)
        + kde_entropy(b, bandwidth, whiten=whiten, device=dev)
        - kde_entropy(joint, bandwidth, whiten=whiten, device=dev)
    )
