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

from ibcore.study.claims.intervals import (
    Interval,
    bootstrap_interval,
    difference_interval,
    stderr_interval,
    t_interval,
)
from ibcore.study.claims.records import (
    NOT_COMPARABLE_PROFILES,
    PAPER_KEYS,
    VERDICTS,
    Claim,
    Deviation,
    Evaluation,
    Setting,
    deviations,
    evaluate,
    unstated,
)
from ibcore.study.claims.rules import OUTCOMES, AtLeast, AtMost, Each, Rule, Within, count_meeting

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
    "Each",
    "Claim",
    "Deviation",
    "Evaluation",
    "t_interval",
    "bootstrap_interval",
    "stderr_interval",
    "difference_interval",
    "count_meeting",
    "deviations",
    "unstated",
    "evaluate",
]
