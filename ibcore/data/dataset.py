"""The container and its splits: :class:`Dataset`, deterministic subsets and train/test splits.

A :class:`Dataset` holds one split's inputs and labels (CPU tensors) with its provenance (files,
reader, subsets taken); :func:`subset_indices` draws a deterministic, optionally stratified random
subset from a seed, and :func:`subset` and :func:`train_test_split` apply it to a data set,
recording how each part was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ibcore._device import resolve_device
from ibcore._validation import check_int, check_positive

__all__ = ["Dataset", "subset", "subset_indices", "train_test_split"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples and labels of one split of a data set, with where they came from.

    Attributes
    ----------
    x : torch.Tensor
        float32 inputs, (N, C, H, W) images in [0, 1] or (N, d) features.
    y : torch.Tensor
        int64 labels, shape (N,).
    name : str
        Human-readable data-set name, as pages should print it (e.g. ``"MNIST"``, or the partial
        CIFAR-10's ``"CIFAR-10 (partial: first 5170 train / 1017 test images)"``).
    reader : str
        ``"torchvision"`` or ``"ibcore"``: which reader decoded the files.
    info : dict
        ``split``, ``root``, ``files`` (relative path -> verified md5), ``origin`` (relative path ->
        ``"cache"``, ``"mirror"`` or ``"download"``), ``classes``, and ``subsets`` (the subset calls
        that made this object, oldest first).
    indices : torch.Tensor or None
        Positions of these samples in the full split that was loaded (None: the full split).
    """

    x: torch.Tensor
    y: torch.Tensor
    name: str
    reader: str
    info: dict[str, Any] = field(default_factory=dict)
    indices: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.y.ndim != 1 or self.x.ndim == 0 or self.x.shape[0] != self.y.shape[0]:
            raise ValueError(
                f"x has shape {tuple(self.x.shape)} and y has shape {tuple(self.y.shape)}; "
                "y must be (N,) with one label per sample"
            )

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, split={self.info.get('split')!r}, n={len(self)}, "
            f"x={tuple(self.x.shape)} {str(self.x.dtype).replace('torch.', '')}, "
            f"reader={self.reader!r})"
        )

    @property
    def n_classes(self) -> int:
        """Number of classes: the length of ``info['classes']``, else ``max(y) + 1``."""
        classes = self.info.get("classes")
        return len(classes) if classes else int(self.y.max()) + 1 if len(self) else 0

    def select(self, indices: Any, *, note: dict[str, Any] | None = None) -> Dataset:
        """Return the samples at ``indices`` (positions in this object), keeping their provenance."""
        idx = torch.as_tensor(np.asarray(indices), dtype=torch.int64)
        if idx.ndim != 1:
            raise ValueError(f"indices must be 1-D, got shape {tuple(idx.shape)}")
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= len(self)):
            raise ValueError(
                f"indices must lie in 0..{len(self) - 1}, got {int(idx.min())}..{int(idx.max())}"
            )
        base = self.indices if self.indices is not None else torch.arange(len(self))
        info = dict(self.info)
        info["subsets"] = [*self.info.get("subsets", []), note or {"n": len(idx), "of": len(self)}]
        idx_x = idx.to(self.x.device)
        return replace(
            self,
            x=self.x[idx_x],
            y=self.y[idx.to(self.y.device)],
            info=info,
            indices=base[idx.to(base.device)],
        )

    def subset(
        self, n: int | None = None, *, fraction: float | None = None, seed: int = 0, stratified: bool = False
    ) -> Dataset:
        """Deterministic subset by seed; see :func:`subset`."""
        return subset(self, n, fraction=fraction, seed=seed, stratified=stratified)

    def to(self, device: str | torch.device | None = None) -> Dataset:
        """Return a copy with ``x`` and ``y`` on ``device`` (``None``/``"auto"``: CUDA if available)."""
        dev = resolve_device(device)
        return replace(self, x=self.x.to(dev), y=self.y.to(dev))


# --- subsets ---------------------------------------------------------------------------------------
def _count_from(n: int | None, fraction: float | None, n_total: int, what: str = "n") -> int:
    if (n is None) == (fraction is None):
        raise ValueError(f"give exactly one of {what}= or fraction=, got {what}={n!r}, fraction={fraction!r}")
    if fraction is not None:
        frac = check_positive(fraction, "fraction")
        if frac > 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        k = int(np.floor(frac * n_total + 0.5))  # round half up: fraction=0.01 of 60000 -> 600
        if k < 1:
            raise ValueError(f"fraction={fraction!r} of {n_total} samples selects none")
        return k
    k = check_int(n, what, minimum=1)
    if k > n_total:
        raise ValueError(f"{what}={k} exceeds the {n_total} samples available")
    return k


def _allocate(counts: np.ndarray, k: int) -> np.ndarray:
    """Split k over classes in proportion to ``counts`` (largest remainder, ties to the lower class).

    Integer arithmetic throughout, so the split is the same on every machine.
    """
    total = int(counts.sum())
    base = counts * k // total
    rem = counts * k % total
    short = k - int(base.sum())
    order = np.lexsort((np.arange(len(counts)), -rem))  # largest remainder first, then class index
    base[order[:short]] += 1
    return base


def subset_indices(
    n_total: int, n: int | None = None, *, fraction: float | None = None, seed: int = 0, labels: Any = None
) -> np.ndarray:
    """Indices of a deterministic random subset of ``range(n_total)``, sorted.

    The first ``n`` entries of ``numpy.random.default_rng(seed).permutation(n_total)``, so the same
    seed gives the same indices on any machine, and a smaller ``n`` with the same seed gives a
    subset of a larger one. With ``labels`` the subset is stratified: each class gets its share of
    ``n`` (largest-remainder rounding) and takes its first members in the same permutation order.

    Parameters
    ----------
    n_total : int
        Number of samples to choose from.
    n : int, optional
        Subset size. Give exactly one of ``n`` and ``fraction``.
    fraction : float, optional
        Subset size as a fraction of ``n_total`` in (0, 1], rounded half up (1 % of MNIST's 60000
        training images is 600).
    seed : int, default 0
        Seed for :func:`numpy.random.default_rng`.
    labels : array-like of shape (n_total,), optional
        Class labels for a stratified subset.

    Returns
    -------
    numpy.ndarray
        int64 indices in increasing order.
    """
    n_total = check_int(n_total, "n_total", minimum=1)
    k = _count_from(n, fraction, n_total)
    seed = check_int(seed, "seed", minimum=0)
    perm = np.random.default_rng(seed).permutation(n_total)
    if labels is None:
        return np.sort(perm[:k]).astype(np.int64)
    lab = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels).reshape(-1)
    if lab.shape[0] != n_total:
        raise ValueError(f"labels has {lab.shape[0]} entries, expected n_total={n_total}")
    classes, inverse, counts = np.unique(lab, return_inverse=True, return_counts=True)
    quota = _allocate(counts.astype(np.int64), k)
    inv_perm = inverse[perm]
    # loop over classes (few), not samples
    picked = [perm[inv_perm == c][: quota[c]] for c in range(len(classes))]
    return np.sort(np.concatenate(picked)).astype(np.int64)


def subset(
    ds: Dataset,
    n: int | None = None,
    *,
    fraction: float | None = None,
    seed: int = 0,
    stratified: bool = False,
) -> Dataset:
    """Deterministic random subset of a :class:`Dataset` (e.g. ``fraction=0.01`` of MNIST).

    See :func:`subset_indices` for how indices are drawn. ``stratified=True`` keeps the class
    proportions of ``ds`` (up to rounding). The subset keeps the original sample order, records its
    parameters in ``info['subsets']`` and its positions in the full split in ``indices``.
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be an ibcore.data.Dataset, got {type(ds).__name__}")
    idx = subset_indices(len(ds), n, fraction=fraction, seed=seed, labels=ds.y if stratified else None)
    note = {"kind": "subset", "n": int(len(idx)), "of": len(ds), "seed": seed, "stratified": bool(stratified)}
    return ds.select(idx, note=note)


def train_test_split(
    ds: Dataset, test_fraction: float = 0.2, *, seed: int = 0, stratified: bool = False
) -> tuple[Dataset, Dataset]:
    """Split ``ds`` into deterministic disjoint (train, test) parts.

    The test part is ``subset_indices(len(ds), fraction=test_fraction, seed=seed)`` (stratified by
    label if asked); the train part is everything else. Both keep the original order.

    Returns
    -------
    (Dataset, Dataset)
        The training part and the test part.
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be an ibcore.data.Dataset, got {type(ds).__name__}")
    n_total = len(ds)
    test_idx = subset_indices(n_total, fraction=test_fraction, seed=seed, labels=ds.y if stratified else None)
    if len(test_idx) >= n_total:
        raise ValueError(f"test_fraction={test_fraction!r} leaves no training samples out of {n_total}")
    mask = np.ones(n_total, dtype=bool)
    mask[test_idx] = False
    train_idx = np.flatnonzero(mask)
    common = {"of": n_total, "seed": seed, "stratified": bool(stratified), "test_fraction": test_fraction}
    return (
        ds.select(train_idx, note={"kind": "train", "n": len(train_idx), **common}),
        ds.select(test_idx, note={"kind": "test", "n": len(test_idx), **common}),
    )
