"""Rules fixed before the run: each decides an :class:`~ibcore.study.claims.intervals.Interval`.

A rule has a name, a threshold and the reason for it. :class:`AtLeast` and :class:`AtMost` need the
whole interval on the claim's side of the threshold, :class:`Within` (equivalence, "on par") needs
the interval of a difference inside +-margin, and :class:`Each` gives each item of a claim its own
rule ("tanh compresses and ReLU does not"). An outcome is one of :data:`OUTCOMES`: a straddling
interval is *undecided*, never read as a pass. :func:`count_meeting` gives the "k of n seeds" that
goes beside an interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ibcore.study.claims._checks import check_real, check_text, check_values
from ibcore.study.claims.intervals import Interval

__all__ = ["OUTCOMES", "Rule", "AtLeast", "AtMost", "Within", "Each", "count_meeting"]

#: What a rule says about a statistic: the claim holds, holds for some items, does not hold, or
#: the interval cannot tell.
OUTCOMES = ("met", "partly", "not met", "undecided")


@dataclass(frozen=True)
class Rule:
    """A rule fixed before the run: a name, its threshold, and the reason for the threshold.

    ``decide(interval)`` returns ``"met"``, ``"not met"`` or ``"undecided"``; a list of intervals
    (one per item: layer, seed, data set) is decided item by item and summarised: all met ->
    ``"met"``, some met and some not -> ``"partly"``, none met and at least one not met ->
    ``"not met"``, else ``"undecided"``.
    """

    name: str
    reason: str

    def __post_init__(self) -> None:
        check_text(self.name, "name")
        check_text(self.reason, "reason")

    def decide_one(self, interval: Interval) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def outcomes(self, statistic: Sequence[Interval]) -> list[str]:
        """The outcome of each item's interval, in order (what :meth:`decide` summarises)."""
        items = list(statistic)
        if not items or not all(isinstance(i, Interval) for i in items):
            raise TypeError("a rule decides an Interval or a non-empty sequence of Intervals")
        return [self.decide_one(i) for i in items]

    def decide(self, statistic: Interval | Sequence[Interval]) -> str:
        if isinstance(statistic, Interval):
            return self.decide_one(statistic)
        return _summarise(self.outcomes(statistic))


def _summarise(outcomes: list[str]) -> str:
    """A claim over items holds for all of them: all met -> met; some met and some not -> partly;
    none met and some not -> not met (the claim that all hold is excluded, and no item is shown to
    hold, whatever the undecided ones turn out to be); else undecided."""
    met, not_met = outcomes.count("met"), outcomes.count("not met")
    if met and not_met:
        return "partly"
    if met == len(outcomes):
        return "met"
    if not_met:
        return "not met"
    return "undecided"


@dataclass(frozen=True)
class AtLeast(Rule):
    """Met when the whole interval is at or above ``threshold``; not met when wholly below it."""

    threshold: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_real(self.threshold, "threshold")

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
        check_real(self.threshold, "threshold")

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
        if check_real(self.margin, "margin") <= 0:
            raise ValueError(f"margin must be > 0, got {self.margin!r}")

    def decide_one(self, interval: Interval) -> str:
        if -self.margin <= interval.low and interval.high <= self.margin:
            return "met"
        return "not met" if interval.low > self.margin or interval.high < -self.margin else "undecided"

    def describe(self) -> str:
        return f"{self.name}: interval within +-{self.margin:g} ({self.reason})"


@dataclass(frozen=True)
class Each(Rule):
    """One rule per item: a claim such as "tanh compresses and ReLU does not" decides its items
    (tanh, ReLU) with different rules. ``rules[i]`` decides the i-th interval; the outcomes are
    summarised as by :meth:`Rule.decide` (all met -> met, some met and some not -> partly).
    """

    rules: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.rules or not all(isinstance(r, Rule) and not isinstance(r, Each) for r in self.rules):
            raise TypeError("rules must be a non-empty tuple of simple Rules (AtLeast, AtMost, Within)")

    def decide_one(self, interval: Interval) -> str:
        raise TypeError(f"rule {self.name!r} decides one interval per item: give {len(self.rules)} intervals")

    def outcomes(self, statistic: Sequence[Interval]) -> list[str]:
        items = list(statistic)
        if len(items) != len(self.rules) or not all(isinstance(i, Interval) for i in items):
            raise ValueError(f"rule {self.name!r} needs {len(self.rules)} Intervals, got {len(items)}")
        return [r.decide_one(i) for r, i in zip(self.rules, items, strict=True)]

    def describe(self) -> str:
        return f"{self.name}: " + "; ".join(r.describe() for r in self.rules) + f" ({self.reason})"


def count_meeting(rule: Rule, values: Sequence[float]) -> tuple[int, int]:
    """How many single values (one per seed, say) meet ``rule`` on their own: ``(k, n)``.

    Each value is read as a zero-width interval, so this is the "k of n seeds" that goes beside an
    interval over seeds; it does not decide the claim (the interval does).
    """
    arr = check_values(values)
    if isinstance(rule, Each):
        raise TypeError("count_meeting takes a simple rule (AtLeast, AtMost, Within), not Each")
    k = sum(
        rule.decide_one(Interval(float(v), float(v), float(v), 0.95, "one value", 1)) == "met" for v in arr
    )
    return int(k), int(arr.size)
