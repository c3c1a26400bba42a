"""Chapter 2's claims as records, declared before any run, and this run's settings under their names.

One :class:`~ibcore.study.claims.Claim` per scorecard row of the page, in its order (:data:`CLAIMS`):
the sentence of the row, where Goldfeld et al. make the claim, the paper's value, the settings that
matter with their sources (``docs/paper_settings.md`` sections 4 and 7: the authors' released code
kgreenewald/smoothMI where it states a value, the paper where only it does, ``None`` where neither
does) and the rule with its threshold and the reason for it. :func:`our_settings` computes the
same settings of this run from the configurations it trains (:func:`noisy_config`,
:func:`cnn_config`) and the profile, for :func:`ibcore.study.claims.deviations`.

The thresholds (ours; the paper reads its figures by eye): :data:`DIP_MIN` and :data:`N_SE` (a
layer compresses), :data:`TIGHTEN` (clusters tighten), :data:`GAP_MIN` (CNN classes cluster),
:data:`RHO_MIN` (binning tracks clustering after the binned peak), :data:`PROXY_MARGIN` (noisy and
deterministic accuracies on par).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ibcore.models.registry import normalize_spec
from ibcore.study.chapters.noisy_dnns.noisy_cnn import cnn_config
from ibcore.study.chapters.noisy_dnns.noisy_szt import noisy_config, sp_options
from ibcore.study.claims import AtLeast, AtMost, Claim, Setting, Within
from ibcore.training.init import DESCRIPTIONS

if TYPE_CHECKING:  # ibcore.study.profiles imports this package (its PROFILE table)
    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER_KEY",
    "RHO_MIN",
    "PROXY_MARGIN",
    "RETRACTION",
    "DIP_MIN",
    "N_SE",
    "TIGHTEN",
    "GAP_MIN",
    "COMPRESSION",
    "CLUSTERING",
    "BINNING",
    "CNN_COMPRESSION",
    "CNN_CLUSTERS",
    "ORTHONORMAL",
    "PROXY",
    "CLAIMS",
    "our_settings",
]

PAPER_KEY = "goldfeld2019"

# The thresholds (ours; the paper reads its figures by eye), fixed before any run.
DIP_MIN = 0.1  # bits: the fall of I(X;T_l) from a running peak that counts as compression
N_SE = 2.0  # ... and, in each seed, it must exceed this many Monte Carlo standard errors
TIGHTEN = 0.1  # fraction: the fall of the distance ratio that counts as tighter clusters
GAP_MIN = 0.05  # rise of the within-minus-between cosine similarity that counts as clustering

# ------------------------------------------------------------------ the paper's settings, with sources
_CODE = "kgreenewald/smoothMI"
_NOT_IN_PAPER = "not in the abstract or our summary of the paper"
_TRAINING = {
    "widths": Setting(
        [12, 10, 7, 5, 4, 3, 2],
        f"{_CODE}: tishby.py (--n_0 12, --n_i default [10, 7, 5, 4, 3], --n_K 2); the SZT net (summary)",
    ),
    "activation": Setting("tanh", f"{_CODE}: tishby.py (--nonlinearity default tanh); Geiger Sec. III-A"),
    "beta": Setting(
        0.005,
        f"{_CODE}: runTishby.pj (build_tishby: --sigma_z 0.005, a std: tishby_net.py Net.__init__ keeps "
        "sigma_z**2 as self.beta and addNoise draws with std sqrt(self.beta))",
    ),
    "noise_placement": Setting(
        "after every hidden activation, none on the output",
        f"{_CODE}: tishby_net.py (Net.forward: addNoise after every layer but the last)",
    ),
    "noise_in_eval": Setting(
        False,
        f"{_CODE}: tishby_net.py (Net.addNoise: only when self.training; tishby.py evaluate runs "
        "model.eval(), so accuracies and saved layer values are noiseless)",
    ),
    "optimizer": Setting("adam", f"{_CODE}: tishby.py (main: optim.Adam(model.parameters(), lr=args.lr))"),
    "lr": Setting(4e-4, f"{_CODE}: tishby.py (--lr default 0.0004; runTishby.pj does not change it)"),
    "batch_size": Setting(256, f"{_CODE}: tishby.py (--batch_size default 256, train_loader shuffled)"),
    "n_epochs": Setting(10000, f"{_CODE}: runTishby.pj (epochs = 10000, passed as --max_epochs)"),
    "init": Setting(
        DESCRIPTIONS["torch"],
        f"{_CODE}: tishby_net.py (Net.__init__: nn.Linear layers, torch's default init)",
    ),
    "train_fraction": Setting(
        0.8,
        f"{_CODE}: datasets/IB_data.npz (X_train 3277 / X_test 819 of the 4096 inputs, loaded by "
        "tishby.py TishbyDataset; ours is a seeded random 80/20 split, not their partition)",
    ),
    "n_record": Setting(
        84,
        f"{_CODE}: tishby.py (main: epoch_subsample = unique(round(logspace(0, log10(max_epochs - 1), "
        "num_subsampled_epochs=100))), 84 distinct; runMIestimation.pj num_epochs = 84)",
        decisive=False,
    ),
    "seeds": Setting(1, f"{_CODE}: runTishby.pj (one model, ID = 1)", decisive=False),
}
_SP = {
    "sp_inputs": Setting(
        4096,
        f"{_CODE}: runMIestimation.pj (estimate_MI: --num_data_X 4096; MIestimation.py TishbyDataset "
        "draws them with replacement from all 4096 inputs)",
        decisive=False,
    ),
    "sp_samples_per_x": Setting(
        1000, f"{_CODE}: runMIestimation.pj (num_replicas = 1000, --num_replicas)", decisive=False
    ),
    "n_mc": Setting(
        1000,
        f"{_CODE}: runMIestimation.pj (num_MC_samples = 1000; MIestimation.py entropyMC)",
        decisive=False,
    ),
}
_GEOMETRY = {
    "clustering_measure": Setting(
        None,
        f"{_NOT_IN_PAPER} (Secs. 4-5 show the clusters in figures); {_CODE}: MIestimation.py and "
        "plotFig.py compute no clustering statistic",
    ),
    "geometry_inputs": Setting(
        None, f"{_NOT_IN_PAPER}; {_CODE}: MIestimation.py (no clustering statistic)", decisive=False
    ),
}


def _pick(settings: dict[str, Setting], *names: str) -> dict[str, Setting]:
    return {name: settings[name] for name in names}


_SZT_TRAINED = _pick(
    _TRAINING, "widths", "activation", "optimizer", "lr", "batch_size", "n_epochs", "init", "train_fraction"
)
_UNCERTAINTY = _pick(_TRAINING, "n_record", "seeds")
_NOISE = _pick(_TRAINING, "beta", "noise_placement", "noise_in_eval")

_NO_CNN_CODE = f"{_CODE}: README.md (SZT code only, no MNIST network)"
_GEIGER_CNN = (
    "Geiger Sec. III-A (the MNIST CNN of [6]: 'two convolutional layers and two fully connected layers"
)
_CNN = {
    "cnn_arch": Setting(
        "2 conv + 2 dense layers (dense 1583-128)",
        f"{_GEIGER_CNN} with widths 1583 - 128'; not verified in the paper, {_NOT_IN_PAPER}); {_NO_CNN_CODE}",
    ),
    "cnn_conv": Setting(
        None, f"{_GEIGER_CNN}' - no channel counts or kernel sizes); {_NOT_IN_PAPER}; {_NO_CNN_CODE}"
    ),
    "cnn_activation": Setting("tanh", f"{_GEIGER_CNN} ... with tanh activation functions')"),
    "cnn_optimizer": Setting(
        None,
        f"{_NOT_IN_PAPER}; Geiger Table I says SGD for the whole paper, but {_CODE}: tishby.py trains "
        "the SZT net with Adam, so the table does not settle the CNN's",
    ),
    "cnn_accuracy": Setting(
        ">= 97 % test accuracy",
        "ours (issue 21): a usable MNIST classifier, as the paper's 'good proxy ... in terms of performance' "
        "(abstract) implies; the paper's accuracy is not in the abstract or our summary",
    ),
    "mnist_beta": Setting(
        None, f"{_NOT_IN_PAPER} (Geiger Sec. III-A: 'noise regularization'); {_NO_CNN_CODE}"
    ),
    "mnist_lr": Setting(None, f"{_NOT_IN_PAPER}; {_NO_CNN_CODE}"),
    "n_mnist_epochs": Setting(None, f"{_NOT_IN_PAPER}; {_NO_CNN_CODE}"),
    "n_mnist_train": Setting(
        60000, "the MNIST training set (Geiger Sec. III-A: 'trained on MNIST'; no subset is mentioned)"
    ),
    "n_mnist_eval": Setting(None, f"{_NOT_IN_PAPER}; {_NO_CNN_CODE}", decisive=False),
    "n_mnist_record": Setting(None, f"{_NOT_IN_PAPER}; {_NO_CNN_CODE}", decisive=False),
    "seeds": Setting(None, f"{_NOT_IN_PAPER}; {_NO_CNN_CODE}", decisive=False),
}

_COMPRESSION_REASON = (
    "0.1 bit, chapter 0's compression threshold: small against the log2 m bits a layer can hold; "
    "each seed's fall must also exceed 2 Monte Carlo s.e., so the estimator's jitter alone does not count"
)
RHO_MIN = 0.5
"""The binning rule's threshold: rank correlation after the binned peak that counts as tracking."""
RHO_REASON = (
    "0.5: after the binned peak the epochs at which binned I(X;T) is lower are mostly those at which "
    "the classes are tighter - a clear majority of concordant epoch pairs (0 is no relation; one "
    "swapped neighbouring pair among 6 epochs still gives 0.94)"
)
PROXY_MARGIN = 0.01
"""The proxy rule's margin: 1 percentage point of accuracy."""
PROXY_REASON = (
    "+-0.01: one percentage point, about two binomial s.e. of an accuracy near 90 % on 4096 inputs "
    "- closer than that two accuracies on these inputs cannot be told apart"
)
RETRACTION = "retraction W -= alpha (W W^T W - W) after each step, hidden layers only"
"""The regulariser of the orthonormality claim, in the words the records compare."""

_TIGHTEN_REASON = (
    "-0.1: the within/between-class distance ratio a tenth smaller at the bottom of the fall than at "
    "its peak - tighter classes, not a drift of a few per cent"
)

# ------------------------------------------------------------------ the claims, declared before any run
COMPRESSION = Claim(
    key="goldfeld2019/compression",
    paper=PAPER_KEY,
    claim="Compression occurs in noisy nets (I(X;T_l) by sample propagation)",
    where="Sec. 5 (SZT task)",
    paper_value="compression at beta = 0.005 in the SZT net (Sec. 5)",
    settings={**_NOISE, **_SZT_TRAINED, **_SP, **_UNCERTAINTY},
    rule=AtLeast(
        "per beta, each seed's largest fall of I(X;T_l) over the hidden layers that exceeds 2 Monte "
        "Carlo s.e. (0 bit if none does), over seeds",
        _COMPRESSION_REASON,
        threshold=DIP_MIN,
    ),
)
"""Compression in the noisy SZT nets, one item per beta of the sweep (the paper's is 0.005)."""

CLUSTERING = Claim(
    key="goldfeld2019/clustering",
    paper=PAPER_KEY,
    claim="Compression coincides with clustering",
    where="Secs. 4-5",
    paper_value="I(X;T) falls as same-class representations cluster (Secs. 4-5)",
    settings={**_NOISE, **_SZT_TRAINED, **_GEOMETRY, **_SP, **_UNCERTAINTY},
    rule=AtMost(
        "per compressing (beta, layer) (its significant fall >= 0.1 bit in the mean over seeds), the "
        "relative change of the within/between-class distance ratio over each seed's largest fall of "
        "I(X;T_l), over seeds",
        _TIGHTEN_REASON,
        threshold=-TIGHTEN,
    ),
)
"""Clustering during compression, one item per compressing (beta, layer)."""

BINNING = Claim(
    key="goldfeld2019/binning",
    paper=PAPER_KEY,
    claim="Binning in deterministic nets tracks clustering",
    where="Sec. 5",
    paper_value="binned I(X;T) of the deterministic net follows clustering (Sec. 5)",
    settings={
        **_pick(_TRAINING, "beta"),
        "bin_width": Setting(
            0.007, f"{_CODE}: MIestimation.py (--bin_size default 0.007; the code read never uses it)"
        ),
        **_SZT_TRAINED,
        **_GEOMETRY,
        **_UNCERTAINTY,
    },
    rule=AtLeast(
        "the deterministic twin at the first beta: per seed, the mean over its hidden layers whose "
        "binned I(X;T) falls >= 0.1 bit (in the mean over seeds) of the rank correlation of binned "
        "I(X;T) and the distance ratio over the recorded epochs from the binned peak on, over seeds",
        RHO_REASON,
        threshold=RHO_MIN,
    ),
)
"""Binning of the deterministic twin against its clustering after the binned peak (one item).

The rule, fixed in issue 21 before the runs it decides: the first pages compared the ratio's change
in the binned fall window and a whole-run rank correlation, and that second rule had been changed
after the first results. A whole-run correlation mixes the fitting phase, in which binned I(X;T)
rises while the classes separate (the two move apart), with the compression phase the claim is
about; from the binned peak on, "tracks" means that the two fall together.
"""

CNN_COMPRESSION = Claim(
    key="goldfeld2019/cnn-compression",
    paper=PAPER_KEY,
    claim="Compression occurs in a noisy MNIST CNN",
    where="abstract; Sec. 5",
    paper_value="compression observed in various models, MNIST CNNs among them (abstract, Sec. 5)",
    settings=dict(_CNN),
    rule=AtLeast(
        "each seed's largest fall of I(X;T_l) over the CNN's two dense hidden layers that exceeds 2 "
        "Monte Carlo s.e. (0 bit if none does), over seeds",
        _COMPRESSION_REASON,
        threshold=DIP_MIN,
    ),
)
"""Compression in the noisy MNIST CNN of Geiger's description (channels, noise, training unknown)."""

CNN_CLUSTERS = Claim(
    key="goldfeld2019/cnn-clusters",
    paper=PAPER_KEY,
    claim="Representations of a noisy MNIST CNN cluster by class",
    where="Sec. 5",
    paper_value="meaningful clusters form in T space (cosine similarities, Sec. 5)",
    settings=dict(_CNN),
    rule=AtLeast(
        "per CNN layer, the rise of the centred within-minus-between cosine similarity from before "
        "training to the last recorded epoch, over seeds",
        "0.05 on a scale of [-2, 2]: a class block beyond the near-zero gap of the untrained net",
        threshold=GAP_MIN,
    ),
)
"""Class clusters in the noisy MNIST CNN, one item per layer."""

ORTHONORMAL = Claim(
    key="goldfeld2019/orthonormal",
    paper=PAPER_KEY,
    claim="Orthonormal regularisation prevents compression",
    where="Sec. 5",
    paper_value="no clustering and no compression with orthonormal weights (Sec. 5)",
    settings={
        "regulariser": Setting(
            RETRACTION,
            f"{_CODE}: tishby_net.py (Net.orthWeightUpdate: every layer but the last); tishby.py "
            "(run_train: called after each optimizer.step() when --orth_udpate_alpha > 0); Geiger "
            "Sec. III-A (orthonormal weight matrices)",
        ),
        "regulariser_strength": Setting(
            None,
            f"{_CODE}: tishby.py (--orth_udpate_alpha default -1, off; runTishby.pj does not set it, so "
            "the alpha of the paper's run is not found; tishby_net.py orthWeightUpdate's own default "
            "alpha=1e-4 is never used by the call, which passes the argument)",
        ),
        **_NOISE,
        **_SZT_TRAINED,
        **_SP,
        **_UNCERTAINTY,
    },
    rule=AtMost(
        "per hidden layer that compresses at the first beta without the regulariser (significant fall "
        ">= 0.1 bit in the mean over seeds), each seed's significant fall with it, over seeds",
        "0.1 bit, the compression threshold: below it the layer no longer compresses",
        threshold=DIP_MIN,
    ),
)
"""The Parseval retraction against compression, one item per layer that compressed without it."""

PROXY = Claim(
    key="goldfeld2019/proxy",
    paper=PAPER_KEY,
    claim="The noisy net is a good proxy of the deterministic one (accuracy)",
    where="abstract; Sec. 2",
    paper_value="the noisy DNN is 'a good proxy for the original (deterministic) DNN ... in terms of "
    "performance' (abstract)",
    settings={**_NOISE, **_SZT_TRAINED, **_UNCERTAINTY},
    rule=Within(
        "per beta, each seed's accuracy on all 4096 inputs with the noise on (mean over draws) minus "
        "the same net's with it off, over seeds",
        PROXY_REASON,
        margin=PROXY_MARGIN,
    ),
)
"""Noisy against deterministic accuracy of the same SZT nets, one item per beta."""

CLAIMS = (COMPRESSION, CLUSTERING, BINNING, CNN_COMPRESSION, CNN_CLUSTERS, ORTHONORMAL, PROXY)
"""The page's claims in scorecard order."""


def _noise_placement(model: dict[str, Any]) -> str:
    """Where an ibcore MLP spec adds its noise: :class:`~ibcore.models.MLP` puts a
    ``GaussianNoise(noise_std)`` after the activation of every hidden block and none on the output."""
    if model.get("kind") != "mlp" or not model.get("noise_std", 0.0) > 0:
        return "none"
    return "after every hidden activation, none on the output"


def _cnn_arch(model: dict[str, Any]) -> str:
    """The layers of an ibcore ``goldfeld_mnist_cnn`` spec, e.g.
    ``"2 conv + 2 dense layers (dense 1583-128)"``."""
    full = normalize_spec(model)
    return f"2 conv + 2 dense layers (dense {'-'.join(map(str, full['dense']))})"


def _cnn_conv(model: dict[str, Any]) -> str:
    full = normalize_spec(model)
    k = full["kernel"]
    return f"{'-'.join(map(str, full['channels']))} channels, {k}x{k} kernels, 2x2 max-pooling"


def our_settings(settings: Settings) -> dict[str, Any]:
    """The settings of this page's runs under the names of the claims' settings, computed from the
    configurations the page trains (:func:`noisy_config` at the first beta, with the retraction,
    :func:`cnn_config`) and the profile, for :func:`ibcore.study.claims.deviations`.

    ``cnn_accuracy`` depends on the trained CNN: this gives ``"not measured"``;
    :func:`~ibcore.study.chapters.noisy_dnns.decisions.claims` puts in the measured one.
    """
    config = noisy_config(settings, settings.betas[0])
    ortho = noisy_config(settings, settings.betas[0], parseval_alpha=settings.parseval_alpha)
    cnn = cnn_config(settings)
    sp = sp_options(settings)
    model = config.model
    return {
        "widths": list(model["widths"]),
        "activation": model["activation"],
        "beta": float(model["noise_std"]),
        "noise_placement": _noise_placement(model),
        "noise_in_eval": bool(model.get("noise_in_eval", True)),
        "optimizer": config.optimizer,
        "lr": config.lr,
        "batch_size": config.batch_size,
        "n_epochs": config.n_epochs,
        "init": DESCRIPTIONS[config.init],
        "train_fraction": settings.train_fraction,
        "n_record": len(config.schedule),
        "seeds": len(settings.seeds),
        "sp_inputs": min(int(sp["n_inputs"]), 4096),
        "sp_samples_per_x": sp["n_samples_per_x"],
        "n_mc": sp["n_mc"],
        "clustering_measure": "within/between-class mean distance ratio (ibcore.analysis.geometry)",
        "geometry_inputs": settings.geometry_inputs,
        "bin_width": 2.0 / settings.n_bins,  # Binning(n_bins, value_range=(-1, 1)) in twin_binning
        "regulariser": RETRACTION if ortho.parseval_alpha > 0 else "none",
        "regulariser_strength": ortho.parseval_alpha,
        "cnn_arch": _cnn_arch(cnn.model),
        "cnn_conv": _cnn_conv(cnn.model),
        "cnn_activation": cnn.model["activation"],
        "cnn_optimizer": cnn.optimizer,
        "cnn_accuracy": "not measured",
        "mnist_beta": float(cnn.model["noise_std"]),
        "mnist_lr": cnn.lr,
        "n_mnist_epochs": cnn.n_epochs,
        "n_mnist_train": settings.n_mnist_train,
        "n_mnist_eval": settings.n_mnist_eval,
        "n_mnist_record": len(cnn.schedule),
    }
