"""Tests of ibcore.study.scorecard_pages: the compact scorecard table, the records, the findings matrix."""

import re

import pandas as pd
import pytest

from ibcore.study import claims as C
from ibcore.study import scorecard
from ibcore.study.scorecard_pages import BADGE_COLOURS, badge, findings_matrix, scorecard_page


def _claim(key, paper="saxe2018"):
    return C.Claim(
        key=key,
        paper=paper,
        claim=f"claim {key} <with markup>",
        where="Fig. 1",
        paper_value="yes",
        settings={"lr": C.Setting(4e-4, "artemyk/ibsgd: IBnet_SaveActivations.ipynb")},
        rule=C.AtLeast("drop", "0.1 bit", threshold=0.1),
    )


@pytest.fixture
def rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    evs = [
        C.evaluate(
            _claim("a/one"),
            C.t_interval([0.5, 0.6, 0.55, 0.52, 0.58]),
            {"lr": 4e-4},
            our_value="0.55",
            profile="default",
        ),
        C.evaluate(
            _claim("a/two"),
            C.t_interval([0.5, 0.6, 0.55, 0.52, 0.58]),
            {"lr": 4e-3},
            our_value="0.55",
            profile="default",
        ),
        C.evaluate(
            _claim("b/three", paper="elad2019"),
            [C.t_interval([0.5, 0.6, 0.55, 0.52, 0.58]), C.t_interval([0.0, 0.01, 0.02])],
            {"lr": 4e-4},
            our_value="per layer",
            profile="default",
            items=("l1", "l2"),
        ),
    ]
    for ev in evs:
        scorecard.record_evaluation("nb", ev)
    return scorecard.load("default")


def test_badge_colours_every_verdict_and_refuses_others():
    for verdict in C.VERDICTS:
        assert BADGE_COLOURS[verdict] in badge(verdict) and f">{verdict}</span>" in badge(verdict)
    with pytest.raises(ValueError, match="unknown verdict"):
        badge("great")


def test_scorecard_page_table_and_records(rows):
    page = scorecard_page(rows)
    table = page.split("## The claim records")[0]
    assert table.count("<tr>") == 1 + 3  # the header and one row per claim
    assert "&lt;with markup&gt;" in table and "<with markup>" not in page  # escaped
    assert ">reproduced</span>" in table and ">inconclusive</span>" in table and ">partly</span>" in table
    assert "0.55 [" in table and "t over 5 seeds" in table
    assert "2 items: 1 met, 1 not met" in table
    # deviation counts link to the records, which carry the deviation list and the sources
    assert '<a href="#claim-a-two">1 (1 decisive)</a>' in table and '<a href="#claim-a-one">none</a>' in table
    records = page.split("## The claim records")[1]
    assert set(re.findall(r'id="(claim-[a-z-]+)"', records)) == {
        "claim-a-one",
        "claim-a-two",
        "claim-b-three",
    }
    assert (
        "lr 0.004 vs 0.0004 (x10, decisive)" in records
        and "artemyk/ibsgd: IBnet_SaveActivations.ipynb" in records
    )
    assert "commit <code>" in records
    assert "No scorecard rows" in scorecard_page(pd.DataFrame())


def test_findings_matrix_has_a_row_per_paper_and_the_counts(rows):
    matrix = findings_matrix(rows)
    body = matrix.split("<tbody>")[1]
    assert body.count("<tr>") == 2  # saxe2018, elad2019
    assert body.index("Saxe et al. 2018") < body.index("Elad et al. 2019")  # scorecard order
    assert 'href="scorecard.html#claim-a-one"' in body and 'title="claim b/three &lt;with markup&gt;"' in body
    saxe = body.split("</tr>")[0]
    assert saxe.count(">1</td>") == 2  # one reproduced, one inconclusive
