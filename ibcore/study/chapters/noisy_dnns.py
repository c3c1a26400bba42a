"""Chapter 2, noisy DNNs (Goldfeld et al. 2019).

:data:`PROFILE`: the sizes of ``02_noisy_dnns.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The page's code, one call per step: the noisy SZT nets (:func:`train_szt`, one run per beta and
one with the orthonormality penalty), their I(X;T_l) by sample propagation
(:func:`sample_propagation`), the clustering of their representations and what it did while
I(X;T) fell (:func:`clustering`), the deterministic twin's binned I(X;T) (:func:`twin_binning`),
the noisy MNIST CNN (:func:`mnist_cnn`) and its cosine similarities (:func:`cosine_similarities`).
The verdicts: :func:`compressing` and the other criteria with the thresholds :data:`DIP_MIN`,
:data:`N_SE`, :data:`TIGHTEN` and :data:`GAP_MIN`, gathered by :func:`key_numbers`;
:func:`verdicts` decides, :func:`claims` words the scorecard rows, :func:`record_claims` writes them
and :func:`glue_values` gives the numbers the page's prose shows.

References
----------
.. [1] Z. Goldfeld, E. van den Berg, K. Greenewald, I. Melnyk, N. Nguyen, B. Kingsbury,
   Y. Polyanskiy, "Estimating information flow in deep neural networks", ICML 2019
   (arXiv:1810.05728), Secs. 2-5.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore import data
from ibcore.analysis.clustering import ClassCosine, class_cosine_similarity, compression_vs_clustering
from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.propagation import deterministic_twin, sp_information
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.analysis.summary import LN2
from ibcore.estimators import Binning
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.scorecard import verdict_count
from ibcore.training import RecordedRun, TrainConfig, log_schedule, train_and_record

if TYPE_CHECKING:  # ibcore.study.profiles imports this module (its PROFILE table)
    import torch

    from ibcore.study.profiles import Settings

__all__ = [
    "PROFILE",
    "PAPER_KEY",
    "WIDTHS",
    "DIP_MIN",
    "N_SE",
    "TIGHTEN",
    "GAP_MIN",
    "CNN_LAYERS",
    "TABLE_COLUMNS",
    "TRACK_COLUMNS",
    "ORTHO_COLUMNS",
    "CNN_COLUMNS",
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
    "CNNResults",
    "cnn_config",
    "mnist_cnn",
    "describe_cnn",
    "Cosine",
    "cosine_similarities",
    "compressing",
    "KeyNumbers",
    "key_numbers",
    "verdicts",
    "claims",
    "ortho_sentence",
    "bin_sentence",
    "record_claims",
    "glue_values",
]

PROFILE = {
    # Goldfeld et al. 2019: noisy SZT 12-10-7-5-4-3-2 tanh nets, Adam, batch 256 (paper: lr 4e-4
    # as in chapter 0; default: lr 4e-3 so that 1500 epochs reach the late phase), noise std
    # beta on every hidden layer; I(X;T_l) by sample propagation on a subsample of sp_inputs
    # inputs at n_record log-spaced epochs; ortho_penalty: lambda of the orthonormality
    # regulariser (run at the first beta); geometry_inputs: inputs of the class-distance ratio.
    # MNIST part: ibcore's small noisy CNN (MNISTCNN with tanh units, noise std mnist_beta on every
    # layer's input, no dropout; at beta = 0.1 every one of 256 test inputs stays resolved, I(X;T)
    # at its log(256) ceiling from epoch 2 on, so the section uses 0.5), Adam on n_mnist_train
    # images, recorded on n_mnist_eval test images at n_mnist_record log-spaced epochs. The
    # paper's CNN settings are not in the material we have (abstract only): the paper profile is
    # the full data set, not verified settings.
    "smoke": {
        "n_epochs": 30,
        "seeds": [0],
        "betas": [0.005, 0.1],
        "ortho_penalty": 0.1,
        "lr": 4e-3,
        "n_record": 6,
        "sp_inputs": 32,
        "sp_samples_per_x": 4,
        "n_mc": 3,
        "geometry_inputs": 256,
        "n_bins": 30,
        "train_fraction": 0.85,
        "n_mnist_train": 300,
        "n_mnist_eval": 200,
        "n_mnist_epochs": 2,
        "n_mnist_record": 3,
        "mnist_beta": 0.5,
        "mnist_lr": 1e-3,
    },
    "default": {
        "n_epochs": 1500,
        "seeds": [0],
        "betas": [0.005, 0.01, 0.05, 0.1],
        "ortho_penalty": 0.1,
        "lr": 4e-3,
        "n_record": 16,
        "sp_inputs": 256,
        "sp_samples_per_x": 5,
        "n_mc": 4,
        "geometry_inputs": 1024,
        "n_bins": 30,
        "train_fraction": 0.85,
        "n_mnist_train": 5000,
        "n_mnist_eval": 1000,
        "n_mnist_epochs": 12,
        "n_mnist_record": 8,
        "mnist_beta": 0.5,
        "mnist_lr": 1e-3,
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": [0, 1, 2, 3, 4],
        "betas": [0.005, 0.01, 0.05, 0.1],
        "ortho_penalty": 0.1,
        "lr": 4e-4,
        "n_record": 40,
        "sp_inputs": 4096,
        "sp_samples_per_x": 10,
        "n_mc": 5,
        "geometry_inputs": 4096,
        "n_bins": 30,
        "train_fraction": 0.85,
        "n_mnist_train": 60000,
        "n_mnist_eval": 10000,
        "n_mnist_epochs": 100,
        "n_mnist_record": 30,
        "mnist_beta": 0.5,
        "mnist_lr": 1e-3,
    },
}

PAPER_KEY = "goldfeld2019"
WIDTHS = [12, 10, 7, 5, 4, 3, 2]  # the SZT net of chapter 0, tanh units, softmax output
CNN_LAYERS = ["layer3", "layer4"]  # the MNIST CNN's last two hidden layers, as the paper's last layers

# The criteria (ours; the paper reads its figures by eye), stated once in the page's prose.
DIP_MIN = 0.1  # bits: the fall of I(X;T_l) from a running peak that counts as compression
N_SE = 2.0  # ... and it must exceed this many Monte Carlo standard errors
TIGHTEN = 0.1  # fraction: the fall of the distance ratio that counts as tighter clusters
GAP_MIN = 0.05  # rise of the within-minus-between cosine similarity that counts as clustering

# The columns the page's tables show.
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
CNN_COLUMNS = [
    "peak epoch",
    "peak",
    "bottom epoch",
    "bottom",
    "dip",
    "dip stderr",
    "end",
    "measure change",
    "rho",
]


# ---------------------------------------------------------------------------------------------
# The noisy SZT nets


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


# ---------------------------------------------------------------------------------------------
# The noisy MNIST CNN


@dataclass
class CNNResults:
    """The noisy MNIST CNN of :func:`mnist_cnn` and its numbers."""

    run: RecordedRun
    layers: list[str]
    """The layers estimated (:data:`CNN_LAYERS`)."""
    sp: pd.DataFrame
    """I(X;T_l) by sample propagation (nats)."""
    geo: pd.DataFrame
    """The distance ratio on the recorded test images."""
    table: pd.DataFrame
    """:func:`~ibcore.analysis.clustering.compression_vs_clustering`, per layer."""
    acc: float
    """Final test accuracy (noise on)."""
    ceiling: float
    """log2 of the number of inputs of the sample propagation, bits."""


def cnn_config(settings: Settings) -> TrainConfig:
    """The noisy MNIST CNN's training configuration: ibcore's ``mnist_cnn`` with tanh units, noise
    std ``mnist_beta`` on every layer's input, no dropout, Adam at ``mnist_lr``, batch 128,
    ``n_mnist_epochs`` epochs, ``n_mnist_record`` log-spaced recorded epochs, weights recorded."""
    return TrainConfig(
        model={"kind": "mnist_cnn", "activation": "tanh", "noise_std": settings.mnist_beta, "dropout": 0.0},
        optimizer="adam",
        lr=settings.mnist_lr,
        batch_size=128,
        n_epochs=settings.n_mnist_epochs,
        schedule=log_schedule(settings.n_mnist_epochs, settings.n_mnist_record).tolist(),
        seed=settings.seeds[0],
        record_weights=True,
    )


def mnist_cnn(settings: Settings) -> CNNResults:
    """Train (or load) the noisy CNN on ``n_mnist_train`` images, recorded on ``n_mnist_eval`` test
    images (stratified subsets, seed ``settings.seed``), and estimate its last two hidden layers.

    Returns
    -------
    CNNResults
    """
    mnist_train = data.subset(
        data.load_mnist(True), settings.n_mnist_train, seed=settings.seed, stratified=True
    )
    mnist_eval = data.subset(
        data.load_mnist(False), settings.n_mnist_eval, seed=settings.seed, stratified=True
    )
    cnn = train_and_record(
        cnn_config(settings),
        train=(mnist_train.x, mnist_train.y),
        eval=(mnist_eval.x, mnist_eval.y),
        device=settings.device,
    )
    layers = list(CNN_LAYERS)
    sp = sp_information(cnn, layers=layers, **sp_options(settings))
    geo = geometry_frame(cnn, layers=layers)
    table = compression_vs_clustering(sp, geo).droplevel("seed")
    acc = float(cnn.history["eval_acc"].iloc[-1])
    ceiling = float(np.log2(min(settings.sp_inputs, len(mnist_eval))))
    return CNNResults(cnn, layers, sp, geo, table, acc, ceiling)


def describe_cnn(cnn: CNNResults, settings: Settings) -> str:
    """Two lines for the page: the CNN's recorded epochs (its cost noted with
    :meth:`Settings.note_runs`) and its final test accuracy."""
    run = cnn.run
    return (
        f"noisy CNN: {len(run.epochs)} recorded epochs {run.epochs.tolist()}; "
        + settings.note_runs([run])
        + f"\ntest accuracy (noise on) after {settings.n_mnist_epochs} epochs: {cnn.acc:.3f}"
    )


@dataclass
class Cosine:
    """Class-ordered cosine similarities (:func:`cosine_similarities`)."""

    blocks: dict[tuple[str, int], ClassCosine]
    """Per (layer, epoch): the similarity matrix and its within/between means."""
    gap: pd.DataFrame
    """Within-minus-between similarity, one row per layer, one column per epoch (first, last)."""


def cosine_similarities(
    run: RecordedRun, layers: Sequence[str], *, seed: int, n_per_class: int = 20
) -> Cosine:
    """Centred cosine similarities of ``n_per_class`` recorded inputs per class, at the first and
    the last recorded epoch of each layer (:func:`~ibcore.analysis.clustering.class_cosine_similarity`).

    Returns
    -------
    Cosine
    """
    epochs = (int(run.epochs[0]), int(run.epochs[-1]))
    blocks = {
        (layer, e): class_cosine_similarity(
            run.layer(layer)[run.epoch_index(e)].float(),
            run.y_eval,
            n_per_class=n_per_class,
            seed=seed,
            center=True,
        )
        for layer in layers
        for e in epochs
    }
    gap = pd.DataFrame({f"epoch {e}": {layer: blocks[(layer, e)].gap for layer in layers} for e in epochs})
    gap.index.name = "within - between"
    return Cosine(blocks, gap)


# ---------------------------------------------------------------------------------------------
# Verdicts


def compressing(t: pd.DataFrame, *, dip_min: float = DIP_MIN, n_se: float = N_SE) -> pd.Series:
    """Which rows of a compression table compress: a ``dip`` of at least ``dip_min`` bits that also
    exceeds ``n_se`` times its ``dip stderr`` (a NaN stderr, as binning has, never passes).

    Returns
    -------
    pandas.Series of bool
        Indexed like ``t``.

    Raises
    ------
    ValueError
        ``t`` lacks a ``dip`` or ``dip stderr`` column.
    """
    missing = [c for c in ("dip", "dip stderr") if c not in t.columns]
    if missing:
        raise ValueError(f"the table lacks the column(s) {missing}")
    return (t["dip"] >= dip_min) & (t["dip"] > n_se * t["dip stderr"])


@dataclass
class KeyNumbers:
    """The page's verdict inputs and the tables and frames its prose quotes (:func:`key_numbers`)."""

    beta0: float
    last: str
    hidden: list[str]
    table: pd.DataFrame
    """The SZT compression table with ``compresses`` and ``tightens`` columns."""
    track: pd.DataFrame
    ortho_table: pd.DataFrame
    cnn_table: pd.DataFrame
    """The CNN's table with a ``compresses`` column."""
    sp_cnn: pd.DataFrame
    cos_gap: pd.DataFrame
    cnn_acc: float
    n_beta_comp: int
    """Betas at which some hidden layer compresses."""
    n_betas: int
    n_comp: int
    """Compressions, (beta, layer) pairs."""
    n_tight: int
    """... of them during which the distance ratio fell by at least ``TIGHTEN``."""
    lags: pd.DataFrame
    """The last hidden layer's peak, bottom and tightest epochs and lags, per beta."""
    n_bin_comp: int
    """Twin layers whose binned I(X;T) falls by at least ``DIP_MIN``."""
    n_track_fall: int
    """... of them during whose fall the twin's ratio fell by at least ``TIGHTEN``."""
    n_track: int
    """... of them that also correlate positively over all epochs (the rule)."""
    n_rho_pos: int
    """Twin layers with a positive rank correlation over all epochs."""
    n_rho: int
    """Twin layers with a correlation at all (not constant)."""
    was: pd.Index
    """Layers that compress at the first beta without the penalty."""
    n_prevented: int
    """... of them that no longer compress with it."""
    n_cnn_comp: int
    cnn_layers: list[str]
    n_cluster: int
    """CNN layers whose within-minus-between similarity rose by at least ``GAP_MIN``."""
    key: pd.DataFrame
    """The page's key table, per beta."""


def key_numbers(
    table: pd.DataFrame,
    track: pd.DataFrame,
    ortho_table: pd.DataFrame,
    cnn_table: pd.DataFrame,
    sp_cnn: pd.DataFrame,
    cos_gap: pd.DataFrame,
    *,
    acc: Mapping[float, float],
    cnn_acc: float,
    hidden: Sequence[str],
) -> KeyNumbers:
    """Count what the criteria decide (:data:`DIP_MIN`, :data:`N_SE`, :data:`TIGHTEN`, :data:`GAP_MIN`).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`Clustering.table`, indexed by (beta, layer), the sweep's first beta first.
    track : pandas.DataFrame
        :attr:`Twin.track`, per layer (binned: no ``dip stderr``).
    ortho_table, cnn_table : pandas.DataFrame
        :attr:`Clustering.ortho_table` and :attr:`CNNResults.table`, per layer.
    sp_cnn : pandas.DataFrame
        :attr:`CNNResults.sp`.
    cos_gap : pandas.DataFrame
        :attr:`Cosine.gap`: one row per CNN layer, the first and the last epoch as columns.
    acc : mapping
        Final accuracy per beta.
    cnn_acc : float
    hidden : sequence of str
        The SZT net's hidden layers, input side first.

    Returns
    -------
    KeyNumbers
    """
    if table.empty or not len(hidden):
        raise ValueError("key_numbers needs a non-empty table and at least one hidden layer")
    hidden = list(hidden)
    beta0, last = float(table.index.get_level_values("beta")[0]), hidden[-1]
    table = table.copy()
    table["compresses"] = compressing(table)
    table["tightens"] = table["measure change"] <= -TIGHTEN
    per_beta = table.groupby(level="beta")["compresses"].any()
    comp = table[table["compresses"]]
    lags = table.xs(last, level="layer")[["peak epoch", "bottom epoch", "min epoch", "lag", "bottom lag"]]
    bin_comp = track[track["dip"] >= DIP_MIN]
    fall_ok = bin_comp["measure change"] <= -TIGHTEN
    plain0 = table.loc[beta0]
    was = plain0.index[compressing(plain0)]
    still = compressing(ortho_table.loc[was]) if len(was) else pd.Series(dtype=bool)
    cnn_table = cnn_table.copy()
    cnn_table["compresses"] = compressing(cnn_table)
    gap_rise = cos_gap.iloc[:, -1] - cos_gap.iloc[:, 0]
    key = pd.DataFrame(
        {
            "compressing layers": table["compresses"].groupby(level="beta").sum(),
            "largest dip [bits]": table["dip"].groupby(level="beta").max(),
            f"{last} lag [epochs]": lags["lag"],
            f"{last} bottom lag [epochs]": lags["bottom lag"],
            "final accuracy": pd.Series(dict(acc)),
        }
    )
    key.index.name = "beta"
    return KeyNumbers(
        beta0=beta0,
        last=last,
        hidden=hidden,
        table=table,
        track=track,
        ortho_table=ortho_table,
        cnn_table=cnn_table,
        sp_cnn=sp_cnn,
        cos_gap=cos_gap,
        cnn_acc=float(cnn_acc),
        n_beta_comp=int(per_beta.sum()),
        n_betas=len(per_beta),
        n_comp=len(comp),
        n_tight=int(comp["tightens"].sum()),
        lags=lags,
        n_bin_comp=len(bin_comp),
        n_track_fall=int(fall_ok.sum()),
        n_track=int((fall_ok & (bin_comp["rho"] > 0)).sum()),  # the rule: both criteria
        n_rho_pos=int((track["rho"] > 0).sum()),
        n_rho=int(track["rho"].notna().sum()),
        was=was,
        n_prevented=int((~still).sum()),
        n_cnn_comp=int(cnn_table["compresses"].sum()),
        cnn_layers=list(cos_gap.index),
        n_cluster=int((gap_rise >= GAP_MIN).sum()),
        key=key,
    )


def verdicts(numbers: KeyNumbers, profile: str) -> dict[str, str]:
    """The six verdicts (:func:`ibcore.study.scorecard.verdict_count`), keyed as the page glues them.

    ``v_comp``: betas with a compressing layer; ``v_clus``: compressions with tighter clusters;
    ``v_bin``: compressing twin layers that track clustering; ``v_orth``: compressions the penalty
    prevents; ``v_cnn``: whether a CNN layer compresses; ``v_cos``: CNN layers that cluster. A
    count over no items is ``not comparable``.
    """
    n = numbers
    return {
        "v_comp": verdict_count(n.n_beta_comp, n.n_betas, profile=profile),
        "v_clus": verdict_count(n.n_tight, max(n.n_comp, 1), profile=profile, comparable=n.n_comp > 0),
        "v_bin": verdict_count(n.n_track, max(n.n_bin_comp, 1), profile=profile, comparable=n.n_bin_comp > 0),
        "v_orth": verdict_count(
            n.n_prevented, max(len(n.was), 1), profile=profile, comparable=len(n.was) > 0
        ),
        "v_cnn": verdict_count(int(n.n_cnn_comp > 0), 1, profile=profile),
        "v_cos": verdict_count(n.n_cluster, len(n.cnn_layers), profile=profile),
    }


def _notes(settings: Settings) -> tuple[str, str]:
    """The run descriptions the SZT and the CNN rows end with."""
    note = (
        f"{settings.n_epochs} epochs, {len(settings.seeds[:1])} seed, SP on {settings.sp_inputs} inputs "
        f"(r={settings.sp_samples_per_x}, n_mc={settings.n_mc})"
    )
    cnn_note = (
        f"MNISTCNN, beta = {settings.mnist_beta:g}, {settings.n_mnist_train} images, "
        f"{settings.n_mnist_epochs} epochs, SP on {settings.sp_inputs} test images"
    )
    return note, cnn_note


def claims(numbers: KeyNumbers, settings: Settings) -> list[dict[str, str]]:
    """The page's scorecard rows, in the page's order: ``claim``, ``paper value``, ``our value``
    and ``verdict`` (:func:`verdicts` at ``settings.profile``).

    Returns
    -------
    list of dict
    """
    n, v = numbers, verdicts(numbers, settings.profile)
    note, cnn_note = _notes(settings)
    gaps = ", ".join(
        f"{layer} {n.cos_gap.loc[layer].iloc[0]:.2f} -> {n.cos_gap.loc[layer].iloc[-1]:.2f}"
        for layer in n.cnn_layers
    )
    rows = [
        (
            "Compression occurs in noisy nets (I(X;T_l) by sample propagation)",
            "compression at beta = 0.005 in the SZT net (Sec. 5)",
            f"I(X;T_l) falls >= {DIP_MIN:g} bit (> {N_SE:g} s.e.) in some hidden layer at "
            f"{n.n_beta_comp} of {n.n_betas} betas ({note})",
            v["v_comp"],
        ),
        (
            "Compression coincides with clustering",
            "I(X;T) falls as same-class representations cluster (Secs. 4-5)",
            f"distance ratio falls >= {TIGHTEN:.0%} during {n.n_tight} of {n.n_comp} compressions "
            f"(beta, layer) ({note})",
            v["v_clus"],
        ),
        (
            "Binning in deterministic nets tracks clustering",
            "binned I(X;T) of the deterministic net follows clustering (Sec. 5)",
            f"{n.n_track} of {n.n_bin_comp} compressing layers of the twin at beta = {n.beta0:g} track "
            f"clustering (ratio falls >= {TIGHTEN:.0%} during the binned fall: {n.n_track_fall}; "
            f"rank correlation over all epochs > 0: {n.n_rho_pos} of {len(n.hidden)} layers) ({note})",
            v["v_bin"],
        ),
        (
            "Compression occurs in a noisy MNIST CNN",
            "compression observed in various models, MNIST CNNs among them (abstract, Sec. 5)",
            f"{n.n_cnn_comp} of {len(n.cnn_layers)} last layers fall >= {DIP_MIN:g} bit (> {N_SE:g} s.e.); "
            f"largest dip {n.cnn_table['dip'].max():.2f} bits; our CNN, not the paper's ({cnn_note})",
            v["v_cnn"],
        ),
        (
            "Representations of a noisy MNIST CNN cluster by class",
            "meaningful clusters form in T space (cosine similarities, Sec. 5)",
            f"within-minus-between cosine similarity rises >= {GAP_MIN:g} in {n.n_cluster} of "
            f"{len(n.cnn_layers)} layers: " + gaps + f" ({cnn_note})",
            v["v_cos"],
        ),
        (
            "Orthonormal regularisation prevents compression",
            "no clustering and no compression with orthonormal weights (Sec. 5)",
            f"{n.n_prevented} of {len(n.was)} compressing layers no longer compress with penalty "
            f"{settings.ortho_penalty:g} ({note})",
            v["v_orth"],
        ),
    ]
    return [dict(zip(("claim", "paper value", "our value", "verdict"), row, strict=True)) for row in rows]


def record_claims(notebook: str, settings: Settings, numbers: KeyNumbers) -> pd.DataFrame:
    """Write :func:`claims`'s rows to the scorecard (:func:`ibcore.study.scorecard.record`).

    Returns
    -------
    pandas.DataFrame
        The notebook's scorecard rows.
    """
    card = None
    for row in claims(numbers, settings):
        card = scorecard.record(
            notebook,
            settings.profile,
            PAPER_KEY,
            row["claim"],
            row["paper value"],
            row["our value"],
            row["verdict"],
        )
    return card


def ortho_sentence(ortho_table: pd.DataFrame, hidden: Sequence[str]) -> str:
    """Whether the classes still clustered with the penalty: a hidden layer whose distance ratio
    fell by at least :data:`TIGHTEN` during its largest fall."""
    if ortho_table.loc[list(hidden), "measure change"].min() <= -TIGHTEN:
        return "the penalty did not stop the classes from clustering"
    return "the classes did not cluster with the penalty"


def bin_sentence(n_rho_pos: int, n_rho: int) -> str:
    """Whether binning followed clustering throughout training: every twin layer with a correlation
    (``n_rho``) correlates positively (``n_rho_pos``)."""
    if n_rho_pos < n_rho:
        return "binning followed clustering during its falls but not throughout training"
    return "binned I(X;T) and clustering moved together throughout training"


def glue_values(numbers: KeyNumbers, settings: Settings) -> dict[str, Any]:
    """The values the page's prose shows, name -> value (formatted strings where the prose wants
    them), for :func:`ibcore.study.pages.glue_all`.

    Returns
    -------
    dict
    """
    n, v = numbers, verdicts(numbers, settings.profile)
    row0 = n.table.loc[(n.beta0, n.last)]
    hid_o = n.ortho_table.loc[n.hidden]
    lag_text = "; ".join(
        f"beta = {b:g}: I(X;T) peak at epoch {int(r['peak epoch'])}, bottom at "
        f"{int(r['bottom epoch'])}, tightest clusters at {int(r['min epoch'])} "
        f"(lag {int(r['lag'])} epochs after the peak, {int(r['bottom lag'])} after "
        "the bottom)"
        for b, r in n.lags.iterrows()
    )
    cnn_path = "; ".join(
        f"{layer} from {g[IXL].iloc[0] / LN2:.2f} bits before training to "
        f"{g[IXL].iloc[-1] / LN2:.2f} at epoch {int(g['epoch'].iloc[-1])}"
        for layer, g in n.sp_cnn.groupby("layer", sort=False)
    )
    gap = n.cos_gap
    return {
        "run_profile": settings.profile,
        "n_beta_comp": n.n_beta_comp,
        "n_betas": n.n_betas,
        "n_comp": n.n_comp,
        "n_tight": n.n_tight,
        "n_track": n.n_track,
        "n_track_fall": n.n_track_fall,
        "n_bin_comp": n.n_bin_comp,
        "n_rho_pos": n.n_rho_pos,
        "n_hidden": len(n.hidden),
        "n_was": len(n.was),
        "n_prevented": n.n_prevented,
        "lag_text": lag_text,
        "ortho_change": f"{hid_o['measure change'].min():.0%} to {hid_o['measure change'].max():.0%}",
        "ortho_dip": f"{hid_o['dip'].max():.2f}",
        "ortho_sentence": ortho_sentence(n.ortho_table, n.hidden),
        "bin_sentence": bin_sentence(n.n_rho_pos, n.n_rho),
        "dip0": f"{row0['dip']:.2f}",
        "dip0_se": f"{row0['dip stderr']:.2f}",
        "rho_text": ", ".join(f"{layer} {rho:.2f}" for layer, rho in n.track["rho"].dropna().items()),
        **v,
        "n_cnn_comp": n.n_cnn_comp,
        "cnn_dip": f"{n.cnn_table['dip'].max():.2f}",
        "cnn_acc": f"{n.cnn_acc:.3f}",
        "cnn_path": cnn_path,
        "cnn_gap": "; ".join(
            f"{layer} from {gap.loc[layer].iloc[0]:.2f} to {gap.loc[layer].iloc[-1]:.2f}"
            for layer in n.cnn_layers
        ),
        "cnn_change": ", ".join(f"{layer} {c:+.0%}" for layer, c in n.cnn_table["measure change"].items()),
        "beta0": f"{n.beta0:g}",
        "last": n.last,
    }
