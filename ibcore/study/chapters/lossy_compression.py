"""Chapter 3, lossy compression and weighted KL (Butakov et al. 2023).

The sizes of ``03_lossy_compression.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The page, one call per step. Synthetic images with exact MI: :func:`fit_compressors` (one
autoencoder and one PCA per task), :func:`synthetic_grid` (every estimator on the grid of true
MIs), :func:`accuracy`, :func:`weight_norms` (and :func:`k_for`), :func:`whitening_demo`,
:func:`run_sweeps` (k and code dimension) and :func:`cost_table`. MNIST: :func:`train_mnist` (the X
autoencoder and the CNN runs, configured by :func:`cnn_config`), :func:`mnist_plane` (the
information plane, :func:`drop_epochs` and :func:`phase_table`) and :func:`layer_ablation` (layers
by autoencoders, :func:`ablation_epochs`, :func:`ablation_steps`; the unwhitened plane). The
verdict inputs: :func:`synthetic_claims` and :func:`mnist_claims`, gathered with the verdicts by
:func:`evaluate_claims`; :func:`record_claims` writes the scorecard rows, :func:`glue_values` and
:func:`timing_values` give the numbers the page's prose shows. :func:`plot_layer_phases` draws
the MNIST phases figure (:func:`seed_colors`: the MNIST figures' colours).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore import data
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.phases import fastest_drop, jitter, phases, smooth
from ibcore.analysis.summary import LN2
from ibcore.compression import fit_compressor
from ibcore.estimators.compressed import CompressedMI
from ibcore.estimators.knn import mi_kl, mi_ksg, mi_wkl, wkl_weights
from ibcore.estimators.neural import mi_mine
from ibcore.evaluation.image_benchmark import error_table, synthetic_benchmark
from ibcore.ground_truth.images import TASKS, image_pair
from ibcore.ground_truth.samplers import gaussian_pair_with_mi
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.training import TrainConfig, train_seeds

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.compression import Compressor
    from ibcore.study.profiles import Settings

__all__ = [
    "PROFILE",
    "PAPER_KEY",
    "SHOW",
    "KS",
    "WINDOW",
    "PHASE_FLOOR",
    "fit_compressors",
    "code_estimators",
    "RawMINE",
    "Synthetic",
    "synthetic_grid",
    "accuracy",
    "weight_norms",
    "k_for",
    "whitening_demo",
    "Sweeps",
    "run_sweeps",
    "cost_table",
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
    "synthetic_claims",
    "mnist_claims",
    "Claims",
    "evaluate_claims",
    "record_claims",
    "first_comp_text",
    "agree_sentence",
    "pca_word",
    "drop_sentence",
    "glue_values",
    "timing_values",
    "seed_colors",
    "plot_layer_phases",
]

PROFILE = {
    # Butakov et al. 2024. Synthetic: image pairs with exact MI on mi_grid (nats), n_samples
    # pairs per point, one dense autoencoder per task (ae_epochs on ae_samples held-out images),
    # KL/WKL/KSG (k) on the codes, PCA codes as the ablation, KSG and MINE (mine_iters) on
    # raw_samples raw images (first seed, MI in raw_grid); sweeps: k_sweep, dim_sweep (bumps).
    # MNIST: MNISTCNN (dropout cnn_dropout, cnn_noise_mode noise of std cnn_noise on every
    # layer input), Adam cnn_lr, batch_size, cnn_epochs on cnn_train training images, one run
    # per seed of cnn_seeds, recorded every epoch on eval_samples test images; X by a conv
    # autoencoder (x_ae_epochs on x_ae_samples training images), each layer by PCA to code_dim,
    # then WKL; ablation: layers by dense autoencoders (layer_ae_epochs) at ablation_points
    # evenly spaced recorded epochs of the first seed's run.
    # Paper (and the released code, VanessB/Information-v3): lr 1e-5, batch 1024, 300 epochs,
    # 60000 training / 10000 test images, multiplicative noise 1e-3, dropout 0.1, layer
    # autoencoders 100 epochs.
    "smoke": {
        "seeds": [0],
        "mi_grid": [0.0, 5.0, 10.0],
        "n_samples": 600,
        "ae_samples": 500,
        "ae_epochs": 2,
        "raw_samples": 200,
        "raw_grid": [0.0, 10.0],
        "mine_iters": 30,
        "k": 5,
        "k_sweep": [10],
        "dim_sweep": [1],
        "cnn_epochs": 3,
        "cnn_lr": 1e-3,
        "batch_size": 256,
        "cnn_train": 1500,
        "eval_samples": 300,
        "x_ae_epochs": 1,
        "x_ae_samples": 500,
        "code_dim": 4,
        "cnn_seeds": [0],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 2,
        "ablation_points": 2,
    },
    "default": {
        "seeds": [0, 1],
        "mi_grid": [0.0, 2.5, 5.0, 7.5, 10.0],
        "n_samples": 5000,
        "ae_samples": 5000,
        "ae_epochs": 15,
        "raw_samples": 1000,
        "raw_grid": [0.0, 5.0, 10.0],
        "mine_iters": 300,
        "k": 5,
        "k_sweep": [3, 5, 10, 20],
        "dim_sweep": [1, 4, 6],
        "cnn_epochs": 20,
        "cnn_lr": 1e-3,
        "batch_size": 256,
        "cnn_train": 10000,
        "eval_samples": 2000,
        "x_ae_epochs": 5,
        "x_ae_samples": 10000,
        "code_dim": 4,
        "cnn_seeds": [0, 1, 2],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 20,
        "ablation_points": 6,
    },
    "paper": {
        "seeds": [0, 1, 2, 3, 4],
        "mi_grid": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        "n_samples": 5000,
        "ae_samples": 5000,
        "ae_epochs": 100,
        "raw_samples": 5000,
        "raw_grid": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
        "mine_iters": 2000,
        "k": 5,
        "k_sweep": [3, 5, 10, 20],
        "dim_sweep": [1, 4, 6],
        "cnn_epochs": 300,
        "cnn_lr": 1e-5,
        "batch_size": 1024,
        "cnn_train": 60000,
        "eval_samples": 10000,
        "x_ae_epochs": 200,
        "x_ae_samples": 60000,
        "code_dim": 4,
        "cnn_seeds": [0, 1, 2],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 100,
        "ablation_points": 11,
    },
}


PAPER_KEY = "butakov2024"
"""The paper's key in the scorecard."""

HELD_SEED_OFFSET = 10_000
"""Held-out images (the compressors' fitting data) use seed ``10_000 + seed``: another stream than
the benchmark's seeds."""

INPUT_NAMES = {"AE": "AE codes", "PCA": "PCA codes", "raw": "raw images"}
"""How a benchmark row's ``input`` reads in its ``method`` name."""

SHOW = [
    "WKL on AE codes",
    "KL on AE codes",
    "KSG on AE codes",
    "WKL on PCA codes",
    "KSG on raw images",
    "MINE on raw images",
]
"""The methods of the page's estimates figure, accuracy table and cost table, in that order."""

KS = [5, 10, 20, 50]
"""The k values of the table of WKL weight norms; :func:`k_for` picks among them."""

NORM_DIMS = [2, 4, 8, 12, 16]
"""The dimensions of the table of WKL weight norms."""

WINDOW = 7
"""Savitzky-Golay window (epochs) of the MNIST curves' smoothing and scatter."""

PHASE_FLOOR = 0.05
"""The smallest phase counted (nats), whatever a curve's scatter."""

COINCIDENCE_LEAD = 2
"""Epochs before the first compression's start within which the fastest drop still coincides."""


def _seconds_since(t0: float) -> float:
    return time.perf_counter() - t0


def _ae_options(settings: Settings) -> dict[str, Any]:
    """The training options of the synthetic images' dense autoencoders."""
    return {
        "n_epochs": settings.ae_epochs,
        "batch_size": 128,
        "lr": 1e-3,
        "seed": settings.seed,
        "device": settings.device,
    }


def _held_out(task: str, settings: Settings) -> Any:
    """The ``ae_samples`` held-out images of ``task`` that its compressors are fitted on."""
    return image_pair(task, settings.ae_samples, 0.0, seed=HELD_SEED_OFFSET + settings.seed).x


def fit_compressors(settings: Settings) -> tuple[dict[str, dict[str, Compressor]], pd.DataFrame]:
    """Fit a dense autoencoder and a PCA per synthetic task, code dimension = the latent dimension.

    Returns
    -------
    comps : dict
        ``task -> {"AE": Compressor, "PCA": Compressor}``.
    recon : pandas.DataFrame
        Indexed by (task, compressor): code dim, pixels, train error, held-out error, fit [s].
    """
    comps, rows = {}, []
    for task, (dim, side) in TASKS.items():
        held = _held_out(task, settings)
        comps[task] = {
            "AE": fit_compressor(held, dim, method="dense", **_ae_options(settings)),
            "PCA": fit_compressor(held, dim, method="pca", seed=settings.seed),
        }
        for name, c in comps[task].items():
            rows.append(
                {
                    "task": task,
                    "compressor": name,
                    "code dim": dim,
                    "pixels": side * side,
                    "train error": c.train_error,
                    "held-out error": c.val_error,
                    "fit [s]": c.wall_time_s,
                }
            )
    return comps, pd.DataFrame(rows).set_index(["task", "compressor"])


def code_estimators(k: int) -> dict[str, Any]:
    """The estimators on codes: KL and WKL on whitened samples, KSG on standardised coordinates.

    Each entropy is computed on its sample whitened by its own covariance (the released
    estimator's ``rescale=True``); KSG's max-norm neighbourhoods on standardised coordinates.
    Returns ``{"KL": f, "WKL": f, "KSG": f}``, each ``f(a, b)`` in nats.
    """

    def kl(a: Any, b: Any) -> float:
        return mi_kl(a, b, k, whiten=True)

    def wkl(a: Any, b: Any) -> float:
        return mi_wkl(a, b, k, whiten=True)

    def ksg(a: Any, b: Any) -> float:
        return mi_ksg(a, b, k=k, standardize=True)

    return {"KL": kl, "WKL": wkl, "KSG": ksg}


@dataclass
class RawMINE:
    """MINE on raw images with a critic shaped like the encoder; records whether each fit diverged.

    A small conv net encodes each image (flattened square one-channel images: 16x16 bumps, 32x32
    rectangles) before the MLP. Calling it returns the estimate in nats, or ``nan`` for a
    diverged fit (no estimate), and appends the fit's ``diverged`` flag to :attr:`diverged`.
    """

    n_iter: int
    seed: int
    device: Any = None
    diverged: list[bool] = field(default_factory=list)

    def __call__(self, a: Any, b: Any) -> float:
        side = int(round(a.shape[1] ** 0.5))
        shape = (1, side, side)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = mi_mine(
                a,
                b,
                hidden=(128, 64),
                n_iter=self.n_iter,
                batch_size=128,
                lr=5e-4,
                seed=self.seed,
                device=self.device,
                image_shapes=(shape, shape),
            )
        self.diverged.append(bool(r.diverged))
        return float("nan") if r.diverged else r.estimate


@dataclass
class Synthetic:
    """The synthetic grid: every estimate (:attr:`bench`), MINE's divergences and the wall time."""

    bench: pd.DataFrame
    mine_diverged: list[bool]
    seconds: float

    def summary(self) -> str:
        """The page's one-line report of the grid."""
        return (
            f"{len(self.bench)} estimates in {self.seconds:.0f} s; MINE fits diverged: "
            f"{sum(self.mine_diverged)} of {len(self.mine_diverged)}"
        )


def synthetic_grid(settings: Settings, comps: Mapping[str, Mapping[str, Compressor]]) -> Synthetic:
    """Every estimator on the grid of true MIs, both tasks: KL, WKL, KSG on the codes of ``comps``,
    KSG and MINE on ``raw_samples`` raw images at the MIs of ``raw_grid`` (first seed).

    Returns
    -------
    Synthetic
        ``bench`` has the columns of :func:`ibcore.evaluation.image_benchmark.synthetic_benchmark`
        plus ``method`` ("WKL on AE codes", "KSG on raw images", ...).
    """
    k = settings.k

    def ksg_raw(a: Any, b: Any) -> float:  # raw pixels share one scale (and many are constant)
        return mi_ksg(a, b, k=k)

    mine = RawMINE(settings.mine_iters, settings.seed, settings.device)
    t0 = time.perf_counter()
    bench = pd.concat(
        [
            synthetic_benchmark(
                task,
                settings.mi_grid,
                settings.seeds,
                n=settings.n_samples,
                compressors=comps[task],
                estimators=code_estimators(k),
                raw_estimators={"KSG": ksg_raw, "MINE": mine},
                raw_samples=settings.raw_samples,
                raw_grid=settings.raw_grid,
                progress=False,
            )
            for task in TASKS
        ],
        ignore_index=True,
    )
    seconds = _seconds_since(t0)
    bench["method"] = bench["estimator"] + " on " + bench["input"].map(INPUT_NAMES)
    return Synthetic(bench, mine.diverged, seconds)


def accuracy(bench: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bias and RMSE of every (task, method) over the grid and the seeds.

    Returns
    -------
    acc : pandas.DataFrame
        :func:`~ibcore.evaluation.image_benchmark.error_table` by task and method, reset index.
    table : pandas.DataFrame
        The page's table: methods of :data:`SHOW` by (bias | RMSE, task).
    """
    acc = error_table(bench, by=["task", "method"]).reset_index()
    return acc, acc.pivot(index="method", columns="task", values=["bias", "RMSE"]).reindex(SHOW)


def weight_norms(ks: Sequence[int] = KS, dims: Sequence[int] = NORM_DIMS) -> pd.DataFrame:
    """The norm of WKL's minimum-norm weights by dimension (rows) and k (columns ``k=..``).

    ``nan`` where WKL is undefined (``k <= d // 4``).
    """
    return pd.DataFrame(
        {
            f"k={kk}": [float(np.linalg.norm(wkl_weights(kk, d))) if kk > d // 4 else np.nan for d in dims]
            for kk in sorted(set(ks))
        },
        index=pd.Index(list(dims), name="dimension"),
    )


def k_for(d: int, ks: Sequence[int] = KS) -> int:
    """The k of ``ks`` whose WKL weights in ``d`` dimensions have the smallest norm (best posed).

    Raises
    ------
    ValueError
        No k of ``ks`` is defined in ``d`` dimensions (all ``k <= d // 4``).
    """
    valid = [kk for kk in sorted(set(ks)) if kk > d // 4]
    if not valid:
        raise ValueError(f"no k of {list(ks)} is defined in {d} dimensions (WKL needs k > d // 4)")
    return min(valid, key=lambda kk: np.linalg.norm(wkl_weights(kk, d)))


def whitening_demo(settings: Settings) -> pd.DataFrame:
    """KL and WKL on a 3 + 3 Gaussian pair with 1.5 nats, as drawn and linearly mapped, with and
    without whitening (N = ``n_samples``, k = ``k``).

    Returns a table: rows KL, WKL; columns "(un)whitened, as drawn | mapped"; the index is named
    after the truth.
    """
    gx, gy, g_true = gaussian_pair_with_mi(settings.n_samples, 3, 1.5, seed=settings.seed)
    gx2 = gx @ np.diag([1e-3, 1.0, 1e3])
    gy2 = gy @ np.random.default_rng(settings.seed).standard_normal((3, 3))
    pairs = {"as drawn": (gx, gy), "mapped": (gx2, gy2)}
    mis = {"KL": mi_kl, "WKL": mi_wkl}
    return pd.DataFrame(
        {
            f"{'whitened' if w else 'unwhitened'}, {label}": {
                name: fn(a, b, settings.k, whiten=w) for name, fn in mis.items()
            }
            for w in (False, True)
            for label, (a, b) in pairs.items()
        }
    ).rename_axis(f"truth {g_true:g} nats")


@dataclass
class Sweeps:
    """The k sweep (rectangles) and the code-dimension sweep (bumps), first seed.

    ``k_table`` and ``d_table`` are the page's tables (error tables by k and by code dim; the
    latter with the k used, its joint weight norm and the code's held-out error); ``dims`` the
    code dimensions swept.
    """

    ksweep: pd.DataFrame
    dimsweep: pd.DataFrame
    k_table: pd.DataFrame
    d_table: pd.DataFrame
    dims: list[int]
    seconds: float


def _wkl_at(k: int) -> Any:
    def wkl(a: Any, b: Any) -> float:
        return mi_wkl(a, b, k, whiten=True)

    return wkl


def run_sweeps(settings: Settings, comps: Mapping[str, Mapping[str, Compressor]]) -> Sweeps:
    """WKL on the rectangles' AE codes for each k of ``k_sweep``; WKL on bump codes of each code
    dimension of ``dim_sweep`` (plus the latent's, whose autoencoder is ``comps``'), each at the k
    of :func:`k_for` in the joint dimension.

    Returns
    -------
    Sweeps
    """
    t0 = time.perf_counter()
    ksweep = synthetic_benchmark(
        "rectangles",
        settings.mi_grid,
        settings.seeds[:1],
        n=settings.n_samples,
        compressors={"AE": comps["rectangles"]["AE"]},
        estimators={f"k={kk}": _wkl_at(kk) for kk in settings.k_sweep},
        progress=False,
    )
    latent = TASKS["bumps"][0]
    dims = sorted({*settings.dim_sweep, latent})
    held = _held_out("bumps", settings)
    dim_rows = []
    for d in dims:
        if d == latent:
            comp = comps["bumps"]["AE"]
        else:
            comp = fit_compressor(held, d, method="dense", **_ae_options(settings))
        kk = k_for(2 * d)
        res = synthetic_benchmark(
            "bumps",
            settings.mi_grid,
            settings.seeds[:1],
            n=settings.n_samples,
            compressors={f"dim {d}": comp},
            estimators={"WKL": _wkl_at(kk)},
            progress=False,
        )
        res["k"], res["code dim"], res["held-out error"] = kk, d, comp.val_error
        res["joint weight norm"] = float(np.linalg.norm(wkl_weights(kk, 2 * d)))
        dim_rows.append(res)
    dimsweep = pd.concat(dim_rows, ignore_index=True)
    seconds = _seconds_since(t0)
    k_table = error_table(ksweep, by=["estimator"]).rename_axis("WKL on rectangle AE codes")
    d_table = error_table(dimsweep, by=["code dim"]).join(
        dimsweep.groupby("code dim")[["k", "joint weight norm", "held-out error"]].first()
    )
    return Sweeps(ksweep, dimsweep, k_table, d_table, dims, seconds)


def cost_table(comps: Mapping[str, Mapping[str, Compressor]], bench: pd.DataFrame) -> pd.DataFrame:
    """Seconds to fit each compressor once, against one estimate (one grid point) of each method."""
    est = bench.groupby("method")["seconds"].mean()
    return pd.DataFrame(
        {
            "seconds": [comps[t]["AE"].wall_time_s for t in TASKS]
            + [comps[t]["PCA"].wall_time_s for t in TASKS]
            + [est.get(m, np.nan) for m in SHOW],
        },
        index=[f"fit AE ({t})" for t in TASKS]
        + [f"fit PCA ({t})" for t in TASKS]
        + [f"one estimate: {m}" for m in SHOW],
    )


def cnn_config(settings: Settings) -> TrainConfig:
    """The MNIST CNN's training configuration (the run cache's key): Adam on the cross-entropy,
    dropout and noise on every layer input, every epoch recorded."""
    return TrainConfig(
        model={
            "kind": "mnist_cnn",
            "noise_std": settings.cnn_noise,
            "noise_mode": settings.cnn_noise_mode,
            "dropout": settings.cnn_dropout,
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
        method="conv",
        n_epochs=settings.x_ae_epochs,
        batch_size=128,
        lr=1e-3,
        seed=settings.seed,
        device=settings.device,
    )
    runs = train_seeds(
        cnn_config(settings),
        settings.cnn_seeds,
        train=(x_tr, y_tr),
        eval=(x_ev, y_ev),
        device=settings.device,
    )
    seconds = _seconds_since(t0)
    train_note = settings.note_runs(runs)
    final_acc = {r.config["seed"]: float(r.history["eval_acc"].iloc[-1]) for r in runs}
    report = (
        f"images standardised by mean {mu:.4f}, sd {sd:.4f}; X autoencoder: held-out reconstruction error "
        f"{x_comp.val_error:.3f} ({x_comp.wall_time_s:.0f} s); {train_note}\n"
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


def phase_table(plane: pd.DataFrame, *, window: int = WINDOW, floor: float = PHASE_FLOOR) -> pd.DataFrame:
    """The fitting and compression phases of every (seed, layer) curve of I(X;L).

    A phase must change the smoothed curve by at least ``threshold = max(floor, 2 * jitter)``,
    twice the curve's scatter about its smoothed version (:func:`ibcore.analysis.phases.jitter`)
    and never less than ``floor`` nats; a curve of 2 epochs or fewer has no phase (threshold
    ``floor``).

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
            min_change = max(floor, 2 * jitter(g[IXL], window=window))
            ph = phases(g["epoch"], g[IXL], min_change=min_change, window=window)
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
    seconds = _seconds_since(t0)
    loss = {r.config["seed"]: r.history["train_loss"].to_numpy() for r in mnist.runs}
    return Plane(plane, list(mnist.runs[0].layers), loss, drop_epochs(loss), phase_table(plane), seconds)


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
    seconds = _seconds_since(t0)
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


def synthetic_claims(
    acc: pd.DataFrame, bench: pd.DataFrame, *, top: float, raw_grid: Sequence[float], first_seed: int
) -> dict[str, Any]:
    """The verdict inputs of the synthetic claims, per task of :data:`TASKS`.

    * ``tracks``: WKL on AE codes has RMSE <= 10 % of ``top`` (the grid's largest MI);
    * ``beats``: WKL on AE codes has a smaller RMSE than both KSG and MINE on raw images, at the
      grid points of ``raw_grid`` and the seed ``first_seed`` (missing estimates dropped; a
      method without estimates counts as infinitely bad);
    * ``offset``: KL on AE codes has a larger |bias| than WKL on AE codes.

    ``acc`` is :func:`accuracy`'s first table (columns task, method, bias, RMSE), ``bench`` the
    grid's estimates (columns task, method, true, seed, estimate).

    Returns
    -------
    dict
        ``tracks``, ``beats``, ``offset`` (task -> bool), ``rmse``/``bias`` (Series by (task,
        method)) and ``key``, the page's table of key numbers by task.
    """
    rmse = acc.set_index(["task", "method"])["RMSE"]
    bias = acc.set_index(["task", "method"])["bias"]
    tracks = {t: bool(rmse[(t, "WKL on AE codes")] <= 0.1 * top) for t in TASKS}
    common = bench[bench["true"].isin(raw_grid) & (bench["seed"] == first_seed)]
    acc_c = error_table(common.dropna(subset=["estimate"]), by=["task", "method"])["RMSE"]
    beats = {
        t: bool(
            acc_c.get((t, "WKL on AE codes"), np.inf)
            < min(acc_c.get((t, "KSG on raw images"), np.inf), acc_c.get((t, "MINE on raw images"), np.inf))
        )
        for t in TASKS
    }
    offset = {t: bool(abs(bias[(t, "KL on AE codes")]) > abs(bias[(t, "WKL on AE codes")])) for t in TASKS}
    key = pd.DataFrame(
        {
            "WKL on AE codes RMSE": {t: rmse[(t, "WKL on AE codes")] for t in TASKS},
            "KL on AE codes bias": {t: bias[(t, "KL on AE codes")] for t in TASKS},
            "WKL on AE codes bias": {t: bias[(t, "WKL on AE codes")] for t in TASKS},
            "KSG raw RMSE (raw grid)": {t: acc_c.get((t, "KSG on raw images"), np.nan) for t in TASKS},
            "MINE raw RMSE (raw grid)": {t: acc_c.get((t, "MINE on raw images"), np.nan) for t in TASKS},
            "WKL on AE codes RMSE (raw grid)": {t: acc_c.get((t, "WKL on AE codes"), np.nan) for t in TASKS},
        }
    )
    key.index.name = "task"
    return {"tracks": tracks, "beats": beats, "offset": offset, "rmse": rmse, "bias": bias, "key": key}


def mnist_claims(
    phases_: pd.DataFrame, drop_epoch: Mapping[int, float], layers: Sequence[str], seeds: Sequence[int]
) -> dict[str, Any]:
    """The verdict inputs of the MNIST claims, over every (seed, layer).

    * several phases: a curve has at least 3 phases, of both kinds (fitting and compression);
    * coincidence: the first compression phase ``[a, e]`` of a curve contains its run's
      fastest-drop epoch or starts at most :data:`COINCIDENCE_LEAD` epochs after it
      (``a - 2 <= drop <= e``).

    ``phases_`` is :func:`phase_table`'s frame; ``drop_epoch`` maps seed -> epoch.

    Returns
    -------
    dict
        ``n_phase`` (curves with several phases), ``n_coinc`` (curves whose first compression
        coincides), ``first_comp`` ((seed, layer) -> (start, end) of the first compression, for
        the curves that have one) and ``n_cases`` (seeds x layers).
    """
    n_phase, n_coinc, first_comp = 0, 0, {}
    for s in seeds:
        for layer in layers:
            ph = phases_[(phases_["seed"] == s) & (phases_["layer"] == layer)]
            n_phase += int(len(ph) >= 3 and set(ph["kind"]) == {"fitting", "compression"})
            comp_ph = ph[ph["kind"] == "compression"]
            if len(comp_ph):
                a, e = float(comp_ph["start"].iloc[0]), float(comp_ph["end"].iloc[0])
                first_comp[(s, layer)] = (a, e)
                n_coinc += int(a - COINCIDENCE_LEAD <= drop_epoch[s] <= e)
    return {
        "n_phase": n_phase,
        "n_coinc": n_coinc,
        "first_comp": first_comp,
        "n_cases": len(seeds) * len(layers),
    }


@dataclass
class Claims:
    """The page's five claims: their verdict inputs (:func:`synthetic_claims`,
    :func:`mnist_claims`), verdicts (``v_track``, ``v_beats``, ``v_offset``, ``v_phase``,
    ``v_coinc``) and the key-number table :attr:`key`."""

    synthetic: dict[str, Any]
    mnist: dict[str, Any]
    verdicts: dict[str, str]
    drop_epoch: dict[int, float]

    @property
    def key(self) -> pd.DataFrame:
        return self.synthetic["key"]


def evaluate_claims(settings: Settings, acc: pd.DataFrame, synth: Synthetic, plane: Plane) -> Claims:
    """The verdicts of the page's claims, by :func:`ibcore.study.scorecard.verdict_count` over the
    tasks (synthetic claims) or the (seed, layer) curves (MNIST claims).

    The coincidence claim is not comparable when no curve compresses or a fastest drop is not
    finite. Returns :class:`Claims`.
    """
    prof = settings.profile
    syn = synthetic_claims(
        acc, synth.bench, top=max(settings.mi_grid), raw_grid=settings.raw_grid, first_seed=settings.seeds[0]
    )
    mn = mnist_claims(plane.phases, plane.drop_epoch, plane.layers, settings.cnn_seeds)
    n_tasks = len(TASKS)
    comparable = len(mn["first_comp"]) > 0 and all(np.isfinite(list(plane.drop_epoch.values())))
    verdicts = {
        "v_track": scorecard.verdict_count(sum(syn["tracks"].values()), n_tasks, profile=prof),
        "v_beats": scorecard.verdict_count(sum(syn["beats"].values()), n_tasks, profile=prof),
        "v_offset": scorecard.verdict_count(sum(syn["offset"].values()), n_tasks, profile=prof),
        "v_phase": scorecard.verdict_count(mn["n_phase"], mn["n_cases"], profile=prof),
        "v_coinc": scorecard.verdict_count(
            mn["n_coinc"], max(len(mn["first_comp"]), 1), profile=prof, comparable=comparable
        ),
    }
    return Claims(syn, mn, verdicts, dict(plane.drop_epoch))


def _by_task(values: Mapping[str, float]) -> str:
    """``"bumps 0.12, rectangles 0.34"``."""
    return ", ".join(f"{t} {v:.2f}" for t, v in values.items())


def _drops(drop_epoch: Mapping[int, float]) -> str:
    return ", ".join(f"{d:g}" for d in drop_epoch.values())


def _cnn_note(settings: Settings) -> str:
    return (
        f"{len(settings.cnn_seeds)} seed(s), {settings.cnn_epochs} epochs, lr {settings.cnn_lr:g}, batch "
        f"{settings.batch_size}, {settings.cnn_train} training images, {settings.eval_samples} test images, "
        f"{settings.cnn_noise_mode} noise {settings.cnn_noise:g}"
    )


def record_claims(notebook: str, settings: Settings, claims: Claims) -> pd.DataFrame:
    """Write the page's five scorecard rows (paper value, our value, verdict), in the page's order.

    Returns the notebook's scorecard rows (:func:`ibcore.study.scorecard.record`).
    """
    prof, syn, mn, v = settings.profile, claims.synthetic, claims.mnist, claims.verdicts
    top, key, n_tasks = max(settings.mi_grid), claims.key, len(TASKS)
    note = (
        f"N = {settings.n_samples}, {len(settings.seeds)} seed(s), grid {min(settings.mi_grid):g}-{top:g} "
        f"nats, k = {settings.k}"
    )
    cnn_note = _cnn_note(settings)
    rows = [
        (
            "WKL on autoencoder codes tracks the true MI (synthetic images)",
            "estimates close to the truth over 0-10 nats (Sec. 5)",
            f"RMSE {_by_task(key['WKL on AE codes RMSE'])} nats; tracks (<= {0.1 * top:g}) in "
            f"{sum(syn['tracks'].values())} of {n_tasks} tasks ({note})",
            v["v_track"],
        ),
        (
            "Compression beats estimators on the raw images",
            "conventional estimators fail on high-dimensional raw data (Sec. 5)",
            f"WKL-on-codes RMSE below KSG and MINE on raw images in {sum(syn['beats'].values())} of "
            f"{n_tasks} tasks (raw: N = {settings.raw_samples}, MI in {settings.raw_grid})",
            v["v_beats"],
        ),
        (
            "Plain KL on codes has an offset that WKL removes",
            "WKL the most accurate of the entropy estimators on codes (Sec. 5)",
            f"bias KL {_by_task(key['KL on AE codes bias'])}, "
            f"WKL {_by_task(key['WKL on AE codes bias'])} nats",
            v["v_offset"],
        ),
        (
            "Several fitting and compression phases (MNIST CNN)",
            "several fitting/compression phases in I(X;L) (Sec. 6)",
            f"{mn['n_phase']} of {mn['n_cases']} (seed, layer) curves show >= 3 phases of both kinds, each "
            f"above twice the curve's scatter ({cnn_note})",
            v["v_phase"],
        ),
        (
            "First compression coincides with the fastest loss drop",
            "first compression phase at the fastest decrease of the loss (Sec. 6)",
            f"fastest drop at epoch(s) {_drops(claims.drop_epoch)}; within the first compression "
            f"(or 2 epochs before its start) in {mn['n_coinc']} of {len(mn['first_comp'])} compressing "
            f"(seed, layer) curves ({cnn_note})",
            v["v_coinc"],
        ),
    ]
    card = None
    for claim, paper_value, our_value, verdict in rows:
        card = scorecard.record(notebook, prof, PAPER_KEY, claim, paper_value, our_value, verdict)
    return card


def first_comp_text(first_comp: Mapping[tuple[int, str], tuple[float, float]]) -> str:
    """``"seed 0 conv1: 2-5; seed 1 ..."``: each curve's first compression phase, or ``"none"``."""
    return "; ".join(f"seed {s} {m}: {a:g}-{e:g}" for (s, m), (a, e) in first_comp.items()) or "none"


def agree_sentence(first_comp: Mapping[tuple[int, str], Any], layers: Sequence[str], n_seeds: int) -> str:
    """Whether the seeds agree on which layers compress: every layer compresses in no seed or in
    all ``n_seeds`` (``first_comp`` holds the (seed, layer) curves that compress)."""
    counts = [sum(1 for (_s, m) in first_comp if m == layer) for layer in layers]
    if all(c in (0, n_seeds) for c in counts):
        return "The seeds agree on which layers compress"
    return "The seeds do not agree on which layers compress"


def pca_word(rmse: pd.Series) -> str:
    """How WKL on PCA codes compares with WKL on AE codes: worse (larger RMSE) in every task or
    not (``rmse`` by (task, method))."""
    if all(rmse[(t, "WKL on PCA codes")] > rmse[(t, "WKL on AE codes")] for t in TASKS):
        return "did worse than the autoencoder's in both tasks"
    return "were not worse than the autoencoder's in every task"


def drop_sentence(
    first_comp: Mapping[tuple[int, str], tuple[float, float]], drop_epoch: Mapping[int, float]
) -> str:
    """Whether the loss fell fastest more than two epochs before every first compression began."""
    if all(a > drop_epoch[s] + COINCIDENCE_LEAD for (s, _layer), (a, _e) in first_comp.items()):
        return "the loss fell fastest before any compression began"
    return "the fastest loss drop fell near the first compression in some curves"


def glue_values(
    settings: Settings,
    claims: Claims,
    synth: Synthetic,
    sweeps: Sweeps,
    mnist: Mnist,
    plane: Plane,
    ablation: Ablation,
) -> dict[str, Any]:
    """The numbers and sentences the page's prose shows (``{glue:text}`name```), by name."""
    syn, mn, v, key = claims.synthetic, claims.mnist, claims.verdicts, claims.key
    first_comp, rmse, pt, layers = mn["first_comp"], syn["rmse"], plane.phases, plane.layers
    white = ablation.white.set_index(["layer", "epoch"])[IXL]
    unwhite = ablation.unwhite.set_index(["layer", "epoch"])[IXL]
    n_seeds = len(settings.cnn_seeds)
    return {
        "run_profile": settings.profile,
        **v,
        "n_phase": mn["n_phase"],
        "n_cases": mn["n_cases"],
        "n_coinc": mn["n_coinc"],
        "n_first": len(first_comp),
        "drop_epoch": _drops(claims.drop_epoch),
        "n_seeds": n_seeds,
        "first_comp": first_comp_text(first_comp),
        "thresholds": f"{pt['threshold'].min():.2f}-{pt['threshold'].max():.2f}" if len(pt) else "none",
        "wkl_rmse": _by_task(key["WKL on AE codes RMSE"]),
        "kl_bias": _by_task(key["KL on AE codes bias"]),
        "wkl_bias": _by_task(key["WKL on AE codes bias"]),
        "ksg_raw": _by_task(key["KSG raw RMSE (raw grid)"]),
        "mine_raw": _by_task(key["MINE raw RMSE (raw grid)"]),
        "n_mine_div": sum(synth.mine_diverged),
        "n_mine": len(synth.mine_diverged),
        "acc_final": ", ".join(f"{a:.3f}" for a in mnist.final_acc.values()),
        "noise_desc": f"{settings.cnn_noise_mode} noise of std {settings.cnn_noise:g}",
        "same_sign": ablation.same_sign,
        "n_moves": len(ablation.moves),
        "err_pca": f"{ablation.table['code error PCA'].median():.2f}",
        "err_ae": f"{ablation.table['code error AE'].median():.2f}",
        "unwhite_range": f"{unwhite.min():.2f} to {unwhite.max():.2f}",
        "white_range": f"{white.min():.2f} to {white.max():.2f}",
        "unwhite_neg": int((unwhite < 0).sum()),
        "unwhite_n": len(unwhite),
        "white_diff": f"{(white - unwhite).abs().mean():.2f}",
        "agree_sentence": agree_sentence(first_comp, layers, n_seeds),
        "comp_by_layer": ", ".join(
            f"{m} {sum(1 for (_s, lay) in first_comp if lay == m)} of {n_seeds}" for m in layers
        ),
        "pca_word": pca_word(rmse),
        "x_err": f"{mnist.x_comp.val_error:.3f}",
        "big_dim": max(sweeps.dims),
        "big_k": k_for(2 * max(sweeps.dims)),
        "dim_bias": ", ".join(f"{d}: {b:+.2f}" for d, b in sweeps.d_table["bias"].items()),
        "k_rmse": ", ".join(f"{i} {x:.2f}" for i, x in sweeps.k_table["RMSE"].items()),
        "pca_rmse": _by_task({t: rmse[(t, "WKL on PCA codes")] for t in TASKS}),
        "drop_sentence": drop_sentence(first_comp, claims.drop_epoch),
    }


def timing_values(synth: Synthetic, mnist: Mnist, plane: Plane, ablation: Ablation) -> dict[str, str]:
    """The wall times the prose shows (they vary from run to run: glued outside the checked cell)."""
    return {
        "t_grid": f"{synth.seconds:.0f}",
        "t_train": f"{mnist.seconds:.0f}",
        "train_note": mnist.train_note,
        "t_plane": f"{plane.seconds:.0f}",
        "t_ae": f"{ablation.seconds:.0f}",
    }


def seed_colors(seeds: Sequence[int]) -> dict[int, Any]:
    """One colour of matplotlib's ``tab10`` per seed, in order (the MNIST figures' colours)."""
    import matplotlib.pyplot as plt

    return dict(zip(seeds, plt.get_cmap("tab10").colors, strict=False))


def plot_layer_phases(settings: Settings, plane: Plane) -> Any:
    """I(X;L) in bits by layer and epoch, one colour per seed: dots as estimated, lines smoothed,
    shade = compression phases, dotted = the run's fastest loss drop. Returns the figure."""
    import matplotlib.pyplot as plt

    pl, pt, colors = plane.plane, plane.phases, seed_colors(settings.cnn_seeds)
    n = len(plane.layers)
    fig, axes = plt.subplots(1, n, figsize=(3.1 * n, 3.4), constrained_layout=True, sharex=True)
    axes = np.atleast_1d(axes)
    for ax, layer in zip(axes, plane.layers, strict=True):
        for s in settings.cnn_seeds:
            g = pl[(pl["layer"] == layer) & (pl["seed"] == s)]
            c = colors[s]
            ax.plot(g["epoch"], g[IXL] / LN2, ".", ms=3, alpha=0.4, color=c)
            ax.plot(g["epoch"], smooth(g[IXL].to_numpy(), window=WINDOW) / LN2, color=c, label=f"seed {s}")
            comp = pt[(pt["seed"] == s) & (pt["layer"] == layer) & (pt["kind"] == "compression")]
            for _, p in comp.iterrows():
                ax.axvspan(p["start"], p["end"], color=c, alpha=0.1)
            ax.axvline(plane.drop_epoch[s], color=c, ls=":", lw=1)
        ax.set(title=layer, xlabel="epoch")
    axes[0].set_ylabel("I(X;L) [bits]")
    axes[-1].legend(fontsize=7)
    fig.suptitle(
        "I(X;L) by layer: dots as estimated, lines smoothed, shade = compression phases, "
        "dotted = fastest loss drop (one colour per seed)",
        fontsize=10,
    )
    return fig
