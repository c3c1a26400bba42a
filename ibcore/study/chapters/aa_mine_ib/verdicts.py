"""The page's verdicts (Elad et al. 2019): the claim records decided on this run, their rows and glue values.

Each function reads the per-seed statistic of one claim of
:mod:`~ibcore.study.chapters.aa_mine_ib.records` from the results of
:mod:`~ibcore.study.chapters.aa_mine_ib.experiments`, puts an interval over the seeds on it and
decides the claim with :func:`ibcore.study.claims.evaluate`: :func:`fig1_claims` (AA-MINE grows,
MINE saturates, the Eq. (5) anchor; per-seed numbers by :func:`fig1_seed_statistics` and
:func:`anchor_errors`), :func:`table1_claims` (per data set, Welch intervals of IB - CE and
IB - I(Y;L)), :func:`fig3_claim` (quantisation) and :func:`weight_decay_claim` (the weights
shrink). :func:`evaluate_claims` gathers them, :func:`record_claims` writes the scorecard rows and
:func:`glue_values` gives the numbers and verdicts the page's prose shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ibcore.study.chapters.aa_mine_ib.experiments import (
    TABLE1_METHODS,
    ChapterData,
    Convergence,
    Fig1,
    Fig3,
    Table1,
    WeightDecay,
    base_name,
)
from ibcore.study.chapters.aa_mine_ib.methods import METHOD_LABELS, failed_fits
from ibcore.study.chapters.aa_mine_ib.records import (
    AA_GROWS,
    ANCHOR,
    MINE_SATURATES,
    QUANTISES,
    TABLE1_CIFAR,
    TABLE1_CLAIMS,
    TABLE1_ITEMS,
    WEIGHT_DECAY,
    our_settings,
)
from ibcore.study.claims import (
    Claim,
    Evaluation,
    Interval,
    count_meeting,
    difference_interval,
    evaluate,
    t_interval,
)

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    import pandas as pd

    from ibcore.study.profiles import Settings

__all__ = [
    "fig1_seed_statistics",
    "anchor_errors",
    "fig1_claims",
    "table1_claim",
    "table1_claims",
    "fig3_claim",
    "weight_decay_claim",
    "evaluate_claims",
    "record_claims",
    "glue_values",
]


def _no_interval(reason: str) -> Interval:
    """A placeholder statistic for a claim the data cannot decide (its verdict is "not comparable")."""
    return Interval(0.0, -math.inf, math.inf, 0.95, reason, 1)


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _seed_interval(values: Sequence[float], reason: str) -> Interval:
    return t_interval(values) if len(values) else _no_interval(reason)


# --- Fig. 1 ----------------------------------------------------------------------------------------------
def fig1_seed_statistics(fig1: Fig1) -> pd.DataFrame:
    """Per seed (rows) the numbers Fig. 1's two claims read, from the MLP sweep (nats).

    Columns: ``aa_first`` and ``aa_last`` (AA-MINE at the largest variance and at the smallest
    whose fit did not diverge, NaN when every fit diverged), ``aa_growth`` (their difference),
    ``aa_capped`` (``aa_last`` capped at log(``n_heldout``), minus that ceiling: <= 0, 0 at the
    ceiling), ``aa_last_diverged`` (the fit at the smallest variance diverged), ``mine_first``,
    ``mine_last``, ``mine_rise`` (MINE's rise over the last three noise levels, or first to last
    with fewer), ``mine_tail_diverged`` (a MINE fit among those levels failed, :func:`failed_fits`:
    the seed's rise is no evidence of saturation) and ``n_diverged`` (fits of both estimators flagged).
    """
    import pandas as pd

    ceiling = float(np.log(fig1.n_heldout))
    sweep = fig1.sweep if "seed" in fig1.sweep else fig1.sweep.assign(seed=0)
    rows = []
    for seed, frame in sweep.groupby("seed", sort=True):
        aa = frame[frame.estimator == "AA-MINE"].sort_values("variance", ascending=False)
        mi = frame[frame.estimator == "MINE"].sort_values("variance", ascending=False)
        usable = aa[~aa["diverged"].astype(bool)]["estimate"].to_numpy()
        failed = failed_fits(mi["estimate"].to_numpy(dtype=float), mi["diverged"].astype(bool).tolist())
        tail = mi.iloc[-3:] if len(mi) >= 3 else mi
        rows.append(
            {
                "seed": seed,
                "aa_first": usable[0] if len(usable) else np.nan,
                "aa_last": usable[-1] if len(usable) else np.nan,
                "aa_growth": usable[-1] - usable[0] if len(usable) else np.nan,
                "aa_capped": min(float(usable[-1]), ceiling) - ceiling if len(usable) else np.nan,
                "aa_last_diverged": bool(aa["diverged"].iloc[-1]),
                "mine_first": float(mi["estimate"].iloc[0]),
                "mine_last": float(mi["estimate"].iloc[-1]),
                "mine_rise": float(tail["estimate"].iloc[-1] - tail["estimate"].iloc[0]),
                "mine_tail_diverged": any(failed[-len(tail) :]),
                "n_diverged": int(frame["diverged"].sum()),
            }
        )
    return pd.DataFrame(rows).set_index("seed")


def anchor_errors(fig1: Fig1) -> pd.DataFrame:
    """The Eq. (5) anchor per noise variance (rows, largest first): AA-MINE minus the closed form in
    each seed (one column per seed, nats) and ``truth max``, the largest closed form over the seeds."""
    anchor = fig1.anchor if "seed" in fig1.anchor else fig1.anchor.assign(seed=0)
    aa = anchor[anchor.estimator == "AA-MINE"].assign(error=lambda f: f["estimate"] - f["truth"])
    errors = aa.pivot(index="variance", columns="seed", values="error").sort_index(ascending=False)
    errors["truth max"] = aa.groupby("variance")["truth"].max()
    return errors


def _mean_curve(sweep: pd.DataFrame, estimator: str) -> np.ndarray:
    """Mean over the seeds' fits that did not diverge, per variance (largest first; NaN: all diverged)."""
    frame = sweep[sweep.estimator == estimator]
    order = sorted(frame["variance"].unique(), reverse=True)
    usable = frame[~frame["diverged"].astype(bool)]
    return usable.groupby("variance")["estimate"].mean().reindex(order).to_numpy()


def fig1_claims(fig1: Fig1, settings: Settings, ours: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Fig. 1's three claims decided on this run: :data:`AA_GROWS`, :data:`MINE_SATURATES`, :data:`ANCHOR`.

    AA-MINE: the t interval over seeds of each seed's growth (:func:`fig1_seed_statistics`) minus
    log(``n_heldout``), against 0 (seeds whose every fit diverged are left out). MINE: the t
    interval of each seed's rise over the last three noise levels, against 1 nat (seeds with a
    diverged fit there are left out). The anchor: per variance whose closed form lies below
    log(``n_heldout``) in every seed, the t interval of AA-MINE minus Eq. (5), within 0.5 nat
    (``"not comparable"`` when no variance qualifies).

    Returns ``aa`` and ``mi`` (mean estimates over the seeds' fits that did not diverge, largest
    variance first), ``log_ev``, ``seed_stats``, ``errors`` (:func:`anchor_errors`), ``mine_rise``
    (mean over the seeds used), ``n_diverged`` (both panels), ``n_anchor_ok`` (variances that meet
    the rule) of ``n_inside``, the evaluations ``e_aa``, ``e_mine``, ``e_anchor`` and their
    verdicts ``v_aa``, ``v_mine``, ``v_anchor``.
    """
    ours = our_settings(settings) if ours is None else ours
    prof, n_heldout = settings.profile, fig1.n_heldout
    log_ev = float(np.log(n_heldout))
    stats = fig1_seed_statistics(fig1)
    seeds = len(stats)
    aa, mi = _mean_curve(fig1.sweep, "AA-MINE"), _mean_curve(fig1.sweep, "MINE")
    vmax, vmin = float(np.max(fig1.variances)), float(np.min(fig1.variances))
    n_diverged = int(fig1.sweep["diverged"].sum()) + int(fig1.anchor["diverged"].sum())
    note = f"{prof} profile, {seeds} seed(s)"

    above = stats["aa_capped"].dropna().to_numpy()
    n_at_ceiling = int((stats["aa_last"] >= log_ev).sum())
    k, n = count_meeting(AA_GROWS.rule, above) if len(above) else (0, 0)
    late = int(stats["aa_last_diverged"].sum())
    e_aa = evaluate(
        AA_GROWS,
        _seed_interval(above, "every AA-MINE fit diverged"),
        ours,
        our_value=(
            f"{aa[0]:.2f} -> {aa[-1]:.2f} nats from sigma^2 = {vmax:g} to {vmin:g} "
            f"(mean of {seeds} seed(s)); "
            f"capped at the held-out ceiling log {n_heldout} = {log_ev:.2f} nats, minus it: mean "
            f"{_mean(above):.2f} nats ({n_at_ceiling} seed(s) at or above it: 'at the ceiling'); "
            f"{n_diverged} diverged fits in the sweeps ({note})"
        ),
        profile=prof,
        seeds=seeds,
        support=f"{k} of {n} seeds reach within 0.5 nat of log {n_heldout}"
        + (f"; {late} seed(s) with the last fit diverged, their growth ends earlier" if late else ""),
        comparable=len(above) > 0,
        why_not_comparable="every AA-MINE fit of every seed diverged: no growth to read",
    )

    rise = stats.loc[~stats["mine_tail_diverged"], "mine_rise"].to_numpy()
    k, n = count_meeting(MINE_SATURATES.rule, rise) if len(rise) else (0, 0)
    dropped = seeds - len(rise)
    e_mine = evaluate(
        MINE_SATURATES,
        _seed_interval(rise, "every seed had a failed MINE fit"),
        ours,
        our_value=(
            f"{mi[0]:.2f} -> {mi[-1]:.2f} nats (mean of {seeds} seed(s)); rise over the last three noise "
            f"levels {_mean(rise):.2f} nats"
        ),
        profile=prof,
        seeds=seeds,
        support=f"{k} of {n} seeds rise by <= 1 nat"
        + (
            f"; {dropped} of {seeds} seed(s) failed (a diverged or collapsed MINE fit there)"
            if dropped
            else ""
        ),
        comparable=len(rise) > 0,
        why_not_comparable=(
            "every seed had a failed MINE fit (diverged, NaN, negative or collapsing) among the last three "
            "noise levels: a failed estimate, not saturation"
        ),
    )

    errors = anchor_errors(fig1)
    seed_cols = [c for c in errors.columns if c != "truth max"]
    inside = errors[errors["truth max"] < log_ev]
    rows = inside if len(inside) else errors
    intervals = [t_interval(rows.loc[v, seed_cols].to_numpy(dtype=float)) for v in rows.index]
    items = [f"sigma^2 = {v:g}" for v in rows.index]
    n_anchor_ok = sum(ANCHOR.rule.decide_one(s) == "met" for s in intervals) if len(inside) else 0
    per_seed = [count_meeting(ANCHOR.rule, rows.loc[v, seed_cols].to_numpy(dtype=float)) for v in rows.index]
    e_anchor = evaluate(
        ANCHOR,
        intervals,
        ours,
        our_value=(
            "mean error "
            + ", ".join(
                f"{i} {rows.loc[v, seed_cols].mean():+.2f}" for i, v in zip(items, rows.index, strict=True)
            )
            + f" nats; {len(inside)} of {len(errors)} variances below log {n_heldout} ({note})"
        ),
        profile=prof,
        items=items,
        seeds=seeds,
        support="seeds within 0.5 nat: "
        + ", ".join(f"{i} {k}/{n}" for i, (k, n) in zip(items, per_seed, strict=True)),
        comparable=len(inside) > 0,
        why_not_comparable=(
            f"no noise variance has its closed form below log {n_heldout} = {log_ev:.2f} nats in every "
            "seed: the held-out bound cannot resolve the truth at any of them"
        ),
    )
    return {
        "aa": aa,
        "mi": mi,
        "log_ev": log_ev,
        "seed_stats": stats,
        "errors": errors,
        "mine_rise": _mean(rise),
        "n_mine_failed": int(stats["mine_tail_diverged"].sum()),
        "n_at_ceiling": n_at_ceiling,
        "n_diverged": n_diverged,
        "n_anchor_ok": int(n_anchor_ok),
        "n_inside": len(inside),
        "e_aa": e_aa,
        "e_mine": e_mine,
        "e_anchor": e_anchor,
        "v_aa": e_aa.verdict,
        "v_mine": e_mine.verdict,
        "v_anchor": e_anchor.verdict,
    }


# --- Table 1 ---------------------------------------------------------------------------------------------
def table1_claim(name: str) -> Claim:
    """The claim record that decides Table 1's row ``name`` (any CIFAR-10 data: :data:`TABLE1_CIFAR`)."""
    name = base_name(name)
    if name.startswith("CIFAR-10"):
        return TABLE1_CIFAR
    if name not in TABLE1_CLAIMS:
        raise ValueError(f"no Table 1 claim for data set {name!r}; known: {', '.join(TABLE1_CLAIMS)}")
    return TABLE1_CLAIMS[name]


def table1_claims(
    table1: Table1, settings: Settings, ours: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Table 1's claims decided per data set on this run.

    Per data set, the Welch intervals (:func:`~ibcore.study.claims.difference_interval`) over
    seeds of the test accuracy IB - CE and IB - I(Y;L) in points, each against the non-inferiority
    margin of its claim (``"not comparable"`` where ``table1.same_data`` is False: the partial
    CIFAR-10).

    Returns ``means`` (row -> method -> mean accuracy %), ``evaluations`` and ``verdicts``
    (data set -> Evaluation / verdict; the scorecard's rows), ``side`` (the 784-512-512-10 rows decided by
    the same rule, shown on the page, not recorded), ``n_order`` (comparable rows reproduced) and
    ``n_comparable``.
    """
    ours = our_settings(settings) if ours is None else ours
    prof, n_seeds = settings.profile, len(settings.seeds)
    note = f"{prof} profile, {n_seeds} seed(s), {settings.n_steps} steps per layer"
    means, evaluations, side = {}, {}, {}
    for name in table1.comparable:
        claim, acc = table1_claim(name), table1.accuracy[name]
        means[name] = {m: float(np.mean(acc[m])) for m in TABLE1_METHODS}
        ib = np.asarray(acc["ib"])
        diffs = [difference_interval(acc["ib"], acc[m]) for m in ("ce", "iyl")]
        paired = [ib - np.asarray(acc[m]) for m in ("ce", "iyl")]
        met = [count_meeting(r, d) for r, d in zip(claim.rule.rules, paired, strict=True)]
        ours_text = ", ".join(f"{k.upper()} {means[name][k]:.2f}" for k in TABLE1_METHODS)
        target = evaluations if base_name(name) == name else side
        target[name] = evaluate(
            claim,
            diffs,
            ours,
            our_value=(
                f"{ours_text} (mean of {len(ib)} seed(s); {name}; {note}); "
                + ", ".join(f"{i} {d.estimate:+.2f}" for i, d in zip(TABLE1_ITEMS, diffs, strict=True))
                + " points"
            ),
            profile=prof,
            items=TABLE1_ITEMS,
            seeds=len(ib),
            support=f"seeds with a difference >= {claim.rule.rules[0].threshold:g} points: "
            + ", ".join(f"{i} {k}/{n}" for i, (k, n) in zip(TABLE1_ITEMS, met, strict=True)),
            comparable=table1.same_data[name],
            why_not_comparable=(
                f"ran on {name}, not the paper's CIFAR-10 (the whole 50000 / 10000-image benchmark)"
            ),
        )
    verdicts = {name: e.verdict for name, e in evaluations.items()}
    return {
        "means": means,
        "evaluations": evaluations,
        "side": side,
        "verdicts": verdicts,
        "n_order": sum(verdicts[n] == "reproduced" for n in verdicts if table1.comparable[n]),
        "n_comparable": sum(table1.comparable.values()),
    }


# --- Fig. 3 ----------------------------------------------------------------------------------------------
_QUANT_ITEMS = {"saturated": "saturated fraction", "nn_gap": "NN gap"}


def fig3_claim(
    fig3: Fig3, betas: Sequence[float], settings: Settings, ours: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Fig. 3's claim decided on this run: per quantisation number (saturated fraction, NN gap), the
    t interval over seeds of the large-beta (``betas[0]``) minus the small-beta (``betas[-1]``)
    value, against 0.

    Returns ``b_large``, ``b_small``, ``large`` and ``small`` (the first seed's quantisation, as
    drawn), ``diffs`` (number -> per-seed differences), ``n_quant`` (numbers whose interval lies
    above 0, 0..2), the evaluation ``e_quant`` and its verdict ``v_quant``.
    """
    ours = our_settings(settings) if ours is None else ours
    b_large, b_small = betas[0], betas[-1]
    per_seed = fig3.seed_quant or {0: fig3.quant}
    diffs = {k: [q[b_large][k] - q[b_small][k] for q in per_seed.values()] for k in _QUANT_ITEMS}
    intervals = [t_interval(diffs[k]) for k in _QUANT_ITEMS]
    met = [count_meeting(QUANTISES.rule, diffs[k]) for k in _QUANT_ITEMS]
    large, small = fig3.quant[b_large], fig3.quant[b_small]
    e_quant = evaluate(
        QUANTISES,
        intervals,
        ours,
        our_value=(
            f"beta = {b_large:g}: saturated {large['saturated']:.2f}, NN gap {large['nn_gap']:.2f}; "
            f"beta = {b_small:g}: {small['saturated']:.2f}, {small['nn_gap']:.2f} (first seed); "
            "mean difference "
            + ", ".join(f"{_QUANT_ITEMS[k]} {np.mean(diffs[k]):+.2f}" for k in _QUANT_ITEMS)
            + f" ({len(per_seed)} seed(s))"
        ),
        profile=settings.profile,
        items=tuple(_QUANT_ITEMS.values()),
        seeds=len(per_seed),
        support="seeds more quantised at the large beta: "
        + ", ".join(f"{_QUANT_ITEMS[key]} {k}/{n}" for key, (k, n) in zip(_QUANT_ITEMS, met, strict=True)),
    )
    return {
        "b_large": b_large,
        "b_small": b_small,
        "large": large,
        "small": small,
        "diffs": diffs,
        "n_quant": sum(QUANTISES.rule.decide_one(s) == "met" for s in intervals),
        "e_quant": e_quant,
        "v_quant": e_quant.verdict,
    }


# --- Sec. 2: weight decay --------------------------------------------------------------------------------
def weight_decay_claim(
    runs: pd.DataFrame, n_layers: int, settings: Settings, lam: float, ours: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Sec. 2's claim decided on this run: per layer, the t interval over seeds of the IB run's
    weight norm over the beta = 0 run's of the same seed (same initial weights), minus 1, against 0.

    ``runs`` holds ``method``, ``seed``, ``weight_norms`` and ``accuracy`` per run (MNIST 1 %).
    Returns ``mean_norms`` (method x layer, 0-based columns), ``mean_acc`` (accuracy % per
    method), ``ratios`` (seed x layer: IB / beta = 0 - 1), ``n_shrink`` (layers whose mean IB norm
    is below the mean beta = 0 norm), ``n_wd_met`` (layers whose interval lies below 0), the
    evaluation ``e_wd`` and its verdict ``v_wd``.
    """
    import pandas as pd

    ours = our_settings(settings) if ours is None else ours
    mean_norms = pd.DataFrame(runs["weight_norms"].tolist()).groupby(runs["method"]).mean()
    n_shrink = int((mean_norms.loc["ib"] < mean_norms.loc["iyl"]).sum())
    by_seed = {
        m: pd.DataFrame(runs[runs.method == m]["weight_norms"].tolist(), index=runs[runs.method == m]["seed"])
        for m in ("ib", "iyl")
    }
    ratios = (by_seed["ib"] / by_seed["iyl"] - 1).dropna()
    layers = list(range(n_layers))
    intervals = [t_interval(ratios[i].to_numpy()) for i in layers]
    items = [f"layer {i + 1}" for i in layers]
    met = [count_meeting(WEIGHT_DECAY.rule, ratios[i].to_numpy()) for i in layers]
    e_wd = evaluate(
        WEIGHT_DECAY,
        intervals,
        ours,
        our_value=(
            "IB norm / beta = 0 norm - 1: "
            + ", ".join(f"{it} {ratios[i].mean():+.1%}" for it, i in zip(items, layers, strict=True))
            + f" (mean of {len(ratios)} seed(s), MNIST 1 %); IB norm below the beta = 0 norm in "
            f"{n_shrink} of {n_layers} layers; matched L2 lambda = {lam:.3g}"
        ),
        profile=settings.profile,
        items=items,
        seeds=len(ratios),
        support="seeds whose IB norm is below the beta = 0 norm: "
        + ", ".join(f"{it} {k}/{n}" for it, (k, n) in zip(items, met, strict=True)),
    )
    return {
        "mean_norms": mean_norms,
        "mean_acc": 100 * runs.groupby("method")["accuracy"].mean(),
        "ratios": ratios,
        "n_shrink": n_shrink,
        "n_wd_met": sum(WEIGHT_DECAY.rule.decide_one(s) == "met" for s in intervals),
        "e_wd": e_wd,
        "v_wd": e_wd.verdict,
    }


# --- the page --------------------------------------------------------------------------------------------
def evaluate_claims(
    settings: Settings,
    data: ChapterData,
    fig1: Fig1,
    table1: Table1,
    fig3: Fig3,
    wd: WeightDecay,
    ours: Mapping[str, Any] | None = None,
    convergence: Convergence | None = None,
) -> dict[str, Any]:
    """All of the page's claims decided on this run, by :func:`fig1_claims`, :func:`table1_claims`,
    :func:`fig3_claim` and :func:`weight_decay_claim`, with the settings ``ours`` (default
    :func:`~ibcore.study.chapters.aa_mine_ib.records.our_settings` of ``settings``).

    Returns a mapping with keys ``profile``, ``note`` (the run's size in words), ``n_seeds``,
    ``n_layers``, ``variances``, ``n_heldout``, ``lam``, ``cifar_label``, ``same_data``, the
    claims' results ``fig1``, ``table1``, ``fig3``, ``weight_decay`` and ``evaluations`` (every
    :class:`~ibcore.study.claims.Evaluation` in scorecard order).
    """
    ours = our_settings(settings, convergence) if ours is None else ours
    prof = settings.profile
    n_layers = len(settings.widths)
    f1 = fig1_claims(fig1, settings, ours)
    t1 = table1_claims(table1, settings, ours)
    f3 = fig3_claim(fig3, settings.tsne_betas, settings, ours)
    w = weight_decay_claim(wd.runs, n_layers, settings, wd.lam, ours)
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
        "fig1": f1,
        "table1": t1,
        "fig3": f3,
        "weight_decay": w,
        "convergence": convergence,
        "evaluations": (
            f1["e_aa"],
            f1["e_mine"],
            f1["e_anchor"],
            *t1["evaluations"].values(),
            f3["e_quant"],
            w["e_wd"],
        ),
    }


def record_claims(notebook: str, claims: dict[str, Any]) -> pd.DataFrame:
    """Record :func:`evaluate_claims`'s evaluations on the scorecard, in the page's order.

    Returns the notebook's rows (:func:`ibcore.study.scorecard.card`).
    """
    from ibcore.study import scorecard

    card = None
    for evaluation in claims["evaluations"]:
        card = scorecard.record_evaluation(notebook, evaluation)
    return card


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _why(evaluation: Evaluation) -> str:
    """A verdict's grounds for the prose: its reason where the data or the settings decided it (not
    comparable, decisive deviations), else its interval and its "k of n seeds"."""
    if evaluation.verdict == "not comparable" or any(d.decisive for d in evaluation.deviations):
        return evaluation.reason
    return (
        f"{evaluation.statistic_text}; {evaluation.support}"
        if evaluation.support
        else evaluation.statistic_text
    )


def glue_values(claims: dict[str, Any]) -> dict[str, Any]:
    """The numbers and verdicts the page's prose shows, name -> value, from :func:`evaluate_claims`.

    Estimates are formatted with two decimals, beta and variances with ``:g``; counts stay integers;
    ``v_*`` are verdicts and ``why_*`` their grounds (the interval and its "k of n seeds", or the
    reason where the data or a decisive deviation decided); ``table1_verdicts`` gives each Table 1
    row's verdict and grounds in one sentence.
    """
    f1, t1, f3, wd = claims["fig1"], claims["table1"], claims["fig3"], claims["weight_decay"]
    aa, mi = f1["aa"], f1["mi"]
    large, small = f3["large"], f3["small"]
    table_text = "; ".join(
        f"{name}: " + ", ".join(f"{METHOD_LABELS[k].split(' (')[0]} {means[k]:.2f} %" for k in TABLE1_METHODS)
        for name, means in t1["means"].items()
    )
    table1_verdicts = "; ".join(f"{name}: *{e.verdict}* ({_why(e)})" for name, e in t1["evaluations"].items())
    side_verdicts = "; ".join(
        f"{name}: the same rule would give *{e.verdict}* ({e.statistic_text}; {e.support})"
        for name, e in t1["side"].items()
    )
    conv = claims.get("convergence")
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
        "table1_verdicts": table1_verdicts,
        "side_verdicts": side_verdicts or "not run",
        "convergence_text": conv.summary() if conv is not None else "not measured",
        "n_mine_failed": f1["n_mine_failed"],
        "n_at_ceiling": f1["n_at_ceiling"],
        "cifar_label": claims["cifar_label"],
        "quant_text": f"saturated fraction {large['saturated']:.2f} vs {small['saturated']:.2f}, "
        f"NN gap {large['nn_gap']:.2f} vs {small['nn_gap']:.2f}",
        "n_quant": f3["n_quant"],
        "n_shrink": wd["n_shrink"],
        "n_wd_met": wd["n_wd_met"],
        "wd_text": wd_text,
        "n_layers": claims["n_layers"],
        "v_aa": f1["v_aa"],
        "v_mine": f1["v_mine"],
        "v_anchor": f1["v_anchor"],
        "v_quant": f3["v_quant"],
        "v_wd": wd["v_wd"],
        "why_aa": _why(f1["e_aa"]),
        "why_mine": _why(f1["e_mine"]),
        "why_anchor": _why(f1["e_anchor"]),
        "why_quant": _why(f3["e_quant"]),
        "why_wd": _why(wd["e_wd"]),
        "b_large": f"{f3['b_large']:g}",
        "b_small": f"{f3['b_small']:g}",
    }
