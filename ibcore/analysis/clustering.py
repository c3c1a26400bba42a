"""Compression and clustering side by side (Goldfeld et al. 2019, Sec. 5).

* :func:`compression_vs_clustering` puts a curve of I(X;T_l) beside a clustering curve (the
  within/between-class distance ratio) per layer: peak and minimum epochs, their lag, and the
  rank correlation over epochs;
* :func:`class_cosine_similarity` - cosine similarities of a layer's representations ordered by
  class (:class:`ClassCosine`): blocks on the diagonal as same-class representations cluster.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import torch

from ibcore._validation import as_2d, check_choice, check_int
from ibcore.analysis.summary import LN2
from ibcore.interface import IXL

__all__ = ["compression_vs_clustering", "ClassCosine", "class_cosine_similarity"]


def _rank_corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def compression_vs_clustering(
    information: pd.DataFrame,
    clustering: pd.DataFrame,
    *,
    quantity: str = IXL,
    measure: str = "ratio",
    method: str = "spearman",
) -> pd.DataFrame:
    r"""Per layer: the largest compression of I(X;T_l), and what the clustering measure did meanwhile.

    For each (seed, layer) present in both frames, on the epochs common to both, with
    :math:`v_t` = ``quantity`` in bits and :math:`c_t` = ``measure`` (a clustering measure where
    smaller is tighter, e.g. the within/between-class distance ratio of
    :func:`ibcore.analysis.geometry.geometry_frame`):

    * the largest dip :math:`\max_t (\max_{s \le t} v_s - v_t)`: its running peak
      (``peak epoch`` :math:`t_p`, ``peak``) and its bottom (``bottom epoch`` :math:`t_b`,
      ``bottom``), ``dip`` = peak - bottom and ``dip stderr`` (from a ``stderr`` column in nats,
      if present); ``end`` and ``drop`` = max - end;
    * ``min epoch``: where :math:`c_t` is smallest, the lag :math:`\Delta = t_{\min}(c) - t_p`
      after the peak and ``bottom lag`` :math:`t_{\min}(c) - t_b` after the bottom (0: the
      tightest clustering and the end of the compression coincide);
    * ``measure change``: :math:`(c_{t_b} - c_{t_p}) / c_{t_p}`, the relative change of the
      clustering measure over the compression (negative: clusters tightened while I(X;T) fell);
    * ``rho``: correlation of :math:`v` and :math:`c` over all epochs, and ``rho in dip`` over
      :math:`t_p \le t \le t_b` (NaN with fewer than 3 epochs or a constant curve).

    Parameters
    ----------
    information : pandas.DataFrame
        Columns ``seed, layer, epoch, quantity`` (nats), e.g. :func:`sp_information` or one
        estimator's rows of :func:`~ibcore.analysis.infoplane.information_plane`.
    clustering : pandas.DataFrame
        Columns ``seed, layer, epoch, measure``.
    quantity, measure : str
    method : {"spearman", "pearson"}, default "spearman"
        Rank (Spearman) or linear (Pearson) correlation.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(seed, layer)`` in the order of ``information``, values in bits and epochs.
    """
    method = check_choice(method, "method", ("spearman", "pearson"))
    for name, frame, col in (("information", information, quantity), ("clustering", clustering, measure)):
        missing = [c for c in ("seed", "layer", "epoch", col) if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks the column(s) {missing}")
    keep = ["seed", "layer", "epoch", quantity] + (["stderr"] if "stderr" in information.columns else [])
    keys = ["seed", "layer", "epoch"]
    merged = information[keep].merge(clustering[[*keys, measure]], on=keys)
    if merged.empty:
        raise ValueError("the two frames share no (seed, layer, epoch)")
    corr = _rank_corr if method == "spearman" else _pearson
    rows = []
    for (seed, layer), g in merged.groupby(["seed", "layer"], sort=False):
        g = g.sort_values("epoch")
        ep = g["epoch"].to_numpy()
        v = g[quantity].to_numpy() / LN2
        c = g[measure].to_numpy()
        run_max = np.maximum.accumulate(v)
        b = int(np.argmax(run_max - v))  # bottom of the largest dip
        p = int(np.argmax(v[: b + 1]))  # its running peak (first epoch reaching it)
        se = g["stderr"].to_numpy() / LN2 if "stderr" in g else None
        t_min = int(ep[int(np.argmin(c))])
        rows.append(
            {
                "seed": seed,
                "layer": layer,
                "peak epoch": int(ep[p]),
                "peak": float(v[p]),
                "bottom epoch": int(ep[b]),
                "bottom": float(v[b]),
                "dip": float(v[p] - v[b]),
                "dip stderr": float(np.hypot(se[p], se[b])) if se is not None else float("nan"),
                "end": float(v[-1]),
                "drop": float(v.max() - v[-1]),
                "min epoch": t_min,
                "lag": t_min - int(ep[p]),
                "bottom lag": t_min - int(ep[b]),
                "measure change": float((c[b] - c[p]) / c[p]) if c[p] != 0 else float("nan"),
                "rho": corr(v, c),
                "rho in dip": corr(v[p : b + 1], c[p : b + 1]),
            }
        )
    return pd.DataFrame(rows).set_index(["seed", "layer"])


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


@dataclasses.dataclass(frozen=True)
class ClassCosine:
    """Cosine similarities of representations ordered by class (:func:`class_cosine_similarity`)."""

    matrix: np.ndarray
    """(n, n) cosine similarities, rows and columns ordered by class."""
    labels: np.ndarray
    """(n,) class of each row."""
    index: np.ndarray
    """(n,) position of each row in the input."""
    within: float
    """Mean similarity of distinct same-class pairs."""
    between: float
    """Mean similarity of different-class pairs."""

    @property
    def gap(self) -> float:
        """``within - between``: how much closer in angle a class is to itself than to the others."""
        return self.within - self.between


def class_cosine_similarity(
    layer: Any, labels: Any, *, n_per_class: int = 20, seed: int = 0, center: bool = False
) -> ClassCosine:
    r"""Cosine similarities of a layer's representations, ``n_per_class`` inputs per class, ordered by class.

    :math:`c_{ij} = \langle a_i, a_j \rangle / (\|a_i\| \|a_j\|)` for the chosen inputs (the
    first ``n_per_class`` of each class in a seeded random order; all of a smaller class). Goldfeld
    et al. (2019, Sec. 5) show such matrices at early and late epochs of an MNIST CNN: blocks on the
    diagonal appear as same-class representations cluster. ``within`` and ``between`` summarise the
    matrix (means over distinct same-class pairs and over different-class pairs).

    With ``center=True`` the mean of the chosen representations is subtracted first, so the
    similarities are those of directions from the cloud's centre. Use it for layers whose outputs
    are mostly positive (ReLU-like): their raw cosine similarities are all close to 1, dominated by
    the common mean direction.

    Parameters
    ----------
    layer : array or tensor, shape (N, ...)
        Representations (flattened to (N, d)).
    labels : array or tensor, shape (N,)
        Integer classes.
    n_per_class : int, default 20
    seed : int, default 0
    center : bool, default False

    Raises
    ------
    ValueError
        Mismatched lengths, non-finite values, fewer than 2 classes or a class with fewer than 2
        inputs among those chosen, or a chosen representation that is the zero vector (its cosine
        similarity is undefined: a dead layer, not a similarity of 0).
    """
    a = as_2d(torch.as_tensor(layer).reshape(len(layer), -1), "layer", dtype=torch.float64)
    y = np.asarray(torch.as_tensor(labels).cpu()).reshape(-1)
    if y.shape[0] != a.shape[0]:
        raise ValueError(f"labels has {y.shape[0]} entries for {a.shape[0]} representations")
    n_per_class = check_int(n_per_class, "n_per_class", minimum=2)
    order = np.random.default_rng(seed).permutation(y.shape[0])
    picks = [order[y[order] == c][:n_per_class] for c in np.unique(y)]
    if len(picks) < 2 or min(len(p) for p in picks) < 2:
        raise ValueError("class_cosine_similarity needs at least 2 classes with at least 2 inputs each")
    index = np.concatenate(picks)
    rows = a[torch.as_tensor(index)]
    if center:
        rows = rows - rows.mean(dim=0)
    norms = rows.norm(dim=1)
    if bool((norms == 0).any()):
        raise ValueError(
            f"{int((norms == 0).sum())} chosen representations are the zero vector: "
            "their cosine similarity is undefined"
        )
    unit = rows / norms[:, None]
    c = (unit @ unit.T).clamp(-1.0, 1.0).cpu().numpy()
    lab = y[index]
    same = lab[:, None] == lab[None, :]
    off = ~np.eye(len(lab), dtype=bool)
    return ClassCosine(
        matrix=c,
        labels=lab,
        index=index,
        within=float(c[same & off].mean()),
        between=float(c[~same].mean()),
    )
