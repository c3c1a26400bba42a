"""Chapter 0, the information plane of Shwartz-Ziv & Tishby (2017).

The sizes of ``00_information_plane.ipynb`` per profile (:data:`PROFILE`, data only, read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles) and the
page's code: the data split and the training runs (:func:`szt_split`, :func:`train_runs`), the key
numbers of the information plane (:func:`key_numbers`), the page's claims as records declared before
any run (:data:`CLAIMS`, with the paper's settings and their sources), their verdicts on this run
(:func:`claims`, :func:`record_claims`, deviations from :func:`our_settings`) and the values glued
into the prose (:func:`glue_values`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore import data
from ibcore.analysis.summary import LN2, compresses, layer_summary, seed_statistics
from ibcore.ground_truth import discrete_entropy
from ibcore.interface import IXL, IYL
from ibcore.study import scorecard
from ibcore.study.claims import AtLeast, Claim, Evaluation, Setting, count_meeting, evaluate, t_interval
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
    "COMPRESSION",
    "FITTING",
    "CLAIMS",
    "our_settings",
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
    seed_drops: pd.DataFrame  #: per seed (rows) and hidden layer (columns): drop of I(X;L), bits
    seed_iyl_ratio: np.ndarray  #: per seed: last hidden layer's final I(Y;L) / H(Y)


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
    drops = pd.DataFrame(
        {layer: seed_statistics(ip, layer=layer, quantity=IXL)["drop"] for layer in hidden.index}
    )
    last = ip[ip["layer"] == hidden.index[-1]]
    last = last[last["epoch"] == last["epoch"].max()]
    ratio = (last.groupby("seed")[IYL].mean() / LN2 / h_y).to_numpy()
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
        seed_drops=drops,
        seed_iyl_ratio=ratio,
    )


# ------------------------------------------------------------------ the claims, declared before any run
_IDNNS = "ravidziv/IDNNs: idnns/networks/network_paramters.py"
_SZT_TRAINING = {
    "widths": Setting(
        [12, 10, 7, 5, 4, 3, 2],
        f"{_IDNNS} (select_network_arch, net_type '1': hidden 10-7-5-4-3); Geiger Sec. III-A",
    ),
    "activation": Setting("tanh", "ravidziv/IDNNs: idnns/networks/model.py (activation_function 0 = tanh)"),
    "optimizer": Setting(
        "adam",
        "ravidziv/IDNNs: idnns/networks/model.py (Model.optimize, tf.train.AdamOptimizer; "
        "the paper's text says SGD, Geiger Sec. III-A)",
    ),
    "lr": Setting(4e-4, f"{_IDNNS} (learning_rate 0.0004)"),
    "batch_size": Setting(256, f"{_IDNNS} (batch_size 256)"),
    "n_epochs": Setting(10000, "ravidziv/IDNNs: jobs/ (the stored runs: numEphocs=10000)"),
    "init": Setting(
        "truncated normal, std 1/sqrt(fan-in)", "ravidziv/IDNNs: idnns/networks/model.py (initilizae_layer)"
    ),
    "train_fraction": Setting(
        0.8, "ravidziv/IDNNs: idnns/information/information_network.py (inds '[80]': 80 % of 4096)"
    ),
    "split": Setting(
        "first rows of var_u.mat, unshuffled",
        "ravidziv/IDNNs: idnns/networks/utils.py (data_shuffle(..., shuffle_data=False))",
    ),
    "n_bins": Setting(
        30, "Geiger Sec. III-A (30 bins on [-1, 1]); ravidziv/IDNNs: idnns/information/information_process.py"
    ),
    "seeds": Setting(40, "ravidziv/IDNNs: source/main_fas.py (num_repeat default 40)", decisive=False),
}

COMPRESSION = Claim(
    key="shwartzziv2017/compression",
    paper=PAPER,
    claim="Hidden layers compress after fitting: I(X;L) falls from its peak (tanh, binning)",
    where="Sec. 3.2, Fig. 3",
    paper_value="compression in all 5 hidden layers (Fig. 3)",
    settings=_SZT_TRAINING,
    rule=AtLeast(
        "per hidden layer, the drop of I(X;L) from its peak to the last epoch, over seeds",
        "0.1 bit: well above the jitter of a 30-bin estimate between recorded epochs, small against "
        "the falls of several bits in the paper's Fig. 3",
        threshold=THRESHOLD_BITS,
    ),
)
"""Shwartz-Ziv & Tishby's compression phase, decided per hidden layer on the seeds' drops."""

FITTING = Claim(
    key="shwartzziv2017/fitting",
    paper=PAPER,
    claim="The last hidden layer's I(Y;L) approaches I(X;Y) = H(Y)",
    where="Sec. 3.2, Fig. 3",
    paper_value="I(Y;L) of the last hidden layer close to H(Y) (Fig. 3)",
    settings={
        k: _SZT_TRAINING[k] for k in ("widths", "activation", "lr", "n_epochs", "init", "n_bins", "seeds")
    },
    rule=AtLeast(
        "I(Y;L) of the last hidden layer at the last epoch as a fraction of H(Y), over seeds",
        "0.9: within 10 % of the most any layer can hold about the label",
        threshold=0.9,
    ),
)
"""The fitting of the label: the last hidden layer's I(Y;L) at the end, relative to H(Y)."""

CLAIMS = (COMPRESSION, FITTING)
"""The page's claims in scorecard order."""

_INIT_NAMES = {"torch": "torch default", "saxe": "truncated normal, std 1/sqrt(fan-out)"}


def our_settings(settings: Settings) -> dict[str, Any]:
    """The settings of this page's runs under the names of the claims' settings (from
    :func:`train_config` and the profile, not typed), for :func:`ibcore.study.claims.deviations`."""
    config = train_config(settings.n_epochs)
    return {
        "widths": list(config.model["widths"]),
        "activation": config.model["activation"],
        "optimizer": config.optimizer,
        "lr": config.lr,
        "batch_size": config.batch_size,
        "n_epochs": config.n_epochs,
        "init": _INIT_NAMES[config.init],
        "train_fraction": settings.train_fraction,
        "split": "random, seeded (data.train_test_split)",
        "n_bins": settings.n_bins,
        "seeds": len(settings.seeds),
    }


def claims(
    numbers: KeyNumbers, settings: Settings, ours: dict[str, Any] | None = None
) -> tuple[Evaluation, Evaluation]:
    """The page's two claims decided on this run: :data:`COMPRESSION` and :data:`FITTING`.

    Compression: per hidden layer, the t interval over seeds of each seed's drop of I(X;L) from its
    peak, against :data:`THRESHOLD_BITS`; fitting: the t interval of I(Y;L)/H(Y) of the last
    hidden layer at the last epoch, against 0.9. Both carry the deviations of ``ours`` (default
    :func:`our_settings` of ``settings``).
    """
    ours = our_settings(settings) if ours is None else ours
    n_seeds = len(numbers.seed_drops)
    note = f"{settings.n_epochs} epochs, {n_seeds} seed(s), {settings.n_bins} bins"
    drops = numbers.seed_drops
    layers = list(drops.columns)
    met = [count_meeting(COMPRESSION.rule, drops[layer].to_numpy()) for layer in layers]
    compression = evaluate(
        COMPRESSION,
        [t_interval(drops[layer].to_numpy()) for layer in layers],
        ours,
        our_value=(
            f"mean drop {', '.join(f'{layer} {drops[layer].mean():.2f}' for layer in layers)} bits ({note})"
        ),
        profile=settings.profile,
        items=layers,
        seeds=n_seeds,
        support="seeds with a drop >= 0.1 bit: "
        + ", ".join(f"{layer} {k}/{n}" for layer, (k, n) in zip(layers, met, strict=True)),
    )
    ratio = numbers.seed_iyl_ratio
    k, n = count_meeting(FITTING.rule, ratio)
    fitting = evaluate(
        FITTING,
        t_interval(ratio),
        ours,
        our_value=(
            f"I(Y;L) {numbers.iyl_last:.3f} of H(Y) = {numbers.h_y:.3f} bits at the last epoch; "
            f"accuracy on all inputs {numbers.final_acc:.3f} ({note})"
        ),
        profile=settings.profile,
        seeds=n_seeds,
        support=f"{k} of {n} seeds >= 0.9 H(Y)",
    )
    return compression, fitting


def record_claims(notebook: str, settings: Settings, numbers: KeyNumbers) -> pd.DataFrame:
    """Record :func:`claims` on the scorecard; returns the page's rows (:func:`scorecard.card`)."""
    card = None
    for evaluation in claims(numbers, settings):
        card = scorecard.record_evaluation(notebook, evaluation)
    return card


def glue_values(numbers: KeyNumbers, settings: Settings) -> dict[str, Any]:
    """The values the page's prose shows, name -> value (for :func:`ibcore.study.pages.glue_all`).

    Returns
    -------
    dict
        ``n_compress``, ``n_hidden``, ``n_dip``, ``n_met`` (hidden layers whose interval lies at or
        above the threshold) (ints), ``iyl_last`` and ``h_y`` (formatted strings), the verdicts
        ``v_comp`` and ``v_fit`` of :func:`claims` with their reasons ``why_comp`` and
        ``why_fit``, and ``run_profile``.
    """
    compression, fitting = claims(numbers, settings)
    return {
        "n_compress": numbers.n_compress,
        "n_hidden": numbers.n_hidden,
        "n_dip": numbers.n_dip,
        "iyl_last": f"{numbers.iyl_last:.2f}",
        "h_y": f"{numbers.h_y:.3f}",
        "n_met": sum(COMPRESSION.rule.decide_one(s) == "met" for s in compression.statistic),
        "v_comp": compression.verdict,
        "v_fit": fitting.verdict,
        "why_comp": compression.reason,
        "why_fit": fitting.reason,
        "run_profile": settings.profile,
    }
