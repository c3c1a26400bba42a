"""Pairwise-distance (KDE) bounds on I(X; L + noise) for a layer, after Kolchinsky & Tracey.

Adding isotropic Gaussian noise of variance ``noise_var`` to the activations h_1..h_N of the N
(distinct) inputs makes T = L + eps an equal-weight Gaussian mixture with centres h_i. Its
entropy has no closed form, but pairwise distances between the components bound it from both
sides (Kolchinsky & Tracey 2017); Saxe et al. (2018) used these bounds for the information plane.
A whole recorded run (B epochs of the same N samples) is handled in one call.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from ibcore._device import torch_threads
from ibcore._validation import (
    as_2d,
    as_groups,
    as_layer_batch,
    check_choice,
    check_int,
    check_positive,
    labels_by_keyword,
    scale_safe_moments,
)
from ibcore.interface import IXL, IYL, Bounds

__all__ = ["KDE", "KDEResult", "mi_kde"]

# Default tile of the N x N kernel matrix (rows = columns per tile) and elements of a block of
# epochs x tile x tile handled at once: 2**20 float64 = 8 MiB, small enough to stay in cache while
# the tile is turned from distances into kernel values and summed.
_TILE = 512
_BLOCK_ELEMENTS = 1 << 20
# Smallest exponent kept for the lower bound's kernel exp(-d^2 / 8s) in float64. Kernel values
# below exp(-170) = 1.4e-74 are raised to it: every inner sum is >= 1 (the i = j term) and has
# at most N terms, so this moves a sum by less than N * 1.4e-74 relative, nothing in float64 for
# any N < 1e58. It keeps the upper bound's kernel exp(-d^2 / 2s) = (exp(-d^2 / 8s))^4 >= exp(-680)
# a normal float64, so no arithmetic on subnormal numbers (slow on many CPUs) is ever done.
_MIN_EXPONENT = {torch.float64: -170.0, torch.float32: -87.0}  # float32: exp(-87) is still normal
PRECISIONS = ("float64", "float32")


class KDEResult(NamedTuple):
    """KDE bounds in nats: ``i_xl`` on I(X;T), ``i_yl`` on I(Y;T) (``None`` without labels).

    Each is a :class:`~ibcore.interface.Bounds` ``(lower, upper)`` of Python floats for a
    2-D layer, or of numpy float64 arrays of shape (B,) for a 3-D (B, N, d) layer.
    """

    i_xl: Bounds
    i_yl: Bounds | None


_DIRECT = "donot_use_mm_for_euclid_dist"  # torch.cdist by differences, without the matrix product


def _tile_class_case(yi: np.ndarray, yj: np.ndarray) -> str:
    """How the labels of a tile's rows and columns (each sorted) meet: "same", "none" or "mixed"."""
    lo_i, hi_i, lo_j, hi_j = yi[0], yi[-1], yj[0], yj[-1]
    if lo_i == hi_i == lo_j == hi_j:
        return "same"  # one class: the class-conditional sums are the full sums
    if hi_i < lo_j or hi_j < lo_i:
        return "none"  # no pair of the tile shares a class
    return "mixed"


def _kernel_sums(
    h: torch.Tensor,
    labels: torch.Tensor | None,
    noise_var: float,
    tile: int,
    kdtype: torch.dtype,
    direct: bool = False,
) -> tuple[torch.Tensor, ...]:
    """Per epoch and sample, the inner sums of the two kernels: over all samples, and over the class.

    For h (B, N, d) in float64 with the samples sorted by label (``labels`` sorted, or ``None``),
    returns ``(full_lo, full_up)`` and, with labels, ``(own_lo, own_up)``, each (B, N) float64:
    ``full[b, i] = sum_j k(||h_bi - h_bj||^2)`` and ``own`` the same over the j with y_j = y_i,
    for the Bhattacharyya kernel k = exp(-d^2 / 8s) (lower bound) and the KL kernel
    exp(-d^2 / 2s) (upper bound). One pass over the kernel values serves the full and the
    class-conditional sums: with the samples sorted by label, a tile whose rows and columns all
    have one class adds its sums to both, a tile with no common class only to the full sums,
    and only the few tiles on class boundaries need a mask of equal labels.

    The N x N matrix is never formed: it is visited in tiles of ``tile`` x ``tile`` entries, for
    a block of epochs at once, and only the tiles on and above the diagonal are computed (the
    matrix is symmetric: an off-diagonal tile is summed along its rows and along its columns).
    In a tile, one batched matrix product of the augmented rows [h_i, ||h_i||^2, 1] and
    [-2 h_j, 1, ||h_j||^2] scaled by -1/(8s) gives the exponents -||h_i - h_j||^2 / (8s)
    directly (the matrix-product form of the distance: float64 round-off of about
    1e-16 (||h_i||^2 + ||h_j||^2) / 8s in the exponent). They are clamped at 0 (round-off can
    make the squared distance of near points negative) and at ``_MIN_EXPONENT``, and the i = j
    entries are set to exactly 0. With ``direct=True`` the exponents come from direct differences
    (``torch.cdist`` without the matrix product) instead, for layers whose norms are too large
    for the product form's round-off (see :func:`mi_kde`). The upper bound's kernel is the
    fourth power of the lower one's, exp(-d^2 / 2s) = exp(-d^2 / 8s)^4: two squarings instead of
    a second exponential.

    ``kdtype`` float32 (exponents computed in float64, then rounded): kernel values carry a
    relative error of ~1e-7 and tile sums of at most ``tile`` positive terms ~1e-7; the tile
    sums are added up in float64. No log-sum-exp stabilisation is needed in either precision,
    because the i = j term (exactly 1) makes every inner sum >= 1: a relative error e of a sum
    moves its log by at most e, and the off-diagonal kernel values that underflow to 0 in
    float32 (exponents below about -87 for the lower bound, -22 for its fourth power) are each
    below 1e-9 of a sum that is at least 1 - only ever the off-diagonal terms, never the 1.
    """
    b, n, _ = h.shape
    scale = -1.0 / (8.0 * noise_var)
    sq = (h * h).sum(-1, keepdim=True)  # (B, N, 1)
    ones = torch.ones_like(sq)
    left = torch.cat([h, sq, ones], dim=-1)  # x = left @ right^T = -||h_i - h_j||^2 / 8s
    right = torch.cat([-2.0 * h, ones, sq], dim=-1).mul_(scale).transpose(1, 2)
    n_sums = 2 if labels is None else 4
    host_labels = None if labels is None else labels.cpu().numpy()  # tile cases without device syncs
    floor = _MIN_EXPONENT[kdtype]
    local = threading.local()  # fresh large tensors cost page faults: each thread reuses its own

    def buffer(name: str, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        cache = local.__dict__.setdefault("buffers", {})
        key = (name, *shape)
        if key not in cache:
            cache[key] = torch.empty(shape, dtype=dtype, device=h.device)
        return cache[key]

    def row_block(e0: int, e1: int, i0: int) -> torch.Tensor:
        """Partial sums (n_sums, e1 - e0, N) of the tiles (i0, j0 >= i0) of epochs e0..e1."""
        i1 = min(i0 + tile, n)
        part = torch.zeros(n_sums, e1 - e0, n, dtype=torch.float64, device=h.device)
        for j0 in range(i0, n, tile):
            j1 = min(j0 + tile, n)
            shape = (e1 - e0, i1 - i0, j1 - j0)
            if direct:
                x = torch.cdist(h[e0:e1, i0:i1], h[e0:e1, j0:j1], compute_mode=_DIRECT)
                x = x.square_().mul_(scale)
            else:
                x = torch.bmm(
                    left[e0:e1, i0:i1], right[e0:e1, :, j0:j1], out=buffer("x", shape, torch.float64)
                )
            if kdtype != x.dtype:
                x = buffer("x32", shape, kdtype).copy_(x)
            x.clamp_(min=floor, max=0.0)
            if i0 == j0:
                x.diagonal(dim1=1, dim2=2).zero_()  # d(h_i, h_i) = 0 exactly: the term 1
            k_lo = x.exp_()
            k_up = torch.mul(k_lo, k_lo, out=buffer("up", shape, kdtype)).square_()
            case = "none" if labels is None else _tile_class_case(host_labels[i0:i1], host_labels[j0:j1])
            if case == "mixed":
                same = (labels[i0:i1, None] == labels[None, j0:j1]).to(kdtype)
            for kernel, full, own in ((k_lo, 0, 2), (k_up, 1, 3)):
                terms = [(full, kernel)]
                if case == "same":
                    terms.append((own, kernel))
                elif case == "mixed":
                    terms.append((own, kernel * same))
                for acc, k in terms:
                    part[acc, :, i0:i1] += k.sum(dim=2)
                    if j0 != i0:  # the mirror tile (j, i): the column sums of this one
                        part[acc, :, j0:j1] += k.sum(dim=1)
        return part

    def epoch_block(e0: int, e1: int, pool: ThreadPoolExecutor | None = None) -> torch.Tensor:
        rows = range(0, n, tile)
        parts = (
            pool.map(lambda i0: row_block(e0, e1, i0), rows)
            if pool
            else (row_block(e0, e1, i0) for i0 in rows)
        )
        total = torch.zeros(n_sums, e1 - e0, n, dtype=torch.float64, device=h.device)
        for part in parts:  # always added in row-block order: the same floats however it ran
            total += part
        return total

    per_block = max(1, min(b, _BLOCK_ELEMENTS // (tile * tile)))
    blocks = [(e0, min(e0 + per_block, b)) for e0 in range(0, b, per_block)]
    threads = torch.get_num_threads() if h.device.type == "cpu" else 1
    if threads == 1:
        sums = [epoch_block(e0, e1) for e0, e1 in blocks]
    else:
        # Coarse-grained threads on one-threaded torch ops: a tile's many small operations then
        # wait for no other thread. With torch's own threads every operation ends in a barrier,
        # and on a machine shared with other jobs those stalled (one of our runs: 7x the numpy
        # anchor's speed instead of 40x). The sums are added in a fixed order either way.
        with torch_threads(1), ThreadPoolExecutor(threads) as pool:
            if len(blocks) >= threads:  # whole epoch blocks per thread
                sums = list(pool.map(lambda blk: epoch_block(*blk), blocks))
            else:  # few epochs: the row blocks of each epoch block go to the threads
                sums = [epoch_block(e0, e1, pool) for e0, e1 in blocks]
    return tuple(torch.cat(sums, dim=1))


def _mean_neg_log_mean_kernel(
    h: torch.Tensor,
    labels: torch.Tensor | None,
    noise_var: float,
    tile: int,
    kdtype: torch.dtype,
    direct: bool = False,
) -> tuple[torch.Tensor, ...]:
    """Per epoch, (1/N) sum_i -log((1/N) sum_j exp(-||h_i - h_j||^2 / (2 s)) for s = var, 4 var.

    With labels, also the same sums with j restricted to the class of i and the inner mean
    taken over that class (the class-conditional mixtures), averaged over all i. Returns
    (kl, bd) or (kl, bd, kl_given_y, bd_given_y), each of shape (B,).
    """
    n = h.shape[1]
    if labels is not None:  # samples sorted by label: classes are contiguous (the means are over i)
        labels, order = torch.sort(labels, stable=True)
        h = h[:, order]
    full_lo, full_up, *own = _kernel_sums(h, labels, noise_var, tile, kdtype, direct)
    log_n = math.log(n)
    # every sum is >= 1 (the i = j term), so the logs are finite and >= 0
    out = [log_n - torch.log(full_up).mean(1), log_n - torch.log(full_lo).mean(1)]
    if labels is not None:
        own_lo, own_up = own
        log_ny = torch.log(torch.bincount(labels).to(h.dtype))[labels]  # (N,) log N_{y_i}
        out += [(log_ny - torch.log(own_up)).mean(1), (log_ny - torch.log(own_lo)).mean(1)]
    return tuple(out)


def _to_out(v: torch.Tensor, batched: bool) -> Any:
    arr = v.detach().to("cpu", torch.float64).numpy()
    return arr if batched else float(arr[0])


@labels_by_keyword
def mi_kde(
    layer: Any,
    *,
    labels: Any = None,
    noise_var: float,
    device: str | torch.device | None = None,
    chunk_size: int | None = None,
    precision: str = "float64",
) -> KDEResult:
    r"""Lower and upper bounds on I(X; T) and I(Y; T), T = L + eps, eps ~ N(0, noise_var I).

    For the N activations :math:`h_i` and :math:`\sigma^2` = ``noise_var``, T is the mixture
    :math:`\frac1N\sum_i \mathcal N(h_i, \sigma^2 I)` and :math:`H(T \mid X) =
    \tfrac d2 \log(2\pi e \sigma^2)`, so :math:`I(X;T) = H(T) - H(T \mid X)` is bounded by

    .. math::

        -\frac1N \sum_i \log \frac1N \sum_j e^{-\frac{\|h_i-h_j\|^2}{8\sigma^2}}
        \;\le\; I(X;T) \;\le\;
        -\frac1N \sum_i \log \frac1N \sum_j e^{-\frac{\|h_i-h_j\|^2}{2\sigma^2}}

    (the Bhattacharyya distance :math:`\|h_i-h_j\|^2/8\sigma^2` gives the lower bound, the KL
    divergence :math:`\|h_i-h_j\|^2/2\sigma^2` the upper one; Kolchinsky & Tracey 2017, Sec. 4;
    Geiger 2021, Eq. 3). The d/2 log terms of the entropy bounds cancel against H(T|X), so
    neither bound carries one. With labels,

    .. math:: \hat I(Y;T) = \hat I(X;T) - \sum_y \hat p(y)\, \hat I(X;T \mid Y=y),

    where :math:`\hat I(X;T \mid Y=y)` is the same bound computed on the class-y samples alone,
    and each of the two "bounds" on I(Y;T) is this difference with the lower (resp. upper)
    formula used throughout, as in Saxe et al.'s code.

    Parameters
    ----------
    layer : array or tensor, shape (N,), (N, d) or (B, N, d)
        Activations of N distinct inputs; 3-D input holds B epochs of the same N samples.
    labels : array or tensor, shape (N,), optional
        Integer class labels (the same for every epoch). ``None``: no I(Y;T).
    noise_var : float
        Variance :math:`\sigma^2 > 0` of the added Gaussian noise (keyword-only, required).
        Saxe et al. used 0.1 for MNIST (``MNIST_ComputeMI``) and 1e-3 for the SZT networks in
        the later ``IBnet_ComputeMI`` notebook; their paper reports 0.1.
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).
    chunk_size : int, optional
        Rows (= columns) of the tiles in which the N x N kernel matrix is computed (default
        512); as many epochs are taken at once as keep a block of epochs x tile x tile near
        2**20 elements. Memory is O(chunk_size^2 + B N), time O(B N^2 d) (half the pairs:
        the matrix is symmetric).
    precision : {"float64", "float32"}, default "float64"
        Precision of the kernel values and of the sums within a tile; distances, exponents,
        logs and the sums across tiles are float64 either way. ``"float32"`` agrees with
        ``"float64"`` to ~1e-6 nats (tested to 1e-5) and is meant for GPUs with slow float64.

    Returns
    -------
    KDEResult
        ``i_xl = Bounds(lower, upper)`` in nats and ``i_yl`` likewise (``None`` without
        labels); floats for 2-D input, numpy arrays of shape (B,) for 3-D input.

    Raises
    ------
    ValueError
        ``noise_var`` not finite and > 0, ``chunk_size < 1``, an unknown ``precision``, NaN/inf
        activations, or labels whose length is not N.

    Notes
    -----
    The I(X;T) bounds are true bounds on the mutual information of the noisy layer for the
    empirical input distribution (N equiprobable inputs), lie in [0, log N], are exact when the
    h_i form tight, far-apart clusters, and both decrease monotonically to 0 as ``noise_var``
    grows. They measure the geometry of the activations at the scale sigma: rescaling the
    layer changes them (Geiger 2021, Sec. III-B). The I(Y;T) pair is a difference of bounds,
    not a bound: "lower" can exceed "upper" and neither is guaranteed to bracket I(Y;T).
    All pairs are used, including i = j (no leave-one-out), as in the bounds' definition.

    Computation (see ``_kernel_sums``): the term i = j is exactly 1, so every inner sum
    is >= 1 and is summed directly, without log-sum-exp; one pass over the kernel values gives
    the full and the class-conditional sums (the samples sorted by label); the upper
    bound's kernel is the fourth power of the lower one's; only the upper triangle of the
    symmetric matrix is computed, tile by tile, and the squared distances of the (per epoch
    centred) activations come from one matrix product, whose float64 round-off in the
    exponent is about 1e-16 max_i ||h_i - mean||^2 / sigma^2. A whole chapter-0 run
    (212 epochs x 6 layers, N = 4096) takes ~30x less time than Saxe et al.'s ``kde.py``
    computation in numpy (``benchmarks/speed.py``). On a CPU the tiles are spread over
    ``torch.get_num_threads()`` Python threads running one-threaded torch operations (torch's
    thread count is 1 during the call, then restored); the result does not depend on the number
    of threads.

    References
    ----------
    .. [1] A. Kolchinsky and B. D. Tracey, "Estimating mixture entropy with pairwise distances",
       Entropy 19(7):361, 2017, Sec. 4 (Gaussian mixtures; cited there by Saxe et al.'s code).
    .. [2] A. M. Saxe et al., "On the information bottleneck theory of deep learning",
       ICLR 2018; code github.com/artemyk/ibsgd (``kde.py``, ``*_ComputeMI.ipynb``).
    .. [3] B. C. Geiger, "On information plane analyses of neural network classifiers - a
       review", IEEE TNNLS 2021, Eq. (3) and Sec. III-B.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.array([[0.0], [0.0], [10.0], [10.0]])       # two tight, far-apart clusters
    >>> r = mi_kde(h, noise_var=0.01)
    >>> abs(r.i_xl.lower - math.log(2)) < 1e-9, abs(r.i_xl.upper - math.log(2)) < 1e-9   # both log 2
    (True, True)
    """
    noise_var = check_positive(noise_var, "noise_var")
    kdtype = {"float64": torch.float64, "float32": torch.float32}[
        check_choice(precision, "precision", PRECISIONS)
    ]
    tile = _TILE if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)
    h, y, batched = as_layer_batch(layer, labels, device=device, dtype=torch.float64)
    b, n, _ = h.shape
    tile = min(tile, n)
    # distances do not change under a shift; centring keeps ||h_i||^2, and with it the round-off
    # of the matrix-product distances, as small as the spread of the layer allows
    h = h - scale_safe_moments(h, dim=1)[0].unsqueeze(1)
    # Work in units of the kernel width, u = h / sqrt(8 s): the exponents are then -||u_i - u_j||^2
    # for any scale of data and noise (1e154 or 1e-160 alike). Where the matrix-product form would
    # lose accuracy (eps max||u||^2 above 1e-9 nats, or overflow: a layer spread over many kernel
    # widths), the tiles use direct differences instead - exact, and exp(-inf) = 0 where the
    # squared distances overflow (such points are far apart at the scale of the noise).
    u = h / math.sqrt(8.0 * noise_var)
    top = float((u * u).sum(-1).max())
    direct = not math.isfinite(top) or torch.finfo(torch.float64).eps * top > 1e-9
    kl, bd, *cond = _mean_neg_log_mean_kernel(u, y, 0.125, tile, kdtype, direct)
    # I(X;T) bounds lie in [0, log N] exactly; clamp the round-off of the sums (e.g. -4e-16 for
    # identical points) so that no CPU or BLAS gives a negative bound or -0.0.
    kl_x, bd_x = (v.clamp(min=0.0, max=math.log(n)) + 0.0 for v in (kl, bd))
    i_xl = Bounds(_to_out(bd_x, batched), _to_out(kl_x, batched))
    i_yl = None
    if y is not None:
        kl_y, bd_y = cond
        i_yl = Bounds(_to_out(bd - bd_y + 0.0, batched), _to_out(kl - kl_y + 0.0, batched))
    return KDEResult(i_xl, i_yl)


@dataclass(frozen=True)
class KDE:
    """The KDE bounds as an object: :class:`~ibcore.interface.MIEstimator` and layer estimator.

    ``estimate(x, y)`` is the ``bound`` ("upper", the default, or "lower") of :func:`mi_kde` on
    :math:`I(X; Y + \\varepsilon)` with the rows of x grouped by equality: N distinct inputs give
    the bound on I(X;T) itself, labels give the class-conditional difference that Saxe et al.
    report as I(Y;T). ``estimate_layer`` reports the upper (pairwise-KL) bound as the
    coordinates, like Saxe et al., and the lower (Bhattacharyya) bound in extra columns
    ``"I(X;L) lower"``, ``"I(Y;L) lower"``, for all epochs of a layer in one call.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.array([[0.0], [0.0], [10.0], [10.0]])
    >>> abs(KDE(noise_var=0.01).estimate(np.arange(4), h) - math.log(2)) < 1e-9   # two clusters: log 2
    True
    """

    noise_var: float = 0.1
    bound: str = "upper"
    chunk_size: int | None = None
    device: str | torch.device | None = None
    precision: str = "float64"

    def __post_init__(self) -> None:
        check_positive(self.noise_var, "noise_var")
        check_choice(self.bound, "bound", ("upper", "lower"))
        check_choice(self.precision, "precision", PRECISIONS)

    @property
    def name(self) -> str:
        return f"KDE (noise var {self.noise_var:g})"

    def _run(self, layer: Any, labels: Any) -> KDEResult:
        return mi_kde(
            layer,
            labels=labels,
            noise_var=self.noise_var,
            device=self.device,
            chunk_size=self.chunk_size,
            precision=self.precision,
        )

    def estimate(self, x: Any, y: Any) -> float:
        """The chosen bound on I(X; Y + eps) in nats, x read as discrete (rows grouped by equality)."""
        yt = as_2d(y, "y", device=self.device, dtype=torch.float64)
        i_yl = self._run(yt, as_groups(x, "x", n=yt.shape[0], device=yt.device)).i_yl
        return float(getattr(i_yl, self.bound))

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """Upper bounds as I(X;L), I(Y;L) and lower bounds in extra columns, arrays (E,) in nats."""
        res = self._run(acts, y)
        one = np.atleast_1d
        return {
            IXL: one(res.i_xl.upper),
            IYL: one(res.i_yl.upper),
            f"{IXL} lower": one(res.i_xl.lower),
            f"{IYL} lower": one(res.i_yl.lower),
        }
