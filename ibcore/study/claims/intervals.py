"""A statistic with its interval, and the ways this study computes one.

:class:`Interval` holds an estimate, its bounds, the confidence level and how it was computed.
:func:`t_interval` (Student t over seeds), :func:`bootstrap_interval` (percentile bootstrap,
:func:`scipy.stats.bootstrap`), :func:`stderr_interval` (normal interval from a standard error, e.g.
Monte Carlo) and :func:`difference_interval` (Welch t interval of a difference of means, for
two-method claims such as "IB >= CE"). With a single value there is no interval: it is unbounded,
so no threshold rule can decide on one seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ibcore.study.claims._checks import check_real, check_text, check_values

__all__ = ["Interval", "t_interval", "bootstrap_interval", "stderr_interval", "difference_interval"]


@dataclass(frozen=True)
class Interval:
    """A statistic with its interval: ``low <= estimate <= high`` at confidence ``level``.

    ``method`` says how it was computed ("t over 5 seeds"); ``n`` is the number of values it
    summarises. An unbounded interval (``low = -inf``, ``high = inf``) means "no interval" (one
    value): no threshold rule decides on it.
    """

    estimate: float
    low: float
    high: float
    level: float
    method: str
    n: int

    def __post_init__(self) -> None:
        check_real(self.estimate, "estimate")
        check_real(self.low, "low", finite=False)
        check_real(self.high, "high", finite=False)
        if not self.low <= self.estimate <= self.high:
            raise ValueError(f"need low <= estimate <= high, got {self.low}, {self.estimate}, {self.high}")
        if not 0 < check_real(self.level, "level") < 1:
            raise ValueError(f"level must lie in (0, 1), got {self.level!r}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be an integer >= 1, got {self.n!r}")

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def text(self, fmt: str = ".3g") -> str:
        """``"0.42 [0.31, 0.55] (95 %, t over 5 seeds)"``, or ``"0.42 (no interval: 1 value)"``."""
        if not self.bounded:
            return f"{self.estimate:{fmt}} (no interval: {self.method})"
        return (
            f"{self.estimate:{fmt}} [{self.low:{fmt}}, {self.high:{fmt}}] "
            f"({self.level:.0%}, {self.method})".replace("%", " %")
        )


def _unbounded(estimate: float, n: int, level: float) -> Interval:
    return Interval(estimate, -math.inf, math.inf, level, f"{n} value", n)


def t_interval(values: Sequence[float], *, level: float = 0.95, unit: str = "seeds") -> Interval:
    r"""Student t interval of the mean: :math:`\bar v \pm t_{n-1, (1+\ell)/2}\, s / \sqrt n`.

    One value gives an unbounded interval; equal values give a zero-width one.
    """
    arr, level = check_values(values), check_real(level, "level")
    n, mean = arr.size, float(arr.mean())
    if n == 1:
        return _unbounded(mean, 1, level)
    if np.ptp(arr) == 0:  # equal values: exactly zero width (the float mean and std would not be)
        return Interval(float(arr[0]), float(arr[0]), float(arr[0]), level, f"t over {n} {unit}", n)
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * arr.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, level, f"t over {n} {unit}", n)


def bootstrap_interval(
    values: Sequence[float],
    *,
    level: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
    unit: str = "seeds",
) -> Interval:
    """Percentile bootstrap interval of the mean (:func:`scipy.stats.bootstrap`, seeded).

    For few values the percentile interval is too narrow; prefer :func:`t_interval` below about
    ten. One value gives an unbounded interval.
    """
    arr, level = check_values(values), check_real(level, "level")
    n, mean = arr.size, float(arr.mean())
    if n == 1:
        return _unbounded(mean, 1, level)
    if np.ptp(arr) == 0:
        return Interval(float(arr[0]), float(arr[0]), float(arr[0]), level, f"bootstrap over {n} {unit}", n)
    res = stats.bootstrap(
        (arr,), np.mean, confidence_level=level, n_resamples=n_resamples, method="percentile", rng=seed
    )
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Interval(mean, min(low, mean), max(high, mean), level, f"bootstrap over {n} {unit}", n)


def stderr_interval(
    estimate: float, stderr: float, *, level: float = 0.95, n: int = 1, method: str
) -> Interval:
    r"""Normal interval :math:`\hat\theta \pm z_{(1+\ell)/2}\,\mathrm{s.e.}` from a standard error."""
    estimate, stderr, level = (
        check_real(estimate, "estimate"),
        check_real(stderr, "stderr"),
        check_real(level, "level"),
    )
    if stderr < 0:
        raise ValueError(f"stderr must be >= 0, got {stderr!r}")
    half = float(stats.norm.ppf((1 + level) / 2)) * stderr
    return Interval(estimate, estimate - half, estimate + half, level, check_text(method, "method"), n)


def difference_interval(a: Sequence[float], b: Sequence[float], *, level: float = 0.95) -> Interval:
    r"""Welch t interval of :math:`\bar a - \bar b` (unequal variances, Welch-Satterthwaite df).

    Unbounded when either side has one value. Equal values on both sides give a zero-width
    interval.
    """
    x, y, level = check_values(a, "a"), check_values(b, "b"), check_real(level, "level")
    diff, n = float(x.mean() - y.mean()), int(min(x.size, y.size))
    if x.size < 2 or y.size < 2:
        return _unbounded(diff, n, level)
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(va + vb)
    method = f"Welch t, {x.size} vs {y.size} values"
    if se == 0:
        return Interval(diff, diff, diff, level, method, n)
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    half = float(stats.t.ppf((1 + level) / 2, df)) * se
    return Interval(diff, diff - half, diff + half, level, method, n)
