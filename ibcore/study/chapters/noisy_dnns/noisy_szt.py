"""The noisy SZT nets of chapter 2: training, sample propagation, clustering, the deterministic twin.

:func:`train_szt` trains (or loads) one noisy 12-10-7-5-4-3-2 tanh net per beta of the sweep and
one with the orthonormality penalty (:func:`noisy_config` is their configuration);
:func:`sample_propagation` estimates I(X;T_l) of their hidden layers (:func:`sp_options` are its
settings, shared with the MNIST part); :func:`clustering` sets the class-distance ratio next to
the falls of I(X;T_l); :func:`twin_binning` bins the first beta's deterministic twin.
:func:`snapshot_epochs` and :func:`layer_snapshot` pick what the page plots, and the ``*_COLUMNS``
lists the columns of its SZT tables.
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
]
ORTHO_COLUMNS = ["peak epoch", "peak", "bottom epoch", "dip", "dip stderr", "measure change"]


@dataclass
class SZTRuns:
    """The noisy SZT runs of :func:`train_szt`."""

    szt: data.Dataset
    """All 4096 SZT inputs (the runs are recorded on them)."""
    train: data.Dataset
    """The training split."""
    runs: dict[float, RecordedRun]
    """One run per beta of the sweep, in the sweep's order."""
    ortho: RecordedRun
    """The run at the first beta with the orthonormality penalty."""

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
        """Final accuracy on all inputs per beta."""
        return {beta: float(r.history["eval_acc"].iloc[-1]) for beta, r in self.runs.items()}

    @property
    def all_runs(self) -> list[RecordedRun]:
        """The sweep's runs and then the orthonormal one."""
        return [*self.runs.values(), self.ortho]


def noisy_config(settings: Settings, beta: float, **changes: Any) -> TrainConfig:
    """The training configuration of the noisy SZT net at noise std ``beta``.

    The 12-10-7-5-4-3-2 tanh MLP with ``noise_std=beta``, Adam at ``settings.lr``, batch 256,
    ``settings.n_epochs`` epochs with ``settings.n_record`` log-spaced recorded epochs, seed
    ``settings.seeds[0]``, weights recorded; ``changes`` replace further fields (e.g.
    ``orthonormal_penalty=``).

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
        seed=settings.seeds[0],
        record_weights=True,
    )
    return dataclasses.replace(base, model={**base.model, "noise_std": beta}, **changes)


def train_szt(settings: Settings) -> SZTRuns:
    """Train (or load from the run cache) one noisy SZT net per beta and one with the penalty.

    The SZT data split of chapter 0 (``settings.train_fraction``, seed ``settings.seed``); every
    run is recorded on all 4096 inputs. The runs of ``settings.betas`` are trained in order, then
    the run at the first beta with ``orthonormal_penalty=settings.ortho_penalty``.

    Returns
    -------
    SZTRuns
    """
    szt = data.load_szt()
    train, _ = data.train_test_split(szt, test_fraction=1 - settings.train_fraction, seed=settings.seed)

    def fit(config: TrainConfig) -> RecordedRun:
        return train_and_record(config, train=(train.x, train.y), eval=(szt.x, szt.y), device=settings.device)

    runs = {beta: fit(noisy_config(settings, beta)) for beta in settings.betas}
    ortho = fit(noisy_config(settings, settings.betas[0], orthonormal_penalty=settings.ortho_penalty))
    return SZTRuns(szt=szt, train=train, runs=runs, ortho=ortho)


def describe_runs(szt_runs: SZTRuns, settings: Settings) -> str:
    """Two lines for the page: the runs and their recorded epochs (recording their cost with
    :meth:`Settings.note_runs`), and the final accuracies."""
    all_runs, ortho = szt_runs.all_runs, szt_runs.ortho
    acc = {b: round(a, 3) for b, a in szt_runs.acc.items()}
    return (
        f"{len(all_runs)} runs, {len(ortho.epochs)} recorded epochs each {ortho.epochs.tolist()}; "
        + settings.note_runs(all_runs)
        + f"\nfinal accuracy on all 4096 inputs: {acc} "
        + f"orthonormal (beta={szt_runs.beta0}): {ortho.history['eval_acc'].iloc[-1]:.3f}"
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

    by_beta: dict[float, pd.DataFrame]
    """Per beta of the sweep: every hidden layer at every recorded epoch (nats, with ``stderr``)."""
    ortho: pd.DataFrame
    """The same for the orthonormal run."""
    ceiling: float
    """log2 of the number of inputs X is uniform on: the largest possible value, bits."""


def sample_propagation(settings: Settings, szt_runs: SZTRuns) -> Propagation:
    """I(X;T_l) of every hidden layer and recorded epoch of each run, by sample propagation.

    Returns
    -------
    Propagation
        The sweep's runs in order, then the orthonormal run, with :func:`sp_options`.
    """
    opts = sp_options(settings)
    by_beta = {beta: sp_information(r, **opts) for beta, r in szt_runs.runs.items()}
    ortho = sp_information(szt_runs.ortho, **opts)
    return Propagation(by_beta, ortho, float(np.log2(min(settings.sp_inputs, len(szt_runs.szt)))))


@dataclass
class Clustering:
    """The class-distance ratio of the noisy representations and the compression table."""

    geo_idx: torch.Tensor
    """The ``geometry_inputs`` inputs the ratio is computed on."""
    geo: dict[float, pd.DataFrame]
    """Per beta: :func:`~ibcore.analysis.geometry.geometry_frame` of the run on those inputs."""
    geo_ortho: pd.DataFrame
    """The same for the orthonormal run."""
    table: pd.DataFrame
    """:func:`~ibcore.analysis.clustering.compression_vs_clustering` per (beta, layer)."""
    ortho_table: pd.DataFrame
    """The same for the orthonormal run, per layer."""


def clustering(settings: Settings, szt_runs: SZTRuns, prop: Propagation) -> Clustering:
    """How tight the classes are at each recorded epoch, and what that did while I(X;T) fell.

    The within/between-class distance ratio of every layer on a subsample of ``geometry_inputs``
    inputs (seed ``settings.seed``), and, per layer, the largest fall of the sample-propagation
    I(X;T_l) next to the ratio's change during it.

    Returns
    -------
    Clustering
    """
    geo_idx = input_subsample(len(szt_runs.szt), settings.geometry_inputs, seed=settings.seed)
    geo = {beta: geometry_frame(subsample_run(r, geo_idx)) for beta, r in szt_runs.runs.items()}
    geo_ortho = geometry_frame(subsample_run(szt_runs.ortho, geo_idx))
    table = pd.concat(
        {beta: compression_vs_clustering(prop.by_beta[beta], geo[beta]) for beta in szt_runs.runs},
        names=["beta"],
    ).droplevel("seed")
    ortho_table = compression_vs_clustering(prop.ortho, geo_ortho).droplevel("seed")
    return Clustering(geo_idx, geo, geo_ortho, table, ortho_table)


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
    """The deterministic twin of the first beta's run (:func:`twin_binning`)."""

    run: RecordedRun
    """The twin: the noisy net's weights with the noise switched off."""
    binned: pd.DataFrame
    """Its binned I(X;T) per hidden layer and epoch (nats)."""
    geo: pd.DataFrame
    """Its distance ratio on the clustering subsample."""
    track: pd.DataFrame
    """:func:`~ibcore.analysis.clustering.compression_vs_clustering` of the two, per layer."""


def twin_binning(settings: Settings, szt_runs: SZTRuns, clus: Clustering) -> Twin:
    """Binned I(X;T) of the first beta's deterministic twin (``n_bins`` per unit on [-1, 1], all
    inputs) and its distance ratio on :attr:`Clustering.geo_idx`.

    Returns
    -------
    Twin
    """
    twin = deterministic_twin(szt_runs.runs[szt_runs.beta0])
    binned = information_plane(
        twin, Binning(n_bins=settings.n_bins, value_range=(-1.0, 1.0)), layers=szt_runs.hidden, progress=False
    )
    geo = geometry_frame(subsample_run(twin, clus.geo_idx), layers=szt_runs.hidden)
    return Twin(twin, binned, geo, compression_vs_clustering(binned, geo).droplevel("seed"))
