"""Chapter 0, the information plane of Shwartz-Ziv & Tishby (2017).

The sizes of ``00_information_plane.ipynb`` per profile (:data:`PROFILE`, data only, read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles) and the
page's code: the data split and the training runs (:func:`szt_split`, :func:`train_runs`), the key
numbers of the information plane (:func:`key_numbers`), the page's claims as records declared before
any run (:data:`CLAIMS`, with the paper's settings and their sources), their verdicts on this run
(:func:`claims`, :func:`record_claims`, deviations from :func:`our_settings`) and the values glued
into the prose (:func:`glue_values`). The runs follow Shwartz-Ziv & Tishby's code (ravidziv/IDNNs):
its initialisation (``init="idnns"``), Adam 4e-4, batch 256, 10^4 epochs, and the training-set sizes
of the paper's Fig. 3 (85 %, and 5 % and 45 % for its small-sample panels, :func:`fraction_runs`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from ibcore.training.init import DESCRIPTIONS

if TYPE_CHECKING:  # profiles imports this module (its PROFILE table)
    from ibcore.study.profiles import Settings

__all__ = [
    "PROFILE",
    "THRESHOLD_BITS",
    "CEILING_MARGIN_BITS",
    "FALL_BITS",
    "KeyNumbers",
    "szt_split",
    "label_entropy_bits",
    "describe_data",
    "train_config",
    "train_runs",
    "fraction_runs",
    "describe_runs",
    "distinct_inputs",
    "ceiling_split",
    "key_numbers",
    "late_fall",
    "COMPRESSION",
    "FITTING",
    "OVERFITTING",
    "CLAIMS",
    "our_settings",
    "claims",
    "record_claims",
    "glue_values",
]

PROFILE = {
    # SZT 12-10-7-5-4-3-2 tanh MLP as in ravidziv/IDNNs: init "idnns", Adam lr 4e-4, batch 256,
    # 10^4 epochs; trained on 85 % of the 4096 inputs (Fig. 3's main panel) and, for Fig. 3's
    # small-sample panels, on 5 % and 45 %. default shrinks only the seeds (5 of the paper's 50).
    "smoke": {"n_epochs": 30, "seeds": [0], "n_bins": 30, "train_fraction": 0.85, "small_fractions": [0.05]},
    "default": {
        "n_epochs": 10000,
        "seeds": [0, 1, 2, 3, 4],
        "n_bins": 30,
        "train_fraction": 0.85,
        "small_fractions": [0.05, 0.45],
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": list(range(50)),
        "n_bins": 30,
        "train_fraction": 0.85,
        "small_fractions": [0.05, 0.45],
    },
}

# bits: the fall of I(X;L) from its peak that counts as compression (ours; the paper reads its figure)
THRESHOLD_BITS = 0.1
# bits: a layer whose I(X;L) stays within this of its ceiling log2(distinct inputs) from its peak to
# the end cannot fall THRESHOLD_BITS below its peak: the binning ceiling hides any compression
CEILING_MARGIN_BITS = THRESHOLD_BITS
# bits: the fall of the last hidden layer's I(Y;L) from its peak to the end that counts as overfitting
FALL_BITS = 0.05
OVERFIT_FRACTION = 0.05  #: the training fraction of the overfitting claim (Fig. 3, left panel)
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
    """The SZT 12-10-7-5-4-3-2 tanh network with Shwartz-Ziv & Tishby's settings, for ``n_epochs``.

    Returns
    -------
    TrainConfig
        IDNNs' initialisation (``init="idnns"``: truncated normal, std 1/sqrt(fan-in), every layer,
        zero biases), Adam, learning rate 4e-4, batch 256 (ravidziv/IDNNs), recorded at the Saxe
        schedule (every epoch below 20, then sparser).
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
        init="idnns",
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


def fraction_runs(settings: Settings, szt: data.Dataset) -> dict[float, list[RecordedRun]]:
    """The runs of Fig. 3's small-sample panels: :func:`train_runs` on each fraction of
    ``settings.small_fractions`` (split seed ``settings.seed``), recorded on all of ``szt``.

    Returns
    -------
    dict
        Training fraction -> one run per seed; only the training set differs from :func:`train_runs`.
    """
    out = {}
    for fraction in settings.small_fractions:
        _, train, _ = szt_split(fraction, settings.seed)
        out[float(fraction)] = train_runs(settings, train, szt)
    return out


def describe_runs(runs: Sequence[RecordedRun]) -> str:
    """The start of the page's sentence on the runs: count, recorded epochs, layers and MiB."""
    return (
        f"{len(runs)} run(s), {len(runs[0].epochs)} recorded epochs each, layers {runs[0].layers}; "
        f"{sum(r.nbytes for r in runs) / 2**20:.1f} MiB of recorded activations in all; "
    )


def distinct_inputs(x: Any) -> int:
    """The number of distinct rows of ``x`` (the inputs the information plane is measured on):
    :math:`\\log_2` of it is the ceiling of a binned :math:`I(X;L)`."""
    if len(x) == 0:
        raise ValueError("distinct_inputs needs at least one input")
    return len(np.unique(np.asarray(x).reshape(len(x), -1), axis=0))


def ceiling_split(
    curves: pd.DataFrame, ceiling: float, margin: float = CEILING_MARGIN_BITS
) -> tuple[list[str], list[str]]:
    """Split layers into those whose compression binning can show and those held at the ceiling.

    A layer is *at the ceiling* when its I(X;L) (bits, mean over seeds) lies within ``margin`` of
    ``ceiling`` at every recorded epoch from its peak to the end: it then cannot fall ``margin``
    below its peak, whatever the network does (with ``margin`` = :data:`THRESHOLD_BITS` the
    compression rule cannot be met there). Every other layer is *measurable*.

    ``curves``: I(X;L) in bits, one column per layer, one row per recorded epoch (in order);
    ``ceiling``: log2 of the number of distinct inputs; returns ``(measurable, at_ceiling)``, two
    lists of layer names in the order of ``curves``.
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    measurable, at_ceiling = [], []
    for layer in curves.columns:
        values = curves[layer].to_numpy(dtype=float)
        after_peak = values[int(np.argmax(values)) :]
        (at_ceiling if after_peak.min() >= ceiling - margin else measurable).append(layer)
    return measurable, at_ceiling


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
    ceiling: float = 12.0  #: log2 of the distinct inputs the plane is measured on, bits
    at_ceiling: tuple[str, ...] = ()  #: hidden layers held at the ceiling (:func:`ceiling_split`)


def key_numbers(
    ip: pd.DataFrame,
    runs: Sequence[Any],
    h_y: float,
    threshold: float = THRESHOLD_BITS,
    n_inputs: int = 4096,
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
    n_inputs : int
        Distinct inputs the plane is measured on (:func:`distinct_inputs`); its log2 is the ceiling.

    Returns
    -------
    KeyNumbers
        The summary (mean over seeds, no spread columns), and on the hidden layers: how many
        compress by the end (``"drop"``) and at some point (``"largest dip"``), the last hidden
        layer's final I(Y;L), the mean final accuracy, and the hidden layers held at the ceiling
        (:func:`ceiling_split` of the mean curves).

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
    ceiling = float(np.log2(n_inputs))
    curves = ip[ip["layer"].isin(hidden.index)].groupby(["epoch", "layer"])[IXL].mean().unstack() / LN2
    _, at_ceiling = ceiling_split(curves[list(hidden.index)], ceiling)
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
        ceiling=ceiling,
        at_ceiling=tuple(at_ceiling),
    )


def late_fall(ip: pd.DataFrame) -> np.ndarray:
    """Per seed (in seed order): the fall of the last hidden layer's I(Y;L) from its peak to the
    last epoch, bits (0 when the curve ends at its peak); ``ip`` in nats with an ``output`` layer."""
    order = ip.drop_duplicates("layer").sort_values("layer_index")["layer"].tolist()
    hidden = [layer for layer in order if layer != "output"]
    if not hidden or "output" not in order:
        raise ValueError(f"late_fall needs hidden layers and an 'output' layer; layers: {order}")
    return seed_statistics(ip, layer=hidden[-1], quantity=IYL)["drop"].to_numpy(dtype=float)


# ------------------------------------------------------------------ the claims, declared before any run
_IDNNS = "ravidziv/IDNNs: idnns/networks/network_paramters.py"
_OLD = "ravidziv/IDNNs: source/main_fas.py at 9f6a167 (2017-02, the code of the paper's runs)"
_FIG3 = "Fig. 3 caption (5 %, 45 % and 85 % of the data, epochs 0 to 10000)"
_SZT_TRAINING = {
    "widths": Setting(
        [12, 10, 7, 5, 4, 3, 2],
        f"{_IDNNS} (select_network_arch, net_type '1': hidden 10-7-5-4-3); Geiger Sec. III-A",
    ),
    "activation": Setting("tanh", "ravidziv/IDNNs: idnns/networks/model.py (activation_function 0 = tanh)"),
    "optimizer": Setting(
        "adam",
        "ravidziv/IDNNs: idnns/networks/model.py (Model.optimize, tf.train.AdamOptimizer; "
        f"{_OLD}, runNet); the paper's text says SGD (Geiger Sec. III-A)",
    ),
    "lr": Setting(
        4e-4, f"{_IDNNS} (get_default_parser, learning_rate 0.0004); {_OLD} (learning_rate 0.0004)"
    ),
    "batch_size": Setting(
        256,
        f"{_IDNNS} at c7b75c2/0e1da9d (get_default_parser, batch_size 256; HEAD e53f054 sets 512, "
        "the old source/main_fas.py 3563, i.e. full batch)",
    ),
    "n_epochs": Setting(
        10000, f"{_FIG3}; {_OLD} (num_epochs 10000); ravidziv/IDNNs: jobs/ (numEphocs=10000)"
    ),
    "init": Setting(
        DESCRIPTIONS["idnns"],
        f"ravidziv/IDNNs: idnns/networks/model.py (Model.initilizae_layer); {_OLD} (runNet)",
    ),
    "train_fraction": Setting(
        0.85,
        f"{_FIG3}: the right panel; {_OLD} (samples = np.linspace(1, 100, 199)[inds]); the later "
        f"default inds '[80]' ({_IDNNS}) is 80 %, used by no figure of the paper",
    ),
    "split": Setting(
        "random, drawn per run",
        f"{_OLD} (runNetParallel: shuffle_in_unison_inplace per network, train = the first fraction); "
        "ravidziv/IDNNs: idnns/networks/utils.py (data_shuffle, shuffle_data=False) no longer shuffles",
        decisive=False,  # one random split or one per run: each run's training set is a uniform draw
    ),
    "n_bins": Setting(
        30, "Geiger Sec. III-A (30 bins on [-1, 1]); ravidziv/IDNNs: idnns/information/information_process.py"
    ),
    "seeds": Setting(
        50,
        "Fig. 2 caption ('50 randomized networks'; not verified: the corpus shows the paper's opening "
        f"only); {_OLD} (num_repeat default 40)",
        decisive=False,
    ),
}

COMPRESSION = Claim(
    key="shwartzziv2017/compression",
    paper=PAPER,
    claim="Hidden layers compress after fitting: I(X;L) falls from its peak (tanh, binning)",
    where="Sec. 3.2, Fig. 3",
    paper_value="compression in all 5 hidden layers (Fig. 3)",
    settings=_SZT_TRAINING,
    rule=AtLeast(
        "per hidden layer below the binning ceiling (ceiling_split), the drop of I(X;L) from its peak "
        "to the last epoch, over seeds",
        "0.1 bit: well above the jitter of a 30-bin estimate between recorded epochs, small against "
        "the falls of several bits in the paper's Fig. 3; a layer within 0.1 bit of log2(inputs) from "
        "its peak to the end cannot show it and is reported apart",
        threshold=THRESHOLD_BITS,
    ),
)
"""Shwartz-Ziv & Tishby's compression phase, decided per measurable hidden layer on the seeds' drops."""

FITTING = Claim(
    key="shwartzziv2017/fitting",
    paper=PAPER,
    claim="The last hidden layer's I(Y;L) approaches I(X;Y) = H(Y)",
    where="Sec. 3.2, Fig. 3",
    paper_value="I(Y;L) of the last hidden layer close to H(Y) (Fig. 3)",
    settings={k: s for k, s in _SZT_TRAINING.items() if k != "split"},
    rule=AtLeast(
        "I(Y;L) of the last hidden layer at the last epoch as a fraction of H(Y), over seeds",
        "0.9: within 10 % of the most any layer can hold about the label",
        threshold=0.9,
    ),
)
"""The fitting of the label: the last hidden layer's I(Y;L) at the end, relative to H(Y)."""

OVERFITTING = Claim(
    key="shwartzziv2017/overfitting",
    paper=PAPER,
    claim="With 5 % of the data the last hidden layer's I(Y;L) falls late in training (overfitting)",
    where="Fig. 3 (left panel, 5 %); Geiger Sec. III-A",
    paper_value="a late decrease of I(Y;L) with little training data (Fig. 3; Geiger Sec. III-A)",
    settings={
        **_SZT_TRAINING,
        "train_fraction": Setting(OVERFIT_FRACTION, f"{_FIG3}: the left panel; {_OLD} (samples)"),
    },
    rule=AtLeast(
        "drop of the last hidden layer's I(Y;L) (all 4096 inputs) from its peak to the last epoch, "
        "5 % training set, over seeds",
        "0.05 bit: 5 % of H(Y) ~ 1 bit, above the epoch-to-epoch jitter of a converged layer's binned "
        "I(Y;L) and below the late fall the paper's 5 % panel shows",
        threshold=FALL_BITS,
    ),
)
"""Fig. 3's small-sample panel: the late fall of I(Y;L) that the paper reads as overfitting."""

CLAIMS = (COMPRESSION, FITTING, OVERFITTING)
"""The page's claims in scorecard order."""


def our_settings(settings: Settings, train_fraction: float | None = None) -> dict[str, Any]:
    """The settings of this page's runs under the names of the claims' settings (from
    :func:`train_config` and the profile, not typed), for :func:`ibcore.study.claims.deviations`;
    ``train_fraction`` (default the profile's) names the runs of a small-sample panel."""
    config = train_config(settings.n_epochs)
    return {
        "widths": list(config.model["widths"]),
        "activation": config.model["activation"],
        "optimizer": config.optimizer,
        "lr": config.lr,
        "batch_size": config.batch_size,
        "n_epochs": config.n_epochs,
        "init": DESCRIPTIONS[config.init],
        "train_fraction": settings.train_fraction if train_fraction is None else train_fraction,
        "split": "random, one seeded split for all seeds (data.train_test_split)",
        "n_bins": settings.n_bins,
        "seeds": len(settings.seeds),
    }


def _fall_text(falls: Mapping[float, np.ndarray]) -> str:
    return ", ".join(f"{100 * f:g} % {np.mean(v):.3f}" for f, v in sorted(falls.items()))


def claims(
    numbers: KeyNumbers,
    settings: Settings,
    falls: Mapping[float, Sequence[float]],
    ours: dict[str, Any] | None = None,
) -> tuple[Evaluation, Evaluation, Evaluation]:
    """The page's three claims decided on this run: :data:`COMPRESSION`, :data:`FITTING`, :data:`OVERFITTING`.

    Compression: per hidden layer below the ceiling (``numbers.at_ceiling`` are named apart, not
    decided), the t interval over seeds of each seed's drop of I(X;L) from its peak, against
    :data:`THRESHOLD_BITS`; not comparable when every hidden layer sits at the ceiling. Fitting: the
    t interval of I(Y;L)/H(Y) of the last hidden layer at the last epoch, against 0.9. Overfitting:
    the t interval of ``falls[0.05]`` (per seed, :func:`late_fall` of the 5 % runs), against
    :data:`FALL_BITS`. All carry the deviations of ``ours`` (default :func:`our_settings`; the
    overfitting claim's training fraction is 0.05).
    """
    falls = {float(f): np.asarray(v, dtype=float) for f, v in falls.items()}
    if OVERFIT_FRACTION not in falls:
        raise ValueError(f"falls needs the {OVERFIT_FRACTION} runs; got fractions {sorted(falls)}")
    ours = our_settings(settings) if ours is None else ours
    n_seeds = len(numbers.seed_drops)
    note = f"{settings.n_epochs} epochs, {n_seeds} seed(s), {settings.n_bins} bins"
    drops = numbers.seed_drops
    layers = [layer for layer in drops.columns if layer not in numbers.at_ceiling]
    ceiling_text = f"at the ceiling log2(inputs) = {numbers.ceiling:.2f} bits, cannot show compression: " + (
        ", ".join(numbers.at_ceiling) if numbers.at_ceiling else "none"
    )
    if layers:
        met = [count_meeting(COMPRESSION.rule, drops[layer].to_numpy()) for layer in layers]
        compression = evaluate(
            COMPRESSION,
            [t_interval(drops[layer].to_numpy()) for layer in layers],
            ours,
            our_value=(
                f"mean drop {', '.join(f'{layer} {drops[layer].mean():.2f}' for layer in layers)} bits; "
                f"{ceiling_text} ({note})"
            ),
            profile=settings.profile,
            items=layers,
            seeds=n_seeds,
            support="seeds with a drop >= 0.1 bit: "
            + ", ".join(f"{layer} {k}/{n}" for layer, (k, n) in zip(layers, met, strict=True))
            + f"; {ceiling_text}",
        )
    else:
        compression = evaluate(
            COMPRESSION,
            [t_interval(drops[layer].to_numpy()) for layer in drops.columns],
            ours,
            our_value=f"{ceiling_text} ({note})",
            profile=settings.profile,
            items=list(drops.columns),
            seeds=n_seeds,
            support=ceiling_text,
            comparable=False,
            why_not_comparable="every hidden layer sits at the binning ceiling",
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
    fall = falls[OVERFIT_FRACTION]
    k, n = count_meeting(OVERFITTING.rule, fall)
    overfitting = evaluate(
        OVERFITTING,
        t_interval(fall),
        {**ours, "train_fraction": OVERFIT_FRACTION},
        our_value=f"mean fall of the last hidden layer's I(Y;L): {_fall_text(falls)} bits ({note})",
        profile=settings.profile,
        seeds=len(fall),
        support=f"{k} of {n} seeds fall >= {FALL_BITS} bit with 5 % of the data",
    )
    return compression, fitting, overfitting


def record_claims(
    notebook: str, settings: Settings, numbers: KeyNumbers, falls: Mapping[float, Sequence[float]]
) -> pd.DataFrame:
    """Record :func:`claims` on the scorecard; returns the page's rows (:func:`scorecard.card`)."""
    card = None
    for evaluation in claims(numbers, settings, falls):
        card = scorecard.record_evaluation(notebook, evaluation)
    return card


def glue_values(
    numbers: KeyNumbers, settings: Settings, falls: Mapping[float, Sequence[float]]
) -> dict[str, Any]:
    """The values the page's prose shows, name -> value (for :func:`ibcore.study.pages.glue_all`).

    Returns
    -------
    dict
        ``n_compress``, ``n_hidden``, ``n_dip``, ``n_met`` (measurable hidden layers whose interval
        lies at or above the threshold), ``n_measurable`` (ints), ``ceiling_layers`` (names or
        "none"), ``ceiling``, ``iyl_last``, ``h_y`` and ``falls`` (formatted strings), the verdicts
        ``v_comp``, ``v_fit``, ``v_over`` of :func:`claims` with their reasons ``why_comp``,
        ``why_fit``, ``why_over``, and ``run_profile``.
    """
    compression, fitting, overfitting = claims(numbers, settings, falls)
    measurable = [layer for layer in numbers.seed_drops.columns if layer not in numbers.at_ceiling]
    n_met = 0
    if measurable:
        n_met = sum(COMPRESSION.rule.decide_one(s) == "met" for s in compression.statistic)
    return {
        "n_compress": numbers.n_compress,
        "n_hidden": numbers.n_hidden,
        "n_dip": numbers.n_dip,
        "n_measurable": len(measurable),
        "ceiling_layers": ", ".join(numbers.at_ceiling) or "none",
        "ceiling": f"{numbers.ceiling:.2f}",
        "iyl_last": f"{numbers.iyl_last:.2f}",
        "h_y": f"{numbers.h_y:.3f}",
        "falls": _fall_text({float(f): np.asarray(v, dtype=float) for f, v in falls.items()}),
        "n_met": n_met,
        "v_comp": compression.verdict,
        "v_fit": fitting.verdict,
        "v_over": overfitting.verdict,
        "why_comp": compression.reason,
        "why_fit": fitting.reason,
        "why_over": overfitting.reason,
        "run_profile": settings.profile,
    }
