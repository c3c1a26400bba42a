"""A claim as a record, its deviations from the paper, and its verdict on one run.

:class:`Claim` (declared before any run): the paper, the claim, where it is made, the paper's value,
its :class:`Setting` s with their sources, and its rule. :func:`deviations` compares the paper's
settings with the settings that produced the page; :func:`evaluate` decides the claim on a
statistic and returns an :class:`Evaluation`, whose verdict is one of :data:`VERDICTS`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ibcore.study.claims._checks import check_text
from ibcore.study.claims.intervals import Interval
from ibcore.study.claims.rules import Rule

__all__ = [
    "PAPER_KEYS",
    "VERDICTS",
    "NOT_COMPARABLE_PROFILES",
    "Setting",
    "Claim",
    "Deviation",
    "Evaluation",
    "deviations",
    "unstated",
    "evaluate",
]

PAPER_KEYS = ("shwartzziv2017", "saxe2018", "geiger2021", "goldfeld2019", "butakov2024", "elad2019")
VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not comparable")
NOT_COMPARABLE_PROFILES = ("smoke",)
_OUTCOME_WORDS = {
    "met": "met",
    "partly": "met by some items",
    "not met": "not met",
    "undecided": "the interval cannot decide",
}


@dataclass(frozen=True)
class Setting:
    """One of the paper's settings that a claim depends on, with where it is stated.

    ``source`` names a section, figure or table of the paper ("Sec. 3.1") or a file of the
    authors' code ("artemyk/ibsgd: SZT.py"); a setting without a source is refused. ``value=None``
    records a setting that neither the paper nor its code states (``source`` says where it was
    looked for): it cannot deviate, and an :class:`Evaluation` lists it as *unstated*.
    """

    value: Any
    source: str
    decisive: bool = True

    def __post_init__(self) -> None:
        check_text(self.source, "source")
        if not isinstance(self.decisive, bool):
            raise TypeError(f"decisive must be a bool, got {self.decisive!r}")


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
            check_text(getattr(self, name), name)
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


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


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
    1e-9, sequences element by element, anything else by equality. A setting the paper does not
    state (value ``None``) never deviates; :func:`unstated` lists those.
    """
    if not isinstance(ours, Mapping):
        raise TypeError(f"ours must be a mapping name -> value, got {type(ours).__name__}")
    missing = [name for name in claim.settings if name not in ours]
    if missing:
        raise ValueError(f"claim {claim.key!r}: this run does not state {missing}")
    return tuple(
        Deviation(name, ours[name], s.value, s.decisive, s.source)
        for name, s in claim.settings.items()
        if s.value is not None and not _same(ours[name], s.value)
    )


def unstated(claim: Claim) -> tuple[str, ...]:
    """The claim's settings that neither the paper nor its code states (``Setting(None, ...)``)."""
    return tuple(name for name, s in claim.settings.items() if s.value is None)


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
    seeds: int | None = None
    support: str = ""

    @property
    def statistic_text(self) -> str:
        """The intervals in words: ``"0.42 [0.31, 0.55] (95 %, t over 5 seeds)"``, one per item."""
        stat = self.statistic if isinstance(self.statistic, tuple) else (self.statistic,)
        labels = self.items or ("",) * len(stat)
        return "; ".join(
            f"{label}: {s.text()}" if label else s.text() for label, s in zip(labels, stat, strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        """A flat, JSON-ready record: intervals (``None`` bounds where unbounded), deviations as text."""
        stat = self.statistic if isinstance(self.statistic, tuple) else (self.statistic,)
        item_outcomes = self.claim.rule.outcomes(stat)
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
                    "outcome": outcome,
                }
                for item, s, outcome in zip(self.items or ("",) * len(stat), stat, item_outcomes, strict=True)
            ],
            "support": self.support,
            "rule": self.claim.rule.describe(),
            "outcome": self.outcome,
            "verdict": self.verdict,
            "reason": self.reason,
            "deviations": [d.text() for d in self.deviations],
            "decisive deviations": sum(d.decisive for d in self.deviations),
            "unstated": list(unstated(self.claim)),
            "paper settings": {
                name: {"value": _jsonable(st.value), "source": st.source, "decisive": st.decisive}
                for name, st in self.claim.settings.items()
            },
            "profile": self.profile,
            "seeds": self.seeds,
        }


def evaluate(
    claim: Claim,
    statistic: Interval | Sequence[Interval],
    ours: Mapping[str, Any],
    *,
    our_value: str,
    profile: str,
    items: Sequence[str] = (),
    seeds: int | None = None,
    support: str = "",
    comparable: bool = True,
    why_not_comparable: str = "",
) -> Evaluation:
    """Decide ``claim`` on this run's ``statistic`` and settings ``ours``.

    The verdict, in order: *not comparable* at a profile in :data:`NOT_COMPARABLE_PROFILES` or with
    ``comparable=False`` (give ``why_not_comparable``); *inconclusive* when a decisive setting
    deviates (named in the reason) or the rule is undecided; else *reproduced* / *partly* / *not
    reproduced* for the rule's ``met`` / ``partly`` / ``not met``. ``items`` labels the intervals
    of a per-item statistic (layers, seeds): a *partly* verdict names the items that met the rule.
    ``seeds`` is the number of training seeds behind the statistic and ``support`` its count in
    words (``"4 of 5 seeds"``, from :func:`count_meeting`); both go on the scorecard beside the
    interval.
    """
    check_text(our_value, "our_value")
    check_text(profile, "profile")
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
        verdict, reason = "not comparable", check_text(why_not_comparable, "why_not_comparable")
    elif decisive:
        verdict = "inconclusive"
        reason = "decisive settings deviate: " + "; ".join(d.text() for d in decisive)
        reason += f" (at this run's settings the rule's outcome: {_OUTCOME_WORDS[outcome]})"
    elif outcome == "undecided":
        verdict, reason = "inconclusive", f"the interval straddles the rule's bound ({claim.rule.describe()})"
    else:
        verdict = {"met": "reproduced", "partly": "partly", "not met": "not reproduced"}[outcome]
        reason = claim.rule.describe()
        if outcome == "partly" and items:
            outcomes = claim.rule.outcomes(stat)
            passed = [i for i, o in zip(items, outcomes, strict=True) if o == "met"]
            reason = f"met by {len(passed)} of {len(stat)}: {', '.join(passed)}; " + reason
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1):
        raise ValueError(f"seeds must be an integer >= 1 or None, got {seeds!r}")
    if not isinstance(support, str):
        raise TypeError(f"support must be a string, got {type(support).__name__}")
    return Evaluation(
        claim, our_value, stat, outcome, verdict, reason, devs, profile, tuple(items), seeds, support
    )
