"""Chapter 1's claims as records, declared before any run, and the settings of this run beside them.

One :class:`~ibcore.study.claims.Claim` per scorecard row of the page, in its order
(:data:`CLAIMS`): Saxe et al.'s "tanh compresses, ReLU does not" per estimator of :data:`ORDER`
(:data:`SAXE_CLAIMS`) and over all of them (:data:`SAXE_ALL`), Shwartz-Ziv & Tishby's two phases
(:data:`TWO_PHASES`), and Geiger's disagreement of estimators (:data:`DISAGREE`) and binning's
break of the data-processing inequality (:data:`DPI_BREAK`). Every paper setting cites the section
or the file of the authors' code it was read from (``docs/paper_settings.md`` Secs. 1-3 and 7);
:func:`~.ours.our_settings` gives this run's values under the same names.

Estimator parameters are settings named ``"<estimator>: <parameter>"`` (``"KDE, var 0.1:
noise_var"``), so that the claim over all estimators can hold every estimator's at once. The
estimators Saxe et al. did not use (their claim, not their estimator) state their parameters as
unstated (``Setting(None, ...)``): those rows deviate in the training settings only.
"""

from __future__ import annotations

from ibcore.study.chapters.estimator_dependence.compression_tables import THRESHOLD
from ibcore.study.chapters.estimator_dependence.szt_runs import ORDER
from ibcore.study.claims import AtLeast, AtMost, Claim, Each, Setting
from ibcore.training import saxe_schedule
from ibcore.training.init import DESCRIPTIONS

__all__ = [
    "SAXE_USED",
    "LEVEL",
    "COMPRESSES",
    "DOES_NOT",
    "SAXE_CLAIMS",
    "OWN_ROWS",
    "NO_VERDICT",
    "OWN_CLAIMS",
    "ESTIMATOR_CLAIMS",
    "SAXE_ALL",
    "TWO_PHASES",
    "DISAGREE",
    "DPI_BREAK",
    "MNIST_ITEMS",
    "MNIST_CLAIM",
    "CLAIMS",
    "BINNING_ESTIMATORS",
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
        DESCRIPTIONS["saxe"],
        f"{_IBSGD_SAVE} (TruncatedNormal(stddev=1/np.sqrt(n)), n the layer's width, zero biases; "
        "Keras' default for the softmax layer); ibcore.training.init 'saxe'",
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
    "binning, width 0.07": {
        "binning, width 0.07: bin width": Setting(
            0.07,
            f"{_IBSGD_MI} (binsize = 0.07); artemyk/ibsgd: simplebinmi.py (np.floor(d / binsize), unbounded)",
        ),
        "binning, width 0.07: inputs": Setting(4096, _ALL_INPUTS, decisive=False),
    },
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
        DESCRIPTIONS["idnns"],
        "ravidziv/IDNNs: idnns/networks/model.py (Model.initilizae_layer); ibcore.training.init 'idnns'",
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
    return Claim(
        key=f"saxe2018/tanh-vs-relu-{_SLUGS[name]}",
        paper="saxe2018",
        claim=f"tanh compresses, ReLU does not - {name}",
        where="Secs. 2-3, Figs. 1-2",
        paper_value="tanh: compression; ReLU: none (Figs. 1-2)",
        settings={**_SAXE_TRAINING, **_ESTIMATOR_SETTINGS[name]},
        rule=Each(
            "tanh compresses, ReLU does not",
            _EACH_REASON,
            rules=(COMPRESSES, DOES_NOT),
        ),
    )


SAXE_CLAIMS = {name: _saxe_claim(name) for name in SAXE_USED}
"""Saxe et al.'s claim on one of their estimators, estimator name -> Claim (items "tanh", "ReLU")."""

# ------------------------------------------- the other estimators against their own rows of Table I

_TABLE_I = "Geiger Table I"
_NO_CODE = (
    "not stated in Geiger's review (Table I and Secs. III-A to III-E); the authors' code is not mirrored here"
)
_TRAINING_NOT_READ = {
    "lr": Setting(None, _NO_CODE),
    "batch_size": Setting(None, _NO_CODE),
    "n_epochs": Setting(None, _NO_CODE),
    "init": Setting(None, _NO_CODE),
}

#: the estimator -> (Table I row, whether the row gives a compression verdict, claim record fields)
OWN_ROWS: dict[str, str] = {
    "binning, 30 bins on each epoch's range": "none: no surveyed work bins on each epoch's observed range",
    "adaptive binning, 30 bins": "[5] (Chelombiev et al.): MLP, tanh/ReLU, Adam, SZT, bin/KDE, comp ~",
    "Renyi": "[18] (Wickstrom et al.): MLP/CNN/VGG16, tanh/ReLU, SGD, MNIST/CIFAR-10, kernel, comp ~; "
    "[19] (Yu et al.): LeNet, sigmoid, SGD, MNIST/F-MNIST, kernel, comp x",
    "EDGE": "[16] (Noshad et al.): MLP/CNN, tanh/ReLU, Adam, MNIST, bin + hash, comp cell empty",
    "kNN (KSG, k=5)": "none: no surveyed work uses a kNN (KSG) estimator",
    "decision rule": "[8], [9] (Balda et al.): MLP/LN/DN, tanh/sig./ReLU, SGD, MNIST/CIFAR/syn., "
    "decision rule, comp x",
}
"""Each estimator Saxe et al. did not use -> its row of Geiger's Table I (as read from the full text)."""

NO_VERDICT = {
    "binning, 30 bins on each epoch's range": "no row of Geiger's Table I uses this quantizer, so no paper "
    "claim to score; the drops are a descriptive result",
    "EDGE": "Geiger's Table I row [16] (bin + hash) leaves the compression column empty; Sec. III-E "
    "describes compression for tanh and ReLU on a 1024-20-20 MNIST MLP, but the table gives no verdict, so "
    "the drops are a descriptive result",
    "kNN (KSG, k=5)": "no row of Geiger's Table I uses a kNN (KSG) estimator, and its I(X;L) on 12 discrete "
    "input bits says little (Kraskov et al. assume continuous samples); the drops are a descriptive result",
}
"""The estimators whose rows are *not comparable*, and why (no verdict in Table I to compare with)."""

_DESCRIPTIVE = Each(
    "descriptive: tanh and ReLU drops against 0.1 bit",
    "no paper claim for this estimator (see the row's reason); the intervals are shown, not scored",
    rules=(COMPRESSES, DOES_NOT),
)


def _own_claim(name: str) -> Claim:
    slug = _SLUGS[name]
    row = OWN_ROWS[name]
    if name in NO_VERDICT:
        return Claim(
            key=f"geiger2021/table-i-{slug}",
            paper="geiger2021",
            claim=f"Table I row of {name}: no verdict to compare",
            where="Table I",
            paper_value=f"Table I row {row}",
            settings={
                **_SAXE_TRAINING,
                "table I verdict": Setting(None, f"{_TABLE_I} (row {row})", decisive=False),
            },
            rule=_DESCRIPTIVE,
        )
    if name == "adaptive binning, 30 bins":
        return Claim(
            key=f"geiger2021/table-i-{slug}",
            paper="geiger2021",
            claim="Table I row [5]: adaptive binning, ReLU compresses for some seeds, not on average",
            where="Table I row [5]; Secs. III-A, III-B",
            paper_value="comp ~ (Table I [5]); ReLU: compression for some initialisations, not on average "
            "(Sec. III-A)",
            settings={
                "widths": Setting(
                    [12, 10, 7, 5, 4, 3, 2], "Geiger Sec. III-B ([5]: a 10-7-5-4-3 MLP on SZT)"
                ),
                "activations": Setting(["tanh", "relu"], f"{_TABLE_I} row [5] (tanh, ReLU)"),
                "optimizer": Setting("adam", f"{_TABLE_I} row [5] (Train. Adam)"),
                **_TRAINING_NOT_READ,
                "adaptive binning, 30 bins: n_bins": Setting(
                    None,
                    "Geiger Sec. III-A (bins at the percentiles of each layer and epoch; count not given)",
                ),
            },
            rule=AtMost(
                "ReLU does not compress on average: drop of I(X;L), t interval over seeds",
                "Geiger Sec. III-A on [5]: compression 'for some randomly initialized NNs with ReLU "
                "activation functions, but not on average'; the 0.1 bit of the Saxe rows",
                threshold=THRESHOLD,
            ),
        )
    if name == "Renyi":
        return Claim(
            key=f"geiger2021/table-i-{slug}",
            paper="geiger2021",
            claim="Table I rows [18], [19]: kernel (Renyi) estimator, MLP compresses with tanh and ReLU",
            where="Table I rows [18], [19]; Sec. III-D",
            paper_value="comp ~ ([18]) and x ([19]); [18]'s 1000-20-20-20 MNIST MLP: fitting then "
            "compression for tanh and ReLU alike (Sec. III-D)",
            settings={
                "dataset": Setting(
                    "MNIST", "Geiger Sec. III-D ([18]: MLP trained on MNIST); Table I row [18]"
                ),
                "widths": Setting(
                    [784, 1000, 20, 20, 20, 10], "Geiger Sec. III-D ([18]: a 1000-20-20-20 MLP on MNIST)"
                ),
                "activations": Setting(["tanh", "relu"], f"{_TABLE_I} row [18] (tanh, ReLU)"),
                "optimizer": Setting("sgd", f"{_TABLE_I} row [18] (Train. SGD)"),
                **_TRAINING_NOT_READ,
                "Renyi: alpha": Setting(
                    1.01, "Geiger Sec. III-D (eq. (5a): 'the authors have chosen alpha = 1.01')"
                ),
                "Renyi: inputs": Setting(None, _NO_CODE, decisive=False),
            },
            rule=Each(
                "tanh compresses and ReLU compresses",
                "Geiger Sec. III-D on [18]: fitting and subsequent compression in the MLP 'regardless "
                "whether ReLU or tanh activation functions are used'; the 0.1 bit of the Saxe rows",
                rules=(COMPRESSES, _short(COMPRESSES, "ReLU compresses")),
            ),
        )
    if name == "decision rule":
        return Claim(
            key=f"geiger2021/table-i-{slug}",
            paper="geiger2021",
            claim="Table I rows [8], [9]: decision rule, compression not observed",
            where="Table I rows [8], [9]; Sec. III-E",
            paper_value="comp x: H(Y_hat) never falls ('compression does not happen at all', Sec. III-E; "
            "[9] Prop. 3)",
            settings={
                "activations": Setting(["tanh", "relu"], f"{_TABLE_I} rows [8], [9] (tanh, sig., ReLU)"),
                "optimizer": Setting(
                    "sgd", f"{_TABLE_I} rows [8], [9] (Train. SGD; [9]'s Prop. 3 bounds H(Y_hat) along SGD)"
                ),
                **_TRAINING_NOT_READ,
            },
            rule=Each(
                "neither tanh nor ReLU compresses (output layer)",
                "Geiger Sec. III-E on [8], [9]: H(L) of the predicted class is bounded from below by an "
                "increasing function of training time; the 0.1 bit of the Saxe rows",
                rules=(_short(DOES_NOT, "tanh does not"), _short(DOES_NOT, "ReLU does not")),
            ),
        )
    raise KeyError(name)  # pragma: no cover - every estimator of ORDER is Saxe's or has a row


OWN_CLAIMS = {name: _own_claim(name) for name in ORDER if name not in SAXE_USED}
"""The estimators Saxe et al. did not use, each against its authors' row of Geiger's Table I."""

ESTIMATOR_CLAIMS = {name: SAXE_CLAIMS.get(name) or OWN_CLAIMS[name] for name in ORDER}
"""Every estimator's row, in the page's order: Saxe et al.'s claim or its own Table I row."""

SAXE_ALL = Claim(
    key="saxe2018/tanh-vs-relu-all",
    paper="saxe2018",
    claim="tanh compresses, ReLU does not (Saxe et al.'s estimators, same runs)",
    where="Secs. 2-3, Figs. 1-2",
    paper_value="tanh: compression; ReLU: none, with binning and KDE (Figs. 1-2)",
    settings={**_SAXE_TRAINING, **{k: s for name in SAXE_USED for k, s in _ESTIMATOR_SETTINGS[name].items()}},
    rule=Each(
        "tanh compresses and ReLU does not, under each of Saxe et al.'s estimators",
        "their claim is about the networks, not one estimator: it should hold under each one they used",
        rules=tuple(
            rule
            for _ in SAXE_USED
            for rule in (_short(COMPRESSES, "tanh compresses"), _short(DOES_NOT, "ReLU does not"))
        ),
    ),
)
"""Saxe et al.'s claim under all of their estimators at once (items "<estimator>: tanh", ...)."""

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
        "activations on which one applicable estimator's drop interval of the last hidden layer lies >= "
        "0.1 bit and another's <= 0.1 bit (decided to possible count); applicable: every estimator of "
        "I(X;L) of that layer but kNN (continuous-sample estimator on discrete inputs), the decision rule "
        "(output layer) and, for ReLU, the 30 bins on [-1, 1] (a range that ReLU leaves)",
        "one activation on which two estimators of the same layer give opposite, decided answers on the "
        "same runs shows the disagreement",
        threshold=1,
    ),
)
"""Geiger: estimators disagree about compression on the same runs (a count from decided intervals)."""

_MNIST_SAVE = "artemyk/ibsgd: MNIST_SaveActivations.ipynb"
_MNIST_MI = "artemyk/ibsgd: MNIST_ComputeMI.ipynb"
MNIST_ITEMS = tuple(
    f"{name}: {act}" for name in ("binning, width 0.5", "KDE, var 0.1") for act in ("tanh", "ReLU")
)
"""The items of :data:`MNIST_CLAIM`: Saxe et al.'s two MNIST estimators, tanh and ReLU."""

MNIST_CLAIM = Claim(
    key="saxe2018/mnist-tanh-vs-relu",
    paper="saxe2018",
    claim="MNIST 784-1024-20-20-20-10: tanh compresses, ReLU does not (binning 0.5, KDE 0.1)",
    where="Sec. 2 (MNIST MLP); Geiger Secs. III-A and III-B",
    paper_value="tanh: compression; ReLU: none, I(X;L) converges to log|D| (Geiger Sec. III-B on [4]; "
    "Sec. III-A: bin size 0.5, Fig. 10 in [4])",
    settings={
        "MNIST: widths": Setting(
            [784, 1024, 20, 20, 20, 10],
            f"{_MNIST_SAVE} (cfg['LAYER_DIMS'] = [1024, 20, 20, 20], softmax over 10)",
        ),
        "MNIST: optimizer": Setting("sgd", f"{_MNIST_SAVE} (keras.optimizers.SGD, no momentum)"),
        "MNIST: lr": Setting(1e-3, f"{_MNIST_SAVE} (cfg['SGD_LEARNINGRATE'] = 0.001)"),
        "MNIST: batch_size": Setting(128, f"{_MNIST_SAVE} (cfg['SGD_BATCHSIZE'] = 128)"),
        "MNIST: n_epochs": Setting(10000, f"{_MNIST_SAVE} (cfg['NUM_EPOCHS'] = 10000)"),
        "MNIST: init": Setting(
            DESCRIPTIONS["glorot"],
            f"{_MNIST_SAVE} (keras.layers.Dense without an initializer: Keras' default)",
        ),
        "MNIST: train images": Setting(
            60000, "artemyk/ibsgd: utils.py (get_mnist: keras.datasets.mnist, all 60000)", decisive=False
        ),
        "MNIST: eval images": Setting(
            10000,
            "artemyk/ibsgd: loggingreporter.py (cfg['FULL_MI'] unset -> activity on tst: the 10000 test "
            "images)",
            decisive=False,
        ),
        "MNIST: bin width": Setting(0.5, f"{_MNIST_MI} (simplebinmi.bin_calc_information2(..., 0.5))"),
        "MNIST: noise_var": Setting(0.1, f"{_MNIST_MI} (noise_variance = 1e-1)"),
        "MNIST: seeds": Setting(
            None, f"{_MNIST_SAVE} (one run per activation; no seed count stated)", decisive=False
        ),
    },
    rule=Each(
        "tanh compresses and ReLU does not, under binning 0.5 and under KDE 0.1",
        "Saxe et al.'s claim on MNIST (Geiger Sec. III-B: 'only if tanh activation functions are used'); the "
        "0.1 bit of the SZT rows",
        rules=tuple(
            rule
            for _ in range(2)
            for rule in (_short(COMPRESSES, "tanh compresses"), _short(DOES_NOT, "ReLU does not"))
        ),
    ),
)
"""Saxe et al.'s MNIST claim: items :data:`MNIST_ITEMS`, one interval over the MNIST seeds each."""

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

CLAIMS = (*ESTIMATOR_CLAIMS.values(), SAXE_ALL, TWO_PHASES, DISAGREE, DPI_BREAK, MNIST_CLAIM)
"""The page's claims in scorecard order."""
