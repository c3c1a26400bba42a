"""Chapter 4's probe: Fig. 1, Table 1 and the experiments on its nets, projected from short measured runs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

from ibcore.study.probes import _timing
from ibcore.study.probes._timing import PAGE_THREADS, fixed_and_per, min_time, timed, units, with_params

if TYPE_CHECKING:
    from ibcore.study.chapters.aa_mine_ib import ChapterData
    from ibcore.study.profiles import Settings

__all__ = ["CIFAR10_TRAIN", "aa_mine_ib_probe"]


CIFAR10_TRAIN = 50000
"""Training images of the full CIFAR-10 (:func:`ibcore.data.load_cifar10`): where only the partial copy
is at hand, the CIFAR-10 runs' data passes are scaled from its images to these."""

_READOUT_UNIT = 1024
"""Training images the read-out units see (its steps draw mini-batches of 256, whatever the set's size)."""


@contextmanager
def _units(n: int = PAGE_THREADS) -> Iterator[None]:
    """How the units run (:func:`~ibcore.study.probes._timing.units`: the page's threads, warnings
    silenced), and the layer-wise trainer's divergence check lifted: a unit of a few steps ends
    before its critics have learned, where that check (DV values below -1 nat at the end of a
    layer) would refuse the run after its first layer; lifting it changes no step's work. All
    restored afterwards."""
    from ibcore.training import layerwise

    with units(n), mock.patch.object(layerwise, "DIVERGED_BELOW", -math.inf):
        yield


def _chapter_data(s: Settings) -> tuple[ChapterData, float, str]:
    """The page's data, the factor that scales the CIFAR-10 runs' data passes and what the part notes.

    ``cifar_data="full"`` reads CIFAR-10 from the cache or the mirror only (never a download); where
    it is missing, the partial copy stands in: same image size, so the same per-step cost, and the
    data passes (block inputs, read-out features, accuracies) scale with the images,
    ``CIFAR10_TRAIN / len(partial)``.
    """
    from ibcore import data
    from ibcore.study.chapters.aa_mine_ib import ChapterData, load_data

    if s.cifar_data != "full":
        return load_data(s.n_test, s.cifar_data), 1.0, ""
    try:
        cifar = data.load_cifar10(True, download=False), data.load_cifar10(False, download=False)
    except data.DataNotFoundError:
        part = load_data(s.n_test, "partial")
        n = len(part.cifar_train)
        note = (
            f" (not in the data mirror: projected from units on the partial CIFAR-10, {n} images of the same "
            f"size, data passes scaled x {CIFAR10_TRAIN}/{n})"
        )
        return part, CIFAR10_TRAIN / n, note
    mnist_train, mnist_test = data.load_mnist(True), data.load_mnist(False)
    return (
        ChapterData(
            mnist_train,
            mnist_test,
            mnist_test.x[: s.n_test],
            mnist_test.y[: s.n_test],
            *cifar,
            "CIFAR-10 100%",
        ),
        1.0,
        "",
    )


def aa_mine_ib_probe(
    settings: Settings,
    *,
    steps: tuple[int, int] = (20, 60),
    conv_steps: tuple[int, int] = (1, 2),
    mine_iters: tuple[int, int] = (50, 150),
    readout_steps: tuple[int, int] = (50, 250),
    repeats: int = 2,
) -> list[tuple[str, float]]:
    """Chapter 4's main costs at ``settings`` on this machine, projected from short measured runs.

    Every unit runs the chapter's own code (:mod:`ibcore.study.chapters.aa_mine_ib`) with the sizes
    of ``settings`` on ``settings.device``, with :data:`PAGE_THREADS` threads as the page runs and
    the layer-wise trainer's divergence check lifted (:func:`_units`: a unit of a few steps ends
    before its critics have learned); each is timed ``repeats`` times and its least time kept
    (:func:`~ibcore.study.probes.min_time`).
    A unit with a fixed start-up cost is timed at two lengths: ``fixed, per = T(lo), (T(hi) -
    T(lo)) / (hi - lo)`` (:func:`_line`), and a part costs ``fixed + per * n`` for the ``n`` the
    settings ask for (where timing noise makes the difference non-positive, ``per = T(hi) / hi``,
    an upper bound). The layer-wise and cross-entropy steps draw mini-batches of 256, so a step
    costs the same on every training set of a net: each (net, method) gets its per-step cost from
    its first row of Table 1 and every row its fixed cost (net, block inputs, accuracies) from a run
    of ``lo`` steps on its own data, with the read-out cut to one step (it is a part of its own).

    Parameters
    ----------
    settings : Settings
        The page's settings (:func:`ibcore.study.profiles.setup`), e.g. at ``paper``.
    steps : (int, int)
        Steps per layer of the two timed MLP runs (Table 1, weight decay, Fig. 3's first layer).
    conv_steps : (int, int)
        Steps per layer of the two timed CIFAR-10 runs.
    mine_iters : (int, int)
        Iterations of the two timed Fig. 1 sweeps (multiples of the evaluation interval, 50, count
        the held-out evaluations).
    readout_steps : (int, int)
        Steps of the two timed read-out fits per net.
    repeats : int
        Timings per unit (the least is kept).

    Returns
    -------
    list of (str, float)
        ``(part, seconds)``, each part naming the count it projects:

        - Fig. 1: ``len(seeds) * len(fig1_variances) * (fixed + per_iteration * mine_iter)`` from
          :func:`~ibcore.study.chapters.aa_mine_ib.fig1_experiment` at one seed and one variance
          (its 4 fits: MINE and AA-MINE on the random MLP and on the linear anchor; the seed's
          set-up, a random net and its inputs, is counted at every variance: an upper bound);
        - Table 1, one part per row: ``len(row seeds) * sum over methods (ce, iyl, ib) of fixed_row +
          per_step * n`` with ``n = n_steps`` (``conv_steps`` for CIFAR-10; cross-entropy makes 3
          end-to-end steps per layer step); where ``cifar_data="full"`` but CIFAR-10 is not in the
          cache or the mirror, its row is projected from units on the partial copy (same image size,
          so the same per-step cost) with ``fixed_row``, passes over the images, scaled by
          ``CIFAR10_TRAIN / len(partial)`` training images, and the part says so;
        - convergence curve: ``sum over methods and the steps_curve values other than n_steps of
          fixed_MNIST100% + per_step * n`` (the run at ``n_steps`` is Table 1's; 0 s where that is
          the only value);
        - Fig. 3: ``B * (T_fig3 + per_step_1 * (n_steps - 1)) + B * (len(seeds) - 1) * (fixed_1 +
          per_step_1 * n_steps + T_quant)`` with ``B = len(tsne_betas)``, ``T_fig3`` the page's
          :func:`~ibcore.study.chapters.aa_mine_ib.fig3_experiment` at one beta, one seed and one
          step (first layer, quantisation, t-SNE of ``tsne_points``), the first layer's unit on the
          MNIST 1 % set and ``T_quant`` one quantisation (every beta > 0 costs the same);
        - weight decay: ``len(seeds) * (fixed + per_step * n_steps)`` of the L2 method on MNIST 1 %;
        - read-out: ``sum over nets of count * per_readout_step * (readout_steps - 1)``, ``count``
          the layer-wise runs (iyl, ib, l2) of that net in the parts above.

        Left out as negligible: the tables and summaries, the claims and the figures.

    Raises
    ------
    ValueError
        Lengths that are not two increasing positive ints, or a bad ``repeats``.
    """
    lengths = {
        "mlp": _timing.lengths(steps, "steps"),
        "conv": _timing.lengths(conv_steps, "conv_steps"),
        "mine": _timing.lengths(mine_iters, "mine_iters"),
        "readout": _timing.lengths(readout_steps, "readout_steps"),
    }
    lengths["mlp_alt"] = lengths["mlp"]
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1, got {repeats!r}")
    from ibcore.study.chapters.aa_mine_ib import table1_datasets

    with _units():
        data, cifar_scale, cifar_note = _chapter_data(settings)
        datasets, tests = table1_datasets(data, settings)
        parts = [_fig1(settings, data, lengths["mine"], repeats)]
        table, per_step, fixed, readouts = _table1(
            settings, datasets, tests, lengths, cifar_scale, cifar_note, repeats
        )
        parts += table
        parts.append(_convergence(settings, per_step, fixed, readouts))
        parts += _fig3_and_weight_decay(settings, data, datasets, tests, lengths["mlp"], readouts, repeats)
        parts.append(_readout(settings, datasets, lengths["readout"], readouts, repeats))
    return parts


def _fig1(s: Settings, data: ChapterData, mine: tuple[int, int], repeats: int) -> tuple[str, float]:
    from ibcore.study.chapters.aa_mine_ib import fig1_experiment

    one = {"seeds": s.seeds[:1], "fig1_variances": s.fig1_variances[:1]}
    times = [
        timed(lambda n=n: fig1_experiment(data.mnist_train, with_params(s, mine_iter=n, **one)), repeats)
        for n in mine
    ]
    fixed, per = fixed_and_per(times, mine)
    n_seeds, n_var = len(s.seeds), len(s.fig1_variances)
    return (
        f"Fig. 1 {n_seeds} seeds x {n_var} variances x 4 fits x {s.mine_iter} iterations "
        f"on {s.fig1_inputs} inputs",
        n_seeds * n_var * (fixed + per * s.mine_iter),
    )


def _table1(
    s: Settings,
    datasets: dict[str, tuple[str, Any]],
    tests: dict[str, Any],
    lengths: dict[str, tuple[int, int]],
    cifar_scale: float,
    cifar_note: str,
    repeats: int,
) -> tuple[list[tuple[str, float]], dict, dict, dict[str, int]]:
    """Table 1's rows; also the per-step costs by (net, method), the fixed costs by (row, method) and
    the layer-wise runs by net (their read-outs)."""
    from ibcore.study.chapters.aa_mine_ib import TABLE1_METHODS, row_seeds
    from ibcore.study.chapters.aa_mine_ib.experiments import table1_run

    unit = with_params(s, readout_steps=1)  # the read-out is a part of its own
    per_step: dict[tuple[str, str], float] = {}
    fixed: dict[tuple[str, str], float] = {}
    readouts = {"mlp": 0, "mlp_alt": 0, "conv": 0}
    parts = []
    for name, (kind, ds) in datasets.items():
        lo, hi = lengths[kind]
        seeds = row_seeds(name, kind, s)
        n_steps = s.conv_steps if kind == "conv" else s.n_steps
        scale = cifar_scale if kind == "conv" else 1.0
        cost = 0.0
        for m in TABLE1_METHODS:

            def run(n: int, m: str = m, kind: str = kind, ds: Any = ds, seed: int = seeds[0]) -> Any:
                return table1_run(m, kind, ds, tests[kind], seed, n, unit)

            t_lo = timed(lambda run=run, n=lo: run(n), repeats)
            if (kind, m) not in per_step:  # the net's first row: its per-step cost
                t_hi = timed(lambda run=run, n=hi: run(n), repeats)
                per_step[kind, m] = fixed_and_per([t_lo, t_hi], (lo, hi))[1]
            fixed[name, m] = max(t_lo - lo * per_step[kind, m], 0.0)
            cost += len(seeds) * (fixed[name, m] * scale + per_step[kind, m] * n_steps)
        readouts[kind] += 2 * len(seeds)  # iyl and ib end with a read-out
        row, note = name, ""
        if kind == "conv" and cifar_note:  # the partial copy stands in for the full CIFAR-10
            row, note = "CIFAR-10 100%", cifar_note
        what = f"{len(seeds)} seeds x {len(TABLE1_METHODS)} methods x {n_steps} steps per layer"
        parts.append((f"Table 1 {row} {what}{note}", cost))
    return parts, per_step, fixed, readouts


def _convergence(s: Settings, per_step: dict, fixed: dict, readouts: dict[str, int]) -> tuple[str, float]:
    from ibcore.study.chapters.aa_mine_ib import TABLE1_METHODS

    extra = [int(n) for n in s.steps_curve if n != s.n_steps]  # the n_steps run is Table 1's
    cost = sum(fixed["MNIST 100%", m] + per_step["mlp", m] * n for m in TABLE1_METHODS for n in extra)
    readouts["mlp"] += 2 * len(extra)
    listed = ", ".join(map(str, extra)) or "none"
    return (
        f"convergence curve {len(TABLE1_METHODS)} methods x {len(extra)} step counts ({listed}) "
        "on MNIST 100%",
        cost,
    )


def _fig3_and_weight_decay(
    s: Settings,
    data: ChapterData,
    datasets: dict[str, tuple[str, Any]],
    tests: dict[str, Any],
    mlp: tuple[int, int],
    readouts: dict[str, int],
    repeats: int,
) -> list[tuple[str, float]]:
    from ibcore.models import elad_mlp
    from ibcore.study.chapters.aa_mine_ib import fig3_experiment, quantisation, run_method
    from ibcore.study.chapters.aa_mine_ib.experiments import first_layer_features

    sub1 = datasets["MNIST 1%"][1]
    seed0, beta = s.seeds[0], s.tsne_betas[0]
    tsne_x = data.test_x[: s.tsne_points]
    times, layer = [], None
    for n in mlp:
        sec, layer = min_time(
            lambda n=n: first_layer_features(sub1, tsne_x, beta, seed0, with_params(s, n_steps=n)), repeats
        )
        times.append(sec)
    fixed1, per1 = fixed_and_per(times, mlp)
    quant = timed(lambda: quantisation(layer), repeats)
    one = with_params(s, n_steps=1, tsne_betas=[beta], seeds=[seed0])
    t_fig3 = timed(lambda: fig3_experiment(sub1, data.test_x, data.test_y, one), repeats)
    n_b, n_s = len(s.tsne_betas), len(s.seeds)
    fig3 = n_b * (t_fig3 + per1 * (s.n_steps - 1)) + n_b * (n_s - 1) * (fixed1 + per1 * s.n_steps + quant)

    vbar = float(sub1.x.reshape(len(sub1), -1).var(0).mean())
    lam = s.beta * vbar / (2 * s.sigma**2)  # as weight_decay_experiment

    def l2(n: int) -> Any:
        return run_method(
            "l2",
            elad_mlp(784, tuple(s.widths), seed=seed0),
            (sub1.x, sub1.y),
            tests["mlp"],
            l2=lam,
            sigma=s.sigma,
            n_steps=n,
            readout_steps=1,
            lr=s.lr,
            seed=seed0,
            device=s.device,
            progress=False,
        )

    fixed, per = fixed_and_per([timed(lambda n=n: l2(n), repeats) for n in mlp], mlp)
    readouts["mlp"] += n_s
    return [
        (
            f"Fig. 3 {n_b} betas x {n_s} seeds x {s.n_steps} first-layer steps + {n_b} t-SNE of "
            f"{s.tsne_points} points",
            fig3,
        ),
        (
            f"weight decay {n_s} seeds x {s.n_steps} steps per layer on MNIST 1%",
            n_s * (fixed + per * s.n_steps),
        ),
    ]


def _readout(
    s: Settings,
    datasets: dict[str, tuple[str, Any]],
    lengths: tuple[int, int],
    readouts: dict[str, int],
    repeats: int,
) -> tuple[str, float]:
    from ibcore.study.chapters.aa_mine_ib.experiments import elad_net
    from ibcore.training import train_readout

    first = {}
    for kind, ds in datasets.values():
        first.setdefault(kind, ds)
    cost = 0.0
    for kind, ds in first.items():
        net = elad_net(kind, s.seeds[0], s)
        x, y = ds.x[:_READOUT_UNIT], ds.y[:_READOUT_UNIT]
        times = [
            timed(
                lambda r=r, net=net, x=x, y=y: train_readout(
                    net, x, y, n_steps=r, seed=s.seeds[0], device=s.device
                ),
                repeats,
            )
            for r in lengths
        ]
        cost += readouts[kind] * fixed_and_per(times, lengths)[1] * max(s.readout_steps - 1, 0)
    return (f"read-out {sum(readouts.values())} layer-wise runs x {s.readout_steps} steps", cost)
