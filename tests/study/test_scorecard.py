"""Tests of ibcore.study.scorecard: recording decided claims, loading, exports, the page's own rows."""

import csv
import io
import json

import pytest

from ibcore.study import claims as C
from ibcore.study import scorecard


@pytest.fixture(autouse=True)
def _tmp_scorecard(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))


CLAIM = C.Claim(
    key="saxe2018/test",
    paper="saxe2018",
    claim="tanh compresses, ReLU does not",
    where="Figs. 1-2",
    paper_value="tanh: compression; ReLU: none",
    settings={
        "lr": C.Setting(4e-4, "artemyk/ibsgd: IBnet_SaveActivations.ipynb"),
        "seeds": C.Setting(50, "artemyk/ibsgd: README.md", decisive=False),
        "critic": C.Setting(None, "not stated (Sec. 2)"),
    },
    rule=C.Each(
        "tanh yes, ReLU no",
        "0.1 bit: the binning jitter",
        rules=(C.AtLeast("tanh", "w", threshold=0.1), C.AtMost("ReLU", "w", threshold=0.1)),
    ),
)


def _evaluation(profile="default", lr=4e-3, key=None, tanh=(0.5, 0.7, 0.6)):
    claim = CLAIM if key is None else C.Claim(**{**CLAIM.__dict__, "key": key})
    return C.evaluate(
        claim,
        [C.t_interval(tanh), C.t_interval([0.0, 0.01, 0.02])],
        {"lr": lr, "seeds": 3, "critic": "ours"},
        our_value="drop tanh 0.6, ReLU 0.01 bits",
        profile=profile,
        items=("tanh", "ReLU"),
        seeds=3,
        support="tanh 3/3 seeds, ReLU 3/3",
    )


def test_record_load_replace_and_card():
    scorecard.clear("nb", "default")
    card = scorecard.record_evaluation("nb", _evaluation())
    assert list(card.columns) == scorecard.CARD_COLUMNS and len(card) == 1
    assert card.loc[0, "verdict"] == "inconclusive"  # the rule is met, but lr deviates x10
    assert (
        card.loc[0, "deviations"]
        == "lr 0.004 vs 0.0004 (x10, decisive); seeds 3 vs 50 (x1/16.7, uncertainty only)"
    )
    scorecard.record_evaluation("nb", _evaluation(key="saxe2018/other"))
    card = scorecard.record_evaluation("nb", _evaluation(lr=4e-4))  # the same key again: replaced
    assert list(card.verdict) == ["inconclusive", "reproduced"]  # the replaced row comes last
    df = scorecard.load("default")
    assert list(df.columns[: len(scorecard.FIELDS)]) == scorecard.FIELDS
    row = df[df.key == "saxe2018/test"].iloc[0]
    assert row.verdict == "reproduced" and row.deviations == ["seeds 3 vs 50 (x1/16.7, uncertainty only)"]
    assert row.notebook == "nb" and row.seeds == 3 and row.unstated == ["critic"]
    assert row.commit == scorecard.commit() and row.commit
    assert "tanh: 0.6 [" in row.interval and "t over 3 seeds" in row.interval
    assert scorecard.load("smoke").empty  # profiles are kept apart


def test_exports_hold_every_field():
    scorecard.record_evaluation("nb", _evaluation())
    df = scorecard.load("default")
    records = json.loads(scorecard.export(df, "json"))
    assert len(records) == 1 and set(scorecard.FIELDS) <= set(records[0])
    rec = records[0]
    assert rec["paper settings"]["lr"] == {
        "value": 4e-4,
        "source": "artemyk/ibsgd: IBnet_SaveActivations.ipynb",
        "decisive": True,
    }
    assert [i["outcome"] for i in rec["intervals"]] == ["met", "met"]
    assert rec["profile"] == "default" and rec["verdict"] == "inconclusive"
    rows = list(csv.DictReader(io.StringIO(scorecard.export(df, "csv"))))
    assert rows[0]["deviations"].startswith("lr 0.004 vs 0.0004") and rows[0]["seeds"] == "3"
    assert json.loads(rows[0]["paper settings"])["critic"]["value"] is None
    assert "| paper | claim |" in scorecard.export(df, "markdown")
    with pytest.raises(ValueError, match="unknown format"):
        scorecard.export(df, "xml")


def test_cli_formats_and_fails_when_empty(capsys):
    assert scorecard.main(["--profile", "smoke"]) == 1
    scorecard.record_evaluation("nb", _evaluation(profile="smoke"))
    capsys.readouterr()
    assert scorecard.main(["--profile", "smoke", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["verdict"] == "not comparable" and out[0]["key"] == "saxe2018/test"
    assert scorecard.main(["--profile", "smoke"]) == 0
    assert "saxe2018" in capsys.readouterr().out


def test_record_evaluation_refuses_other_things():
    with pytest.raises(TypeError, match="claims.Evaluation"):
        scorecard.record_evaluation("nb", {"verdict": "reproduced"})
    with pytest.raises(TypeError, match="notebook"):
        scorecard.record_evaluation("", _evaluation())


def test_commit_names_this_checkout():
    sha = scorecard.commit()
    assert sha == "unknown" or len(sha.split("+")[0]) == 12
