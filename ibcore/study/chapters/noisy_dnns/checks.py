"""Chapter 2's added checks: noisy against deterministic accuracy, the replica study, the binning rule.

:func:`proxy_accuracy` evaluates each trained SZT net with its noise on (mean over draws) and off
(the authors' evaluation), for the "good proxy" claim; :func:`replica_study` re-estimates I(X;T_l)
of one run at fixed inputs with more and more propagated samples per input (the plug-in bias of
too few replicas); :func:`rank_correlation_after` is the statistic of the binning rule - the rank
correlation of binned I(X;T) and the clustering measure from the binned peak on - and
:func:`rho_after_peak` applies it to every (seed, layer) of the deterministic twins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from ibcore.analysis.propagation import hidden_layer_index, layer_maps
from ibcore.analysis.subsample import input_subsample
from ibcore.analysis.summary import LN2
from ibcore.estimators.sample_propagation import mi_sample_propagation
from ibcore.interface import IXL
from ibcore.models.registry import set_noise

if TYPE_CHECKING:  # ibcore.study.profiles imports this package (its PROFILE table)
    from ibcore.study.chapters.noisy_dnns.noisy_szt import SZTRuns
    from ibcore.study.profiles import Settings
    from ibcore.training import RecordedRun

__all__ = [
    "PROXY_COLUMNS",
    "noisy_accuracy",
    "proxy_accuracy",
    "replica_study",
    "rank_correlation_after",
    "rho_after_peak",
]

PROXY_COLUMNS = ["deterministic", "noisy", "noisy - deterministic"]


def noisy_accuracy(run: RecordedRun, *, n_draws: int, seed: int = 0) -> float:
    """Accuracy on the run's evaluation inputs of its final net with the noise on, mean over
    ``n_draws`` noise draws (a generator seeded with ``seed``, so the result is reproducible)."""
    model = run.final_model().eval()
    gen = torch.Generator().manual_seed(seed)
    if set_noise(model, enabled=True, in_eval=True, generator=gen) == 0:
        raise ValueError("the run's network has no noise modules")
    x, y = run.x_eval.float(), run.y_eval
    with torch.no_grad():
        return float(
            np.mean([(model.logits(x).argmax(-1) == y).float().mean().item() for _ in range(n_draws)])
        )


def proxy_accuracy(settings: Settings, szt_runs: SZTRuns) -> pd.DataFrame:
    """Per (beta, seed): the final accuracy on all 4096 inputs with the noise off (the recorded
    ``eval_acc``: the authors evaluate without noise), with it on (:func:`noisy_accuracy`,
    ``n_noise_draws`` draws) and their difference.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(beta, seed)``, columns :data:`PROXY_COLUMNS`.
    """
    rows = {}
    for seed, runs in szt_runs.seed_runs.items():
        for beta, run in runs.items():
            det = float(run.history["eval_acc"].iloc[-1])
            noisy = noisy_accuracy(run, n_draws=settings.n_noise_draws, seed=settings.seed)
            rows[(beta, seed)] = (det, noisy, noisy - det)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=PROXY_COLUMNS)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["beta", "seed"])
    return frame.sort_index(level="beta", sort_remaining=False, kind="stable")


def replica_study(
    run: RecordedRun,
    *,
    replicas: Sequence[int],
    n_inputs: int,
    n_mc: int,
    epoch: int | None = None,
    layers: Sequence[str] | None = None,
    input_seed: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """I(X;T_l), h(T_l) and h(T_l|X) of a noisy MLP run at one epoch, by sample propagation on a fixed
    subsample of ``n_inputs`` inputs, for each number of propagated samples per input in ``replicas``.

    Few replicas put too few samples in each conditional mixture: h(T|X) comes out too small and
    I(X;T) = h(T) - h(T|X) too large; the table shows how far the page's setting is from a larger one.

    Returns
    -------
    pandas.DataFrame
        One row per (layer, replicas): ``layer``, ``replicas``, ``I(X;T) [bits]``, ``stderr [bits]``,
        ``h(T) [nats]``, ``h(T|X) [nats]``.
    """
    epoch = int(run.epochs[-1]) if epoch is None else int(epoch)
    model = run.model_at(epoch)
    beta = float(run.config["model"]["noise_std"])
    hidden = [name for name in run.layers if name != "output"]
    use = list(layers) if layers is not None else hidden
    sub = input_subsample(int(run.x_eval.shape[0]), n_inputs, seed=input_seed)
    x = run.x_eval[sub].to(torch.float64).reshape(len(sub), -1)
    maps = layer_maps(model)
    rows = []
    for name in use:
        for r in replicas:
            res = mi_sample_propagation(
                x,
                maps,
                beta,
                layer_index=hidden_layer_index(model, name),
                n_samples_per_x=int(r),
                n_mc=n_mc,
                seed=seed,
            )
            rows.append((name, int(r), res.mi / LN2, res.stderr / LN2, res.h_t, res.h_t_given_x))
    return pd.DataFrame(
        rows, columns=["layer", "replicas", "I(X;T) [bits]", "stderr [bits]", "h(T) [nats]", "h(T|X) [nats]"]
    )


def rank_correlation_after(
    epochs: Sequence[float], info: Sequence[float], measure: Sequence[float], start: float
) -> float:
    """Spearman rank correlation of ``info`` and ``measure`` over the epochs ``>= start``.

    NaN with fewer than 3 such epochs or a constant curve among them (no ordering to compare).

    Examples
    --------
    >>> rank_correlation_after([0, 1, 2, 3, 4], [0, 3, 2, 1, 0], [1, 0.9, 0.8, 0.5, 0.2], start=1)
    1.0
    """
    e, a, b = (np.asarray(v, dtype=float) for v in (epochs, info, measure))
    if not e.shape == a.shape == b.shape:
        raise ValueError(f"epochs, info and measure must have one shape, got {e.shape}, {a.shape}, {b.shape}")
    keep = e >= start
    a, b = a[keep], b[keep]
    if a.size < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    ra, rb = pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def rho_after_peak(
    binned: pd.DataFrame, geo: pd.DataFrame, track: pd.DataFrame, *, measure: str = "ratio"
) -> pd.Series:
    """Per (seed, layer) of ``track`` (a per-seed compression table with ``peak epoch``): the
    :func:`rank_correlation_after` of the binned I(X;T) (``binned``, column :data:`IXL`) and the
    clustering measure (``geo``) from that layer's binned peak on.

    ``binned`` and ``geo`` are long frames with ``seed``, ``layer`` and ``epoch`` columns.
    """
    merged = binned[["seed", "layer", "epoch", IXL]].merge(geo[["seed", "layer", "epoch", measure]])
    out = {}
    for (seed, layer), row in track.iterrows():
        g = merged[(merged["seed"] == seed) & (merged["layer"] == layer)].sort_values("epoch")
        out[(seed, layer)] = rank_correlation_after(g["epoch"], g[IXL], g[measure], float(row["peak epoch"]))
    return pd.Series(out, name="rho after peak", dtype=float).rename_axis(["seed", "layer"])
