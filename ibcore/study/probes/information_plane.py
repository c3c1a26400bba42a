"""Chapter 0's probe: training and binning at a profile, projected from short measured runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ibcore.study.chapters.information_plane import szt_split, train_config
from ibcore.study.probes._timing import min_time
from ibcore.training import train_seeds

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = ["information_plane_probe"]


def information_plane_probe(
    settings: Settings, *, epochs: tuple[int, int] = (20, 60), repeats: int = 2
) -> list[tuple[str, float]]:
    """Chapter 0's two main costs at ``settings`` on this machine, projected from a short measured run.

    Trains :func:`~ibcore.study.chapters.information_plane.train_config` for ``epochs[0]`` and for
    ``epochs[1]`` epochs on every seed of ``settings.seeds`` (batched as the page trains them; no
    cache), takes the per-epoch cost from the difference (so the dense early recording counts once; the longer
    run's mean epoch when the difference is not positive, the load having changed between them)
    and projects ``settings.n_epochs`` epochs for the main runs and each of
    ``settings.small_fractions``; times the binning of the longer probe and scales it by the number
    of recorded epochs of the full schedule. Each unit is timed ``repeats`` times and its least
    time kept (:func:`~ibcore.study.probes.min_time`). Returns ``[(part, seconds)]``.
    """
    from ibcore import Binning
    from ibcore.analysis.infoplane import information_plane

    lo, hi = (int(e) for e in epochs)
    if not 0 < lo < hi:
        raise ValueError(f"epochs must be two increasing positive counts, got {epochs}")
    szt, split, _ = szt_split(settings.train_fraction, settings.seed)

    def train(n: int) -> list[Any]:
        return train_seeds(
            train_config(n),
            settings.seeds,
            train=(split.x, split.y),
            eval=(szt.x, szt.y),
            cache=False,
            progress=False,
            device=settings.device,
        )

    times = []
    for n in (lo, hi):
        sec, runs = min_time(lambda n=n: train(n), repeats)
        times.append(sec)
    # the difference cancels the start-up and the dense early recording; when the load changed
    # between the two timings (the longer run read no slower), fall back to the longer run's mean
    # epoch, an upper bound, rather than to a cost of zero
    per_epoch = (times[1] - times[0]) / (hi - lo) if times[1] > times[0] else times[1] / hi
    n_sets = 1 + len(settings.small_fractions)
    training = n_sets * (times[0] + per_epoch * (settings.n_epochs - lo))
    binning = Binning(n_bins=settings.n_bins, value_range=(-1.0, 1.0))
    sec, _ = min_time(lambda: information_plane(runs, binning), repeats)
    per_recorded = sec / len(runs[0].epochs)
    n_recorded = len(train_config(settings.n_epochs).epochs())
    return [
        (f"training {n_sets} x {len(settings.seeds)} seeds x {settings.n_epochs} epochs", training),
        (
            f"binning {n_sets} x {len(settings.seeds)} seeds x {n_recorded} recorded epochs",
            n_sets * per_recorded * n_recorded,
        ),
    ]
