"""The page's verdicts (Elad et al. 2019), one function per claim, its scorecard rows and glue values.

:func:`fig1_claims` (AA-MINE grows, MINE saturates, the Eq. (5) anchor), :func:`table1_claims`
(the ordering per data set), :func:`fig3_claim` (quantisation) and :func:`weight_decay_claim`
(the weights shrink), gathered by :func:`evaluate_claims` from the results of
:mod:`ibcore.study.chapters.aa_mine_ib.experiments`; :func:`record_claims` writes the scorecard
rows (under :data:`PAPER_KEY`) and :func:`glue_values` gives the numbers the page's prose shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ibcore.study.chapters.aa_mine_ib.experiments import (
    PAPER,
    TABLE1_METHODS,
    ChapterData,
    Fig1,
    Fig3,
    Table1,
    WeightDecay,
)
from ibcore.study.chapters.aa_mine_ib.methods import METHOD_LABELS

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    import pandas as pd

    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER_KEY",
    "fig1_claims",
    "table1_claims",
    "fig3_claim",
    "weight_decay_claim",
    "evaluate_claims",
    "record_claims",
    "glue_values",
]


PAPER_KEY = "elad2019"
"""The paper's key in the scorecard."""


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
