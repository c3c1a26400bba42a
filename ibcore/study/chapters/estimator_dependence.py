"""Chapter 1, estimator dependence (Saxe et al. 2018; Geiger 2021).

``PROFILE``: the sizes of ``01_estimator_dependence.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The chapter's experiments, in the page's order: :func:`train_szt` trains the SZT MLPs (tanh and
ReLU, every seed), :func:`every_estimator` draws the same runs with every estimator of
:data:`ORDER`, :func:`compression` and :func:`verdict_table` / :func:`table_one` read whether the
last hidden layer compresses, :func:`sensitivity` sweeps the estimators' knobs,
:func:`dpi_table` counts violations of the data-processing inequality,
:func:`geometry_beside_information` sets the layer's geometry next to its I(X;L), and
:func:`mnist_experiment` repeats the question on Saxe et al.'s MNIST MLP. :func:`claims` computes
the page's scorecard rows and verdicts (:func:`record_claims` records them) and
:func:`glue_values` the numbers and sentences of its prose.

References
----------
.. [1] A. M. Saxe et al., "On the information bottleneck theory of deep learning", ICLR 2018,
   Secs. 2-3, Figs. 1-2.
.. [2] B. C. Geiger, "On information plane analyses of neural network classifiers - a review",
   IEEE TNNLS 2021, Secs. II-III, Table I.
.. [3] R. Shwartz-Ziv, N. Tishby, "Opening the black box of deep neural networks via
   information", arXiv:1703.00810, 2017, Fig. 3.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.stats import ConstantInputWarning, spearmanr

import ibcore
from ibcore import KDE, Binning, DecisionRule, Renyi, data
from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.infoplane import PairwiseMI, information_plane
from ibcore.analysis.sensitivity import bin_width_sweep, dpi_violations, kde_variance_sweep
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.analysis.summary import LN2, compression_table, seed_statistics
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.training import TrainConfig, log_schedule, train_seeds

__all__ = [
    "PROFILE",
    "ACTS",
    "ORDER",
    "THRESHOLD",
    "szt_config",
    "SZTRuns",
    "train_szt",
    "runs_report",
    "szt_estimators",
    "pair_epoch_subset",
    "narrow_layers",
    "Planes",
    "every_estimator",
    "compression",
    "verdict_cell",
    "verdict_table",
    "CompressionCounts",
    "compression_counts",
    "table_one_mark",
    "table_one",
    "BIN_WIDTHS",
    "NOISE_VARS",
    "sensitivity",
    "DPI_TOL",
    "DPI",
    "dpi_table",
    "GEOMETRY_ESTIMATORS",
    "GEOMETRY_STATS",
    "rank_correlations",
    "Geometry",
    "geometry_beside_information",
    "mnist_config",
    "mnist_estimators",
    "MNIST_ESTIMATORS",
    "MNIST",
    "mnist_experiment",
    "mnist_report",
    "SAXE_USED",
    "run_note",
    "two_phase_count",
    "disagreeing",
    "Claims",
    "claims",
    "record_claims",
    "dead_sentence",
    "worst_text",
    "mnist_text",
    "geo_sentence",
    "glue_values",
]

PROFILE = {
    # SZT 12-10-7-5-4-3-2 MLPs, tanh and ReLU, Saxe et al.'s init, Adam, batch 256, 85 % train;
    # every estimator on the same runs. default: lr 4e-3 (10x Saxe's) so that n_epochs reach the
    # late phase within the budget; n_record log-spaced recorded epochs; kde_inputs/pair_inputs:
    # fixed input subsamples for KDE and for the pairwise estimators (Renyi, EDGE, kNN), which
    # run on pair_epochs of the recorded epochs; knn_max_width: widest layer kNN is run on;
    # geometry_inputs: inputs of the distance statistics; mnist_*: Saxe's 784-1024-20-20-20-10
    # MLP on a training subset, recorded on a fixed evaluation subset.
    "smoke": {
        "n_epochs": 20,
        "seeds": [0, 1],
        "lr": 4e-3,
        "n_record": 6,
        "train_fraction": 0.85,
        "kde_inputs": 128,
        "pair_inputs": 64,
        "pair_epochs": 2,
        "knn_max_width": 5,
        "geometry_inputs": 128,
        "mnist_epochs": 1,
        "mnist_train": 300,
        "mnist_eval": 64,
        "mnist_lr": 4e-4,
    },
    "default": {
        "n_epochs": 1000,
        "seeds": [0, 1, 2, 3, 4],
        "lr": 4e-3,
        "n_record": 20,
        "train_fraction": 0.85,
        "kde_inputs": 1024,
        "pair_inputs": 512,
        "pair_epochs": 6,
        "knn_max_width": 5,
        "geometry_inputs": 1024,
        "mnist_epochs": 20,
        "mnist_train": 5000,
        "mnist_eval": 600,
        "mnist_lr": 4e-4,
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": list(range(50)),
        "lr": 4e-4,
        "n_record": 60,
        "train_fraction": 0.85,
        "kde_inputs": 4096,
        "pair_inputs": 1024,
        "pair_epochs": 20,
        "knn_max_width": 5,
        "geometry_inputs": 4096,
        "mnist_epochs": 3000,
        "mnist_train": 60000,
        "mnist_eval": 600,
        "mnist_lr": 4e-4,
    },
}

ACTS = ("tanh", "relu")
"""The two hidden activations compared throughout (Saxe et al.: tanh compresses, ReLU does not)."""

ORDER = (
    "binning, 30 bins on [-1, 1]",
    "binning, 30 bins on each epoch's range",
    "binning, width 0.07",
    "adaptive binning, 30 bins",
    "KDE, var 1e-3",
    "KDE, var 0.1",
    "Renyi",
    "EDGE",
    "kNN (KSG, k=5)",
    "decision rule",
)
"""The estimators of the page, in the order of its figure and tables (the names of :func:`szt_estimators`)."""

THRESHOLD = 0.1
"""Bits: the fall of I(X;L) from its peak to the last recorded epoch that counts as compression (ours)."""

SZT_WIDTHS = [12, 10, 7, 5, 4, 3, 2]
MNIST_WIDTHS = [784, 1024, 20, 20, 20, 10]


# ----------------------------------------------------------------------------------- the SZT runs


def szt_config(activation: str, settings: Any, schedule: list[int]) -> TrainConfig:
    """The training configuration of the SZT 12-10-7-5-4-3-2 MLP with ``activation`` hidden units.

    Softmax output, Saxe et al.'s init, Adam at ``settings.lr``, batch 256, ``settings.n_epochs``
    epochs, layers recorded at the epochs of ``schedule``. Returns the :class:`TrainConfig` (the
    run cache's key).
    """
    return TrainConfig(
        model={
            "kind": "mlp",
            "widths": SZT_WIDTHS,
            "activation": activation,
            "output_activation": "softmax",
        },
        optimizer="adam",
        lr=settings.lr,
        batch_size=256,
        n_epochs=settings.n_epochs,
        schedule=schedule,
        init="saxe",
    )


@dataclass(frozen=True)
class SZTRuns:
    """The page's SZT runs: ``runs[activation]`` is the list of recorded runs, one per seed.

    ``schedule`` holds the recorded epochs and ``n_inputs`` the number of inputs every layer is
    recorded on (all 4096).
    """

    runs: dict[str, list[Any]]
    schedule: list[int]
    n_inputs: int

    @property
    def all(self) -> list[Any]:
        """Every run, activation by activation."""
        return [r for act in self.runs for r in self.runs[act]]

    @property
    def layers(self) -> list[str]:
        """The recorded layers' names, input side first (the output layer last)."""
        return list(self.all[0].layers)

    @property
    def hidden(self) -> list[str]:
        """The hidden layers' names."""
        return [name for name in self.layers if name != "output"]

    @property
    def last(self) -> str:
        """The last hidden layer's name (the layer the verdicts read)."""
        return self.hidden[-1]

    def accuracy(self) -> dict[str, np.ndarray]:
        """Final evaluation accuracy of every seed, per activation (arrays in seed order)."""
        return {
            act: np.array([r.history["eval_acc"].iloc[-1] for r in runs]) for act, runs in self.runs.items()
        }


def train_szt(settings: Any) -> SZTRuns:
    """Train (or load from the run cache) the SZT MLPs of every seed, tanh and ReLU.

    Trained on a random ``settings.train_fraction`` of the 4096 inputs (split seed
    ``settings.seed``), recorded on all of them at ``log_schedule(n_epochs, n_record)``.
    Returns the :class:`SZTRuns`.
    """
    szt = data.load_szt()
    train, _ = data.train_test_split(szt, test_fraction=1 - settings.train_fraction, seed=settings.seed)
    schedule = log_schedule(settings.n_epochs, settings.n_record).tolist()
    runs = {
        act: train_seeds(
            szt_config(act, settings, schedule),
            settings.seeds,
            train=(train.x, train.y),
            eval=(szt.x, szt.y),
            device=settings.device,
        )
        for act in ACTS
    }
    return SZTRuns(runs=runs, schedule=schedule, n_inputs=len(szt))


def runs_report(szt: SZTRuns, settings: Any) -> str:
    """The two lines the page prints about its SZT runs (records their cost with ``note_runs``)."""
    acts = list(szt.runs)
    acc = szt.accuracy()
    first = (
        f"{len(szt.all)} runs ({len(settings.seeds)} seeds x {len(acts)} activations), "
        f"{len(szt.schedule)} recorded epochs each; " + settings.note_runs(szt.all)
    )
    spread = {act: f"{a.mean():.3f} ({a.min():.3f}-{a.max():.3f})" for act, a in acc.items()}
    return f"{first}\nfinal accuracy on all 4096 inputs, mean (min-max) over seeds: {spread}"


# ------------------------------------------------------------------- every estimator on the same runs


def szt_estimators() -> dict[str, dict[str, Any]]:
    """The page's estimators by the inputs they read, each group a mapping name -> estimator.

    ``"full"``: the binnings, on all inputs and epochs; ``"kde"``: the KDE bounds, on the KDE
    subsample; ``"pair"``: Renyi and EDGE, and ``"knn"``: KSG (k = 5, jitter 1e-10), on the
    pairwise subsample and epochs. The decision rule (output layer only) is added by
    :func:`every_estimator`.
    """
    return {
        "full": {
            "binning, 30 bins on [-1, 1]": Binning(n_bins=30, value_range=(-1.0, 1.0)),
            "binning, 30 bins on each epoch's range": Binning(
                n_bins=30, value_range=None, range_per_epoch=True
            ),
            "binning, width 0.07": Binning(n_bins=None, value_range=None, bin_width=0.07),
            "adaptive binning, 30 bins": Binning(
                n_bins=30, value_range=None, mode="adaptive", adaptive_scope="layer"
            ),
        },
        "kde": {"KDE, var 1e-3": KDE(noise_var=1e-3), "KDE, var 0.1": KDE(noise_var=0.1)},
        "pair": {"Renyi": Renyi(), "EDGE": PairwiseMI(ibcore.mi_edge)},
        "knn": {"kNN (KSG, k=5)": PairwiseMI(ibcore.mi_ksg, {"k": 5, "jitter": 1e-10})},
    }


def pair_epoch_subset(epochs: Sequence[int], n: int) -> list[int]:
    """About ``n`` of the recorded ``epochs``, evenly spread in log(position), first and last included.

    Positions ``round(geomspace(1, len(epochs), min(n, len(epochs)))) - 1``, duplicates merged
    (so fewer than ``n`` may come back). Returns the chosen epochs in order.

    Raises
    ------
    ValueError
        No epochs, or ``n`` < 1.
    """
    rec = np.asarray(epochs)
    if rec.size == 0 or n < 1:
        raise ValueError(f"need recorded epochs and n >= 1, got {len(rec)} epochs and n={n}")
    pick = np.unique(np.round(np.geomspace(1, len(rec), min(n, len(rec)))).astype(int) - 1)
    return rec[pick].tolist()


def narrow_layers(run: Any, max_width: int) -> list[str]:
    """The names of ``run``'s recorded layers at most ``max_width`` units wide (where kNN runs)."""
    return [name for name in run.layers if run.activations[name].shape[-1] <= max_width]


@dataclass(frozen=True)
class Planes:
    """Every estimator on the same SZT runs.

    ``planes``: the long information-plane frame (nats) with an ``activation`` column;
    ``n_inputs``: the inputs each estimator read (its ceiling is log2 of it); ``pair_epochs``:
    the epochs of the pairwise estimators; ``narrow``: the layers kNN ran on; ``kde_index``: the
    fixed input subsample of KDE.
    """

    planes: pd.DataFrame
    n_inputs: dict[str, int]
    pair_epochs: list[int]
    narrow: list[str]
    kde_index: torch.Tensor

    def report(self) -> str:
        """The line the page prints: rows, pairwise epochs, kNN layers."""
        return (
            f"{len(self.planes)} rows; pairwise estimators at epochs {self.pair_epochs}; "
            f"kNN on layers {self.narrow}"
        )


def every_estimator(szt: SZTRuns, settings: Any) -> Planes:
    """Draw every SZT run with every estimator of :func:`szt_estimators` and the decision rule.

    Binning and the decision rule read all inputs and recorded epochs; KDE a fixed subsample of
    ``settings.kde_inputs`` inputs; Renyi, EDGE and kNN one of ``settings.pair_inputs`` inputs
    (both drawn with seed ``settings.seed``) at :func:`pair_epoch_subset` of
    ``settings.pair_epochs`` epochs, kNN only on layers at most ``settings.knn_max_width`` wide.
    Returns the :class:`Planes`.
    """
    est = szt_estimators()
    n_in = szt.n_inputs
    kde_idx = input_subsample(n_in, settings.kde_inputs, seed=settings.seed)
    pair_idx = input_subsample(n_in, settings.pair_inputs, seed=settings.seed)
    first = szt.all[0]
    pair_ep = pair_epoch_subset(first.epochs, settings.pair_epochs)
    narrow = narrow_layers(first, settings.knn_max_width)
    frames = []
    for act, rs in szt.runs.items():
        parts = [
            information_plane(rs, est["full"], progress=False),
            information_plane(rs, DecisionRule(), layers=["output"], progress=False),
            information_plane([subsample_run(r, kde_idx) for r in rs], est["kde"], progress=False),
            information_plane(
                [subsample_run(r, pair_idx) for r in rs], est["pair"], epochs=pair_ep, progress=False
            ),
            information_plane(
                [subsample_run(r, pair_idx) for r in rs],
                est["knn"],
                layers=narrow,
                epochs=pair_ep,
                progress=False,
            ),
        ]
        frames.append(pd.concat(parts, ignore_index=True).assign(activation=act))
    n_inputs = {
        **{k: n_in for k in est["full"]},
        "decision rule": n_in,
        **{k: len(kde_idx) for k in est["kde"]},
        **{k: len(pair_idx) for k in [*est["pair"], *est["knn"]]},
    }
    return Planes(pd.concat(frames, ignore_index=True), n_inputs, pair_ep, narrow, kde_idx)


# ------------------------------------------------------------------------ does the last layer compress?


def compression(planes: pd.DataFrame, *, last: str, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Per (estimator, activation): does the last hidden layer compress? (:func:`compression_table`)

    The layer ``last`` for every estimator but the decision rule, whose row reads the output
    layer. Returns the table indexed by ``(estimator, activation)`` (drop mean/sd/min/max in
    bits, seeds, seeds compressing, compresses), the decision rule's rows last.
    """
    hidden_planes = planes[planes["estimator"] != "decision rule"]
    table = compression_table(
        hidden_planes, layer=last, threshold=threshold, groups=("estimator", "activation")
    )
    rule = compression_table(
        planes[planes["estimator"] == "decision rule"],
        layer="output",
        threshold=threshold,
        groups=("estimator", "activation"),
    )
    return pd.concat([table, rule])


def verdict_cell(row: Mapping[str, Any]) -> str:
    """One cell of the verdict table, e.g. ``"compresses (0.42 +- 0.10; 3/5)"`` or ``"no (...)"``.

    ``row`` is a row of :func:`compression`: the verdict, the mean drop +- its sd (0 when the sd
    is NaN, one seed) and the seeds compressing out of all.
    """
    sd = 0 if np.isnan(row["drop sd"]) else row["drop sd"]
    verdict = "compresses" if row["compresses"] else "no"
    return f"{verdict} ({row['drop mean']:.2f} +- {sd:.2f}; {row['seeds compressing']}/{row['seeds']})"


def verdict_table(
    table: pd.DataFrame, *, last: str, order: Sequence[str] = ORDER, acts: Sequence[str] = ACTS
) -> pd.DataFrame:
    """The page's verdict table: one row per estimator (``order``), a :func:`verdict_cell` per activation."""
    cell = table.apply(verdict_cell, axis=1)
    verdicts = cell.unstack("activation").reindex(order)[list(acts)]
    verdicts.columns.name = f"drop of I(X;L), {last} (output for the decision rule): mean +- sd bits; seeds"
    return verdicts


@dataclass(frozen=True)
class CompressionCounts:
    """Which estimators say "compresses", per activation, and the counts of Saxe et al.'s claim.

    ``comp``: bool frame, estimators (in order) x activations; ``n_est``: estimators;
    ``n_saxe``: estimators under which tanh compresses and ReLU does not; ``n_tanh``,
    ``n_relu``: estimators under which that activation compresses.
    """

    comp: pd.DataFrame
    n_est: int
    n_saxe: int
    n_tanh: int
    n_relu: int


def compression_counts(table: pd.DataFrame, *, order: Sequence[str] = ORDER) -> CompressionCounts:
    """Count the estimators that show Saxe et al.'s pattern (tanh compresses, ReLU does not).

    ``table`` is :func:`compression`'s (activations ``"tanh"`` and ``"relu"``). Returns the
    :class:`CompressionCounts`.
    """
    comp = table["compresses"].unstack("activation").reindex(order)
    saxe_pattern = comp["tanh"] & ~comp["relu"]  # Saxe et al.: tanh compresses, ReLU does not
    return CompressionCounts(
        comp=comp,
        n_est=len(comp),
        n_saxe=int(saxe_pattern.sum()),
        n_tanh=int(comp["tanh"].sum()),
        n_relu=int(comp["relu"].sum()),
    )


def table_one_mark(row: Mapping[str, Any]) -> str:
    """Geiger's Table I mark of one row: "✓" every seed compresses, "×" none does, "~" some do."""
    k, n = int(row["seeds compressing"]), int(row["seeds"])
    return "✓" if k == n else "×" if k == 0 else "~"


def table_one(table: pd.DataFrame, profile: str, *, order: Sequence[str] = ORDER) -> pd.DataFrame:
    """Our rows of Geiger's Table I: one row per activation, a :func:`table_one_mark` per estimator."""
    table_i = table.apply(table_one_mark, axis=1).unstack("estimator")[list(order)]
    table_i.index = [f"SZT MLP, {a}, Adam, {profile}" for a in table_i.index]
    return table_i


# ------------------------------------------------------------------------------------- sensitivity

BIN_WIDTHS = np.geomspace(1e-5, 10, 13)
"""The bin widths of the sensitivity sweep."""

NOISE_VARS = np.geomspace(1e-6, 10, 8)
"""The KDE noise variances of the sensitivity sweep."""


def sensitivity(szt: SZTRuns, kde_index: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binned I(X;L) against bin width and the KDE bound against noise variance.

    At the last recorded epoch of each activation's first seed, for the first and the last
    hidden layer (the KDE bound on the inputs ``kde_index``). Returns ``(sweeps, ksweeps)``:
    the frames of :func:`bin_width_sweep` and :func:`kde_variance_sweep` (nats) with columns
    ``activation`` and ``layer`` added.
    """
    sweeps, ksweeps = [], []
    for act, rs in szt.runs.items():
        r0 = rs[0]
        for name in (szt.hidden[0], szt.last):
            acts_last = r0.activations[name][-1].double()
            sweeps.append(
                bin_width_sweep(acts_last, r0.y_eval, BIN_WIDTHS).assign(activation=act, layer=name)
            )
            ksweeps.append(
                kde_variance_sweep(acts_last[kde_index], r0.y_eval[kde_index], NOISE_VARS).assign(
                    activation=act, layer=name
                )
            )
    return pd.concat(sweeps), pd.concat(ksweeps)


# ---------------------------------------------------------------------- the data-processing inequality

DPI_TOL = 0.01 * LN2
"""Nats: excesses of a deeper layer below 0.01 bit are ignored."""


@dataclass(frozen=True)
class DPI:
    """Violations of the data-processing inequality between consecutive layers.

    ``table``: per (estimator, activation) the violations, the (seed, epoch) pairs and the
    largest excess in bits (NaN where none); ``n_binning``: the violations of the binning
    estimators (the scorecard counts these); ``worst``: the row of the largest excess of any
    estimator (:func:`dpi_violations`' columns), ``None`` when there is no violation.
    """

    table: pd.DataFrame
    n_binning: int
    worst: pd.Series | None


def dpi_table(
    planes: pd.DataFrame,
    *,
    order: Sequence[str] = ORDER,
    acts: Sequence[str] = ACTS,
    tol: float = DPI_TOL,
) -> DPI:
    """Count, per estimator and activation, the (seed, epoch, layer pair) cases that break the DPI.

    A case is a deeper layer's I(X;L) more than ``tol`` nats above its predecessor's. The binning
    count sums the estimators whose name starts with "binning" or "adaptive". Returns the
    :class:`DPI`.
    """
    viol = dpi_violations(planes, tol=tol, groups=("activation",))
    pairs = (
        planes.groupby(["estimator", "activation"])[["seed", "epoch"]]
        .apply(lambda g: len(g.drop_duplicates()))
        .rename("seed-epochs")
    )
    counts = viol.groupby(["estimator", "activation"]).size().rename("violations")
    dpi = pd.concat([counts, pairs], axis=1).fillna(0).astype(int)
    dpi["largest excess [bits]"] = (viol.groupby(["estimator", "activation"])["excess"].max() / LN2).round(2)
    dpi = dpi.reindex(pd.MultiIndex.from_product([order, acts])).dropna(how="all")
    binning = [i for i in dpi.index if i[0].startswith(("binning", "adaptive"))]
    n_binning = int(dpi.loc[binning, "violations"].sum())
    worst = viol.loc[viol["excess"].idxmax()] if len(viol) else None
    return DPI(table=dpi, n_binning=n_binning, worst=worst)


# --------------------------------------------------------------------------- geometry beside information

GEOMETRY_ESTIMATORS = (
    "binning, 30 bins on [-1, 1]",
    "binning, 30 bins on each epoch's range",
    "KDE, var 0.1",
)
"""The estimators whose I(X;L) the geometry is set beside."""

GEOMETRY_STATS = {
    "ratio": "within / between-class distance",
    "saturation": "saturated fraction (|a| > 0.99)",
    "diameter": "diameter",
}
"""The distance statistics of :func:`geometry_frame` shown, with their axis labels."""


def rank_correlations(
    info: pd.Series,
    stats: pd.DataFrame,
    *,
    acts: Sequence[str] = ACTS,
    estimators: Sequence[str] = GEOMETRY_ESTIMATORS,
) -> pd.DataFrame:
    """Spearman rank correlation over epochs between each I(X;L) curve and each geometric statistic.

    ``info`` is indexed by ``(activation, estimator, epoch)``; ``stats`` by ``(activation,
    epoch)`` with the columns of :data:`GEOMETRY_STATS` (read at ``info``'s epochs). NaN where a
    curve is constant (without scipy's warning). Returns a frame indexed by ``(activation,
    estimator)``, a row per activation and estimator in the given order, with a column
    ``"rho vs <statistic>"`` per statistic.
    """
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantInputWarning)  # a constant curve has no rank correlation
        for act in acts:
            for name in estimators:
                s = info.loc[(act, name)]
                g = stats.loc[act].loc[s.index]
                rho = {
                    f"rho vs {c}": spearmanr(s.to_numpy(), g[c].to_numpy()).statistic for c in GEOMETRY_STATS
                }
                rows.append({"activation": act, "estimator": name, **rho})
    return pd.DataFrame(rows).set_index(["activation", "estimator"])


@dataclass(frozen=True)
class Geometry:
    """The last hidden layer's geometry beside its I(X;L), means over seeds.

    ``stats``: distance ratio, saturation and diameter indexed by ``(activation, epoch)``;
    ``info``: I(X;L) in bits of :data:`GEOMETRY_ESTIMATORS`, indexed by ``(activation,
    estimator, epoch)``; ``correlations``: :func:`rank_correlations` of the two.
    """

    stats: pd.DataFrame
    info: pd.Series
    correlations: pd.DataFrame


def geometry_beside_information(szt: SZTRuns, planes: pd.DataFrame, settings: Any) -> Geometry:
    """The last hidden layer's distance statistics on ``settings.geometry_inputs`` inputs (seed
    ``settings.seed``) beside its I(X;L) under :data:`GEOMETRY_ESTIMATORS`. Returns the :class:`Geometry`.
    """
    geo_idx = input_subsample(szt.n_inputs, settings.geometry_inputs, seed=settings.seed)
    geo = pd.concat(
        [
            geometry_frame([subsample_run(r, geo_idx) for r in rs], layers=[szt.last]).assign(activation=act)
            for act, rs in szt.runs.items()
        ]
    )
    stats = geo.groupby(["activation", "epoch"])[list(GEOMETRY_STATS)].mean()
    sel = planes[(planes["layer"] == szt.last) & planes["estimator"].isin(GEOMETRY_ESTIMATORS)]
    info = sel.groupby(["activation", "estimator", "epoch"])[IXL].mean() / LN2
    return Geometry(stats=stats, info=info, correlations=rank_correlations(info, stats, acts=list(szt.runs)))


# ------------------------------------------------------------------------------------------- MNIST


def mnist_config(activation: str, settings: Any) -> TrainConfig:
    """The training configuration of Saxe et al.'s 784-1024-20-20-20-10 MNIST MLP.

    Softmax output, Saxe et al.'s init, Adam at ``settings.mnist_lr``, batch 256,
    ``settings.mnist_epochs`` epochs recorded at ``log_schedule(mnist_epochs, min(12,
    mnist_epochs + 1))``. Returns the :class:`TrainConfig`.
    """
    return TrainConfig(
        model={
            "kind": "mlp",
            "widths": MNIST_WIDTHS,
            "activation": activation,
            "output_activation": "softmax",
        },
        optimizer="adam",
        lr=settings.mnist_lr,
        batch_size=256,
        n_epochs=settings.mnist_epochs,
        schedule=log_schedule(settings.mnist_epochs, min(12, settings.mnist_epochs + 1)).tolist(),
        init="saxe",
    )


def mnist_estimators() -> dict[str, Any]:
    """The MNIST estimators: Saxe et al.'s bin width 0.5, 30 bins per epoch's range, KDE var 0.1."""
    return {
        "binning, width 0.5": Binning(n_bins=None, value_range=None, bin_width=0.5),
        "binning, 30 bins on each epoch's range": Binning(n_bins=30, value_range=None, range_per_epoch=True),
        "KDE, var 0.1": KDE(noise_var=0.1),
    }


MNIST_ESTIMATORS = ("binning, width 0.5", "binning, 30 bins on each epoch's range", "KDE, var 0.1")
"""The names of :func:`mnist_estimators`, in order."""


@dataclass(frozen=True)
class MNIST:
    """The MNIST part: ``runs[activation]`` (one seed), ``planes`` (nats, with ``activation``),
    ``last`` (last hidden layer), ``accuracy`` (final, on the evaluation subset), ``n_eval``
    (evaluation images) and ``table`` (:func:`compression_table` of ``last``).
    """

    runs: dict[str, list[Any]]
    planes: pd.DataFrame
    last: str
    accuracy: dict[str, float]
    n_eval: int
    table: pd.DataFrame

    @property
    def compresses(self) -> pd.DataFrame:
        """Bool frame, estimators x activations: does the last hidden layer compress?"""
        return self.table["compresses"].unstack("activation")


def _flat(ds: Any) -> Any:
    return ds.x.reshape(len(ds), -1)


def mnist_experiment(settings: Any, *, threshold: float = THRESHOLD) -> MNIST:
    """Train Saxe et al.'s MNIST MLP (tanh and ReLU, the first seed) and read its last hidden layer.

    Trained on a stratified subset of ``settings.mnist_train`` training images, recorded on one
    of ``settings.mnist_eval`` test images (both with seed ``settings.seed``), drawn with
    :func:`mnist_estimators`; the compression rule of :func:`compression` with ``threshold``.
    Returns the :class:`MNIST`.
    """
    mnist = data.load_mnist(train=True)
    mnist_test = data.load_mnist(train=False)
    m_train = mnist.subset(settings.mnist_train, seed=settings.seed, stratified=True)
    m_eval = mnist_test.subset(settings.mnist_eval, seed=settings.seed, stratified=True)
    m_runs = {
        act: train_seeds(
            mnist_config(act, settings),
            settings.seeds[:1],
            train=(_flat(m_train), m_train.y),
            eval=(_flat(m_eval), m_eval.y),
            device=settings.device,
        )
        for act in ACTS
    }
    m_est = mnist_estimators()
    m_planes = pd.concat(
        [information_plane(m_runs[act], m_est, progress=False).assign(activation=act) for act in ACTS],
        ignore_index=True,
    )
    m_last = [n for n in m_runs["tanh"][0].layers if n != "output"][-1]
    m_acc = {act: float(m_runs[act][0].history["eval_acc"].iloc[-1]) for act in ACTS}
    m_table = compression_table(
        m_planes, layer=m_last, threshold=threshold, groups=("estimator", "activation")
    )
    return MNIST(m_runs, m_planes, m_last, m_acc, len(m_eval), m_table)


def mnist_report(szt: SZTRuns, mnist: MNIST, settings: Any) -> str:
    """The line the page prints after MNIST; records the training of all the page's runs (``note_runs``)."""
    all_runs = szt.all + [r for act in ACTS for r in mnist.runs[act]]
    acc = {a: round(v, 3) for a, v in mnist.accuracy.items()}
    return f"all runs of this page: {settings.note_runs(all_runs)} ; MNIST test accuracy on the subset: {acc}"


# -------------------------------------------------------------------------------- claims and prose

SAXE_USED = ("binning, 30 bins on [-1, 1]", "binning, width 0.07", "KDE, var 1e-3", "KDE, var 0.1")
"""The estimators Saxe et al. themselves used."""


def run_note(settings: Any) -> str:
    """The runs' settings as the scorecard rows state them."""
    return (
        f"SZT, {settings.n_epochs} epochs, lr {settings.lr:g}, {len(settings.seeds)} seeds, "
        f"{settings.n_record} recorded epochs"
    )


def two_phase_count(
    planes: pd.DataFrame, *, last: str, threshold: float = THRESHOLD, activation: str = "tanh"
) -> tuple[int, int]:
    """Seeds whose layer ``last`` shows both of Shwartz-Ziv & Tishby's phases with 30 bins on [-1, 1].

    A seed does when its I(X;L) first rises by at least ``threshold`` bits from its first recorded
    value to its peak (fitting) and then falls by at least ``threshold`` (compression). Returns
    ``(seeds showing both, seeds)`` for ``activation``.
    """
    sel = planes[
        (planes["activation"] == activation) & (planes["estimator"] == "binning, 30 bins on [-1, 1]")
    ]
    per_seed = seed_statistics(sel, layer=last)
    fit = per_seed[f"{IXL} peak"] - per_seed[f"{IXL} start"]
    return int(((fit >= threshold) & (per_seed["drop"] >= threshold)).sum()), len(per_seed)


def disagreeing(comp: pd.DataFrame, acts: Sequence[str] = ACTS) -> list[str]:
    """The activations for which some estimators say "compresses" and others "no" (``comp``: bool frame)."""
    return [act for act in acts if comp[act].any() and not comp[act].all()]


@dataclass(frozen=True)
class Claims:
    """The page's scorecard rows and what its prose quotes of them.

    ``rows``: ``(paper, claim, paper value, our value, verdict)`` in recording order (one row per
    estimator on Saxe et al.'s claim, then the claim over all estimators, the two phases, the
    estimators' disagreement and the DPI); ``v_saxe``, ``v_two``, ``v_dis``, ``v_dpi``: the
    verdicts of the last four; ``n_two``/``n_seeds``: tanh seeds with both phases / all;
    ``disagree``: the activations on which estimators disagree.
    """

    rows: list[tuple[str, str, str, str, str]]
    v_saxe: str
    v_two: str
    v_dis: str
    v_dpi: str
    n_two: int
    n_seeds: int
    disagree: list[str]


def claims(
    table: pd.DataFrame,
    counts: CompressionCounts,
    planes: pd.DataFrame,
    *,
    last: str,
    n_dpi_bin: int,
    settings: Any,
    threshold: float = THRESHOLD,
    order: Sequence[str] = ORDER,
    acts: Sequence[str] = ACTS,
) -> Claims:
    """Every claim of the page: paper value, our value and verdict.

    Saxe et al. per estimator (reproduced when tanh compresses and ReLU does not, partly when one
    of the two holds: :func:`scorecard.verdict_count` of 2 checks) and over all estimators
    (``counts.n_saxe`` of ``counts.n_est``); Shwartz-Ziv & Tishby's two phases
    (:func:`two_phase_count` of the tanh seeds); Geiger's disagreement (at least one activation
    in :func:`disagreeing`) and DPI (at least one binning violation, ``n_dpi_bin``). Returns the
    :class:`Claims`.
    """
    prof = settings.profile
    note = run_note(settings)
    n_two, n_seeds = two_phase_count(planes, last=last, threshold=threshold)
    disagree = disagreeing(counts.comp, acts)
    rows = []
    for name in order:
        row_t, row_r = table.loc[(name, "tanh")], table.loc[(name, "relu")]
        ok = int(row_t["compresses"]) + int(not row_r["compresses"])
        paper_value = (
            "tanh: compression; ReLU: none (Figs. 1-2)"
            if name in SAXE_USED
            else "tanh: compression; ReLU: none (their claim; estimator not used by them)"
        )
        ours = (
            f"drop of {'output' if name == 'decision rule' else last}: tanh {row_t['drop mean']:.2f} "
            f"+- {np.nan_to_num(row_t['drop sd']):.2f}, ReLU {row_r['drop mean']:.2f} "
            f"+- {np.nan_to_num(row_r['drop sd']):.2f} bits (compresses: >= {threshold:g}; {note})"
        )
        verdict = scorecard.verdict_count(ok, 2, profile=prof)
        rows.append(("saxe2018", f"tanh compresses, ReLU does not - {name}", paper_value, ours, verdict))
    v_saxe = scorecard.verdict_count(counts.n_saxe, counts.n_est, profile=prof)
    v_two = scorecard.verdict_count(n_two, n_seeds, profile=prof)
    v_dis = scorecard.verdict_threshold(len(disagree), at_least=1, profile=prof)
    v_dpi = scorecard.verdict_threshold(n_dpi_bin, at_least=1, profile=prof)
    rows += [
        (
            "saxe2018",
            "tanh compresses, ReLU does not (all estimators, same runs)",
            "tanh: compression; ReLU: none, with binning and KDE (Figs. 1-2)",
            f"{counts.n_saxe} of {counts.n_est} estimators show it (tanh compresses under {counts.n_tanh}, "
            f"ReLU under {counts.n_relu}; drop of {last} >= {threshold:g} bit, mean over seeds; {note})",
            v_saxe,
        ),
        (
            "shwartzziv2017",
            "Two phases: fitting, then compression (tanh, 30 bins)",
            "I(X;L) rises, then falls in the last hidden layers (Fig. 3)",
            f"{n_two} of {n_seeds} seeds: {last} rises >= {threshold:g} bit then drops "
            f">= {threshold:g} bit ({note})",
            v_two,
        ),
        (
            "geiger2021",
            "Planes from different estimators disagree on the same runs",
            "IPs by different estimators are not comparable (Sec. II)",
            f"estimators disagree on compression for {len(disagree)} of {len(acts)} activations "
            f"({', '.join(disagree) or 'none'}; {note})",
            v_dis,
        ),
        (
            "geiger2021",
            "Binning can break the data-processing inequality",
            "I(X;Q(L_l)) < I(X;Q(L_l+1)) possible (Sec. III-A)",
            f"{n_dpi_bin} (seed, epoch, layer pair) cases with a deeper layer > 0.01 bit "
            f"above its predecessor ({note})",
            v_dpi,
        ),
    ]
    return Claims(rows, v_saxe, v_two, v_dis, v_dpi, n_two, n_seeds, disagree)


def record_claims(notebook: str, settings: Any, result: Claims) -> pd.DataFrame:
    """Record the rows of ``result`` on the scorecard (in order); returns the notebook's rows (the card)."""
    card = None
    for row in result.rows:
        card = scorecard.record(notebook, settings.profile, *row)
    if card is None:
        raise ValueError("no claims to record")
    return card


def dead_sentence(acc: Mapping[str, np.ndarray], *, chance: float = 0.6) -> str:
    """The prose's sentence on failed seeds: those whose final accuracy is below ``chance``.

    ``acc`` maps activation -> final accuracies of its seeds (H(Y) ~ 1 bit, so below 0.6 is
    near chance: a narrow ReLU layer can lose all its units to the zero side).
    """
    dead = [a for a, v in acc.items() if v.min() < chance]
    if not dead:
        return "Every seed trained to well above chance accuracy."
    text = " and ".join(f"{int((acc[a] < chance).sum())} of {len(acc[a])} {a} seeds" for a in dead)
    return (
        f"{text[0].upper()}{text[1:]} stayed near chance accuracy (a narrow ReLU layer "
        "can lose all its units to the zero side); their curves enter the means and spreads above, and the "
        "per-seed counts in the verdict table show how much they weigh."
    )


def worst_text(worst: Mapping[str, Any] | None) -> str:
    """The largest DPI excess of any estimator in words (``"none"`` without a violation)."""
    if worst is None:
        return "none"
    return (
        f"{worst['estimator']}, {worst['activation']}, seed {worst['seed']}, epoch {worst['epoch']}: "
        f"{worst['next layer']} exceeds {worst['layer']} by {worst['excess'] / LN2:.2f} bits"
    )


def mnist_text(comp: pd.DataFrame) -> str:
    """The MNIST verdicts in words, e.g. ``"KDE, var 0.1: tanh compresses, ReLU no"`` per estimator."""
    return "; ".join(
        f"{name}: tanh {'compresses' if comp.loc[name, 'tanh'] else 'no'}, ReLU "
        f"{'compresses' if comp.loc[name, 'relu'] else 'no'}"
        for name in comp.index
    )


def geo_sentence(rho: Mapping[str, float]) -> str:
    """Whether the binned curve tracks the geometry: rank correlation <= -0.5 with saturation and >= 0.5
    with the distance ratio (our reading of "tracks"), as the prose's sentence.
    """
    tracks = rho["rho vs saturation"] <= -0.5 and rho["rho vs ratio"] >= 0.5
    if tracks:
        return (
            "compression in the binned plane went with the representation saturating and "
            "its classes drawing together"
        )
    return (
        "at this profile the binned curve did not clearly follow saturation and clustering "
        "(rank correlations beyond +-0.5 are our reading of 'tracks')"
    )


def glue_values(
    settings: Any,
    szt: SZTRuns,
    counts: CompressionCounts,
    result: Claims,
    dpi: DPI,
    sweeps: tuple[pd.DataFrame, pd.DataFrame],
    mnist: MNIST,
    geometry: Geometry,
) -> dict[str, Any]:
    """The numbers and sentences of the page's prose, name -> value, for :func:`glue_all`.

    ``sweeps`` is :func:`sensitivity`'s ``(sweeps, ksweeps)``. Returns a dict in the prose's
    glue names (counts as ``int``, the rest as strings).
    """
    comp = counts.comp
    acc = szt.accuracy()
    sweep, ksweep = sweeps
    rho = geometry.correlations.loc[("tanh", "binning, 30 bins on [-1, 1]")]
    return {
        "run_profile": settings.profile,
        "n_saxe": counts.n_saxe,
        "n_est": counts.n_est,
        "n_tanh": counts.n_tanh,
        "n_relu": counts.n_relu,
        "n_two": result.n_two,
        "n_seeds": result.n_seeds,
        "n_dpi_bin": dpi.n_binning,
        "disagree": ", ".join(result.disagree) or "neither activation",
        "tanh_yes": ", ".join(comp.index[comp["tanh"]]) or "none",
        "relu_yes": ", ".join(comp.index[comp["relu"]]) or "none",
        "acc_text": ", ".join(f"{a} {v.mean():.3f} (lowest seed {v.min():.3f})" for a, v in acc.items()),
        "dead_sentence": dead_sentence(acc),
        "worst_text": worst_text(dpi.worst),
        "sweep_text": f"from {sweep[IXL].min() / LN2:.1f} to {sweep[IXL].max() / LN2:.1f} bits",
        "ksweep_text": f"from {ksweep[IXL].min() / LN2:.2f} to {ksweep[IXL].max() / LN2:.1f} bits",
        "m_text": mnist_text(mnist.compresses),
        "rho_text": f"{rho['rho vs ratio']:.2f} with the distance ratio, {rho['rho vs saturation']:.2f} "
        f"with saturation and {rho['rho vs diameter']:.2f} with the diameter",
        "geo_sentence": geo_sentence(rho),
        "v_saxe": result.v_saxe,
        "v_two": result.v_two,
        "v_dis": result.v_dis,
        "v_dpi": result.v_dpi,
    }
