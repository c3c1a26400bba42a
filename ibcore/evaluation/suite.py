"""How far can each estimator be trusted: every estimator scored on ground truth (appendix A2).

:func:`task_suite` builds tasks from :mod:`ibcore.ground_truth` (each knows its true MI),
:func:`estimator_suite` the estimators of ``ibcore`` with their settings stated, :func:`run`
estimates every task x estimator x seed x N (an estimator only on the task kinds where it is
defined) and times it, :func:`summarize` gives bias, RMSE and mean absolute error per estimator x
task x N, and :func:`recommend` picks, from such a measured table, the estimator to use for
variables of dimension d and N samples with its expected error.

Errors are ``estimate - truth`` in nats; over seeds s = 1..S,

.. math:: \\text{bias} = \\frac1S\\sum_s e_s, \\qquad
          \\text{RMSE} = \\Big(\\frac1S\\sum_s e_s^2\\Big)^{1/2}.

The benchmark design (task families, invertible maps, heavy tails, the MI grid) follows Czyz et
al., "Beyond normal: on the evaluation of mutual information estimators", NeurIPS 2023, Sec. 3-4.

Task kinds and the estimators defined on them:

``"pairs"``
    continuous (x, y) with Shannon MI: KSG, KL, WKL, EDGE, MINE.
``"layer"``
    X ~ N(0, I), T = A X + sigma eps: the pairwise estimators on (x, t), and the KDE bounds on the
    noiseless layer with ``noise_var = sigma**2`` (Saxe et al.'s use of Kolchinsky & Tracey).
``"binning-x"``, ``"binning-y"``
    a discrete layer on a grid of cells with labels: binning's I(X;L) = H(L) and I(Y;L).
``"decision"``
    predicted classes of a noisy classifier: the decision rule's I(Y; Y-hat).
``"renyi"``
    Gaussian pairs scored against the matrix-based Rényi estimator's own order-2 target
    (:mod:`ibcore.ground_truth.renyi`), not Shannon MI.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ibcore import ground_truth as gt
from ibcore._device import torch_threads
from ibcore._progress import progress_bar
from ibcore.estimators import (
    mi_binning,
    mi_decision_rule,
    mi_edge,
    mi_kde,
    mi_kl,
    mi_ksg,
    mi_mine,
    mi_renyi,
    mi_wkl,
    wkl_weight_norm,
)

__all__ = [
    "KINDS",
    "PAIRWISE_KINDS",
    "EstimatorSpec",
    "Task",
    "estimator_suite",
    "recommend",
    "recommendation_table",
    "run",
    "summarize",
    "task_suite",
    "wkl_first_refused_dim",
]

KINDS = ("pairs", "layer", "binning-x", "binning-y", "decision", "renyi")
PAIRWISE_KINDS = ("pairs", "layer")
# Families whose tasks stand for "variables of dimension d" in recommend() (continuous, Shannon MI).
RECOMMEND_FAMILIES = ("gaussian dense", "gaussian sparse", "invertible map", "student-t")
_RENYI_SIGMA = 1.0  # kernel width of the Renyi task (data are unit-variance Gaussians)


@dataclass(frozen=True)
class Task:
    """One ground-truth task: ``sample(n, seed)`` returns ``(data, true)``, ``data`` as its kind expects."""

    name: str
    family: str
    kind: str
    dim_x: int
    dim_y: int
    sample: Callable[[int, int], tuple[tuple, float]] = field(repr=False, compare=False)

    @property
    def dim(self) -> int:
        """The larger of the two dimensions (what :func:`recommend` calls d)."""
        return max(self.dim_x, self.dim_y)


@dataclass(frozen=True)
class EstimatorSpec:
    """An estimator with its settings: ``fn(data, kind, seed)`` returns nats, or raises to refuse."""

    name: str
    settings: str
    kinds: tuple[str, ...]
    fn: Callable[[tuple, str, int], float] = field(repr=False, compare=False)


# --------------------------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------------------------
def _pairs(sampler: Callable[..., tuple]) -> Callable[[int, int], tuple[tuple, float]]:
    def sample(n: int, seed: int) -> tuple[tuple, float]:
        x, y, true = sampler(n, seed)
        return (x, y), float(true)

    return sample


def _renyi_sample(dim: int) -> Callable[[int, int], tuple[tuple, float]]:
    def sample(n: int, seed: int) -> tuple[tuple, float]:
        rng = np.random.default_rng(seed)
        cov = gt.correlated_cov(dim, dim, 0.5, rng)
        z = rng.multivariate_normal(np.zeros(2 * dim), cov, size=n)
        return (z[:, :dim], z[:, dim:]), gt.gaussian_renyi2_mi(cov, dim, _RENYI_SIGMA)

    return sample


def _layer_sample(width: int, sigma: float) -> Callable[[int, int], tuple[tuple, float]]:
    def sample(n: int, seed: int) -> tuple[tuple, float]:
        x, t, true, layer = gt.noisy_layer_task(n, width=width, sigma=sigma, seed=seed)
        return (x, t, layer, sigma), true

    return sample


def _binning_sample(target: str, levels: int) -> Callable[[int, int], tuple[tuple, float]]:
    def sample(n: int, seed: int) -> tuple[tuple, float]:
        layer, labels, truth = gt.binned_layer_task(n, dim=2, levels=levels, seed=seed)
        return (layer, labels, levels), truth[target]

    return sample


def task_suite(
    *,
    dims: Sequence[int] = (1, 2, 5, 10, 25, 50),
    mi_grid: Sequence[float] = (0.5, 1, 2, 4, 6, 8, 10),
    grid_dims: Sequence[int] = (1, 5),
    map_dims: Sequence[int] = (2, 5),
    student_dims: Sequence[int] = (1, 2, 5),
    student_dof: float = 3.0,
    layer_widths: Sequence[int] = (2, 5, 10),
    renyi_dims: Sequence[int] = (1, 2, 5),
    discrete: bool = True,
) -> list[Task]:
    """The ground-truth tasks, one list over all families (names unique; each a d+d or dx+dy pair).

    * ``gaussian dense`` d+d (:func:`~ibcore.ground_truth.correlated_gaussians`, strength 0.5) and
      ``gaussian sparse`` d+d (two correlated pairs, rho = 0.8, the rest independent), d in ``dims``;
    * ``mi grid``: d independent pairs sharing a total MI from ``mi_grid`` (nats), d in ``grid_dims``;
    * ``invertible map``: the dense Gaussian d+d through each map of
      :data:`~ibcore.ground_truth.MAPS` (same MI), d in ``map_dims``;
    * ``student-t`` d+d with ``student_dof`` degrees of freedom, d in ``student_dims``;
    * ``uniform+noise`` 1+1, noise widths 0.1 and 0.5;
    * ``layer``: I(X; AX + eps), X 12-dimensional, layer widths ``layer_widths``, sigma = 0.3;
    * ``discrete layer`` (binning, I(X;L) and I(Y;L)) and ``decision`` (10 classes, 20 % errors),
      when ``discrete``;
    * ``renyi``: dense Gaussian d+d against the order-2 Rényi target, d in ``renyi_dims``.
    """
    tasks: list[Task] = []
    for d in dims:
        tasks.append(
            Task(
                f"gaussian dense {d}+{d}",
                "gaussian dense",
                "pairs",
                d,
                d,
                _pairs(lambda n, s, d=d: gt.correlated_gaussians(n, d, d, seed=s)),
            )
        )
        tasks.append(
            Task(
                f"gaussian sparse {d}+{d}",
                "gaussian sparse",
                "pairs",
                d,
                d,
                _pairs(lambda n, s, d=d: gt.sparse_gaussians(n, d, seed=s)),
            )
        )
    for d in grid_dims:
        for mi in mi_grid:
            tasks.append(
                Task(
                    f"mi grid {d}+{d} I={mi:g}",
                    "mi grid",
                    "pairs",
                    d,
                    d,
                    _pairs(lambda n, s, d=d, mi=mi: gt.gaussian_pair_with_mi(n, d, mi, seed=s)),
                )
            )
    for d in map_dims:
        for name in gt.MAPS:
            if name == "spiral" and d < 2:
                continue

            def mapped(n: int, s: int, d: int = d, name: str = name) -> tuple:
                x, y, true = gt.correlated_gaussians(n, d, d, seed=s)
                return gt.apply_map(name, x), gt.apply_map(name, y), true

            tasks.append(Task(f"{name} {d}+{d}", "invertible map", "pairs", d, d, _pairs(mapped)))
    for d in student_dims:
        tasks.append(
            Task(
                f"student-t {d}+{d}",
                "student-t",
                "pairs",
                d,
                d,
                _pairs(lambda n, s, d=d: gt.student_t_pair(n, d, d, dof=student_dof, seed=s)),
            )
        )
    for w in (0.1, 0.5):
        tasks.append(
            Task(
                f"uniform+noise w={w:g}",
                "uniform+noise",
                "pairs",
                1,
                1,
                _pairs(lambda n, s, w=w: gt.uniform_noise_pair(n, width=w, seed=s)),
            )
        )
    for width in layer_widths:
        tasks.append(Task(f"layer 12->{width}", "layer", "layer", 12, width, _layer_sample(width, 0.3)))
    if discrete:
        tasks.append(
            Task("discrete layer I(X;L)", "discrete", "binning-x", 2, 1, _binning_sample("I(X;L)", 8))
        )
        tasks.append(
            Task("discrete layer I(Y;L)", "discrete", "binning-y", 2, 1, _binning_sample("I(Y;L)", 8))
        )

        def decision(n: int, s: int) -> tuple[tuple, float]:
            out, labels, true = gt.decision_task(n, seed=s)
            return (out, labels), true

        tasks.append(Task("decision 10 classes", "discrete", "decision", 10, 1, decision))
    for d in renyi_dims:
        tasks.append(Task(f"renyi {d}+{d}", "renyi", "renyi", d, d, _renyi_sample(d)))
    return tasks


# --------------------------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------------------------
def _xy(data: tuple, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) pair of a pairs task, (x, t) of a layer task (both come first in its data)."""
    return data[0], data[1]


def estimator_suite(
    *, mine_iter: int = 1500, wkl_ks: Sequence[int] = (5, 20), device: Any = "cpu"
) -> list[EstimatorSpec]:
    """The estimators scored, each with its settings stated (what the tables print).

    Pairwise (on ``"pairs"`` and ``"layer"`` tasks): ``mi_ksg(k=5, standardize=True)``,
    ``mi_kl(k=5)``, ``mi_wkl(k)`` for each k in ``wkl_ks`` (refused where the weights' norm
    exceeds 1000, see :func:`~ibcore.estimators.entropy_wkl`), ``mi_edge`` (defaults: 8 widths,
    bias-cancelling ensemble, standardised) and ``mi_mine`` (64-64 ELU critic, ``mine_iter``
    iterations, batch 256, lr 1e-3, held-out 20 %; a diverged fit is reported as such). None
    needs jitter: the continuous tasks have no ties.
    KDE upper and lower bounds (``"layer"``), binning with the task's own 8 bins on [-1, 1] and
    with 4 bins, coarser than the cells (``"binning-*"``), the decision rule (``"decision"``),
    matrix-based Rényi with alpha = 2 and sigma = 1 (``"renyi"``).
    """

    def ksg(data: tuple, kind: str, seed: int) -> float:
        return mi_ksg(*_xy(data, kind), k=5, standardize=True, device=device)

    def kl(data: tuple, kind: str, seed: int) -> float:
        return mi_kl(*_xy(data, kind), k=5, device=device)

    def wkl(k: int) -> Callable[[tuple, str, int], float]:
        return lambda data, kind, seed: mi_wkl(*_xy(data, kind), k=k, device=device)

    def edge(data: tuple, kind: str, seed: int) -> float:
        return mi_edge(*_xy(data, kind), seed=seed, device=device)

    def mine(data: tuple, kind: str, seed: int) -> float:
        res = mi_mine(*_xy(data, kind), n_iter=mine_iter, seed=seed, device=device)
        if res.diverged:
            raise ValueError("MINE diverged (MINEResult.diverged)")
        return res.estimate

    def kde(bound: int) -> Callable[[tuple, str, int], float]:
        def f(data: tuple, kind: str, seed: int) -> float:
            _, _, layer, sigma = data
            return float(mi_kde(layer, noise_var=sigma**2, device=device).i_xl[bound])

        return f

    def binning(bins: int | None) -> Callable[[tuple, str, int], float]:
        def f(data: tuple, kind: str, seed: int) -> float:
            layer, labels, levels = data
            res = mi_binning(
                layer, labels=labels, n_bins=bins or levels, value_range=(-1.0, 1.0), device=device
            )
            return float(res.i_xl if kind == "binning-x" else res.i_yl)

        return f

    def decision(data: tuple, kind: str, seed: int) -> float:
        return float(mi_decision_rule(data[0], labels=data[1], device=device).i_yl)

    def renyi(data: tuple, kind: str, seed: int) -> float:
        return mi_renyi(
            data[0], data[1], alpha=2.0, sigma_x=_RENYI_SIGMA, sigma_y=_RENYI_SIGMA, device=device
        )

    specs = [EstimatorSpec("KSG", "k=5, standardized, no jitter", PAIRWISE_KINDS, ksg)]
    specs.append(EstimatorSpec("KL", "k=5, no jitter", PAIRWISE_KINDS, kl))
    specs += [
        EstimatorSpec(f"WKL k={k}", f"k={k}, refused where weight norm > 1000", PAIRWISE_KINDS, wkl(k))
        for k in wkl_ks
    ]
    specs += [
        EstimatorSpec("EDGE", "8 widths, optimal ensemble, standardized", PAIRWISE_KINDS, edge),
        EstimatorSpec("MINE", f"64-64 ELU, {mine_iter} iter, batch 256, lr 1e-3", PAIRWISE_KINDS, mine),
        EstimatorSpec("KDE upper", "noise_var = sigma^2 of the task", ("layer",), kde(1)),
        EstimatorSpec("KDE lower", "noise_var = sigma^2 of the task", ("layer",), kde(0)),
        EstimatorSpec(
            "binning (task's bins)", "8 bins on [-1, 1] (aligned)", ("binning-x", "binning-y"), binning(None)
        ),
        EstimatorSpec(
            "binning 4 bins", "4 bins on [-1, 1] (coarser)", ("binning-x", "binning-y"), binning(4)
        ),
        EstimatorSpec("decision rule", "argmax of the outputs, plug-in", ("decision",), decision),
        EstimatorSpec("Renyi", f"alpha=2, sigma={_RENYI_SIGMA:g} (own target)", ("renyi",), renyi),
    ]
    return specs


# --------------------------------------------------------------------------------------------
# running and summarising
# --------------------------------------------------------------------------------------------
def _take(data: tuple, n: int) -> tuple:
    """The first n samples of every array in data (scalars pass through)."""
    return tuple(v[:n] if isinstance(v, np.ndarray) else v for v in data)


def _estimate(spec: EstimatorSpec, data: tuple, kind: str, seed: int) -> tuple[float, str, float]:
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = float(spec.fn(data, kind, seed))
            status = "ok"
        except ValueError as err:
            value, status = math.nan, f"refused: {str(err).split(';')[0][:120]}"
    elapsed = time.perf_counter() - t0
    if status == "ok" and not math.isfinite(value):
        status = "refused: non-finite estimate"
    elif status == "ok" and any(issubclass(w.category, RuntimeWarning) for w in caught):
        status = "ok (warned)"
    return value, status, elapsed


def run(
    tasks: Sequence[Task],
    estimators: Sequence[EstimatorSpec],
    *,
    ns: Sequence[int],
    seeds: Sequence[int],
    only: dict[str, dict[str, Sequence]] | None = None,
    threads: int | None = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Estimate every task x estimator x seed x N where the estimator is defined on the task's kind.

    For each task and seed one sample of the largest N needed is drawn and the first n used for each
    n (nested samples). ``only`` gives an estimator, by name, its own ``ns`` (instead of ``ns``),
    ``seeds`` (a subset of ``seeds``) or ``families``, e.g. ``{"MINE": {"ns": [5000], "seeds": [0]}}``
    (MINE's cost does not fall with N). ``threads``: torch intra-op threads during the estimates
    (``None``: leave torch's setting). One by default: on a shared 2-core CPU torch's threads wait
    for each other at every small operation, and 100 MINE iterations took 45 s with two threads
    against 0.5 s with one on the loaded machine here (the KD-tree estimators use their own threads).

    Returns
    -------
    pandas.DataFrame
        One row per estimate: task, family, kind, dim_x, dim_y, estimator, settings, n, seed,
        true, estimate, error (nats), time_s, status ("ok", "ok (warned)", "refused: ...").
    """
    only = only or {}
    for name in only:
        if name not in {e.name for e in estimators}:
            raise ValueError(f"'only' names an unknown estimator {name!r}")
    jobs = [(t, s) for t in tasks for s in seeds]
    n_max = max([*ns, *(n for rule in only.values() for n in rule.get("ns", []))])
    rows = []
    for task, seed in progress_bar(jobs, enabled=progress, desc="tasks x seeds"):
        data, true = task.sample(n_max, seed)
        for spec in estimators:
            if task.kind not in spec.kinds:
                continue
            rule = only.get(spec.name, {})
            if seed not in rule.get("seeds", seeds) or task.family not in rule.get("families", [task.family]):
                continue
            for n in rule.get("ns", ns):
                if threads is None:
                    value, status, elapsed = _estimate(spec, _take(data, n), task.kind, seed)
                else:
                    with torch_threads(threads):
                        value, status, elapsed = _estimate(spec, _take(data, n), task.kind, seed)
                rows.append(
                    dict(
                        task=task.name,
                        family=task.family,
                        kind=task.kind,
                        dim_x=task.dim_x,
                        dim_y=task.dim_y,
                        estimator=spec.name,
                        settings=spec.settings,
                        n=n,
                        seed=seed,
                        true=true,
                        estimate=value,
                        error=value - true,
                        time_s=elapsed,
                        status=status,
                    )
                )
    return pd.DataFrame(rows)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Bias, RMSE, mean |error| (nats) and mean time per estimator x task x N, over the seeds.

    A cell where any seed was refused is marked refused (bias and RMSE NaN); ``warned`` counts the
    seeds that raised a RuntimeWarning (e.g. WKL's large weights).
    """
    keys = ["estimator", "settings", "task", "family", "kind", "dim_x", "dim_y", "n"]

    def agg(g: pd.DataFrame) -> pd.Series:
        refused = g.status.str.startswith("refused")
        e = g.error.to_numpy()
        ok = not refused.any()
        return pd.Series(
            dict(
                true=g.true.mean(),
                estimate=g.estimate.mean() if ok else math.nan,
                bias=e.mean() if ok else math.nan,
                rmse=float(np.sqrt(np.mean(e**2))) if ok else math.nan,
                mean_abs=float(np.mean(np.abs(e))) if ok else math.nan,
                time_s=g.time_s.mean(),
                seeds=len(g),
                warned=int((g.status == "ok (warned)").sum()),
                status="ok" if ok else g.status[refused].iloc[0],
            )
        )

    if results.empty:
        raise ValueError("no results to summarise")
    return results.groupby(keys, sort=False).apply(agg, include_groups=False).reset_index()


def wkl_first_refused_dim(k: int, *, max_norm: float = 1000.0, d_max: int = 200) -> int | None:
    """Smallest joint dimension d at which ``mi_wkl(k=k)`` refuses (weight norm > max_norm, or no weights).

    Computed from :func:`~ibcore.estimators.wkl_weight_norm`; ``None`` if it never does up to ``d_max``.
    """
    for d in range(1, d_max + 1):
        if wkl_weight_norm(k, d) > max_norm:
            return d
    return None


def _nearest(values: Sequence[int], target: int, *, above: bool) -> int | None:
    vals = sorted(set(int(v) for v in values))
    pick = [v for v in vals if (v >= target if above else v <= target)]
    if pick:
        return pick[0] if above else pick[-1]
    return None


def recommend(d: int, n: int, summary: pd.DataFrame, *, families: Sequence[str] = RECOMMEND_FAMILIES) -> dict:
    """The estimator to use for variables of dimension ``d`` (the wider of X and T) and ``n`` samples.

    Derived from a measured :func:`summarize` table, not from fixed verdicts: it looks at the
    continuous Shannon-MI tasks of ``families`` whose larger dimension is the smallest measured
    one >= d (or the largest measured, flagged ``extrapolated``), at the largest measured N <= n
    (or the smallest), and picks the pairwise estimator with the least RMSE over those tasks,
    counting only estimators that ran on all of them (none refused).

    Returns
    -------
    dict
        d, n, measured_d, measured_n, extrapolated, estimator, settings, rmse, bias (nats, mean
        over the tasks), runner_up and its rmse, tasks (how many). ``estimator`` is ``None`` when
        no estimator ran on all of them.
    """
    if d < 1 or n < 2:
        raise ValueError(f"need d >= 1 and n >= 2, got d={d}, n={n}")
    cont = summary[summary.family.isin(families) & summary.kind.isin(PAIRWISE_KINDS)]
    if cont.empty:
        raise ValueError(f"the summary holds no tasks of the families {list(families)}")
    dims = np.maximum(cont.dim_x, cont.dim_y)
    md = _nearest(dims, d, above=True)
    extrapolated = md is None
    md = md if md is not None else int(dims.max())
    mn = _nearest(cont.n, n, above=False) or _nearest(cont.n, n, above=True)
    part = cont[(dims == md) & (cont.n == mn)]
    tasks = part.task.nunique()
    per = part.groupby(["estimator", "settings"]).agg(
        rmse=("rmse", lambda v: float(np.sqrt(np.mean(np.square(v))))),
        bias=("bias", "mean"),
        ran=("rmse", lambda v: int(v.notna().sum())),
    )
    per = per[per.ran == tasks].sort_values("rmse")
    out = dict(d=d, n=n, measured_d=md, measured_n=mn, extrapolated=extrapolated, tasks=tasks)
    if per.empty:
        return out | dict(
            estimator=None, settings="", rmse=math.nan, bias=math.nan, runner_up=None, runner_up_rmse=math.nan
        )
    best = per.index[0]
    second = per.index[1] if len(per) > 1 else (None, "")
    return out | dict(
        estimator=best[0],
        settings=best[1],
        rmse=float(per.rmse.iloc[0]),
        bias=float(per.bias.iloc[0]),
        runner_up=second[0],
        runner_up_rmse=float(per.rmse.iloc[1]) if len(per) > 1 else math.nan,
    )


def recommendation_table(
    summary: pd.DataFrame, *, dims: Sequence[int] | None = None, ns: Sequence[int] | None = None
) -> pd.DataFrame:
    """:func:`recommend` for each measured dimension and N of the summary (or the given ones)."""
    cont = summary[summary.family.isin(RECOMMEND_FAMILIES)]
    dims = dims if dims is not None else sorted(set(np.maximum(cont.dim_x, cont.dim_y).tolist()))
    ns = ns if ns is not None else sorted(set(cont.n.tolist()))
    return pd.DataFrame([recommend(int(d), int(n), summary) for d in dims for n in ns])
