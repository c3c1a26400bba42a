"""The noisy MNIST CNN of chapter 2 and the cosine similarities of its representations.

:func:`mnist_cnn` trains (or loads) ibcore's small noisy CNN (:func:`cnn_config`) on a subset of
MNIST, once per training seed, and estimates I(X;T_l) of its last two hidden layers
(:data:`CNN_LAYERS`) by sample propagation, next to their class-distance ratio; :func:`describe_cnn`
words the runs for the page; :func:`cosine_similarities` gives the class-ordered cosine similarities
at the first and the last recorded epoch of one run, :func:`cosine_gaps` their within-minus-between
gap for every seed. :data:`CNN_COLUMNS` are the columns of the page's CNN table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from ibcore import data
from ibcore.analysis.clustering import ClassCosine, class_cosine_similarity, compression_vs_clustering
from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.propagation import SP_COLUMNS, hidden_layer_index, layer_maps
from ibcore.analysis.subsample import input_subsample
from ibcore.estimators.sample_propagation import mi_sample_propagation
from ibcore.training import RecordedRun, TrainConfig, log_schedule, train_and_record

if TYPE_CHECKING:  # ibcore.study.profiles imports this package (its PROFILE table)
    from ibcore.study.profiles import Settings

__all__ = [
    "CNN_LAYERS",
    "CNN_COLUMNS",
    "CNNResults",
    "cnn_config",
    "cnn_sp_information",
    "mnist_cnn",
    "describe_cnn",
    "Cosine",
    "cosine_similarities",
    "cosine_gaps",
]

CNN_LAYERS = ["layer3", "layer4"]  # the CNN's two dense hidden layers (1583 and 128 units)

# The columns the page's CNN table shows.
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


@dataclass
class CNNResults:
    """The noisy MNIST CNN of :func:`mnist_cnn`, one run per training seed, and its numbers.

    The page's figures show the first seed (:attr:`run`, :attr:`sp`, :attr:`geo`); the claims read
    :attr:`seed_table` and :attr:`seed_runs`.
    """

    seed_runs: dict[int, RecordedRun]
    """Per training seed (in the order of ``settings.seeds``): the trained CNN."""
    layers: list[str]
    """The layers estimated (:data:`CNN_LAYERS`)."""
    sp: pd.DataFrame
    """I(X;T_l) of the first seed's CNN by sample propagation (nats)."""
    geo: pd.DataFrame
    """Its distance ratio on the recorded test images."""
    seed_table: pd.DataFrame
    """:func:`~ibcore.analysis.clustering.compression_vs_clustering`, per (seed, layer)."""
    seed_acc: dict[int, float]
    """Final test accuracy (noise on) per seed."""
    ceiling: float
    """log2 of the number of inputs of the sample propagation, bits."""

    @property
    def run(self) -> RecordedRun:
        """The first seed's CNN."""
        return next(iter(self.seed_runs.values()))

    @property
    def table(self) -> pd.DataFrame:
        """The first seed's rows of :attr:`seed_table`, per layer (the page's table)."""
        return self.seed_table.xs(self.run.seed, level="seed")

    @property
    def acc(self) -> float:
        """Final test accuracy (noise on), mean over the seeds."""
        return float(np.mean(list(self.seed_acc.values())))


def cnn_config(settings: Settings, *, seed: int | None = None) -> TrainConfig:
    """The noisy MNIST CNN's training configuration: ``goldfeld_mnist_cnn`` (two 3x3 conv layers of 8
    and 16 channels with 2x2 max-pooling, dense 1583 and 128, tanh), noise std ``mnist_beta`` on every
    layer's input, Adam at ``mnist_lr``, batch 128, ``n_mnist_epochs`` epochs, ``n_mnist_record``
    log-spaced recorded epochs, training seed ``seed`` (default ``settings.seeds[0]``), weights
    recorded."""
    return TrainConfig(
        model={"kind": "goldfeld_mnist_cnn", "activation": "tanh", "noise_std": settings.mnist_beta},
        optimizer="adam",
        lr=settings.mnist_lr,
        batch_size=128,
        n_epochs=settings.n_mnist_epochs,
        schedule=log_schedule(settings.n_mnist_epochs, settings.n_mnist_record).tolist(),
        seed=settings.seeds[0] if seed is None else seed,
        record_weights=True,
    )


def cnn_sp_information(run: RecordedRun, layers: Sequence[str], settings: Settings) -> pd.DataFrame:
    """I(X;T_l) of the CNN's ``layers`` at every recorded epoch by sample propagation, X uniform on
    ``mnist_sp_inputs`` of the recorded test images (seed ``settings.seed``), ``mnist_samples_per_x``
    replicas, ``mnist_mc`` Monte Carlo points; the frame of
    :func:`~ibcore.analysis.propagation.sp_information` (nats).

    ``sp_information`` accepts the conv-net kinds it lists, not ``goldfeld_mnist_cnn``; this is its
    loop over :func:`~ibcore.analysis.propagation.layer_maps`, which reads the net as it reads
    every :class:`~ibcore.models.ConvNet` (noise on each layer's input, the image's included).
    """
    beta = float(run.config["model"]["noise_std"])
    sub = input_subsample(int(run.x_eval.shape[0]), settings.mnist_sp_inputs, seed=settings.seed)
    x = run.x_eval[sub].to(torch.float64).reshape(len(sub), -1)
    hidden = [name for name in run.layers if name != "output"]
    rows = []
    for epoch in run.epochs.tolist():
        model = run.model_at(int(epoch))
        maps = layer_maps(model)
        for name in layers:
            r = mi_sample_propagation(
                x,
                maps,
                beta,
                layer_index=hidden_layer_index(model, name),
                n_samples_per_x=settings.mnist_samples_per_x,
                n_mc=settings.mnist_mc,
                seed=0,
                device=settings.device,
            )
            rows.append((run.seed, name, hidden.index(name) + 1, int(epoch), beta, r.mi, r.stderr, len(sub)))
    frame = pd.DataFrame(rows, columns=list(SP_COLUMNS))
    return frame.sort_values(["layer_index", "epoch"], ignore_index=True)


def mnist_cnn(settings: Settings) -> CNNResults:
    """Train (or load) the noisy CNN once per training seed (the first ``n_cnn_seeds`` of ``seeds``)
    on ``n_mnist_train`` images, recorded on
    ``n_mnist_eval`` test images (stratified subsets, seed ``settings.seed``), and estimate its two
    dense hidden layers.

    Returns
    -------
    CNNResults
    """
    mnist_train = data.load_mnist(True)
    if settings.n_mnist_train < len(mnist_train):
        mnist_train = data.subset(mnist_train, settings.n_mnist_train, seed=settings.seed, stratified=True)
    mnist_eval = data.subset(
        data.load_mnist(False), settings.n_mnist_eval, seed=settings.seed, stratified=True
    )
    runs = {
        seed: train_and_record(
            cnn_config(settings, seed=seed),
            train=(mnist_train.x, mnist_train.y),
            eval=(mnist_eval.x, mnist_eval.y),
            layers=list(CNN_LAYERS),
            device=settings.device,
        )
        for seed in settings.seeds[: settings.n_cnn_seeds]
    }
    layers = list(CNN_LAYERS)
    sp = [cnn_sp_information(cnn, layers, settings) for cnn in runs.values()]
    geo = [geometry_frame(cnn, layers=layers) for cnn in runs.values()]
    table = compression_vs_clustering(pd.concat(sp, ignore_index=True), pd.concat(geo, ignore_index=True))
    acc = {seed: float(cnn.history["eval_acc"].iloc[-1]) for seed, cnn in runs.items()}
    ceiling = float(np.log2(min(settings.mnist_sp_inputs, len(mnist_eval))))
    return CNNResults(runs, layers, sp[0], geo[0], table, acc, ceiling)


def describe_cnn(cnn: CNNResults, settings: Settings) -> str:
    """Two lines for the page: the CNN's recorded epochs (its cost noted with
    :meth:`Settings.note_runs`) and its final test accuracy (mean over the seeds)."""
    run = cnn.run
    return (
        f"noisy CNN: {len(run.epochs)} recorded epochs {run.epochs.tolist()}; "
        + settings.note_runs(list(cnn.seed_runs.values()))
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


def cosine_gaps(
    runs: Mapping[int, RecordedRun], layers: Sequence[str], *, seed: int, n_per_class: int = 20
) -> pd.DataFrame:
    """Per training seed and layer, the within-minus-between cosine similarity at the first and the
    last recorded epoch (as :func:`cosine_similarities`: centred, ``n_per_class`` inputs per class).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(seed, layer)``, columns ``first`` and ``last``.
    """
    rows = {}
    for train_seed, run in runs.items():
        gap = cosine_similarities(run, layers, seed=seed, n_per_class=n_per_class).gap
        for layer in layers:
            rows[(train_seed, layer)] = {"first": gap.loc[layer].iloc[0], "last": gap.loc[layer].iloc[-1]}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["seed", "layer"])
    return frame
