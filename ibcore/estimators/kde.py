"""Pairwise-distance (KDE) bounds on I(X; L + noise) for a layer, after Kolchinsky & Tracey.

Adding isotropic Gaussian noise of variance ``noise_var`` to the activations h_1..h_N of the N
(distinct) inputs makes T = L + eps an equal-weight Gaussian mixture with centres h_i. Its
entropy has no closed form, but pairwise distances between the components bound it from both
sides (Kolchinsky & Tracey 2017); Saxe et al. (2018) used these bounds for the information plane.
A whole recorded run (B epochs of the same N samples) is handled in one call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from ibcore._validation import as_2d, as_groups, as_layer_batch, check_choice, check_int, check_positive
from ibcore.interface import IXL, IYL, Bounds

__all__ = ["KDE", "KDEResult", "mi_kde"]

# Elements of a (B, rows, N) block of pairwise distances handled at once (~32 MB per float64 temporary).
_BLOCK_ELEMENTS = 1 << 22


class KDEResult(NamedTuple):
    """KDE bounds in nats: ``i_xl`` on I(X;T), ``i_yl`` on I(Y;T) (``None`` without labels).

    Each is a :class:`~ibcore.interface.Bounds` ``(lower, upper)`` of Python floats for a
    2-D layer, or of numpy float64 arrays of shape (B,) for a 3-D (B, N, d) layer.
    """

    i_xl: Bounds
    i_yl: Bounds | None


def _mean_neg_log_mean_kernel(
    h: torch.Tensor, labels: torch.Tensor | None, noise_var: float, rows: int
) -> tuple[torch.Tensor, ...]:
    """Per epoch, (1/N) sum_i -log((1/N) sum_j exp(-||h_i - h_j||^2 / (2 s)) for s = var, 4 var.

    With labels, also the same sums with j restricted to the class of i and the inner mean
    taken over that class (the class-conditional mixtures), averaged over all i. Returns
    (kl, bd) or (kl, bd, kl_given_y, bd_given_y), each of shape (B,).
    """
    b, n, _ = h.shape
    log_n = math.log(n)
    acc = [torch.zeros(b, dtype=h.dtype, device=h.device) for _ in range(2 if labels is None else 4)]
    if labels is not None:
        class_size = torch.bincount(labels).to(h.dtype)
        log_ny = torch.log(class_size)[labels]  # (N,) log N_{y_i}
    for start in range(0, n, rows):
        hi = h[:, start : start + rows]
        d2 = torch.cdist(hi, h).square_()  # (B, r, N)
        # the self-distances are exactly 0; cdist's matrix-product path leaves ~1e-15 there
        d2.diagonal(offset=start, dim1=1, dim2=2).zero_()
        # minus the divergences between N(h_i, s I) and N(h_j, s I):
        neg_kl = -d2 / (2.0 * noise_var)  # KL divergence ||h_i - h_j||^2 / (2 s)
        neg_bd = neg_kl / 4.0  # Bhattacharyya distance ||h_i - h_j||^2 / (8 s)
        acc[0] += (log_n - torch.logsumexp(neg_kl, dim=-1)).sum(dim=1)
        acc[1] += (log_n - torch.logsumexp(neg_bd, dim=-1)).sum(dim=1)
        if labels is not None:
            other = labels[start : start + rows, None] != labels[None, :]  # (r, N)
            neg_kl.masked_fill_(other, -math.inf)
            neg_bd.masked_fill_(other, -math.inf)
            lny = log_ny[start : start + rows]
            acc[2] += (lny - torch.logsumexp(neg_kl, dim=-1)).sum(dim=1)
            acc[3] += (lny - torch.logsumexp(neg_bd, dim=-1)).sum(dim=1)
    return tuple(a / n for a in acc)


def _to_out(v: torch.Tensor, batched: bool) -> Any:
    arr = v.detach().to("cpu", torch.float64).numpy()
    return arr if batched else float(arr[0])


def mi_kde(
    layer: Any,
    labels: Any = None,
    *,
    noise_var: float,
    device: str | torch.device | None = None,
    chunk_size: int | None = None,
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
        Rows of the N x N distance matrix computed per block (default: as many as keep a block
        of epochs x rows x N near 4M elements). Memory is O(chunk_size * N), time O(B N^2 d).

    Returns
    -------
    KDEResult
        ``i_xl = Bounds(lower, upper)`` in nats and ``i_yl`` likewise (``None`` without
        labels); floats for 2-D input, numpy arrays of shape (B,) for 3-D input.

    Raises
    ------
    ValueError
        ``noise_var`` not finite and > 0, ``chunk_size < 1``, NaN/inf activations, or labels
        whose length is not N.

    Notes
    -----
    The I(X;T) bounds are true bounds on the mutual information of the noisy layer for the
    empirical input distribution (N equiprobable inputs), lie in [0, log N], are exact when the
    h_i form tight, far-apart clusters, and both decrease monotonically to 0 as ``noise_var``
    grows. They measure the geometry of the activations at the scale sigma: rescaling the
    layer changes them (Geiger 2021, Sec. III-B). The I(Y;T) pair is a difference of bounds,
    not a bound: "lower" can exceed "upper" and neither is guaranteed to bracket I(Y;T).
    All pairs are used, including i = j (no leave-one-out), as in the bounds' definition.

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
    h, y, batched = as_layer_batch(layer, labels, device=device, dtype=torch.float64)
    b, n, _ = h.shape
    if chunk_size is not None:
        rows = check_int(chunk_size, "chunk_size", minimum=1)
        epochs = max(1, min(b, _BLOCK_ELEMENTS // (rows * n)))
    else:
        epochs = max(1, min(b, _BLOCK_ELEMENTS // (n * n)))
        rows = max(1, min(n, _BLOCK_ELEMENTS // (epochs * n)))

    parts = [_mean_neg_log_mean_kernel(h[s : s + epochs], y, noise_var, rows) for s in range(0, b, epochs)]
    kl, bd, *cond = (torch.cat(p) for p in zip(*parts, strict=False))
    # I(X;T) bounds lie in [0, log N] exactly; clamp the round-off of logsumexp (e.g. -4e-16 for
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

    def __post_init__(self) -> None:
        check_positive(self.noise_var, "noise_var")
        check_choice(self.bound, "bound", ("upper", "lower"))

    @property
    def name(self) -> str:
        return f"KDE (noise var {self.noise_var:g})"

    def _run(self, layer: Any, labels: Any) -> KDEResult:
        return mi_kde(layer, labels, noise_var=self.noise_var, device=self.device, chunk_size=self.chunk_size)

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
