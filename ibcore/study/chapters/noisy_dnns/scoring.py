"""Chapter 2's key numbers: the per-seed tables, their means over seeds, the counts the prose quotes.

:func:`compressing` and :func:`significant_dip` apply the compression threshold of the claim records
(:mod:`~ibcore.study.chapters.noisy_dnns.records`: :data:`DIP_MIN`, :data:`N_SE`, :data:`TIGHTEN`,
:data:`GAP_MIN`) to a compression table; :func:`key_numbers` gathers the per-seed tables of the SZT
sweep, the deterministic twin, the orthonormal runs and the CNN with their means over seeds and the
counts the page's prose quotes (:class:`KeyNumbers`); :func:`ortho_sentence` and
:func:`bin_sentence` word two of its findings. The claims are decided on these tables in
:mod:`~ibcore.study.chapters.noisy_dnns.decisions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ibcore.study.chapters.noisy_dnns.records import DIP_MIN, GAP_MIN, N_SE, PROXY_MARGIN, RHO_MIN, TIGHTEN

__all__ = [
    "SIG",
    "compressing",
    "significant_dip",
    "KeyNumbers",
    "key_numbers",
    "ortho_sentence",
    "bin_sentence",
]

SIG = "significant dip"
"""Column of the per-seed tables: the dip where it exceeds :data:`N_SE` Monte Carlo s.e., else 0."""


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
    _need(t, "dip", "dip stderr")
    return (t["dip"] >= dip_min) & (t["dip"] > n_se * t["dip stderr"])


def significant_dip(t: pd.DataFrame, *, n_se: float = N_SE) -> pd.Series:
    """Each row's ``dip`` where it exceeds ``n_se`` Monte Carlo standard errors (``dip stderr``), else
    0 bit (a NaN stderr never passes): the per-seed value the compression rules read."""
    _need(t, "dip", "dip stderr")
    return t["dip"].where(t["dip"] > n_se * t["dip stderr"], 0.0)


def _need(t: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in t.columns]
    if missing:
        raise ValueError(f"the table lacks the column(s) {missing}")


def _seeded(t: pd.DataFrame, name: str) -> pd.DataFrame:
    if "seed" not in (t.index.names or []):
        raise ValueError(f"{name} needs a 'seed' index level (the per-seed table), got {t.index.names}")
    return t


def _mean_over_seeds(t: pd.DataFrame) -> pd.DataFrame:
    """The mean over the ``seed`` level of a per-seed table, the other levels in their order."""
    keep = [name for name in t.index.names if name != "seed"]
    return t.groupby(level=keep if len(keep) > 1 else keep[0], sort=False).mean(numeric_only=True)


@dataclass
class KeyNumbers:
    """The per-seed tables the claims are decided on, their means over seeds, and the counts and
    tables the page's prose quotes (:func:`key_numbers`; counts read the means)."""

    beta0: float
    last: str
    hidden: list[str]
    seeds: list[int]
    """The SZT training seeds."""
    seed_table: pd.DataFrame
    """The SZT compression tables per (beta, seed, layer), with :data:`SIG`."""
    table: pd.DataFrame
    """Their mean over seeds per (beta, layer), with ``compresses`` (mean significant dip >=
    ``DIP_MIN``) and ``tightens`` (mean ratio change <= ``-TIGHTEN``)."""
    seed_track: pd.DataFrame
    """The twin's binned table per (seed, layer)."""
    track: pd.DataFrame
    seed_ortho: pd.DataFrame
    """The orthonormal runs' table per (seed, layer), with :data:`SIG`."""
    ortho_table: pd.DataFrame
    seed_cnn: pd.DataFrame
    """The CNN's table per (seed, layer), with :data:`SIG`."""
    cnn_table: pd.DataFrame
    """Its mean over seeds with a ``compresses`` column."""
    sp_cnn: pd.DataFrame
    cos_gaps: pd.DataFrame
    """Within-minus-between cosine similarity per (seed, layer), columns ``first`` and ``last``."""
    cos_gap: pd.DataFrame
    """Its mean over seeds, per layer."""
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
    """... of them whose rank correlation after the binned peak reaches ``RHO_MIN``."""
    n_rho_pos: int
    """Twin layers with a positive rank correlation over all epochs."""
    n_rho: int
    """Twin layers with a correlation at all (not constant)."""
    was: pd.Index
    """Layers that compress at the first beta without the retraction."""
    n_prevented: int
    """... of them that no longer compress with it."""
    n_cnn_comp: int
    cnn_layers: list[str]
    n_cluster: int
    """CNN layers whose within-minus-between similarity rose by at least ``GAP_MIN``."""
    key: pd.DataFrame
    """The page's key table, per beta."""
    seed_proxy: pd.DataFrame
    """Noisy and deterministic accuracy per (beta, seed) (:func:`proxy_accuracy`)."""
    proxy: pd.DataFrame
    """Their mean over seeds, per beta."""
    n_proxy: int
    """Betas whose mean |noisy - deterministic| accuracy is within ``PROXY_MARGIN``."""


def key_numbers(
    seed_table: pd.DataFrame,
    seed_track: pd.DataFrame,
    seed_ortho: pd.DataFrame,
    seed_cnn: pd.DataFrame,
    sp_cnn: pd.DataFrame,
    cos_gaps: pd.DataFrame,
    seed_proxy: pd.DataFrame,
    *,
    acc: Mapping[float, float],
    cnn_acc: float,
    hidden: Sequence[str],
) -> KeyNumbers:
    """The per-seed tables, their means over seeds, and the counts the prose quotes.

    Parameters
    ----------
    seed_table : pandas.DataFrame
        :attr:`Clustering.seed_table`, indexed by (beta, seed, layer), the sweep's first beta first.
    seed_track : pandas.DataFrame
        :attr:`Twin.seed_track`, per (seed, layer) (binned: no ``dip stderr``).
    seed_ortho, seed_cnn : pandas.DataFrame
        :attr:`Clustering.seed_ortho_table` and :attr:`CNNResults.seed_table`, per (seed, layer).
    sp_cnn : pandas.DataFrame
        :attr:`CNNResults.sp`.
    cos_gaps : pandas.DataFrame
        :func:`cosine_gaps`: per (seed, layer), columns ``first`` and ``last``.
    seed_proxy : pandas.DataFrame
        :func:`proxy_accuracy`: per (beta, seed), ``noisy - deterministic`` among its columns.
    acc : mapping
        Final accuracy per beta.
    cnn_acc : float
    hidden : sequence of str
        The SZT net's hidden layers, input side first.

    Returns
    -------
    KeyNumbers

    Raises
    ------
    ValueError
        An empty table, no hidden layer, or a table without a ``seed`` level.
    """
    if seed_table.empty or not len(hidden):
        raise ValueError("key_numbers needs a non-empty table and at least one hidden layer")
    tables = {"seed_table": seed_table, "seed_track": seed_track, "seed_ortho": seed_ortho}
    for name, t in {**tables, "seed_cnn": seed_cnn, "cos_gaps": cos_gaps, "seed_proxy": seed_proxy}.items():
        _seeded(t, name)
    hidden = list(hidden)
    seed_table = seed_table.assign(**{SIG: significant_dip(seed_table)})
    seed_ortho = seed_ortho.assign(**{SIG: significant_dip(seed_ortho)})
    seed_cnn = seed_cnn.assign(**{SIG: significant_dip(seed_cnn)})
    beta0, last = float(seed_table.index.get_level_values("beta")[0]), hidden[-1]
    table = _mean_over_seeds(seed_table)
    table["compresses"] = table[SIG] >= DIP_MIN
    table["tightens"] = table["measure change"] <= -TIGHTEN
    per_beta = table.groupby(level="beta", sort=False)["compresses"].any()
    comp = table[table["compresses"]]
    lag_cols = ["peak epoch", "bottom epoch", "min epoch", "lag", "bottom lag"]
    lags = table.xs(last, level="layer")[lag_cols].round().astype(int)
    track = _mean_over_seeds(seed_track)
    bin_comp = track[track["dip"] >= DIP_MIN]
    fall_ok = bin_comp["measure change"] <= -TIGHTEN
    ortho_table = _mean_over_seeds(seed_ortho)
    plain0 = table.loc[beta0]
    was = plain0.index[plain0["compresses"].to_numpy()]
    n_prevented = int((ortho_table.loc[was, SIG] < DIP_MIN).sum()) if len(was) else 0
    cnn_table = _mean_over_seeds(seed_cnn)
    cnn_table["compresses"] = cnn_table[SIG] >= DIP_MIN
    cos_gap = _mean_over_seeds(cos_gaps)[["first", "last"]]
    key = pd.DataFrame(
        {
            "compressing layers": table["compresses"].groupby(level="beta", sort=False).sum(),
            "largest dip [bits]": table["dip"].groupby(level="beta", sort=False).max(),
            f"{last} lag [epochs]": lags["lag"],
            f"{last} bottom lag [epochs]": lags["bottom lag"],
            "final accuracy": pd.Series(dict(acc), dtype=float),
        }
    )
    key.index.name = "beta"
    proxy = seed_proxy.groupby(level="beta", sort=False).mean(numeric_only=True)
    return KeyNumbers(
        beta0=beta0,
        last=last,
        hidden=hidden,
        seeds=list(dict.fromkeys(seed_table.index.get_level_values("seed"))),
        seed_table=seed_table,
        table=table,
        seed_track=seed_track,
        track=track,
        seed_ortho=seed_ortho,
        ortho_table=ortho_table,
        seed_cnn=seed_cnn,
        cnn_table=cnn_table,
        sp_cnn=sp_cnn,
        cos_gaps=cos_gaps,
        cos_gap=cos_gap,
        cnn_acc=float(cnn_acc),
        n_beta_comp=int(per_beta.sum()),
        n_betas=len(per_beta),
        n_comp=len(comp),
        n_tight=int(comp["tightens"].sum()),
        lags=lags,
        n_bin_comp=len(bin_comp),
        n_track_fall=int(fall_ok.sum()),
        n_track=int((bin_comp["rho after peak"] >= RHO_MIN).sum()),
        n_rho_pos=int((track["rho"] > 0).sum()),
        n_rho=int(track["rho"].notna().sum()),
        was=was,
        n_prevented=n_prevented,
        n_cnn_comp=int(cnn_table["compresses"].sum()),
        cnn_layers=list(cos_gap.index),
        n_cluster=int((cos_gap["last"] - cos_gap["first"] >= GAP_MIN).sum()),
        key=key,
        seed_proxy=seed_proxy,
        proxy=proxy,
        n_proxy=int((proxy["noisy - deterministic"].abs() <= PROXY_MARGIN).sum()),
    )


def ortho_sentence(ortho_table: pd.DataFrame, hidden: Sequence[str]) -> str:
    """Whether the classes still clustered with the Parseval retraction: a hidden layer whose distance ratio
    fell by at least :data:`TIGHTEN` during its largest fall."""
    if ortho_table.loc[list(hidden), "measure change"].min() <= -TIGHTEN:
        return "the retraction did not stop the classes from clustering"
    return "the classes did not cluster with the retraction"


def bin_sentence(n_rho_pos: int, n_rho: int) -> str:
    """Whether binning followed clustering throughout training: every twin layer with a correlation
    (``n_rho``) correlates positively (``n_rho_pos``)."""
    if n_rho_pos < n_rho:
        return "over the whole run, fitting phase included, the two did not move together in every layer"
    return "binned I(X;T) and clustering moved together throughout training"
