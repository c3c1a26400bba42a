"""Appendix A1's probe: the speed benchmark at a profile, projected from its units timed here."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ibcore.study.probes._timing import check_count, lengths, line, min_time

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = ["estimator_speed_probe", "times_by_size"]

# the Renyi epochs per layer of the page (``benchmark.renyi_subsample(run, sizes, n_epochs=6)``)
RENYI_EPOCHS = 6
# the KDE noise variance of the page's run (``benchmark.kde_run(run, noise_var=1e-3, ...)``)
NOISE_VAR = 1e-3
# ``benchmark.ksg_vs_n``: ``repeat`` (3) alternations of ours and the anchor below this N, one from it on
KSG_REPEAT, KSG_ONCE_FROM = 3, 100_000


def times_by_size(
    unit: Callable[[int], float], sizes: Sequence[int], max_n: int
) -> tuple[dict[int, float], float | None]:
    """Seconds of a unit of work at each size: timed up to ``max_n``, projected above it.

    ``unit(n)`` times the work at size ``n`` (a :func:`~ibcore.study.probes.min_time` inside). The
    sizes up to ``max_n`` are timed directly; a size above it is projected from the two largest
    timed sizes :math:`n_1 < n_2` with the growth exponent measured between them,

    .. math::

        t(n) = t(n_2) (n / n_2)^b, \\qquad
        b = \\max\\Big(0, \\frac{\\log t(n_2)/t(n_1)}{\\log n_2/n_1}\\Big),

    so a cost that grows faster than linearly in ``n`` is extrapolated at its own measured rate.
    When fewer than two of ``sizes`` lie at or below ``max_n``, ``max_n // 2`` and ``max_n`` are
    timed for the exponent as well.

    Returns
    -------
    (dict, float or None)
        Seconds per size of ``sizes``, and the exponent ``b`` (``None`` when nothing was projected).
    """
    max_n = check_count(max_n, "max_n", 2)
    wanted = sorted({check_count(n, "a size", 1) for n in sizes})
    timed = [n for n in wanted if n <= max_n]
    above = [n for n in wanted if n > max_n]
    if above and len(timed) < 2:
        timed = sorted({*timed, max_n // 2, max_n})
    seconds = {n: unit(n) for n in timed}
    exponent = None
    if above:
        n1, n2 = timed[-2:]
        t1, t2 = seconds[n1], seconds[n2]
        exponent = max(0.0, math.log(t2 / t1) / math.log(n2 / n1)) if t1 > 0 and t2 > 0 else 1.0
        seconds |= {n: t2 * (n / n2) ** exponent for n in above}
    return {n: seconds[n] for n in wanted}, exponent


def _ksg_units(d: int, device: Any, repeats: int) -> tuple[Callable[[int], float], Callable[[int], float]]:
    """Timers of ``mi_ksg`` (on ``device``) and of the anchor ``kdtree_ksg`` at N, on ``ksg_vs_n``'s
    data ``gaussian_pair(N, [0.6] * d, seed=0)`` (drawn once per N, untimed)."""
    from ibcore.estimators.knn import mi_ksg
    from ibcore.evaluation import benchmark
    from ibcore.ground_truth import gaussian_pair

    samples: dict[int, Any] = {}

    def sample(n: int) -> Any:
        if n not in samples:
            samples[n] = gaussian_pair(n, [0.6] * d, seed=0)[:2]
        return samples[n]

    def ours(n: int) -> float:
        x, y = sample(n)
        return min_time(lambda: mi_ksg(x, y, k=5, device=device), repeats)[0]

    def anchor(n: int) -> float:
        x, y = sample(n)
        return min_time(lambda: benchmark.kdtree_ksg(x, y, k=5), repeats)[0]

    return ours, anchor


def _span(sizes: Sequence[int]) -> str:
    """``"N = 1000, 10000, 100000"``-style list of sizes."""
    return ", ".join(str(int(n)) for n in sorted(set(sizes)))


def estimator_speed_probe(
    settings: Settings,
    *,
    epochs: tuple[int, int] = (20, 60),
    plane_epochs: tuple[int, int] = (4, 12),
    ksg_max_n: int = 10_000,
    kde_max_n: int = 4096,
    renyi_max_n: int = 2048,
    repeats: int = 2,
) -> list[tuple[str, float]]:
    """Appendix A1's costs at ``settings`` on this machine, projected from its units timed here.

    The page's six measurements (:mod:`ibcore.evaluation.benchmark`, on ``settings.device``), each
    unit timed ``repeats`` times and its least time kept (:func:`~ibcore.study.probes.min_time`):

    * **KDE vs N**: ``benchmark.kde_vs_n([n])`` for each n of ``settings.kde_sizes`` (ours on 4
      epochs, the anchor on 2, d = 10), sizes above ``kde_max_n`` projected by
      :func:`times_by_size`; seconds = sum over the sizes.
    * **training**: the page's run (``benchmark.szt_run``: chapter 0's network, its split, seed
      0) trained for ``epochs[0]`` and ``epochs[1]`` epochs without the run cache, after an
      untimed 1-epoch warm-up, projected to ``run_epochs`` by :func:`~ibcore.study.probes._timing.line` (the
      per-epoch cost from the difference, as chapter 0's probe). The page loads this run from
      the run cache when chapter 0 trained it, and then this part costs nothing.
    * **KDE over the run** (``benchmark.kde_run``): ``information_plane(run, KDE(1e-3))`` on the
      first ``plane_epochs[0]`` and ``plane_epochs[1]`` recorded epochs of the longer short run,
      projected by :func:`~ibcore.study.probes._timing.line` to the recorded epochs of ``run_epochs`` (212 for
      10^4); plus the anchor ``saxe_kde`` timed once on each layer the page samples and summed
      over its ``anchor_samples`` picks (layer i mod 6).
    * **KSG vs N** (``benchmark.ksg_vs_n`` at ``ksg_settings(ksg_sizes, ksg_dims)``): ``mi_ksg``
      and the anchor ``kdtree_ksg`` each timed on ``gaussian_pair(N, [0.6] * d)`` for every d
      and each N up to ``ksg_max_n``; a larger N is projected per d and per method with the
      exponent measured between the two largest timed N (:func:`times_by_size`); seconds = sum
      over (N, d) of (ours + anchor) x the page's alternations (3 below N = 10^5, 1 from it on).
      Checked here at d = 4, N = 10^5 from 10^3 and 10^4: ours read 37 % low, the anchor 13 %
      high.
    * **Renyi subsamples** (``benchmark.renyi_subsample(run, renyi_sizes, n_epochs=6)``): one
      call per n on the short run's first layer (the widest; the eigenvalues of the n x n Gram
      matrices dominate and do not depend on the width) at 6 epochs, sizes above
      ``renyi_max_n`` projected; seconds = sum over n of that x the run's 6 layers.
    * **parallel check** (``benchmark.parallel_speedup``): ``information_plane`` with KDE,
      binning and Renyi(n_subsample=256), here and in ``n_jobs=-1`` worker processes, each timed
      on the same two epoch counts and projected likewise (Renyi's per-layer set-up and the
      dispatch count once), plus the warm-up call that starts the workers (one layer, two
      epochs), timed once: a cold start unless this process already started them.

    Left out as negligible: the machine's facts, the warm-ups of ``kde_vs_n``/``ksg_vs_n``, the
    sampling of the KSG data, the tables, figures and glued values.

    Parameters
    ----------
    settings : Settings
        The page's settings (:func:`ibcore.study.profiles.setup`).
    epochs : (int, int)
        The two short training runs, increasing; the longer one serves the later units, so
        it must record at least ``plane_epochs[1]`` epochs.
    plane_epochs : (int, int)
        The two counts of recorded epochs on which each information plane is timed, increasing.
    ksg_max_n, kde_max_n, renyi_max_n : int
        The largest N timed directly in the KSG, KDE-vs-N and Renyi measurements.
    repeats : int
        Timings of each unit; the least is kept.

    Returns
    -------
    list of (str, float)
        ``[(part, seconds)]``, each part naming the counts it projects.

    Notes
    -----
    With :math:`t(\\cdot)` a timed unit, :math:`E` = ``run_epochs``, :math:`R` its recorded
    epochs, :math:`L` the run's layers and :math:`P(t_a, t_b; M)` = :func:`~ibcore.study.probes._timing.line`:

    * KDE vs N: :math:`\\sum_{n} t_{kde}(n)` over ``kde_sizes``;
    * training: :math:`P(t(lo), t(hi); E)`;
    * KDE over the run: :math:`P(t(p_a), t(p_b); R) + \\sum_{i < \\text{anchor\\_samples}}
      t_{anchor}(\\text{layer}_{i \\bmod L})`;
    * KSG vs N: :math:`\\sum_{(N, d)} r(N) [t_{ours}(N, d) + t_{anchor}(N, d)]`, :math:`r(N) = 3`
      below :math:`10^5`, else 1;
    * Renyi: :math:`L \\sum_n t_{renyi}(n)` (per layer, 6 epochs each);
    * parallel: :math:`t_{warm} + P_{here}(R) + P_{workers}(R)`.
    """
    from ibcore import KDE, Binning, Renyi, data
    from ibcore.analysis.infoplane import information_plane
    from ibcore.estimators.knn import mi_ksg
    from ibcore.evaluation import benchmark
    from ibcore.ground_truth import gaussian_pair
    from ibcore.study.chapters.estimator_speed import ksg_settings
    from ibcore.training import train_seeds

    lo, hi = lengths(epochs, "epochs")
    pa, pb = lengths(plane_epochs, "plane_epochs")
    ksg_max_n, kde_max_n, renyi_max_n = (
        check_count(v, name, 2)
        for v, name in ((ksg_max_n, "ksg_max_n"), (kde_max_n, "kde_max_n"), (renyi_max_n, "renyi_max_n"))
    )
    repeats = check_count(repeats, "repeats")
    dev = settings.device
    full_epochs = len(benchmark.szt_config(settings.run_epochs).epochs())
    if len(benchmark.szt_config(hi).epochs()) < pb:
        raise ValueError(f"a run of {hi} epochs records fewer than plane_epochs[1]={pb} epochs")
    parts: list[tuple[str, float]] = []

    # KDE vs N
    def kde_unit(n: int) -> float:
        return min_time(lambda: benchmark.kde_vs_n([n], device=dev), repeats)[0]

    kde_sec, _ = times_by_size(kde_unit, settings.kde_sizes, kde_max_n)
    parts.append(
        (
            f"KDE vs N: {len(kde_sec)} N x (ours 4 + anchor 2 layer-epochs), d = 10 "
            f"(N = {_span(settings.kde_sizes)})",
            sum(kde_sec.values()),
        )
    )

    # training: benchmark.szt_run without the run cache
    szt = data.load_szt()
    split, _ = data.train_test_split(szt, test_fraction=1 - 0.85, seed=0)

    def train(n: int) -> Any:
        return train_seeds(
            benchmark.szt_config(n),
            [0],
            train=(split.x, split.y),
            eval=(szt.x, szt.y),
            cache=False,
            progress=False,
            device=dev,
        )[0]

    train(1)  # warm-up: the first training in a process pays one-off costs
    t_lo, _ = min_time(lambda: train(lo), repeats)
    t_hi, run = min_time(lambda: train(hi), repeats)
    parts.append(
        (
            f"training 1 run x {settings.run_epochs} epochs (none if chapter 0's run is in the run cache)",
            line(t_lo, lo, t_hi, hi, settings.run_epochs),
        )
    )

    # KDE over the run: ours on every layer-epoch, the anchor on the sampled ones
    layers = list(run.layers)
    est = KDE(noise_var=NOISE_VAR, device=dev)

    def plane(estimators: Any, n_jobs: int = 1) -> float:
        """``information_plane`` of the run with ``estimators``, projected to the full run."""
        t_a, t_b = (
            min_time(
                lambda k=k: information_plane(
                    run, estimators, epochs=run.epochs[:k], progress=False, n_jobs=n_jobs
                ),
                repeats,
            )[0]
            for k in (pa, pb)
        )
        return line(t_a, pa, t_b, pb, full_epochs)

    ours = plane(est)
    y = np.asarray(run.y_eval)
    picks = [layers[i % len(layers)] for i in range(settings.anchor_samples)]
    anchor_per_layer = {}
    for layer in dict.fromkeys(picks):
        h = np.asarray(torch.as_tensor(run.activations[layer][-1]).float())
        anchor_per_layer[layer] = min_time(lambda h=h: benchmark.saxe_kde(h, y, NOISE_VAR), repeats)[0]
    parts.append(
        (
            f"KDE over the run: ours {len(layers)} layers x {full_epochs} recorded epochs"
            f" + anchor {settings.anchor_samples} layer-epochs",
            ours + sum(anchor_per_layer[layer] for layer in picks),
        )
    )

    # KSG vs N: ours and the anchor, per d, sizes above ksg_max_n from the measured growth
    pairs = ksg_settings(settings.ksg_sizes, settings.ksg_dims)
    x, yy, _ = gaussian_pair(200, [0.6, 0.6], seed=1)
    mi_ksg(x, yy, k=5, device=dev)  # warm-up, as ksg_vs_n
    benchmark.kdtree_ksg(x, yy, k=5)
    ksg_total, projected = 0.0, False
    for d in dict.fromkeys(d for _, d in pairs):
        sizes = [n for n, dd in pairs if dd == d]
        ours_unit, anchor_unit = _ksg_units(d, dev, repeats)
        t_ours, b_ours = times_by_size(ours_unit, sizes, ksg_max_n)
        t_anchor, _ = times_by_size(anchor_unit, sizes, ksg_max_n)
        projected |= b_ours is not None
        for n in sizes:
            reps = KSG_REPEAT if n < KSG_ONCE_FROM else 1
            ksg_total += reps * (t_ours[n] + t_anchor[n])
    n_sizes, n_dims = len(set(settings.ksg_sizes)), len(set(settings.ksg_dims))
    beyond = f"; N > {ksg_max_n} from the measured growth" if projected else ""
    parts.append(
        (
            f"KSG vs N: {n_sizes} N x {n_dims} d, ours + KDTree anchor, {KSG_REPEAT} alternations "
            f"below N = {KSG_ONCE_FROM}, 1 from it (N = {_span(settings.ksg_sizes)}{beyond})",
            ksg_total,
        )
    )

    # Renyi on subsamples: one call per n and layer, on 6 epochs
    def n_idx(n_recorded: int) -> int:
        return len(np.unique(np.linspace(0, n_recorded - 1, RENYI_EPOCHS).round().astype(int)))

    def renyi_unit(n: int) -> float:
        return min_time(
            lambda: benchmark.renyi_subsample(run, [n], layers=layers[:1], n_epochs=RENYI_EPOCHS, device=dev),
            repeats,
        )[0]

    renyi_sec, _ = times_by_size(renyi_unit, settings.renyi_sizes, renyi_max_n)
    scale = len(layers) * n_idx(full_epochs) / n_idx(len(run.epochs))
    parts.append(
        (
            f"Renyi subsamples: {len(renyi_sec)} n x {len(layers)} layers x {n_idx(full_epochs)} epochs "
            f"(n = {_span(settings.renyi_sizes)})",
            scale * sum(renyi_sec.values()),
        )
    )

    # the parallel check: the page's three estimators (default device, as the page builds them)
    ests = {"kde": KDE(noise_var=NOISE_VAR), "binning": Binning(), "renyi": Renyi(n_subsample=256)}
    t_warm, _ = min_time(
        lambda: information_plane(
            run, ests, layers=layers[:1], epochs=run.epochs[:2], progress=False, n_jobs=-1
        ),
        1,
    )
    workers = benchmark.machine()["cpus"]
    parts.append(
        (
            f"parallel check: {len(ests)} estimators x {len(layers)} layers x {full_epochs} recorded epochs, "
            f"here and in {workers} worker processes",
            t_warm + plane(ests) + plane(ests, n_jobs=-1),
        )
    )
    return parts
