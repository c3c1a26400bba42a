"""What chapter 2 concludes: the criteria, the counts, the verdicts, the scorecard rows and the glue.

The thresholds :data:`DIP_MIN`, :data:`N_SE`, :data:`TIGHTEN` and :data:`GAP_MIN` (ours; the paper
reads its figures by eye); :func:`compressing` applies the first two to a compression table;
:func:`key_numbers` counts what the criteria decide over the SZT, twin, orthonormal and CNN tables
(:class:`KeyNumbers`); :func:`verdicts` decides, :func:`claims` words the scorecard rows,
:func:`record_claims` writes them under :data:`PAPER_KEY`, and :func:`ortho_sentence`,
:func:`bin_sentence` and :func:`glue_values` give the sentences and numbers the page's prose shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study import scorecard
from ibcore.study.scorecard import verdict_count

if TYPE_CHECKING:  # ibcore.study.profiles imports this package (its PROFILE table)
    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER_KEY",
    "DIP_MIN",
    "N_SE",
    "TIGHTEN",
    "GAP_MIN",
    "compressing",
    "KeyNumbers",
    "key_numbers",
    "verdicts",
    "claims",
    "ortho_sentence",
    "bin_sentence",
    "record_claims",
    "glue_values",
]

PAPER_KEY = "goldfeld2019"

# The criteria (ours; the paper reads its figures by eye), stated once in the page's prose.
DIP_MIN = 0.1  # bits: the fall of I(X;T_l) from a running peak that counts as compression
N_SE = 2.0  # ... and it must exceed this many Monte Carlo standard errors
TIGHTEN = 0.1  # fraction: the fall of the distance ratio that counts as tighter clusters
GAP_MIN = 0.05  # rise of the within-minus-between cosine similarity that counts as clustering


def compressing(t: pd.DataFrame, *, dip_min: float = DIP_MIN, n_se: float = N_SE) -> pd.Series:
    """Which rows of a compression table compress: a ``dip`` of at least ``dip_min`` bits that also
    exceeds ``n_se`` times its ``dip stderr`` (a NaN stderr, as binning has, never passes).

    Returns
    -------
    pandas.Series of bool
        Indexed like ``t``.

    Raises
    ------
    ValueError
        ``t`` lacks a ``dip`` or ``dip stderr`` column.
    """
    missing = [c for c in ("dip", "dip stderr") if c not in t.columns]
    if missing:
        raise ValueError(f"the table lacks the column(s) {missing}")
    return (t["dip"] >= dip_min) & (t["dip"] > n_se * t["dip stderr"])


@dataclass
class KeyNumbers:
    """The page's verdict inputs and the tables and frames its prose quotes (:func:`key_numbers`)."""

    beta0: float
    last: str
    hidden: list[str]
    table: pd.DataFrame
    """The SZT compression table with ``compresses`` and ``tightens`` columns."""
    track: pd.DataFrame
    ortho_table: pd.DataFrame
    cnn_table: pd.DataFrame
    """The CNN's table with a ``compresses`` column."""
    sp_cnn: pd.DataFrame
    cos_gap: pd.DataFrame
    cnn_acc: float
    n_beta_comp: int
    """Betas at which some hidden layer compresses."""
    n_betas: int
    n_comp: int
    """Compressions, (beta, layer) pairs."""
    n_tight: int
    """... of them during which the distance ratio fell by at least ``TIGHTEN``."""
    lags: pd.DataFrame
    """The last hidden layer's peak, bottom and tightest epochs and lags, per beta."""
    n_bin_comp: int
    """Twin layers whose binned I(X;T) falls by at least ``DIP_MIN``."""
    n_track_fall: int
    """... of them during whose fall the twin's ratio fell by at least ``TIGHTEN``."""
    n_track: int
    """... of them that also correlate positively over all epochs (the rule)."""
    n_rho_pos: int
    """Twin layers with a positive rank correlation over all epochs."""
    n_rho: int
    """Twin layers with a correlation at all (not constant)."""
    was: pd.Index
    """Layers that compress at the first beta without the penalty."""
    n_prevented: int
    """... of them that no longer compress with it."""
    n_cnn_comp: int
    cnn_layers: list[str]
    n_cluster: int
    """CNN layers whose within-minus-between similarity rose by at least ``GAP_MIN``."""
    key: pd.DataFrame
    """The page's key table, per beta."""


def key_numbers(
    table: pd.DataFrame,
    track: pd.DataFrame,
    ortho_table: pd.DataFrame,
    cnn_table: pd.DataFrame,
    sp_cnn: pd.DataFrame,
    cos_gap: pd.DataFrame,
    *,
    acc: Mapping[float, float],
    cnn_acc: float,
    hidden: Sequence[str],
) -> KeyNumbers:
    """Count what the criteria decide (:data:`DIP_MIN`, :data:`N_SE`, :data:`TIGHTEN`, :data:`GAP_MIN`).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`Clustering.table`, indexed by (beta, layer), the sweep's first beta first.
    track : pandas.DataFrame
        :attr:`Twin.track`, per layer (binned: no ``dip stderr``).
    ortho_table, cnn_table : pandas.DataFrame
        :attr:`Clustering.ortho_table` and :attr:`CNNResults.table`, per layer.
    sp_cnn : pandas.DataFrame
        :attr:`CNNResults.sp`.
    cos_gap : pandas.DataFrame
        :attr:`Cosine.gap`: one row per CNN layer, the first and the last epoch as columns.
    acc : mapping
        Final accuracy per beta.
    cnn_acc : float
    hidden : sequence of str
        The SZT net's hidden layers, input side first.

    Returns
    -------
    KeyNumbers
    """
    if table.empty or not len(hidden):
        raise ValueError("key_numbers needs a non-empty table and at least one hidden layer")
    hidden = list(hidden)
    beta0, last = float(table.index.get_level_values("beta")[0]), hidden[-1]
    table = table.copy()
    table["compresses"] = compressing(table)
    table["tightens"] = table["measure change"] <= -TIGHTEN
    per_beta = table.groupby(level="beta")["compresses"].any()
    comp = table[table["compresses"]]
    lags = table.xs(last, level="layer")[["peak epoch", "bottom epoch", "min epoch", "lag", "bottom lag"]]
    bin_comp = track[track["dip"] >= DIP_MIN]
    fall_ok = bin_comp["measure change"] <= -TIGHTEN
    plain0 = table.loc[beta0]
    was = plain0.index[compressing(plain0)]
    still = compressing(ortho_table.loc[was]) if len(was) else pd.Series(dtype=bool)
    cnn_table = cnn_table.copy()
    cnn_table["compresses"] = compressing(cnn_table)
    gap_rise = cos_gap.iloc[:, -1] - cos_gap.iloc[:, 0]
    key = pd.DataFrame(
        {
            "compressing layers": table["compresses"].groupby(level="beta").sum(),
            "largest dip [bits]": table["dip"].groupby(level="beta").max(),
            f"{last} lag [epochs]": lags["lag"],
            f"{last} bottom lag [epochs]": lags["bottom lag"],
            "final accuracy": pd.Series(dict(acc)),
        }
    )
    key.index.name = "beta"
    return KeyNumbers(
        beta0=beta0,
        last=last,
        hidden=hidden,
        table=table,
        track=track,
        ortho_table=ortho_table,
        cnn_table=cnn_table,
        sp_cnn=sp_cnn,
        cos_gap=cos_gap,
        cnn_acc=float(cnn_acc),
        n_beta_comp=int(per_beta.sum()),
        n_betas=len(per_beta),
        n_comp=len(comp),
        n_tight=int(comp["tightens"].sum()),
        lags=lags,
        n_bin_comp=len(bin_comp),
        n_track_fall=int(fall_ok.sum()),
        n_track=int((fall_ok & (bin_comp["rho"] > 0)).sum()),  # the rule: both criteria
        n_rho_pos=int((track["rho"] > 0).sum()),
        n_rho=int(track["rho"].notna().sum()),
        was=was,
        n_prevented=int((~still).sum()),
        n_cnn_comp=int(cnn_table["compresses"].sum()),
        cnn_layers=list(cos_gap.index),
        n_cluster=int((gap_rise >= GAP_MIN).sum()),
        key=key,
    )


def verdicts(numbers: KeyNumbers, profile: str) -> dict[str, str]:
    """The six verdicts (:func:`ibcore.study.scorecard.verdict_count`), keyed as the page glues them.

    ``v_comp``: betas with a compressing layer; ``v_clus``: compressions with tighter clusters;
    ``v_bin``: compressing twin layers that track clustering; ``v_orth``: compressions the penalty
    prevents; ``v_cnn``: whether a CNN layer compresses; ``v_cos``: CNN layers that cluster. A
    count over no items is ``not comparable``.
    """
    n = numbers
    return {
        "v_comp": verdict_count(n.n_beta_comp, n.n_betas, profile=profile),
        "v_clus": verdict_count(n.n_tight, max(n.n_comp, 1), profile=profile, comparable=n.n_comp > 0),
        "v_bin": verdict_count(n.n_track, max(n.n_bin_comp, 1), profile=profile, comparable=n.n_bin_comp > 0),
        "v_orth": verdict_count(
            n.n_prevented, max(len(n.was), 1), profile=profile, comparable=len(n.was) > 0
        ),
        "v_cnn": verdict_count(int(n.n_cnn_comp > 0), 1, profile=profile),
        "v_cos": verdict_count(n.n_cluster, len(n.cnn_layers), profile=profile),
    }


def _notes(settings: Settings) -> tuple[str, str]:
    """The run descriptions the SZT and the CNN rows end with."""
    note = (
        f"{settings.n_epochs} epochs, {len(settings.seeds[:1])} seed, SP on {settings.sp_inputs} inputs "
        f"(r={settings.sp_samples_per_x}, n_mc={settings.n_mc})"
    )
    cnn_note = (
        f"MNISTCNN, beta = {settings.mnist_beta:g}, {settings.n_mnist_train} images, "
        f"{settings.n_mnist_epochs} epochs, SP on {settings.sp_inputs} test images"
    )
    return note, cnn_note


def claims(numbers: KeyNumbers, settings: Settings) -> list[dict[str, str]]:
    """The page's scorecard rows, in the page's order: ``claim``, ``paper value``, ``our value``
    and ``verdict`` (:func:`verdicts` at ``settings.profile``).

    Returns
    -------
    list of dict
    """
    n, v = numbers, verdicts(numbers, settings.profile)
    note, cnn_note = _notes(settings)
    gaps = ", ".join(
        f"{layer} {n.cos_gap.loc[layer].iloc[0]:.2f} -> {n.cos_gap.loc[layer].iloc[-1]:.2f}"
        for layer in n.cnn_layers
    )
    rows = [
        (
            "Compression occurs in noisy nets (I(X;T_l) by sample propagation)",
            "compression at beta = 0.005 in the SZT net (Sec. 5)",
            f"I(X;T_l) falls >= {DIP_MIN:g} bit (> {N_SE:g} s.e.) in some hidden layer at "
            f"{n.n_beta_comp} of {n.n_betas} betas ({note})",
            v["v_comp"],
        ),
        (
            "Compression coincides with clustering",
            "I(X;T) falls as same-class representations cluster (Secs. 4-5)",
            f"distance ratio falls >= {TIGHTEN:.0%} during {n.n_tight} of {n.n_comp} compressions "
            f"(beta, layer) ({note})",
            v["v_clus"],
        ),
        (
            "Binning in deterministic nets tracks clustering",
            "binned I(X;T) of the deterministic net follows clustering (Sec. 5)",
            f"{n.n_track} of {n.n_bin_comp} compressing layers of the twin at beta = {n.beta0:g} track "
            f"clustering (ratio falls >= {TIGHTEN:.0%} during the binned fall: {n.n_track_fall}; "
            f"rank correlation over all epochs > 0: {n.n_rho_pos} of {len(n.hidden)} layers) ({note})",
            v["v_bin"],
        ),
        (
            "Compression occurs in a noisy MNIST CNN",
            "compression observed in various models, MNIST CNNs among them (abstract, Sec. 5)",
            f"{n.n_cnn_comp} of {len(n.cnn_layers)} last layers fall >= {DIP_MIN:g} bit (> {N_SE:g} s.e.); "
            f"largest dip {n.cnn_table['dip'].max():.2f} bits; our CNN, not the paper's ({cnn_note})",
            v["v_cnn"],
        ),
        (
            "Representations of a noisy MNIST CNN cluster by class",
            "meaningful clusters form in T space (cosine similarities, Sec. 5)",
            f"within-minus-between cosine similarity rises >= {GAP_MIN:g} in {n.n_cluster} of "
            f"{len(n.cnn_layers)} layers: " + gaps + f" ({cnn_note})",
            v["v_cos"],
        ),
        (
            "Orthonormal regularisation prevents compression",
            "no clustering and no compression with orthonormal weights (Sec. 5)",
            f"{n.n_prevented} of {len(n.was)} compressing layers no longer compress with penalty "
            f"{settings.ortho_penalty:g} ({note})",
            v["v_orth"],
        ),
    ]
    return [dict(zip(("claim", "paper value", "our value", "verdict"), row, strict=True)) for row in rows]


def record_claims(notebook: str, settings: Settings, numbers: KeyNumbers) -> pd.DataFrame:
    """Write :func:`claims`'s rows to the scorecard (:func:`ibcore.study.scorecard.record`).

    Returns
    -------
    pandas.DataFrame
        The notebook's scorecard rows.
    """
    card = None
    for row in claims(numbers, settings):
        card = scorecard.record(
            notebook,
            settings.profile,
            PAPER_KEY,
            row["claim"],
            row["paper value"],
            row["our value"],
            row["verdict"],
        )
    return card


def ortho_sentence(ortho_table: pd.DataFrame, hidden: Sequence[str]) -> str:
    """Whether the classes still clustered with the penalty: a hidden layer whose distance ratio
    fell by at least :data:`TIGHTEN` during its largest fall."""
    if ortho_table.loc[list(hidden), "measure change"].min() <= -TIGHTEN:
        return "the penalty did not stop the classes from clustering"
    return "the classes did not cluster with the penalty"


def bin_sentence(n_rho_pos: int, n_rho: int) -> str:
    """Whether binning followed clustering throughout training: every twin layer with a correlation
    (``n_rho``) correlates positively (``n_rho_pos``)."""
    if n_rho_pos < n_rho:
        return "binning followed clustering during its falls but not throughout training"
    return "binned I(X;T) and clustering moved together throughout training"


def glue_values(numbers: KeyNumbers, settings: Settings) -> dict[str, Any]:
    """The values the page's prose shows, name -> value (formatted strings where the prose wants
    them), for :func:`ibcore.study.pages.glue_all`.

    Returns
    -------
    dict
    """
    n, v = numbers, verdicts(numbers, settings.profile)
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
        "n_beta_comp": n.n_beta_comp,
        "n_betas": n.n_betas,
        "n_comp": n.n_comp,
        "n_tight": n.n_tight,
        "n_track": n.n_track,
        "n_track_fall": n.n_track_fall,
        "n_bin_comp": n.n_bin_comp,
        "n_rho_pos": n.n_rho_pos,
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
        **v,
        "n_cnn_comp": n.n_cnn_comp,
        "cnn_dip": f"{n.cnn_table['dip'].max():.2f}",
        "cnn_acc": f"{n.cnn_acc:.3f}",
        "cnn_path": cnn_path,
        "cnn_gap": "; ".join(
            f"{layer} from {gap.loc[layer].iloc[0]:.2f} to {gap.loc[layer].iloc[-1]:.2f}"
            for layer in n.cnn_layers
        ),
        "cnn_change": ", ".join(f"{layer} {c:+.0%}" for layer, c in n.cnn_table["measure change"].items()),
        "beta0": f"{n.beta0:g}",
        "last": n.last,
    }
