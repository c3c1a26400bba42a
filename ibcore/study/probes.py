"""Measured cost probes: a notebook's main costs at a profile, projected from a short run on this machine.

``make paper-results`` prints them before it starts (:func:`ibcore.study.archive.probe_text`), so
that a reader sees what a `paper` run costs here before paying for it. :data:`PROBES` maps a
notebook to its probe, ``probe(settings) -> [(part, seconds)]``; a notebook without one has its
cost reported as unmeasured, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ibcore.study.chapters.information_plane import szt_split, train_config
from ibcore.training import train_seeds

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = ["PROBES", "information_plane_probe"]


def information_plane_probe(
    settings: Settings, *, epochs: tuple[int, int] = (20, 60)
) -> list[tuple[str, float]]:
    """Chapter 0's two main costs at ``settings`` on this machine, projected from a short measured run.

    Trains :func:`~ibcore.study.chapters.information_plane.train_config` for ``epochs[0]`` and for
    ``epochs[1]`` epochs on every seed of ``settings.seeds`` (batched as the page trains them; no
    cache), takes the per-epoch cost from the difference (so the dense early recording counts once)
    and projects ``settings.n_epochs`` epochs for the main runs and each of
    ``settings.small_fractions``; times the binning of the longer probe and scales it by the number
    of recorded epochs of the full schedule. Returns ``[(part, seconds)]``.
    """
    import time

    from ibcore import Binning
    from ibcore.analysis.infoplane import information_plane

    lo, hi = (int(e) for e in epochs)
    if not 0 < lo < hi:
        raise ValueError(f"epochs must be two increasing positive counts, got {epochs}")
    szt, train, _ = szt_split(settings.train_fraction, settings.seed)
    times, runs = [], []
    for n in (lo, hi):
        t0 = time.perf_counter()
        runs = train_seeds(
            train_config(n),
            settings.seeds,
            train=(train.x, train.y),
            eval=(szt.x, szt.y),
            cache=False,
            progress=False,
            device=settings.device,
        )
        times.append(time.perf_counter() - t0)
    per_epoch = max(times[1] - times[0], 0.0) / (hi - lo)
    n_sets = 1 + len(settings.small_fractions)
    training = n_sets * (times[0] + per_epoch * (settings.n_epochs - lo))
    t0 = time.perf_counter()
    information_plane(runs, Binning(n_bins=settings.n_bins, value_range=(-1.0, 1.0)))
    per_recorded = (time.perf_counter() - t0) / len(runs[0].epochs)
    n_recorded = len(train_config(settings.n_epochs).epochs())
    return [
        (f"training {n_sets} x {len(settings.seeds)} seeds x {settings.n_epochs} epochs", training),
        (
            f"binning {n_sets} x {len(settings.seeds)} seeds x {n_recorded} recorded epochs",
            n_sets * per_recorded * n_recorded,
        ),
    ]


PROBES: dict[str, Callable[[Any], list[tuple[str, float]]]] = {
    "00_information_plane": information_plane_probe
}
"""Notebook -> its probe."""
