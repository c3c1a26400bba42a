"""The SZT runs of chapter 1 and every estimator drawn on them.

:func:`train_szt` trains (or loads from the run cache) the SZT 12-10-7-5-4-3-2 MLPs of
:func:`szt_config`, tanh and ReLU (:data:`ACTS`), every seed, into :class:`SZTRuns`
(:func:`runs_report` prints them); :func:`every_estimator` draws those runs with every estimator of
:func:`szt_estimators` (named in :data:`ORDER`) and the decision rule, the pairwise ones on the
epochs of :func:`pair_epoch_subset` and kNN on :func:`narrow_layers` only, into :class:`Planes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

import ibcore
from ibcore import KDE, Binning, DecisionRule, Renyi, data
from ibcore.analysis.infoplane import PairwiseMI, information_plane
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.training import TrainConfig, log_schedule, train_seeds

__all__ = [
    "ACTS",
    "ORDER",
    "szt_config",
    "SZTRuns",
    "train_szt",
    "runs_report",
    "szt_estimators",
    "pair_epoch_subset",
    "narrow_layers",
    "Planes",
    "every_estimator",
]

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

SZT_WIDTHS = [12, 10, 7, 5, 4, 3, 2]


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
