"""The reproduction scorecard: one row per checked claim, gathered across the book's notebooks.

A notebook records rows with :func:`record`; they are stored as JSON under
``<cache_root>/scorecard/<profile>/<notebook>.json`` (``IBSTUDY_SCORECARD_DIR`` overrides the
folder), so that ``python -m ibcore.scorecard --profile P`` prints the table for the runs of
profile P and the book's scorecard page shows the same rows.

Verdicts are words, decided by the notebook from numbers it computed: ``reproduced``,
``partly``, ``not reproduced``, or ``not comparable`` (e.g. a smoke run or partial data).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd

from ibcore._paths import cache_root

__all__ = ["PAPER_KEYS", "VERDICTS", "record", "clear", "load", "to_markdown", "main"]

PAPER_KEYS = ("shwartzziv2017", "saxe2018", "geiger2021", "goldfeld2019", "butakov2024", "elad2019")
VERDICTS = ("reproduced", "partly", "not reproduced", "not comparable")
COLUMNS = ["paper", "claim", "paper value", "our value", "verdict", "profile", "notebook"]


def _dir(profile: str) -> Path:
    base = os.environ.get("IBSTUDY_SCORECARD_DIR")
    return (Path(base) if base else cache_root() / "scorecard") / profile


def clear(notebook: str, profile: str) -> None:
    """Forget the rows a notebook recorded earlier at this profile (call once at its top)."""
    (_dir(profile) / f"{notebook}.json").unlink(missing_ok=True)


def record(notebook: str, profile: str, paper: str, claim: str, paper_value: str, our_value: str,
           verdict: str) -> pd.DataFrame:
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
    row = dict(zip(COLUMNS, [paper, claim, paper_value, our_value, verdict, profile, notebook]))
    rows = [r for r in rows if r["claim"] != claim or r["paper"] != paper] + [row]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=1))
    os.replace(tmp, path)
    return pd.DataFrame(rows, columns=COLUMNS)


def load(profile: str) -> pd.DataFrame:
    """All rows recorded at ``profile``, ordered by notebook."""
    rows = []
    for path in sorted(_dir(profile).glob("*.json")):
        rows.extend(json.loads(path.read_text()))
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub/MyST markdown table of the rows (no extra dependency)."""
    cols = [c for c in COLUMNS if c in df.columns]
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in df[cols].itertuples(index=False)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ibcore.scorecard", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="default", help="profile whose runs to show (default: default)")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    df = load(args.profile)
    if df.empty:
        print(f"no scorecard rows recorded for profile {args.profile!r} in {_dir(args.profile)}; "
              "run the notebooks at that profile first (make run PROFILE=...)", file=sys.stderr)
        return 1
    if args.markdown:
        print(to_markdown(df))
    else:
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            print(df.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
