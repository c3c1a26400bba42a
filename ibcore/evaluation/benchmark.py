"""Timing ibcore's estimators against the anchors' way: the references and the measurements.

The appendix page of the book (``notebooks/A1_estimator_speed.ipynb``) and ``make bench``
(``benchmarks/speed.py``) call these functions, so the page shows figures from the same code.
Each measurement times ours and the anchor in the same process, one after the other (interleaved
when repeated), and reports their ratio, which stays meaningful on a machine other jobs share.

Anchors (written here, as their authors compute them):

* :func:`saxe_kde`: the KDE bounds of Saxe et al.'s ``kde.py`` (``Kget_dists``,
  ``entropy_estimator_kl``/``_bd``, ``kde_condentropy`` and the per-class loop of their
  ``ComputeMI`` notebooks), re-expressed in numpy float64 with scipy's ``logsumexp``;
* :func:`kdtree_ksg`: KSG with scikit-learn KD-trees in the Chebyshev metric, one thread (the
  NPEET / mutinfo recipe: a k-NN query, then ``query_radius(count_only=True)``).

Every function takes ``device``: on a CUDA machine ours runs on the GPU with the same code, while
the anchors stay numpy on the CPU, as their authors ran them.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.special import digamma, logsumexp
from sklearn.neighbors import KDTree

from ibcore._device import resolve_device
from ibcore.estimators.kde import KDE, KDEResult, mi_kde
from ibcore.estimators.knn import mi_ksg
from ibcore.estimators.renyi import Renyi
from ibcore.ground_truth import gaussian_pair
from ibcore.interface import IXL, IYL, Bounds

__all__ = [
    "devices",
    "kde_run",
    "kde_vs_n",
    "kdtree_ksg",
    "ksg_vs_n",
    "machine",
    "parallel_speedup",
    "renyi_subsample",
    "saxe_kde",
    "synthetic_layer",
    "szt_config",
    "szt_run",
    "timed",
]


# --------------------------------------------------------------------------------------------
# the anchors
# --------------------------------------------------------------------------------------------
def saxe_kde(h: Any, labels: Any, noise_var: float) -> KDEResult:
    r"""KDE bounds on I(X;T) and I(Y;T) as Saxe et al.'s ``kde.py`` computes them (numpy float64).

    .. math::

        \hat H_{KL}(T) = \frac d2 - \frac1N \sum_i \Big[\log \sum_j e^{-\|h_i-h_j\|^2/2\sigma^2}
        - \log N - \frac d2 \log(2\pi\sigma^2)\Big],

    :math:`\hat H_{BD}(T) = \hat H_{KL}(T)|_{4\sigma^2} + \frac d2 \log\frac14`,
    :math:`H(T|X) = \frac d2 (\log 2\pi\sigma^2 + 1)`, and I(Y;T) = H(T) - sum_y p(y) H(T|Y=y)
    with each class's samples alone. Distances are ``Kget_dists``' matrix-product form
    :math:`\|a\|^2 + \|b\|^2 - 2ab`. The bounds are those of :func:`ibcore.mi_kde` (Kolchinsky &
    Tracey 2017), computed another way.

    Parameters
    ----------
    h : array, shape (N, d)
        One layer at one epoch.
    labels : array of int, shape (N,)
    noise_var : float
        sigma^2.

    Returns
    -------
    KDEResult
        ``i_xl = Bounds(lower, upper)``, ``i_yl`` likewise, floats in nats.

    References
    ----------
    .. [1] A. M. Saxe et al., ICLR 2018; code github.com/artemyk/ibsgd (``kde.py``,
       ``MNIST_ComputeMI.ipynb``).

    Examples
    --------
    >>> h = np.array([[0.0], [0.0], [10.0], [10.0]])
    >>> r = saxe_kde(h, np.array([0, 0, 1, 1]), 0.01)
    >>> round(r.i_xl.upper, 6), round(r.i_yl.upper, 6)    # two far clusters = the classes: log 2
    (0.693147, 0.693147)
    """
    h = np.asarray(h, dtype=np.float64)
    labels = np.asarray(labels)

    def dists(x: np.ndarray) -> np.ndarray:  # Kget_dists
        x2 = (x * x).sum(axis=1)[:, None]
        return x2 + x2.T - 2.0 * x @ x.T

    def entropy_kl(x: np.ndarray, var: float) -> float:  # entropy_estimator_kl
        n, dims = x.shape
        normconst = dims / 2.0 * math.log(2 * math.pi * var)
        lprobs = logsumexp(-dists(x) / (2 * var), axis=1) - math.log(n) - normconst
        return dims / 2.0 - float(np.mean(lprobs))

    def entropy_bd(x: np.ndarray, var: float) -> float:  # entropy_estimator_bd
        return entropy_kl(x, 4 * var) + math.log(0.25) * x.shape[1] / 2.0

    h_given_x = h.shape[1] / 2.0 * (math.log(2 * math.pi * noise_var) + 1)  # kde_condentropy
    upper, lower = entropy_kl(h, noise_var), entropy_bd(h, noise_var)
    upper_y = lower_y = 0.0
    for c in np.unique(labels):
        members = labels == c
        p = float(members.mean())
        upper_y += p * entropy_kl(h[members], noise_var)
        lower_y += p * entropy_bd(h[members], noise_var)
    return KDEResult(Bounds(lower - h_given_x, upper - h_given_x), Bounds(lower - lower_y, upper - upper_y))


def kdtree_ksg(x: Any, y: Any, k: int = 5) -> float:
    """KSG (algorithm 1) with scikit-learn KD-trees, Chebyshev metric, one thread: the usual recipe.

    The k-th neighbour distance eps_i in the joint space by ``KDTree.query``, then the marginal
    counts by ``query_radius(..., count_only=True)`` with radius ``nextafter(eps_i, 0)`` (strictly
    closer than eps_i), as NPEET and mutinfo do; the formula of :func:`ibcore.mi_ksg`.

    Examples
    --------
    >>> x, y, true_mi = gaussian_pair(2000, 0.8, seed=0)
    >>> abs(kdtree_ksg(x, y) - mi_ksg(x, y, device="cpu")) < 1e-12
    True
    """
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(len(x), -1))
    y = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(len(y), -1))
    n = len(x)
    xy = np.hstack([x, y])
    eps = KDTree(xy, metric="chebyshev").query(xy, k=k + 1)[0][:, -1]
    r = np.nextafter(eps, 0)
    nx = KDTree(x, metric="chebyshev").query_radius(x, r, count_only=True) - 1
    ny = KDTree(y, metric="chebyshev").query_radius(y, r, count_only=True) - 1
    return float(digamma(n) + digamma(k) - np.mean(digamma(nx + 1) + digamma(ny + 1)))


# --------------------------------------------------------------------------------------------
# the machine, timing, data
# --------------------------------------------------------------------------------------------
def devices() -> list[str]:
    """The devices to time ours on: ``["cpu"]``, plus ``"cuda"`` when a GPU is present."""
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the timings ran on: CPU model and count, torch threads, GPU, load average, versions."""
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n_cpus = os.cpu_count() or 1
    return {
        "cpu": _cpu_model(),
        "cpus": n_cpus,
        "torch threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "load average (1 min)": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def timed(fn: Callable[[], Any], *, repeat: int = 1, device: Any = "cpu") -> tuple[Any, float]:
    """Call ``fn()`` ``repeat`` times; return its last result and the median wall-clock seconds.

    On CUDA the device is synchronised before the clock stops, so the time covers the work.
    """
    cuda = str(device).startswith("cuda")
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times))


def synthetic_layer(n: int, d: int, n_epochs: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A tanh layer of N binary 12-bit inputs over epochs, saturating more and more, and labels.

    ``tanh(s_e (x - 1/2) W)`` with W ~ N(0, 1) of shape (12, d) and s_e from 0.3 to 10 over the
    epochs, stored in float16 and returned as float32 (E, N, d), as recorded runs hold layers;
    the labels are the SZT-like rule 1[sum of the bits > 6]. Timing data: the cost of the
    estimators here does not depend on the values, except through ties and saturation.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (n, 12), generator=gen).double()
    w = torch.randn(12, d, generator=gen, dtype=torch.float64)
    scale = torch.logspace(math.log10(0.3), 1.0, n_epochs, dtype=torch.float64)[:, None, None]
    acts = torch.tanh(scale * ((x - 0.5) @ w)[None]).half().float()
    return acts, (x.sum(1) > 6).long()


def szt_config(n_epochs: int) -> Any:
    """The :class:`~ibcore.training.TrainConfig` of chapter 0's network for ``n_epochs``.

    The SZT 12-10-7-5-4-3-2 tanh MLP with ravidziv/IDNNs' initialisation (``init="idnns"``), Adam
    4e-4, batch 256, recorded at the Saxe schedule: the configuration of
    ``notebooks/00_information_plane.ipynb`` (a test checks the two agree), so the run cache serves
    runs chapter 0 trained.
    """
    from ibcore.training import TrainConfig

    return TrainConfig(
        model={
            "kind": "mlp",
            "widths": [12, 10, 7, 5, 4, 3, 2],
            "activation": "tanh",
            "output_activation": "softmax",
        },
        optimizer="adam",
        lr=4e-4,
        batch_size=256,
        n_epochs=n_epochs,
        schedule="saxe",
        init="idnns",
    )


def szt_run(n_epochs: int, *, seed: int = 0, device: Any = None, progress: bool = False) -> Any:
    """A recorded run of chapter 0's network (:func:`szt_config`).

    The split of ``notebooks/00_information_plane.ipynb`` (85 % of the 4096 inputs for training,
    split seed 0; all 4096 recorded), so a run that chapter 0 trained comes from the run cache.
    ``n_epochs`` = 10^4 gives chapter 0's run of 212 recorded epochs.
    """
    from ibcore import data
    from ibcore.training import train_seeds

    szt = data.load_szt()
    train, _ = data.train_test_split(szt, test_fraction=1 - 0.85, seed=0)
    config = szt_config(n_epochs)
    return train_seeds(
        config, [seed], train=(train.x, train.y), eval=(szt.x, szt.y), device=device, progress=progress
    )[0]


def _bounds_array(r: KDEResult) -> np.ndarray:
    """(lower, upper) of I(X;T) then of I(Y;T), as an array (4, ...) in nats."""
    return np.array([r.i_xl.lower, r.i_xl.upper, r.i_yl.lower, r.i_yl.upper], dtype=np.float64)


# --------------------------------------------------------------------------------------------
# KDE
# --------------------------------------------------------------------------------------------
def kde_vs_n(
    sizes: Sequence[int],
    *,
    d: int = 10,
    n_epochs: int = 4,
    anchor_epochs: int = 2,
    noise_var: float = 1e-3,
    device: Any = None,
) -> pd.DataFrame:
    """Time per layer-epoch of the KDE bounds against N: :func:`mi_kde` vs :func:`saxe_kde`.

    Ours takes the ``n_epochs`` epochs of a :func:`synthetic_layer` in one call (as the
    information plane does), the anchor the first ``anchor_epochs`` of them one by one.

    Returns
    -------
    pandas.DataFrame
        One row per N: ``N, d, ours (s), anchor (s)`` (per layer-epoch), ``ratio`` (anchor / ours)
        and ``max |diff|`` (nats, over the four numbers of the epochs both ran).
    """
    dev = resolve_device(device)
    acts, labels = synthetic_layer(64, d, 2)
    mi_kde(acts.to(dev), labels=labels.to(dev), noise_var=noise_var)  # warm-up: library start-up is not timed
    rows = []
    for n in sizes:
        acts, labels = synthetic_layer(int(n), d, n_epochs)
        a, y = acts.to(dev), labels.to(dev)
        ours, t_ours = timed(lambda a=a, y=y: mi_kde(a, labels=y, noise_var=noise_var), device=dev)
        h, lab = acts.numpy(), labels.numpy()
        anchor, t_anchor = timed(
            lambda h=h, lab=lab: [saxe_kde(h[e], lab, noise_var) for e in range(anchor_epochs)]
        )
        diff = np.abs(
            _bounds_array(ours)[:, :anchor_epochs] - np.stack([_bounds_array(r) for r in anchor], 1)
        )
        rows.append(
            {
                "N": int(n),
                "d": d,
                "ours (s)": t_ours / n_epochs,
                "anchor (s)": t_anchor / anchor_epochs,
                "ratio": (t_anchor / anchor_epochs) / (t_ours / n_epochs),
                "max |diff|": float(diff.max()),
            }
        )
    return pd.DataFrame(rows)


def kde_run(
    run: Any, *, noise_var: float = 1e-3, anchor_samples: int = 6, device: Any = None
) -> dict[str, Any]:
    """The KDE information plane of a whole run: ``information_plane(run, KDE(noise_var))`` vs the anchor.

    Ours is timed over every layer and recorded epoch. The anchor (:func:`saxe_kde`, one
    layer-epoch at a time) is timed on ``anchor_samples`` layer-epochs spread over the layers and
    the run, and its time per layer-epoch is projected to the run (as the issue's 1.19 s x 1,272).

    Returns
    -------
    dict
        ``layer-epochs``, ``N``, ``ours (s)`` (the whole run), ``anchor per layer-epoch (s)``,
        ``anchor projected (s)``, ``ratio`` and ``max |diff|`` (nats, the four numbers on the
        sampled layer-epochs).
    """
    from ibcore.analysis.infoplane import information_plane

    dev = resolve_device(device)
    est = KDE(noise_var=noise_var, device=dev)
    warm, warm_labels = synthetic_layer(64, 2, 2)
    est.estimate_layer(warm, x=None, y=warm_labels)  # warm-up: library start-up is not timed
    frame, t_ours = timed(lambda: information_plane(run, est, progress=False), device=dev)
    layers, n_epochs = list(run.layers), len(run.epochs)
    y = np.asarray(run.y_eval)
    picks = [(layers[i % len(layers)], (i * 37) % n_epochs) for i in range(anchor_samples)]
    diffs, t_anchor = [], 0.0
    for layer, e in picks:
        h = np.asarray(torch.as_tensor(run.activations[layer][e]).float())
        ref, t = timed(lambda h=h: saxe_kde(h, y, noise_var))
        t_anchor += t
        row = frame[(frame.layer == layer) & (frame.epoch == run.epochs[e])].iloc[0]
        ours = [row[f"{IXL} lower"], row[IXL], row[f"{IYL} lower"], row[IYL]]
        diffs.append(np.abs(np.array(ours) - _bounds_array(ref)).max())
    per = t_anchor / len(picks)
    layer_epochs = len(layers) * n_epochs
    return {
        "layer-epochs": layer_epochs,
        "N": len(y),
        "ours (s)": t_ours,
        "anchor per layer-epoch (s)": per,
        "anchor projected (s)": per * layer_epochs,
        "ratio": per * layer_epochs / t_ours,
        "max |diff|": float(max(diffs)),
    }


# --------------------------------------------------------------------------------------------
# KSG
# --------------------------------------------------------------------------------------------
def ksg_vs_n(
    settings: Sequence[tuple[int, int]], *, k: int = 5, repeat: int = 3, device: Any = None
) -> pd.DataFrame:
    """Time of :func:`mi_ksg` (all CPUs, or the GPU) vs :func:`kdtree_ksg` (one thread).

    ``settings`` lists (N, d): x and y each d-dimensional, ``gaussian_pair(N, [0.6] * d)`` (tie-free
    data, true MI 0.223 d nats). Ours and the anchor alternate ``repeat`` times (fewer above
    N = 10^5 to save time); the medians are reported.

    Returns
    -------
    pandas.DataFrame
        ``N, d, ours (s), anchor (s), ratio`` (anchor / ours), ``|diff|`` (nats) and ``true MI``.
    """
    dev = resolve_device(device)
    x, y, _ = gaussian_pair(200, [0.6, 0.6], seed=1)
    mi_ksg(x, y, k=k, device=dev)  # warm-up
    kdtree_ksg(x, y, k=k)
    rows = []
    for n, d in settings:
        x, y, true_mi = gaussian_pair(int(n), [0.6] * d, seed=0)
        reps = repeat if n < 100_000 else 1
        t_ours, t_anchor = [], []
        for _ in range(reps):
            ours, t = timed(lambda x=x, y=y: mi_ksg(x, y, k=k, device=dev), device=dev)
            t_ours.append(t)
            anchor, t = timed(lambda x=x, y=y: kdtree_ksg(x, y, k=k))
            t_anchor.append(t)
        to, ta = float(np.median(t_ours)), float(np.median(t_anchor))
        rows.append(
            {
                "N": int(n),
                "d": d,
                "ours (s)": to,
                "anchor (s)": ta,
                "ratio": ta / to,
                "|diff|": abs(ours - anchor),
                "true MI": true_mi,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Renyi
# --------------------------------------------------------------------------------------------
def renyi_subsample(
    run: Any,
    sizes: Sequence[int],
    *,
    layers: Sequence[str] | None = None,
    n_epochs: int = 6,
    seed: int = 0,
    device: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The matrix-based Renyi information plane on subsamples of n inputs: values and cost.

    For each n in ``sizes``, ``Renyi(n_subsample=n, seed=seed)`` on ``n_epochs`` recorded epochs
    spread over the run (first and last included) of each of ``layers`` (default: all).

    Returns
    -------
    values : pandas.DataFrame
        ``n, layer, epoch, I(X;L), I(Y;L)`` (nats).
    cost : pandas.DataFrame
        Per n: ``s per layer-epoch`` and ``projected run (s)``, that time the run's
        layers x recorded epochs.
    """
    dev = resolve_device(device)
    layers = list(layers) if layers is not None else list(run.layers)
    idx = np.unique(np.linspace(0, len(run.epochs) - 1, n_epochs).round().astype(int))
    x, y = torch.as_tensor(run.x_eval).float(), torch.as_tensor(run.y_eval).long()
    Renyi(n_subsample=32).estimate_layer(torch.as_tensor(run.activations[layers[0]][:1]).float(), x=x, y=y)
    values, cost = [], []
    for n in sizes:
        est = Renyi(n_subsample=int(n), seed=seed, device=dev)
        total = 0.0
        for layer in layers:
            acts = torch.as_tensor(run.activations[layer])[torch.as_tensor(idx)].float()
            out, t = timed(lambda est=est, acts=acts: est.estimate_layer(acts, x=x, y=y), device=dev)
            total += t
            for j, e in enumerate(idx):
                values.append(
                    {
                        "n": int(n),
                        "layer": layer,
                        "epoch": int(run.epochs[e]),
                        IXL: out[IXL][j],
                        IYL: out[IYL][j],
                    }
                )
        per = total / (len(layers) * len(idx))
        cost.append(
            {
                "n": int(n),
                "s per layer-epoch": per,
                "projected run (s)": per * len(run.layers) * len(run.epochs),
            }
        )
    return pd.DataFrame(values), pd.DataFrame(cost)


# --------------------------------------------------------------------------------------------
# parallel information planes
# --------------------------------------------------------------------------------------------
def parallel_speedup(runs: Any, estimators: Any, *, n_jobs: int = -1) -> dict[str, Any]:
    """``information_plane`` in this process vs in ``n_jobs`` local worker processes.

    The worker processes are started (and import ibcore) by an untimed warm-up call first, as in
    a session that computes several planes. Returns ``jobs``, ``sequential (s)``,
    ``parallel (s)``, ``speedup``, ``same frame`` (``DataFrame.equals``: bit for bit) and
    ``max |diff|`` (nats; float sums may differ in the last bits with the number of threads).
    """
    from ibcore.analysis.infoplane import information_plane

    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    first = runs[0]
    information_plane(
        first, estimators, layers=first.layers[:1], epochs=first.epochs[:2], progress=False, n_jobs=n_jobs
    )
    seq, t_seq = timed(lambda: information_plane(runs, estimators, progress=False))
    par, t_par = timed(lambda: information_plane(runs, estimators, progress=False, n_jobs=n_jobs))
    n_est = len(estimators) if isinstance(estimators, (list, tuple, dict)) else 1
    numeric = seq.select_dtypes("number").columns
    a, b = seq[numeric].to_numpy(float), par[numeric].to_numpy(float)
    both = ~(np.isnan(a) & np.isnan(b))  # columns of other estimators are NaN in both
    return {
        "jobs": sum(len(r.layers) for r in runs) * n_est,
        "n_jobs": n_jobs,
        "sequential (s)": t_seq,
        "parallel (s)": t_par,
        "speedup": t_seq / t_par,
        "same frame": bool(seq.equals(par)),
        "max |diff|": float(np.abs(a - b)[both].max()) if both.any() else 0.0,
    }
