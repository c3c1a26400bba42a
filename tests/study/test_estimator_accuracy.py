"""Appendix A2's page code (ibcore.study.chapters.estimator_accuracy) on synthetic summaries."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.study.chapters import estimator_accuracy as chapter
from ibcore.study.profiles import PROFILES, Settings

NB = "A2_estimator_accuracy"


def _settings(profile="default", **params):
    return Settings(
        notebook=NB, profile=profile, params={**PROFILES[NB][profile], **params}, seed=0, device="cpu"
    )


def _row(estimator, task, family, n, bias, *, kind="pairs", dim=1, true=1.0, status="ok", time_s=0.1):
    refused = status.startswith("refused")
    nan = math.nan
    return dict(
        estimator=estimator,
        settings="",
        task=task,
        family=family,
        kind=kind,
        dim_x=dim,
        dim_y=dim,
        n=n,
        true=true,
        estimate=nan if refused else true + bias,
        bias=nan if refused else bias,
        rmse=nan if refused else abs(bias),
        mean_abs=nan if refused else abs(bias),
        time_s=time_s,
        status=status,
    )


def _summary(rows):
    return pd.DataFrame(rows)


def test_expectation_checks_verdicts_at_the_issues_n():
    rows = [
        _row("KSG", "gaussian dense 1+1", "gaussian dense", 5000, -0.1),
        _row("KSG", "student-t 2+2", "student-t", 5000, 0.2, dim=2),  # mean |error| 0.15 <= 0.2
        _row("KSG", "mi grid 1 x 8", "mi grid", 5000, -3.0),  # the MI grid aside in check (1)
        _row("KSG", "gaussian dense 25+25", "gaussian dense", 5000, -0.4, dim=25),  # in [-0.5, -0.35]
        _row("MINE", "gaussian dense 25+25", "gaussian dense", 5000, 0.3, dim=25),  # outside +-0.15
    ]
    checks = chapter.expectation_checks(_summary(rows), n_ref=5000, profile="default")
    assert list(checks.table.ours) == ["0.150", "0.300", "-0.400"]
    assert list(checks.table.verdict) == ["reproduced", "not reproduced", "reproduced"]
    assert checks.ksg_small_grid == pytest.approx((0.1 + 0.2 + 3.0) / 3)
    assert checks.table.claim[0] == "KSG, N = 5000, d <= 5+5, MI grid aside: mean |error| (nats)"


def test_expectation_checks_not_comparable_away_from_5000_or_not_run():
    rows = [_row("KSG", "gaussian dense 1+1", "gaussian dense", 1000, -0.1)]
    checks = chapter.expectation_checks(_summary(rows), n_ref=1000, profile="default")
    assert list(checks.table.ours) == ["0.100", "not run", "not run"]
    assert set(checks.table.verdict) == {"not comparable"}
    smoke = chapter.expectation_checks(_summary(rows), n_ref=5000, profile="smoke")
    assert set(smoke.table.verdict) == {"not comparable"}


def test_mean_abs_is_nan_when_a_task_was_refused():
    rows = [
        _row("KSG", "a", "gaussian dense", 1000, 0.2),
        _row("KSG", "b", "gaussian dense", 1000, 0.0, status="refused: x"),
    ]
    s = _summary(rows)
    assert math.isnan(chapter.mean_abs(s, "KSG", s.family == "gaussian dense", 1000))
    assert chapter.mean_abs(s, "KSG", s.task == "a", 1000) == pytest.approx(0.2)
    assert math.isnan(chapter.mean_abs(s, "KL", s.task == "a", 1000))


def test_best_overall_keeps_estimators_that_ran_everywhere():
    rows = [
        _row("KSG", "a", "gaussian dense", 1000, 0.3),
        _row("KSG", "b", "student-t", 1000, 0.4),
        _row("KL", "a", "gaussian dense", 1000, 0.1),
        _row("KL", "b", "student-t", 1000, 0.1),
        _row("EDGE", "a", "gaussian dense", 1000, 0.01),
        _row("EDGE", "b", "student-t", 1000, 0.0, status="refused: no"),  # best, but refused one task
        _row("MINE", "c", "mi grid", 1000, 0.0),  # not a RECOMMEND_FAMILIES task
    ]
    best = chapter.best_overall(_summary(rows), 1000)
    assert list(best.index) == ["KL", "KSG"]
    assert best["KSG"] == pytest.approx(math.sqrt((0.09 + 0.16) / 2))


def test_ksg_high_mi():
    rows = [
        _row("KSG", "grid 6", "mi grid", 1000, -2.0, true=6.0),
        _row("KSG", "grid 8", "mi grid", 1000, -4.0, true=8.0),
        _row("KSG", "grid 2", "mi grid", 1000, 0.0, true=2.0),
    ]
    assert chapter.ksg_high_mi(_summary(rows), 1000) == "-3.00"
    assert chapter.ksg_high_mi(_summary(rows), 5000) == "not run"


def test_heat_tables_order_and_refusals():
    rows = [
        _row("KL", "t2", "gaussian dense", 1000, 0.2),
        _row("KSG", "t1", "gaussian dense", 1000, 0.1),
        _row("KSG", "t2", "gaussian dense", 1000, 0.0, status="refused: weights"),
        _row("KSG", "t1", "gaussian dense", 500, 9.0),  # another N: left out
    ]
    tasks = [SimpleNamespace(name="t1"), SimpleNamespace(name="t2"), SimpleNamespace(name="absent")]
    ests = [SimpleNamespace(name="KSG"), SimpleNamespace(name="KL")]
    bias, rmse, refused = chapter.heat_tables(_summary(rows), tasks, ests, 1000)
    assert list(bias.index) == ["KSG", "KL"] and list(bias.columns) == ["t1", "t2"]
    assert bias.loc["KSG", "t1"] == pytest.approx(0.1) and np.isnan(bias.loc["KSG", "t2"])
    assert np.isnan(bias.loc["KL", "t1"]) and rmse.loc["KL", "t2"] == pytest.approx(0.2)
    assert refused.to_numpy().tolist() == [[False, True], [False, False]]
    assert refused.dtypes.eq(bool).all()


def test_heatmap_marks_refusals():
    plt = pytest.importorskip("matplotlib.pyplot")

    table = pd.DataFrame([[0.5, np.nan], [np.nan, -0.2]], index=["a", "b"], columns=["x", "y"])
    mask = pd.DataFrame([[False, True], [False, False]], index=table.index, columns=table.columns)
    fig = chapter.heatmap(table, mask, "t", vmax=1.0)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["-0.20", "0.50", "R"]
    plt.close(fig)


def test_error_by_n_counts_refusals_and_skips_other_families():
    rows = [
        _row("KSG", "a", "gaussian dense", 1000, 0.2, time_s=1.0),
        _row("KSG", "b", "uniform+noise", 1000, -0.4, time_s=3.0),
        _row("KSG", "c", "mi grid", 1000, 0.0, status="refused: x", time_s=2.0),
        _row("KSG", "d", "layer", 1000, 5.0, kind="layer"),
    ]
    by_n = chapter.error_by_n(_summary(rows))
    assert by_n.to_dict("records") == [
        {
            "estimator": "KSG",
            "n": 1000,
            "mean_abs": pytest.approx(0.3),
            "refused": 1,
            "time_s": pytest.approx(2.0),
        }
    ]


def test_special_tasks_and_pair_estimators():
    ests = [
        SimpleNamespace(name="KSG", kinds=("pairs",)),
        SimpleNamespace(name="KDE upper", kinds=("layer",)),
    ]
    assert chapter.pair_estimators(ests) == ["KSG"]
    rows = [
        _row("KSG", "layer 5", "layer", 1000, 0.1, kind="layer"),
        _row("KDE upper", "layer 5", "layer", 1000, 0.12345, kind="layer"),
        _row("KDE upper", "dense", "gaussian dense", 1000, 0.1),
    ]
    special = chapter.special_tasks(_summary(rows), ["KSG"])
    assert list(special.estimator) == ["KDE upper"] and list(special.task) == ["layer 5"]
    assert special.bias.iloc[0] == 0.123
    assert list(special.columns) == ["task", "estimator", "settings", "n", "true", "estimate", "bias", "rmse"]


def test_wkl_norms_and_refusals():
    norms = chapter.wkl_norms([5, 20], joint=[2, 16])
    assert list(norms.columns) == ["k=5", "k=20"] and list(norms.index) == [2, 16]
    refusals = chapter.wkl_refusals([5, 20])
    assert refusals == {5: 16, 20: 17}
    assert norms.loc[16, "k=5"] > 1000 >= norms.loc[2, "k=5"]


def test_recommendation_view_renames():
    rec = pd.DataFrame(
        [
            dict(
                d=1,
                n=1000,
                estimator="KSG",
                settings="k=5",
                rmse=0.1,
                bias=0.0,
                runner_up="KL",
                runner_up_rmse=0.2,
                tasks=3,
                extra="dropped",
            )
        ]
    )
    view = chapter.recommendation_view(rec)
    assert list(view.columns) == [
        "width d",
        "N",
        "estimator",
        "settings",
        "expected RMSE (nats)",
        "mean bias (nats)",
        "runner_up",
        "runner-up RMSE",
        "tasks",
    ]


def test_reference_n_and_finite_or_refused():
    assert chapter.reference_n("MINE", 1000, [500, 5000]) == 5000
    assert chapter.reference_n("KSG", 1000, [500, 5000]) == 1000
    ok = pd.DataFrame({"estimate": [1.0, np.nan], "status": ["ok", "refused: x"]})
    assert chapter.finite_or_refused(ok) is True
    bad = pd.DataFrame({"estimate": [np.inf], "status": ["ok"]})
    assert chapter.finite_or_refused(bad) is False


def test_task_table_and_describe_run():
    task = SimpleNamespace(
        name="t", family="f", kind="pairs", dim_x=2, dim_y=3, sample=lambda n, seed: ((), 0.5 + seed)
    )
    table = chapter.task_table([task], seed=1)
    assert table.to_dict("records") == [
        {"task": "t", "family": "f", "kind": "pairs", "dims": "2+3", "true MI (nats)": 1.5}
    ]
    run = chapter.SuiteRun(pd.DataFrame({"a": range(7)}), pd.DataFrame(), 3.6, n_tasks=2, n_estimators=4)
    assert (
        chapter.describe_run(run, "cpu")
        == "7 estimates of 2 tasks x 4 estimators (where defined) x seeds x N in 4 s on cpu"
    )


def test_tasks_and_estimators_of_the_smoke_profile():
    settings = _settings("smoke")
    names = [t.name for t in chapter.tasks(settings)]
    assert len(names) == len(set(names)) > 0
    ests = [e.name for e in chapter.estimators(settings)]
    assert {"KSG", "MINE", "WKL k=5", "WKL k=20", "Renyi"} <= set(ests)


def test_glue_values():
    rows = [
        _row("KSG", "gaussian dense 1+1", "gaussian dense", 1000, -0.1),
        _row("KL", "gaussian dense 1+1", "gaussian dense", 1000, 0.05),
    ]
    run = chapter.SuiteRun(pd.DataFrame({"a": range(5)}), _summary(rows), 12.4, n_tasks=1, n_estimators=2)
    values = chapter.glue_values(_settings("smoke"), run)
    assert values == {
        "run_profile": "smoke",
        "n_estimates": "5",
        "run_s": "12",
        "wkl_refuse_5": "16",
        "wkl_refuse_20": "17",
        "ksg_small_grid": "0.10",
        "check_0": "0.100",
        "verdict_0": "not comparable",
        "check_1": "not run",
        "verdict_1": "not comparable",
        "check_2": "not run",
        "verdict_2": "not comparable",
        "mine_iter": "100",
        "best_overall": "KL (RMSE 0.05 nats)",
        "ksg_high_mi": "not run",
    }
    assert list(values)[:3] == ["run_profile", "n_estimates", "run_s"]
