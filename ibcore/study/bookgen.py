"""Glue between papermill's executed notebooks and the jupyter-book build (used by the Makefile).

``python -m ibcore.study.bookgen --profile default --executed _executed/default --book book``

* copies the executed notebooks into ``book/chapters/`` (the table of contents points there),
* writes ``book/_generated/status.md``: each notebook with its profile, seed, device and measured
  run time (papermill's own timing), and the package versions,
* writes ``book/_generated/scorecard.md`` (the compact table and the claim records) and
  ``book/_generated/findings.md`` (the landing page's paper x claim matrix) from the scorecard rows
  recorded at that profile (:mod:`ibcore.study.scorecard_pages`), and the rows themselves as
  ``book/_generated/scorecard.json`` and ``.csv`` (every field, for citing and diffing),
* copies MathJax 2.7 from the ``jupyter-server-mathjax`` package into ``book/_mathjax/mathjax`` so
  that math renders offline.

``python -m ibcore.study.bookgen --strip-reference tests/notebooks/*.ipynb`` removes the volatile
metadata (timestamps, durations) from nbval reference notebooks, so that they diff cleanly.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from ibcore.study import archive, scorecard
from ibcore.study.scorecard_pages import findings_matrix, scorecard_page

__all__ = ["notebook_status", "write_status", "write_scorecard", "copy_mathjax", "strip_reference", "main"]


def _title(nb: dict[str, Any], default: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def _seeds_text(seeds: Any) -> str:
    """``[0, 1, 2, 3, 4]`` -> ``"0-4 (5 seeds)"``; other lists as they are."""
    if isinstance(seeds, list) and len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]} ({len(seeds)} seeds)"
    return ", ".join(map(str, seeds)) if isinstance(seeds, list) else str(seeds)


def notebook_status(path: Path) -> dict[str, Any]:
    """Profile, parameters, duration and outcome of one papermill-executed notebook."""
    nb = json.loads(path.read_text())
    pm = nb.get("metadata", {}).get("papermill", {})
    settings_file = path.with_name(f"{path.stem}.settings.json")
    settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    failed = pm.get("exception") or any(
        o.get("output_type") == "error" for c in nb.get("cells", []) for o in c.get("outputs", [])
    )
    return {
        "notebook": path.stem,
        "title": _title(nb, path.stem),
        "profile": pm.get("parameters", {}).get("profile", settings.get("profile", "?")),
        "seed": settings.get("seed", "?"),
        "seeds": {
            k: v
            for k, v in settings.get("params", {}).items()
            if isinstance(v, list) and (k == "seeds" or k.endswith("_seeds"))
        },
        "device": settings.get("device", "?"),
        "duration_s": pm.get("duration"),
        "started": pm.get("start_time", "?"),
        "status": "failed" if failed else "ok",
        "training": settings.get("facts", {}).get("training", ""),
        "versions": settings.get("versions", {}),
    }


def write_status(executed: Path, out: Path) -> list[dict[str, Any]]:
    rows = [notebook_status(p) for p in sorted(executed.glob("*.ipynb"))]
    lines = [
        "| notebook | profile | seeds | device | run time | training | status | executed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total = 0.0
    for r in rows:
        dur = r["duration_s"]
        total += dur or 0.0
        dur_txt = f"{dur / 60:.1f} min" if dur and dur >= 60 else (f"{dur:.0f} s" if dur else "?")
        seed_lists = r["seeds"] or {"seed": r["seed"]}
        seeds = (
            _seeds_text(next(iter(seed_lists.values())))
            if list(seed_lists) in (["seeds"], ["seed"])
            else "; ".join(f"{k}: {_seeds_text(v)}" for k, v in seed_lists.items())  # e.g. cnn_seeds
        )
        lines.append(
            f"| {{doc}}`{r['title']} <chapters/{r['notebook']}>` | `{r['profile']}` | {seeds} "
            f"| {r['device']} | {dur_txt} | {r['training'] or '-'} | {r['status']} "
            f"| {str(r['started'])[:19]} |"
        )
    lines.append(
        f"\nTotal execution time: {total / 60:.1f} min over {len(rows)} notebook(s). The run time is "
        "the notebook's own execution; where its training runs came from the run cache (see the "
        "*training* column), the first execution also paid for the training."
    )
    versions = next((r["versions"] for r in rows if r["versions"]), {})
    if versions:
        lines += ["", "Package versions of the run:", "", "| package | version |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in versions.items()]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    return rows


def write_scorecard(profile: str, out: Path) -> None:
    """The scorecard page's generated part (``out``), the landing page's matrix (``findings.md``
    beside it) and the rows as ``scorecard.json`` and ``scorecard.csv`` beside it."""
    df = scorecard.load(profile)
    archived = {} if profile == "paper" or df.empty else archive.archived_rows(df["notebook"], "paper")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(scorecard_page(df, archived) + "\n")
    (out.parent / "findings.md").write_text(
        f"Verdicts at the `{profile}` profile (hover a badge for its claim; it links to its record):\n\n"
        + findings_matrix(df)
        + "\n"
    )
    for fmt in ("json", "csv"):
        (out.parent / f"scorecard.{fmt}").write_text(scorecard.export(df, fmt) if not df.empty else "")


def copy_mathjax(book: Path) -> None:
    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    # Not under book/_static: jupyter-book would add every .js file found there as a <script>.
    dst = book / "_mathjax" / "mathjax"
    if not (dst / "MathJax.js").exists():
        shutil.copytree(src, dst, dirs_exist_ok=True)


CHECK_TAG = "nbval-check-output"


def strip_reference(path: Path) -> None:
    """Make a reference notebook small and stable for nbval ``--nbval-lax``.

    Keeps the outputs of the cells tagged ``nbval-check-output`` (the only ones nbval compares)
    and drops the others' (figures, progress), the timestamps and the durations.
    """
    nb = json.loads(path.read_text())
    pm = nb.get("metadata", {}).get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables"):
        pm.pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
        if cell.get("cell_type") == "code" and CHECK_TAG not in meta.get("tags", []):
            cell["outputs"] = []
            cell["execution_count"] = None
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ibcore.study.bookgen", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--profile", default="default")
    parser.add_argument("--executed", type=Path, default=None, help="folder of papermill outputs")
    parser.add_argument("--book", type=Path, default=Path("book"))
    parser.add_argument("--strip-reference", nargs="*", type=Path, default=None, metavar="NB")
    args = parser.parse_args(argv)
    if args.strip_reference is not None:
        for p in args.strip_reference:
            strip_reference(p)
        return 0
    executed = args.executed or Path("_executed") / args.profile
    if not any(executed.glob("*.ipynb")):
        raise SystemExit(f"no executed notebooks in {executed}: run `make run PROFILE={args.profile}` first")
    chapters = args.book / "chapters"
    chapters.mkdir(parents=True, exist_ok=True)
    for p in sorted(executed.glob("*.ipynb")):
        shutil.copy2(p, chapters / p.name)
    write_status(executed, args.book / "_generated" / "status.md")
    write_scorecard(args.profile, args.book / "_generated" / "scorecard.md")
    copy_mathjax(args.book)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
