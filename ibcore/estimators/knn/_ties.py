"""Tied samples: the check behind :class:`TiedSamplesWarning`, its message, and the jitter that breaks ties.

The rule they implement is in the package docstring (:mod:`ibcore.estimators.knn`).
"""

from __future__ import annotations

import torch

from ibcore._validation import scale_safe_moments

__all__ = ["TIE_WARN_FRACTION", "TiedSamplesWarning", "add_jitter", "tie_message"]

# Tied samples: warn when, in some non-constant coordinate, at least this fraction of the samples
# shares its value with another sample (see the package docstring).
TIE_WARN_FRACTION = 0.01
# Values sorted per block of columns by the tie check (2**22 float64 = 32 MiB, plus the masks).
_TIE_ELEMENTS = 2**22


class TiedSamplesWarning(UserWarning):
    """Tied values in the samples given to an estimator that assumes continuous data.

    Issued by :func:`entropy_kl`, :func:`entropy_wkl`, :func:`mi_kl`, :func:`mi_wkl` and
    :func:`mi_ksg` when no ``jitter`` was asked for and, in some non-constant coordinate, at least
    1 % of the samples (``TIE_WARN_FRACTION``) share their value with another sample. The message
    names the sample, the coordinate and the fraction. To keep the estimate of the tied samples as
    it is, filter it: ``warnings.filterwarnings("ignore", category=TiedSamplesWarning)``.
    """


def add_jitter(t: torch.Tensor, jitter: float, seed: int, offset: int = 0) -> torch.Tensor:
    """Add N(0, (jitter * std_c)^2) noise to each coordinate c (std_c = 1 where the column is constant).

    std_c is the column's population standard deviation, taken from :func:`scale_safe_moments`
    where the plain one overflows or underflows (data of size 1e160 or 1e-170), so the noise
    follows the data's scale at any finite scale; ordinary data get torch's own value.
    """
    if jitter == 0:
        return t
    gen = torch.Generator(device=t.device).manual_seed(seed + offset)
    scale = scale_safe_moments(t, correction=0)[1]
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    noise = torch.randn(t.shape, generator=gen, device=t.device, dtype=t.dtype)
    return t + jitter * scale * noise


def _tie_fraction(t: torch.Tensor) -> tuple[float, int]:
    """The most tied non-constant column of t (N, d): (fraction of samples tied in it, its index).

    A sample is tied in column c when another sample has exactly its value there (-0.0 and 0.0
    are equal: the same distances). Constant columns count as untied. (0.0, -1) when no column
    has ties. Columns are sorted in blocks of about 2**22 values.
    """
    n, d = t.shape
    best, col = 0, -1
    step = max(1, _TIE_ELEMENTS // n)
    for start in range(0, d, step):
        s = t[:, start : start + step].sort(dim=0).values
        eq = s[1:] == s[:-1]
        tied = torch.zeros(s.shape, dtype=torch.bool, device=s.device)
        tied[1:] |= eq
        tied[:-1] |= eq
        count = torch.where(eq.all(dim=0), 0, tied.sum(dim=0))
        c = int(count.argmax())
        if int(count[c]) > best:
            best, col = int(count[c]), start + c
    return best / n, col


def tie_message(fn: str, samples: dict[str, torch.Tensor]) -> str | None:
    """The :class:`TiedSamplesWarning` text for ``samples`` (name -> (N, d)), or None without ties.

    For two samples (x, y) it also says how many rows of the pair are repeated: a repeated row is
    not a new independent sample, and jitter does not undo that.
    """
    found = []
    for name, t in samples.items():
        frac, col = _tie_fraction(t)
        if frac >= TIE_WARN_FRACTION:
            found.append(
                f"in {name}, {100 * frac:.1f} % of the {t.shape[0]} samples share their value in "
                f"column {col} with another sample"
            )
    if not found:
        return None
    most = " (the most tied column shown)" if any(t.shape[1] > 1 for t in samples.values()) else ""
    msg = f"{fn}: tied samples: {'; '.join(found)}{most}."
    if len(samples) > 1:
        pair = torch.cat(list(samples.values()), dim=1)
        counts = torch.unique(pair, dim=0, return_counts=True)[1]
        repeated = int(counts[counts > 1].sum())
        if repeated:
            names = ", ".join(samples)
            msg += (
                f" {repeated} of the {pair.shape[0]} rows of ({names}) occur more than once: a "
                "repeated row is not a new independent sample and inflates the estimate, jitter or "
                "not; remove the repeats if they are copies."
            )
    return msg + (
        " The kNN estimators assume continuous data (Kraskov et al. 2004); on ties (exact zeros of "
        "ReLU units, saturated or quantized units, discrete inputs) the estimate depends on how the "
        "ties fall. Pass jitter=1e-10 (or larger) to break them with seeded Gaussian noise of "
        "jitter * std per column, as scikit-learn's mutual_info_regression does, and report it with "
        "the result; for discrete data use a discrete estimator (mi_binning, entropy_discrete). To "
        "keep this estimate: warnings.filterwarnings('ignore', category=TiedSamplesWarning)."
    )
