"""Chapter 0, the information plane of Shwartz-Ziv & Tishby (2017).

The sizes of ``00_information_plane.ipynb`` per profile (:data:`PROFILE`, data only, read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles) and the
page's code: the data split and the training runs (:func:`szt_split`, :func:`train_runs`), the key
numbers of the information plane (:func:`key_numbers`), the scorecard rows with their verdicts
(:func:`claims`, :func:`record_claims`) and the values glued into the prose (:func:`glue_values`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore import data
from ibcore.analysis.summary import LN2, compresses, layer_summary
from ibcore.ground_truth import discrete_entropy
from ibcore.interface import IXL, IYL
from ibcore.study import scorecard
from ibcore.training import RecordedRun, TrainConfig, train_seeds

if TYPE_CHECKING:  # profiles imports this module (its PROFILE table)
    from ibcore.study.profiles import Settings

__all__ = [
    "PROFILE",
    "THRESHOLD_BITS",
    "KeyNumbers",
    "szt_split",
    "label_entropy_bits",
    "describe_data",
    "train_config",
    "train_runs",
    "describe_runs",
    "key_numbers",
    "claims",
    "record_claims",
    "glue_values",
]

PROFILE = {
    # SZT 12-10-7-5-4-3-2 tanh MLP, Adam lr 4e-4, batch 256 (Saxe et al. 2018 settings);
    # Shwartz-Ziv & Tishby trained on 85 % of the 4096 inputs and averaged 50 seeds, ~10^4 epochs.
    "smoke": {"n_epochs": 30, "seeds": [0], "n_bins": 30, "train_fraction": 0.85},
    "default": {"n_epochs": 10000, "seeds": [0, 1, 2, 3, 4], "n_bins": 30, "train_fraction": 0.85},
    "paper": {"n_epochs": 10000, "seeds": list(range(50)), "n_bins": 30, "train_fraction": 0.85},
}

# bits: the fall of I(X;L) from its peak that counts as compression (ours; the paper reads its figure)
THRESHOLD_BITS = 0.1
PAPER = "shwartzziv2017"


def szt_split(train_fraction: float, seed: int) -> tuple[data.Dataset, data.Dataset, data.Dataset]:
    """The SZT data set (all 4096 12-bit inputs) and its seeded train/test split.

    Returns
    -------
    (szt, train, test)
        The whole data set and its two parts; ``train`` holds ``train_fraction`` of the inputs.
    """
    szt = data.load_szt()
    train, test = data.train_test_split(szt, test_fraction=1 - train_fraction, seed=seed)
    return szt, train, test


def label_entropy_bits(labels: Any) -> float:
    """Plug-in entropy :math:`H(Y)` in bits of integer class labels (a tensor or an array).

    Raises
    ------
    ValueError
        No labels, or labels that are not non-negative integers.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"labels must be a non-empty 1-d sequence, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError("labels must be non-negative integers")
    return discrete_entropy(np.bincount(y) / len(y)) / LN2


def describe_data(szt: data.Dataset, train: data.Dataset, test: data.Dataset, h_y: float) -> str:
    """The page's sentence on the data: sizes, reader, split and :math:`H(Y)` in bits."""
    return (
        f"{szt.name}: {len(szt)} inputs x {szt.x.shape[1]} bits, read by {szt.reader}; "
        f"train {len(train)}, test {len(test)}; H(Y) = {h_y:.4f} bits"
    )


def train_config(n_epochs: int) -> TrainConfig:
    """The SZT 12-10-7-5-4-3-2 tanh network with Saxe et al.'s Adam settings, for ``n_epochs``.

    Returns
    -------
    TrainConfig
        Adam, learning rate 4e-4, batch 256, the Saxe recording schedule (its run-cache key is
        the one of every earlier execution of chapter 0).
    """
    return TrainConfig(
        model={
            "kind": "mlp",
            "widths": [12, 10, 7, 5, 4, 3, 2],
            "activation": "tanh",
            "output_activation": "softmax",
        },
        optimizer="adam",
        lr=4e-4,
        batch_size=256,
        n_epochs=n_epochs,
        schedule="saxe",
    )


def train_runs(settings: Settings, train: data.Dataset, eval_set: data.Dataset) -> list[RecordedRun]:
    """Train (or load from the run cache) :func:`train_config` once per seed of ``settings.seeds``.

    Returns
    -------
    list of RecordedRun
        One run per seed, trained on ``train`` and recorded on ``eval_set`` (all 4096 inputs).
    """
    config = train_config(settings.n_epochs)
    return train_seeds(
        config,
        settings.seeds,
        train=(train.x, train.y),
        eval=(eval_set.x, eval_set.y),
        device=settings.device,
    )


def describe_runs(runs: Sequence[RecordedRun]) -> str:
    """The start of the page's sentence on the runs: count, recorded epochs, layers and MiB."""
    return (
        f"{len(runs)} run(s), {len(runs[0].epochs)} recorded epochs each, layers {runs[0].layers}; "
        f"{sum(r.nbytes for r in runs) / 2**20:.1f} MiB of recorded activations in all; "
    )


@dataclass(frozen=True)
class KeyNumbers:
    """The numbers the page's claims are decided on (bits; hidden layers: all but ``output``)."""

    summary: pd.DataFrame  #: :func:`~ibcore.analysis.summary.layer_summary` of every layer, bits
    n_hidden: int  #: hidden layers
    n_compress: int  #: hidden layers whose I(X;L) ends >= threshold below its peak
    n_dip: int  #: hidden layers whose I(X;L) falls >= threshold below a running peak somewhere
    iyl_last: float  #: I(Y;L) of the last hidden layer at the last epoch
    final_acc: float  #: accuracy on all inputs at the last epoch, mean over the runs
    h_y: float  #: H(Y) in bits
    n_runs: int  #: runs (seeds)
    threshold: float  #: bits


def key_numbers(
    ip: pd.DataFrame, runs: Sequence[Any], h_y: float, threshold: float = THRESHOLD_BITS
) -> KeyNumbers:
    """Per-layer summary of the binned information plane and the counts the verdicts read.

    Parameters
    ----------
    ip : pandas.DataFrame
        The information plane (:func:`~ibcore.analysis.infoplane.information_plane`) in nats,
        with the softmax output as layer ``"output"``.
    runs : sequence of RecordedRun
        The runs of ``ip``; their ``history["eval_acc"]`` gives the final accuracy.
    h_y : float
        :math:`H(Y)` in bits.
    threshold : float
        Fall in bits from the peak that counts as compression.

    Returns
    -------
    KeyNumbers
        The summary (mean over seeds, no spread columns), and on the hidden layers: how many
        compress by the end (``"drop"``) and at some point (``"largest dip"``), the last hidden
        layer's final I(Y;L), and the mean final accuracy.

    Raises
    ------
    ValueError
        No runs, or no ``output`` layer in ``ip``.
    """
    if not runs:
        raise ValueError("key_numbers needs at least one run")
    summary = layer_summary(ip, quantity=IXL, unit="bits", spread=None)  # per layer, on the mean over seeds
    if "output" not in summary.index:
        raise ValueError(f"the information plane has no 'output' layer; layers: {list(summary.index)}")
    hidden = summary.drop(index="output")
    return KeyNumbers(
        summary=summary,
        n_hidden=len(hidden),
        n_compress=int(compresses(hidden, threshold).sum()),  # still compressed at the end
        n_dip=int(compresses(hidden, threshold, by="largest dip").sum()),  # compressed at some point
        iyl_last=float(hidden[f"{IYL} end"].iloc[-1]),
        final_acc=float(np.mean([r.history["eval_acc"].iloc[-1] for r in runs])),
        h_y=h_y,
        n_runs=len(runs),
        threshold=threshold,
    )


def claims(numbers: KeyNumbers, settings: Settings) -> list[dict[str, str]]:
    """The page's two scorecard rows: compression in the hidden layers, and fitting of I(Y;L).

    Compression is :func:`~ibcore.study.scorecard.verdict_count` of the compressing hidden layers;
    fitting is :func:`~ibcore.study.scorecard.verdict_threshold` with the last hidden layer's
    I(Y;L) at least 0.9 H(Y). Both are "not comparable" at the smoke profile.

    Returns
    -------
    list of dict
        Two rows with keys ``paper, claim, paper value, our value, verdict``.
    """
    note = f"{settings.n_epochs} epochs, {numbers.n_runs} seed(s), {settings.n_bins} bins"
    n, h_y = numbers.n_hidden, numbers.h_y
    return [
        {
            "paper": PAPER,
            "claim": "Hidden layers compress after fitting: I(X;L) falls from its peak (tanh, binning)",
            "paper value": "compression in all 5 hidden layers (Fig. 3)",
            "our value": (
                f"I(X;L) falls >= {numbers.threshold:g} bit in {numbers.n_compress} of {n} hidden layers "
                f"({note})"
            ),
            "verdict": scorecard.verdict_count(numbers.n_compress, n, profile=settings.profile),
        },
        {
            "paper": PAPER,
            "claim": "The last hidden layer's I(Y;L) approaches I(X;Y) = H(Y)",
            "paper value": f"close to H(Y) = {h_y:.3f} bits (Fig. 3)",
            "our value": (
                f"{numbers.iyl_last:.3f} bits at the last epoch; accuracy on all inputs "
                f"{numbers.final_acc:.3f} ({note})"
            ),
            "verdict": scorecard.verdict_threshold(
                numbers.iyl_last, at_least=0.9 * h_y, profile=settings.profile
            ),
        },
    ]


def record_claims(notebook: str, settings: Settings, numbers: KeyNumbers) -> pd.DataFrame:
    """Record the rows of :func:`claims` on the scorecard.

    Returns
    -------
    pandas.DataFrame
        The notebook's scorecard rows so far (what :func:`ibcore.study.scorecard.record` returns).
    """
    card = None
    for row in claims(numbers, settings):
        card = scorecard.record(
            notebook,
            settings.profile,
            row["paper"],
            row["claim"],
            row["paper value"],
            row["our value"],
            row["verdict"],
        )
    return card


def glue_values(numbers: KeyNumbers, settings: Settings) -> dict[str, Any]:
    """The values the page's prose shows, name -> value (for :func:`ibcore.study.pages.glue_all`).

    Returns
    -------
    dict
        ``n_compress``, ``n_hidden``, ``n_dip`` (ints), ``iyl_last`` and ``h_y`` (formatted
        strings), the verdicts ``v_comp`` and ``v_fit`` of :func:`claims`, and ``run_profile``.
    """
    v_comp, v_fit = (row["verdict"] for row in claims(numbers, settings))
    return {
        "n_compress": numbers.n_compress,
        "n_hidden": numbers.n_hidden,
        "n_dip": numbers.n_dip,
        "iyl_last": f"{numbers.iyl_last:.2f}",
        "h_y": f"{numbers.h_y:.3f}",
        "v_comp": v_comp,
        "v_fit": v_fit,
        "run_profile": settings.profile,
    }
