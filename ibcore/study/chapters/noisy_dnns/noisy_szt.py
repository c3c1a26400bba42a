"""The noisy SZT nets of chapter 2: training, sample propagation, clustering, the deterministic twin.

:func:`train_szt` trains (or loads), for every training seed of the profile, one noisy
12-10-7-5-4-3-2 tanh net per beta of the sweep and one with the Parseval retraction
(:func:`noisy_config` is their configuration); :func:`sample_propagation` estimates I(X;T_l) of
their hidden layers (:func:`sp_options` are its settings, shared with the MNIST part);
:func:`clustering` sets the class-distance ratio next to the falls of I(X;T_l); :func:`twin_binning`
bins the first beta's deterministic twins. The page's figures show the first seed; the tables with
a ``seed`` level (``seed_table``, ``seed_track``) hold every seed, for the claims' intervals over
seeds. :func:`snapshot_epochs` and :func:`layer_snapshot` pick what the page plots, and the
``*_COLUMNS`` lists the columns of its SZT tables.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore import data
from ibcore.analysis.clustering import compression_vs_clustering
from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.propagation import deterministic_twin, sp_information
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.estimators import Binning
from ibcore.study.chapters.noisy_dnns.checks import rho_after_peak
from ibcore.training import RecordedRun, TrainConfig, log_schedule, train_and_record

if TYPE_CHECKING:  # ibcore.study.profiles imports this package (its PROFILE table)
    import torch

    from ibcore.study.profiles import Settings

__all__ = [
    "WIDTHS",
    "TABLE_COLUMNS",
    "TRACK_COLUMNS",
    "ORTHO_COLUMNS",
    "SZTRuns",
    "noisy_config",
    "train_szt",
    "describe_runs",
    "sp_options",
    "Propagation",
    "sample_propagation",
    "Clustering",
    "clustering",
    "snapshot_epochs",
    "layer_snapshot",
    "Twin",
    "twin_binning",
]

WIDTHS = [12, 10, 7, 5, 4, 3, 2]  # the SZT net of chapter 0, tanh units, softmax output

# The columns the page's SZT tables show.
TABLE_COLUMNS = [
    "peak epoch",
    "peak",
    "bottom epoch",
    "bottom",
    "dip",
    "dip stderr",
    "end",
    "min epoch",
    "lag",
    "bottom lag",
    "measure change",
    "rho",
    "rho in dip",
]
TRACK_COLUMNS = [
    "peak epoch",
    "peak",
    "bottom epoch",
    "dip",
    "min epoch",
    "measure change",
    "rho",
    "rho in dip",
    "rho after peak",
]
ORTHO_COLUMNS = ["peak epoch", "peak", "bottom epoch", "dip", "dip stderr", "measure change"]


@dataclass
class SZTRuns:
    """The noisy SZT runs of :func:`train_szt`: per training seed, the sweep and the orthonormal run.

    The page's figures show the first seed (:attr:`runs`, :attr:`ortho`); the claims read every seed.
    """

    szt: data.Dataset
    """All 4096 SZT inputs (the runs are recorded on them)."""
    train: data.Dataset
    """The training split."""
    seed_runs: dict[int, dict[float, RecordedRun]]
    """Per training seed (in the order of ``settings.seeds``): one run per beta, in the sweep's order."""
    seed_ortho: dict[int, RecordedRun]
    """Per training seed: the run at the first beta with the Parseval retraction."""

    @property
    def seeds(self) -> list[int]:
        """The training seeds, the first one first."""
        return list(self.seed_runs)

    @property
    def runs(self) -> dict[float, RecordedRun]:
        """The first seed's run per beta of the sweep (the page's figures)."""
        return self.seed_runs[self.seeds[0]]

    @property
    def ortho(self) -> RecordedRun:
        """The first seed's run with the Parseval retraction."""
        return self.seed_ortho[self.seeds[0]]

    @property
    def beta0(self) -> float:
        """The first beta of the sweep (the orthonormal run's and the twin's)."""
        return next(iter(self.runs))

    @property
    def hidden(self) -> list[str]:
        """Names of the hidden layers, input side first."""
        return [name for name in self.ortho.layers if name != "output"]

    @property
    def acc(self) -> dict[float, float]:
        """Final accuracy on all inputs (noise off, as the authors evaluate) per beta, mean over the seeds."""
        return {
            beta: float(
                np.mean([runs[beta].history["eval_acc"].iloc[-1] for runs in self.seed_runs.values()])
            )
            for beta in self.runs
        }

    @property
    def all_runs(self) -> list[RecordedRun]:
        """Per seed, the sweep's runs and then the orthonormal one."""
        return [r for seed in self.seeds for r in (*self.seed_runs[seed].values(), self.seed_ortho[seed])]


def noisy_config(settings: Settings, beta: float, *, seed: int | None = None, **changes: Any) -> TrainConfig:
    """The training configuration of the noisy SZT net at noise std ``beta``.

    The 12-10-7-5-4-3-2 tanh MLP with ``noise_std=beta`` in training only (``noise_in_eval=False``,
    as kgreenewald/smoothMI's ``addNoise``), torch's default init, Adam at ``settings.lr``, batch
    256, ``settings.n_epochs`` epochs with ``settings.n_record`` log-spaced recorded epochs,
    training seed ``seed`` (default ``settings.seeds[0]``), weights recorded; ``changes`` replace
    further fields (e.g. ``parseval_alpha=``).

    Returns
    -------
    TrainConfig
    """
    base = TrainConfig(
        model={"kind": "mlp", "widths": list(WIDTHS), "activation": "tanh", "output_activation": "softmax"},
        optimizer="adam",
        lr=settings.lr,
        batch_size=256,
        n_epochs=settings.n_epochs,
        schedule=log_schedule(settings.n_epochs, settings.n_record).tolist(),
        seed=settings.seeds[0] if seed is None else seed,
        record_weights=True,
    )
    return dataclasses.replace(
        base, model={**base.model, "noise_std": beta, "noise_in_eval": False}, **changes
    )


def train_szt(settings: Settings) -> SZTRuns:
    """Train (or load from the run cache) per training seed one noisy SZT net per beta and one with
    the Parseval retraction.

    A seeded random split of the 4096 SZT inputs (``settings.train_fraction``, seed
    ``settings.seed``); every run is recorded on all 4096 inputs. For each seed of
    ``settings.seeds``, the runs of ``settings.betas`` are trained in order, then the run at the
    first beta with ``parseval_alpha=settings.parseval_alpha``.

    Returns
    -------
    SZTRuns
    """
    szt = data.load_szt()
    train, _ = data.train_test_split(szt, test_fraction=1 - settings.train_fraction, seed=settings.seed)

    def fit(config: TrainConfig) -> RecordedRun:
        return train_and_record(config, train=(train.x, train.y), eval=(szt.x, szt.y), device=settings.device)

    seed_runs: dict[int, dict[float, RecordedRun]] = {}
    seed_ortho: dict[int, RecordedRun] = {}
    for seed in settings.seeds:
        seed_runs[seed] = {beta: fit(noisy_config(settings, beta, seed=seed)) for beta in settings.betas}
        seed_ortho[seed] = fit(
            noisy_config(settings, settings.betas[0], seed=seed, parseval_alpha=settings.parseval_alpha)
        )
    return SZTRuns(szt=szt, train=train, seed_runs=seed_runs, seed_ortho=seed_ortho)


def describe_runs(szt_runs: SZTRuns, settings: Settings) -> str:
    """Two lines for the page: the runs and their recorded epochs (recording their cost with
    :meth:`Settings.note_runs`), and the final accuracies (mean over the seeds)."""
    all_runs, ortho = szt_runs.all_runs, szt_runs.ortho
    acc = {b: round(a, 3) for b, a in szt_runs.acc.items()}
    n_seeds = len(szt_runs.seeds)
    per_seed = f" ({n_seeds} seeds)" if n_seeds > 1 else ""
    ortho_acc = np.mean([r.history["eval_acc"].iloc[-1] for r in szt_runs.seed_ortho.values()])
    return (
        f"{len(all_runs)} runs{per_seed}, {len(ortho.epochs)} recorded epochs each {ortho.epochs.tolist()}; "
        + settings.note_runs(all_runs)
        + f"\nfinal accuracy on all 4096 inputs (noise off): {acc} "
        + f"with the Parseval retraction (beta={szt_runs.beta0}): {ortho_acc:.3f}"
    )


def sp_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of :func:`~ibcore.analysis.propagation.sp_information` on this page.

    ``n_inputs=sp_inputs`` (subsample seed ``settings.seed``), ``n_samples_per_x``, ``n_mc`` and
    the device.
    """
    return {
        "n_inputs": settings.sp_inputs,
        "input_seed": settings.seed,
        "n_samples_per_x": settings.sp_samples_per_x,
        "n_mc": settings.n_mc,
        "device": settings.device,
    }


@dataclass
class Propagation:
    """I(X;T_l) by sample propagation (:func:`sample_propagation`), frames of ``sp_information``."""

    seed_by_beta: dict[int, dict[float, pd.DataFrame]]
    """Per training seed, per beta of the sweep: every hidden layer at every recorded epoch (nats,
    with ``stderr``)."""
    seed_ortho: dict[int, pd.DataFrame]
    """Per training seed: the same for the orthonormal run."""
    ceiling: float
    """log2 of the number of inputs X is uniform on: the largest possible value, bits."""

    @property
    def by_beta(self) -> dict[float, pd.DataFrame]:
        """The first seed's frames per beta (the page's figures)."""
        return next(iter(self.seed_by_beta.values()))

    @property
    def ortho(self) -> pd.DataFrame:
        """The first seed's frame of the orthonormal run."""
        return next(iter(self.seed_ortho.values()))


def sample_propagation(settings: Settings, szt_runs: SZTRuns) -> Propagation:
    """I(X;T_l) of every hidden layer and recorded epoch of each run, by sample propagation.

    Returns
    -------
    Propagation
        Per seed, the sweep's runs in order, then the orthonormal run, with :func:`sp_options`.
    """
    opts = sp_options(settings)
    seed_by_beta = {
        seed: {beta: sp_information(r, **opts) for beta, r in runs.items()}
        for seed, runs in szt_runs.seed_runs.items()
    }
    seed_ortho = {seed: sp_information(r, **opts) for seed, r in szt_runs.seed_ortho.items()}
    return Propagation(seed_by_beta, seed_ortho, float(np.log2(min(settings.sp_inputs, len(szt_runs.szt)))))


@dataclass
class Clustering:
    """The class-distance ratio of the noisy representations and the compression tables."""

    geo_idx: torch.Tensor
    """The ``geometry_inputs`` inputs the ratio is computed on."""
    geo: dict[float, pd.DataFrame]
    """Per beta: :func:`~ibcore.analysis.geometry.geometry_frame` of the first seed's run on those
    inputs (the page's figures)."""
    geo_ortho: pd.DataFrame
    """The same for the first seed's orthonormal run."""
    seed_table: pd.DataFrame
    """:func:`~ibcore.analysis.clustering.compression_vs_clustering` per (beta, seed, layer)."""
    seed_ortho_table: pd.DataFrame
    """The same for the orthonormal runs, per (seed, layer)."""

    @property
    def table(self) -> pd.DataFrame:
        """The first seed's compression table, per (beta, layer) (the page's table)."""
        first = self.seed_table.index.get_level_values("seed")[0]
        return self.seed_table.xs(first, level="seed")

    @property
    def ortho_table(self) -> pd.DataFrame:
        """The first seed's table of the orthonormal run, per layer."""
        first = self.seed_ortho_table.index.get_level_values("seed")[0]
        return self.seed_ortho_table.xs(first, level="seed")


def clustering(settings: Settings, szt_runs: SZTRuns, prop: Propagation) -> Clustering:
    """How tight the classes are at each recorded epoch, and what that did while I(X;T) fell.

    The within/between-class distance ratio of every layer on a subsample of ``geometry_inputs``
    inputs (seed ``settings.seed``), and, per seed and layer, the largest fall of the
    sample-propagation I(X;T_l) next to the ratio's change during it.

    Returns
    -------
    Clustering
    """
    geo_idx = input_subsample(len(szt_runs.szt), settings.geometry_inputs, seed=settings.seed)
    seeds = szt_runs.seeds
    geo = {
        seed: {
            beta: geometry_frame(subsample_run(r, geo_idx)) for beta, r in szt_runs.seed_runs[seed].items()
        }
        for seed in seeds
    }
    geo_ortho = {seed: geometry_frame(subsample_run(szt_runs.seed_ortho[seed], geo_idx)) for seed in seeds}

    def table(info: list[pd.DataFrame], ratio: list[pd.DataFrame]) -> pd.DataFrame:
        return compression_vs_clustering(
            pd.concat(info, ignore_index=True), pd.concat(ratio, ignore_index=True)
        )

    seed_table = pd.concat(
        {
            beta: table([prop.seed_by_beta[s][beta] for s in seeds], [geo[s][beta] for s in seeds])
            for beta in szt_runs.runs
        },
        names=["beta"],
    )
    seed_ortho_table = table([prop.seed_ortho[s] for s in seeds], [geo_ortho[s] for s in seeds])
    return Clustering(geo_idx, geo[seeds[0]], geo_ortho[seeds[0]], seed_table, seed_ortho_table)


def snapshot_epochs(table: pd.DataFrame, beta: float, layer: str, n_epochs: int) -> list[int]:
    """The epochs at which the page shows a layer itself: the start, the peak of its I(X;T) before
    its largest fall, the bottom of that fall, and the end (``n_epochs``), sorted, no repeats.

    ``table`` is :attr:`Clustering.table` (indexed by beta and layer).
    """
    row = table.loc[(beta, layer)]
    return sorted({0, int(row["peak epoch"]), int(row["bottom epoch"]), int(n_epochs)})


def layer_snapshot(run: RecordedRun, layer: str, epoch: int, index: Any) -> tuple[np.ndarray, np.ndarray]:
    """A recorded layer at one epoch on the inputs ``index``, and their labels, as numpy arrays."""
    return run.layer(layer)[run.epoch_index(epoch)][index].numpy(), run.y_eval[index].numpy()


@dataclass
class Twin:
    """The deterministic twin of the first beta's runs (:func:`twin_binning`)."""

    run: RecordedRun
    """The first seed's twin: the noisy net's weights with the noise switched off."""
    binned: pd.DataFrame
    """Its binned I(X;T) per hidden layer and epoch (nats)."""
    geo: pd.DataFrame
    """Its distance ratio on the clustering subsample."""
    seed_track: pd.DataFrame
    """:func:`~ibcore.analysis.clustering.compression_vs_clustering` of the two, per (seed, layer),
    for the twin of every seed."""

    @property
    def track(self) -> pd.DataFrame:
        """The first seed's rows of :attr:`seed_track`, per layer (the page's table)."""
        return self.seed_track.xs(self.run.seed, level="seed")


def twin_binning(settings: Settings, szt_runs: SZTRuns, clus: Clustering) -> Twin:
    """Binned I(X;T) of the first beta's deterministic twin of every seed (``n_bins`` per unit on
    [-1, 1], all inputs) and its distance ratio on :attr:`Clustering.geo_idx`.

    Returns
    -------
    Twin
        The first seed's twin, binned curves and ratio, and every seed's compression table.
    """
    est = Binning(n_bins=settings.n_bins, value_range=(-1.0, 1.0))
    twins, binned, geo = [], [], []
    for runs in szt_runs.seed_runs.values():
        twin = deterministic_twin(runs[szt_runs.beta0])
        twins.append(twin)
        binned.append(information_plane(twin, est, layers=szt_runs.hidden, progress=False))
        geo.append(geometry_frame(subsample_run(twin, clus.geo_idx), layers=szt_runs.hidden))
    all_binned, all_geo = pd.concat(binned, ignore_index=True), pd.concat(geo, ignore_index=True)
    track = compression_vs_clustering(all_binned, all_geo)
    track["rho after peak"] = rho_after_peak(all_binned, all_geo, track).reindex(track.index).to_numpy()
    return Twin(twins[0], binned[0], geo[0], track)
