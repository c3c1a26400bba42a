"""Chapter 2's claims decided on this run: intervals over seeds, deviations, verdicts, rows and glue.

The claims are records declared before any run (:mod:`~ibcore.study.chapters.noisy_dnns.records`:
:data:`CLAIMS`, their settings with sources, their rules and thresholds). :func:`claims` decides
each on t intervals over the training seeds of per-seed values read from :class:`KeyNumbers`
(:func:`~ibcore.study.claims.t_interval`: unbounded with one seed, so one seed cannot decide), with
the deviations of this run (:func:`~ibcore.study.chapters.noisy_dnns.records.our_settings`);
:func:`record_claims` writes them to the scorecard, :func:`verdicts` and :func:`glue_values` give
what the page's prose shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.chapters.noisy_dnns.records import (
    BINNING,
    CLUSTERING,
    CNN_CLUSTERS,
    CNN_COMPRESSION,
    COMPRESSION,
    DIP_MIN,
    GAP_MIN,
    N_SE,
    ORTHONORMAL,
    PROXY,
    PROXY_MARGIN,
    RHO_MIN,
    TIGHTEN,
    our_settings,
)
from ibcore.study.chapters.noisy_dnns.scoring import SIG, KeyNumbers, bin_sentence, ortho_sentence
from ibcore.study.claims import Claim, Evaluation, Interval, Rule, count_meeting, evaluate, t_interval

if TYPE_CHECKING:  # ibcore.study.profiles imports this package (its PROFILE table)
    from ibcore.study.profiles import Settings

__all__ = ["claims", "verdicts", "record_claims", "glue_values"]

_NO_VALUE = Interval(0.0, -math.inf, math.inf, 0.95, "no finite value to decide on", 1)


def _over_seeds(values: Any) -> Interval:
    """The t interval over seeds of the finite ``values`` (unbounded with one value, or none)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return t_interval(arr) if arr.size else _NO_VALUE


def _met(rule: Rule, values: Any) -> str:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    k, n = count_meeting(rule, arr) if arr.size else (0, 0)
    return f"{k}/{n}"


def _seeds(n: int) -> str:
    return f"{n} seed{'s' if n != 1 else ''}"


def _notes(settings: Settings, n_seeds: int, n_cnn_seeds: int) -> tuple[str, str]:
    """The run descriptions the SZT and the CNN rows end with."""
    note = (
        f"{settings.n_epochs} epochs, {_seeds(n_seeds)}, SP on {settings.sp_inputs} inputs "
        f"(r={settings.sp_samples_per_x}, n_mc={settings.n_mc})"
    )
    cnn_note = (
        f"2 conv + dense 1583-128, beta = {settings.mnist_beta:g}, {settings.n_mnist_train} images, "
        f"{settings.n_mnist_epochs} epochs, {_seeds(n_cnn_seeds)}, SP on {settings.mnist_sp_inputs} test "
        f"images (r={settings.mnist_samples_per_x}, n_mc={settings.mnist_mc}; ceiling "
        f"{math.log2(settings.mnist_sp_inputs):.0f} bits)"
    )
    return note, cnn_note


def _not_comparable(
    claim: Claim, why: str, ours: dict[str, Any], settings: Settings, items: Sequence[str], **kw: Any
) -> Evaluation:
    """A claim with nothing to decide on (no compressing layer): ``not comparable`` with ``why``."""
    return evaluate(
        claim,
        [_NO_VALUE] * len(items),
        ours,
        our_value=why,
        profile=settings.profile,
        items=list(items),
        comparable=False,
        why_not_comparable=why,
        **kw,
    )


def _largest(t: pd.DataFrame, levels: str | list[str]) -> pd.DataFrame:
    """Per group of ``levels`` (a seed, a (beta, seed)): the row of the layer with the largest
    significant fall, or, where no fall is significant, the largest fall."""
    order = t.sort_values([SIG, "dip"], ascending=False, kind="stable")
    return order.groupby(level=levels, sort=False).head(1)


def _fall_text(rows: pd.DataFrame) -> str:
    """``"0.48 +- 0.31 [0.48]"``: the mean over seeds of the largest fall, of 2 Monte Carlo s.e. and
    (in brackets) of the fall the rule counts."""
    return f"{rows['dip'].mean():.2f} +- {N_SE * rows['dip stderr'].mean():.2f} [{rows[SIG].mean():.2f}]"


_FALLS = (
    f"largest fall of I(X;T_l), +- {N_SE:g} Monte Carlo s.e. [counted: beyond {N_SE:g} s.e.], "
    "mean over seeds: "
)


def _compression(n: KeyNumbers, settings: Settings, ours: dict[str, Any], note: str) -> Evaluation:
    best = _largest(n.seed_table, ["beta", "seed"])
    betas = list(dict.fromkeys(n.seed_table.index.get_level_values("beta")))
    rows = {b: best.xs(b, level="beta") for b in betas}
    values = {b: rows[b][SIG].to_numpy() for b in betas}
    rule = COMPRESSION.rule
    return evaluate(
        COMPRESSION,
        [_over_seeds(values[b]) for b in betas],
        ours,
        our_value=_FALLS
        + ", ".join(f"beta {b:g} {_fall_text(rows[b])}" for b in betas)
        + f" bits; some layer falls >= {DIP_MIN:g} bit at {n.n_beta_comp} of {n.n_betas} betas ({note})",
        profile=settings.profile,
        items=[f"beta {b:g}" for b in betas],
        seeds=len(n.seeds),
        support=f"seeds with a hidden layer falling >= {DIP_MIN:g} bit beyond {N_SE:g} MC s.e.: "
        + ", ".join(f"beta {b:g} {_met(rule, values[b])}" for b in betas),
    )


def _clustering(n: KeyNumbers, settings: Settings, ours: dict[str, Any], note: str) -> Evaluation:
    pairs = list(n.table.index[n.table["compresses"].to_numpy()])
    if not pairs:
        why = (
            f"no (beta, layer) compresses (mean significant fall >= {DIP_MIN:g} bit): "
            "no fall to set beside clustering"
        )
        return _not_comparable(CLUSTERING, why, ours, settings, ["no compression"], seeds=len(n.seeds))
    change = {
        (b, layer): n.seed_table.xs((b, layer), level=["beta", "layer"])["measure change"].to_numpy()
        for b, layer in pairs
    }
    labels = [f"beta {b:g} {layer}" for b, layer in pairs]
    rule = CLUSTERING.rule
    return evaluate(
        CLUSTERING,
        [_over_seeds(change[p]) for p in pairs],
        ours,
        our_value="change of the distance ratio during the fall, mean over seeds: "
        + ", ".join(f"{lab} {np.nanmean(change[p]):+.0%}" for lab, p in zip(labels, pairs, strict=True))
        + f"; it falls >= {TIGHTEN:.0%} during {n.n_tight} of {n.n_comp} compressions ({note})",
        profile=settings.profile,
        items=labels,
        seeds=len(n.seeds),
        support=f"seeds whose ratio falls >= {TIGHTEN:.0%} during the fall: "
        + ", ".join(f"{lab} {_met(rule, change[p])}" for lab, p in zip(labels, pairs, strict=True)),
    )


def _binning(n: KeyNumbers, settings: Settings, ours: dict[str, Any], note: str) -> Evaluation:
    layers = list(n.track.index[(n.track["dip"] >= DIP_MIN).to_numpy()])
    if not layers:
        why = (
            f"no layer of the twin's binned I(X;T) falls >= {DIP_MIN:g} bit (mean over seeds): "
            "no fall to set beside clustering"
        )
        return _not_comparable(BINNING, why, ours, settings, ["no fall"], seeds=len(n.seeds))
    sub = n.seed_track[n.seed_track.index.get_level_values("layer").isin(layers)]
    rho = sub["rho after peak"].groupby(level="seed", sort=False).mean().to_numpy()
    per_layer = ", ".join(f"{layer} {n.track.loc[layer, 'rho after peak']:.2f}" for layer in layers)
    return evaluate(
        BINNING,
        _over_seeds(rho),
        ours,
        our_value=(
            f"twin at beta = {n.beta0:g}, layers whose binned I(X;T) falls >= {DIP_MIN:g} bit: "
            f"{', '.join(layers)}; rank correlation of binned I(X;T) and the distance ratio from the "
            f"binned peak on (mean over seeds): {per_layer}; mean {np.nanmean(rho):.2f}; >= {RHO_MIN:g} "
            f"in {n.n_track} of {len(layers)} layers ({note})"
        ),
        profile=settings.profile,
        seeds=len(n.seeds),
        support=f"seeds whose mean correlation after the peak is >= {RHO_MIN:g}: {_met(BINNING.rule, rho)}",
    )


def _cnn_compression(n: KeyNumbers, settings: Settings, ours: dict[str, Any], cnn_note: str) -> Evaluation:
    best = _largest(n.seed_cnn, "seed")
    values = best[SIG].to_numpy()
    return evaluate(
        CNN_COMPRESSION,
        _over_seeds(values),
        ours,
        our_value=f"{_FALLS}{_fall_text(best)} bits in the two dense layers; test accuracy "
        f"{n.cnn_acc:.3f}; highest I(X;T) {n.sp_cnn[IXL].max() / LN2:.2f} bits against the "
        f"log2 m ceiling ({cnn_note})",
        profile=settings.profile,
        seeds=len(values),
        support=f"seeds with a layer falling >= {DIP_MIN:g} bit beyond {N_SE:g} MC s.e.: "
        + _met(CNN_COMPRESSION.rule, values),
    )


def _cnn_clusters(n: KeyNumbers, settings: Settings, ours: dict[str, Any], cnn_note: str) -> Evaluation:
    rise = n.cos_gaps["last"] - n.cos_gaps["first"]
    values = {layer: rise.xs(layer, level="layer").to_numpy() for layer in n.cnn_layers}
    gaps = ", ".join(
        f"{layer} {n.cos_gap.loc[layer, 'first']:.2f} -> {n.cos_gap.loc[layer, 'last']:.2f}"
        for layer in n.cnn_layers
    )
    return evaluate(
        CNN_CLUSTERS,
        [_over_seeds(values[layer]) for layer in n.cnn_layers],
        ours,
        our_value=f"within-minus-between cosine similarity, mean over seeds: {gaps} ({cnn_note})",
        profile=settings.profile,
        items=list(n.cnn_layers),
        seeds=len(n.cos_gaps.index.get_level_values("seed").unique()),
        support=f"seeds whose gap rises >= {GAP_MIN:g}: "
        + ", ".join(f"{layer} {_met(CNN_CLUSTERS.rule, values[layer])}" for layer in n.cnn_layers),
    )


def _orthonormal(n: KeyNumbers, settings: Settings, ours: dict[str, Any], note: str) -> Evaluation:
    was = list(n.was)
    if not was:
        why = f"no hidden layer compresses at beta = {n.beta0:g} without the regulariser: nothing to prevent"
        return _not_comparable(ORTHONORMAL, why, ours, settings, ["no compression"], seeds=len(n.seeds))
    values = {layer: n.seed_ortho.xs(layer, level="layer")[SIG].to_numpy() for layer in was}
    plain = n.table.loc[n.beta0, SIG]
    return evaluate(
        ORTHONORMAL,
        [_over_seeds(values[layer]) for layer in was],
        ours,
        our_value=f"with the Parseval retraction (alpha {settings.parseval_alpha:g}), the fall beyond 2 MC "
        "s.e. (mean over seeds) of the layers that compress without it: "
        + ", ".join(f"{layer} {values[layer].mean():.2f} (without: {plain[layer]:.2f})" for layer in was)
        + f" bits; {n.n_prevented} of {len(was)} no longer compress ({note})",
        profile=settings.profile,
        items=was,
        seeds=len(n.seeds),
        support=f"seeds in which the layer no longer compresses (below {DIP_MIN:g} bit): "
        + ", ".join(f"{layer} {_met(ORTHONORMAL.rule, values[layer])}" for layer in was),
    )


def _proxy(n: KeyNumbers, settings: Settings, ours: dict[str, Any], note: str) -> Evaluation:
    diff = "noisy - deterministic"
    betas = list(n.proxy.index)
    values = {b: n.seed_proxy.xs(b, level="beta")[diff].to_numpy() for b in betas}
    return evaluate(
        PROXY,
        [_over_seeds(values[b]) for b in betas],
        ours,
        our_value="accuracy on all 4096 inputs, noise on (mean over draws) / off, mean over seeds: "
        + ", ".join(
            f"beta {b:g} {n.proxy.loc[b, 'noisy']:.3f} / {n.proxy.loc[b, 'deterministic']:.3f} "
            f"({n.proxy.loc[b, diff]:+.3f})"
            for b in betas
        )
        + f"; within +-{PROXY_MARGIN:g} at {n.n_proxy} of {len(betas)} betas ({note})",
        profile=settings.profile,
        items=[f"beta {b:g}" for b in betas],
        seeds=len(n.seeds),
        support=f"seeds within +-{PROXY_MARGIN:g}: "
        + ", ".join(f"beta {b:g} {_met(PROXY.rule, values[b])}" for b in betas),
    )


def _cnn_accuracy(acc: float) -> str:
    """The CNN's accuracy in the words of the ``cnn_accuracy`` setting."""
    return ">= 97 % test accuracy" if acc >= 0.97 else f"{acc:.1%} test accuracy (< 97 %)"


def claims(
    numbers: KeyNumbers, settings: Settings, ours: dict[str, Any] | None = None
) -> tuple[Evaluation, ...]:
    """The page's seven claims decided on this run, in scorecard order (:data:`CLAIMS`).

    Every rule reads t intervals over the training seeds of per-seed values (Monte Carlo errors go
    into each seed's value, through :func:`significant_dip`, and into the row's text, never in place
    of the interval over seeds); with one seed the intervals are unbounded and no rule decides.
    The evaluations carry the deviations of ``ours`` (default :func:`our_settings` of ``settings``,
    with the CNN's measured accuracy as ``cnn_accuracy``).
    """
    ours = our_settings(settings) if ours is None else dict(ours)
    if ours.get("cnn_accuracy") == "not measured":
        ours["cnn_accuracy"] = _cnn_accuracy(numbers.cnn_acc)
    n = numbers
    note, cnn_note = _notes(settings, len(n.seeds), len(n.cos_gaps.index.get_level_values("seed").unique()))
    return (
        _compression(n, settings, ours, note),
        _clustering(n, settings, ours, note),
        _binning(n, settings, ours, note),
        _cnn_compression(n, settings, ours, cnn_note),
        _cnn_clusters(n, settings, ours, cnn_note),
        _orthonormal(n, settings, ours, note),
        _proxy(n, settings, ours, note),
    )


_GLUE_KEYS = (
    "comp",
    "clus",
    "bin",
    "cnn",
    "cos",
    "orth",
    "proxy",
)  # the page's names, in the order of claims()


def verdicts(evaluations: Sequence[Evaluation]) -> dict[str, str]:
    """The verdicts of :func:`claims`, keyed as the page glues them (``v_comp``, ``v_clus``,
    ``v_bin``, ``v_cnn``, ``v_cos``, ``v_orth``, ``v_proxy``), and their reasons (``why_comp``, ...)."""
    out = {f"v_{k}": e.verdict for k, e in zip(_GLUE_KEYS, evaluations, strict=True)}
    out.update({f"why_{k}": e.reason for k, e in zip(_GLUE_KEYS, evaluations, strict=True)})
    return out


def record_claims(notebook: str, settings: Settings, numbers: KeyNumbers) -> pd.DataFrame:
    """Record :func:`claims` on the scorecard (:func:`ibcore.study.scorecard.record_evaluation`).

    Returns
    -------
    pandas.DataFrame
        The notebook's rows (:func:`ibcore.study.scorecard.card`).
    """
    card = None
    for evaluation in claims(numbers, settings):
        card = scorecard.record_evaluation(notebook, evaluation)
    return card


def glue_values(numbers: KeyNumbers, settings: Settings) -> dict[str, Any]:
    """The values the page's prose shows, name -> value (formatted strings where the prose wants
    them), for :func:`ibcore.study.pages.glue_all`: the counts and tables on the means over seeds,
    and the verdicts of :func:`claims` with their reasons.

    Returns
    -------
    dict
    """
    n = numbers
    row0 = n.table.loc[(n.beta0, n.last)]
    hid_o = n.ortho_table.loc[n.hidden]
    lag_text = "; ".join(
        f"beta = {b:g}: I(X;T) peak at epoch {int(r['peak epoch'])}, bottom at "
        f"{int(r['bottom epoch'])}, tightest clusters at {int(r['min epoch'])} "
        f"(lag {int(r['lag'])} epochs after the peak, {int(r['bottom lag'])} after "
        "the bottom)"
        for b, r in n.lags.iterrows()
    )
    cnn_path = "; ".join(
        f"{layer} from {g[IXL].iloc[0] / LN2:.2f} bits before training to "
        f"{g[IXL].iloc[-1] / LN2:.2f} at epoch {int(g['epoch'].iloc[-1])}"
        for layer, g in n.sp_cnn.groupby("layer", sort=False)
    )
    gap = n.cos_gap
    return {
        "run_profile": settings.profile,
        "n_seeds": len(n.seeds),
        "n_beta_comp": n.n_beta_comp,
        "n_betas": n.n_betas,
        "n_comp": n.n_comp,
        "n_tight": n.n_tight,
        "n_track": n.n_track,
        "n_track_fall": n.n_track_fall,
        "n_bin_comp": n.n_bin_comp,
        "n_rho_pos": n.n_rho_pos,
        "n_proxy": n.n_proxy,
        "proxy_text": "; ".join(
            f"beta = {b:g}: {r['noisy']:.3f} with the noise on against {r['deterministic']:.3f} without"
            for b, r in n.proxy.iterrows()
        ),
        "rho_after_text": ", ".join(
            f"{layer} {rho:.2f}" for layer, rho in n.track["rho after peak"].dropna().items()
        )
        or "none",
        "n_hidden": len(n.hidden),
        "n_was": len(n.was),
        "n_prevented": n.n_prevented,
        "lag_text": lag_text,
        "ortho_change": f"{hid_o['measure change'].min():.0%} to {hid_o['measure change'].max():.0%}",
        "ortho_dip": f"{hid_o['dip'].max():.2f}",
        "ortho_sentence": ortho_sentence(n.ortho_table, n.hidden),
        "bin_sentence": bin_sentence(n.n_rho_pos, n.n_rho),
        "dip0": f"{row0['dip']:.2f}",
        "dip0_se": f"{row0['dip stderr']:.2f}",
        "rho_text": ", ".join(f"{layer} {rho:.2f}" for layer, rho in n.track["rho"].dropna().items()),
        **verdicts(claims(n, settings)),
        "n_cnn_comp": n.n_cnn_comp,
        "cnn_dip": f"{n.cnn_table['dip'].max():.2f}",
        "cnn_acc": f"{n.cnn_acc:.3f}",
        "cnn_path": cnn_path,
        "cnn_gap": "; ".join(
            f"{layer} from {gap.loc[layer, 'first']:.2f} to {gap.loc[layer, 'last']:.2f}"
            for layer in n.cnn_layers
        ),
        "cnn_change": ", ".join(f"{layer} {c:+.0%}" for layer, c in n.cnn_table["measure change"].items()),
        "beta0": f"{n.beta0:g}",
        "last": n.last,
    }
