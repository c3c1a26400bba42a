import pytest

from ibcore.study import claims, scorecard


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


@pytest.mark.parametrize(
    ("n_ok", "n_total", "profile", "comparable", "expected"),
    [
        (5, 5, "default", True, "reproduced"),
        (3, 5, "default", True, "partly"),
        (1, 5, "paper", True, "partly"),
        (0, 5, "default", True, "not reproduced"),
        (1, 1, "default", True, "reproduced"),
        (5, 5, "smoke", True, "not comparable"),  # smoke checks the code path, not the claim
        (0, 5, "smoke", True, "not comparable"),
        (5, 5, "default", False, "not comparable"),  # e.g. partial data
    ],
)
def test_verdict_count(n_ok, n_total, profile, comparable, expected):
    got = scorecard.verdict_count(n_ok, n_total, profile=profile, comparable=comparable)
    assert got == expected and got in claims.VERDICTS


@pytest.mark.parametrize(
    ("value", "bounds", "profile", "expected"),
    [
        (0.95, {"at_least": 0.9}, "default", "reproduced"),
        (0.9, {"at_least": 0.9}, "default", "reproduced"),  # bounds are inclusive
        (0.5, {"at_least": 0.9}, "default", "not reproduced"),
        (0.5, {"at_most": 1.0}, "default", "reproduced"),
        (1.5, {"at_most": 1.0}, "default", "not reproduced"),
        (0.5, {"at_least": 0.0, "at_most": 1.0}, "default", "reproduced"),
        (-0.5, {"at_least": 0.0, "at_most": 1.0}, "default", "not reproduced"),
        (0.5, {"at_least": 0.9}, "smoke", "not comparable"),
    ],
)
def test_verdict_threshold(value, bounds, profile, expected):
    assert scorecard.verdict_threshold(value, profile=profile, **bounds) == expected
    assert scorecard.verdict_threshold(value, profile=profile, comparable=False, **bounds) == "not comparable"


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda: scorecard.verdict_count(6, 5, profile="default"), ValueError, "n_ok must be <= n_total"),
        (lambda: scorecard.verdict_count(-1, 5, profile="default"), ValueError, "n_ok must be >= 0"),
        (lambda: scorecard.verdict_count(0, 0, profile="default"), ValueError, "n_total must be >= 1"),
        (lambda: scorecard.verdict_count(2.0, 5, profile="default"), TypeError, "n_ok must be an integer"),
        (lambda: scorecard.verdict_count(2, 5, profile=""), TypeError, "profile must be a non-empty string"),
        (lambda: scorecard.verdict_threshold(1.0, profile="default"), ValueError, "give at least one bound"),
        (
            lambda: scorecard.verdict_threshold(float("nan"), at_least=0.0, profile="default"),
            ValueError,
            "value must be finite",
        ),
        (
            lambda: scorecard.verdict_threshold(1.0, at_least=2.0, at_most=1.0, profile="default"),
            ValueError,
            "exceeds at_most",
        ),
        (
            lambda: scorecard.verdict_threshold("1", at_least=0.0, profile="default"),
            TypeError,
            "value must be a real number",
        ),
    ],
)
def test_verdicts_reject_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
