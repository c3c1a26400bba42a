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

from ibcore._validation import as_2d, as_groups, as_layer_batch, check_choice, check_int, check_positive
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
def _fixed_codes(t: torch.Tensor, lo: float, width: float, n_max: int | None) -> torch.Tensor:
    """floor((t - lo) / width) as int64, clipped to 0..n_max-1 when ``n_max`` is given."""
    codes = torch.floor((t - lo) / width)
    if n_max is not None:
        codes = codes.clamp_(0, n_max - 1)
    else:  # keep the int64 conversion defined for absurdly large activations / tiny widths
        codes = codes.clamp_(-(2.0**60), 2.0**60)
    return codes.to(torch.int64)


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
    n_implied = max(1, math.ceil((hi - lo) / bin_width - 1e-9))
    if n_bins is not None and not math.isclose((hi - lo) / bin_width, n_bins, rel_tol=1e-6):
        raise ValueError(
            f"n_bins={n_bins} and bin_width={bin_width} are inconsistent with "
            f"value_range=({lo}, {hi}), which holds {(hi - lo) / bin_width:.6g} bins"
        )
    return lo, bin_width, n_implied


def _check_range(value_range: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise TypeError(f"value_range must be a pair (low, high) of numbers, got {value_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"value_range must be finite with high > low, got {value_range!r}")
    return lo, hi


# --------------------------------------------------------------------------- public API
def mi_binning(
    layer: Any,
    labels: Any = None,
    *,
    n_bins: int | None = None,
    value_range: tuple[float, float] | None = None,
    bin_width: float | None = None,
    mode: str = "fixed",
    adaptive_scope: str = "neuron",
    unit: str = "nats",
    device: str | torch.device | None = None,
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
        ``bin_width`` is given.
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

    Returns
    -------
    BinningResult
        ``(i_xl, i_yl)`` in ``unit``; floats for 2-D input, numpy arrays of shape (B,) for 3-D
        input. ``i_yl`` is ``None`` without labels.

    Raises
    ------
    ValueError
        Unknown ``mode``/``unit``/``adaptive_scope``, ``n_bins < 1``, ``bin_width <= 0``,
        inconsistent ``n_bins`` and ``bin_width``, a bad ``value_range``, NaN/inf activations,
        or labels whose length is not N.

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
    per epoch percentile bins: ``mode="adaptive", adaptive_scope="layer"``.

    Rows of bin indices are compared exactly (mixed-radix integer) when the product of the
    per-neuron index ranges fits in 62 bits; otherwise each row is reduced to two independent
    64-bit splitmix64 sums and rows are equal when both agree. Two distinct rows then collide
    with probability about 2**-128 per pair (~1e-29 for N = 1e5), so collisions are ignored.

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
    >>> r = mi_binning(layer, np.array([0, 0, 1, 1]), n_bins=4, value_range=(-1, 1))
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

    t, y, batched = as_layer_batch(layer, labels, device=device, dtype=None)
    b, n, d = t.shape

    if mode == "fixed":
        lo, width, n_max = _resolve_fixed(t, n_bins, bin_width, value_range)
    h_l, h_ly = [], []
    step = _epoch_chunk(b, n, d + 1)
    for start in range(0, b, step):
        block = t[start : start + step]
        if mode == "fixed":
            codes = _fixed_codes(block, lo, width, n_max)
        else:
            codes = _adaptive_codes(block, 30 if n_bins is None else n_bins, adaptive_scope)
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

    @property
    def name(self) -> str:
        if self.mode == "adaptive":
            return f"binning (adaptive, {self.n_bins} bins)"
        if self.bin_width is not None:
            return f"binning (width {self.bin_width})"
        return f"binning ({self.n_bins} bins)"

    def _run(self, layer: Any, labels: Any) -> BinningResult:
        return mi_binning(layer, labels, **asdict(self))

    def estimate(self, x: Any, y: Any) -> float:
        """Plug-in I(X; Q(Y)) in nats, x read as discrete (rows grouped by equality)."""
        yt = as_2d(y, "y", device=self.device, dtype=None)
        return float(self._run(yt, as_groups(x, "x", n=yt.shape[0], device=yt.device)).i_yl)

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """I(X;L) = H(Q(L)) and I(Y;L) of a layer (E, N, d) at all E epochs, arrays (E,) in nats."""
        res = self._run(acts, y)
        return {IXL: np.atleast_1d(res.i_xl), IYL: np.atleast_1d(res.i_yl)}
