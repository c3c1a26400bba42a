"""Measured cost probes: a notebook's main costs at a profile, projected from short runs on this machine.

``make paper-results`` prints them before it starts (:func:`ibcore.study.archive.probe_text`), so
that a reader sees what a `paper` run costs here before paying for it. :data:`PROBES` maps a
notebook to its probe, ``probe(settings) -> [(part, seconds)]``: each part names what it projects
("training 3 x 50 seeds x 10000 epochs") and its seconds come from a unit of that work timed here
(:func:`min_time`) times the number of units the settings ask for - never from a guess. A notebook
without a probe has its cost reported as unmeasured. One module per chapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ibcore.study.probes._timing import min_time
from ibcore.study.probes.aa_mine_ib import aa_mine_ib_probe
from ibcore.study.probes.estimator_accuracy import estimator_accuracy_probe
from ibcore.study.probes.estimator_dependence import estimator_dependence_probe
from ibcore.study.probes.estimator_speed import estimator_speed_probe
from ibcore.study.probes.information_plane import information_plane_probe
from ibcore.study.probes.lossy_compression import lossy_compression_probe
from ibcore.study.probes.noisy_dnns import noisy_dnns_probe

__all__ = ["PROBES", "min_time"]

PROBES: dict[str, Callable[[Any], list[tuple[str, float]]]] = {
    "00_information_plane": information_plane_probe,
    "01_estimator_dependence": estimator_dependence_probe,
    "02_noisy_dnns": noisy_dnns_probe,
    "03_lossy_compression": lossy_compression_probe,
    "04_aa_mine_ib": aa_mine_ib_probe,
    "A1_estimator_speed": estimator_speed_probe,
    "A2_estimator_accuracy": estimator_accuracy_probe,
}
"""Notebook -> its probe (``probe(settings) -> [(part, seconds)]``)."""
