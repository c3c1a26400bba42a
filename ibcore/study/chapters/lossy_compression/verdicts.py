"""The verdicts of chapter 3 (lossy compression): statistics, evaluations, scorecard rows, prose numbers.

:func:`synthetic_claims` and :func:`mnist_claims` compute the per-seed values the page's five claim
records (:data:`~ibcore.study.chapters.lossy_compression.records.CLAIMS`) are decided on;
:func:`evaluate_claims` turns them into intervals over seeds and decides each claim with
:func:`ibcore.study.claims.evaluate` (:class:`Claims`, with the deviations of
:func:`~ibcore.study.chapters.lossy_compression.records.our_settings`), and :func:`record_claims`
writes the scorecard rows. :func:`first_comp_text`, :func:`agree_sentence`, :func:`pca_word` and
:func:`drop_sentence` are the prose's conditional sentences; :func:`glue_values` and
:func:`timing_values` give every number and sentence the page glues.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore.evaluation.image_benchmark import error_table
from ibcore.ground_truth.images import TASKS
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.chapters.lossy_compression.records import (
    BEATS,
    COINCIDENCE,
    COINCIDENCE_LEAD,
    MIN_PHASES,
    MISS_EPOCHS,
    OFFSET,
    OFFSET_NATS,
    PHASES,
    TRACK_NATS,
    TRACKS,
    our_settings,
)
from ibcore.study.chapters.lossy_compression.synthetic import k_for
from ibcore.study.claims import Evaluation, Interval, count_meeting, difference_interval, evaluate, t_interval

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.study.chapters.lossy_compression.mnist import Ablation, Mnist, Plane
    from ibcore.study.chapters.lossy_compression.synthetic import Sweeps, Synthetic
    from ibcore.study.profiles import Settings

__all__ = [
    "BASELINES",
    "VERDICT_NAMES",
    "synthetic_claims",
    "miss_epochs",
    "mnist_claims",
    "Claims",
    "evaluate_claims",
    "record_claims",
    "first_comp_text",
    "agree_sentence",
    "pca_word",
    "drop_sentence",
    "glue_values",
    "timing_values",
]

BASELINES = ("KSG", "MINE")
"""The estimators run on the raw images (methods ``"<name> on raw images"``)."""

VERDICT_NAMES = ("track", "beats", "offset", "phase", "coinc")
"""The glue suffixes of the claims of :data:`~.records.CLAIMS`, in order (``v_track``, ``why_track``...)."""

_WKL, _KL, _LATENT = "WKL on AE codes", "KL on AE codes", "WKL on true latents"


def _per_seed(bench: pd.DataFrame) -> pd.DataFrame:
    """Bias and RMSE by (task, method, seed) over the grid points of ``bench`` (missing estimates dropped)."""
    table = error_table(bench.dropna(subset=["estimate"]), by=["task", "method", "seed"])
    return table.sort_index()


def _column(table: pd.DataFrame, task: str, method: str, column: str) -> pd.Series:
    """``column`` of ``table`` for one (task, method), by seed; empty when it has no rows."""
    if (task, method) not in table.index.droplevel("seed"):
        return pd.Series(dtype=float)
    return table.loc[(task, method), column]


def synthetic_claims(acc: pd.DataFrame, bench: pd.DataFrame, *, raw_grid: Sequence[float]) -> dict[str, Any]:
    """The per-seed values the synthetic claims are decided on, per task of :data:`TASKS`.

    * ``rmse_seeds``: task -> RMSE of WKL on AE codes over the whole grid, one per seed (``tracks``);
    * ``beats``: (task, baseline) -> (RMSE of WKL on AE codes per seed, RMSE of the baseline per
      seed), both over the grid points of ``raw_grid`` (the baselines run on the first seed only);
      a baseline without any estimate there (every MINE fit diverged) is in ``no_estimate``;
    * ``offset_seeds``: task -> |bias| of KL on AE codes minus |bias| of WKL on AE codes, per seed.

    ``acc`` is :func:`accuracy`'s first table (columns task, method, bias, RMSE: over the grid and
    the seeds), ``bench`` the grid's estimates (columns task, method, true, seed, estimate).

    Returns
    -------
    dict
        The values above, ``rmse``/``bias`` (Series by (task, method), pooled over the seeds) and
        ``key``, the page's table of key numbers by task.
    """
    rmse = acc.set_index(["task", "method"])["RMSE"]
    bias = acc.set_index(["task", "method"])["bias"]
    seeds = _per_seed(bench)
    on_raw = bench[bench["true"].isin(list(raw_grid))]
    raw_seeds = _per_seed(on_raw)
    rmse_seeds = {t: _column(seeds, t, _WKL, "RMSE").to_numpy() for t in TASKS}
    offset_seeds = {
        t: (_column(seeds, t, _KL, "bias").abs() - _column(seeds, t, _WKL, "bias").abs()).dropna().to_numpy()
        for t in TASKS
    }
    beats, no_estimate = {}, []
    for t in TASKS:
        wkl = _column(raw_seeds, t, _WKL, "RMSE").to_numpy()
        for base in BASELINES:
            values = _column(raw_seeds, t, f"{base} on raw images", "RMSE").to_numpy()
            if len(values) and len(wkl):
                beats[(t, base)] = (wkl, values)
            else:
                no_estimate.append((t, base))
    acc_c = error_table(on_raw.dropna(subset=["estimate"]), by=["task", "method"])["RMSE"]
    key = pd.DataFrame(
        {
            "WKL on AE codes RMSE": {t: rmse[(t, _WKL)] for t in TASKS},
            "KL on AE codes bias": {t: bias[(t, _KL)] for t in TASKS},
            "WKL on AE codes bias": {t: bias[(t, _WKL)] for t in TASKS},
            "KSG raw RMSE (raw grid)": {t: acc_c.get((t, "KSG on raw images"), np.nan) for t in TASKS},
            "MINE raw RMSE (raw grid)": {t: acc_c.get((t, "MINE on raw images"), np.nan) for t in TASKS},
            "WKL on AE codes RMSE (raw grid)": {t: acc_c.get((t, _WKL), np.nan) for t in TASKS},
            "WKL on true latents RMSE": {t: rmse.get((t, _LATENT), np.nan) for t in TASKS},
        }
    )
    key.index.name = "task"
    return {
        "rmse_seeds": rmse_seeds,
        "beats": beats,
        "no_estimate": no_estimate,
        "offset_seeds": offset_seeds,
        "rmse": rmse,
        "bias": bias,
        "key": key,
    }


def miss_epochs(drop: float, start: float, end: float, lead: float = COINCIDENCE_LEAD) -> float:
    """Epochs by which the fastest drop ``drop`` falls outside ``[start - lead, end]`` (0 inside)."""
    return float(max(start - lead - drop, drop - end, 0.0))


def mnist_claims(
    phases_: pd.DataFrame, drop_epoch: Mapping[int, float], layers: Sequence[str], seeds: Sequence[int]
) -> dict[str, Any]:
    """The per-seed values the MNIST claims are decided on, per layer.

    * several phases: ``n_phases[layer]``, the number of phases of each seed's curve (phases
      alternate between fitting and compression, so 3 phases hold both kinds);
    * coincidence: ``miss[layer]``, seed -> :func:`miss_epochs` of the run's fastest drop from the
      first compression phase ``[a, e]`` of the curve, opened :data:`COINCIDENCE_LEAD` epochs
      before its start (curves with a compression phase and a finite drop epoch only).

    ``phases_`` is :func:`phase_table`'s frame; ``drop_epoch`` maps seed -> epoch.

    Returns
    -------
    dict
        ``n_phases``, ``miss``, and the counts of the prose: ``n_phase`` (curves with at least
        :data:`MIN_PHASES` phases), ``n_coinc`` (curves whose miss is at most :data:`MISS_EPOCHS`),
        ``first_comp`` ((seed, layer) -> (start, end) of the first compression, for the curves
        that have one) and ``n_cases`` (seeds x layers).
    """
    n_phases = {layer: [] for layer in layers}
    miss = {layer: {} for layer in layers}
    first_comp = {}
    for s in seeds:
        for layer in layers:
            ph = phases_[(phases_["seed"] == s) & (phases_["layer"] == layer)]
            n_phases[layer].append(len(ph))
            comp_ph = ph[ph["kind"] == "compression"]
            if len(comp_ph):
                a, e = float(comp_ph["start"].iloc[0]), float(comp_ph["end"].iloc[0])
                first_comp[(s, layer)] = (a, e)
                if np.isfinite(drop_epoch[s]):
                    miss[layer][s] = miss_epochs(float(drop_epoch[s]), a, e)
    return {
        "n_phases": n_phases,
        "miss": miss,
        "n_phase": sum(n >= MIN_PHASES for counts in n_phases.values() for n in counts),
        "n_coinc": sum(m <= MISS_EPOCHS for by_seed in miss.values() for m in by_seed.values()),
        "first_comp": first_comp,
        "n_cases": len(seeds) * len(layers),
    }


@dataclass
class Claims:
    """The page's five claims: their per-seed values (:func:`synthetic_claims`,
    :func:`mnist_claims`), the decided :attr:`evaluations` (order of :data:`~.records.CLAIMS`),
    the fastest-drop epochs and the key-number table :attr:`key`."""

    synthetic: dict[str, Any]
    mnist: dict[str, Any]
    evaluations: tuple[Evaluation, ...]
    drop_epoch: dict[int, float]

    @property
    def key(self) -> pd.DataFrame:
        return self.synthetic["key"]

    @property
    def verdicts(self) -> dict[str, str]:
        """``v_track``, ``v_beats``, ``v_offset``, ``v_phase``, ``v_coinc``: the verdicts."""
        return {f"v_{n}": e.verdict for n, e in zip(VERDICT_NAMES, self.evaluations, strict=True)}

    @property
    def reasons(self) -> dict[str, str]:
        """``why_track``, ...: the reason of each verdict (the rule, or the deviations named)."""
        return {f"why_{n}": e.reason for n, e in zip(VERDICT_NAMES, self.evaluations, strict=True)}


def _by_task(values: Mapping[str, float]) -> str:
    """``"bumps 0.12, rectangles 0.34"``."""
    return ", ".join(f"{t} {v:.2f}" for t, v in values.items())


def _drops(drop_epoch: Mapping[int, float]) -> str:
    return ", ".join(f"{d:g}" for d in drop_epoch.values())


def _cnn_note(settings: Settings) -> str:
    return (
        f"{len(settings.cnn_seeds)} seed(s), {settings.cnn_epochs} epochs, lr {settings.cnn_lr:g}, batch "
        f"{settings.batch_size}, {settings.cnn_train} training images, {settings.eval_samples} test images, "
        f"{settings.cnn_noise_mode} noise {settings.cnn_noise:g}"
    )


def _counts(rule: Any, values: Mapping[str, Sequence[float]]) -> str:
    """``"bumps 2/2, rectangles 1/2"``: per item, the single values meeting ``rule``."""
    met = {item: count_meeting(rule, v) for item, v in values.items()}
    return ", ".join(f"{item} {k}/{n}" for item, (k, n) in met.items())


def _no_value(why: str) -> Interval:
    """The statistic of a claim the data cannot support: no value, an unbounded interval."""
    return Interval(0.0, -math.inf, math.inf, 0.95, why, 1)


def _beats_interval(wkl: np.ndarray, base: np.ndarray) -> Interval:
    """WKL's RMSE minus the baseline's: Welch over seeds where the baseline ran several times; with
    one run of the baseline (its first seed), a t interval over WKL's seeds with that run held fixed."""
    if len(base) >= 2:
        return difference_interval(wkl, base)
    return t_interval(wkl - base[0], unit="seeds of WKL, the baseline's one run held fixed")


def _synthetic_evaluations(
    settings: Settings,
    syn: dict[str, Any],
    ours: Mapping[str, Any],
    mine_diverged: Sequence[bool],
    mine_plateau: Sequence[bool] = (),
) -> list[Evaluation]:
    prof, key, n_seeds = settings.profile, syn["key"], len(settings.seeds)
    top = max(settings.mi_grid)
    note = (
        f"N = {settings.n_samples}, {n_seeds} seed(s), grid {min(settings.mi_grid):g}-{top:g} nats "
        f"({len(settings.mi_grid)} points), k = {settings.k}"
    )
    tasks = list(TASKS)
    rmse_seeds = syn["rmse_seeds"]
    tracks = evaluate(
        TRACKS,
        [t_interval(rmse_seeds[t]) for t in tasks],
        ours,
        our_value=f"RMSE {_by_task(key['WKL on AE codes RMSE'])} nats over the grid and the seeds ({note})",
        profile=prof,
        items=tasks,
        seeds=n_seeds,
        support=f"seeds with RMSE <= {TRACK_NATS:g} nat: {_counts(TRACKS.rule, rmse_seeds)}",
    )

    pairs = syn["beats"]
    labels = [f"{t} vs {b}" for t, b in pairs]
    left_out = "; ".join(f"{t} vs {b}: no estimate, left out" for t, b in syn["no_estimate"])
    raw_note = (
        f"raw: N = {settings.raw_samples}, MI in {list(settings.raw_grid)}, first seed; MINE diverged in "
        f"{sum(mine_diverged)} of {len(mine_diverged)} fits, plateaued in {sum(mine_plateau)} of "
        f"{len(mine_plateau)} at {settings.mine_iters} iterations; WKL on the true latents (the best any "
        f"compression can do) RMSE {_by_task(key['WKL on true latents RMSE'])} nats"
    )
    converged = all(mine_plateau) and len(mine_plateau) > 0
    beats_value = (
        f"RMSE on the raw grid: WKL on AE codes {_by_task(key['WKL on AE codes RMSE (raw grid)'])}, "
        f"KSG on raw images {_by_task(key['KSG raw RMSE (raw grid)'])}, MINE on raw images "
        f"{_by_task(key['MINE raw RMSE (raw grid)'])} nats ({raw_note})"
    )
    diffs = {f"{t} vs {b}": w - np.mean(r) for (t, b), (w, r) in pairs.items()}
    beats = evaluate(
        BEATS,
        [_beats_interval(w, r) for w, r in pairs.values()] if pairs else _no_value("no raw-image estimate"),
        ours,
        our_value=beats_value,
        profile=prof,
        items=labels,
        seeds=n_seeds,
        support="; ".join(
            s for s in (f"seeds of WKL below the baseline: {_counts(BEATS.rule, diffs)}", left_out) if s
        ),
        comparable=bool(pairs) and converged,
        why_not_comparable=(
            "no raw-image baseline produced an estimate"
            if not pairs
            else f"MINE's held-out estimate had not plateaued at {settings.mine_iters} iterations in "
            f"{len(mine_plateau) - sum(mine_plateau)} of {len(mine_plateau)} fits: the baseline is not "
            "trained to its own limit"
        ),
    )

    off = syn["offset_seeds"]
    offset = evaluate(
        OFFSET,
        [t_interval(off[t]) for t in tasks],
        ours,
        our_value=(
            f"bias KL {_by_task(key['KL on AE codes bias'])}, WKL {_by_task(key['WKL on AE codes bias'])} "
            f"nats; |bias| reduced by {_by_task({t: float(np.mean(off[t])) for t in tasks})} nats ({note})"
        ),
        profile=prof,
        items=tasks,
        seeds=n_seeds,
        support=f"seeds with a reduction >= {OFFSET_NATS:g} nat: {_counts(OFFSET.rule, off)}",
    )
    return [tracks, beats, offset]


def _mnist_evaluations(
    settings: Settings, mn: dict[str, Any], drop_epoch: Mapping[int, float], ours: Mapping[str, Any]
) -> list[Evaluation]:
    prof, n_seeds, cnn_note = settings.profile, len(settings.cnn_seeds), _cnn_note(settings)
    n_phases = mn["n_phases"]
    phase = evaluate(
        PHASES,
        [t_interval(v) for v in n_phases.values()],
        ours,
        our_value=(
            f"{mn['n_phase']} of {mn['n_cases']} (seed, layer) curves show >= {MIN_PHASES} phases of both "
            f"kinds, each above twice the curve's scatter; mean phases by layer "
            f"{', '.join(f'{m} {np.mean(v):.1f}' for m, v in n_phases.items())} ({cnn_note})"
        ),
        profile=prof,
        items=list(n_phases),
        seeds=n_seeds,
        support=f"seeds with >= {MIN_PHASES} phases: {_counts(PHASES.rule, n_phases)}",
    )
    miss = {m: list(by_seed.values()) for m, by_seed in mn["miss"].items() if by_seed}
    finite = all(np.isfinite(list(drop_epoch.values())))
    comparable = bool(miss) and finite
    n_miss = sum(len(v) for v in miss.values())
    coinc = evaluate(
        COINCIDENCE,
        [t_interval(v) for v in miss.values()] if miss else _no_value("no compressing curve"),
        ours,
        our_value=(
            f"fastest drop at epoch(s) {_drops(drop_epoch)}; within {MISS_EPOCHS:g} epoch of the first "
            f"compression (opened {COINCIDENCE_LEAD} epochs before its start) in {mn['n_coinc']} of {n_miss} "
            f"compressing (seed, layer) curves ({cnn_note})"
        ),
        profile=prof,
        items=list(miss),
        seeds=n_seeds,
        support=f"compressing seeds within {MISS_EPOCHS:g} epoch: {_counts(COINCIDENCE.rule, miss)}"
        if miss
        else "no curve compresses",
        comparable=comparable,
        why_not_comparable=(
            "no (seed, layer) curve has a compression phase"
            if not miss
            else "a run's fastest loss drop is not finite"
        ),
    )
    return [phase, coinc]


def evaluate_claims(
    settings: Settings,
    acc: pd.DataFrame,
    synth: Synthetic,
    plane: Plane,
    ours: Mapping[str, Any] | None = None,
) -> Claims:
    """The page's five claims decided on this run (:class:`Claims`).

    Synthetic claims, per task: t intervals over the seeds of WKL's RMSE (tracks) and of the
    reduction of |bias| from KL to WKL (offset); per task and raw baseline, the interval of WKL's
    RMSE minus the baseline's (beats, :func:`_beats_interval`). MNIST claims, per layer: t
    intervals over the seeds of the number of phases and of the fastest drop's miss of the first
    compression (not comparable when no curve compresses or a fastest drop is not finite). Each
    carries the deviations of ``ours`` (default :func:`~.records.our_settings` of ``settings``).
    """
    ours = our_settings(settings) if ours is None else ours
    syn = synthetic_claims(acc, synth.bench, raw_grid=settings.raw_grid)
    mn = mnist_claims(plane.phases, plane.drop_epoch, plane.layers, settings.cnn_seeds)
    evaluations = _synthetic_evaluations(settings, syn, ours, synth.mine_diverged, synth.mine_plateau)
    evaluations += _mnist_evaluations(settings, mn, plane.drop_epoch, ours)
    return Claims(syn, mn, tuple(evaluations), dict(plane.drop_epoch))


def record_claims(notebook: str, claims: Claims) -> pd.DataFrame:
    """Record the page's five evaluations on the scorecard, in the page's order.

    Returns the page's rows (:func:`ibcore.study.scorecard.card`).
    """
    card = None
    for evaluation in claims.evaluations:
        card = scorecard.record_evaluation(notebook, evaluation)
    return card


def first_comp_text(first_comp: Mapping[tuple[int, str], tuple[float, float]]) -> str:
    """``"seed 0 conv1: 2-5; seed 1 ..."``: each curve's first compression phase, or ``"none"``."""
    return "; ".join(f"seed {s} {m}: {a:g}-{e:g}" for (s, m), (a, e) in first_comp.items()) or "none"


def agree_sentence(first_comp: Mapping[tuple[int, str], Any], layers: Sequence[str], n_seeds: int) -> str:
    """Whether the seeds agree on which layers compress: every layer compresses in no seed or in
    all ``n_seeds`` (``first_comp`` holds the (seed, layer) curves that compress)."""
    counts = [sum(1 for (_s, m) in first_comp if m == layer) for layer in layers]
    if all(c in (0, n_seeds) for c in counts):
        return "The seeds agree on which layers compress"
    return "The seeds do not agree on which layers compress"


def pca_word(rmse: pd.Series) -> str:
    """How WKL on PCA codes compares with WKL on AE codes: worse (larger RMSE) in every task or
    not (``rmse`` by (task, method))."""
    if all(rmse[(t, "WKL on PCA codes")] > rmse[(t, _WKL)] for t in TASKS):
        return "did worse than the autoencoder's in both tasks"
    return "were not worse than the autoencoder's in every task"


def drop_sentence(
    first_comp: Mapping[tuple[int, str], tuple[float, float]], drop_epoch: Mapping[int, float]
) -> str:
    """Whether the loss fell fastest before every first compression's window (opened
    :data:`COINCIDENCE_LEAD` epochs before its start), by more than :data:`MISS_EPOCHS`."""
    if all(a - COINCIDENCE_LEAD - drop_epoch[s] > MISS_EPOCHS for (s, _layer), (a, _e) in first_comp.items()):
        return "the loss fell fastest before any compression began"
    return "the fastest loss drop fell near the first compression in some curves"


def glue_values(
    settings: Settings,
    claims: Claims,
    synth: Synthetic,
    sweeps: Sweeps,
    mnist: Mnist,
    plane: Plane,
    ablation: Ablation,
) -> dict[str, Any]:
    """The numbers and sentences the page's prose shows (``{glue:text}`name```), by name.

    The verdicts ``v_track`` ... ``v_coinc`` and their reasons ``why_track`` ... ``why_coinc`` are
    those of :attr:`Claims.evaluations`.
    """
    syn, mn, key = claims.synthetic, claims.mnist, claims.key
    first_comp, rmse, pt, layers = mn["first_comp"], syn["rmse"], plane.phases, plane.layers
    white = ablation.white.set_index(["layer", "epoch"])[IXL]
    unwhite = ablation.unwhite.set_index(["layer", "epoch"])[IXL]
    n_seeds = len(settings.cnn_seeds)
    return {
        "run_profile": settings.profile,
        **claims.verdicts,
        **claims.reasons,
        "n_phase": mn["n_phase"],
        "n_cases": mn["n_cases"],
        "n_coinc": mn["n_coinc"],
        "n_first": len(first_comp),
        "drop_epoch": _drops(claims.drop_epoch),
        "n_seeds": n_seeds,
        "first_comp": first_comp_text(first_comp),
        "thresholds": f"{pt['threshold'].min():.2f}-{pt['threshold'].max():.2f}" if len(pt) else "none",
        "wkl_rmse": _by_task(key["WKL on AE codes RMSE"]),
        "kl_bias": _by_task(key["KL on AE codes bias"]),
        "wkl_bias": _by_task(key["WKL on AE codes bias"]),
        "ksg_raw": _by_task(key["KSG raw RMSE (raw grid)"]),
        "mine_raw": _by_task(key["MINE raw RMSE (raw grid)"]),
        "n_mine_div": sum(synth.mine_diverged),
        "n_mine": len(synth.mine_diverged),
        "n_mine_plateau": sum(synth.mine_plateau),
        "latent_rmse": _by_task(key["WKL on true latents RMSE"]),
        "x_best_epoch": mnist.x_comp.best_epoch,
        "x_epochs_run": len(mnist.x_comp.val_history),
        "acc_final": ", ".join(f"{a:.3f}" for a in mnist.final_acc.values()),
        "noise_desc": f"{settings.cnn_noise_mode} noise of std {settings.cnn_noise:g}",
        "same_sign": ablation.same_sign,
        "n_moves": len(ablation.moves),
        "err_pca": f"{ablation.table['code error PCA'].median():.2f}",
        "err_ae": f"{ablation.table['code error AE'].median():.2f}",
        "unwhite_range": f"{unwhite.min():.2f} to {unwhite.max():.2f}",
        "white_range": f"{white.min():.2f} to {white.max():.2f}",
        "unwhite_neg": int((unwhite < 0).sum()),
        "unwhite_n": len(unwhite),
        "white_diff": f"{(white - unwhite).abs().mean():.2f}",
        "agree_sentence": agree_sentence(first_comp, layers, n_seeds),
        "comp_by_layer": ", ".join(
            f"{m} {sum(1 for (_s, lay) in first_comp if lay == m)} of {n_seeds}" for m in layers
        ),
        "pca_word": pca_word(rmse),
        "x_err": f"{mnist.x_comp.val_error:.3f}",
        "big_dim": max(sweeps.dims),
        "big_k": k_for(2 * max(sweeps.dims)),
        "dim_bias": ", ".join(f"{d}: {b:+.2f}" for d, b in sweeps.d_table["bias"].items()),
        "k_rmse": ", ".join(f"{i} {x:.2f}" for i, x in sweeps.k_table["RMSE"].items()),
        "pca_rmse": _by_task({t: rmse[(t, "WKL on PCA codes")] for t in TASKS}),
        "drop_sentence": drop_sentence(first_comp, claims.drop_epoch),
    }


def timing_values(synth: Synthetic, mnist: Mnist, plane: Plane, ablation: Ablation) -> dict[str, str]:
    """The wall times the prose shows (they vary from run to run: glued outside the checked cell)."""
    return {
        "t_grid": f"{synth.seconds:.0f}",
        "t_train": f"{mnist.seconds:.0f}",
        "train_note": mnist.train_note,
        "t_plane": f"{plane.seconds:.0f}",
        "t_ae": f"{ablation.seconds:.0f}",
    }
