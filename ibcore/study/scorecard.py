"""The reproduction scorecard: one row per checked claim, gathered across the book's notebooks.

A chapter decides each of its claims with :func:`ibcore.study.claims.evaluate` and records the
:class:`~ibcore.study.claims.Evaluation` with :func:`record_evaluation`: every field of the claim
record (paper value and settings with sources, rule, interval, "k of n seeds", verdict, computed
deviations, profile, seeds) plus the notebook and the commit that produced it. Rows are stored as
JSON under ``<cache_root>/scorecard/<profile>/<notebook>.json`` (``IBSTUDY_SCORECARD_DIR``
overrides the folder), so that ``python -m ibcore.study.scorecard --profile P`` prints the table of
profile P (``--format json`` or ``csv`` exports every field, for citing and diffing) and the book's
scorecard page shows the same rows.

Verdicts are words of :data:`ibcore.study.claims.VERDICTS`, decided from numbers the page
computed: ``reproduced``, ``partly``, ``not reproduced``, ``inconclusive``, or ``not comparable``
(e.g. a smoke run or partial data); :mod:`ibcore.study.claims` holds the claim records.
A chapter states its criterion once through a shared rule:

- :func:`verdict_count` - a claim about several items (layers, seeds, estimators): reproduced
  when all of them pass, partly when some do, not reproduced when none does;
- :func:`verdict_threshold` - a claim that a value meets a bound (``at_least``/``at_most``).

Both give ``not comparable`` at a profile in ``claims.NOT_COMPARABLE_PROFILES`` (the smoke profile
checks the code path, not the science) or when called with ``comparable=False``.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import numbers
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ibcore._io import write_json
from ibcore._paths import cache_root
from ibcore._validation import check_int
from ibcore.study.claims import NOT_COMPARABLE_PROFILES, PAPER_KEYS, VERDICTS, Evaluation

__all__ = [
    "verdict_count",
    "verdict_threshold",
    "record",
    "record_evaluation",
    "clear",
    "load",
    "card",
    "commit",
    "to_markdown",
    "export",
    "main",
]

COLUMNS = ["paper", "claim", "paper value", "our value", "verdict", "profile", "notebook"]
#: Every field of a row, in the order of the exports (:func:`export`).
FIELDS = [
    "key",
    "paper",
    "claim",
    "where",
    "paper value",
    "our value",
    "interval",
    "support",
    "rule",
    "outcome",
    "verdict",
    "reason",
    "deviations",
    "decisive deviations",
    "unstated",
    "paper settings",
    "profile",
    "seeds",
    "notebook",
    "commit",
]
#: The columns of a chapter's own rows at the end of its page (:func:`card`).
CARD_COLUMNS = ["claim", "verdict", "our value", "interval", "deviations"]
FORMATS = ("text", "markdown", "json", "csv")


def _dir(profile: str) -> Path:
    base = os.environ.get("IBSTUDY_SCORECARD_DIR")
    return (Path(base) if base else cache_root() / "scorecard") / profile


def clear(notebook: str, profile: str) -> None:
    """Forget the rows a notebook recorded earlier at this profile (call once at its top)."""
    (_dir(profile) / f"{notebook}.json").unlink(missing_ok=True)


def record(
    notebook: str, profile: str, paper: str, claim: str, paper_value: str, our_value: str, verdict: str
) -> pd.DataFrame:
    """Add one row to the scorecard and return the notebook's rows so far as a DataFrame.

    ``paper_value`` and ``our_value`` are strings so that a row can carry a range, a unit or a
    qualitative value ("compression phase in every layer"); format numbers before passing them.
    """
    if paper not in PAPER_KEYS:
        raise ValueError(f"unknown paper key {paper!r}; use one of {', '.join(PAPER_KEYS)}")
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}")
    for name, value in (("claim", claim), ("paper_value", paper_value), ("our_value", our_value)):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    path = _dir(profile) / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(path.read_text()) if path.exists() else []
    row = dict(zip(COLUMNS, [paper, claim, paper_value, our_value, verdict, profile, notebook], strict=False))
    row["key"] = f"{paper}: {claim}"
    rows = [r for r in rows if r.get("key") != row["key"]] + [row]
    write_json(path, rows)
    return pd.DataFrame(rows, columns=COLUMNS)


@functools.cache
def commit() -> str:
    """The git commit of the working tree that runs this code (``"<sha>+dirty"`` with uncommitted
    changes to tracked files), or ``"unknown"`` outside a git checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}+dirty" if dirty else sha or "unknown"


def record_evaluation(notebook: str, evaluation: Evaluation) -> pd.DataFrame:
    """Add a decided claim to the scorecard; return the notebook's rows so far (:data:`CARD_COLUMNS`).

    The row holds every field of :meth:`Evaluation.to_dict` plus ``notebook`` and :func:`commit`;
    a row of the same claim key (or, for rows without a key, the same paper and claim) is replaced.
    """
    if not isinstance(evaluation, Evaluation):
        raise TypeError(f"evaluation must be a claims.Evaluation, got {type(evaluation).__name__}")
    if not isinstance(notebook, str) or not notebook:
        raise TypeError(f"notebook must be a non-empty string, got {notebook!r}")
    row = {**evaluation.to_dict(), "notebook": notebook, "commit": commit()}
    row["interval"] = evaluation.statistic_text
    row["intervals"] = evaluation.to_dict()["interval"]
    path = _dir(evaluation.profile) / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(path.read_text()) if path.exists() else []
    rows = [r for r in rows if r.get("key") != row["key"]] + [row]
    write_json(path, rows)
    return card(notebook, evaluation.profile)


def load(profile: str) -> pd.DataFrame:
    """All rows recorded at ``profile``, ordered by notebook, with every field of :data:`FIELDS`."""
    rows = []
    for path in sorted(_dir(profile).glob("*.json")):
        rows.extend(json.loads(path.read_text()))
    extra = [c for c in ("intervals",) if any(c in r for r in rows)]
    columns = FIELDS + extra
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def card(notebook: str, profile: str) -> pd.DataFrame:
    """A chapter's own rows as its page shows them at its end: :data:`CARD_COLUMNS`, deviations
    as one line each."""
    df = load(profile)
    df = df[df["notebook"] == notebook].reset_index(drop=True)
    out = df[CARD_COLUMNS].copy()
    out["deviations"] = [_deviation_lines(d) for d in df["deviations"]]
    return out


def _deviation_lines(devs: Any) -> str:
    if not isinstance(devs, list):
        return ""
    return "; ".join(devs) if devs else "none"


def export(df: pd.DataFrame, fmt: str) -> str:
    """The rows as ``json`` (a list of records, every field) or ``csv`` (lists joined by "; ",
    the paper's settings and the intervals as JSON text), ``markdown`` or ``text``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        records = [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
        return json.dumps(records, indent=1, ensure_ascii=False, allow_nan=False)
    if fmt == "csv":
        flat = df.copy()
        for col in flat.columns:
            flat[col] = [_csv_cell(v) for v in flat[col]]
        return flat.to_csv(index=False)
    if fmt == "markdown":
        return to_markdown(df)
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        return df[COLUMNS].to_string(index=False)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return _plain(value)


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub/MyST markdown table of the rows (no extra dependency)."""
    cols = [c for c in COLUMNS if c in df.columns]
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in df[cols].itertuples(index=False)]
    return "\n".join(lines)


def _check_profile(profile: Any) -> str:
    if not isinstance(profile, str) or not profile:
        raise TypeError(f"profile must be a non-empty string such as 'smoke', got {profile!r}")
    return profile


def verdict_count(n_ok: int, n_total: int, *, profile: str, comparable: bool = True) -> str:
    r"""Verdict on a claim about ``n_total`` items of which ``n_ok`` show the claimed behaviour.

    .. math::

        \text{verdict} = \begin{cases}
        \text{reproduced} & n_\text{ok} = n_\text{total} \\
        \text{partly} & 0 < n_\text{ok} < n_\text{total} \\
        \text{not reproduced} & n_\text{ok} = 0
        \end{cases}

    Parameters
    ----------
    n_ok : int
        Items (layers, seeds, ...) that pass the chapter's criterion, 0 <= n_ok <= n_total.
    n_total : int
        Items checked, >= 1.
    profile : str
        The run's profile (keyword-only); a profile in ``claims.NOT_COMPARABLE_PROFILES`` gives
        ``"not comparable"``.
    comparable : bool, default True
        ``False`` gives ``"not comparable"`` whatever the counts (e.g. partial data).

    Returns
    -------
    str
        One of :data:`~ibcore.study.claims.VERDICTS`.

    Raises
    ------
    TypeError
        Counts that are not integers, a profile that is not a non-empty string.
    ValueError
        ``n_total < 1``, ``n_ok < 0`` or ``n_ok > n_total``.

    Examples
    --------
    >>> verdict_count(3, 5, profile="default"), verdict_count(5, 5, profile="default")
    ('partly', 'reproduced')
    >>> verdict_count(0, 5, profile="default"), verdict_count(5, 5, profile="smoke")
    ('not reproduced', 'not comparable')
    """
    n_total = check_int(n_total, "n_total", minimum=1)
    n_ok = check_int(n_ok, "n_ok", minimum=0)
    if n_ok > n_total:
        raise ValueError(f"n_ok must be <= n_total, got n_ok={n_ok} > n_total={n_total}")
    if _check_profile(profile) in NOT_COMPARABLE_PROFILES or not comparable:
        return "not comparable"
    return "reproduced" if n_ok == n_total else "partly" if n_ok > 0 else "not reproduced"


def verdict_threshold(
    value: float,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    profile: str,
    comparable: bool = True,
) -> str:
    r"""Verdict on a claim that a value meets a bound: ``at_least <= value <= at_most``.

    .. math::

        \text{verdict} = \begin{cases}
        \text{reproduced} & a \le v \le b \\
        \text{not reproduced} & \text{otherwise}
        \end{cases}

    with :math:`a` = ``at_least`` (:math:`-\infty` if not given) and :math:`b` = ``at_most``
    (:math:`+\infty` if not given); both bounds are inclusive.

    Parameters
    ----------
    value : float
        Our number, finite.
    at_least, at_most : float, optional
        Bounds (keyword-only); at least one must be given, and ``at_least <= at_most``.
    profile : str
        The run's profile (keyword-only); a profile in ``claims.NOT_COMPARABLE_PROFILES`` gives
        ``"not comparable"``.
    comparable : bool, default True
        ``False`` gives ``"not comparable"`` whatever the value.

    Returns
    -------
    str
        ``"reproduced"``, ``"not reproduced"`` or ``"not comparable"``.

    Raises
    ------
    TypeError
        A value or bound that is not a real number, a profile that is not a non-empty string.
    ValueError
        No bound, a non-finite value or bound, or ``at_least > at_most``.

    Examples
    --------
    >>> verdict_threshold(0.95, at_least=0.9, profile="default")
    'reproduced'
    >>> verdict_threshold(0.5, at_least=0.9, profile="default")
    'not reproduced'
    >>> verdict_threshold(0.5, at_least=0.9, profile="smoke")
    'not comparable'
    """
    if at_least is None and at_most is None:
        raise ValueError("give at least one bound: at_least= and/or at_most=")
    checked = {}
    for name, v in (("value", value), ("at_least", at_least), ("at_most", at_most)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {type(v).__name__} {v!r}")
        if not math.isfinite(float(v)):
            raise ValueError(f"{name} must be finite, got {v!r}")
        checked[name] = float(v)
    lo, hi = checked.get("at_least", -math.inf), checked.get("at_most", math.inf)
    if lo > hi:
        raise ValueError(f"at_least={at_least!r} exceeds at_most={at_most!r}")
    if _check_profile(profile) in NOT_COMPARABLE_PROFILES or not comparable:
        return "not comparable"
    return "reproduced" if lo <= checked["value"] <= hi else "not reproduced"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ibcore.study.scorecard", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--profile", default="default", help="profile whose runs to show (default: default)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (the default), markdown, or every field as json or csv",
    )
    parser.add_argument("--markdown", action="store_true", help="the same as --format markdown")
    args = parser.parse_args(argv)
    df = load(args.profile)
    if df.empty:
        print(
            f"no scorecard rows recorded for profile {args.profile!r} in {_dir(args.profile)}; "
            "run the notebooks at that profile first (make run PROFILE=...)",
            file=sys.stderr,
        )
        return 1
    print(export(df, "markdown" if args.markdown else args.format))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
