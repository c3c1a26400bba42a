"""This run's settings under the names of the claims' settings (chapter 1).

:func:`our_settings` computes them from the :class:`~ibcore.training.TrainConfig` s the chapter
trains (:func:`~.szt_runs.szt_config`, :func:`~.mnist.mnist_config`) and the estimators it draws,
not typed, for :func:`ibcore.study.claims.deviations` against :data:`~.records.CLAIMS`.
"""

from __future__ import annotations

from typing import Any

from ibcore.analysis.summary import LN2
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI_TOL
from ibcore.study.chapters.estimator_dependence.mnist import mnist_config, mnist_estimators
from ibcore.study.chapters.estimator_dependence.records import BINNING_ESTIMATORS
from ibcore.study.chapters.estimator_dependence.szt_runs import ACTS, ORDER, szt_config, szt_estimators
from ibcore.training import log_schedule
from ibcore.training.init import DESCRIPTIONS

__all__ = ["our_settings"]


def _estimator_values(settings: Any, n_all: int) -> dict[str, Any]:
    """The estimators' parameters as :func:`~.szt_runs.szt_estimators` builds them, and their inputs."""
    est = {name: e for group in szt_estimators().values() for name, e in group.items()}
    kde, pair = min(settings.kde_inputs, n_all), min(settings.pair_inputs, n_all)
    fixed = est["binning, 30 bins on [-1, 1]"]
    return {
        "binning, 30 bins on [-1, 1]: n_bins": fixed.n_bins,
        "binning, 30 bins on [-1, 1]: range": list(fixed.value_range),
        "binning, 30 bins on [-1, 1]: inputs": n_all,
        "binning, 30 bins on each epoch's range: n_bins": est[
            "binning, 30 bins on each epoch's range"
        ].n_bins,
        "binning, width 0.07: bin width": est["binning, width 0.07"].bin_width,
        "binning, width 0.07: inputs": n_all,
        "adaptive binning, 30 bins: n_bins": est["adaptive binning, 30 bins"].n_bins,
        "KDE, var 1e-3: noise_var": est["KDE, var 1e-3"].noise_var,
        "KDE, var 1e-3: inputs": kde,
        "KDE, var 0.1: noise_var": est["KDE, var 0.1"].noise_var,
        "KDE, var 0.1: inputs": kde,
        "Renyi: alpha": est["Renyi"].alpha,
        "Renyi: inputs": pair,
        "EDGE: inputs": pair,
        "kNN (KSG, k=5): k": est["kNN (KSG, k=5)"].options["k"],
        "kNN (KSG, k=5): inputs": pair,
    }


def our_settings(settings: Any) -> dict[str, Any]:
    """The settings of this page's runs under the names of the claims' settings.

    Computed from :func:`~.szt_runs.szt_config` (the TrainConfig of every run: tanh and ReLU), the
    recording schedule, the estimators of :func:`~.szt_runs.szt_estimators` and the profile's
    input subsamples, not typed; for :func:`ibcore.study.claims.deviations`.
    """
    schedule = log_schedule(settings.n_epochs, settings.n_record).tolist()
    configs = {act: szt_config(act, settings, schedule) for act in ACTS}
    tanh = configs["tanh"]
    widths = list(tanh.model["widths"])
    n_all = 2 ** widths[0]  # the SZT data: every pattern of the input bits, each recorded
    return {
        "widths": widths,
        "activations": [configs[act].model["activation"] for act in ACTS],
        "activation": tanh.model["activation"],  # the two phases read the tanh runs
        "optimizer": tanh.optimizer,
        "lr": tanh.lr,
        "batch_size": tanh.batch_size,
        "n_epochs": tanh.n_epochs,
        "init": DESCRIPTIONS[tanh.init],
        "train_fraction": settings.train_fraction,
        "seeds": len(settings.seeds),
        "n_record": len(schedule),
        **_estimator_values(settings, n_all),
        "estimators": list(ORDER),
        "binning estimators": list(BINNING_ESTIMATORS),
        "dpi_tol": DPI_TOL / LN2,  # bits
        "dataset": "SZT",
        "table I verdict": "none",
        **_mnist_values(settings),
    }


def _mnist_values(settings: Any) -> dict[str, Any]:
    """The MNIST part's settings, from :func:`~.mnist.mnist_config` and :func:`~.mnist.mnist_estimators`."""
    cfg = mnist_config("tanh", settings)
    est = mnist_estimators()
    return {
        "MNIST: widths": list(cfg.model["widths"]),
        "MNIST: optimizer": cfg.optimizer,
        "MNIST: lr": cfg.lr,
        "MNIST: batch_size": cfg.batch_size,
        "MNIST: n_epochs": cfg.n_epochs,
        "MNIST: init": DESCRIPTIONS[cfg.init],
        "MNIST: train images": settings.mnist_train,
        "MNIST: eval images": settings.mnist_eval,
        "MNIST: bin width": est["binning, width 0.5"].bin_width,
        "MNIST: noise_var": est["KDE, var 0.1"].noise_var,
        "MNIST: seeds": settings.mnist_seeds,
    }
