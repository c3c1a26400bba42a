"""Binning (plug-in) estimates of I(X;L) and I(Y;L) for the activations L of one layer.

The layer's activations are quantized neuron by neuron, each row of bin indices is one discrete
symbol Q(L), and the mutual informations are plug-in entropies of those symbols (Geiger 2021,
Eqs. 2a-2b). A whole recorded run (B epochs, the same N samples each epoch) is handled in one call:
the work is vectorized over epochs and samples, and chunked over epochs only to bound memory.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from ibcore._validation import (
    as_2d,
    as_groups,
    as_layer_batch,
    check_choice,
    check_int,
    check_positive,
    labels_by_keyword,
)
from ibcore.estimators._discrete import label_entropy, row_entropy
from ibcore.interface import IXL, IYL

__all__ = ["Binning", "BinningResult", "entropy_discrete", "mi_binning"]

# Elements of a (B, N, d) int64 block handled at once; bounds temporaries to a few hundred MB.
_CHUNK_ELEMENTS = 1 << 23


class BinningResult(NamedTuple):
    """Binning estimates in the unit asked for.

    ``i_xl`` is I(X;L) = H(Q(L)); ``i_yl`` is I(Y;L), or ``None`` when no labels were given.
    Python floats for a 2-D layer, numpy float64 arrays of shape (B,) for a 3-D (B, N, d) layer.
    """

    i_xl: Any
    i_yl: Any


def _epoch_chunk(b: int, n: int, d: int) -> int:
    return max(1, min(b, _CHUNK_ELEMENTS // max(1, n * d)))


def _to_unit(values: torch.Tensor, unit: str, batched: bool) -> Any:
    v = values.detach().to("cpu", torch.float64).numpy()
    if unit == "bits":
        v = v / math.log(2.0)
    return v if batched else float(v[0])


# --------------------------------------------------------------------------- quantizers
# Bin indices are exact integers in int64 below this magnitude; larger ones are replaced by ranks.
_EXACT_CODE = 2.0**62


def _int_codes(codes: torch.Tensor) -> torch.Tensor:
    """Whole-number float codes (B, N, d) as int64, with the same partition of every neuron's values.

    Codes below 2**62 in magnitude convert exactly. Larger ones (bins finer than the float spacing
    of the data, or more bins than int64 holds) would wrap around or be clipped together, so each
    neuron's codes are replaced by their ranks among that block's distinct codes instead: equal
    codes stay equal and distinct ones distinct, which is all the plug-in entropies use.
    """
    if bool((codes.abs() < _EXACT_CODE).all()):
        return codes.to(torch.int64)
    out = torch.empty(codes.shape, dtype=torch.int64, device=codes.device)
    for j in range(codes.shape[-1]):
        out[..., j] = torch.unique(codes[..., j], return_inverse=True)[1]
    return out


def _fixed_codes(
    t: torch.Tensor, lo: float | torch.Tensor, width: float | torch.Tensor, n_max: int | None
) -> torch.Tensor:
    """floor((t - lo) / width) as int64, clipped to 0..n_max-1 when ``n_max`` is given.

    ``lo`` and ``width`` are numbers, or tensors of shape (B, 1, 1): one quantizer per epoch.
    """
    codes = torch.floor((t - lo) / width)
    if n_max is not None:
        codes = codes.clamp_(0, float(n_max - 1))
    if not bool(torch.isfinite(codes).all()):
        big = float(t.abs().max())
        raise ValueError(
            f"the bins are too narrow for activations of magnitude up to {big:.3g}: the bin "
            f"indices (value / bin width) overflow the floating type; use bin_width >= {big / 1e300:.3g}"
        )
    return _int_codes(codes)


def _power_of_two_scale(t: torch.Tensor, *extra: float) -> float:
    """A power of two s that brings the largest magnitude of ``t`` and ``extra`` near 1, or 1.0.

    Only when that magnitude is so large that differences (t - lo) could overflow t's dtype, or
    (float32/64) so small that bin widths would be subnormal; multiplying by a power of two is
    exact, so the bins, and so the estimates, are those of the unscaled data.
    """
    fi = torch.finfo(t.dtype)
    mag = max([float(t.abs().max()), *(abs(v) for v in extra)])
    small = 0.0 if t.dtype == torch.float16 else fi.tiny / fi.eps  # float16: tiny/eps is 0.06
    if mag == 0.0 or small <= mag <= fi.max / 8:
        return 1.0
    return math.ldexp(1.0, min(math.frexp(fi.max)[1] - 2, -math.frexp(mag)[1]))  # stay in t's range


def _adaptive_codes(t: torch.Tensor, n_bins: int, scope: str) -> torch.Tensor:
    """Equal-mass (quantile) bin indices of a (B, N, d) block, edges recomputed for every epoch.

    ``scope="neuron"``: edges from each neuron's N values; ``"layer"``: from all N*d values.
    For M sorted values the k-th edge is the value of rank ceil(k*M/n_bins); a value's bin is the
    number of edges <= it. Distinct values then fill the bins with counts differing by at most
    one, and tied values always share a bin (so a constant neuron carries no information).
    """
    b, n, d = t.shape
    vals = t.transpose(1, 2) if scope == "neuron" else t.reshape(b, 1, n * d)  # (B, G, M)
    m = vals.shape[-1]
    pos = [min(m - 1, -(-k * m // n_bins)) for k in range(1, n_bins)]
    if not pos:
        return torch.zeros(b, n, d, dtype=torch.int64, device=t.device)
    sorted_vals, _ = torch.sort(vals, dim=-1)
    edges = sorted_vals[..., torch.tensor(pos, device=t.device)].contiguous()
    codes = torch.searchsorted(edges, vals.contiguous(), right=True)
    return codes.transpose(1, 2) if scope == "neuron" else codes.reshape(b, n, d)


def _resolve_fixed(
    t: torch.Tensor, n_bins: int | None, bin_width: float | None, value_range: tuple[float, float] | None
) -> tuple[float, float, int | None]:
    """Return (anchor, width, number of bins or None for unbounded) for mode="fixed"."""
    if value_range is not None:
        lo, hi = value_range
    if bin_width is None:
        nb = 30 if n_bins is None else n_bins
        if value_range is None:
            lo, hi = float(t.min()), float(t.max())
        width = (hi - lo) / nb if hi > lo else 1.0
        return lo, width, nb
    if value_range is None:
        if n_bins is not None:
            raise ValueError(
                f"give n_bins or bin_width, not both (got n_bins={n_bins}, "
                f"bin_width={bin_width}) unless value_range makes them consistent"
            )
        return 0.0, bin_width, None
    ratio = (hi - lo) / bin_width
    if not math.isfinite(ratio):
        raise ValueError(
            f"bin_width={bin_width:.3g} is too small for value_range=({lo:.3g}, {hi:.3g}): it "
            f"holds more bins than a float can count; use bin_width >= {(hi - lo) / 1e300:.3g}"
        )
    n_implied = max(1, math.ceil(ratio - 1e-9))
    if n_bins is not None and not math.isclose((hi - lo) / bin_width, n_bins, rel_tol=1e-6):
        raise ValueError(
            f"n_bins={n_bins} and bin_width={bin_width} are inconsistent with "
            f"value_range=({lo}, {hi}), which holds {(hi - lo) / bin_width:.6g} bins"
        )
    return lo, bin_width, n_implied


def _epoch_ranges(t: torch.Tensor, n_bins: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-epoch anchors and widths (B, 1, 1) of ``n_bins`` equal bins on each epoch's [min, max].

    Computed in float64 and cast to t's dtype, exactly as the whole-call range of
    ``value_range=None`` is for one epoch (a constant epoch gets width 1: one bin).
    """
    lo = t.amin(dim=(1, 2)).to(torch.float64)
    hi = t.amax(dim=(1, 2)).to(torch.float64)
    width = torch.where(hi > lo, (hi - lo) / n_bins, torch.ones_like(lo))
    return lo.to(t.dtype).view(-1, 1, 1), width.to(t.dtype).view(-1, 1, 1)


def _check_range(value_range: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise TypeError(f"value_range must be a pair (low, high) of numbers, got {value_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"value_range must be finite with high > low, got {value_range!r}")
    return lo, hi


# --------------------------------------------------------------------------- public API
@labels_by_keyword
def mi_binning(
    layer: Any,
    *,
    labels: Any = None,
    n_bins: int | None = None,
    value_range: tuple[float, float] | None = None,
    bin_width: float | None = None,
    mode: str = "fixed",
    adaptive_scope: str = "neuron",
    unit: str = "nats",
    device: str | torch.device | None = None,
    range_per_epoch: bool = False,
) -> BinningResult:
    r"""Binning estimates of I(X;L) and I(Y;L) for one layer, over one or many epochs.

    Each neuron's activation is quantized, :math:`Q(L)` is the row of bin indices, and

    .. math::

        \hat I(X;L) = H(Q(L)) = -\sum_q \hat p(q) \log \hat p(q), \qquad
        \hat I(Y;L) = H(Q(L)) - \sum_y \hat p(y)\, H(Q(L) \mid Y=y),

    with plug-in frequencies over the N samples (Geiger 2021, Eqs. 2b and 2a). The second form is
    computed as :math:`H(Q(L)) + H(Y) - H(Q(L), Y)`, which is the same number.

    Parameters
    ----------
    layer : array or tensor, shape (N,), (N, d) or (B, N, d)
        Activations of the N samples; a 3-D input holds B epochs of a recorded run (the same N
        samples, in the same order, every epoch).
    labels : array or tensor, shape (N,), optional
        Integer class labels of the samples (the same for every epoch). ``None``: no I(Y;L).
    n_bins : int, optional
        Number of bins per neuron, >= 1. Default 30 (Shwartz-Ziv & Tishby 2017) unless
        ``bin_width`` is given. With ``mode="adaptive"`` a count above the number M of values
        the edges come from acts as M (every distinct value its own bin, the same partition),
        so any count costs O(M).
    value_range : (float, float), optional
        ``mode="fixed"``: the interval that is binned. Default: min and max of the whole input
        of this call (over all samples, neurons *and* epochs, so one quantizer serves the whole
        recorded run). Values outside it go to the first/last bin.
    bin_width : float, optional
        ``mode="fixed"``: bins of this width instead of ``n_bins``. Without ``value_range`` the
        bins are anchored at 0, ``floor(l / bin_width)``, unbounded (Saxe et al.'s code); with
        ``value_range=(lo, hi)`` they are anchored at ``lo`` and values outside are clipped.
        Giving both ``n_bins`` and ``bin_width`` is an error unless ``value_range`` makes them
        agree.
    mode : {"fixed", "adaptive"}, default "fixed"
        ``"fixed"``: equal-width bins, the same for all neurons and epochs. ``"adaptive"``:
        ``n_bins`` equal-mass bins whose edges are quantiles of the activations, recomputed for
        every epoch (the maximum-output-entropy quantizer of Chelombiev et al. 2019).
    adaptive_scope : {"neuron", "layer"}, default "neuron"
        ``mode="adaptive"`` only: quantile edges from each neuron's N values (default), or from
        all N*d values of the layer (per layer and epoch, as Geiger 2021, Sec. III-A, describes
        Chelombiev et al.'s scheme).
    unit : {"nats", "bits"}, default "nats"
    device : str or torch.device, optional
        Where to compute; default: the input tensor's device (numpy: CUDA if available).
    range_per_epoch : bool, default False
        ``mode="fixed"`` with ``n_bins`` only (no ``value_range``, no ``bin_width``): ``n_bins``
        equal bins on each epoch's own observed range [min, max] over all samples and neurons of
        that epoch, instead of one range for the whole call. For unbounded (ReLU) layers, whose
        range grows during training: a fixed [-1, 1] clips them (the artefact of the original
        code), and one range over all epochs makes the early, small activations share few bins.

    Returns
    -------
    BinningResult
        ``(i_xl, i_yl)`` in ``unit``; floats for 2-D input, numpy arrays of shape (B,) for 3-D
        input. ``i_yl`` is ``None`` without labels.

    Raises
    ------
    ValueError
        ``range_per_epoch=True`` with ``value_range``, ``bin_width`` or ``mode="adaptive"``;
        unknown ``mode``/``unit``/``adaptive_scope``, ``n_bins < 1``, ``bin_width <= 0``,
        inconsistent ``n_bins`` and ``bin_width``, a bad ``value_range``, NaN/inf activations,
        labels whose length is not N or float labels beyond 2**53, or bins so narrow that the
        bin indices overflow float64 (the message gives the smallest usable ``bin_width``).
    TypeError
        Complex or string activations, a ragged list, an option of the wrong type.

    Notes
    -----
    *I(X;L) = H(Q(L))* holds because the network is deterministic and the N inputs are taken
    to be distinct, so :math:`H(Q(L) \mid X) = 0`. The estimate lies in [0, log N] and reaches
    log N when every sample falls in its own bin (small bins or wide layers): then
    I(Y;L) = H(Y). It depends strongly on the bin size and says nothing about the (infinite)
    I(X;L) of a continuous deterministic network; compression seen with it is geometric
    (Geiger 2021, Sec. II and III-A). Plug-in entropies are biased low for many occupied bins.

    Settings in the literature: Shwartz-Ziv & Tishby (2017) used 30 equal bins on the tanh range
    [-1, 1] (``n_bins=30, value_range=(-1, 1)``; their code, copied in ibsgd's
    ``bin_calc_information``, digitizes with the 30 edges ``linspace(-1, 1, 30)``). Saxe et al.
    (2018), code ``simplebinmi.py``
    of ``artemyk/ibsgd``, use ``floor(activity / binsize)`` anchored at 0 with ``binsize=0.07``
    for the SZT 10-7-5-4-3 networks (notebook ``IBnet_ComputeMI``) and ``0.5`` for the MNIST
    1024-20-20-20 networks (``MNIST_ComputeMI``; Geiger 2021 cites this bin size for their
    Fig. 10): ``bin_width=0.07`` / ``0.5``. Chelombiev et al. (2019) use adaptive, per layer and
    per epoch percentile bins: ``mode="adaptive", adaptive_scope="layer"``. For ReLU layers
    Saxe et al.'s code bins ``floor(a / 0.07)`` from 0 up (``bin_width=0.07``), and Chelombiev
    et al. argue for bins on the observed range: ``range_per_epoch=True`` (equal width) or the
    adaptive mode (equal mass).

    Rows of bin indices are compared exactly (mixed-radix integer) when the product of the
    per-neuron index ranges fits in 62 bits; otherwise each row is reduced to two independent
    64-bit splitmix64 sums and rows are equal when both agree. Two distinct rows then collide
    with probability about 2**-128 per pair (~1e-29 for N = 1e5), so collisions are ignored.

    Extreme scales: the estimate is the same at any finite scale of the activations (with the
    range, width and anchor scaled alike). Data near the top or bottom of the float range are
    rescaled by a power of two first (exact), and bin indices beyond 2**62 - bins finer than the
    data's float spacing, or ``n_bins`` beyond int64 - are replaced by their ranks per neuron,
    which keeps the partition (they used to wrap around or be clipped together: ``bin_width=1e-300``
    gave log 4 instead of log N).

    References
    ----------
    .. [1] R. Shwartz-Ziv and N. Tishby, "Opening the black box of deep neural networks via
       information", arXiv:1703.00810, 2017.
    .. [2] A. M. Saxe et al., "On the information bottleneck theory of deep learning",
       ICLR 2018; code github.com/artemyk/ibsgd (``simplebinmi.py``).
    .. [3] I. Chelombiev, C. Houghton and C. O'Donnell, "Adaptive estimators show information
       compression in deep neural networks", ICLR 2019.
    .. [4] B. C. Geiger, "On information plane analyses of neural network classifiers - a
       review", IEEE TNNLS 2021, Eqs. (2a), (2b) and Sec. III-A.

    Examples
    --------
    >>> import numpy as np
    >>> layer = np.array([[-0.9], [-0.4], [0.1], [0.6]])   # one neuron, four distinct bins
    >>> r = mi_binning(layer, labels=np.array([0, 0, 1, 1]), n_bins=4, value_range=(-1, 1))
    >>> abs(r.i_xl - math.log(4)) < 1e-12, abs(r.i_yl - math.log(2)) < 1e-12   # log 4 and log 2
    (True, True)
    """
    check_choice(mode, "mode", ("fixed", "adaptive"))
    check_choice(unit, "unit", ("nats", "bits"))
    check_choice(adaptive_scope, "adaptive_scope", ("neuron", "layer"))
    if n_bins is not None:
        n_bins = check_int(n_bins, "n_bins", minimum=1)
    if bin_width is not None:
        bin_width = check_positive(bin_width, "bin_width")
    if value_range is not None:
        value_range = _check_range(value_range)
    if mode == "adaptive" and (bin_width is not None or value_range is not None):
        raise ValueError(
            "mode='adaptive' places its own bin edges; bin_width and value_range "
            "are only used with mode='fixed'"
        )
    if not isinstance(range_per_epoch, bool):
        raise TypeError(f"range_per_epoch must be a bool, got {type(range_per_epoch).__name__}")
    if range_per_epoch and (mode != "fixed" or bin_width is not None or value_range is not None):
        raise ValueError(
            "range_per_epoch=True puts n_bins equal bins on each epoch's observed [min, max]: "
            "it takes mode='fixed' and n_bins, without value_range or bin_width"
        )

    t, y, batched = as_layer_batch(layer, labels, device=device, dtype=None)
    b, n, d = t.shape

    if mode == "fixed":
        # rescale by an exact power of two when t - lo could overflow or widths be subnormal
        scale = _power_of_two_scale(t, *(value_range or ()))
        if bin_width is not None and math.isinf(bin_width * scale):
            scale = 1.0  # a width this large holds tiny data in two bins (by sign) either way
        if scale != 1.0:
            if bin_width is not None and bin_width * scale == 0.0:
                big = float(t.abs().max())
                raise ValueError(
                    f"bin_width={bin_width:.3g} is too small for activations of magnitude up to "
                    f"{big:.3g}: the bin indices overflow; use bin_width >= {big / 1e300:.3g}"
                )
            t = t * scale
            value_range = None if value_range is None else (value_range[0] * scale, value_range[1] * scale)
            bin_width = None if bin_width is None else bin_width * scale
        lo, width, n_max = _resolve_fixed(t, n_bins, bin_width, value_range)
        if range_per_epoch:
            lo_e, width_e = _epoch_ranges(t, n_max)
    else:
        # n_bins >= M equal-mass bins put every distinct value in its own bin, exactly as M bins
        # do: cap the count so the edge list stays O(M) for any n_bins
        m_vals = n if adaptive_scope == "neuron" else n * d
        n_adaptive = min(30 if n_bins is None else n_bins, m_vals)
    h_l, h_ly = [], []
    step = _epoch_chunk(b, n, d + 1)
    for start in range(0, b, step):
        block = t[start : start + step]
        if mode == "fixed" and range_per_epoch:
            codes = _fixed_codes(block, lo_e[start : start + step], width_e[start : start + step], n_max)
        elif mode == "fixed":
            codes = _fixed_codes(block, lo, width, n_max)
        else:
            codes = _adaptive_codes(block, n_adaptive, adaptive_scope)
        h_l.append(row_entropy(codes))
        if y is not None:
            yy = y.view(1, n, 1).expand(codes.shape[0], n, 1)
            h_ly.append(row_entropy(torch.cat([codes, yy], dim=-1)))
    h_l_t = torch.cat(h_l)
    i_yl = None
    if y is not None:
        # H(L) + H(Y) - H(L,Y) >= 0 exactly for plug-in entropies; clamp rounding (~1e-16)
        i_yl_t = (h_l_t + label_entropy(y) - torch.cat(h_ly)).clamp_(min=0.0)
        i_yl = _to_unit(i_yl_t, unit, batched)
    return BinningResult(_to_unit(h_l_t, unit, batched), i_yl)


def entropy_discrete(codes: Any, *, unit: str = "nats", device: str | torch.device | None = None) -> Any:
    r"""Plug-in entropy of discrete symbols, one symbol per row.

    .. math:: \hat H = \log N - \frac1N \sum_q n_q \log n_q

    where :math:`n_q` counts the rows equal to symbol q.

    Parameters
    ----------
    codes : array or tensor, shape (N,), (N, k) or (B, N, k)
        Integer-valued symbols (integer, bool, or floats holding whole numbers, exact up to
        2**53 in magnitude); a row of k integers is one symbol. 3-D input: B independent sets
        of N rows.
    unit : {"nats", "bits"}, default "nats"
    device : str or torch.device, optional

    Returns
    -------
    float, or numpy.ndarray of shape (B,) for 3-D input.

    Notes
    -----
    The plug-in estimate is biased low by about (K - 1) / (2N) nats for K occupied symbols
    (Miller 1955) and never exceeds log N.

    Examples
    --------
    >>> abs(entropy_discrete([0, 1, 2, 3]) - math.log(4)) < 1e-12
    True
    """
    check_choice(unit, "unit", ("nats", "bits"))
    t = as_2d(codes, "codes", device=device, dtype=torch.float64, allow_batch=True)
    if not bool((t == t.round()).all()):
        raise ValueError("codes must hold integer symbols, got non-integer values")
    big = float(t.abs().max())
    if big > 2.0**53:  # read as float64, which holds every integer only up to 2**53
        raise ValueError(
            f"codes holds symbols up to {big:.3g} in magnitude; they are compared exactly only up "
            f"to 2**53 = {2**53}: relabel them first (e.g. np.unique(codes, return_inverse=True))"
        )
    batched = t.ndim == 3
    if not batched:
        t = t[None]
    return _to_unit(row_entropy(t.to(torch.int64)), unit, batched)


@dataclass(frozen=True)
class Binning:
    """The binning estimator as an object: :class:`~ibcore.interface.MIEstimator` and layer estimator.

    Options are those of :func:`mi_binning`; the defaults are the original 30 equal bins on
    [-1, 1] for tanh layers (Shwartz-Ziv & Tishby 2017). ``estimate(x, y)`` is the plug-in
    :math:`I(X; Q(Y))` with the rows of x grouped by equality (distinct inputs give
    :math:`H(Q(Y))`, labels give the plug-in I(label; Q(Y))) and y quantized;
    ``estimate_layer`` gives I(X;L) and I(Y;L) of a recorded layer at all epochs in one call.
    For unbounded (ReLU) layers, ``Binning(value_range=None, range_per_epoch=True)`` bins each
    epoch's observed range.

    Examples
    --------
    >>> import numpy as np
    >>> layer = np.array([[-0.9], [-0.4], [0.1], [0.6]])
    >>> abs(Binning(n_bins=4).estimate(np.arange(4), layer) - math.log(4)) < 1e-12   # 4 inputs, 4 bins
    True
    """

    n_bins: int | None = 30
    value_range: tuple[float, float] | None = (-1.0, 1.0)
    bin_width: float | None = None
    mode: str = "fixed"
    adaptive_scope: str = "neuron"
    device: str | torch.device | None = None
    range_per_epoch: bool = False

    @property
    def name(self) -> str:
        if self.range_per_epoch:
            return f"binning ({self.n_bins} bins, per-epoch range)"
        if self.mode == "adaptive":
            return f"binning (adaptive, {self.n_bins} bins)"
        if self.bin_width is not None:
            return f"binning (width {self.bin_width})"
        return f"binning ({self.n_bins} bins)"

    def _run(self, layer: Any, labels: Any) -> BinningResult:
        return mi_binning(layer, labels=labels, **asdict(self))

    def estimate(self, x: Any, y: Any) -> float:
        """Plug-in I(X; Q(Y)) in nats, x read as discrete (rows grouped by equality)."""
        yt = as_2d(y, "y", device=self.device, dtype=None)
        return float(self._run(yt, as_groups(x, "x", n=yt.shape[0], device=yt.device)).i_yl)

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """I(X;L) = H(Q(L)) and I(Y;L) of a layer (E, N, d) at all E epochs, arrays (E,) in nats."""
        res = self._run(acts, y)
        return {IXL: np.atleast_1d(res.i_xl), IYL: np.atleast_1d(res.i_yl)}
