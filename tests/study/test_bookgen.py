"""The glue that turns executed notebooks into book pages."""

import json

import nbformat

from ibcore.study import bookgen, claims, scorecard


def _executed(tmp_path, name="00_x", duration=12.5, error=False, params=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Chapter X\ntext"), nbformat.v4.new_code_cell("1")]
    if error:
        nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[])]
    nb.metadata["papermill"] = {
        "parameters": {"profile": "smoke"},
        "duration": duration,
        "start_time": "2026-01-01T00:00:00",
        "end_time": "x",
        "exception": None,
    }
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    (tmp_path / f"{name}.settings.json").write_text(
        json.dumps(
            {
                "profile": "smoke",
                "seed": 0,
                "device": "cpu",
                "params": params if params is not None else {"seeds": [0, 1]},
                "versions": {"torch": "2.13.0"},
            }
        )
    )
    return path


def test_status_page_lists_profile_seeds_device_and_time(tmp_path):
    _executed(tmp_path, "00_a", 12.5)
    _executed(tmp_path, "01_b", 95.0, error=True)
    out = tmp_path / "status.md"
    rows = bookgen.write_status(tmp_path, out)
    text = out.read_text()
    assert [r["status"] for r in rows] == ["ok", "failed"]
    assert "`smoke`" in text and "| 0, 1 |" in text and "cpu" in text
    assert bookgen._seeds_text([0, 1, 2, 3, 4]) == "0-4 (5 seeds)" and bookgen._seeds_text(3) == "3"
    assert "12 s" in text and "1.6 min" in text and "| torch | 2.13.0 |" in text
    assert "Chapter X" in text


def test_status_page_names_each_list_of_seeds_when_there_are_several(tmp_path):
    _executed(tmp_path, "00_a", params={"seeds": [0, 1], "cnn_seeds": [0, 1, 2], "n_seeds": 4})
    _executed(tmp_path, "01_b", params={})  # no list: the single seed
    bookgen.write_status(tmp_path, tmp_path / "status.md")
    text = (tmp_path / "status.md").read_text()
    assert "| seeds: 0, 1; cnn_seeds: 0-2 (3 seeds) |" in text
    assert "| 0 |" in text


def test_scorecard_page(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path / "sc"))
    out = tmp_path / "sc.md"
    bookgen.write_scorecard("smoke", out)
    assert "No scorecard rows" in out.read_text()
    claim = claims.Claim(
        "saxe2018/c",
        "saxe2018",
        "c",
        "Fig. 1",
        "1",
        {"lr": claims.Setting(4e-4, "Sec. 3")},
        claims.AtLeast("r", "why", threshold=0.0),
    )
    ev = claims.evaluate(claim, claims.t_interval([1.0, 2.0]), {"lr": 4e-4}, our_value="2", profile="smoke")
    scorecard.record_evaluation("nb", ev)
    bookgen.write_scorecard("smoke", out)
    assert ">not comparable</span>" in out.read_text()
    assert "Saxe et al. 2018" in (tmp_path / "findings.md").read_text()
    assert json.loads((tmp_path / "scorecard.json").read_text())[0]["key"] == "saxe2018/c"
    assert (tmp_path / "scorecard.csv").read_text().startswith("key,paper,claim,")


def test_strip_reference_drops_timestamps(tmp_path):
    path = _executed(tmp_path)
    bookgen.strip_reference(path)
    pm = json.loads(path.read_text())["metadata"]["papermill"]
    assert "duration" not in pm and "start_time" not in pm and pm["parameters"] == {"profile": "smoke"}


def test_strip_reference_keeps_only_checked_outputs(tmp_path):
    nb = nbformat.v4.new_notebook()
    checked = nbformat.v4.new_code_cell("1", metadata={"tags": [bookgen.CHECK_TAG]})
    checked.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)]
    other = nbformat.v4.new_code_cell("plot()")
    other.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "AAAA"})]
    nb.cells = [checked, other]
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, path)
    bookgen.strip_reference(path)
    cells = json.loads(path.read_text())["cells"]
    assert len(cells[0]["outputs"]) == 1 and cells[1]["outputs"] == []
