"""Paper-profile results kept in the repository, with their provenance (``results/<profile>/<nb>.json``).

The `paper` profile runs the papers' own scale, hours on a CPU, so its results are the one kind of
generated output the repository keeps. An *entry* holds what the book needs to show that profile
beside `default`: every claim record of the notebook (statistic, interval, verdict, deviations),
the small tables behind its figures (information-plane coordinates per layer, epoch and seed, never
activations), and the provenance of the run. It is kept as two files: ``<nb>.json``, the readable
record (claims, provenance, and each table's columns and row count), and ``<nb>.tables.json.gz``,
the tables' rows (gzip of JSON with one row per line: chapter 0's 50-seed plane is 2.9 MB as text,
0.5 MB compressed), whose SHA-256 the record holds (``tables_sha256``) and :meth:`Entry.table`
checks. The provenance:

* ``commit`` (``"<sha>+dirty"`` with uncommitted changes), ``ibcore`` and package versions;
* ``code_hash``: SHA-256 over the source files of every ``ibcore`` module the notebook's kernel had
  imported when it recorded its claims, plus the notebook itself (``code_files``, paths relative to
  the repository), so that :func:`load_entry` recomputes it from the working tree and names an entry
  whose code changed since as *from commit X, code changed since* - never silently as current;
* profile, parameters and overrides, seeds, device, CPU model, wall time, start and end dates.

How an entry is made (``make paper-results NB=...``): the notebook runs at the profile under
papermill (its training resumes from the run cache and the per-epoch checkpoints after a kill);
while it runs, :func:`note_code` (called by :func:`ibcore.study.scorecard.record_evaluation`) and
:func:`save_table` leave the code list and the tables in ``<cache>/archive/<profile>/``; then
``python -m ibcore.study.archive collect NB`` gathers them with the claim rows, the settings record
and papermill's timing into the entry (:func:`write_entry`). :func:`check_entry` lists what an
entry lacks; ``tests/study/test_archive.py`` runs it on every committed entry.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ibcore._io import write_json, write_text
from ibcore._paths import cache_root

__all__ = [
    "SCHEMA",
    "PROVENANCE_FIELDS",
    "ROOT",
    "archive_dir",
    "code_files",
    "code_hash",
    "cpu_model",
    "note_code",
    "clear_work",
    "save_table",
    "collect",
    "dumps_entry",
    "dumps_tables",
    "write_entry",
    "read_entry",
    "Entry",
    "load_entry",
    "check_entry",
    "archived_rows",
    "probe_text",
    "main",
]

SCHEMA = 2
"""Version of an entry's layout (2: the tables' rows in a gzip file beside the record);
:func:`check_entry` refuses any other."""

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the folder holding ``ibcore/`` and ``notebooks/``)."""

PROVENANCE_FIELDS = (
    "commit",
    "ibcore",
    "code_hash",
    "code_files",
    "profile",
    "params",
    "overrides",
    "seeds",
    "device",
    "cpu",
    "versions",
    "wall_time_s",
    "started",
    "finished",
)
"""Every field an entry's ``provenance`` must hold (:func:`check_entry`)."""

_TABLE_DIGITS = 6  # significant digits kept for the floats of an archived table


def archive_dir(profile: str = "paper") -> Path:
    """Where the entries of ``profile`` live: ``IBSTUDY_ARCHIVE_DIR/<profile>`` when that is set,
    else ``results/<profile>`` in the repository."""
    base = os.environ.get("IBSTUDY_ARCHIVE_DIR")
    return (Path(base) if base else ROOT / "results") / profile


def _work_dir(profile: str) -> Path:
    return cache_root() / "archive" / profile


def code_files(notebook: str | None = None, modules: Any = None) -> list[str]:
    """Repository-relative paths of the source files of the loaded ``ibcore`` modules (``modules``:
    a mapping like :data:`sys.modules`, default the running process's), plus
    ``notebooks/<notebook>.ipynb`` when given; sorted, without duplicates."""
    modules = sys.modules if modules is None else modules
    files = set()
    for name, mod in list(modules.items()):
        if name != "ibcore" and not name.startswith("ibcore."):
            continue
        path = getattr(mod, "__file__", None)
        if not path:
            continue
        p = Path(path).resolve()
        try:
            files.add(p.relative_to(ROOT).as_posix())
        except ValueError:  # installed elsewhere: not this repository's code
            continue
    if notebook is not None:
        files.add(f"notebooks/{notebook}.ipynb")
    return sorted(files)


def code_hash(files: Any, root: Path | str = ROOT) -> str:
    """SHA-256 (hex) over ``files`` (repository-relative paths) in sorted order: each path, a NUL,
    the file's bytes (or ``<missing>`` for a file that is not there), a NUL. A renamed, added,
    removed or edited file changes it."""
    root = Path(root)
    h = hashlib.sha256()
    for rel in sorted(set(files)):
        path = root / rel
        h.update(rel.encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; else :func:`platform.processor`) and its core count."""
    name = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    name = name or platform.processor() or platform.machine() or "unknown"
    return f"{name}, {os.cpu_count()} logical cores"


_NOTED: dict[tuple[str, str], list[str]] = {}  # (notebook, profile) -> the files last hashed here


def note_code(notebook: str, profile: str) -> Path:
    """Record the code this process has imported for ``notebook`` at ``profile`` (:func:`code_files`
    and their :func:`code_hash`) in the cache, for :func:`collect`. Returns the file written.

    A page calls it with every claim it records; the files are hashed again only when the page
    has imported more since (else the record is only touched: :func:`collect` compares its time
    with the settings record's)."""
    files = code_files(notebook)
    path = _work_dir(profile) / f"{notebook}.code.json"
    if _NOTED.get((notebook, profile)) == files and path.is_file():
        path.touch()
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"code_files": files, "code_hash": code_hash(files)})
    _NOTED[(notebook, profile)] = files
    return path


def clear_work(notebook: str, profile: str) -> None:
    """Forget what an earlier run of ``notebook`` at ``profile`` left for :func:`collect` (its code
    record and tables); :func:`ibcore.study.scorecard.clear` calls it at the top of every page."""
    import shutil

    _NOTED.pop((notebook, profile), None)
    (_work_dir(profile) / f"{notebook}.code.json").unlink(missing_ok=True)
    shutil.rmtree(_work_dir(profile) / notebook, ignore_errors=True)


def _table_payload(df: pd.DataFrame) -> dict[str, Any]:
    cols = [str(c) for c in df.columns]
    data = []
    for row in df.itertuples(index=False):
        out = []
        for v in row:
            if isinstance(v, (float, np.floating)):
                v = None if not np.isfinite(v) else float(f"{float(v):.{_TABLE_DIGITS}g}")
            elif isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            out.append(v)
        data.append(out)
    return {"columns": cols, "data": data}


def save_table(notebook: str, profile: str, name: str, table: pd.DataFrame) -> Path:
    """Keep ``table`` (a figure's data: a flat data frame, index reset) for ``notebook``'s entry at
    ``profile``; floats keep 6 significant digits, NaN becomes null; the code record is noted as by
    a claim (:func:`note_code`). Returns the file written."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores, got {name!r}")
    path = _work_dir(profile) / notebook / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, _table_payload(table.reset_index(drop=True)))
    note_code(notebook, profile)  # a page without claims (the appendices) leaves its code record here
    return path


def _papermill_times(executed: Path) -> tuple[float | None, str | None, str | None]:
    if not executed.is_file():
        return None, None, None
    meta = json.loads(executed.read_text()).get("metadata", {}).get("papermill", {})
    return meta.get("duration"), meta.get("start_time"), meta.get("end_time")


def collect(
    notebook: str,
    profile: str = "paper",
    *,
    record_dir: Path | str | None = None,
    executed: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Gather ``notebook``'s run at ``profile`` into its entry and write it to :func:`archive_dir`.

    Reads the claim rows (:func:`ibcore.study.scorecard.load`), the settings record that
    :func:`ibcore.study.profiles.setup` wrote to ``record_dir`` (default ``_executed/<profile>``),
    the code list of :func:`note_code`, the tables of :func:`save_table` and papermill's timing in
    the executed notebook ``executed`` (default ``<record_dir>/<notebook>.ipynb``). ``overrides``:
    the parameters set on the command line (recorded; ``{}`` means the profile as it is).

    Raises ``FileNotFoundError`` naming what is missing (the notebook has not run to its claims at
    this profile) and ``ValueError`` when the pieces come from different runs: the settings record
    is of another profile, or newer than the code record (the last run stopped before its claims).
    """
    from ibcore.study import scorecard

    record_dir = Path(record_dir) if record_dir is not None else ROOT / "_executed" / profile
    executed = Path(executed) if executed is not None else record_dir / f"{notebook}.ipynb"
    settings_path = record_dir / f"{notebook}.settings.json"
    code_path = _work_dir(profile) / f"{notebook}.code.json"
    for path, what in ((settings_path, "settings record"), (code_path, "code record")):
        if not path.is_file():
            raise FileNotFoundError(
                f"{what} of {notebook} at profile {profile!r} not found at {path}: run the notebook at "
                f"that profile first (make paper-results NB={notebook})"
            )
    record = json.loads(settings_path.read_text())
    if record.get("profile") != profile:
        raise ValueError(f"{settings_path} is a {record.get('profile')!r} run, not {profile!r}")
    if code_path.stat().st_mtime < settings_path.stat().st_mtime:
        raise ValueError(
            f"the claims of {notebook} at {profile!r} predate its last run's settings record "
            f"({settings_path}): that run stopped before it recorded its claims; rerun it to the end"
        )
    code = json.loads(code_path.read_text())
    from ibcore.study.chapters import all_claims

    rows = scorecard.load(profile)
    rows = rows[rows["notebook"] == notebook] if not rows.empty else rows
    if rows.empty and notebook in all_claims():
        raise FileNotFoundError(f"no claim rows of {notebook} recorded at profile {profile!r}")
    tables = {}
    table_dir = _work_dir(profile) / notebook
    for path in sorted(table_dir.glob("*.json")) if table_dir.is_dir() else []:
        tables[path.stem] = json.loads(path.read_text())
    duration, start, end = _papermill_times(executed)
    params = record.get("params", {})
    provenance = {
        "commit": scorecard.commit(),
        "ibcore": record.get("versions", {}).get("ibcore"),
        "code_hash": code["code_hash"],
        "code_files": code["code_files"],
        "profile": profile,
        "params": params,
        "overrides": dict(overrides or {}),
        "seeds": params.get("seeds", [record.get("seed")]),  # a page without seeds: its one seed
        "device": record.get("device"),
        "cpu": cpu_model(),
        "versions": record.get("versions", {}),
        "wall_time_s": duration,
        "started": start or record.get("started"),
        "finished": end or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "facts": record.get("facts", {}),
    }
    claims = [{k: _plain(v) for k, v in r.items()} for r in rows.to_dict(orient="records")]
    entry = {
        "schema": SCHEMA,
        "notebook": notebook,
        "claims": claims,
        "tables": tables,
        "provenance": provenance,
    }
    problems = check_entry(entry)
    if problems:
        raise ValueError(f"the entry of {notebook} is incomplete: " + "; ".join(problems))
    return write_entry(entry, archive_dir(profile))


def dumps_tables(tables: dict[str, Any]) -> bytes:
    """The tables of an entry as the bytes of its ``.tables.json.gz``: gzip (no time stamp, so the
    same tables give the same bytes) of JSON text with each row of a table on one line."""
    parts = []
    for name, t in tables.items():
        rows = ",\n".join("  " + json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in t["data"])
        parts.append(
            f' {json.dumps(name)}: {{"columns": {json.dumps(t["columns"], ensure_ascii=False)}, '
            f'"data": [\n{rows}\n ]}}'
        )
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def dumps_entry(entry: dict[str, Any]) -> str:
    """An entry's record, ``<nb>.json``, as JSON text that diffs well: schema, notebook, claims and
    provenance indented, each table by its columns and row count, and ``tables_sha256`` (the
    SHA-256 of :func:`dumps_tables`, which holds the rows)."""
    tables = entry.get("tables", {})
    record = {k: v for k, v in entry.items() if k != "tables"}
    record["tables"] = {n: {"columns": t["columns"], "rows": len(t["data"])} for n, t in tables.items()}
    record["tables_sha256"] = hashlib.sha256(dumps_tables(tables)).hexdigest()
    return json.dumps(record, indent=1, ensure_ascii=False) + "\n"


def _tables_path(record: Path) -> Path:
    return record.with_name(record.name[: -len(".json")] + ".tables.json.gz")


def write_entry(entry: dict[str, Any], directory: Path | str) -> Path:
    """Write ``entry`` (the in-memory form: tables with their rows) to ``directory`` as
    ``<nb>.json`` and ``<nb>.tables.json.gz``; returns the record's path."""
    out = Path(directory) / f"{entry['notebook']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    _tables_path(out).write_bytes(dumps_tables(entry.get("tables", {})))
    write_text(out, dumps_entry(entry))
    return out


def _read_tables(record: Path, data: dict[str, Any]) -> dict[str, Any]:
    path = _tables_path(record)
    if not path.is_file():
        raise FileNotFoundError(f"the tables of {record} are missing: {path}")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != data.get("tables_sha256"):
        raise ValueError(f"{path} is not the tables file that {record} records (tables_sha256 differs)")
    tables = json.loads(gzip.decompress(raw))
    if {n: {"columns": t["columns"], "rows": len(t["data"])} for n, t in tables.items()} != data.get(
        "tables"
    ):
        raise ValueError(f"the tables of {path} do not match the columns and row counts of {record}")
    return tables


def read_entry(path: Path | str) -> dict[str, Any]:
    """An entry in its in-memory form (tables with their rows) from its record ``<nb>.json`` and
    the tables file beside it (``ValueError`` when that file is not the one the record names)."""
    path = Path(path)
    data = json.loads(path.read_text())
    return {**{k: v for k, v in data.items() if k != "tables_sha256"}, "tables": _read_tables(path, data)}


def _plain(v: Any) -> Any:
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def check_entry(entry: Any, *, record: bool = False) -> list[str]:
    """What an entry lacks or gets wrong, in words (empty: complete): the schema version, the
    notebook, claim rows each with key, claim, verdict, interval and deviations (an entry of a
    notebook without claims, an appendix, holds tables instead), tables of
    ``columns`` and equally long ``data`` rows, and every field of :data:`PROVENANCE_FIELDS`
    (a null ``wall_time_s`` or ``seeds`` counts as missing). ``record=True`` checks a record as
    read from ``<nb>.json`` instead: tables by ``columns`` and a ``rows`` count, and a
    ``tables_sha256``."""
    if not isinstance(entry, dict):
        return [f"an entry is a JSON object, got {type(entry).__name__}"]
    problems = []
    if entry.get("schema") != SCHEMA:
        problems.append(f"schema {entry.get('schema')!r}, expected {SCHEMA}")
    if not isinstance(entry.get("notebook"), str) or not entry.get("notebook"):
        problems.append("no notebook name")
    claims = entry.get("claims")
    if not isinstance(claims, list) or not (claims or entry.get("tables")):
        problems.append("no claim rows (and no tables)")
    else:
        for i, row in enumerate(claims):
            missing = [k for k in ("key", "claim", "verdict", "interval", "deviations") if k not in row]
            if missing:
                problems.append(f"claim row {i} lacks {', '.join(missing)}")
    tables = entry.get("tables")
    if not isinstance(tables, dict):
        problems.append("no tables object")
    else:
        for name, t in tables.items():
            cols = t.get("columns") if isinstance(t, dict) else None
            if record:
                rows = t.get("rows") if isinstance(t, dict) else None
                if not isinstance(cols, list) or not isinstance(rows, int):
                    problems.append(f"table {name!r} is not {{columns, rows}}")
                continue
            data = t.get("data") if isinstance(t, dict) else None
            if not isinstance(cols, list) or not isinstance(data, list):
                problems.append(f"table {name!r} is not {{columns, data}}")
            elif any(len(r) != len(cols) for r in data):
                problems.append(f"table {name!r} has rows of another length than its {len(cols)} columns")
        if record and not isinstance(entry.get("tables_sha256"), str):
            problems.append("no tables_sha256")
    prov = entry.get("provenance")
    if not isinstance(prov, dict):
        problems.append("no provenance")
    else:
        missing = [f for f in PROVENANCE_FIELDS if prov.get(f) is None]
        if missing:
            problems.append(f"provenance lacks {', '.join(missing)}")
        if (
            isinstance(claims, list)
            and claims
            and any(r.get("profile") != prov.get("profile") for r in claims)
        ):
            problems.append(f"claim rows of another profile than the provenance's {prov.get('profile')!r}")
    return problems


@dataclass(frozen=True)
class Entry:
    """A loaded archive entry: its ``data`` (the JSON object) and whether its code still matches.

    ``current`` is True when :func:`code_hash` of the recorded ``code_files`` in the working tree
    equals the recorded hash; :attr:`status` says which, in the words the book shows."""

    data: dict[str, Any]
    current: bool
    path: Path | None = None
    _tables: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def provenance(self) -> dict[str, Any]:
        return self.data["provenance"]

    @property
    def status(self) -> str:
        """``"current code"`` or ``"from commit <X>, code changed since"``, then date and hardware."""
        p = self.provenance
        head = "current code" if self.current else f"from commit {p['commit']}, code changed since"
        day = str(p.get("finished") or p.get("started") or "")[:10]
        return f"{head}; ran {day} on {p.get('device')} ({p.get('cpu')}), commit {p['commit']}"

    def verdicts(self) -> dict[str, dict[str, Any]]:
        """The claim rows by claim key."""
        return {r["key"]: r for r in self.data["claims"]}

    def table(self, name: str) -> pd.DataFrame:
        """An archived table as a data frame (``KeyError`` naming the tables there); the rows are
        read from the tables file on first use, its SHA-256 checked against the record."""
        listed = self.data.get("tables", {})
        if name not in listed:
            raise KeyError(
                f"no table {name!r} in the entry of {self.data['notebook']}; it has {sorted(listed)}"
            )
        if not self._tables:
            if "data" in listed[name] or self.path is None:
                self._tables.update(listed)
            else:
                self._tables.update(_read_tables(self.path, self.data))
        t = self._tables[name]
        return pd.DataFrame(t["data"], columns=t["columns"])


def load_entry(notebook: str, profile: str = "paper", *, root: Path | str = ROOT) -> Entry | None:
    """The entry of ``notebook`` at ``profile`` (None when there is none), its code hash recomputed
    from the files under ``root``; its tables are read when :meth:`Entry.table` first asks.
    ``ValueError`` names an entry whose record :func:`check_entry` rejects."""
    path = archive_dir(profile) / f"{notebook}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    problems = check_entry(data, record=True)
    if problems:
        raise ValueError(f"{path} is not a valid archive entry: " + "; ".join(problems))
    prov = data["provenance"]
    return Entry(data, code_hash(prov["code_files"], root) == prov["code_hash"], path)


def archived_rows(notebooks: Any, profile: str = "paper") -> dict[str, dict[str, Any]]:
    """The archived claim rows of ``notebooks`` at ``profile`` by claim key, each with the entry's
    ``archive status`` (:attr:`Entry.status`) and ``archive current`` added; notebooks without an
    entry are skipped."""
    out: dict[str, dict[str, Any]] = {}
    for nb in dict.fromkeys(notebooks):
        entry = load_entry(nb, profile)
        if entry is None:
            continue
        for key, row in entry.verdicts().items():
            out[key] = {**row, "archive status": entry.status, "archive current": entry.current}
    return out


def probe_text(notebook: str, profile: str = "paper") -> str:
    """One notebook's projected cost at ``profile`` on this machine, in words: its probe of
    :data:`ibcore.study.probes.PROBES` (a short measured run, ``[(part, seconds)]``) summed, or a
    line saying that it has no probe yet (its cost is then unmeasured, never guessed)."""
    from ibcore.study.chapters import NOTEBOOKS
    from ibcore.study.probes import PROBES
    from ibcore.study.profiles import setup

    if notebook not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {notebook!r}; known: {', '.join(NOTEBOOKS)}")
    if notebook not in PROBES:
        return f"{notebook}: no probe yet - its cost at {profile!r} on this machine is not measured"
    settings = setup(notebook, profile, quiet=True)
    parts = PROBES[notebook](settings)
    total = sum(sec for _, sec in parts)
    detail = "; ".join(f"{what} {sec / 60:.1f} min" for what, sec in parts)
    about = f"{total / 60:.0f} min" if total < 7200 else f"{total / 3600:.1f} h"
    return f"{notebook}: about {about} at {profile!r} on {cpu_model()} ({detail})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ibcore.study.archive", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="gather a notebook's run at a profile into its entry")
    c.add_argument("notebook")
    c.add_argument("--profile", default="paper")
    c.add_argument("--record-dir", default=None)
    c.add_argument("--overrides", default="{}", help="the parameters set for the run, as JSON")
    pr = sub.add_parser("probe", help="project each notebook's cost at a profile from a short measured run")
    pr.add_argument("notebooks", nargs="*", help="notebooks (default: all)")
    pr.add_argument("--profile", default="paper")
    s = sub.add_parser("status", help="list the entries and whether their code is current")
    s.add_argument("--profile", default="paper")
    args = parser.parse_args(argv)
    if args.command == "collect":
        out = collect(
            args.notebook, args.profile, record_dir=args.record_dir, overrides=json.loads(args.overrides)
        )
        print(f"archive entry written: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
        return 0
    if args.command == "probe":
        from ibcore.study.chapters import NOTEBOOKS

        for nb in args.notebooks or list(NOTEBOOKS):
            print(probe_text(nb, args.profile), flush=True)
        return 0
    found = sorted(archive_dir(args.profile).glob("*.json"))
    if not found:
        print(f"no entries at profile {args.profile!r} in {archive_dir(args.profile)}")
    for path in found:
        entry = load_entry(path.stem, args.profile)
        if entry is not None:
            print(f"{path.stem}: {len(entry.data['claims'])} claims; {entry.status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
