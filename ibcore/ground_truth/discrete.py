"""Discrete tasks with exact MI, for the plug-in estimators (binning, the decision rule), in nats.

* :func:`binned_layer_task`: a "layer" whose activations take the centres of a regular grid of
  cells, with labels that depend on the cell, so that binning with the grid's own bins quantizes
  without loss and the only error left is the plug-in (finite-N) bias: I(X;L) = H(L), I(Y;L) exact.
* :func:`decision_task`: predicted classes from a noisy classifier, with I(Y; Y-hat) exact.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["binned_layer_task", "decision_task", "discrete_mi", "symmetric_channel_mi"]


def discrete_mi(pxy: np.ndarray) -> float:
    r"""I(X;Y) of a joint probability table p(x, y): :math:`\sum p \log \frac{p(x,y)}{p(x)p(y)}`."""
    p = np.asarray(pxy, dtype=np.float64)
    if p.ndim != 2 or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("pxy must be a 2-D table of probabilities summing to 1")
    px, py = p.sum(axis=1), p.sum(axis=0)
    return float(special.entr(px).sum() + special.entr(py).sum() - special.entr(p).sum())


def symmetric_channel_mi(n_classes: int, error: float) -> float:
    r"""I(Y; Y-hat), Y uniform on C classes, Y-hat = Y with probability 1 - e, else uniform on the others.

    .. math:: I = \log C - h(e) - e \log(C - 1), \qquad h(e) = -e\log e - (1-e)\log(1-e)
    """
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    if not 0 <= error <= 1:
        raise ValueError(f"error must be in [0, 1], got {error}")
    h = float(special.entr(error) + special.entr(1 - error))
    return float(np.log(n_classes) - h - error * np.log(n_classes - 1))


def decision_task(
    n: int, *, n_classes: int = 10, error: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Sample (outputs, labels, true I(Y; Y-hat)): one-hot scores (n, C) of noisy predictions, labels (n,).

    Y is uniform on ``n_classes``; the prediction is Y with probability 1 - ``error``, else one of
    the other classes at random (:func:`symmetric_channel_mi`).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, size=n)
    wrong = rng.random(n) < error
    pred = np.where(wrong, (y + rng.integers(1, n_classes, size=n)) % n_classes, y)
    return np.eye(n_classes)[pred], y, symmetric_channel_mi(n_classes, error)


def binned_layer_task(
    n: int, *, dim: int = 2, levels: int = 8, n_classes: int = 2, label_noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, dict]:
    r"""Sample a discrete layer L on the cell centres of ``levels``^``dim`` cells in [-1, 1]^dim, and labels.

    The cells have the probabilities of a discretised standard Gaussian of scale 0.5 (unequal, so
    the plug-in bias shows); the label is ``class_of(cell) = (sum of cell indices) mod n_classes``,
    replaced by a uniformly random other class with probability ``label_noise``. Binning L with
    ``n_bins=levels`` on ``value_range=(-1, 1)`` recovers the cell exactly, so the targets are

    .. math:: I(X;L) = H(L) = -\sum_c p_c \log p_c, \qquad I(Y;L) = I(Y;\text{cell})

    (X = the input is the cell itself plus whatever does not change L; L is a function of X).

    Returns
    -------
    layer : (n, dim) array, labels : (n,) int array, truth : dict with "I(X;L)" and "I(Y;L)" (nats)
    """
    rng = np.random.default_rng(seed)
    centres_1d = -1 + (2 * np.arange(levels) + 1) / levels
    w1 = np.exp(-0.5 * (centres_1d / 0.5) ** 2)
    w1 /= w1.sum()
    grids = np.stack(np.meshgrid(*[np.arange(levels)] * dim, indexing="ij"), axis=-1).reshape(-1, dim)
    p_cell = np.prod(w1[grids], axis=1)
    p_cell /= p_cell.sum()
    cls = grids.sum(axis=1) % n_classes
    # p(y | cell): 1 - noise on the cell's class, noise / (C - 1) on each other class
    p_y = np.full((grids.shape[0], n_classes), label_noise / (n_classes - 1))
    p_y[np.arange(grids.shape[0]), cls] = 1 - label_noise
    truth = {
        "I(X;L)": float(special.entr(p_cell).sum()),
        "I(Y;L)": discrete_mi(p_cell[:, None] * p_y),
    }
    cell = rng.choice(grids.shape[0], size=n, p=p_cell)
    wrong = rng.random(n) < label_noise
    labels = np.where(wrong, (cls[cell] + rng.integers(1, n_classes, size=n)) % n_classes, cls[cell])
    return centres_1d[grids[cell]], labels, truth
