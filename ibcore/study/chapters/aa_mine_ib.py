"""Chapter 4, AA-MINE and layer-by-layer IB training (Elad et al. 2019).

``PROFILE``: the sizes of ``04_aa_mine_ib.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The chapter's experiments: :func:`noise_sweep` gives Fig. 1 (MINE and AA-MINE at each noise std),
:func:`run_method` trains a net by one method of Table 1 (:data:`METHODS`, :data:`METHOD_LABELS`)
and :func:`quantisation` measures how quantised a layer is (Fig. 3). The nets live in
:mod:`ibcore.models.layerwise`, the trainers in :mod:`ibcore.training.layerwise`.

The page, one call per step: :func:`load_data`; :func:`fig1_experiment` (and :func:`fig1_table`);
:func:`table1_datasets`, :func:`train_table1` and :func:`table1_summary` (against :data:`PAPER`);
:func:`fig3_experiment`; :func:`weight_decay_experiment`. The verdicts: one function per claim
(:func:`fig1_claims`, :func:`table1_claims`, :func:`fig3_claim`, :func:`weight_decay_claim`),
gathered by :func:`evaluate_claims`; :func:`record_claims` writes the scorecard rows and
:func:`glue_values` gives the numbers the page's prose shows.

References
----------
.. [1] A. Elad, D. Haviv, Y. Blau, T. Michaeli, "Direct validation of the information bottleneck
   principle for deep nets", ICCV Workshops (SDL-CV) 2019, Secs. 2-4, Eqs. (2)-(6), Table 1, Fig. 3.
.. [2] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from ibcore._progress import progress_bar
from ibcore._validation import check_bool, check_positive
from ibcore.models import LayerwiseNet
from ibcore.training import accuracy, train_end_to_end, train_layerwise, train_readout, weight_norms

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    import pandas as pd

    from ibcore.data import Dataset
    from ibcore.study.profiles import Settings

__all__ = [
    "PROFILE",
    "noise_sweep",
    "METHODS",
    "METHOD_LABELS",
    "run_method",
    "quantisation",
    "PAPER",
    "PAPER_KEY",
    "TABLE1_METHODS",
    "ChapterData",
    "load_data",
    "Fig1",
    "fig1_experiment",
    "fig1_table",
    "table1_datasets",
    "train_table1",
    "Table1",
    "table1_summary",
    "Fig3",
    "fig3_experiment",
    "WeightDecay",
    "weight_decay_experiment",
    "fig1_claims",
    "table1_claims",
    "fig3_claim",
    "weight_decay_claim",
    "evaluate_claims",
    "record_claims",
    "glue_values",
]


PROFILE = {
    # Elad et al. 2019 (the helpers below): tanh MLP on MNIST (1 % and 100 %) and a tanh conv net
    # (3x3, stride 2) on CIFAR-10, trained layer by layer on I(Y;L_i) - beta I(X;L_i + eps) with
    # MINE / AA-MINE critics (n_steps Adam steps per block; cross-entropy 3 n_steps end to end),
    # then a linear read-out. The paper's widths, beta, sigma and steps are in its supplement,
    # which we lack: these are ours. cifar_data "partial" = the mirror's 5170 images (not the
    # benchmark); "full" needs CIFAR-10 (fails with the missing-data error where it is absent).
    "smoke": {
        "seeds": [0],
        "widths": [32, 16, 8],
        "conv_channels": [4, 8, 8],
        "sigma": 0.1,
        "beta": 3e-3,
        "n_steps": 10,
        "conv_steps": 2,
        "lr": 3e-3,
        "readout_steps": 20,
        "n_test": 500,
        "cifar_data": "partial",
        "fig1_variances": [1e-1, 1e-3, 1e-5],
        "fig1_inputs": 300,
        "mine_iter": 20,
        "tsne_betas": [100.0, 0.001],
        "tsne_points": 150,
    },
    "default": {
        "seeds": [0, 1],
        "widths": [256, 128, 64],
        "conv_channels": [8, 16, 32],
        "sigma": 0.1,
        "beta": 3e-3,
        "n_steps": 300,
        "conv_steps": 100,
        "lr": 3e-3,
        "readout_steps": 500,
        "n_test": 10000,
        "cifar_data": "partial",
        "fig1_variances": [1.0, 1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10],
        "fig1_inputs": 2000,
        "mine_iter": 400,
        "tsne_betas": [100.0, 0.001],
        "tsne_points": 800,
    },
    "paper": {
        "seeds": [0, 1, 2, 3, 4],
        "widths": [256, 128, 64],
        "conv_channels": [64, 128, 256],
        "sigma": 0.1,
        "beta": 3e-3,
        "n_steps": 5000,
        "conv_steps": 5000,
        "lr": 1e-3,
        "readout_steps": 2000,
        "n_test": 10000,
        "cifar_data": "full",
        "fig1_variances": [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10],
        "fig1_inputs": 10000,
        "mine_iter": 5000,
        "tsne_betas": [100.0, 0.001],
        "tsne_points": 5000,
    },
}


def noise_sweep(
    subnetwork: nn.Module,
    x: Any,
    sigmas: Any,
    *,
    architecture_aware: tuple[bool, ...] = (False, True),
    progress: bool = True,
    **mine_options: Any,
) -> Any:
    r"""Elad et al.'s Fig. 1: :math:`I(X; F(X) + \varepsilon)` by MINE and AA-MINE at each noise std.

    One :func:`ibcore.mi_noisy_layer` fit per (sigma, estimator), with the same options and seed.
    Returns a DataFrame with columns ``sigma``, ``variance`` (sigma^2), ``estimator``
    (``"MINE"``/``"AA-MINE"``), ``estimate`` (held-out DV bound, nats) and ``diverged``.
    A sigma too small for float32 is refused by the estimator (``ValueError``): the true value at
    sigma = 0 is infinite and no finite number would be right.
    """
    import pandas as pd

    from ibcore.estimators.neural import mi_noisy_layer

    sigmas = [check_positive(s, "sigma") for s in np.atleast_1d(np.asarray(sigmas, dtype=float))]
    rows = []
    jobs = [(s, aa) for s in sigmas for aa in architecture_aware]
    for s, aa in progress_bar(jobs, enabled=check_bool(progress, "progress"), desc="noise sweep"):
        r = mi_noisy_layer(x, subnetwork, s, architecture_aware=aa, **mine_options)
        rows.append(
            {
                "sigma": s,
                "variance": s * s,
                "estimator": "AA-MINE" if aa else "MINE",
                "estimate": r.estimate,
                "diverged": r.diverged,
            }
        )
    return pd.DataFrame(rows)


METHODS = ("ce", "iyl", "ib", "l2")


METHOD_LABELS = {
    "ce": "Cross-entropy (end to end)",
    "iyl": "L = I(Y;L_i)",
    "ib": "L = I(Y;L_i) - beta I(X;L_i+eps)",
    "l2": "L = I(Y;L_i) - lambda ||W_i||^2",
}


def run_method(
    method: str,
    net: LayerwiseNet,
    train: tuple[Any, Any],
    test: tuple[Any, Any],
    *,
    beta: float = 0.0,
    sigma: float = 0.1,
    l2: float = 0.0,
    n_steps: int = 1000,
    ce_steps: int | None = None,
    readout_steps: int = 500,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``net`` by one method of Table 1 and return its test accuracy and weight norms.

    ``method``: ``"ce"`` (end-to-end cross-entropy, ``ce_steps`` steps, default
    ``n_steps * n_layers`` so that it makes as many updates as the layer-wise methods together),
    ``"iyl"`` (layer-by-layer, beta = 0), ``"ib"`` (layer-by-layer with ``beta``) or ``"l2"``
    (layer-by-layer, beta = 0, L2 penalty ``l2``); the three layer-wise methods are followed by
    the linear read-out (:func:`train_readout`, ``readout_steps``). Returns ``method``,
    ``accuracy`` (test, fraction), ``train_accuracy``, ``weight_norms`` (per block), ``final``
    (per-layer DV values for the layer-wise methods, else None) and ``wall_time_s``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    t0 = time.perf_counter()
    final = None
    if method == "ce":
        steps = ce_steps if ce_steps is not None else n_steps * net.n_layers
        train_end_to_end(
            net,
            *train,
            n_steps=steps,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            device=device,
            progress=progress,
        )
    else:
        res = train_layerwise(
            net,
            *train,
            beta=beta if method == "ib" else 0.0,
            sigma=sigma,
            l2=l2 if method == "l2" else 0.0,
            n_steps=n_steps,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            device=device,
            progress=progress,
        )
        train_readout(net, *train, n_steps=readout_steps, batch_size=batch_size, seed=seed, device=device)
        final = res.final
    return {
        "method": method,
        "accuracy": accuracy(net, *test),
        "train_accuracy": accuracy(net, *train),
        "weight_norms": weight_norms(net),
        "final": final,
        "wall_time_s": time.perf_counter() - t0,
    }


def quantisation(layer: Any, *, saturation_eps: float = 0.01) -> dict[str, float]:
    """How quantised a (tanh) representation (N, d) is: two numbers, larger = more quantised.

    ``saturated``: fraction of entries with |a| > 1 - ``saturation_eps`` (units pinned at +-1, so
    the layer takes few distinct values; :func:`ibcore.analysis.geometry.saturated_fraction`);
    ``nn_gap``: 1 - (mean distance to the nearest other sample) / (mean distance between two
    samples) - near 1 when the samples pile up on a few points, lower for a spread-out cloud.
    """
    from ibcore.analysis.geometry import saturated_fraction

    h = torch.as_tensor(layer, dtype=torch.float64)
    if h.ndim != 2 or h.shape[0] < 3:
        raise ValueError(f"layer must be (N, d) with N >= 3, got shape {tuple(h.shape)}")
    d = torch.cdist(h, h)
    n = h.shape[0]
    mean_pair = float(d.sum() / (n * (n - 1)))
    d.fill_diagonal_(float("inf"))
    nn_mean = float(d.min(1).values.mean())
    gap = 1.0 - nn_mean / mean_pair if mean_pair > 0 else 1.0
    return {"saturated": float(saturated_fraction(h.float(), eps=saturation_eps)), "nn_gap": gap}


# --- the page: data ----------------------------------------------------------------------------------
@dataclass
class ChapterData:
    """The page's data: MNIST (train, test and the first ``n_test`` test images) and CIFAR-10.

    ``cifar_label`` names the CIFAR-10 data the runs use: ``"CIFAR-10 100%"`` for the benchmark,
    else the partial mirror's name (not the benchmark).
    """

    mnist_train: Dataset
    mnist_test: Dataset
    test_x: torch.Tensor
    test_y: torch.Tensor
    cifar_train: Dataset
    cifar_test: Dataset
    cifar_label: str

    def summary(self) -> str:
        """One line: how many images each data set holds (train / test)."""
        return (
            f"MNIST {len(self.mnist_train)} / {len(self.mnist_test)} images; {self.cifar_label}: "
            f"{len(self.cifar_train)} / {len(self.cifar_test)}"
        )


def load_data(n_test: int, cifar_data: str) -> ChapterData:
    """Load MNIST and CIFAR-10 (all of it up front, so that missing data fails before any training).

    ``cifar_data``: ``"full"`` (the benchmark: raises ``DataNotFoundError`` where it is absent) or
    ``"partial"`` (the mirror's first 5170 / 1017 images: NOT the benchmark). Returns a
    :class:`ChapterData`; ``ValueError`` for any other ``cifar_data``.
    """
    from ibcore import data

    if cifar_data not in ("full", "partial"):
        raise ValueError(f"cifar_data must be 'full' or 'partial', got {cifar_data!r}")
    mnist_train, mnist_test = data.load_mnist(True), data.load_mnist(False)
    if cifar_data == "full":
        cifar_train, cifar_test = data.load_cifar10(True), data.load_cifar10(False)
        cifar_label = "CIFAR-10 100%"
    else:
        cifar_train, cifar_test = data.load_cifar10_partial(True), data.load_cifar10_partial(False)
        cifar_label = cifar_train.name
    return ChapterData(
        mnist_train,
        mnist_test,
        mnist_test.x[:n_test],
        mnist_test.y[:n_test],
        cifar_train,
        cifar_test,
        cifar_label,
    )


# --- Fig. 1 ----------------------------------------------------------------------------------------------
@dataclass
class Fig1:
    """Fig. 1's sweeps: ``sweep`` (random 3-layer MLP on MNIST) and ``anchor`` (linear layer on Gaussian X,
    with the Eq. (5) closed form in column ``truth``), both :func:`noise_sweep` frames, at ``variances``;
    ``n_heldout`` is the size of the held-out fifth each DV bound is evaluated on.
    """

    variances: np.ndarray
    sweep: pd.DataFrame
    anchor: pd.DataFrame
    n_heldout: int

    @property
    def truth(self) -> pd.DataFrame:
        """The anchor's closed form, one row per noise level (columns as ``anchor``)."""
        return self.anchor.drop_duplicates("sigma")


def fig1_experiment(mnist_train: Dataset, settings: Settings) -> Fig1:
    """Run Fig. 1: MINE and AA-MINE on a random MLP (``widths``) and on the Eq. (5) linear anchor.

    Uses ``settings.fig1_variances``, ``fig1_inputs``, ``mine_iter``, ``widths``, ``seed`` and
    ``device``. Returns a :class:`Fig1`.
    """
    from ibcore.ground_truth import noisy_linear_gaussian_mi
    from ibcore.models import elad_mlp

    # residual="log": AA-MINE's critic sees sign(r) log(1 + |r|) of r = (t - F(x)) / sigma (invertible, so
    # the same critic family); with r itself the DV bound blew up (diverged) below sigma^2 ~ 1e-6 in our runs
    mine_opts = dict(
        n_iter=settings.mine_iter,
        batch_size=256,
        lr=1e-3,
        hidden=(128,),
        seed=settings.seed,
        device=settings.device,
        residual="log",
    )
    variances = np.asarray(settings.fig1_variances, dtype=float)
    sig = np.sqrt(variances)
    rand_net = elad_mlp(784, tuple(settings.widths), seed=settings.seed)
    f3 = nn.Sequential(*rand_net.blocks)
    x_fig1 = mnist_train.subset(settings.fig1_inputs, seed=settings.seed).x
    sweep = noise_sweep(f3, x_fig1, sig, progress=False, **mine_opts)

    g = torch.Generator().manual_seed(settings.seed)
    w_lin = torch.randn(5, 10, generator=g) / np.sqrt(10)
    x_gauss = torch.randn(settings.fig1_inputs, 10, generator=g)
    lin = nn.Linear(10, 5, bias=False)  # its initialisation draws from torch's global generator
    with torch.no_grad():
        lin.weight.copy_(w_lin)
    anchor = noise_sweep(lin, x_gauss, sig, progress=False, **mine_opts)
    anchor["truth"] = [noisy_linear_gaussian_mi(w_lin.numpy(), np.eye(10), s) for s in anchor["sigma"]]
    return Fig1(variances, sweep, anchor, int(round(0.2 * settings.fig1_inputs)))


def fig1_table(fig1: Fig1) -> pd.DataFrame:
    """Fig. 1 as a table, one row per noise variance (largest first).

    Columns: the MLP's ``AA-MINE`` and ``MINE`` estimates, ``diverged fits`` (of the MLP sweep),
    ``Eq. 5 truth (linear)`` and ``AA-MINE (linear)`` (the anchor).
    """
    sweep, anchor = fig1.sweep, fig1.anchor
    table = sweep.pivot(index="variance", columns="estimator", values="estimate").sort_index(ascending=False)
    table["diverged fits"] = sweep.groupby("variance")["diverged"].sum()
    table["Eq. 5 truth (linear)"] = fig1.truth.set_index("variance")["truth"]
    table["AA-MINE (linear)"] = anchor[anchor.estimator == "AA-MINE"].set_index("variance")["estimate"]
    return table


# --- Table 1 ---------------------------------------------------------------------------------------------
PAPER = {
    "MNIST 1%": {"ce": 85.78, "iyl": 85.12, "ib": 86.57},
    "MNIST 100%": {"ce": 97.73, "iyl": 97.77, "ib": 98.09},
    "CIFAR-10 100%": {"ce": 58.23, "iyl": 60.59, "ib": 61.75},
}
"""Elad et al.'s Table 1: test accuracy (%) per data set and method."""

PAPER_KEY = "elad2019"
"""The paper's key in the scorecard."""

TABLE1_METHODS = ("ce", "iyl", "ib")
"""The methods of Table 1, in its order (keys of :data:`METHOD_LABELS`)."""


def table1_datasets(
    data: ChapterData, settings: Settings
) -> tuple[dict[str, tuple[str, Dataset]], dict[str, tuple[Any, Any]]]:
    """Table 1's training sets and test sets.

    Returns ``(datasets, tests)``: ``datasets`` maps a name (``"MNIST 1%"``, a stratified 1 % subset
    by ``settings.seed``; ``"MNIST 100%"``; ``data.cifar_label``) to ``(kind, Dataset)`` with kind
    ``"mlp"`` or ``"conv"``; ``tests`` maps a kind to its ``(x, y)`` test images (at most ``n_test``).
    """
    cifar_n_test = min(settings.n_test, len(data.cifar_test))
    datasets = {
        "MNIST 1%": ("mlp", data.mnist_train.subset(fraction=0.01, seed=settings.seed, stratified=True)),
        "MNIST 100%": ("mlp", data.mnist_train),
        data.cifar_label: ("conv", data.cifar_train),
    }
    tests = {
        "mlp": (data.test_x, data.test_y),
        "conv": (data.cifar_test.x[:cifar_n_test], data.cifar_test.y[:cifar_n_test]),
    }
    return datasets, tests


def train_table1(
    datasets: dict[str, tuple[str, Dataset]], tests: dict[str, tuple[Any, Any]], settings: Settings
) -> pd.DataFrame:
    """Train every (data set, seed, method) of Table 1 with :func:`run_method`, from the same initial
    weights per seed (MLP of ``widths`` or conv net of ``conv_channels``).

    Returns one row per run: ``data``, ``method``, ``seed``, ``n_train`` and :func:`run_method`'s
    fields; notes the training time in the page's record (``settings.note``).
    """
    import pandas as pd

    from ibcore.models import elad_convnet, elad_mlp

    rows = []
    for name, (kind, ds) in datasets.items():
        for s in settings.seeds:
            for m in TABLE1_METHODS:
                net = (
                    elad_mlp(784, tuple(settings.widths), seed=s)
                    if kind == "mlp"
                    else elad_convnet(3, tuple(settings.conv_channels), seed=s)
                )
                steps = settings.n_steps if kind == "mlp" else settings.conv_steps
                out = run_method(
                    m,
                    net,
                    (ds.x, ds.y),
                    tests[kind],
                    beta=settings.beta,
                    sigma=settings.sigma,
                    n_steps=steps,
                    readout_steps=settings.readout_steps,
                    lr=settings.lr,
                    seed=s,
                    device=settings.device,
                    progress=False,
                )
                rows.append({"data": name, "method": m, "seed": s, "n_train": len(ds), **out})
    runs = pd.DataFrame(rows)
    settings.note(training=f"{len(runs)} runs trained now in {runs['wall_time_s'].sum():.0f} s")
    return runs


@dataclass
class Table1:
    """Table 1 from our runs.

    ``stats``: mean, std and count of the test accuracy (%) per ``data`` and ``method``; ``table``:
    the page's table (paper value, ours); ``same_data``: per data set, whether the paper ran on it
    (False for the partial CIFAR-10); ``comparable``: whether the row is compared with the paper
    (same data and not the smoke profile).
    """

    stats: pd.DataFrame
    table: pd.DataFrame
    same_data: dict[str, bool]
    comparable: dict[str, bool]


def table1_summary(runs: pd.DataFrame, names: Any, profile: str) -> Table1:
    """Aggregate Table 1's ``runs`` over seeds for the data sets ``names`` (in that order) at ``profile``.

    A data set that is not in :data:`PAPER` (the partial CIFAR-10) gets the paper's full CIFAR-10
    numbers in a separate "not comparable" column. Returns a :class:`Table1`.
    """
    import pandas as pd

    names = list(names)
    acc = runs.assign(acc=100 * runs["accuracy"]).groupby(["data", "method"], sort=False)["acc"]
    stats = acc.agg(["mean", "std", "count"]).reset_index()
    same_data = {name: name in PAPER for name in names}  # False: the partial CIFAR-10
    comparable = {name: same_data[name] and profile != "smoke" for name in names}
    table = []
    for name in names:
        for m in TABLE1_METHODS:
            st = stats[(stats.data == name) & (stats.method == m)].iloc[0]
            paper_row = PAPER.get(name, PAPER["CIFAR-10 100%"])
            table.append(
                {
                    "data set": name,
                    "training method": METHOD_LABELS[m],
                    "paper (%)": paper_row[m] if same_data[name] else np.nan,
                    "paper, full CIFAR-10 (%) - not comparable": np.nan if same_data[name] else paper_row[m],
                    "ours mean (%)": st["mean"],
                    "ours sd (%)": st["std"],
                    "seeds": int(st["count"]),
                }
            )
    return Table1(stats, pd.DataFrame(table).dropna(axis=1, how="all"), same_data, comparable)


# --- Fig. 3 ----------------------------------------------------------------------------------------------
@dataclass
class Fig3:
    """Fig. 3: per beta, the first layer on the test images (``layer1``), its :func:`quantisation`
    (``quant``) and its 2-D t-SNE embedding (``emb``); ``labels`` are the images' digits.
    """

    labels: np.ndarray
    layer1: dict[float, torch.Tensor]
    quant: dict[float, dict[str, float]]
    emb: dict[float, np.ndarray]


def fig3_experiment(train: Dataset, test_x: torch.Tensor, test_y: torch.Tensor, settings: Settings) -> Fig3:
    """Train only the first layer on ``train`` at each of ``settings.tsne_betas`` and embed it by t-SNE.

    The first ``tsne_points`` test images; perplexity 30 (less for very few points), PCA start,
    500 iterations, ``random_state=settings.seed``. Returns a :class:`Fig3`.
    """
    from sklearn.manifold import TSNE

    from ibcore.models import elad_mlp
    from ibcore.training import features

    tsne_x = test_x[: settings.tsne_points]
    labels = test_y[: settings.tsne_points].numpy()
    layer1, quant, emb = {}, {}, {}
    for b in settings.tsne_betas:
        net = elad_mlp(784, tuple(settings.widths), seed=settings.seeds[0])
        train_layerwise(
            net,
            train.x,
            train.y,
            beta=b,
            sigma=settings.sigma,
            n_steps=settings.n_steps,
            lr=settings.lr,
            layers=(1,),
            seed=settings.seeds[0],
            device=settings.device,
            progress=False,
        )
        layer1[b] = features(net, tsne_x.to(settings.device), 1).cpu()
        quant[b] = quantisation(layer1[b])
        perplexity = min(30.0, (len(tsne_x) - 1) / 3)
        tsne = TSNE(perplexity=perplexity, init="pca", max_iter=500, random_state=settings.seed)
        emb[b] = tsne.fit_transform(layer1[b].numpy().astype(np.float64))
    return Fig3(labels, layer1, quant, emb)


# --- Sec. 2: weight decay --------------------------------------------------------------------------------
@dataclass
class WeightDecay:
    """Sec. 2's comparison on the 1 % MNIST subset: ``vbar`` (mean per-coordinate input variance),
    ``lam`` (the matched L2 strength), ``runs`` (Table 1's MNIST 1 % runs plus the L2 runs) and
    ``table`` (mean weight norm per layer and accuracy %, per method).
    """

    vbar: float
    lam: float
    runs: pd.DataFrame
    table: pd.DataFrame

    def summary(self) -> str:
        """One line: the matched L2 strength and how it was computed."""
        return (
            f"matched L2 strength lambda = beta * vbar / (2 sigma^2) = {self.lam:.3g} "
            f"(vbar = {self.vbar:.3g})"
        )


def weight_decay_experiment(
    train: Dataset, test: tuple[Any, Any], runs: pd.DataFrame, settings: Settings
) -> WeightDecay:
    """Train the layer-wise L2 method at the strength matched to beta (lambda = beta vbar / (2 sigma^2))
    on ``train`` (the 1 % MNIST subset) per seed, and set it beside Table 1's ``"MNIST 1%"`` runs.

    Returns a :class:`WeightDecay`.
    """
    import pandas as pd

    from ibcore.models import elad_mlp

    vbar = float(train.x.reshape(len(train), -1).var(0).mean())
    lam = settings.beta * vbar / (2 * settings.sigma**2)
    l2_rows = []
    for s in settings.seeds:
        out = run_method(
            "l2",
            elad_mlp(784, tuple(settings.widths), seed=s),
            (train.x, train.y),
            test,
            l2=lam,
            sigma=settings.sigma,
            n_steps=settings.n_steps,
            readout_steps=settings.readout_steps,
            lr=settings.lr,
            seed=s,
            device=settings.device,
            progress=False,
        )
        l2_rows.append({"data": "MNIST 1%", "method": "l2", "seed": s, "n_train": len(train), **out})
    wd = pd.concat([runs[runs.data == "MNIST 1%"], pd.DataFrame(l2_rows)], ignore_index=True)
    cols = [f"||W_{i + 1}||" for i in range(len(settings.widths))]
    norms = pd.DataFrame(wd["weight_norms"].tolist(), columns=cols)
    table = pd.concat([wd[["method", "seed"]], norms, 100 * wd[["accuracy"]]], axis=1)
    table = table.groupby("method", sort=False).mean(numeric_only=True).drop(columns="seed")
    table.index = [METHOD_LABELS[m] for m in table.index]
    return WeightDecay(vbar, lam, wd, table)


# --- the verdicts, one function per claim ----------------------------------------------------------------
def fig1_claims(sweep: pd.DataFrame, anchor: pd.DataFrame, n_heldout: int, profile: str) -> dict[str, Any]:
    """Fig. 1's three verdicts: AA-MINE grows without bound, MINE saturates, the Eq. (5) anchor is met.

    AA-MINE grows when its estimate rises by >= 1 nat between each pair of the last three noise
    levels (a diverged fit is no evidence of growth) and its last estimate, not diverged, exceeds
    log(``n_heldout``); MINE saturates when it rises by <= 1 nat from the third-last to the last
    level (first to last with fewer than three); the anchor counts the variances with truth below
    log(``n_heldout``) where AA-MINE is within 0.5 nat or 15 % of it.

    Returns ``aa`` and ``mi`` (estimates, largest variance first), ``log_ev``, ``mine_rise``,
    ``n_rise_ok`` of ``n_rise_total``, ``n_diverged`` (both sweeps), ``n_anchor_ok`` of
    ``n_inside``, and the verdicts ``v_aa``, ``v_mine``, ``v_anchor``.
    """
    from ibcore.study import scorecard

    aa_f = sweep[sweep.estimator == "AA-MINE"].sort_values("variance", ascending=False)
    mi_f = sweep[sweep.estimator == "MINE"].sort_values("variance", ascending=False)
    aa, mi = aa_f["estimate"].to_numpy(), mi_f["estimate"].to_numpy()
    aa_bad = aa_f["diverged"].to_numpy()
    log_ev = np.log(n_heldout)
    aa_rise = np.diff(aa[-3:]) if len(aa) >= 3 else np.diff(aa)
    rise_ok = (aa_rise >= 1.0) & ~aa_bad[-len(aa_rise) :]  # a diverged fit is no evidence of growth
    mine_rise = float(mi[-1] - mi[-3]) if len(mi) >= 3 else float(mi[-1] - mi[0])
    n_rise_ok = int(rise_ok.sum()) + int(aa[-1] > log_ev and not aa_bad[-1])
    n_diverged = int(sweep["diverged"].sum()) + int(anchor["diverged"].sum())
    aa_lin = anchor[anchor.estimator == "AA-MINE"]
    inside = aa_lin[aa_lin["truth"] < log_ev]
    err = (inside["estimate"] - inside["truth"]).abs()
    n_anchor_ok = int(((err <= 0.5) | (err <= 0.15 * inside["truth"])).sum())
    return {
        "aa": aa,
        "mi": mi,
        "log_ev": log_ev,
        "mine_rise": mine_rise,
        "n_rise_ok": n_rise_ok,
        "n_rise_total": len(aa_rise) + 1,
        "n_diverged": n_diverged,
        "n_anchor_ok": n_anchor_ok,
        "n_inside": len(inside),
        "v_aa": scorecard.verdict_count(n_rise_ok, len(aa_rise) + 1, profile=profile),
        "v_mine": scorecard.verdict_threshold(mine_rise, at_most=1.0, profile=profile),
        "v_anchor": scorecard.verdict_count(
            n_anchor_ok, max(len(inside), 1), profile=profile, comparable=len(inside) > 0
        ),
    }


def table1_claims(table1: Table1, profile: str) -> dict[str, Any]:
    """Table 1's verdict per data set: the ordering holds when the IB mean is at least the mean of
    each of the other two methods (``"not comparable"`` where ``table1.comparable`` is False).

    Returns ``means`` (data set -> method -> mean accuracy %), ``order`` (data set -> bool),
    ``verdicts`` (data set -> verdict), ``n_order`` (orderings that hold among the comparable
    rows) and ``n_comparable``.
    """
    from ibcore.study import scorecard

    stats = table1.stats
    means, order, verdicts = {}, {}, {}
    for name in table1.comparable:
        m_ = stats[stats.data == name].set_index("method")["mean"]
        means[name] = {k: m_[k] for k in TABLE1_METHODS}
        order[name] = bool(m_["ib"] >= m_["iyl"] and m_["ib"] >= m_["ce"])
        verdicts[name] = scorecard.verdict_count(
            int(order[name]), 1, profile=profile, comparable=table1.comparable[name]
        )
    return {
        "means": means,
        "order": order,
        "verdicts": verdicts,
        "n_order": sum(order[n] for n in order if table1.comparable[n]),
        "n_comparable": sum(table1.comparable.values()),
    }


def fig3_claim(quant: dict[float, dict[str, float]], betas: Any, profile: str) -> dict[str, Any]:
    """Fig. 3's verdict: the large-beta (``betas[0]``) first layer is more quantised than the small-beta
    (``betas[-1]``) one when both :func:`quantisation` numbers are larger.

    Returns ``b_large``, ``b_small``, ``large`` and ``small`` (their quantisation), ``n_quant``
    (numbers larger, 0..2) and ``v_quant``.
    """
    from ibcore.study import scorecard

    b_large, b_small = betas[0], betas[-1]
    n_quant = int(quant[b_large]["saturated"] > quant[b_small]["saturated"]) + int(
        quant[b_large]["nn_gap"] > quant[b_small]["nn_gap"]
    )
    return {
        "b_large": b_large,
        "b_small": b_small,
        "large": quant[b_large],
        "small": quant[b_small],
        "n_quant": n_quant,
        "v_quant": scorecard.verdict_count(n_quant, 2, profile=profile),
    }


def weight_decay_claim(runs: pd.DataFrame, n_layers: int, profile: str) -> dict[str, Any]:
    """Sec. 2's verdict: the penalty shrinks the weights in a layer when the IB run's norm is below
    the beta = 0 run's (means over seeds); ``runs`` holds ``method`` and ``weight_norms`` per run.

    Returns ``mean_norms`` (method x layer, 0-based columns), ``mean_acc`` (accuracy % per method),
    ``n_shrink`` (layers, of ``n_layers``) and ``v_wd``.
    """
    import pandas as pd

    from ibcore.study import scorecard

    mean_norms = pd.DataFrame(runs["weight_norms"].tolist()).groupby(runs["method"]).mean()
    n_shrink = int((mean_norms.loc["ib"] < mean_norms.loc["iyl"]).sum())
    return {
        "mean_norms": mean_norms,
        "mean_acc": 100 * runs.groupby("method")["accuracy"].mean(),
        "n_shrink": n_shrink,
        "v_wd": scorecard.verdict_count(n_shrink, n_layers, profile=profile),
    }


def evaluate_claims(
    settings: Settings, data: ChapterData, fig1: Fig1, table1: Table1, fig3: Fig3, wd: WeightDecay
) -> dict[str, Any]:
    """All of the page's verdicts, by :func:`fig1_claims`, :func:`table1_claims`, :func:`fig3_claim`
    and :func:`weight_decay_claim`, with what their scorecard rows and prose need besides.

    Returns a mapping with keys ``profile``, ``note`` (the run's size in words), ``n_seeds``,
    ``n_layers``, ``variances``, ``n_heldout``, ``lam``, ``cifar_label``, ``same_data`` and the
    claims' results ``fig1``, ``table1``, ``fig3``, ``weight_decay``.
    """
    prof = settings.profile
    n_layers = len(settings.widths)
    return {
        "profile": prof,
        "note": f"{prof} profile, {len(settings.seeds)} seed(s), {settings.n_steps} steps per layer",
        "n_seeds": len(settings.seeds),
        "n_layers": n_layers,
        "variances": fig1.variances,
        "n_heldout": fig1.n_heldout,
        "lam": wd.lam,
        "cifar_label": data.cifar_label,
        "same_data": table1.same_data,
        "fig1": fig1_claims(fig1.sweep, fig1.anchor, fig1.n_heldout, prof),
        "table1": table1_claims(table1, prof),
        "fig3": fig3_claim(fig3.quant, settings.tsne_betas, prof),
        "weight_decay": weight_decay_claim(wd.runs, n_layers, prof),
    }


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def record_claims(notebook: str, claims: dict[str, Any]) -> pd.DataFrame:
    """Write the page's scorecard rows from :func:`evaluate_claims`'s ``claims``, in the page's order.

    Returns the notebook's scorecard rows (:func:`ibcore.study.scorecard.record`).
    """
    from ibcore.study import scorecard

    prof, note = claims["profile"], claims["note"]
    f1, t1, f3, wd = claims["fig1"], claims["table1"], claims["fig3"], claims["weight_decay"]
    aa, mi, variances = f1["aa"], f1["mi"], claims["variances"]

    def row(claim: str, paper_value: str, our_value: str, verdict: str) -> pd.DataFrame:
        return scorecard.record(notebook, prof, PAPER_KEY, claim, paper_value, our_value, verdict)

    row(
        "Fig. 1: AA-MINE grows without bound as sigma -> 0",
        "AA-MINE estimate diverges at sigma^2 = 0 (Fig. 1)",
        f"{_fmt(aa[0])} -> {_fmt(aa[-1])} nats from sigma^2 = {variances.max():g} to {variances.min():g}; "
        f"log held-out size {_fmt(f1['log_ev'])}; {f1['n_diverged']} diverged fits in the sweeps ({note})",
        f1["v_aa"],
    )
    row(
        "Fig. 1: plain MINE saturates as sigma -> 0",
        "MINE does not grow as sigma^2 -> 0 (Fig. 1)",
        f"{_fmt(mi[0])} -> {_fmt(mi[-1])} nats; rise over the last three noise levels "
        f"{_fmt(f1['mine_rise'])} nats",
        f1["v_mine"],
    )
    row(
        "Eq. 5 anchor: AA-MINE matches the linear-Gaussian closed form",
        "I = 1/2 log det(I + W Sigma W^T / sigma^2)",
        f"within 0.5 nat or 15 % at {f1['n_anchor_ok']} of {f1['n_inside']} variances below "
        f"log {claims['n_heldout']}",
        f1["v_anchor"],
    )
    for name, means in t1["means"].items():
        ours = ", ".join(f"{k.upper()} {means[k]:.2f}" for k in TABLE1_METHODS)
        paper_row = PAPER.get(name, PAPER["CIFAR-10 100%"])
        row(
            f"Table 1, {name}: IB >= I(Y;L) and IB >= CE (test accuracy %)",
            ", ".join(f"{k.upper()} {v:.2f}" for k, v in paper_row.items())
            + ("" if claims["same_data"][name] else " (full CIFAR-10: other data)"),
            f"{ours} (mean of {claims['n_seeds']} seeds; {name}; {note})",
            t1["verdicts"][name],
        )
    large, small = f3["large"], f3["small"]
    row(
        "Fig. 3: a large beta quantises the first layer",
        "beta = 1e2 quantised, 1e-3 not (t-SNE, Fig. 3)",
        f"beta = {f3['b_large']:g}: saturated {large['saturated']:.2f}, NN gap {large['nn_gap']:.2f}; "
        f"beta = {f3['b_small']:g}: {small['saturated']:.2f}, {small['nn_gap']:.2f}",
        f3["v_quant"],
    )
    return row(
        "Sec. 2: the MI penalty acts like weight decay",
        "penalty shrinks the weights (Eq. 5)",
        f"IB norm below the beta = 0 norm in {wd['n_shrink']} of {claims['n_layers']} layers "
        f"(MNIST 1 %); matched L2 lambda = {claims['lam']:.3g}",
        wd["v_wd"],
    )


def glue_values(claims: dict[str, Any]) -> dict[str, Any]:
    """The numbers and verdicts the page's prose shows, name -> value, from :func:`evaluate_claims`.

    Estimates are formatted with two decimals, beta and variances with ``:g``; counts stay integers.
    """
    f1, t1, f3, wd = claims["fig1"], claims["table1"], claims["fig3"], claims["weight_decay"]
    aa, mi = f1["aa"], f1["mi"]
    large, small = f3["large"], f3["small"]
    table_text = "; ".join(
        f"{name}: " + ", ".join(f"{METHOD_LABELS[k].split(' (')[0]} {means[k]:.2f} %" for k in TABLE1_METHODS)
        for name, means in t1["means"].items()
    )
    wd_text = "; ".join(
        f"{METHOD_LABELS[m]}: ||W_1|| {wd['mean_norms'].loc[m, 0]:.1f}, accuracy {wd['mean_acc'][m]:.1f} %"
        for m in ("iyl", "ib", "l2")
    )
    return {
        "run_profile": claims["profile"],
        "aa_first": _fmt(aa[0]),
        "aa_last": _fmt(aa[-1]),
        "mine_first": _fmt(mi[0]),
        "mine_last": _fmt(mi[-1]),
        "var_min": f"{claims['variances'].min():g}",
        "log_ev": _fmt(f1["log_ev"]),
        "n_anchor_ok": f1["n_anchor_ok"],
        "n_diverged": f1["n_diverged"],
        "n_inside": f1["n_inside"],
        "n_order": t1["n_order"],
        "n_comparable": t1["n_comparable"],
        "table_text": table_text,
        "cifar_label": claims["cifar_label"],
        "quant_text": f"saturated fraction {large['saturated']:.2f} vs {small['saturated']:.2f}, "
        f"NN gap {large['nn_gap']:.2f} vs {small['nn_gap']:.2f}",
        "n_shrink": wd["n_shrink"],
        "wd_text": wd_text,
        "n_layers": claims["n_layers"],
        "v_aa": f1["v_aa"],
        "v_mine": f1["v_mine"],
        "v_anchor": f1["v_anchor"],
        "v_quant": f3["v_quant"],
        "v_wd": wd["v_wd"],
        "b_large": f"{f3['b_large']:g}",
        "b_small": f"{f3['b_small']:g}",
    }
