"""Tests of ibcore.study.archive: paper-profile entries, their provenance and code hash, and the book's view.

The last test checks every entry committed under results/: its schema, its provenance, and that its
status is computed from the code hash (an entry whose code changed is never shown as current).
"""

import gzip
import hashlib
import json
import os
import types
from pathlib import Path

import pandas as pd
import pytest

from ibcore.study import archive, scorecard
from ibcore.study.scorecard_pages import scorecard_page

from .test_scorecard import _evaluation


@pytest.fixture(autouse=True)
def _tmp_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path / "scorecard"))
    monkeypatch.setenv("IBSTUDY_ARCHIVE_DIR", str(tmp_path / "results"))


def _files(root: Path, **texts: str) -> list[str]:
    for name, text in texts.items():
        (root / name).write_text(text)
    return sorted(texts)


def test_code_hash_follows_every_file_and_not_the_order(tmp_path):
    files = _files(tmp_path, a="x = 1\n", b="y = 2\n")
    h = archive.code_hash(files, tmp_path)
    assert h == archive.code_hash(list(reversed(files)), tmp_path) and len(h) == 64
    (tmp_path / "b").write_text("y = 3\n")
    edited = archive.code_hash(files, tmp_path)
    (tmp_path / "b").unlink()
    removed = archive.code_hash(files, tmp_path)
    (tmp_path / "c").write_text("y = 3\n")
    renamed = archive.code_hash(["a", "c"], tmp_path)
    assert len({h, edited, removed, renamed}) == 4


def test_code_files_keep_this_repositorys_ibcore_modules_and_the_notebook():
    here = archive.ROOT / "ibcore" / "study" / "archive.py"
    modules = {
        "ibcore.study.archive": types.SimpleNamespace(__file__=str(here)),
        "ibcore.elsewhere": types.SimpleNamespace(__file__="/usr/lib/python3/ibcore/elsewhere.py"),
        "numpy": types.SimpleNamespace(__file__=str(archive.ROOT / "numpy.py")),
        "ibcore.builtin": types.SimpleNamespace(__file__=None),
    }
    assert archive.code_files("00_x", modules) == ["ibcore/study/archive.py", "notebooks/00_x.ipynb"]
    assert "ibcore/study/archive.py" in archive.code_files()  # this process imported it


def _run_notebook(tmp_path, notebook="00_information_plane", profile="paper"):
    """What a notebook leaves behind at ``profile``, in its order: the settings record (setup, at its
    top), then claim rows with the code record, a table, and papermill's executed notebook."""
    record_dir = tmp_path / "executed"
    record_dir.mkdir(exist_ok=True)
    record = {
        "notebook": notebook,
        "profile": profile,
        "params": {"seeds": [0, 1, 2]},
        "seed": 0,
        "device": "cpu",
        "versions": {"ibcore": "0.3.0", "torch": "2.13.0"},
        "started": "2026-12-04 10:00:00 UTC",
    }
    settings = record_dir / f"{notebook}.settings.json"
    settings.write_text(json.dumps(record))
    os.utime(settings, (settings.stat().st_mtime - 60,) * 2)  # a minute before the claims
    scorecard.clear(notebook, profile)
    scorecard.record_evaluation(notebook, _evaluation(profile=profile))  # also notes the code
    table = pd.DataFrame(
        {"seed": [0, 0], "layer": ["layer1", "layer1"], "epoch": [0, 1], "I(X;L)": [1 / 3, None]}
    )
    archive.save_table(notebook, profile, "plane", table)
    papermill = {
        "metadata": {
            "papermill": {
                "duration": 12.5,
                "start_time": "2026-12-04T10:00:00",
                "end_time": "2026-12-04T10:00:12",
            }
        }
    }
    (record_dir / f"{notebook}.ipynb").write_text(json.dumps(papermill))
    return record_dir


def test_collect_writes_a_complete_entry_that_loads_as_current(tmp_path):
    out = archive.collect("00_information_plane", "paper", record_dir=_run_notebook(tmp_path), overrides={})
    assert out == archive.archive_dir("paper") / "00_information_plane.json"
    data = archive.read_entry(out)
    assert archive.check_entry(data) == []
    assert archive.check_entry(json.loads(out.read_text()), record=True) == []
    prov = data["provenance"]
    assert prov["wall_time_s"] == 12.5 and prov["seeds"] == [0, 1, 2] and prov["profile"] == "paper"
    assert prov["commit"] == scorecard.commit() and prov["cpu"] == archive.cpu_model()
    assert "notebooks/00_information_plane.ipynb" in prov["code_files"]
    assert data["tables"]["plane"]["data"] == [[0, "layer1", 0, 0.333333], [0, "layer1", 1, None]]
    entry = archive.load_entry("00_information_plane", "paper")
    assert entry.current and entry.status.startswith("current code; ran 2026-12-04 on cpu")
    assert list(entry.table("plane").columns) == ["seed", "layer", "epoch", "I(X;L)"]
    assert set(entry.verdicts()) == {"saxe2018/test"}
    with pytest.raises(KeyError, match="no table 'curve'"):
        entry.table("curve")


def test_an_entry_whose_code_changed_is_named_so(tmp_path):
    archive.collect("00_information_plane", "paper", record_dir=_run_notebook(tmp_path))
    path = archive.archive_dir("paper") / "00_information_plane.json"
    data = json.loads(path.read_text())
    code = tmp_path / "code"
    code.mkdir()
    data["provenance"]["code_files"] = _files(code, **{"m.py": "x = 1\n"})
    data["provenance"]["code_hash"] = archive.code_hash(["m.py"], code)
    path.write_text(json.dumps(data))
    assert archive.load_entry("00_information_plane", root=code).current
    (code / "m.py").write_text("x = 2\n")
    stale = archive.load_entry("00_information_plane", root=code)
    commit = data["provenance"]["commit"]
    assert not stale.current and stale.status.startswith(f"from commit {commit}, code changed since")


def test_collect_names_what_has_not_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="settings record of 00_information_plane"):
        archive.collect("00_information_plane", "paper", record_dir=tmp_path)
    record_dir = _run_notebook(tmp_path, profile="paper")
    settings = record_dir / "00_information_plane.settings.json"
    settings.write_text(json.dumps({**json.loads(settings.read_text()), "profile": "default"}))
    with pytest.raises(ValueError, match="is a 'default' run, not 'paper'"):
        archive.collect("00_information_plane", "paper", record_dir=record_dir)
    record_dir = _run_notebook(tmp_path, profile="paper")
    settings = record_dir / "00_information_plane.settings.json"
    os.utime(settings, None)  # a new run started and stopped before its claims
    with pytest.raises(ValueError, match="stopped before it recorded its claims"):
        archive.collect("00_information_plane", "paper", record_dir=record_dir)


def test_a_page_starts_by_forgetting_the_last_runs_pieces(tmp_path):
    _run_notebook(tmp_path)
    work = archive._work_dir("paper")
    assert (work / "00_information_plane.code.json").is_file() and (work / "00_information_plane").is_dir()
    scorecard.clear("00_information_plane", "paper")
    assert not (work / "00_information_plane.code.json").exists()
    assert not (work / "00_information_plane").exists()


def test_check_entry_lists_what_is_missing(tmp_path):
    archive.collect("00_information_plane", "paper", record_dir=_run_notebook(tmp_path))
    good = archive.read_entry(archive.archive_dir("paper") / "00_information_plane.json")
    assert archive.check_entry(good) == []
    bad = json.loads(json.dumps(good))
    bad["schema"] = 0
    del bad["provenance"]["code_hash"]
    bad["provenance"]["wall_time_s"] = None
    bad["tables"]["plane"]["data"].append([1, 2])
    del bad["claims"][0]["verdict"]
    problems = "; ".join(archive.check_entry(bad))
    for text in ("schema 0", "code_hash", "wall_time_s", "rows of another length", "lacks verdict"):
        assert text in problems
    assert archive.check_entry([]) == ["an entry is a JSON object, got list"]
    other = json.loads(json.dumps(good))
    other["claims"][0]["profile"] = "default"
    assert "claim rows of another profile" in "; ".join(archive.check_entry(other))
    (archive.archive_dir("paper") / "00_information_plane.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="not a valid archive entry"):
        archive.load_entry("00_information_plane")
    assert "no tables_sha256" in "; ".join(archive.check_entry({**bad, "tables": {}}, record=True))


def test_save_table_refuses_bad_input():
    with pytest.raises(TypeError, match="DataFrame"):
        archive.save_table("nb", "paper", "plane", [[1, 2]])
    with pytest.raises(ValueError, match="name must be"):
        archive.save_table("nb", "paper", "a/b", pd.DataFrame({"x": [1]}))


def test_card_and_scorecard_page_show_the_paper_verdict_beside(tmp_path):
    nb = "00_information_plane"
    scorecard.record_evaluation(nb, _evaluation(profile="default", lr=4e-3))
    assert "at paper" not in scorecard.card(nb, "default").columns  # no entry yet
    archive.collect(nb, "paper", record_dir=_run_notebook(tmp_path, nb, "paper"))
    card = scorecard.card(nb, "default")
    assert card.loc[0, "verdict"] == "inconclusive"  # default deviates (lr x10)
    assert card.loc[0, "at paper"].startswith("inconclusive: tanh: 0.6 [")  # the archived row
    assert "at paper" not in scorecard.card(nb, "paper").columns
    rows = archive.archived_rows([nb, "no_such_notebook"])
    page = scorecard_page(scorecard.load("default"), rows)
    assert "at <code>paper</code>" in page and "current code; ran 2026-12-04" in page
    assert "at <code>paper</code>" not in scorecard_page(scorecard.load("default"), {})
    stale = {k: {**r, "archive current": False} for k, r in rows.items()}
    assert "code changed since" in scorecard_page(scorecard.load("default"), stale)
    assert scorecard.paper_cell({**rows["saxe2018/test"], "archive current": False}).endswith(
        "(code changed since)"
    )


def test_every_committed_entry_is_complete(monkeypatch):
    monkeypatch.delenv("IBSTUDY_ARCHIVE_DIR")
    entries = sorted((archive.ROOT / "results").glob("*/*.json"))
    for path in entries:
        data = archive.read_entry(path)  # the record and its tables file, their SHA-256 checked
        assert archive.check_entry(data) == [], path
        assert data["notebook"] == path.stem and data["provenance"]["profile"] == path.parent.name
        entry = archive.load_entry(path.stem, path.parent.name)
        assert entry.current == (
            archive.code_hash(data["provenance"]["code_files"]) == data["provenance"]["code_hash"]
        )


def test_probe_projects_from_a_measured_run_or_says_it_has_none(monkeypatch):
    from ibcore.study import probes
    from ibcore.study.chapters import NOTEBOOKS
    from ibcore.study.probes import PROBES
    from ibcore.study.probes.information_plane import information_plane_probe
    from ibcore.study.profiles import setup

    assert set(PROBES) == set(NOTEBOOKS)  # every notebook's cost at paper is measured
    monkeypatch.delitem(probes.PROBES, "01_estimator_dependence")
    assert archive.probe_text("01_estimator_dependence").endswith("on this machine is not measured")
    with pytest.raises(ValueError, match="unknown notebook"):
        archive.probe_text("99_nothing")
    if not os.environ.get("IBCORE_DATA_MIRROR"):
        pytest.skip("the probe trains on the SZT data: set IBCORE_DATA_MIRROR (make test does)")
    settings = setup("00_information_plane", "smoke", quiet=True, n_epochs=50)
    parts = information_plane_probe(settings, epochs=(2, 4), repeats=1)
    assert [p.split(" ")[0] for p, _ in parts] == ["training", "binning"]
    assert "2 x 1 seeds x 50 epochs" in parts[0][0] and all(sec > 0 for _, sec in parts)
    assert PROBES["00_information_plane"] is information_plane_probe
    with pytest.raises(ValueError, match="two increasing"):
        information_plane_probe(settings, epochs=(4, 2))


def test_an_entry_is_a_record_and_its_tables_with_one_line_per_row(tmp_path):
    out = archive.collect("00_information_plane", "paper", record_dir=_run_notebook(tmp_path))
    entry = archive.read_entry(out)
    assert archive.dumps_entry(entry) == out.read_text()  # the files are exactly their rendering
    tables = out.with_name("00_information_plane.tables.json.gz")
    assert archive.dumps_tables(entry["tables"]) == tables.read_bytes()
    assert (
        '  [0,"layer1",0,0.333333],\n  [0,"layer1",1,null]\n' in gzip.decompress(tables.read_bytes()).decode()
    )
    record = json.loads(out.read_text())
    assert record["tables"] == {"plane": {"columns": ["seed", "layer", "epoch", "I(X;L)"], "rows": 2}}
    assert record["tables_sha256"] == hashlib.sha256(tables.read_bytes()).hexdigest()
    empty = {**entry, "tables": {}}
    assert archive.read_entry(archive.write_entry(empty, tmp_path / "empty")) == empty
    # a tables file that is not the one its record names is refused, never read as the entry's
    other = {**entry, "tables": {"plane": {**entry["tables"]["plane"], "data": [[0, "layer1", 0, 0.5]]}}}
    tables.write_bytes(archive.dumps_tables(other["tables"]))
    with pytest.raises(ValueError, match="tables_sha256 differs"):
        archive.read_entry(out)
    with pytest.raises(ValueError, match="tables_sha256 differs"):
        archive.load_entry("00_information_plane").table("plane")
    tables.unlink()
    with pytest.raises(FileNotFoundError, match="tables of"):
        archive.read_entry(out)
