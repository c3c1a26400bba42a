"""What every probe shares: timing a unit of work, checking a unit's lengths, projecting a line."""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = [
    "PAGE_THREADS",
    "min_time",
    "timed",
    "check_count",
    "lengths",
    "slope",
    "fixed_and_per",
    "line",
    "units",
    "with_params",
]

PAGE_THREADS = 1
"""The intra-op threads of the pages whose probes run their units so (``setup(NB, globals(),
threads=1)`` in chapters 1-4); chapter 0 and the appendices time their units as their pages run."""


def min_time(fn: Callable[[], Any], repeats: int = 2) -> tuple[float, Any]:
    """The least wall time (s) of ``repeats`` calls of ``fn`` and the last call's result.

    A unit timed once reads high whenever another job shares the cores (chapter 0's probe read
    22-25 min on a quiet machine, 98 min beside a test run): the minimum over repeats is the
    usual estimate of the cost of the work itself (as :mod:`timeit` advises).
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1, got {repeats!r}")
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def timed(fn: Callable[[], Any], repeats: int) -> float:
    """:func:`min_time` of ``fn``, the seconds only."""
    return min_time(fn, repeats)[0]


def check_count(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (a bool is refused), else a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def lengths(value: Any, name: str, minimum: int = 1) -> tuple[int, int]:
    """Two increasing ints >= ``minimum`` (a unit's two lengths), else a ``ValueError`` naming ``name``."""
    ok = isinstance(value, Sequence) and len(value) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if not ok or not minimum <= value[0] < value[1]:
        raise ValueError(f"{name} must be two increasing ints >= {minimum}, got {value!r}")
    return int(value[0]), int(value[1])


def slope(t_a: float, n_a: int, t_b: float, n_b: int) -> float:
    """The cost of one more unit, :math:`(t_b - t_a) / (n_b - n_a)`; where timing noise makes it
    non-positive (the load changed between the two timings), :math:`t_b / n_b`, an upper bound
    (the start-up counted as work) - never a cost of zero."""
    d = (t_b - t_a) / (n_b - n_a)
    return d if d > 0 else t_b / n_b


def fixed_and_per(times: Sequence[float], lens: tuple[int, int]) -> tuple[float, float]:
    """``(fixed, per_unit)`` of a unit timed at two lengths: the per-unit cost by :func:`slope`,
    and the fixed start-up cost what the shorter run took beyond its units (at least 0)."""
    (t_lo, t_hi), (lo, hi) = times, lens
    per = slope(t_lo, lo, t_hi, hi)
    return max(t_lo - lo * per, 0.0), per


def line(t_a: float, n_a: int, t_b: float, n_b: int, n: int) -> float:
    """The cost at length ``n`` of work timed at ``n_a`` and ``n_b``: fixed + per unit x ``n``
    (:func:`fixed_and_per`)."""
    fixed, per = fixed_and_per((t_a, t_b), (n_a, n_b))
    return fixed + per * n


@contextmanager
def units(n: int = PAGE_THREADS) -> Iterator[None]:
    """How a probe's units run: torch and the BLAS/OpenMP pools at ``n`` threads, as the page sets
    them, and warnings silenced (raw pixels tie, short fits warn); all restored afterwards."""
    from threadpoolctl import threadpool_limits

    from ibcore._device import torch_threads

    with torch_threads(n), threadpool_limits(limits=n), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def with_params(settings: Settings, **params: Any) -> Settings:
    """A copy of ``settings`` with some parameters changed (the units' sizes); nothing is written."""
    return dataclasses.replace(settings, params={**settings.params, **params})
