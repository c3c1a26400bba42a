"""Synthetic images with exact MI (chapter 3, lossy compression): estimators on compressed codes.

One dense autoencoder and one PCA per task (:func:`fit_compressors`), every estimator on the grid
of true MIs (:func:`synthetic_grid`: KL, WKL and KSG on the codes, KSG and :class:`RawMINE` on the
raw images), their bias and RMSE (:func:`accuracy`), the norms of WKL's weights
(:func:`weight_norms`, :func:`k_for`), whitening on a Gaussian pair (:func:`whitening_demo`), the
sweeps of k and of the code dimension (:func:`run_sweeps`) and the cost of each method
(:func:`cost_table`), with the result classes :class:`Synthetic` and :class:`Sweeps`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore.compression import fit_compressor
from ibcore.estimators.kde_entropy import mi_kde_loo
from ibcore.estimators.knn import mi_kl, mi_ksg, mi_wkl, wkl_weights
from ibcore.estimators.neural import mi_mine
from ibcore.evaluation.image_benchmark import error_table, synthetic_benchmark
from ibcore.ground_truth.images import TASKS, image_pair
from ibcore.ground_truth.samplers import gaussian_pair_with_mi

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.compression import Compressor
    from ibcore.study.profiles import Settings

__all__ = [
    "HELD_SEED_OFFSET",
    "INPUT_NAMES",
    "SHOW",
    "KS",
    "NORM_DIMS",
    "AE_METHOD",
    "WHITEN",
    "PLATEAU_TAIL",
    "PLATEAU_TOL",
    "plateaued",
    "fit_compressors",
    "code_estimators",
    "kde_estimators",
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
]

HELD_SEED_OFFSET = 10_000
"""Held-out images (the compressors' fitting data) use seed ``10_000 + seed``: another stream than
the benchmark's seeds."""

INPUT_NAMES = {"AE": "AE codes", "PCA": "PCA codes", "raw": "raw images", "latent": "true latents"}
"""How a benchmark row's ``input`` reads in its ``method`` name."""

SHOW = [
    "WKL on true latents",
    "WKL on AE codes",
    "KL on AE codes",
    "KDE-ML on AE codes",
    "KDE-LSCV on AE codes",
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

AE_METHOD = "dense"
"""The synthetic images' autoencoders at smoke and default (the profile's ``ae_method``)."""

PLATEAU_TAIL = 0.2
"""MINE's plateau rule, fixed before any run: over the last ``PLATEAU_TAIL`` of its iterations ..."""

PLATEAU_TOL = 0.05
"""... its held-out estimate may change by at most ``PLATEAU_TOL`` of its final value (and of 1 nat,
whichever is larger, so that a value near 0 can plateau)."""


def plateaued(steps: Any, curve: Any, *, tail: float = PLATEAU_TAIL, tol: float = PLATEAU_TOL) -> bool:
    """Whether a held-out MINE curve has stopped moving: the mean of its evaluations in the last
    10 % of the iterations differs from the mean of those in the 10 % ending ``tail`` before the
    end by at most ``tol * max(|final|, 1 nat)`` (means over a tenth of the run damp the
    evaluation noise). A curve with no evaluation in either window, or not finite, has not.
    """
    st, cv = np.asarray(steps, dtype=float), np.asarray(curve, dtype=float)
    if not len(st) or not np.all(np.isfinite(cv)):
        return False
    n = st.max()
    late = cv[st > 0.9 * n]
    early = cv[(st > (0.9 - tail) * n) & (st <= (1.0 - tail) * n)]
    if not len(late) or not len(early):
        return False
    final = float(late.mean())
    return abs(final - float(early.mean())) <= tol * max(abs(final), 1.0)


WHITEN = True
"""KL and WKL on codes whiten each sample by its own covariance (the released ``rescale=True``)."""


def ae_options(settings: Settings) -> dict[str, Any]:
    """The training options of the synthetic images' dense autoencoders."""
    return {
        "n_epochs": settings.ae_epochs,
        "batch_size": 128,
        "lr": 1e-3,
        "seed": settings.seed,
        "device": settings.device,
    }


def held_out_images(task: str, settings: Settings) -> Any:
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
        held = held_out_images(task, settings)
        comps[task] = {
            "AE": fit_compressor(held, dim, method=settings.ae_method, **ae_options(settings)),
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
    """The estimators on codes (and on the true latents): KL and WKL on whitened samples, KSG on
    standardised coordinates.

    Each entropy is computed on its sample whitened by its own covariance (the released
    estimator's ``rescale=True``); KSG's max-norm neighbourhoods on standardised coordinates.
    Returns ``{"KL": f, "WKL": f, "KSG": f}``, each ``f(a, b)`` in nats.
    """

    def kl(a: Any, b: Any) -> float:
        return mi_kl(a, b, k, whiten=WHITEN)

    def wkl(a: Any, b: Any) -> float:
        return mi_wkl(a, b, k, whiten=WHITEN)

    def ksg(a: Any, b: Any) -> float:
        return mi_ksg(a, b, k=k, standardize=True)

    return {"KL": kl, "WKL": wkl, "KSG": ksg}


def kde_estimators(device: Any = None) -> dict[str, Any]:
    """The paper's KDE entropy estimators on codes (:func:`ibcore.estimators.kde_entropy.mi_kde_loo`,
    whitened): bandwidth by likelihood cross-validation (``"KDE-ML"``) and by least squares
    (``"KDE-LSCV"``), as the released ``KDEFunctional`` offers them, on ``device``."""

    def ml(a: Any, b: Any) -> float:
        return mi_kde_loo(a, b, "ml", device=device)

    def lscv(a: Any, b: Any) -> float:
        return mi_kde_loo(a, b, "lscv", device=device)

    return {"KDE-ML": ml, "KDE-LSCV": lscv}


@dataclass
class RawMINE:
    """MINE on raw images with a critic shaped like the encoder; records whether each fit diverged.

    A small conv net encodes each image (flattened square one-channel images: 16x16 bumps, 32x32
    rectangles) before the MLP. Calling it returns the estimate in nats, or ``nan`` for a
    diverged fit (no estimate), and appends the fit's ``diverged`` flag to :attr:`diverged`,
    whether its held-out curve plateaued (:func:`plateaued`) to :attr:`plateau` and the curve
    (iterations, held-out estimates) to :attr:`curves`.
    """

    n_iter: int
    seed: int
    device: Any = None
    diverged: list[bool] = field(default_factory=list)
    plateau: list[bool] = field(default_factory=list)
    curves: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

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
        self.plateau.append(plateaued(r.eval_steps, r.eval_curve))
        self.curves.append((np.asarray(r.eval_steps), np.asarray(r.eval_curve)))
        return float("nan") if r.diverged else r.estimate


@dataclass
class Synthetic:
    """The synthetic grid: every estimate (:attr:`bench`), MINE's divergences, plateaus and
    held-out curves (one per raw fit, in the order of ``mine_points``: (task, true MI)) and the
    wall time."""

    bench: pd.DataFrame
    mine_diverged: list[bool]
    seconds: float
    mine_plateau: list[bool] = field(default_factory=list)
    mine_curves: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    mine_points: list[tuple[str, float]] = field(default_factory=list)

    def summary(self) -> str:
        """The page's one-line report of the grid."""
        return (
            f"{len(self.bench)} estimates in {self.seconds:.0f} s; MINE fits diverged: "
            f"{sum(self.mine_diverged)} of {len(self.mine_diverged)}; plateaued (last "
            f"{PLATEAU_TAIL:.0%} of iterations within {PLATEAU_TOL:.0%}): {sum(self.mine_plateau)} of "
            f"{len(self.mine_plateau)}"
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
    codes = code_estimators(k)
    latent = {name: codes[name] for name in ("WKL", "KL")}  # the best any compressor can do
    t0 = time.perf_counter()
    bench = pd.concat(
        [
            synthetic_benchmark(
                task,
                settings.mi_grid,
                settings.seeds,
                n=settings.n_samples,
                compressors=comps[task],
                estimators=codes,
                raw_estimators={"KSG": ksg_raw, "MINE": mine},
                raw_samples=settings.raw_samples,
                raw_grid=settings.raw_grid,
                latent_estimators=latent,
                progress=False,
            )
            for task in TASKS
        ],
        ignore_index=True,
    )
    kde = pd.concat(
        [
            synthetic_benchmark(
                task,
                settings.raw_grid,
                settings.seeds[:1],
                n=settings.kde_samples,
                compressors={"AE": comps[task]["AE"]},
                estimators=kde_estimators(settings.device),
                progress=False,
            )
            for task in TASKS
        ],
        ignore_index=True,
    )
    bench = pd.concat([bench, kde], ignore_index=True)
    seconds = time.perf_counter() - t0
    bench["method"] = bench["estimator"] + " on " + bench["input"].map(INPUT_NAMES)
    raw = bench[(bench["input"] == "raw") & (bench["estimator"] == "MINE")]
    points = list(zip(raw["task"], raw["true"], strict=True))
    return Synthetic(bench, mine.diverged, seconds, mine.plateau, mine.curves, points)


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


def wkl_at(k: int) -> Any:
    """WKL with ``k`` neighbours on whitened samples, ``f(a, b)`` in nats (the k sweep's estimator)."""

    def wkl(a: Any, b: Any) -> float:
        return mi_wkl(a, b, k, whiten=WHITEN)

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
        estimators={f"k={kk}": wkl_at(kk) for kk in settings.k_sweep},
        progress=False,
    )
    latent = TASKS["bumps"][0]
    dims = sorted({*settings.dim_sweep, latent})
    held = held_out_images("bumps", settings)
    dim_rows = []
    for d in dims:
        if d == latent:
            comp = comps["bumps"]["AE"]
        else:
            comp = fit_compressor(held, d, method=settings.ae_method, **ae_options(settings))
        kk = k_for(2 * d)
        res = synthetic_benchmark(
            "bumps",
            settings.mi_grid,
            settings.seeds[:1],
            n=settings.n_samples,
            compressors={f"dim {d}": comp},
            estimators={"WKL": wkl_at(kk)},
            progress=False,
        )
        res["k"], res["code dim"], res["held-out error"] = kk, d, comp.val_error
        res["joint weight norm"] = float(np.linalg.norm(wkl_weights(kk, 2 * d)))
        dim_rows.append(res)
    dimsweep = pd.concat(dim_rows, ignore_index=True)
    seconds = time.perf_counter() - t0
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
