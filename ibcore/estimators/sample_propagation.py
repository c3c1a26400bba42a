"""Sample-propagation estimate of I(X; T) in noisy networks, after Goldfeld et al. (ICML 2019).

In a *noisy* network every layer adds isotropic Gaussian noise, T_l = f_l(T_{l-1}) + Z_l with
Z_l ~ N(0, beta_l^2 I), so I(X; T_l) is finite and depends on the weights. Given samples of the
noiseless layer output S_l = f_l(T_{l-1}), the law of T_l is approximated by the Gaussian mixture
centred on those samples, whose entropy is computed by Monte Carlo integration (Goldfeld,
Greenewald & Polyanskiy 2018). Samples of S_l given X = x_i are obtained by feeding x_i through
the noisy network several times: "sample propagation".
"""

from __future__ import annotations

import copy
import math
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from ibcore._validation import as_2d, as_groups, as_layer_batch, check_int, check_positive
from ibcore.interface import IXL, IYL

__all__ = ["MCEntropy", "SPResult", "SamplePropagation", "entropy_gaussian_mixture", "mi_sample_propagation"]

# Elements of one (mixtures, query rows, centres) block of squared distances (~32 MB in float64).
_BLOCK_ELEMENTS = 1 << 22
# The cdist fast path is used while its rounding error in a log-kernel stays below this (nats).
_MM_TOLERANCE = 1e-9
_EPS64 = float(torch.finfo(torch.float64).eps)
# At most this many bytes of MC points (noise, points, log-densities), and at most half the device.
_MC_MEMORY_CAP = 16 * 2**30


class MCEntropy(NamedTuple):
    """A Monte Carlo entropy estimate and its standard error, both in nats."""

    estimate: float
    stderr: float


class SPResult(NamedTuple):
    """Sample-propagation estimate of I(X; T_l), in nats.

    ``mi = h_t - h_t_given_x``; ``stderr`` is the Monte Carlo standard error of ``mi`` (the two
    entropy estimates use independent draws, so their variances add). It does not include the
    plug-in error of replacing the law of S_l by its samples (see :func:`mi_sample_propagation`).
    """

    mi: float
    h_t: float
    h_t_given_x: float
    stderr: float


def _gaussian_entropy(d: int, beta: float) -> float:
    """h(N(0, beta^2 I_d)) = d/2 log(2 pi e beta^2), nats; via log beta where beta^2 under/overflows."""
    if 0.0 < beta * beta < math.inf:
        return 0.5 * d * math.log(2.0 * math.pi * math.e * beta * beta)
    return 0.5 * d * math.log(2.0 * math.pi * math.e) + d * math.log(beta)


def _fast_path_is_exact(centres: torch.Tensor, beta: float) -> bool:
    """Whether torch.cdist's matrix-product distances are accurate enough for this mixture.

    ``cdist`` computes |q|^2 + |c|^2 - 2 q.c, whose rounding error is about eps (|q|^2 + |c|^2)
    in absolute terms. Divided by 2 beta^2 that is the error in every log-kernel: harmless at
    ordinary scales, thousands of nats when beta is tiny next to the data (beta = 1e-10 with data
    of size 1). Below ``_MM_TOLERANCE`` nats the fast path is kept; otherwise the residuals are
    formed directly (:func:`_log_kernel_sums_direct`).
    """
    b2 = beta * beta
    if not (b2 > 0.0 and math.isfinite(b2 * 1e3)):
        return False
    r2 = float(centres.square().sum(dim=-1).max())
    if not math.isfinite(r2):
        return False
    d = centres.shape[-1]
    q2 = (math.sqrt(r2) + beta * (math.sqrt(d) + 8.0)) ** 2  # MC points lie within ~8 sd
    return 4.0 * _EPS64 * (q2 + r2) / (2.0 * b2) < _MM_TOLERANCE


def _log_kernel_sums_mm(
    centres: torch.Tensor, noise: torch.Tensor, beta: float, n_mc: int, blocks: tuple[int, int, int]
) -> torch.Tensor:
    """log sum_j exp(-|q - c_j|^2 / (2 beta^2)) for every MC point q, by cdist (fast path)."""
    b, n, _ = centres.shape
    n_q = noise.shape[1]
    mix, rows, cols = blocks
    queries = centres.repeat_interleave(n_mc, dim=1).add_(noise, alpha=beta)  # point m of comp. i at i*n_mc+m
    inv_two_var = 1.0 / (2.0 * beta * beta)
    out = torch.empty((b, n_q), dtype=centres.dtype, device=centres.device)
    for m0 in range(0, b, mix):
        c_m = centres[m0 : m0 + mix]
        for r0 in range(0, n_q, rows):
            q = queries[m0 : m0 + mix, r0 : r0 + rows]
            acc = None
            for c0 in range(0, n, cols):
                # log of the unnormalised kernel sum over this block of centres
                d2 = torch.cdist(q, c_m[:, c0 : c0 + cols]).square_()
                lk = torch.logsumexp(d2.mul_(-inv_two_var), dim=-1)
                acc = lk if acc is None else torch.logaddexp(acc, lk)
            out[m0 : m0 + mix, r0 : r0 + rows] = acc
    return out


def _log_kernel_sums_direct(
    centres: torch.Tensor, noise: torch.Tensor, beta: float, n_mc: int, blocks: tuple[int, int, int]
) -> torch.Tensor:
    """The same sums from the scaled residuals (c_i - c_j) / beta + z, exact at any scale.

    The MC point of component i is c_i + beta z, so its scaled distance to c_j is
    |(c_i - c_j) / beta + z|: nothing cancels, nothing is squared before the division by beta,
    and residuals that overflow are +-inf, whose kernel is exactly 0.
    """
    b, n, _ = centres.shape
    n_q = noise.shape[1]
    mix, rows, cols = blocks
    out = torch.empty((b, n_q), dtype=centres.dtype, device=centres.device)
    comp_of = torch.arange(n_q, device=centres.device) // n_mc
    for m0 in range(0, b, mix):
        c_m = centres[m0 : m0 + mix]
        for r0 in range(0, n_q, rows):
            own = c_m[:, comp_of[r0 : r0 + rows]]  # (mix, rows, d): the component of each point
            z = noise[m0 : m0 + mix, r0 : r0 + rows]
            acc = None
            for c0 in range(0, n, cols):
                res = (own[:, :, None, :] - c_m[:, None, c0 : c0 + cols, :]).div_(beta)
                res.add_(z[:, :, None, :])
                lk = torch.logsumexp(res.square_().sum(dim=-1).mul_(-0.5), dim=-1)
                acc = lk if acc is None else torch.logaddexp(acc, lk)
            out[m0 : m0 + mix, r0 : r0 + rows] = acc
    return out


def _mc_memory_limit(device: torch.device) -> int:
    """Bytes the MC points may take: half the device's memory, at most ``_MC_MEMORY_CAP``."""
    try:
        if device.type == "cuda":
            total = torch.cuda.get_device_properties(device).total_memory
        else:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError, RuntimeError):  # no sysconf (Windows) or no answer
        total = 0
    return _MC_MEMORY_CAP if total <= 0 else min(_MC_MEMORY_CAP, total // 2)


def _check_mc_memory(b: int, n_q: int, d: int, dtype: torch.dtype, device: torch.device) -> None:
    """Refuse, before allocating, MC points that would not fit (noise, points, log-densities)."""
    per_point = (2 * d + 2) * torch.finfo(dtype).bits // 8
    need = b * n_q * per_point
    limit = _mc_memory_limit(device)
    if need > limit:
        raise ValueError(
            f"the Monte Carlo points would take {need / 2**30:.3g} GiB ({b} mixture(s) x {n_q} "
            f"points x {per_point} bytes), above the bound of {limit / 2**30:.3g} GiB (half of the "
            f"device's memory, at most {_MC_MEMORY_CAP / 2**30:.0f} GiB); lower n_mc (or "
            "n_samples_per_x, or the number of samples)"
        )


def _mixture_entropy_mc(
    centres: torch.Tensor, beta: float, n_mc: int, gen: torch.Generator, chunk: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """MC entropy of B equal-weight mixtures (1/n) sum_i N(c_i, beta^2 I), centres shape (B, n, d).

    Draws ``n_mc`` points from every component, evaluates log g at each with a logsumexp over the
    centres, and returns (estimate, stderr), each of shape (B,). The pairwise work runs in blocks
    of mixtures x query rows x centres, combining centre blocks with logaddexp, so memory stays
    O(block) for any n; the MC points themselves take O(B n n_mc d), a size checked by
    :func:`_check_mc_memory` before anything is allocated.
    """
    b, n, d = centres.shape
    n_q = n * n_mc
    _check_mc_memory(b, n_q, d, centres.dtype, centres.device)
    # All MC points are drawn up front so the result does not depend on the block sizes.
    noise = torch.randn((b, n_q, d), generator=gen, dtype=centres.dtype, device=centres.device)
    fast = _fast_path_is_exact(centres, beta)
    budget = _BLOCK_ELEMENTS if fast else max(1, _BLOCK_ELEMENTS // d)  # direct: d residuals a pair
    if chunk is None:
        cols = min(n, budget)
        rows = max(1, min(n_q, budget // cols))
    else:
        cols = rows = chunk
    mix = max(1, min(b, budget // (rows * cols)))
    if fast:
        log_g = _log_kernel_sums_mm(centres, noise, beta, n_mc, (mix, rows, cols))
        log_g -= math.log(n) + 0.5 * d * math.log(2.0 * math.pi * beta * beta)
    else:
        log_g = _log_kernel_sums_direct(centres, noise, beta, n_mc, (mix, rows, cols))
        log_g -= math.log(n) + 0.5 * d * math.log(2.0 * math.pi) + d * math.log(beta)
    est = -log_g.mean(dim=1)
    if n_mc >= 2:
        # Stratified sampling (n_mc points per component): the variance of the mean is the
        # average within-component variance / (n * n_mc).
        within = log_g.view(b, n, n_mc).var(dim=2)
        stderr = torch.sqrt(within.sum(dim=1) / n_mc) / n
    elif n_q >= 2:
        stderr = log_g.std(dim=1) / math.sqrt(n_q)  # pooled: conservative (adds between-component spread)
    else:
        stderr = torch.full((b,), math.nan, dtype=log_g.dtype, device=log_g.device)
    return est, stderr


def _check_chunk(chunk_size: Any) -> int | None:
    return None if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)


def entropy_gaussian_mixture(
    centres: Any,
    beta: float,
    *,
    n_mc: int = 100,
    seed: int = 0,
    device: str | torch.device | None = None,
    chunk_size: int | None = None,
) -> MCEntropy:
    r"""Monte Carlo differential entropy of the equal-weight Gaussian mixture on ``centres``.

    For centres :math:`\mu_1..\mu_n \in \mathbb R^d` and
    :math:`g = \frac1n \sum_i \mathcal N(\mu_i, \beta^2 I_d)`, draw :math:`z_{i,m} \sim
    \mathcal N(0, \beta^2 I_d)`, m = 1..``n_mc``, and return

    .. math::

        \hat h = -\frac{1}{n\, n_{mc}} \sum_{i=1}^n \sum_{m=1}^{n_{mc}}
        \log g(\mu_i + z_{i,m}),

    an unbiased estimate of :math:`h(g)` (Goldfeld, Greenewald & Polyanskiy 2018; Goldfeld et al.
    2019, Sec. 3).
    When the centres are n samples of S, this is the plug-in estimate of h(S + Z),
    Z ~ N(0, beta^2 I).

    Parameters
    ----------
    centres : array or tensor, shape (n,) or (n, d)
        Mixture centres (e.g. the noiseless layer outputs f(x_i)).
    beta : float
        Standard deviation :math:`\beta > 0` of every component.
    n_mc : int, default 100
        Monte Carlo points drawn from each component (n * n_mc points in all).
    seed : int, default 0
        Seed of the :class:`torch.Generator` that draws the points.
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).
    chunk_size : int, optional
        Query points and centres handled per block (default: blocks of about 4M distances).
        Memory O(chunk_size^2 + n n_mc d); time O(n^2 n_mc d).

    Returns
    -------
    MCEntropy
        ``(estimate, stderr)`` in nats: the estimate and its Monte Carlo standard error (from
        the within-component sample variances; pooled if ``n_mc == 1``).

    Raises
    ------
    ValueError
        Empty or non-finite ``centres``, ``beta`` not finite and > 0, ``n_mc < 1``,
        ``chunk_size < 1``, or Monte Carlo points that would take more than half the device's
        memory (at most 16 GiB), refused before anything is allocated.

    Notes
    -----
    Log-densities are computed in float64 with a logsumexp over all centres, so widely separated
    components (distance >> beta) are handled without underflow. Squared distances come from
    ``torch.cdist``'s matrix-product form while its rounding, about eps |x|^2 / beta^2 in each
    log-kernel, stays below 1e-9 nats; when beta is tiny or huge next to the data (beta = 1e-10
    with data of size 1 gave +4795 nats instead of -38), they are formed from the scaled
    residuals (c_i - c_j) / beta + z instead, which is right at every finite scale (and slower,
    by about d/2 times in d dimensions: 1.1x at d = 2, 6x at d = 10 on a 2-core CPU).

    The standard error covers only the Monte Carlo integration given the centres; as an estimate
    of h(S + Z) from n samples of S the plug-in also has a statistical error of order
    :math:`(\log n)^{d/4}/\sqrt n` (with constants exponential in d), which no choice of
    ``n_mc`` removes.

    References
    ----------
    .. [1] Z. Goldfeld, K. Greenewald, Y. Polyanskiy, "Estimating differential entropy under
       Gaussian convolutions", arXiv:1810.11589, 2018 (IEEE T-IT 2020): plug-in estimator and
       its (log n)^{d/4}/sqrt(n) risk bound; Monte Carlo integration of the mixture entropy.
    .. [2] Z. Goldfeld et al., "Estimating information flow in deep neural networks", ICML 2019,
       arXiv:1810.05728, Secs. 2-3.

    Examples
    --------
    >>> r = entropy_gaussian_mixture([[0.0], [100.0]], beta=1.0, n_mc=2000)
    >>> abs(r.estimate - 0.5 * math.log(2 * math.pi * math.e) - math.log(2)) < 0.05   # MC error ~0.01
    True
    """
    beta = check_positive(beta, "beta")
    n_mc = check_int(n_mc, "n_mc", minimum=1)
    chunk = _check_chunk(chunk_size)
    seed = check_int(seed, "seed")
    c = as_2d(centres, "centres", device=device, dtype=torch.float64)
    gen = torch.Generator(device=c.device).manual_seed(seed)
    est, se = _mixture_entropy_mc(c[None], beta, n_mc, gen, chunk)
    return MCEntropy(float(est[0]), float(se[0]))


def _as_layers(layers: Any) -> list[Callable[[torch.Tensor], torch.Tensor]]:
    if callable(layers):
        return [layers]
    if isinstance(layers, Sequence) and not isinstance(layers, (str, bytes)):
        if len(layers) == 0:
            raise ValueError("layers is empty: give at least one layer (e.g. torch.nn.Identity())")
        for i, f in enumerate(layers):
            if not callable(f):
                raise TypeError(f"layers[{i}] must be callable (a torch.nn.Module), got {type(f).__name__}")
        return list(layers)
    raise TypeError(f"layers must be a callable or a sequence of callables, got {type(layers).__name__}")


def _as_betas(beta: Any, n_layers: int) -> list[float]:
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool):
        return [check_positive(beta, "beta")] * n_layers
    try:
        betas = list(beta)
    except TypeError:
        got = type(beta).__name__
        raise TypeError(f"beta must be a number or a sequence of numbers, got {got}") from None
    if len(betas) != n_layers:
        raise ValueError(f"beta has {len(betas)} values but there are {n_layers} layers (one per layer)")
    return [check_positive(b, f"beta[{i}]") for i, b in enumerate(betas)]


def _apply(f: Callable, t: torch.Tensor, idx: int) -> torch.Tensor:
    """f(t) with t cast to the module's parameter dtype; returned as float64 on t's device."""
    dtype = torch.float64
    if isinstance(f, torch.nn.Module):
        p = next(f.parameters(), None)
        if p is not None:
            dtype = p.dtype
    try:
        out = f(t.to(dtype))
    except RuntimeError as err:  # e.g. "mat1 and mat2 shapes cannot be multiplied"
        what = "x" if idx == 0 else f"the output of layers[{idx - 1}] (plus noise)"
        raise ValueError(
            f"layers[{idx}] failed on its input, {what} of shape {tuple(t.shape)} "
            f"(width {t.shape[-1] if t.ndim > 1 else 1}){_expected_width(f)}: {err}"
        ) from err
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"layers[{idx}] must return a torch.Tensor, got {type(out).__name__}")
    if out.ndim == 0 or out.shape[0] != t.shape[0]:
        raise ValueError(
            f"layers[{idx}] returned shape {tuple(out.shape)} for {t.shape[0]} input rows; "
            "it must keep the sample axis first"
        )
    out = out.to(device=t.device, dtype=torch.float64)
    if not bool(torch.isfinite(out).all()):
        raise ValueError(f"layers[{idx}] produced NaN or infinite values")
    return out


def _expected_width(f: Any) -> str:
    """The note '; its first Linear layer takes width k' for error messages ('' without one)."""
    if isinstance(f, torch.nn.Module):
        for m in f.modules():
            if isinstance(m, torch.nn.Linear):
                return f"; its first Linear layer takes width {m.in_features}"
    return ""


def _on_device(f: Callable, dev: torch.device) -> Callable:
    """A module whose parameters live elsewhere is deep-copied to ``dev`` (the caller's is untouched)."""
    if isinstance(f, torch.nn.Module):
        p = next(f.parameters(), None)
        if p is not None and p.device != dev:
            return copy.deepcopy(f).to(dev)
    return f


def mi_sample_propagation(
    x: Any,
    layers: Any,
    beta: float | Sequence[float],
    *,
    layer_index: int = -1,
    n_samples_per_x: int = 20,
    n_mc: int = 20,
    seed: int = 0,
    device: str | torch.device | None = None,
    chunk_size: int | None = None,
) -> SPResult:
    r"""I(X; T_l) of a noisy network by sample propagation (Goldfeld et al., ICML 2019).

    The network is :math:`T_0 = X`, :math:`T_k = f_k(T_{k-1}) + Z_k`,
    :math:`Z_k \sim \mathcal N(0, \beta_k^2 I)` independent, and X is uniform on the m rows of
    ``x`` (the paper's empirical input distribution). With :math:`S_l = f_l(T_{l-1})`,

    .. math::

        I(X; T_l) = h(S_l + Z_l) - \frac1m \sum_{i=1}^m h(S_l + Z_l \mid X = x_i).

    Each entropy is the entropy of a Gaussian mixture, estimated by
    :func:`entropy_gaussian_mixture`:

    * first layer (l = 1): :math:`S_1 = f_1(x_i)` is deterministic, so h(T_1) is the entropy of
      the mixture on the m centres :math:`f_1(x_i)` and
      :math:`h(T_1 \mid X) = \tfrac d2 \log(2\pi e \beta_1^2)` exactly;
    * deeper layers: every :math:`x_i` is fed ``n_samples_per_x`` times through the noisy
      layers 1..l-1 and :math:`f_l`, giving samples :math:`s_{i,1..r}` of
      :math:`S_l \mid X = x_i`. :math:`h(T_l \mid X = x_i)` is the entropy of the mixture on
      :math:`s_{i,1..r}`, and h(T_l) that of the mixture on all m r samples (which is
      :math:`\frac1m\sum_i` of the conditional mixtures, as :math:`P_{T_l}` is).

    Parameters
    ----------
    x : array or tensor, shape (m,) or (m, d_x)
        The m inputs (the dataset X is uniform on).
    layers : callable or sequence of callables
        :math:`f_1, \dots, f_L` (e.g. ``torch.nn.Module``s mapping (N, ...) to (N, ...));
        noise is added after each. Modules with parameters elsewhere are copied to ``device``;
        the input is cast to each module's parameter dtype. Outputs of any shape (N, ...) are
        flattened to (N, d) for the entropy.
    beta : float or sequence of float
        Noise standard deviation after each layer (one value for all, or one per layer).
    layer_index : int, default -1
        Which T_l to measure, 0-based into ``layers`` (negative counts from the end). Layers
        after it are not evaluated.
    n_samples_per_x : int, default 20
        r, the propagated samples per input for layers after the first (ignored for the first).
    n_mc : int, default 20
        Monte Carlo points per mixture component, for every mixture.
    seed : int, default 0
        Seed of the :class:`torch.Generator` drawing the propagation noise and the MC points.
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).
    chunk_size : int, optional
        Block size of the pairwise work (see :func:`entropy_gaussian_mixture`).

    Returns
    -------
    SPResult
        ``(mi, h_t, h_t_given_x, stderr)`` in nats.

    Raises
    ------
    ValueError
        Empty or non-finite ``x``, non-positive ``beta``, ``beta`` of the wrong length,
        ``layer_index`` out of range, ``n_samples_per_x`` or ``n_mc < 1``, a layer that changes
        the number of rows or produces NaN, a layer that fails on its input (the message names
        the layer, the input's width and the width its first ``Linear`` takes), or Monte Carlo
        points beyond the memory bound of :func:`entropy_gaussian_mixture`.

    Notes
    -----
    The estimate is in [0, log m] up to Monte Carlo error (it is not clipped, so it can come out
    slightly negative when the true value is ~0). Its error has two parts: the Monte Carlo
    integration error (``stderr``, shrinking as :math:`1/\sqrt{n\, n_{mc}}`) and, for layers
    after the first, the plug-in error of representing :math:`P_{S_l \mid X = x_i}` by r samples,
    bounded by :math:`O((\log r)^{d/4}/\sqrt r)` with constants exponential in d
    (the plug-in risk bound of [2]; Goldfeld et al. 2019, Sec. 3). When x
    holds i.i.d. samples of a continuous X, the first-layer value is the plug-in estimate of
    I(X; f_1(X) + Z_1) for that continuous X, with the same rate in m. Time is
    O((m r)^2 n_mc d) for deeper layers (O(m^2 n_mc d) for the first). Compression as
    clustering (Goldfeld et al. Sec. 4) is left to the callers.

    References
    ----------
    .. [1] Z. Goldfeld, E. van den Berg, K. Greenewald, I. Melnyk, N. Nguyen, B. Kingsbury,
       Y. Polyanskiy, "Estimating information flow in deep neural networks", ICML 2019,
       arXiv:1810.05728, Secs. 2-3 (noisy DNN, I(X;T_l) decomposition, sample propagation).
    .. [2] Z. Goldfeld, K. Greenewald, Y. Polyanskiy, "Estimating differential entropy under
       Gaussian convolutions", arXiv:1810.11589, 2018 (plug-in risk bound, MC integration).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [100.0], [200.0], [300.0]])    # 4 far-apart inputs, identity layer
    >>> r = mi_sample_propagation(x, torch.nn.Identity(), beta=1.0, n_mc=500)
    >>> abs(r.mi - math.log(4)) < 0.1                        # MC error ~0.03
    True
    """
    fs = _as_layers(layers)
    betas = _as_betas(beta, len(fs))
    li = check_int(layer_index, "layer_index")
    if not -len(fs) <= li < len(fs):
        raise ValueError(f"layer_index={li} is out of range for {len(fs)} layer(s)")
    li %= len(fs)
    r = check_int(n_samples_per_x, "n_samples_per_x", minimum=1)
    n_mc = check_int(n_mc, "n_mc", minimum=1)
    chunk = _check_chunk(chunk_size)
    seed = check_int(seed, "seed")
    xt = as_2d(x, "x", device=device, dtype=torch.float64)
    dev = xt.device
    fs = [_on_device(f, dev) for f in fs[: li + 1]]
    gen = torch.Generator(device=dev).manual_seed(seed)
    m = xt.shape[0]

    with torch.no_grad():
        if li == 0:
            s = _apply(fs[0], xt, 0).reshape(m, -1)
            h_t, se_t = _mixture_entropy_mc(s[None], betas[0], n_mc, gen, chunk)
            h_cond = _gaussian_entropy(s.shape[1], betas[0])
            mi_se = float(se_t[0])
        else:
            t = xt.repeat_interleave(r, dim=0)  # rows i*r .. i*r+r-1 are copies of x_i
            for k in range(li):
                t = _apply(fs[k], t, k)
                t = t + betas[k] * torch.randn(t.shape, generator=gen, dtype=t.dtype, device=dev)
            s = _apply(fs[li], t, li).reshape(m * r, -1)
            h_t, se_t = _mixture_entropy_mc(s[None], betas[li], n_mc, gen, chunk)
            h_c, se_c = _mixture_entropy_mc(s.view(m, r, -1), betas[li], n_mc, gen, chunk)
            h_cond = float(h_c.mean())
            mi_se = math.sqrt(float(se_t[0]) ** 2 + float(se_c.square().sum()) / m**2)
    h_t = float(h_t[0])
    return SPResult(h_t - h_cond, h_t, h_cond, mi_se)


def _grouped_mi(
    t: torch.Tensor, groups: torch.Tensor, beta: float, n_mc: int, gen: torch.Generator, chunk: int | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """I(G; T + Z) for B sets of N points t (B, N, d) with group ids (N,); returns (mi, h_t, stderr), (B,).

    T | G = g is the empirical law of the rows of group g, so
    h(T + Z | G) = sum_g p(g) h(mixture on the rows of g); groups of one row are Gaussians, whose
    entropy is exact. Groups of equal size are estimated together in one batched call.
    """
    b, n, d = t.shape
    h_t, se_t = _mixture_entropy_mc(t, beta, n_mc, gen, chunk)
    h_cond = torch.zeros(b, dtype=t.dtype, device=t.device)
    var_cond = torch.zeros(b, dtype=t.dtype, device=t.device)
    sizes = torch.bincount(groups)
    order = torch.argsort(groups, stable=True)
    for size in torch.unique(sizes).tolist():
        members = torch.nonzero(sizes == size).flatten()
        w = size / n  # p(g) of each of these groups
        if size == 1:
            h_cond += members.numel() * w * _gaussian_entropy(d, beta)
            continue
        # rows of the groups of this size, group by group (argsort by group keeps groups contiguous)
        rows = order[torch.isin(groups[order], members)]
        centres = t[:, rows].reshape(b * members.numel(), size, d)
        h_g, se_g = _mixture_entropy_mc(centres, beta, n_mc, gen, chunk)
        h_cond += w * h_g.view(b, -1).sum(dim=1)
        var_cond += w * w * se_g.view(b, -1).square().sum(dim=1)
    return h_t - h_cond, h_t, torch.sqrt(se_t.square() + var_cond)


@dataclass(frozen=True)
class SamplePropagation:
    r"""Sample-propagation MI of a representation under Gaussian noise, as an estimator object.

    ``estimate(x, y)`` is :math:`I(X; Y + Z)`, :math:`Z \sim \mathcal N(0, \beta^2 I)`, with X
    uniform on the rows of x grouped by equality and :math:`Y \mid X = x` the empirical law of the
    rows of y that share that x:

    .. math::

        I(X; Y + Z) = h\Big(\tfrac1N \sum_i \mathcal N(y_i, \beta^2 I)\Big)
        - \sum_g p(g)\, h\Big(\tfrac1{N_g} \sum_{i \in g} \mathcal N(y_i, \beta^2 I)\Big),

    each mixture entropy by Monte Carlo (:func:`entropy_gaussian_mixture`; Goldfeld et al. 2019,
    Sec. 3). For N distinct inputs and a deterministic layer y = f(x) this is the first-layer case
    of :func:`mi_sample_propagation` (the conditional entropies are exactly h(Z)); for labels it
    is I(Y; L + Z). ``estimate_layer`` applies it to a recorded (deterministic) layer at all
    epochs: I(X; L + Z) and I(Y; L + Z) - the same targets as :class:`~ibcore.estimators.kde.KDE`
    bounds, estimated without bias by Monte Carlo instead of bounded. For a network that is noisy
    in every layer use :func:`mi_sample_propagation` with the layers themselves.

    Parameters are those of :func:`mi_sample_propagation`: ``beta`` (noise standard deviation),
    ``n_mc`` (Monte Carlo points per component), ``seed``, ``chunk_size``, ``device``. Cost
    O(E N^2 n_mc d) per layer.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4)
    >>> y = np.array([[0.0], [100.0], [200.0], [300.0]])     # 4 far-apart points: log 4
    >>> abs(SamplePropagation(beta=1.0, n_mc=200).estimate(x, y) - math.log(4)) < 0.15   # MC error ~0.04
    True
    """

    beta: float = 0.1
    n_mc: int = 20
    seed: int = 0
    chunk_size: int | None = None
    device: str | torch.device | None = None

    def __post_init__(self) -> None:
        check_positive(self.beta, "beta")
        check_int(self.n_mc, "n_mc", minimum=1)
        check_int(self.seed, "seed")
        _check_chunk(self.chunk_size)

    @property
    def name(self) -> str:
        return f"sample propagation (beta {self.beta:g})"

    def _mi(self, t: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        gen = torch.Generator(device=t.device).manual_seed(self.seed)
        with torch.no_grad():
            return _grouped_mi(t, groups, self.beta, self.n_mc, gen, self.chunk_size)[0]

    def estimate(self, x: Any, y: Any) -> float:
        """I(X; Y + Z) in nats, x read as discrete (rows grouped by equality)."""
        yt = as_2d(y, "y", device=self.device, dtype=torch.float64)
        return float(self._mi(yt[None], as_groups(x, "x", n=yt.shape[0], device=yt.device))[0])

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """I(X; L + Z) and I(Y; L + Z) of a layer (E, N, d) at all E epochs, arrays (E,) in nats."""
        t, labels, _ = as_layer_batch(acts, y, device=self.device, dtype=torch.float64)
        inputs = torch.arange(t.shape[1], device=t.device)  # N distinct inputs
        out = {IXL: self._mi(t, inputs), IYL: self._mi(t, labels)}
        return {k: v.cpu().numpy() for k, v in out.items()}
