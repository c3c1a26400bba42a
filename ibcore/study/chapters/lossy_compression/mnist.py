"""The MNIST part of chapter 3 (lossy compression): the CNN runs, their information plane, the ablation.

:func:`train_mnist` fits the conv autoencoder of X and trains (or loads) the CNN runs configured by
:func:`cnn_config`; :func:`mnist_plane` estimates I(X;L) and I(Y;L) by WKL on compressed codes,
with the phases of I(X;L) (:func:`phase_table`) and each run's fastest loss drop
(:func:`drop_epochs`); :func:`layer_ablation` compresses the layers by autoencoders instead of PCA
at a few epochs (:func:`ablation_epochs`, :func:`ablation_steps`) and estimates the PCA plane
without whitening. Result classes: :class:`Mnist`, :class:`Plane`, :class:`Ablation`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore import data
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.phases import fastest_drop, phases, smooth
from ibcore.compression import fit_compressor
from ibcore.estimators.compressed import CompressedMI
from ibcore.interface import IXL
from ibcore.training import TrainConfig, train_seeds

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.compression import Compressor
    from ibcore.study.profiles import Settings

__all__ = [
    "WINDOW",
    "PHASE_FLOOR",
    "X_METHOD",
    "SMOOTHINGS",
    "released_filter",
    "smooth_curve",
    "cnn_config",
    "Mnist",
    "train_mnist",
    "drop_epochs",
    "phase_table",
    "Plane",
    "mnist_plane",
    "ablation_epochs",
    "ablation_steps",
    "Ablation",
    "layer_ablation",
]

WINDOW = 7
"""Savitzky-Golay window (epochs) of the MNIST curves' smoothing and scatter."""

PHASE_FLOOR = 0.05
"""The smallest phase counted (nats), whatever a curve's scatter."""

X_METHOD = "conv"
"""The compressor of the MNIST images X (:func:`ibcore.compression.fit_compressor` ``method``)."""


SMOOTHINGS = ("ours", "released")
"""Smoothings of the I(X;L) curves: ``"ours"`` (Savitzky-Golay, window :data:`WINDOW`, order 2) or
``"released"`` (:func:`released_filter`, the authors' ``filter_data``)."""


def released_filter(values: Any) -> np.ndarray:
    """The released code's smoothing of an MI curve (VanessB/Information-v3: source/examples/
    Information plane experiments (DNN classifier, MNIST).ipynb, ``filter_data``): Savitzky-Golay
    with window ``min(30, n)`` and order ``min(4, window - 1)``, then a zero-phase order-8
    Butterworth low-pass at 0.125 of the Nyquist frequency (``butter(8, 0.125)``, ``filtfilt``
    with ``padlen = min(5, n - 1)``). Curves of fewer than 3 points are returned unchanged."""
    from scipy.signal import butter, filtfilt, savgol_filter

    v = np.asarray(values, dtype=np.float64).ravel()
    if len(v) < 3:
        return v.copy()
    window = min(30, len(v))
    y = savgol_filter(v, window, min(4, window - 1))
    b, a = butter(8, 0.125)
    return filtfilt(b, a, y, padlen=min(5, len(v) - 1))


def smooth_curve(values: Any, smoothing: str = "ours") -> np.ndarray:
    """A curve smoothed by one of :data:`SMOOTHINGS`."""
    if smoothing not in SMOOTHINGS:
        raise ValueError(f"smoothing must be one of {SMOOTHINGS}, got {smoothing!r}")
    return released_filter(values) if smoothing == "released" else smooth(values, window=WINDOW)


def cnn_config(settings: Settings) -> TrainConfig:
    """The MNIST CNN's training configuration (the run cache's key): Adam on the cross-entropy,
    dropout and noise on every layer input, every epoch recorded; the output recorded as the
    log-softmax, as the released classifier returns it (the loss takes the logits)."""
    return TrainConfig(
        model={
            "kind": "mnist_cnn",
            "noise_std": settings.cnn_noise,
            "noise_mode": settings.cnn_noise_mode,
            "dropout": settings.cnn_dropout,
            "output_activation": "log_softmax",
        },
        optimizer="adam",
        lr=settings.cnn_lr,
        batch_size=settings.batch_size,
        n_epochs=settings.cnn_epochs,
        schedule="all",
    )


@dataclass
class Mnist:
    """The MNIST part's inputs: the CNN runs (one per seed of ``cnn_seeds``), the compressor of X,
    the standardisation (``mu``, ``sd``), the final test accuracy by seed, the run-cache note,
    the page's report (two lines) and the wall time of fitting and training."""

    runs: list[Any]
    x_comp: Compressor
    mu: float
    sd: float
    final_acc: dict[int, float]
    train_note: str
    report: str
    seconds: float


def train_mnist(settings: Settings) -> Mnist:
    """Standardise MNIST as the released code does, fit the conv autoencoder of X (``code_dim``)
    and train (or load) one CNN run per seed of ``cnn_seeds``, recorded on ``eval_samples``
    test images.

    Returns
    -------
    Mnist
    """
    mnist_train, mnist_test = data.load_mnist(train=True), data.load_mnist(train=False)
    x_tr, y_tr = mnist_train.x[: settings.cnn_train], mnist_train.y[: settings.cnn_train]
    mu, sd = float(mnist_train.x.mean()), float(mnist_train.x.std())  # the released code's Normalize
    x_tr = (x_tr - mu) / sd
    x_ev, y_ev = (mnist_test.x[: settings.eval_samples] - mu) / sd, mnist_test.y[: settings.eval_samples]
    t0 = time.perf_counter()
    x_comp = fit_compressor(
        (mnist_train.x[: settings.x_ae_samples] - mu) / sd,
        settings.code_dim,
        method=X_METHOD,
        n_epochs=settings.x_ae_epochs,
        batch_size=128,
        lr=1e-3,
        seed=settings.seed,
        device=settings.device,
        patience=settings.x_ae_patience,
    )
    runs = train_seeds(
        cnn_config(settings),
        settings.cnn_seeds,
        train=(x_tr, y_tr),
        eval=(x_ev, y_ev),
        device=settings.device,
    )
    seconds = time.perf_counter() - t0
    train_note = settings.note_runs(runs)
    final_acc = {r.config["seed"]: float(r.history["eval_acc"].iloc[-1]) for r in runs}
    report = (
        f"images standardised by mean {mu:.4f}, sd {sd:.4f}; X autoencoder: held-out reconstruction error "
        f"{x_comp.val_error:.3f} (best of {len(x_comp.val_history)} epochs: epoch {x_comp.best_epoch}, "
        f"patience {settings.x_ae_patience}, cap {settings.x_ae_epochs}; {x_comp.wall_time_s:.0f} s); "
        f"{train_note}\n"
        f"test accuracy after {settings.cnn_epochs} epochs, by seed: "
        + ", ".join(f"{s}: {a:.3f}" for s, a in final_acc.items())
    )
    return Mnist(list(runs), x_comp, mu, sd, final_acc, train_note, report, seconds)


def drop_epochs(loss: Mapping[Any, Any]) -> dict[Any, float]:
    """The epoch of each run's fastest training-loss drop, read from the loss as recorded.

    ``loss`` maps a seed to its per-epoch loss (epochs 0, 1, ...); not smoothed (the filter bends
    a curve near its ends, where a loss falls fastest). Returns ``seed -> epoch`` (an interval's
    midpoint, e.g. 1.5).
    """
    return {s: fastest_drop(np.arange(len(v)), v) for s, v in loss.items()}


def phase_table(plane: pd.DataFrame, *, floor: float = PHASE_FLOOR, smoothing: str = "ours") -> pd.DataFrame:
    """The fitting and compression phases of every (seed, layer) curve of I(X;L).

    Each curve is smoothed by :func:`smooth_curve` (``smoothing``); a phase must change the
    smoothed curve by at least ``threshold = max(floor, 2 * jitter)``, twice the sd of the curve
    about its smoothed version, and never less than ``floor`` nats; a curve of 2 epochs or
    fewer has no phase (threshold ``floor``).

    Returns
    -------
    pandas.DataFrame
        Columns ``seed, layer, kind, start, end, change, threshold``, one row per phase, in the
        plane's order of (seed, layer).
    """
    missing = [c for c in ("seed", "layer", "epoch", IXL) if c not in plane.columns]
    if missing:
        raise ValueError(f"plane lacks columns {missing}")
    rows = []
    for (s, layer), g in plane.groupby(["seed", "layer"], sort=False):
        if len(g) > 2:
            v = g[IXL].to_numpy(dtype=np.float64)
            s_v = smooth_curve(v, smoothing)
            min_change = max(floor, 2 * float(np.std(v - s_v, ddof=1)))
            ph = phases(g["epoch"], s_v, min_change=min_change, window=1)  # window 1: as smoothed
        else:
            min_change, ph = floor, phases([0, 1], [0, 0])
        rows.append(ph.assign(seed=s, layer=layer, threshold=min_change))
    return pd.concat(rows, ignore_index=True)[
        ["seed", "layer", "kind", "start", "end", "change", "threshold"]
    ]


@dataclass
class Plane:
    """The MNIST information plane (:attr:`plane`, nats), its layers, each run's training loss
    (``seed -> array``), fastest-drop epochs, phase table and the wall time of the estimates."""

    plane: pd.DataFrame
    layers: list[str]
    loss: dict[int, np.ndarray]
    drop_epoch: dict[int, float]
    phases: pd.DataFrame
    seconds: float

    def summary(self, n_runs: int) -> str:
        """The page's one-line report of the plane."""
        return f"information plane: {len(self.plane)} layer-epochs of {n_runs} runs in {self.seconds:.0f} s"


def mnist_plane(settings: Settings, mnist: Mnist) -> Plane:
    """I(X;L) and I(Y;L) of every layer and recorded epoch of every run, by WKL on ``code_dim``-D
    codes (X by its autoencoder, layers by PCA; ``CompressedMI``), with the phases of I(X;L) and
    the fastest loss drops.

    Returns
    -------
    Plane
    """
    t0 = time.perf_counter()
    plane = information_plane(
        mnist.runs,
        CompressedMI(mnist.x_comp, dim=settings.code_dim, k=settings.k, device=settings.device),
        progress=False,
    )
    seconds = time.perf_counter() - t0
    loss = {r.config["seed"]: r.history["train_loss"].to_numpy() for r in mnist.runs}
    table = phase_table(plane, smoothing=settings.smoothing)
    return Plane(plane, list(mnist.runs[0].layers), loss, drop_epochs(loss), table, seconds)


def ablation_epochs(epochs: Any, n_points: int) -> np.ndarray:
    """``n_points`` evenly spaced epochs of the recorded ``epochs`` (first and last included).

    Duplicates (more points than epochs) are dropped. Returns a sorted array of epochs.
    """
    if n_points < 1:
        raise ValueError(f"n_points must be >= 1, got {n_points}")
    recorded = np.sort(pd.unique(np.asarray(epochs)))
    if not len(recorded):
        raise ValueError("no recorded epochs")
    return recorded[np.unique(np.linspace(0, len(recorded) - 1, n_points).round().astype(int))]


def ablation_steps(both: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """How I(X;L) moved between consecutive ablation epochs under PCA and under autoencoders.

    ``both`` has columns ``layer`` and ``IXL + " PCA"``, ``IXL + " AE"``, in epoch order within
    each layer.

    Returns
    -------
    both : pandas.DataFrame
        The input with ``change PCA`` and ``change AE`` (differences within each layer).
    moves : pandas.DataFrame
        Its rows with a change (every layer's first epoch dropped).
    same_sign : int
        Moves in which both changes have the same sign.
    """
    both = both.copy()
    both["change PCA"] = both.groupby("layer")[IXL + " PCA"].diff()
    both["change AE"] = both.groupby("layer")[IXL + " AE"].diff()
    moves = both.dropna(subset=["change PCA"])
    same_sign = int((np.sign(moves["change PCA"]) == np.sign(moves["change AE"])).sum())
    return both, moves, same_sign


@dataclass
class Ablation:
    """The layer-compression ablation of the first run.

    ``ae_plane``: I(X;L) with layers by dense autoencoders at :attr:`epochs`; ``both``: it merged
    with the PCA plane; ``moves``/``same_sign``: :func:`ablation_steps`; ``table``: the page's
    table (I(X;L) and code errors, PCA and AE); ``white``/``unwhite``: the PCA plane with and
    without whitening.
    """

    epochs: np.ndarray
    ae_plane: pd.DataFrame
    both: pd.DataFrame
    moves: pd.DataFrame
    same_sign: int
    table: pd.DataFrame
    white: pd.DataFrame
    unwhite: pd.DataFrame
    seconds: float

    def report(self) -> str:
        """The page's two-line report: the unwhitened range, and the agreement of the moves."""
        white, unwhite = self.white[IXL], self.unwhite[IXL]
        return (
            f"PCA codes without whitening: I(X;L) from {unwhite.min():.2f} to {unwhite.max():.2f} nats "
            f"(whitened: {white.min():.2f} to {white.max():.2f}); negative in {int((unwhite < 0).sum())} "
            f"of {len(unwhite)} layer-epochs\n"
            f"{len(self.ae_plane)} layer-epochs compressed by autoencoders in {self.seconds:.0f} s; "
            f"I(X;L) moved the same way under both compressions in {self.same_sign} of {len(self.moves)} "
            f"steps between ablation epochs"
        )


def layer_ablation(settings: Settings, mnist: Mnist, plane: Plane) -> Ablation:
    """The first run's layers compressed by dense autoencoders (``layer_ae_epochs``) at
    ``ablation_points`` recorded epochs, and its PCA plane without whitening.

    Returns
    -------
    Ablation
    """
    pl = plane.plane
    epochs = ablation_epochs(pl["epoch"], settings.ablation_points)
    dense_mi = CompressedMI(
        mnist.x_comp,
        dim=settings.code_dim,
        k=settings.k,
        layer_method="dense",
        device=settings.device,
        layer_options={"n_epochs": settings.layer_ae_epochs, "seed": settings.seed},
    )
    t0 = time.perf_counter()
    ae_plane = information_plane(mnist.runs[0], {"AE": dense_mi}, epochs=epochs, progress=False)
    seconds = time.perf_counter() - t0
    unwhitened = CompressedMI(
        mnist.x_comp, dim=settings.code_dim, k=settings.k, whiten=False, device=settings.device
    )
    unwhite = information_plane(mnist.runs[0], {"unwhitened": unwhitened}, progress=False)
    first = pl["seed"] == settings.cnn_seeds[0]
    pca_plane = pl[first & pl["epoch"].isin(epochs)]
    both = pca_plane.merge(ae_plane, on=["layer", "epoch"], suffixes=(" PCA", " AE"))
    both, moves, same_sign = ablation_steps(both)
    table = both.set_index(["layer", "epoch"])[[IXL + " PCA", IXL + " AE", "code error PCA", "code error AE"]]
    return Ablation(epochs, ae_plane, both, moves, same_sign, table, pl[first], unwhite, seconds)
