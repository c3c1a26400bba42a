"""Claims as data: a paper's claim, its settings with sources, the rule that decides it, and the verdict.

A chapter declares each claim it checks as a :class:`Claim` before any run: the paper, the claim in
one sentence, where the paper makes it, the paper's value, the paper's settings that matter for it
(each a :class:`Setting` with its source: a section of the paper, or a file of the authors'
released code) and the :class:`Rule` that decides it, with its threshold and the reason for it.
After the run, :func:`evaluate` reads the statistic (an :class:`Interval`, or one per item for a
claim about several layers or seeds) and the settings that produced the page, and returns an
:class:`Evaluation`: the rule's outcome, the **deviations** of this run from the paper (computed
by :func:`deviations`, never typed), and the verdict in one vocabulary (:data:`VERDICTS`):

- *reproduced*: the rule's interval lies on the claim's side and no decisive setting deviates;
- *partly*: some items (layers, seeds) meet the rule and some do not, each decided by its interval;
- *not reproduced*: run without decisive deviations, and the interval excludes the claim;
- *inconclusive*: the interval straddles the threshold, or a decisive setting deviates (named);
- *not comparable*: the data cannot support the claim (e.g. partial CIFAR-10), or the profile
  checks the code path only (:data:`NOT_COMPARABLE_PROFILES`).

A setting is *decisive* when a change of it can change the answer (training dynamics: learning
rate, epochs, optimiser, architecture, noise, regulariser); a setting such as the number of seeds
or inputs changes the uncertainty, which the interval carries, not the answer.

Intervals: :func:`t_interval` (Student t over seeds), :func:`bootstrap_interval` (percentile
bootstrap, :func:`scipy.stats.bootstrap`), :func:`stderr_interval` (normal interval from a
standard error, e.g. Monte Carlo), :func:`difference_interval` (Welch t interval of a difference
of means, for two-method claims such as "IB >= CE"). With a single value there is no interval: it
is unbounded, so no threshold rule can decide on one seed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "PAPER_KEYS",
    "VERDICTS",
    "OUTCOMES",
    "NOT_COMPARABLE_PROFILES",
    "Setting",
    "Interval",
    "Rule",
    "AtLeast",
    "AtMost",
    "Within",
    "Claim",
    "Deviation",
    "Evaluation",
    "t_interval",
    "bootstrap_interval",
    "stderr_interval",
    "difference_interval",
    "deviations",
    "evaluate",
]

PAPER_KEYS = ("shwartzziv2017", "saxe2018", "geiger2021", "goldfeld2019", "butakov2024", "elad2019")
VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not comparable")
#: What a rule says about a statistic: the claim holds, holds for some items, does not hold, or
#: the interval cannot tell.
OUTCOMES = ("met", "partly", "not met", "undecided")
NOT_COMPARABLE_PROFILES = ("smoke",)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _real(value: Any, name: str, *, finite: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be {'finite' if finite else 'a number, not NaN'}, got {value!r}")
    return value


# --------------------------------------------------------------------------- settings, intervals
@dataclass(frozen=True)
class Setting:
    """One of the paper's settings that a claim depends on, with where it is stated.

    ``source`` names a section, figure or table of the paper ("Sec. 3.1") or a file of the
    authors' code ("artemyk/ibsgd: SZT.py"); a setting without a source is refused.
    """

    value: Any
    source: str
    decisive: bool = True

    def __post_init__(self) -> None:
        _text(self.source, "source")
        if not isinstance(self.decisive, bool):
            raise TypeError(f"decisive must be a bool, got {self.decisive!r}")


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
        _real(self.estimate, "estimate")
        _real(self.low, "low", finite=False)
        _real(self.high, "high", finite=False)
        if not self.low <= self.estimate <= self.high:
            raise ValueError(f"need low <= estimate <= high, got {self.low}, {self.estimate}, {self.high}")
        if not 0 < _real(self.level, "level") < 1:
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


def _values(values: Any, name: str = "values") -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def _unbounded(estimate: float, n: int, level: float) -> Interval:
    return Interval(estimate, -math.inf, math.inf, level, f"{n} value", n)


def t_interval(values: Sequence[float], *, level: float = 0.95, unit: str = "seeds") -> Interval:
    r"""Student t interval of the mean: :math:`\bar v \pm t_{n-1, (1+\ell)/2}\, s / \sqrt n`.

    One value gives an unbounded interval; equal values give a zero-width one.
    """
    arr, level = _values(values), _real(level, "level")
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
    arr, level = _values(values), _real(level, "level")
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
    estimate, stderr, level = _real(estimate, "estimate"), _real(stderr, "stderr"), _real(level, "level")
    if stderr < 0:
        raise ValueError(f"stderr must be >= 0, got {stderr!r}")
    half = float(stats.norm.ppf((1 + level) / 2)) * stderr
    return Interval(estimate, estimate - half, estimate + half, level, _text(method, "method"), n)


def difference_interval(a: Sequence[float], b: Sequence[float], *, level: float = 0.95) -> Interval:
    r"""Welch t interval of :math:`\bar a - \bar b` (unequal variances, Welch-Satterthwaite df).

    Unbounded when either side has one value. Equal values on both sides give a zero-width
    interval.
    """
    x, y, level = _values(a, "a"), _values(b, "b"), _real(level, "level")
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


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rule:
    """A rule fixed before the run: a name, its threshold, and the reason for the threshold.

    ``decide(interval)`` returns ``"met"``, ``"not met"`` or ``"undecided"``; a list of intervals
    (one per item: layer, seed, data set) is decided item by item and summarised: all met ->
    ``"met"``, none -> ``"not met"``, some met and some not -> ``"partly"``, else ``"undecided"``.
    """

    name: str
    reason: str

    def __post_init__(self) -> None:
        _text(self.name, "name")
        _text(self.reason, "reason")

    def decide_one(self, interval: Interval) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def decide(self, statistic: Interval | Sequence[Interval]) -> str:
        if isinstance(statistic, Interval):
            return self.decide_one(statistic)
        items = list(statistic)
        if not items or not all(isinstance(i, Interval) for i in items):
            raise TypeError("a rule decides an Interval or a non-empty sequence of Intervals")
        outcomes = [self.decide_one(i) for i in items]
        met, not_met = outcomes.count("met"), outcomes.count("not met")
        if met and not_met:
            return "partly"
        if met == len(items):
            return "met"
        if not_met == len(items):
            return "not met"
        return "undecided"


@dataclass(frozen=True)
class AtLeast(Rule):
    """Met when the whole interval is at or above ``threshold``; not met when wholly below it."""

    threshold: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _real(self.threshold, "threshold")

    def decide_one(self, interval: Interval) -> str:
        if interval.low >= self.threshold:
            return "met"
        return "not met" if interval.high < self.threshold else "undecided"

    def describe(self) -> str:
        return f"{self.name}: interval >= {self.threshold:g} ({self.reason})"


@dataclass(frozen=True)
class AtMost(Rule):
    """Met when the whole interval is at or below ``threshold``; not met when wholly above it."""

    threshold: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _real(self.threshold, "threshold")

    def decide_one(self, interval: Interval) -> str:
        if interval.high <= self.threshold:
            return "met"
        return "not met" if interval.low > self.threshold else "undecided"

    def describe(self) -> str:
        return f"{self.name}: interval <= {self.threshold:g} ({self.reason})"


@dataclass(frozen=True)
class Within(Rule):
    """Equivalence ("on par"): met when the interval of a difference lies within ``+-margin``.

    Not met when it lies wholly outside (below ``-margin`` or above ``margin``); undecided when it
    straddles either bound.
    """

    margin: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if _real(self.margin, "margin") <= 0:
            raise ValueError(f"margin must be > 0, got {self.margin!r}")

    def decide_one(self, interval: Interval) -> str:
        if -self.margin <= interval.low and interval.high <= self.margin:
            return "met"
        return "not met" if interval.low > self.margin or interval.high < -self.margin else "undecided"

    def describe(self) -> str:
        return f"{self.name}: interval within +-{self.margin:g} ({self.reason})"


# --------------------------------------------------------------------------- claims, verdicts
@dataclass(frozen=True)
class Claim:
    """A paper's claim as this study checks it, declared before the run."""

    key: str
    paper: str
    claim: str
    where: str
    paper_value: str
    settings: Mapping[str, Setting]
    rule: Rule

    def __post_init__(self) -> None:
        for name in ("key", "claim", "where", "paper_value"):
            _text(getattr(self, name), name)
        if self.paper not in PAPER_KEYS:
            raise ValueError(f"unknown paper key {self.paper!r}; use one of {', '.join(PAPER_KEYS)}")
        if not isinstance(self.settings, Mapping) or not self.settings:
            raise ValueError(f"claim {self.key!r}: give the paper's settings that matter, name -> Setting")
        for name, s in self.settings.items():
            if not isinstance(s, Setting):
                raise TypeError(f"claim {self.key!r}: setting {name!r} must be a Setting (value, source)")
        if not isinstance(self.rule, Rule):
            raise TypeError(f"claim {self.key!r}: rule must be a Rule, got {type(self.rule).__name__}")


@dataclass(frozen=True)
class Deviation:
    """A setting of this run that differs from the paper's."""

    name: str
    ours: Any
    paper: Any
    decisive: bool
    source: str

    def text(self) -> str:
        """``"lr 4e-3 vs 4e-4 (x10, decisive)"``: ours first, then the paper's."""
        ratio = ""
        numeric = all(_is_number(v) for v in (self.ours, self.paper))
        if numeric and self.ours > 0 and self.paper > 0:
            r = self.ours / self.paper
            ratio = f"x{r:.3g}, " if r >= 1 else f"x1/{1 / r:.3g}, "
        kind = "decisive" if self.decisive else "uncertainty only"
        return f"{self.name} {_show(self.ours)} vs {_show(self.paper)} ({ratio}{kind})"


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def deviations(claim: Claim, ours: Mapping[str, Any]) -> tuple[Deviation, ...]:
    """Every setting of ``claim`` whose value in ``ours`` (the settings of this run) differs.

    ``ours`` must name every one of the claim's settings (a setting this run cannot state cannot be
    compared: that is an error, not a silent match). Numbers compare with a relative tolerance of
    1e-9, sequences element by element, anything else by equality.
    """
    if not isinstance(ours, Mapping):
        raise TypeError(f"ours must be a mapping name -> value, got {type(ours).__name__}")
    missing = [name for name in claim.settings if name not in ours]
    if missing:
        raise ValueError(f"claim {claim.key!r}: this run does not state {missing}")
    return tuple(
        Deviation(name, ours[name], s.value, s.decisive, s.source)
        for name, s in claim.settings.items()
        if not _same(ours[name], s.value)
    )


@dataclass(frozen=True)
class Evaluation:
    """A claim decided on one run: every field of the scorecard row and of its export."""

    claim: Claim
    ours: str
    statistic: Interval | tuple[Interval, ...]
    outcome: str
    verdict: str
    reason: str
    deviations: tuple[Deviation, ...] = field(default_factory=tuple)
    profile: str = ""
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A flat, JSON-ready record: intervals (``None`` bounds where unbounded), deviations as text."""
        stat = self.statistic if isinstance(self.statistic, tuple) else (self.statistic,)
        return {
            "key": self.claim.key,
            "paper": self.claim.paper,
            "claim": self.claim.claim,
            "where": self.claim.where,
            "paper value": self.claim.paper_value,
            "our value": self.ours,
            "interval": [
                {
                    "item": item,
                    "estimate": s.estimate,
                    "low": s.low if s.bounded else None,
                    "high": s.high if s.bounded else None,
                    "level": s.level,
                    "method": s.method,
                    "n": s.n,
                }
                for item, s in zip(self.items or ("",) * len(stat), stat, strict=True)
            ],
            "rule": self.claim.rule.describe(),
            "outcome": self.outcome,
            "verdict": self.verdict,
            "reason": self.reason,
            "deviations": [d.text() for d in self.deviations],
            "decisive deviations": sum(d.decisive for d in self.deviations),
            "profile": self.profile,
        }


def evaluate(
    claim: Claim,
    statistic: Interval | Sequence[Interval],
    ours: Mapping[str, Any],
    *,
    our_value: str,
    profile: str,
    items: Sequence[str] = (),
    comparable: bool = True,
    why_not_comparable: str = "",
) -> Evaluation:
    """Decide ``claim`` on this run's ``statistic`` and settings ``ours``.

    The verdict, in order: *not comparable* at a profile in :data:`NOT_COMPARABLE_PROFILES` or with
    ``comparable=False`` (give ``why_not_comparable``); *inconclusive* when a decisive setting
    deviates (named in the reason) or the rule is undecided; else *reproduced* / *partly* / *not
    reproduced* for the rule's ``met`` / ``partly`` / ``not met``. ``items`` labels the intervals
    of a per-item statistic (layers, seeds): a *partly* verdict names the items that met the rule.
    """
    _text(our_value, "our_value")
    _text(profile, "profile")
    stat = statistic if isinstance(statistic, Interval) else tuple(statistic)
    if not isinstance(stat, Interval) and items and len(items) != len(stat):
        raise ValueError(f"items has {len(items)} labels for {len(stat)} intervals")
    if isinstance(stat, Interval) and items:
        raise ValueError("items label the intervals of a per-item statistic; got one Interval")
    outcome = claim.rule.decide(stat)
    devs = deviations(claim, ours)
    decisive = [d for d in devs if d.decisive]
    if profile in NOT_COMPARABLE_PROFILES:
        verdict, reason = "not comparable", f"the {profile} profile checks the code path, not the claim"
    elif not comparable:
        verdict, reason = "not comparable", _text(why_not_comparable, "why_not_comparable")
    elif decisive:
        verdict = "inconclusive"
        reason = "decisive settings deviate: " + "; ".join(d.text() for d in decisive)
    elif outcome == "undecided":
        verdict, reason = "inconclusive", f"the interval straddles the rule's bound ({claim.rule.describe()})"
    else:
        verdict = {"met": "reproduced", "partly": "partly", "not met": "not reproduced"}[outcome]
        reason = claim.rule.describe()
        if outcome == "partly" and items:
            passed = [i for i, s in zip(items, stat, strict=True) if claim.rule.decide_one(s) == "met"]
            reason = f"met by {len(passed)} of {len(stat)}: {', '.join(passed)}; " + reason
    return Evaluation(claim, our_value, stat, outcome, verdict, reason, devs, profile, tuple(items))
