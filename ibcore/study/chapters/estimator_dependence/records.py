"""Chapter 1's claims as records, declared before any run, and the settings of this run beside them.

One :class:`~ibcore.study.claims.Claim` per scorecard row of the page, in its order
(:data:`CLAIMS`): Saxe et al.'s "tanh compresses, ReLU does not" per estimator of :data:`ORDER`
(:data:`SAXE_CLAIMS`) and over all of them (:data:`SAXE_ALL`), Shwartz-Ziv & Tishby's two phases
(:data:`TWO_PHASES`), and Geiger's disagreement of estimators (:data:`DISAGREE`) and binning's
break of the data-processing inequality (:data:`DPI_BREAK`). Every paper setting cites the section
or the file of the authors' code it was read from (``docs/paper_settings.md`` Secs. 1-3 and 7);
:func:`our_settings` gives this run's values under the same names, computed from the
:class:`~ibcore.training.TrainConfig` the chapter trains and the estimators it draws.

Estimator parameters are settings named ``"<estimator>: <parameter>"`` (``"KDE, var 0.1:
noise_var"``), so that the claim over all estimators can hold every estimator's at once. The
estimators Saxe et al. did not use (their claim, not their estimator) state their parameters as
unstated (``Setting(None, ...)``): those rows deviate in the training settings only.
"""

from __future__ import annotations

from typing import Any

from ibcore.analysis.summary import LN2
from ibcore.study.chapters.estimator_dependence.compression_tables import THRESHOLD
from ibcore.study.chapters.estimator_dependence.estimator_checks import DPI_TOL
from ibcore.study.chapters.estimator_dependence.szt_runs import (
    ACTS,
    ORDER,
    szt_config,
    szt_estimators,
)
from ibcore.study.claims import AtLeast, AtMost, Claim, Each, Setting
from ibcore.training import log_schedule, saxe_schedule

__all__ = [
    "SAXE_USED",
    "LEVEL",
    "COMPRESSES",
    "DOES_NOT",
    "SAXE_CLAIMS",
    "SAXE_ALL",
    "TWO_PHASES",
    "DISAGREE",
    "DPI_BREAK",
    "CLAIMS",
    "BINNING_ESTIMATORS",
    "our_settings",
]

SAXE_USED = ("binning, 30 bins on [-1, 1]", "binning, width 0.07", "KDE, var 1e-3", "KDE, var 0.1")
"""The estimators Saxe et al. themselves used."""

LEVEL = 0.95
"""Confidence level of every interval of the page's claims."""

BINNING_ESTIMATORS = tuple(name for name in ORDER if name.startswith(("binning", "adaptive")))
"""The estimators whose breaks of the data-processing inequality :data:`DPI_BREAK` counts."""

_IBSGD_SAVE = "artemyk/ibsgd: IBnet_SaveActivations.ipynb"
_IBSGD_MI = "artemyk/ibsgd: IBnet_ComputeMI.ipynb"
_IDNNS = "ravidziv/IDNNs: idnns/networks/network_paramters.py"

# --------------------------------------------------------------------- the rules, fixed before the run

_THRESHOLD_REASON = (
    "0.1 bit: well above the jitter of an estimate between recorded epochs, small against the falls "
    "of several bits of tanh layers in Saxe et al.'s Figs. 1-2"
)
COMPRESSES = AtLeast(
    "tanh compresses: drop of I(X;L) from its peak to the last epoch, t interval over seeds",
    _THRESHOLD_REASON,
    threshold=THRESHOLD,
)
"""An estimator says a layer compresses when the t interval over seeds of its drop lies >= 0.1 bit."""

DOES_NOT = AtMost(
    "ReLU does not compress: drop of I(X;L), t interval over seeds",
    "the same 0.1 bit: a drop whose interval lies below it is no compression",
    threshold=THRESHOLD,
)
"""An estimator says a layer does not compress when the interval of its drop lies <= 0.1 bit."""

_EACH_REASON = "Saxe et al.'s claim is both halves at once, on the same runs and the same estimator"


def _short(rule: AtLeast | AtMost, name: str) -> AtLeast | AtMost:
    """``rule`` under a short name and reason (the claim over all estimators repeats it 20 times)."""
    return type(rule)(name, "0.1 bit, as in the per-estimator rows", threshold=rule.threshold)


# ------------------------------------------------------------------------------ the papers' settings

_SAXE_TRAINING = {
    "widths": Setting(
        [12, 10, 7, 5, 4, 3, 2],
        f"{_IBSGD_SAVE} (cfg['LAYER_DIMS'] = [10, 7, 5, 4, 3] on the 12 input bits, softmax over 2 "
        "classes); Geiger Sec. III-B",
    ),
    "activations": Setting(
        ["tanh", "relu"],
        f"{_IBSGD_MI} (measures['tanh'], measures['relu']); Saxe et al. Sec. 2, Figs. 1-2",
    ),
    "optimizer": Setting(
        "adam",
        f"{_IBSGD_SAVE} (keras.optimizers.Adam; the paper's text says SGD and BGD, Geiger Table I row [4])",
    ),
    "lr": Setting(4e-4, f"{_IBSGD_SAVE} (cfg['SGD_LEARNINGRATE'] = 0.0004)"),
    "batch_size": Setting(256, f"{_IBSGD_SAVE} (cfg['SGD_BATCHSIZE'] = 256)"),
    "n_epochs": Setting(10000, f"{_IBSGD_SAVE} (cfg['NUM_EPOCHS'] = 10000)"),
    "init": Setting(
        "truncated normal, std 1/sqrt(fan-out)",
        f"{_IBSGD_SAVE} (TruncatedNormal(stddev=1/np.sqrt(n)), n the layer's width, zero biases; "
        "Keras' default for the softmax layer)",
    ),
    "train_fraction": Setting(
        0.8,
        "artemyk/ibsgd: utils.py (get_IB_data -> create_IB_data -> data_shuffle(data_sets_org, 80, "
        "shuffle_data=True): one shuffled 80 % split)",
    ),
    "seeds": Setting(50, "artemyk/ibsgd: README.md ('averaged for 50 distinct trials')", decisive=False),
    "n_record": Setting(
        len(saxe_schedule(10000)),
        f"{_IBSGD_SAVE} (do_report: every epoch below 20, every 5th below 100, every 20th below 2000, "
        "then every 100th, over 10000 epochs; ibcore.training.saxe_schedule)",
        decisive=False,
    ),
}

_NOT_USED = (
    f"not used by Saxe et al. ({_IBSGD_MI} estimates by binning, binsize = 0.07, and by KDE only; "
    "Sec. 2 of the paper also compares Shwartz-Ziv & Tishby's 30 bins)"
)
_ALL_INPUTS = f"{_IBSGD_SAVE} (cfg['FULL_MI'] = True: train and test, all 4096 inputs)"

_ESTIMATOR_SETTINGS: dict[str, dict[str, Setting]] = {
    "binning, 30 bins on [-1, 1]": {
        "binning, 30 bins on [-1, 1]: n_bins": Setting(
            30,
            "Geiger Sec. III-A (Saxe et al. compare Shwartz-Ziv & Tishby's 30 bins); ravidziv/IDNNs: "
            "idnns/information/information_process.py (np.linspace(-1, 1, 30): 30 edges)",
        ),
        "binning, 30 bins on [-1, 1]: range": Setting(
            [-1.0, 1.0], "ravidziv/IDNNs: idnns/information/information_process.py (np.linspace(-1, 1, ...))"
        ),
        "binning, 30 bins on [-1, 1]: inputs": Setting(4096, _ALL_INPUTS, decisive=False),
    },
    "binning, 30 bins on each epoch's range": {
        "binning, 30 bins on each epoch's range: n_bins": Setting(None, _NOT_USED),
    },
    "binning, width 0.07": {
        "binning, width 0.07: bin width": Setting(
            0.07,
            f"{_IBSGD_MI} (binsize = 0.07); artemyk/ibsgd: simplebinmi.py (np.floor(d / binsize), unbounded)",
        ),
        "binning, width 0.07: inputs": Setting(4096, _ALL_INPUTS, decisive=False),
    },
    "adaptive binning, 30 bins": {"adaptive binning, 30 bins: n_bins": Setting(None, _NOT_USED)},
    "KDE, var 1e-3": {
        "KDE, var 1e-3: noise_var": Setting(1e-3, f"{_IBSGD_MI} (noise_variance = 1e-3, the SZT runs)"),
        "KDE, var 1e-3: inputs": Setting(4096, _ALL_INPUTS, decisive=False),
    },
    "KDE, var 0.1": {
        "KDE, var 0.1: noise_var": Setting(
            0.1,
            "Geiger Sec. III-B ('with sigma^2 = 0.1, the authors of [4] showed that compression occurs'); "
            "artemyk/ibsgd: MNIST_ComputeMI.ipynb (noise_variance = 1e-1; the SZT notebook's 1e-3 is the "
            "row above)",
        ),
        "KDE, var 0.1: inputs": Setting(4096, _ALL_INPUTS, decisive=False),
    },
    "Renyi": {
        "Renyi: alpha": Setting(None, _NOT_USED),
        "Renyi: inputs": Setting(None, _NOT_USED, decisive=False),
    },
    "EDGE": {"EDGE: inputs": Setting(None, _NOT_USED, decisive=False)},
    "kNN (KSG, k=5)": {
        "kNN (KSG, k=5): k": Setting(None, _NOT_USED),
        "kNN (KSG, k=5): inputs": Setting(None, _NOT_USED, decisive=False),
    },
    "decision rule": {},  # no parameter: the row deviates in the training settings only
}

_SZT_TRAINING = {
    "widths": Setting(
        [12, 10, 7, 5, 4, 3, 2], f"{_IDNNS} (select_network_arch, net_type '1': hidden 10-7-5-4-3)"
    ),
    "activation": Setting("tanh", "ravidziv/IDNNs: idnns/networks/model.py (activation_function 0 = tanh)"),
    "optimizer": Setting(
        "adam",
        "ravidziv/IDNNs: idnns/networks/model.py (Model.optimize, tf.train.AdamOptimizer; the paper's text "
        "says SGD, Geiger Sec. III-A)",
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
    "binning, 30 bins on [-1, 1]: n_bins": _ESTIMATOR_SETTINGS["binning, 30 bins on [-1, 1]"][
        "binning, 30 bins on [-1, 1]: n_bins"
    ],
    "binning, 30 bins on [-1, 1]: range": _ESTIMATOR_SETTINGS["binning, 30 bins on [-1, 1]"][
        "binning, 30 bins on [-1, 1]: range"
    ],
    "seeds": Setting(40, "ravidziv/IDNNs: source/main_fas.py (num_repeat default 40)", decisive=False),
    "n_record": Setting(
        400,
        f"{_IDNNS} (num_samples 400 log-spaced epochs; idnns/information/information_network.py)",
        decisive=False,
    ),
}

# ------------------------------------------------------------------------------------------- the claims

_SLUGS = {
    "binning, 30 bins on [-1, 1]": "binning-30-fixed-range",
    "binning, 30 bins on each epoch's range": "binning-30-epoch-range",
    "binning, width 0.07": "binning-width-0.07",
    "adaptive binning, 30 bins": "adaptive-binning-30",
    "KDE, var 1e-3": "kde-1e-3",
    "KDE, var 0.1": "kde-0.1",
    "Renyi": "renyi",
    "EDGE": "edge",
    "kNN (KSG, k=5)": "knn-ksg-5",
    "decision rule": "decision-rule",
}


def _saxe_claim(name: str) -> Claim:
    used = name in SAXE_USED
    return Claim(
        key=f"saxe2018/tanh-vs-relu-{_SLUGS[name]}",
        paper="saxe2018",
        claim=f"tanh compresses, ReLU does not - {name}",
        where="Secs. 2-3, Figs. 1-2",
        paper_value=(
            "tanh: compression; ReLU: none (Figs. 1-2)"
            if used
            else "tanh: compression; ReLU: none (their claim; estimator not used by them)"
        ),
        settings={**_SAXE_TRAINING, **_ESTIMATOR_SETTINGS[name]},
        rule=Each(
            "tanh compresses, ReLU does not",
            _EACH_REASON,
            rules=(COMPRESSES, DOES_NOT),
        ),
    )


SAXE_CLAIMS = {name: _saxe_claim(name) for name in ORDER}
"""Saxe et al.'s claim on one estimator, estimator name -> Claim (items "tanh", "ReLU")."""

SAXE_ALL = Claim(
    key="saxe2018/tanh-vs-relu-all",
    paper="saxe2018",
    claim="tanh compresses, ReLU does not (all estimators, same runs)",
    where="Secs. 2-3, Figs. 1-2",
    paper_value="tanh: compression; ReLU: none, with binning and KDE (Figs. 1-2)",
    settings={**_SAXE_TRAINING, **{k: s for name in ORDER for k, s in _ESTIMATOR_SETTINGS[name].items()}},
    rule=Each(
        "tanh compresses and ReLU does not, under every estimator",
        "the claim is about the networks, not the estimator: it should hold under each one",
        rules=tuple(
            rule
            for _ in ORDER
            for rule in (_short(COMPRESSES, "tanh compresses"), _short(DOES_NOT, "ReLU does not"))
        ),
    ),
)
"""Saxe et al.'s claim under every estimator at once (items "<estimator>: tanh", "<estimator>: ReLU")."""

TWO_PHASES = Claim(
    key="shwartzziv2017/two-phases",
    paper="shwartzziv2017",
    claim="Two phases: fitting, then compression (tanh, 30 bins)",
    where="Sec. 3.2, Fig. 3",
    paper_value="I(X;L) rises, then falls in the last hidden layers (Fig. 3)",
    settings=_SZT_TRAINING,
    rule=AtLeast(
        "per tanh seed, the smaller of the last hidden layer's rise (first value to peak) and its "
        "drop (peak to last epoch) of binned I(X;L), t interval over seeds",
        "0.1 bit each way: the compression threshold of the Saxe rows, for the rise (fitting) and "
        "the fall (compression) alike",
        threshold=THRESHOLD,
    ),
)
"""Shwartz-Ziv & Tishby's fitting then compression, with their estimator, on the tanh seeds."""

DISAGREE = Claim(
    key="geiger2021/estimators-disagree",
    paper="geiger2021",
    claim="Planes from different estimators disagree on the same runs",
    where="Sec. II",
    paper_value="IPs by different estimators are not comparable (Sec. II)",
    settings={
        **_SAXE_TRAINING,
        "estimators": Setting(
            None, "Geiger Secs. II, III-A and III-B: a claim about any two estimators; none prescribed"
        ),
    },
    rule=AtLeast(
        "activations on which one estimator's drop interval lies >= 0.1 bit and another's <= 0.1 bit "
        "(decided to possible count)",
        "one activation on which two estimators give opposite, decided answers on the same runs "
        "shows the disagreement",
        threshold=1,
    ),
)
"""Geiger: estimators disagree about compression on the same runs (a count from decided intervals)."""

_NOT_GIVEN = "Geiger Sec. III-A cites [7]'s example without it"
DPI_BREAK = Claim(
    key="geiger2021/binning-dpi",
    paper="geiger2021",
    claim="Binning can break the data-processing inequality",
    where="Sec. III-A",
    paper_value="I(X;Q(L_l)) < I(X;Q(L_l+1)) possible (Sec. III-A)",
    settings={
        "widths": Setting(
            [12, 3, 2, 12, 2, 2],
            "Geiger Sec. III-A (the 12-3-2-12-2-2 MLP of [7]: a narrower layer before a wider one). Not "
            "decisive: the claim is that binning *can* break the inequality, so a break on any network "
            "shows it; our widths never grow, which makes a break harder, not easier, to see",
            decisive=False,
        ),
        "activations": Setting(None, _NOT_GIVEN),
        "binning estimators": Setting(None, f"{_NOT_GIVEN} (any binning: each layer its own quantizer)"),
        "lr": Setting(None, _NOT_GIVEN),
        "n_epochs": Setting(None, _NOT_GIVEN),
        "dpi_tol": Setting(None, "Geiger Sec. III-A states no tolerance", decisive=False),
        "seeds": Setting(None, _NOT_GIVEN, decisive=False),
    },
    rule=AtLeast(
        "breaks per seed: (binning estimator, activation, epoch, consecutive layers) cases in which the "
        "deeper layer's I(X;L) exceeds its predecessor's by > 0.01 bit, t interval over seeds",
        "at least one break per run on average: the review says the inequality need not hold for "
        "binning, and one break per run makes that a property of binning on these runs, not of one seed",
        threshold=1,
    ),
)
"""Geiger: a binned deeper layer can hold more than its predecessor (breaks per seed, over seeds)."""

CLAIMS = (*SAXE_CLAIMS.values(), SAXE_ALL, TWO_PHASES, DISAGREE, DPI_BREAK)
"""The page's claims in scorecard order."""

# ------------------------------------------------------------------------------- this run's settings

_INIT_NAMES = {"torch": "torch default", "saxe": "truncated normal, std 1/sqrt(fan-out)"}


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
        "init": _INIT_NAMES[tanh.init],
        "train_fraction": settings.train_fraction,
        "seeds": len(settings.seeds),
        "n_record": len(schedule),
        **_estimator_values(settings, n_all),
        "estimators": list(ORDER),
        "binning estimators": list(BINNING_ESTIMATORS),
        "dpi_tol": DPI_TOL / LN2,  # bits
    }
