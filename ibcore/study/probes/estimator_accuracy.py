"""Appendix A2's probe: the estimator-accuracy suite at a profile, projected from calls timed here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ibcore.study.probes._timing import check_count, min_time
from ibcore.study.probes.estimator_speed import times_by_size

if TYPE_CHECKING:
    from ibcore.evaluation.suite import EstimatorSpec, Task
    from ibcore.study.profiles import Settings

__all__ = ["estimator_accuracy_probe", "suite_calls", "shape"]


def shape(task: Task) -> tuple[str, int, int]:
    """What an estimate's cost depends on here besides N: the task's kind and dimensions."""
    return (task.kind, task.dim_x, task.dim_y)


def suite_rules(settings: Settings) -> dict[str, dict[str, Sequence[int]]]:
    """The ``only`` rules of :func:`~ibcore.study.chapters.estimator_accuracy.run_suite`."""
    return {
        "MINE": {"ns": settings.mine_ns, "seeds": settings.mine_seeds},
        "Renyi": {"ns": settings.renyi_ns},
    }


def suite_calls(
    settings: Settings, tasks: Sequence[Task], estimators: Sequence[EstimatorSpec]
) -> Counter[tuple[str, tuple[str, int, int], int]]:
    """How many estimates ``run_suite`` makes, per (estimator, :func:`shape`, N).

    The selection of :func:`ibcore.evaluation.suite.run` under the rules of ``run_suite``: every
    task x seed x estimator defined on the task's kind, at the estimator's own N and seeds
    (MINE at ``mine_ns`` and ``mine_seeds``, Renyi at ``renyi_ns``, the rest at ``ns`` and
    ``seeds``). The sum of the counts is the number of rows of the page's results.
    """
    rules = suite_rules(settings)
    calls: Counter[tuple[str, tuple[str, int, int], int]] = Counter()
    for task in tasks:
        for seed in settings.seeds:
            for spec in estimators:
                if task.kind not in spec.kinds:
                    continue
                rule = rules.get(spec.name, {})
                if seed not in rule.get("seeds", settings.seeds):
                    continue
                for n in rule.get("ns", settings.ns):
                    calls[(spec.name, shape(task), int(n))] += 1
    return calls


def estimator_accuracy_probe(
    settings: Settings, *, max_n: int = 5000, mine_probe_iter: int = 100, repeats: int = 2
) -> list[tuple[str, float]]:
    """Appendix A2's suite at ``settings`` on this machine, projected from estimates timed here.

    The page's cost is :func:`~ibcore.study.chapters.estimator_accuracy.run_suite`: every task x
    seed x N x estimator where the estimator is defined (:func:`suite_calls`). An estimate's
    cost depends on the estimator, on N and on the data's dimensions (the k-NN trees of KSG,
    KL and WKL slow down steeply with the dimension; WKL refuses high dimensions at once), so
    each estimator is timed on **every distinct shape** (task kind, d_x, d_y) it meets, on the
    suite's first task of that shape (the dense Gaussian d+d for the pair tasks, the layer task
    for each width, the Renyi task for each d), by ``suite.run([task], [estimator], ns=[n],
    seeds=[its first seed])`` (the page's code path, one torch thread), each timed ``repeats``
    times and its least time kept (:func:`~ibcore.study.probes.min_time`). Then

    .. math:: T_e = \\sum_{s, n} c_{e,s,n} \\; t_e(s, n),

    with :math:`c_{e,s,n}` the estimates of estimator e on shape s at N = n (tasks of that shape x
    seeds) and :math:`t_e(s, n)`:

    * timed at each N of the estimator up to ``max_n``; a larger N projected per estimator and
      shape with the exponent measured between the two largest timed N
      (:func:`~ibcore.study.probes.estimator_speed.times_by_size`). Where the growth steepens
      with N (k-NN trees in high dimensions) this reads low: on 50+50 here, 10^4 projected from
      10^3 and 5 x 10^3 read 13 % low for KSG and 33 % low for KL;
    * MINE: one fit of ``mine_probe_iter`` iterations (default 100, a multiple of its
      50-iteration held-out evaluation, so that evaluations per iteration match) timed at each of
      ``mine_ns`` (its cost grows with the iterations, hardly with N), times
      ``mine_iter / mine_probe_iter``; its fixed set-up scales too, but it is small next to the
      iterations (50 and 150 iterations took 0.056 s and 0.17 s here).

    Each estimator is first called once untimed (its smallest N, first shape), so that the one-off
    costs of a first call (about 1 s for MINE's first fit) are not scaled up. Each timed call
    draws its own sample, where the page draws one per task and seed at the largest N: a slight
    overstatement. Left out as negligible: the summary, the task table (10 points per task), the
    heatmaps, WKL's weight norms, the recommendation table and the checks.

    Parameters
    ----------
    settings : Settings
        The page's settings (:func:`ibcore.study.profiles.setup`).
    max_n : int
        The largest N timed directly; larger N are projected from the measured growth.
    mine_probe_iter : int
        MINE iterations of the timed fit (at most ``settings.mine_iter`` are used).
    repeats : int
        Timings of each unit; the least is kept.

    Returns
    -------
    list of (str, float)
        ``[(part, seconds)]``, one part per estimator in suite order, naming its count of
        estimates (tasks x seeds x N).
    """
    from ibcore.evaluation import suite
    from ibcore.study.chapters.estimator_accuracy import estimators, tasks

    max_n = check_count(max_n, "max_n", 2)
    mine_probe_iter = check_count(mine_probe_iter, "mine_probe_iter")
    repeats = check_count(repeats, "repeats")
    task_list = tasks(settings)
    est_list = estimators(settings)
    calls = suite_calls(settings, task_list, est_list)
    first_task = {}
    for task in task_list:
        first_task.setdefault(shape(task), task)
    mine_iter = min(mine_probe_iter, settings.mine_iter)
    mine_scale = settings.mine_iter / mine_iter
    probe_spec = {e.name: e for e in est_list}
    probe_spec["MINE"] = next(
        e
        for e in suite.estimator_suite(mine_iter=mine_iter, wkl_ks=settings.wkl_ks, device=settings.device)
        if e.name == "MINE"
    )
    rules = suite_rules(settings)
    parts = []
    for spec in est_list:
        mine = spec.name == "MINE"
        seed = rules.get(spec.name, {}).get("seeds", settings.seeds)[0]
        rows = {key: c for key, c in calls.items() if key[0] == spec.name}
        shapes = list(dict.fromkeys(s for _, s, _ in rows))
        if not shapes:
            continue
        # untimed warm-up at the smallest N: a first call pays one-off costs (MINE's first fit ~1 s)
        smallest = min(n for (_, s, n) in rows if s == shapes[0])
        suite.run(
            [first_task[shapes[0]]], [probe_spec[spec.name]], ns=[smallest], seeds=[seed], progress=False
        )
        total = 0.0
        for s in shapes:
            task = first_task[s]
            ns = [n for (_, s2, n) in rows if s2 == s]

            def unit(
                n: int, task: Task = task, timed: EstimatorSpec = probe_spec[spec.name], seed: int = seed
            ) -> float:
                return min_time(
                    lambda: suite.run([task], [timed], ns=[n], seeds=[seed], progress=False), repeats
                )[0]

            # MINE's timed fits are short: each of its N is timed, none projected
            sec, _ = times_by_size(unit, ns, max(*ns, 2) if mine else max_n)
            total += sum(rows[(spec.name, s, n)] * sec[n] for n in ns)
        if mine:
            total *= mine_scale
        n_tasks = sum(1 for t in task_list if t.kind in spec.kinds)
        rule = rules.get(spec.name, {})
        n_seeds, n_ns = len(rule.get("seeds", settings.seeds)), len(rule.get("ns", settings.ns))
        what = f"fits of {settings.mine_iter} iterations" if mine else "estimates"
        parts.append(
            (
                f"{spec.name}: {n_tasks} tasks x {n_seeds} seeds x {n_ns} N = "
                f"{sum(rows.values())} {what} ({len(shapes)} shapes timed)",
                total,
            )
        )
    return parts
