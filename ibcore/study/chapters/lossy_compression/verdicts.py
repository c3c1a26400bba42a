"""The verdicts of chapter 3 (lossy compression): claims, scorecard rows and the numbers of the prose.

:func:`synthetic_claims` and :func:`mnist_claims` compute the verdict inputs of the page's five
claims, :func:`evaluate_claims` decides them (:class:`Claims`) and :func:`record_claims` writes
the scorecard rows; :func:`first_comp_text`, :func:`agree_sentence`, :func:`pca_word` and
:func:`drop_sentence` are the prose's conditional sentences; :func:`glue_values` and
:func:`timing_values` give every number and sentence the page glues.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore.evaluation.image_benchmark import error_table
from ibcore.ground_truth.images import TASKS
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.chapters.lossy_compression.synthetic import k_for

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.study.chapters.lossy_compression.mnist import Ablation, Mnist, Plane
    from ibcore.study.chapters.lossy_compression.synthetic import Sweeps, Synthetic
    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER_KEY",
    "COINCIDENCE_LEAD",
    "synthetic_claims",
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

PAPER_KEY = "butakov2024"
"""The paper's key in the scorecard."""

COINCIDENCE_LEAD = 2
"""Epochs before the first compression's start within which the fastest drop still coincides."""


def synthetic_claims(
    acc: pd.DataFrame, bench: pd.DataFrame, *, top: float, raw_grid: Sequence[float], first_seed: int
) -> dict[str, Any]:
    """The verdict inputs of the synthetic claims, per task of :data:`TASKS`.

    * ``tracks``: WKL on AE codes has RMSE <= 10 % of ``top`` (the grid's largest MI);
    * ``beats``: WKL on AE codes has a smaller RMSE than both KSG and MINE on raw images, at the
      grid points of ``raw_grid`` and the seed ``first_seed`` (missing estimates dropped; a
      method without estimates counts as infinitely bad);
    * ``offset``: KL on AE codes has a larger |bias| than WKL on AE codes.

    ``acc`` is :func:`accuracy`'s first table (columns task, method, bias, RMSE), ``bench`` the
    grid's estimates (columns task, method, true, seed, estimate).

    Returns
    -------
    dict
        ``tracks``, ``beats``, ``offset`` (task -> bool), ``rmse``/``bias`` (Series by (task,
        method)) and ``key``, the page's table of key numbers by task.
    """
    rmse = acc.set_index(["task", "method"])["RMSE"]
    bias = acc.set_index(["task", "method"])["bias"]
    tracks = {t: bool(rmse[(t, "WKL on AE codes")] <= 0.1 * top) for t in TASKS}
    common = bench[bench["true"].isin(raw_grid) & (bench["seed"] == first_seed)]
    acc_c = error_table(common.dropna(subset=["estimate"]), by=["task", "method"])["RMSE"]
    beats = {
        t: bool(
            acc_c.get((t, "WKL on AE codes"), np.inf)
            < min(acc_c.get((t, "KSG on raw images"), np.inf), acc_c.get((t, "MINE on raw images"), np.inf))
        )
        for t in TASKS
    }
    offset = {t: bool(abs(bias[(t, "KL on AE codes")]) > abs(bias[(t, "WKL on AE codes")])) for t in TASKS}
    key = pd.DataFrame(
        {
            "WKL on AE codes RMSE": {t: rmse[(t, "WKL on AE codes")] for t in TASKS},
            "KL on AE codes bias": {t: bias[(t, "KL on AE codes")] for t in TASKS},
            "WKL on AE codes bias": {t: bias[(t, "WKL on AE codes")] for t in TASKS},
            "KSG raw RMSE (raw grid)": {t: acc_c.get((t, "KSG on raw images"), np.nan) for t in TASKS},
            "MINE raw RMSE (raw grid)": {t: acc_c.get((t, "MINE on raw images"), np.nan) for t in TASKS},
            "WKL on AE codes RMSE (raw grid)": {t: acc_c.get((t, "WKL on AE codes"), np.nan) for t in TASKS},
        }
    )
    key.index.name = "task"
    return {"tracks": tracks, "beats": beats, "offset": offset, "rmse": rmse, "bias": bias, "key": key}


def mnist_claims(
    phases_: pd.DataFrame, drop_epoch: Mapping[int, float], layers: Sequence[str], seeds: Sequence[int]
) -> dict[str, Any]:
    """The verdict inputs of the MNIST claims, over every (seed, layer).

    * several phases: a curve has at least 3 phases, of both kinds (fitting and compression);
    * coincidence: the first compression phase ``[a, e]`` of a curve contains its run's
      fastest-drop epoch or starts at most :data:`COINCIDENCE_LEAD` epochs after it
      (``a - 2 <= drop <= e``).

    ``phases_`` is :func:`phase_table`'s frame; ``drop_epoch`` maps seed -> epoch.

    Returns
    -------
    dict
        ``n_phase`` (curves with several phases), ``n_coinc`` (curves whose first compression
        coincides), ``first_comp`` ((seed, layer) -> (start, end) of the first compression, for
        the curves that have one) and ``n_cases`` (seeds x layers).
    """
    n_phase, n_coinc, first_comp = 0, 0, {}
    for s in seeds:
        for layer in layers:
            ph = phases_[(phases_["seed"] == s) & (phases_["layer"] == layer)]
            n_phase += int(len(ph) >= 3 and set(ph["kind"]) == {"fitting", "compression"})
            comp_ph = ph[ph["kind"] == "compression"]
            if len(comp_ph):
                a, e = float(comp_ph["start"].iloc[0]), float(comp_ph["end"].iloc[0])
                first_comp[(s, layer)] = (a, e)
                n_coinc += int(a - COINCIDENCE_LEAD <= drop_epoch[s] <= e)
    return {
        "n_phase": n_phase,
        "n_coinc": n_coinc,
        "first_comp": first_comp,
        "n_cases": len(seeds) * len(layers),
    }


@dataclass
class Claims:
    """The page's five claims: their verdict inputs (:func:`synthetic_claims`,
    :func:`mnist_claims`), verdicts (``v_track``, ``v_beats``, ``v_offset``, ``v_phase``,
    ``v_coinc``) and the key-number table :attr:`key`."""

    synthetic: dict[str, Any]
    mnist: dict[str, Any]
    verdicts: dict[str, str]
    drop_epoch: dict[int, float]

    @property
    def key(self) -> pd.DataFrame:
        return self.synthetic["key"]


def evaluate_claims(settings: Settings, acc: pd.DataFrame, synth: Synthetic, plane: Plane) -> Claims:
    """The verdicts of the page's claims, by :func:`ibcore.study.scorecard.verdict_count` over the
    tasks (synthetic claims) or the (seed, layer) curves (MNIST claims).

    The coincidence claim is not comparable when no curve compresses or a fastest drop is not
    finite. Returns :class:`Claims`.
    """
    prof = settings.profile
    syn = synthetic_claims(
        acc, synth.bench, top=max(settings.mi_grid), raw_grid=settings.raw_grid, first_seed=settings.seeds[0]
    )
    mn = mnist_claims(plane.phases, plane.drop_epoch, plane.layers, settings.cnn_seeds)
    n_tasks = len(TASKS)
    comparable = len(mn["first_comp"]) > 0 and all(np.isfinite(list(plane.drop_epoch.values())))
    verdicts = {
        "v_track": scorecard.verdict_count(sum(syn["tracks"].values()), n_tasks, profile=prof),
        "v_beats": scorecard.verdict_count(sum(syn["beats"].values()), n_tasks, profile=prof),
        "v_offset": scorecard.verdict_count(sum(syn["offset"].values()), n_tasks, profile=prof),
        "v_phase": scorecard.verdict_count(mn["n_phase"], mn["n_cases"], profile=prof),
        "v_coinc": scorecard.verdict_count(
            mn["n_coinc"], max(len(mn["first_comp"]), 1), profile=prof, comparable=comparable
        ),
    }
    return Claims(syn, mn, verdicts, dict(plane.drop_epoch))


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


def record_claims(notebook: str, settings: Settings, claims: Claims) -> pd.DataFrame:
    """Write the page's five scorecard rows (paper value, our value, verdict), in the page's order.

    Returns the notebook's scorecard rows (:func:`ibcore.study.scorecard.record`).
    """
    prof, syn, mn, v = settings.profile, claims.synthetic, claims.mnist, claims.verdicts
    top, key, n_tasks = max(settings.mi_grid), claims.key, len(TASKS)
    note = (
        f"N = {settings.n_samples}, {len(settings.seeds)} seed(s), grid {min(settings.mi_grid):g}-{top:g} "
        f"nats, k = {settings.k}"
    )
    cnn_note = _cnn_note(settings)
    rows = [
        (
            "WKL on autoencoder codes tracks the true MI (synthetic images)",
            "estimates close to the truth over 0-10 nats (Sec. 5)",
            f"RMSE {_by_task(key['WKL on AE codes RMSE'])} nats; tracks (<= {0.1 * top:g}) in "
            f"{sum(syn['tracks'].values())} of {n_tasks} tasks ({note})",
            v["v_track"],
        ),
        (
            "Compression beats estimators on the raw images",
            "conventional estimators fail on high-dimensional raw data (Sec. 5)",
            f"WKL-on-codes RMSE below KSG and MINE on raw images in {sum(syn['beats'].values())} of "
            f"{n_tasks} tasks (raw: N = {settings.raw_samples}, MI in {settings.raw_grid})",
            v["v_beats"],
        ),
        (
            "Plain KL on codes has an offset that WKL removes",
            "WKL the most accurate of the entropy estimators on codes (Sec. 5)",
            f"bias KL {_by_task(key['KL on AE codes bias'])}, "
            f"WKL {_by_task(key['WKL on AE codes bias'])} nats",
            v["v_offset"],
        ),
        (
            "Several fitting and compression phases (MNIST CNN)",
            "several fitting/compression phases in I(X;L) (Sec. 6)",
            f"{mn['n_phase']} of {mn['n_cases']} (seed, layer) curves show >= 3 phases of both kinds, each "
            f"above twice the curve's scatter ({cnn_note})",
            v["v_phase"],
        ),
        (
            "First compression coincides with the fastest loss drop",
            "first compression phase at the fastest decrease of the loss (Sec. 6)",
            f"fastest drop at epoch(s) {_drops(claims.drop_epoch)}; within the first compression "
            f"(or 2 epochs before its start) in {mn['n_coinc']} of {len(mn['first_comp'])} compressing "
            f"(seed, layer) curves ({cnn_note})",
            v["v_coinc"],
        ),
    ]
    card = None
    for claim, paper_value, our_value, verdict in rows:
        card = scorecard.record(notebook, prof, PAPER_KEY, claim, paper_value, our_value, verdict)
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
    if all(rmse[(t, "WKL on PCA codes")] > rmse[(t, "WKL on AE codes")] for t in TASKS):
        return "did worse than the autoencoder's in both tasks"
    return "were not worse than the autoencoder's in every task"


def drop_sentence(
    first_comp: Mapping[tuple[int, str], tuple[float, float]], drop_epoch: Mapping[int, float]
) -> str:
    """Whether the loss fell fastest more than two epochs before every first compression began."""
    if all(a > drop_epoch[s] + COINCIDENCE_LEAD for (s, _layer), (a, _e) in first_comp.items()):
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
    """The numbers and sentences the page's prose shows (``{glue:text}`name```), by name."""
    syn, mn, v, key = claims.synthetic, claims.mnist, claims.verdicts, claims.key
    first_comp, rmse, pt, layers = mn["first_comp"], syn["rmse"], plane.phases, plane.layers
    white = ablation.white.set_index(["layer", "epoch"])[IXL]
    unwhite = ablation.unwhite.set_index(["layer", "epoch"])[IXL]
    n_seeds = len(settings.cnn_seeds)
    return {
        "run_profile": settings.profile,
        **v,
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
