"""The claims of chapter 4 (Elad et al. 2019) as records, declared before any run.

One :class:`~ibcore.study.claims.Claim` per scorecard row of ``04_aa_mine_ib`` (:data:`CLAIMS`, in
the page's order): the paper's claim, where it is made, the paper's value, the settings that matter
with their sources (``docs/paper_settings.md`` sections 6 and 7) and the rule with its threshold
and the reason for it. The paper released no code and its supplement ("all training details",
Sec. 4) is missing, so almost every training setting is *unstated* (``Setting(None, ...)``): our
default profile's values and the ``paper`` profile's are both our guesses, not deviations.
:func:`our_settings` gives the settings of this run under the same names, computed from the
profile and from the functions the page calls, for :func:`ibcore.study.claims.deviations`.
"""

from __future__ import annotations

import inspect
import math
from typing import TYPE_CHECKING, Any

from ibcore.models import elad_convnet, elad_mlp
from ibcore.study.chapters.aa_mine_ib.experiments import (
    ANCHOR_SHAPE,
    MNIST_SMALL_FRACTION,
    PAPER,
    fig1_mine_options,
)
from ibcore.study.chapters.aa_mine_ib.methods import METHOD_LABELS, MINE_FALL_NATS, run_method
from ibcore.study.claims import AtLeast, AtMost, Claim, Each, Setting, Within
from ibcore.training import train_layerwise

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER_KEY",
    "TEST_IMAGES",
    "MINE_FLAT_NATS",
    "ANCHOR_NATS",
    "CEILING_NATS",
    "TABLE1_ITEMS",
    "paper_resolution",
    "AA_GROWS",
    "MINE_SATURATES",
    "ANCHOR",
    "TABLE1_MNIST_1",
    "TABLE1_MNIST_100",
    "TABLE1_CIFAR",
    "TABLE1_CLAIMS",
    "QUANTISES",
    "WEIGHT_DECAY",
    "CLAIMS",
    "our_settings",
]

PAPER_KEY = "elad2019"
"""The paper's key in the scorecard."""

TEST_IMAGES = 10000
"""Images in the MNIST and in the CIFAR-10 test split: what the paper's "test-set accuracy" is on."""

MINE_FLAT_NATS = 1.0
"""Nats: the most plain MINE may rise over the last three noise levels and still count as saturated."""

ANCHOR_NATS = 0.5
"""Nats: the error against Eq. (5)'s closed form within which AA-MINE matches it."""

CEILING_NATS = 0.5
"""Nats: how close to log(held-out size) AA-MINE's capped estimate must come to count as reaching the
ceiling the held-out DV bound can certify (the anchor's tolerance, :data:`ANCHOR_NATS`)."""

TABLE1_ITEMS = ("IB - CE", "IB - I(Y;L)")
"""The two differences of test accuracy (points) that decide each Table 1 row, in this order."""


def paper_resolution(name: str) -> float:
    r"""The resolution of the paper's Table 1 for data set ``name``, in accuracy points (one decimal).

    Each cell of Table 1 is one test accuracy on the :data:`TEST_IMAGES` test images; two such
    accuracies near :math:`p` (the mean of the row's three methods) differ by chance by up to
    :math:`1.96 \sqrt{2 p (1 - p) / n}` (95 %, binomial): MNIST 1 % 1.0, MNIST 100 % 0.4,
    CIFAR-10 1.4 points. Computed from the paper's numbers only, before any run.
    """
    row = PAPER[name]
    p = sum(row.values()) / len(row) / 100
    return round(100 * 1.96 * math.sqrt(2 * p * (1 - p) / TEST_IMAGES), 1)


# ------------------------------------------------------------------ sources
_SUPPLEMENT = "the supplement ('all training details', Sec. 4) is missing and no code was released"
_GUESS = "our default and the paper profile's value are both guesses"


def _unstated(where: str, *, decisive: bool = True) -> Setting:
    return Setting(None, f"not stated: {where}; {_SUPPLEMENT}; {_GUESS}", decisive=decisive)


_FIG1 = {
    "fig1_net": Setting(
        "3-layer MLP, random weights",
        "Fig. 1 caption ('the DNN is a 3-layer MLP with random weights'); I(X; last layer + eps)",
    ),
    "widths": _unstated("Fig. 1 caption and Sec. 4 say 'three-layered MLP', no widths"),
    "activation": _unstated("Secs. 3-4 and the Fig. 1 caption name no activation"),
    "noise": Setting("Gaussian", "Eq. 2 (eps is Gaussian noise); Eq. 4"),
    "fig1_variances": _unstated("Fig. 1 caption (sigma^2 swept down to 0; the values are in the figure)"),
    "critic": _unstated("Sec. 3 (MINE of Belghazi et al.; AA-MINE's critic holds a copy of F_i, Fig. 2)"),
    "fig1_inputs": _unstated("Fig. 1 caption (the MNIST inputs used)", decisive=False),
    "mine_iter": _unstated("Sec. 3 (the training algorithm of AA-MINE)", decisive=False),
    "seeds": _unstated("Fig. 1 shows one curve per estimator", decisive=False),
}
_ANCHOR = {
    "anchor_map": Setting(
        None,
        "not stated: Sec. 2, Eq. 5 is an analytic argument (L = W X + b, X and eps Gaussian); the paper "
        "runs no such experiment, so W and Sigma_X are ours",
    ),
    "noise": _FIG1["noise"],
    "fig1_variances": _FIG1["fig1_variances"],
    "critic": _FIG1["critic"],
    "mine_iter": _FIG1["mine_iter"],
    "fig1_inputs": _FIG1["fig1_inputs"],
    "seeds": _FIG1["seeds"],
}
_GEIGER = (
    "Geiger's review (Sec. III-C) reports the supplement's information-plane runs on a 784-512-512-10 MLP "
    "(ReLU or tanh) with noise variance sigma^2 = 2 added for the MINE estimates"
)
_TABLE1 = {
    "widths": Setting(
        None,
        "not found: Sec. 4 says 'a three-layered MLP', no widths; "
        f"{_GEIGER}, but not whether Table 1 uses that net; {_SUPPLEMENT}; our 256-128-64 decides, "
        "the 784-512-512-10 net runs beside it on MNIST 1 %",
    ),
    "activation": _unstated(f"Sec. 4 names no activation ({_GEIGER.split(' with ')[0]})"),
    "objective": Setting(
        "layer by layer, I(Y;L_i) - beta I(X;L_i+eps), each layer frozen, linear CE read-out",
        "Secs. 1 and 4 (each layer trained alone and frozen; alternating critic and layer updates; "
        "a post-trained linear layer with cross-entropy); Eq. 2",
    ),
    "beta": _unstated("Table 1 and Sec. 4 give no beta for Table 1"),
    "sigma": _unstated(f"Eq. 2 (eps is Gaussian; no sigma for training; {_GEIGER})"),
    "optimizer": _unstated("Sec. 4"),
    "lr": _unstated("Sec. 4"),
    "batch_size": _unstated("Sec. 4"),
    "n_steps": _unstated("Sec. 4 ('until convergence')"),
    "ce_steps": _unstated("Table 1 (the cross-entropy baseline's training)"),
    "critic_layerwise": _unstated("Sec. 4, Fig. 2 (the critics D_x, D_y; their training algorithm)"),
    "readout_steps": _unstated("Sec. 4 (the post-trained linear layer)"),
    "seeds": _unstated("Table 1 gives one number per cell", decisive=False),
    "n_test": Setting(
        TEST_IMAGES, "Table 1 caption ('test-set accuracy': the whole 10000-image test split)", decisive=False
    ),
}
_TABLE1_MNIST_1 = {
    **_TABLE1,
    "small_fraction": Setting(MNIST_SMALL_FRACTION, "Table 1 ('MNIST 1%': 1 % of the training set), Sec. 4"),
}
_TABLE1_MNIST_100 = {
    **_TABLE1,
    "n_steps_100": Setting(
        "until convergence",
        "Sec. 4 ('train each layer independently until convergence'); ours converged when each method's "
        "test accuracy gains < 0.2 points over the last doubling of the steps (the page's curve)",
    ),
}
_TABLE1_CIFAR = {
    "cifar_data": Setting("full", "Table 1 ('CIFAR-10 100%'), Sec. 4: the whole CIFAR-10 training set"),
    "conv_net": _unstated("Sec. 4 says 'a deep conv-net', no layers"),
    "objective": _TABLE1["objective"],
    "conv_steps": _unstated("Sec. 4"),
    "beta": _TABLE1["beta"],
    "sigma": _TABLE1["sigma"],
    "lr": _TABLE1["lr"],
    "seeds": _TABLE1["seeds"],
}
_FIG3 = {
    "tsne_betas": Setting([100.0, 0.001], "Fig. 3 caption (a) beta = 10^2, (b) beta = 10^-3"),
    "fig3_layer": Setting("first layer", "Fig. 3 caption ('the embedding of the first layer')"),
    "fig3_train": _unstated("Sec. 4, Fig. 3 ('our MNIST net': which training set is not said)"),
    "sigma": _TABLE1["sigma"],
    "n_steps": _TABLE1["n_steps"],
    "activation": _unstated("Sec. 4 (saturation, our measure of quantisation, needs a bounded activation)"),
    "tsne_points": _unstated("Fig. 3 caption (the images embedded)", decisive=False),
    "seeds": _unstated("Fig. 3 shows one net per beta", decisive=False),
}
_WEIGHT_DECAY = {
    "wd_data": Setting(
        None,
        "not stated: Sec. 2, Eq. 5 is an analytic argument (Gaussian X, linear layer); the paper runs "
        "no weight-decay experiment, so the data (and its Sigma_X) is ours",
    ),
    "beta": _TABLE1["beta"],
    "sigma": _TABLE1["sigma"],
    "l2_lambda": Setting(
        None,
        "not stated: Sec. 2 gives no matched L2 strength; ours, beta vbar / (2 sigma^2), is Eq. 5's "
        "small-weight expansion",
    ),
    "seeds": _unstated("Sec. 2", decisive=False),
}

# ------------------------------------------------------------------ the claims
AA_GROWS = Claim(
    key="elad2019/fig1-aamine-grows",
    paper=PAPER_KEY,
    claim="Fig. 1: AA-MINE grows without bound as sigma -> 0",
    where="Sec. 3, Fig. 1",
    paper_value="AA-MINE estimate diverges at sigma^2 = 0 (Fig. 1)",
    settings=_FIG1,
    rule=AtLeast(
        "per seed, AA-MINE's estimate at the smallest sigma^2 (its last fit that did not diverge) capped at "
        "log(held-out size), minus log(held-out size), nats, over seeds",
        f"-{CEILING_NATS:g} nat: the truth on n sampled inputs rises to log n as sigma -> 0 (Eqs. 3-4), and "
        "log(held-out size) is the most the held-out DV bound can certify; an estimate that grows without "
        "bound reaches that ceiling (within the anchor's 0.5 nat), a saturating one stays below it. Values "
        "above the ceiling are capped: they are not evidence of more growth",
        threshold=-CEILING_NATS,
    ),
)
"""Fig. 1: AA-MINE's estimate of I(X; L_3 + eps) grows without bound as the noise vanishes."""

MINE_SATURATES = Claim(
    key="elad2019/fig1-mine-saturates",
    paper=PAPER_KEY,
    claim="Fig. 1: plain MINE saturates as sigma -> 0",
    where="Sec. 3, Fig. 1",
    paper_value="MINE does not grow as sigma^2 -> 0 (Fig. 1)",
    settings=_FIG1,
    rule=AtMost(
        "per seed whose MINE fits all hold, plain MINE's rise over the last three noise levels (two 100-fold "
        "drops of sigma^2), nats, over seeds; a seed with a failed fit there (diverged, NaN, negative, or "
        f"more than {MINE_FALL_NATS:g} nat below its estimate at a larger variance) counts as failed, not "
        "as saturated",
        f"{MINE_FLAT_NATS:g} nat: flat against the 2 x 1/2 ln 100 = 4.6 nats per output dimension that "
        "h(L+eps|X) loses over those two drops (Eq. 4), which the truth for continuous X gains",
        threshold=MINE_FLAT_NATS,
    ),
)
"""Fig. 1: plain MINE's estimate flattens as the noise vanishes."""

ANCHOR = Claim(
    key="elad2019/eq5-anchor",
    paper=PAPER_KEY,
    claim="Eq. 5 anchor: AA-MINE matches the linear-Gaussian closed form",
    where="Sec. 2, Eq. 5",
    paper_value="I = 1/2 log det(I + W Sigma W^T / sigma^2)",
    settings=_ANCHOR,
    rule=Within(
        "per noise variance whose closed form lies below log(held-out size) in every seed, AA-MINE "
        "minus Eq. (5), nats, over seeds",
        f"{ANCHOR_NATS:g} nat: an error that does not change the reading of Fig. 1, whose AA-MINE and "
        "MINE curves part by several nats",
        margin=ANCHOR_NATS,
    ),
)
"""Our check of AA-MINE on a case with a known answer: a linear layer on Gaussian input (Eq. 5)."""


def _table1_claim(name: str, short: str, settings: dict[str, Setting]) -> Claim:
    row = PAPER[name]
    m = paper_resolution(name)
    p = sum(row.values()) / len(row)
    leads = f"+{row['ib'] - row['ce']:.2f} over CE and +{row['ib'] - row['iyl']:.2f} over I(Y;L)"
    return Claim(
        key=f"elad2019/table1-{short}",
        paper=PAPER_KEY,
        claim=f"Table 1, {name}: IB >= I(Y;L) and IB >= CE (test accuracy %)",
        where="Sec. 4, Table 1",
        paper_value=", ".join(f"{k.upper()} {v:.2f}" for k, v in row.items())
        + f" (one run per cell; IB leads by {leads} points)",
        settings=settings,
        rule=Each(
            "non-inferiority of IB against CE and against I(Y;L)",
            f"margin {m:.1f} points, the paper's own resolution on {name}: two single accuracies near "
            f"{p:.0f} % on the {TEST_IMAGES} test images differ by up to {m:.1f} points by chance (95 %, "
            f"binomial); the paper reads its leads of {leads} points as IB on par or better "
            "(abstract, Sec. 4)",
            rules=tuple(
                AtLeast(f"{item}, accuracy points, Welch interval over seeds", "the margin", threshold=-m)
                for item in TABLE1_ITEMS
            ),
        ),
    )


TABLE1_MNIST_1 = _table1_claim("MNIST 1%", "mnist-1", _TABLE1_MNIST_1)
TABLE1_MNIST_100 = _table1_claim("MNIST 100%", "mnist-100", _TABLE1_MNIST_100)
TABLE1_CIFAR = _table1_claim("CIFAR-10 100%", "cifar10", _TABLE1_CIFAR)
TABLE1_CLAIMS = {"MNIST 1%": TABLE1_MNIST_1, "MNIST 100%": TABLE1_MNIST_100, "CIFAR-10": TABLE1_CIFAR}
"""Table 1's claims by data set (any CIFAR-10 data, full or partial, is decided by :data:`TABLE1_CIFAR`)."""

QUANTISES = Claim(
    key="elad2019/fig3-quantises",
    paper=PAPER_KEY,
    claim="Fig. 3: a large beta quantises the first layer",
    where="Sec. 4, Fig. 3",
    paper_value="beta = 1e2 quantised, 1e-3 not (t-SNE, Fig. 3)",
    settings=_FIG3,
    rule=AtLeast(
        "per quantisation number (saturated fraction, NN gap), the large-beta minus the small-beta "
        "value of the first layer, over seeds",
        "0: the paper reads quantisation from t-SNE pictures (Fig. 3) and gives no size; the claim is "
        "the direction, more quantised at the large beta",
        threshold=0.0,
    ),
)
"""Fig. 3: a large beta quantises the first layer."""

WEIGHT_DECAY = Claim(
    key="elad2019/sec2-weight-decay",
    paper=PAPER_KEY,
    claim="Sec. 2: the MI penalty acts like weight decay",
    where="Sec. 2, Eq. 5",
    paper_value="penalty shrinks the weights (Eq. 5)",
    settings=_WEIGHT_DECAY,
    rule=AtMost(
        "per layer, the IB run's ||W_i|| over the beta = 0 run's from the same initial weights, minus 1, "
        "over seeds (MNIST 1 %)",
        "0: Eq. (5) is smallest at W = 0, so the penalty pulls each layer's norm below the beta = 0 run's; "
        "the paper gives no size",
        threshold=0.0,
    ),
)
"""Sec. 2: the penalty I(X; L_i + eps) shrinks the weights, as weight decay does."""

CLAIMS = (
    AA_GROWS,
    MINE_SATURATES,
    ANCHOR,
    TABLE1_MNIST_1,
    TABLE1_MNIST_100,
    TABLE1_CIFAR,
    QUANTISES,
    WEIGHT_DECAY,
)
"""The page's claims in scorecard order."""


def _defaults(fn: Any) -> dict[str, Any]:
    return {k: p.default for k, p in inspect.signature(fn).parameters.items() if p.default is not p.empty}


def _steps_100(settings: Settings, convergence: Any) -> str:
    """MNIST 100 %'s steps per layer in the claim's terms: "until convergence" when the page's curve
    (:class:`~ibcore.study.chapters.aa_mine_ib.experiments.Convergence`) shows every method stopped rising
    by Table 1's steps, else the step count and why it is not convergence."""
    if convergence is None:
        return f"{settings.n_steps} steps per layer (convergence not measured)"
    if convergence.converged:
        return "until convergence"
    rising = [m for m, p in convergence.plateau.items() if p is None or p > settings.n_steps]
    return f"{settings.n_steps} steps per layer; accuracy still rising beyond them ({', '.join(rising)})"


def our_settings(settings: Settings, convergence: Any = None) -> dict[str, Any]:
    """The settings of this page's runs under the names of the claims' settings, for
    :func:`ibcore.study.claims.deviations`: from the profile and from the functions the page calls
    (:func:`~ibcore.study.chapters.aa_mine_ib.experiments.fig1_mine_options`, the defaults of
    :func:`~ibcore.study.chapters.aa_mine_ib.methods.run_method`, :func:`ibcore.training.train_layerwise`,
    :func:`ibcore.models.elad_mlp` and :func:`ibcore.models.elad_convnet`), not typed; ``convergence``
    (the page's MNIST 100 % curve, or None: not measured) decides ``n_steps_100``."""
    mine = fig1_mine_options(settings, settings.seeds[0])
    layer, method, mlp, conv = (_defaults(f) for f in (train_layerwise, run_method, elad_mlp, elad_convnet))
    n_out, n_in = ANCHOR_SHAPE
    n_layers = len(settings.widths)
    return {
        "fig1_net": f"{n_layers}-layer MLP, random weights",
        "widths": list(settings.widths),
        "activation": mlp["activation"],
        "noise": "Gaussian",
        "fig1_variances": list(settings.fig1_variances),
        "critic": (
            f"MLP hidden {list(mine['hidden'])}, Adam lr {mine['lr']:g}, batch {mine['batch_size']}, "
            f"residual {mine['residual']!r}"
        ),
        "fig1_inputs": settings.fig1_inputs,
        "mine_iter": settings.mine_iter,
        "seeds": len(settings.seeds),
        "table1_seeds": len(settings.table1_seeds),
        "anchor_map": f"W {n_out}x{n_in} ~ N(0, 1/{n_in}), Sigma_X = I",
        "objective": (
            f"layer by layer, {METHOD_LABELS['ib'].removeprefix('L = ')}, each layer frozen, "
            "linear CE read-out"
        ),
        "beta": settings.beta,
        "sigma": settings.sigma,
        "optimizer": "adam",
        "lr": settings.lr,
        "batch_size": method["batch_size"],
        "n_steps": settings.n_steps,
        "n_steps_100": _steps_100(settings, convergence),
        "ce_steps": settings.n_steps * n_layers,
        "readout_steps": settings.readout_steps,
        "n_test": settings.n_test,
        "small_fraction": MNIST_SMALL_FRACTION,
        "cifar_data": settings.cifar_data,
        "conv_net": (
            f"conv {list(settings.conv_channels)}, 3x3 stride 2, {conv['activation']}, linear read-out"
        ),
        "conv_steps": settings.conv_steps,
        "tsne_betas": list(settings.tsne_betas),
        "fig3_layer": "first layer",
        "fig3_train": f"MNIST {MNIST_SMALL_FRACTION:.0%}",
        "tsne_points": settings.tsne_points,
        "wd_data": f"MNIST {MNIST_SMALL_FRACTION:.0%}",
        "l2_lambda": "beta vbar / (2 sigma^2)",
        "critic_layerwise": (
            f"MLP hidden {list(layer['critic_hidden'])}, Adam lr {layer['critic_lr']:g}, "
            f"{layer['critic_steps']} update per step"
        ),
    }
