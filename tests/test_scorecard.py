import pytest

from ibcore import scorecard


@pytest.fixture(autouse=True)
def _tmp_scorecard(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))


def test_record_load_and_replace():
    scorecard.clear("nb", "smoke")
    scorecard.record("nb", "smoke", "saxe2018", "claim A", "1.0", "0.9", "reproduced")
    df = scorecard.record("nb", "smoke", "geiger2021", "claim B", "yes", "no", "not reproduced")
    assert len(df) == 2
    # recording the same (paper, claim) again replaces the row instead of duplicating it
    df = scorecard.record("nb", "smoke", "saxe2018", "claim A", "1.0", "0.5", "partly")
    assert len(df) == 2 and set(df["verdict"]) == {"partly", "not reproduced"}
    assert len(scorecard.load("smoke")) == 2
    assert scorecard.load("default").empty  # profiles are kept apart
    md = scorecard.to_markdown(scorecard.load("smoke"))
    assert md.count("\n") == 3 and "| paper | claim |" in md


def test_cli_prints_table_and_fails_when_empty(capsys):
    assert scorecard.main(["--profile", "smoke"]) == 1
    scorecard.record("nb", "smoke", "elad2019", "claim", "a", "b", "not comparable")
    assert scorecard.main(["--profile", "smoke"]) == 0
    assert "elad2019" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "err", "match"),
    [
        (("nope2020", "c", "1", "1", "reproduced"), ValueError, "unknown paper key"),
        (("saxe2018", "c", "1", "1", "great"), ValueError, "unknown verdict"),
        (("saxe2018", "c", 1.0, "1", "reproduced"), TypeError, "paper_value"),
        (("saxe2018", "", "1", "1", "reproduced"), TypeError, "claim"),
    ],
)
def test_record_rejects_bad_rows(args, err, match):
    with pytest.raises(err, match=match):
        scorecard.record("nb", "smoke", *args)
