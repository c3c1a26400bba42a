"""The page's data and experiments (Elad et al. 2019), one call per step, and their result classes.

:func:`load_data` (:class:`ChapterData`); Fig. 1 by :func:`fig1_experiment` (:class:`Fig1`) and
:func:`fig1_table`; Table 1 by :func:`table1_datasets`, :func:`train_table1` and
:func:`table1_summary` (:class:`Table1`, against the paper's :data:`PAPER` over
:data:`TABLE1_METHODS`); Fig. 3 by :func:`fig3_experiment` (:class:`Fig3`); Sec. 2's weight-decay
comparison by :func:`weight_decay_experiment` (:class:`WeightDecay`). Each takes the page's
:class:`~ibcore.study.profiles.Settings`; the tools they call are in
:mod:`ibcore.study.chapters.aa_mine_ib.methods`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from ibcore.study.chapters.aa_mine_ib.methods import METHOD_LABELS, noise_sweep, quantisation, run_method
from ibcore.training import train_layerwise

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    import pandas as pd

    from ibcore.data import Dataset
    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER",
    "TABLE1_METHODS",
    "MNIST_SMALL_FRACTION",
    "ANCHOR_SHAPE",
    "ChapterData",
    "load_data",
    "Fig1",
    "fig1_mine_options",
    "fig1_experiment",
    "fig1_table",
    "table1_datasets",
    "train_table1",
    "Table1",
    "table1_summary",
    "ALT_NET",
    "base_name",
    "row_seeds",
    "CONVERGED_POINTS",
    "plateau_step",
    "Convergence",
    "convergence_experiment",
    "Fig3",
    "fig3_experiment",
    "WeightDecay",
    "weight_decay_experiment",
]


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
ANCHOR_SHAPE = (5, 10)
"""The Eq. (5) anchor's linear map W: (outputs, inputs); X ~ N(0, I), W ~ N(0, 1/inputs) entrywise."""


@dataclass
class Fig1:
    """Fig. 1's sweeps: ``sweep`` (random 3-layer MLP on MNIST) and ``anchor`` (linear layer on Gaussian X,
    with the Eq. (5) closed form in column ``truth``), both :func:`noise_sweep` frames with a ``seed``
    column (one sweep per seed of ``settings.seeds``), at ``variances``; ``n_heldout`` is the size of
    the held-out fifth each DV bound is evaluated on.
    """

    variances: np.ndarray
    sweep: pd.DataFrame
    anchor: pd.DataFrame
    n_heldout: int

    @property
    def truth(self) -> pd.DataFrame:
        """The anchor's closed form, one row per noise level, largest variance first (columns
        ``sigma``, ``variance``, ``truth``: the mean over the seeds, whose maps W differ)."""
        frame = self.anchor.drop_duplicates(["seed", "sigma"]) if "seed" in self.anchor else self.anchor
        truth = frame.groupby(["sigma", "variance"], as_index=False)["truth"].mean()
        return truth.sort_values("variance", ascending=False).reset_index(drop=True)


def fig1_mine_options(settings: Settings, seed: int) -> dict[str, Any]:
    """The options of every MINE / AA-MINE fit of Fig. 1 (:func:`ibcore.mi_noisy_layer`) for ``seed``."""
    # residual="log": AA-MINE's critic sees sign(r) log(1 + |r|) of r = (t - F(x)) / sigma (invertible, so
    # the same critic family); with r itself the DV bound blew up (diverged) below sigma^2 ~ 1e-6 in our runs
    return dict(
        n_iter=settings.mine_iter,
        batch_size=256,
        lr=1e-3,
        hidden=(128,),
        seed=seed,
        device=settings.device,
        residual="log",
    )


def fig1_experiment(mnist_train: Dataset, settings: Settings) -> Fig1:
    """Run Fig. 1: MINE and AA-MINE on a random MLP (``widths``) and on the Eq. (5) linear anchor.

    One sweep per seed of ``settings.seeds`` (the random net, the ``fig1_inputs`` images, the
    anchor's W and X and the critics all drawn from that seed), so that the verdicts read an
    interval over seeds. Uses ``settings.fig1_variances``, ``fig1_inputs``, ``mine_iter``,
    ``widths``, ``seeds`` and ``device``. Returns a :class:`Fig1`.
    """
    import pandas as pd

    from ibcore.ground_truth import noisy_linear_gaussian_mi
    from ibcore.models import elad_mlp

    variances = np.asarray(settings.fig1_variances, dtype=float)
    sig = np.sqrt(variances)
    n_out, n_in = ANCHOR_SHAPE
    sweeps, anchors = [], []
    for seed in settings.seeds:
        mine_opts = fig1_mine_options(settings, seed)
        rand_net = elad_mlp(784, tuple(settings.widths), seed=seed)
        f3 = nn.Sequential(*rand_net.blocks)
        x_fig1 = mnist_train.subset(settings.fig1_inputs, seed=seed).x
        sweeps.append(noise_sweep(f3, x_fig1, sig, progress=False, **mine_opts).assign(seed=seed))

        g = torch.Generator().manual_seed(seed)
        w_lin = torch.randn(n_out, n_in, generator=g) / np.sqrt(n_in)
        x_gauss = torch.randn(settings.fig1_inputs, n_in, generator=g)
        lin = nn.Linear(n_in, n_out, bias=False)  # its initialisation draws from torch's global generator
        with torch.no_grad():
            lin.weight.copy_(w_lin)
        anchor = noise_sweep(lin, x_gauss, sig, progress=False, **mine_opts).assign(seed=seed)
        anchor["truth"] = [noisy_linear_gaussian_mi(w_lin.numpy(), np.eye(n_in), s) for s in anchor["sigma"]]
        anchors.append(anchor)
    sweep = pd.concat(sweeps, ignore_index=True)
    anchor = pd.concat(anchors, ignore_index=True)
    return Fig1(variances, sweep, anchor, int(round(0.2 * settings.fig1_inputs)))


def fig1_table(fig1: Fig1) -> pd.DataFrame:
    """Fig. 1 as a table, one row per noise variance (largest first).

    Columns: the MLP's ``AA-MINE`` and ``MINE`` estimates, ``diverged fits`` (of the MLP sweep, all
    seeds), ``Eq. 5 truth (linear)`` and ``AA-MINE (linear)`` (the anchor). Estimates are means
    over the seeds' fits that did not diverge (NaN where every fit diverged), truths means over
    the seeds.
    """
    import pandas as pd

    sweep, anchor = fig1.sweep, fig1.anchor
    usable = sweep[~sweep["diverged"].astype(bool)]
    order = sorted(sweep["variance"].unique(), reverse=True)
    table = pd.DataFrame(index=pd.Index(order, name="variance"))
    for name in ("AA-MINE", "MINE"):
        table[name] = usable[usable.estimator == name].groupby("variance")["estimate"].mean()
    table["diverged fits"] = sweep.groupby("variance")["diverged"].sum()
    table["Eq. 5 truth (linear)"] = fig1.truth.set_index("variance")["truth"]
    aa = anchor[(anchor.estimator == "AA-MINE") & ~anchor["diverged"].astype(bool)]
    table["AA-MINE (linear)"] = aa.groupby("variance")["estimate"].mean()
    return table


# --- Table 1 ---------------------------------------------------------------------------------------------
PAPER = {
    "MNIST 1%": {"ce": 85.78, "iyl": 85.12, "ib": 86.57},
    "MNIST 100%": {"ce": 97.73, "iyl": 97.77, "ib": 98.09},
    "CIFAR-10 100%": {"ce": 58.23, "iyl": 60.59, "ib": 61.75},
}
"""Elad et al.'s Table 1: test accuracy (%) per data set and method."""

TABLE1_METHODS = ("ce", "iyl", "ib")
"""The methods of Table 1, in its order (keys of :data:`METHOD_LABELS`)."""

MNIST_SMALL_FRACTION = 0.01
"""Table 1's "MNIST 1%": the fraction of the MNIST training images (a stratified subset)."""


ALT_NET = "784-512-512-10"
"""The second MNIST net, named as Geiger's review (Sec. III-C) reports the supplement's MNIST MLP; the
Table 1 rows trained on it carry the suffix `` (784-512-512-10)`` (profile key ``alt_widths``)."""


def base_name(name: str) -> str:
    """Table 1's data set of row ``name`` (the row name without the `` (784-512-512-10)`` net suffix)."""
    return name.removesuffix(f" ({ALT_NET})")


def row_seeds(name: str, kind: str, settings: Settings) -> list[int]:
    """The seeds of Table 1's row ``name``: ``table1_seeds`` for MNIST 1 % on our net (the row the claim
    reads at >= 5 seeds), ``alt_seeds`` for the 784-512-512-10 net, ``cifar_seeds`` for CIFAR-10, else
    ``seeds`` (MNIST 100 %)."""
    if kind == "mlp_alt":
        return list(settings.alt_seeds)
    if kind == "conv":
        return list(settings.cifar_seeds)
    return list(settings.table1_seeds) if name == "MNIST 1%" else list(settings.seeds)


def table1_datasets(
    data: ChapterData, settings: Settings
) -> tuple[dict[str, tuple[str, Dataset]], dict[str, tuple[Any, Any]]]:
    """Table 1's training sets and test sets.

    Returns ``(datasets, tests)``: ``datasets`` maps a row name (``"MNIST 1%"``, a stratified 1 % subset
    by ``settings.seed``; ``"MNIST 1% (784-512-512-10)"``, the same subset on the ``alt_widths`` net;
    ``"MNIST 100%"``; ``data.cifar_label``) to ``(kind, Dataset)`` with kind ``"mlp"``, ``"mlp_alt"``
    or ``"conv"``; ``tests`` maps a kind to its ``(x, y)`` test images (at most ``n_test``).
    """
    cifar_n_test = min(settings.n_test, len(data.cifar_test))
    small = data.mnist_train.subset(fraction=MNIST_SMALL_FRACTION, seed=settings.seed, stratified=True)
    datasets = {
        "MNIST 1%": ("mlp", small),
        f"MNIST 1% ({ALT_NET})": ("mlp_alt", small),
        "MNIST 100%": ("mlp", data.mnist_train),
        data.cifar_label: ("conv", data.cifar_train),
    }
    tests = {
        "mlp": (data.test_x, data.test_y),
        "mlp_alt": (data.test_x, data.test_y),
        "conv": (data.cifar_test.x[:cifar_n_test], data.cifar_test.y[:cifar_n_test]),
    }
    return datasets, tests


def elad_net(kind: str, seed: int, settings: Settings) -> Any:
    """A fresh net of ``kind`` ("mlp", "mlp_alt" or "conv") at ``seed``, as Table 1 trains it."""
    from ibcore.models import elad_convnet, elad_mlp

    if kind == "conv":
        return elad_convnet(3, tuple(settings.conv_channels), seed=seed)
    widths = settings.alt_widths if kind == "mlp_alt" else settings.widths
    return elad_mlp(784, tuple(widths), seed=seed)


def table1_run(
    method: str, kind: str, ds: Any, test: Any, seed: int, n_steps: int, settings: Settings
) -> dict:
    """One Table 1 run: ``method`` on a fresh :func:`elad_net` trained on ``ds``, scored on ``test``."""
    return run_method(
        method,
        elad_net(kind, seed, settings),
        (ds.x, ds.y),
        test,
        beta=settings.beta,
        sigma=settings.sigma,
        n_steps=n_steps,
        readout_steps=settings.readout_steps,
        lr=settings.lr,
        seed=seed,
        device=settings.device,
        progress=False,
    )


def train_table1(
    datasets: dict[str, tuple[str, Dataset]], tests: dict[str, tuple[Any, Any]], settings: Settings
) -> pd.DataFrame:
    """Train every (row, seed, method) of Table 1 with :func:`run_method`, from the same initial
    weights per seed (MLP of ``widths`` or ``alt_widths``, or conv net of ``conv_channels``), over the
    row's :func:`row_seeds`.

    Returns one row per run: ``data``, ``method``, ``seed``, ``n_train``, ``n_steps`` and
    :func:`run_method`'s fields; notes the training time in the page's record (``settings.note``).
    """
    import pandas as pd

    rows = []
    for name, (kind, ds) in datasets.items():
        steps = settings.conv_steps if kind == "conv" else settings.n_steps
        for s in row_seeds(name, kind, settings):
            for m in TABLE1_METHODS:
                out = table1_run(m, kind, ds, tests[kind], s, steps, settings)
                rows.append(
                    {"data": name, "method": m, "seed": s, "n_train": len(ds), "n_steps": steps, **out}
                )
    runs = pd.DataFrame(rows)
    settings.note(training=f"{len(runs)} runs trained now in {runs['wall_time_s'].sum():.0f} s")
    return runs


@dataclass
class Table1:
    """Table 1 from our runs.

    ``stats``: mean, std and count of the test accuracy (%) per ``data`` and ``method``; ``table``:
    the page's table (paper value, ours); ``same_data``: per data set, whether the paper ran on it
    (False for the partial CIFAR-10); ``comparable``: whether the row is compared with the paper
    (same data and not the smoke profile); ``accuracy``: per data set and method, the test
    accuracy (%) of each seed, in seed order (what the verdicts' intervals read).
    """

    stats: pd.DataFrame
    table: pd.DataFrame
    same_data: dict[str, bool]
    comparable: dict[str, bool]
    accuracy: dict[str, dict[str, list[float]]] = field(default_factory=dict)


def table1_summary(runs: pd.DataFrame, names: Any, profile: str) -> Table1:
    """Aggregate Table 1's ``runs`` over seeds for the data sets ``names`` (in that order) at ``profile``.

    A data set that is not in :data:`PAPER` (the partial CIFAR-10) gets the paper's full CIFAR-10
    numbers in a separate "not comparable" column. Returns a :class:`Table1`.
    """
    import pandas as pd

    names = list(names)
    acc = runs.assign(acc=100 * runs["accuracy"]).groupby(["data", "method"], sort=False)["acc"]
    stats = acc.agg(["mean", "std", "count"]).reset_index()
    same_data = {name: base_name(name) in PAPER for name in names}  # False: the partial CIFAR-10
    comparable = {name: same_data[name] and profile != "smoke" for name in names}
    table = []
    for name in names:
        for m in TABLE1_METHODS:
            st = stats[(stats.data == name) & (stats.method == m)].iloc[0]
            paper_row = PAPER.get(base_name(name), PAPER["CIFAR-10 100%"])
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
    per_seed = runs.assign(acc=100 * runs["accuracy"]).sort_values("seed", kind="stable")
    accuracy = {
        name: {
            m: per_seed[(per_seed.data == name) & (per_seed.method == m)]["acc"].tolist()
            for m in TABLE1_METHODS
        }
        for name in names
    }
    return Table1(stats, pd.DataFrame(table).dropna(axis=1, how="all"), same_data, comparable, accuracy)


# --- Table 1: the step count at which accuracy stops rising (MNIST 100 %) -------------------------------
CONVERGED_POINTS = 0.2
"""Points: a method's test accuracy has stopped rising at n steps per layer when doubling to 2n gains
less than this - half the 0.4-point margin of the MNIST 100 % row (its binomial resolution), so that
training on cannot move a difference of Table 1 across that margin by itself. Fixed before any run."""


def plateau_step(steps: Any, accuracy: Any, gain: float = CONVERGED_POINTS) -> int | None:
    """The smallest n of the doubling sequence ``steps`` from which every further doubling gains less
    than ``gain`` points of ``accuracy`` (%, one per step count) - so the last doubling always does;
    None when the accuracy still rises at the last doubling (or the curve has fewer than two points).
    ``ValueError`` unless each step count is twice the one before."""
    steps, accuracy = [int(n) for n in steps], [float(a) for a in accuracy]
    if len(steps) != len(accuracy):
        raise ValueError(f"{len(steps)} step counts but {len(accuracy)} accuracies")
    if any(b != 2 * a for a, b in zip(steps[:-1], steps[1:], strict=True)):
        raise ValueError(f"steps must double at each point, got {steps}")
    plateau = None
    for i in range(len(steps) - 2, -1, -1):  # walk back from the last doubling while it stays flat
        if accuracy[i + 1] - accuracy[i] >= gain:
            break
        plateau = steps[i]
    return plateau


@dataclass
class Convergence:
    """MNIST 100 %'s test accuracy against the steps per layer (``curve``: ``method``, ``n_steps``,
    ``accuracy`` %; cross-entropy makes ``n_layers`` times as many end-to-end steps), of the first seed;
    ``plateau``: per method the :func:`plateau_step` (None: still rising at the last doubling);
    ``n_steps``: the steps per layer Table 1 ran."""

    curve: pd.DataFrame
    plateau: dict[str, int | None]
    n_steps: int

    @property
    def converged(self) -> bool:
        """Every method had stopped rising by the ``n_steps`` Table 1 ran."""
        return all(p is not None and p <= self.n_steps for p in self.plateau.values())

    def summary(self) -> str:
        """One line: where each method stops rising, against Table 1's steps."""
        parts = [
            f"{m}: "
            + (f"stops rising at {p} steps" if p is not None else "still rising at the last doubling")
            for m, p in self.plateau.items()
        ]
        return "; ".join(parts) + f" (Table 1 ran {self.n_steps} steps per layer)"


def convergence_experiment(
    train: Dataset, test: tuple[Any, Any], runs: pd.DataFrame, settings: Settings
) -> Convergence:
    """Train each method of Table 1 on ``train`` (MNIST 100 %) at each of ``settings.steps_curve`` steps
    per layer, for the first seed of ``seeds`` (Table 1's run of ``runs`` where the step count and seed
    are the same: no second training). Returns a :class:`Convergence`."""
    import pandas as pd

    seed = settings.seeds[0]
    done = runs[(runs.data == "MNIST 100%") & (runs.seed == seed)]
    rows = []
    for m in TABLE1_METHODS:
        for n in settings.steps_curve:
            hit = done[(done.method == m) & (done.n_steps == n)]
            acc = (
                float(hit["accuracy"].iloc[0])
                if len(hit)
                else table1_run(m, "mlp", train, test, seed, n, settings)["accuracy"]
            )
            rows.append({"method": m, "n_steps": int(n), "accuracy": 100 * acc})
    curve = pd.DataFrame(rows)
    plateau = {
        m: plateau_step(curve[curve.method == m]["n_steps"], curve[curve.method == m]["accuracy"])
        for m in TABLE1_METHODS
    }
    return Convergence(curve, plateau, int(settings.n_steps))


# --- Fig. 3 ----------------------------------------------------------------------------------------------
@dataclass
class Fig3:
    """Fig. 3: per beta, the first layer on the test images (``layer1``), its :func:`quantisation`
    (``quant``) and its 2-D t-SNE embedding (``emb``), all of the first seed; ``labels`` are the
    images' digits; ``seed_quant`` maps each seed of ``settings.seeds`` to its quantisation per beta
    (the first seed's is ``quant``), what the verdict's interval over seeds reads.
    """

    labels: np.ndarray
    layer1: dict[float, torch.Tensor]
    quant: dict[float, dict[str, float]]
    emb: dict[float, np.ndarray]
    seed_quant: dict[int, dict[float, dict[str, float]]] = field(default_factory=dict)


def first_layer_features(
    train: Dataset, x: torch.Tensor, beta: float, seed: int, settings: Settings
) -> torch.Tensor:
    """Train only the first layer of a fresh MLP (``seed``) at ``beta``; its features on ``x``."""
    from ibcore.models import elad_mlp
    from ibcore.training import features

    net = elad_mlp(784, tuple(settings.widths), seed=seed)
    train_layerwise(
        net,
        train.x,
        train.y,
        beta=beta,
        sigma=settings.sigma,
        n_steps=settings.n_steps,
        lr=settings.lr,
        layers=(1,),
        seed=seed,
        device=settings.device,
        progress=False,
    )
    return features(net, x.to(settings.device), 1).cpu()


def fig3_experiment(train: Dataset, test_x: torch.Tensor, test_y: torch.Tensor, settings: Settings) -> Fig3:
    """Train only the first layer on ``train`` at each of ``settings.tsne_betas`` and embed it by t-SNE.

    The first ``tsne_points`` test images; perplexity 30 (less for very few points), PCA start,
    500 iterations, ``random_state=settings.seed``, for the first seed of ``settings.seeds``; each
    further seed trains the first layer again at each beta for its :func:`quantisation` only (no
    t-SNE). Returns a :class:`Fig3`.
    """
    from sklearn.manifold import TSNE

    tsne_x = test_x[: settings.tsne_points]
    labels = test_y[: settings.tsne_points].numpy()
    first = settings.seeds[0]
    layer1, quant, emb = {}, {}, {}
    for b in settings.tsne_betas:
        layer1[b] = first_layer_features(train, tsne_x, b, first, settings)
        quant[b] = quantisation(layer1[b])
        perplexity = min(30.0, (len(tsne_x) - 1) / 3)
        tsne = TSNE(perplexity=perplexity, init="pca", max_iter=500, random_state=settings.seed)
        emb[b] = tsne.fit_transform(layer1[b].numpy().astype(np.float64))
    seed_quant = {first: quant}
    for seed in settings.seeds[1:]:
        seed_quant[seed] = {
            b: quantisation(first_layer_features(train, tsne_x, b, seed, settings))
            for b in settings.tsne_betas
        }
    return Fig3(labels, layer1, quant, emb, seed_quant)


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
    table1_runs = runs[(runs.data == "MNIST 1%") & runs.seed.isin(list(settings.seeds))]
    wd = pd.concat([table1_runs, pd.DataFrame(l2_rows)], ignore_index=True)
    cols = [f"||W_{i + 1}||" for i in range(len(settings.widths))]
    norms = pd.DataFrame(wd["weight_norms"].tolist(), columns=cols)
    table = pd.concat([wd[["method", "seed"]], norms, 100 * wd[["accuracy"]]], axis=1)
    table = table.groupby("method", sort=False).mean(numeric_only=True).drop(columns="seed")
    table.index = [METHOD_LABELS[m] for m in table.index]
    return WeightDecay(vbar, lam, wd, table)
