"""Chapter 1's MNIST part: the compression question on Saxe et al.'s MNIST MLP.

:func:`mnist_experiment` trains the 784-1024-20-20-20-10 MLP of :func:`mnist_config` (tanh and
ReLU, the first seed) on a training subset, draws its recorded layers on an evaluation subset with
:func:`mnist_estimators` (named in :data:`MNIST_ESTIMATORS`) and reads whether its last hidden
layer compresses, into :class:`MNIST`; :func:`mnist_report` prints the line after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ibcore import KDE, Binning, data
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.summary import compression_table
from ibcore.study.chapters.estimator_dependence.compression_tables import THRESHOLD, by_interval
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, SZTRuns
from ibcore.training import TrainConfig, log_schedule, train_seeds

__all__ = [
    "mnist_config",
    "mnist_estimators",
    "MNIST_ESTIMATORS",
    "MNIST",
    "mnist_experiment",
    "mnist_report",
]

MNIST_WIDTHS = [784, 1024, 20, 20, 20, 10]


# ------------------------------------------------------------------------------------------- MNIST


def mnist_config(activation: str, settings: Any) -> TrainConfig:
    """The training configuration of Saxe et al.'s 784-1024-20-20-20-10 MNIST MLP.

    As in their code (``artemyk/ibsgd: MNIST_SaveActivations.ipynb``): softmax output, Keras'
    default init (``"glorot"``), plain SGD at ``settings.mnist_lr`` (theirs: 1e-3), batch 128,
    ``settings.mnist_epochs`` epochs (theirs: 10^4), recorded at ``log_schedule(mnist_epochs,
    min(12, mnist_epochs + 1))``. Returns the :class:`TrainConfig`.
    """
    return TrainConfig(
        model={
            "kind": "mlp",
            "widths": MNIST_WIDTHS,
            "activation": activation,
            "output_activation": "softmax",
        },
        optimizer="sgd",
        lr=settings.mnist_lr,
        batch_size=128,
        n_epochs=settings.mnist_epochs,
        schedule=log_schedule(settings.mnist_epochs, min(12, settings.mnist_epochs + 1)).tolist(),
        init="glorot",
    )


def mnist_estimators() -> dict[str, Any]:
    """The MNIST estimators: Saxe et al.'s bin width 0.5 and KDE var 0.1 (``MNIST_ComputeMI.ipynb``),
    and 30 bins per epoch's range (ours, descriptive)."""
    return {
        "binning, width 0.5": Binning(n_bins=None, value_range=None, bin_width=0.5),
        "binning, 30 bins on each epoch's range": Binning(n_bins=30, value_range=None, range_per_epoch=True),
        "KDE, var 0.1": KDE(noise_var=0.1),
    }


MNIST_ESTIMATORS = ("binning, width 0.5", "binning, 30 bins on each epoch's range", "KDE, var 0.1")
"""The names of :func:`mnist_estimators`, in order."""


@dataclass(frozen=True)
class MNIST:
    """The MNIST part: ``runs[activation]`` (the first ``mnist_seeds`` seeds), ``planes`` (nats,
    with ``activation``), ``last`` (last hidden layer), ``accuracy`` (final, on the evaluation
    subset, mean over seeds), ``n_eval`` (evaluation images) and ``table`` (:func:`compression_table`
    of ``last``, decided by the t interval over seeds: :func:`~.compression_tables.by_interval`).
    """

    runs: dict[str, list[Any]]
    planes: pd.DataFrame
    last: str
    accuracy: dict[str, float]
    n_eval: int
    table: pd.DataFrame

    @property
    def compresses(self) -> pd.DataFrame:
        """Frame estimators x activations: "compresses" / "does not" / "undecided" (t interval over seeds)."""
        return self.table["decision"].unstack("activation")


def _flat(ds: Any) -> Any:
    return ds.x.reshape(len(ds), -1)


def mnist_experiment(settings: Any, *, threshold: float = THRESHOLD) -> MNIST:
    """Train Saxe et al.'s MNIST MLP (tanh and ReLU, ``settings.mnist_seeds`` seeds) and read its last
    hidden layer.

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
            settings.seeds[: settings.mnist_seeds],
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
    m_acc = {act: float(np.mean([r.history["eval_acc"].iloc[-1] for r in m_runs[act]])) for act in ACTS}
    m_table = by_interval(
        compression_table(m_planes, layer=m_last, threshold=threshold, groups=("estimator", "activation")),
        threshold,
    )
    return MNIST(m_runs, m_planes, m_last, m_acc, len(m_eval), m_table)


def mnist_report(szt: SZTRuns, mnist: MNIST, settings: Any) -> str:
    """The line the page prints after MNIST; records the training of all the page's runs (``note_runs``)."""
    all_runs = szt.all + [r for act in ACTS for r in mnist.runs[act]]
    acc = {a: round(v, 3) for a, v in mnist.accuracy.items()}
    return f"all runs of this page: {settings.note_runs(all_runs)} ; MNIST test accuracy on the subset: {acc}"
