"""The reproduction scorecard: one row per checked claim, gathered across the book's notebooks.

A chapter decides each of its claims with :func:`ibcore.study.claims.evaluate` and records the
:class:`~ibcore.study.claims.Evaluation` with :func:`record_evaluation`: every field of the claim
record (paper value and settings with sources, rule, interval, "k of n seeds", verdict, computed
deviations, profile, seeds) plus the notebook and the commit that produced it. Rows are stored as
JSON under ``<cache_root>/scorecard/<profile>/<notebook>.json`` (``IBSTUDY_SCORECARD_DIR``
overrides the folder), so that ``python -m ibcore.study.scorecard --profile P`` prints the table of
profile P (``--format json`` or ``csv`` exports every field, for citing and diffing) and the book's
scorecard page shows the same rows.

Verdicts are words of :data:`ibcore.study.claims.VERDICTS`, given by
:func:`ibcore.study.claims.evaluate` from the claim's rule, its interval and the deviations of the
run; this module only stores and shows them.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ibcore._io import write_json
from ibcore._paths import cache_root
from ibcore.study import archive
from ibcore.study.claims import Evaluation

__all__ = [
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
    """Forget the rows a notebook recorded earlier at this profile (call once at its top), and what
    that run left for its archive entry (:func:`ibcore.study.archive.clear_work`)."""
    (_dir(profile) / f"{notebook}.json").unlink(missing_ok=True)
    archive.clear_work(notebook, profile)


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


@functools.cache
def commit() -> str:
    """The git commit of the working tree that runs this code (``"<sha>+dirty"`` with uncommitted
    changes to tracked files), or ``"unknown"`` outside a git checkout."""
    try:
        sha = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
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
    record = evaluation.to_dict()
    row = {**record, "notebook": notebook, "commit": commit()}
    row["interval"] = evaluation.statistic_text
    row["intervals"] = record["interval"]
    path = _dir(evaluation.profile) / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(path.read_text()) if path.exists() else []
    rows = [r for r in rows if r.get("key") != row["key"]] + [row]
    write_json(path, rows)
    archive.note_code(notebook, evaluation.profile)  # the code behind the row, for an archive entry
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
    as one line each; where ``results/paper/<notebook>.json`` holds a `paper`-profile entry
    (:mod:`ibcore.study.archive`) and this is another profile, a column ``at paper`` beside them:
    that run's verdict and interval ("code changed since" when its code is no longer this)."""
    df = load(profile)
    df = df[df["notebook"] == notebook].reset_index(drop=True)
    out = df[CARD_COLUMNS].copy()
    out["deviations"] = [_deviation_lines(d) for d in df["deviations"]]
    if profile != PAPER_PROFILE:
        archived = archive.archived_rows([notebook], PAPER_PROFILE)
        if archived:
            out["at paper"] = [paper_cell(archived.get(k)) for k in df["key"]]
    return out


PAPER_PROFILE = "paper"


def paper_cell(row: dict[str, Any] | None) -> str:
    """An archived `paper`-profile row in one line: verdict, interval, and "code changed since" when
    its code is no longer the working tree's; "not in the entry" for None."""
    if row is None:
        return "not in the entry"
    text = f"{row['verdict']}: {row.get('interval')}"
    return text if row.get("archive current", True) else text + " (code changed since)"


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
