"""ibcore.evaluation.suite: the estimator-accuracy benchmark of appendix A2.

Tasks, runs, summaries, recommend."""

import math

import numpy as np
import pandas as pd
import pytest

from ibcore.evaluation import suite
from ibcore.evaluation.suite import EstimatorSpec, Task

SMALL = dict(
    dims=[1, 8],
    mi_grid=[1.0],
    grid_dims=[1],
    map_dims=[2],
    student_dims=[1],
    layer_widths=[2],
    renyi_dims=[1],
)


def test_task_suite_covers_every_family_with_unique_names_and_finite_truths():
    tasks = suite.task_suite(**SMALL)
    names = [t.name for t in tasks]
    assert len(names) == len(set(names))
    assert {t.kind for t in tasks} == set(suite.KINDS)
    assert {t.family for t in tasks} >= {
        "gaussian dense",
        "gaussian sparse",
        "mi grid",
        "invertible map",
        "student-t",
        "uniform+noise",
        "layer",
        "discrete",
        "renyi",
    }
    for t in tasks:
        data, true = t.sample(50, 0)
        assert math.isfinite(true) and true > 0, t.name
        assert all(len(v) == 50 for v in data if isinstance(v, np.ndarray)), t.name
    # the spiral needs 2 dimensions: no spiral task at d = 1
    assert not [t for t in suite.task_suite(**{**SMALL, "map_dims": [1]}) if t.name.startswith("spiral")]


def _const(value):
    return EstimatorSpec("const", "returns a constant", suite.PAIRWISE_KINDS, lambda data, kind, seed: value)


def test_run_scores_only_where_defined_and_refusals_are_not_numbers():
    tasks = suite.task_suite(**SMALL)
    ests = [e for e in suite.estimator_suite(mine_iter=20, wkl_ks=[5]) if e.name != "MINE"]
    res = suite.run(tasks, ests, ns=[300], seeds=[0], progress=False)
    kinds = {e.name: e.kinds for e in ests}
    assert all(k in kinds[e] for e, k in zip(res.estimator, res.kind, strict=True))
    assert set(res[res.kind == "layer"].estimator) >= {"KDE upper", "KDE lower", "KSG"}
    assert set(res[res.kind == "decision"].estimator) == {"decision rule"}
    # WKL k=5 on the 8+8 tasks: joint dimension 16, weights of norm 1.7e4 -> refused, value NaN
    wkl16 = res[(res.estimator == "WKL k=5") & (res.dim_x == 8)]
    assert len(wkl16) and wkl16.status.str.startswith("refused").all() and wkl16.estimate.isna().all()
    ok = res[~res.status.str.startswith("refused")]
    assert np.isfinite(ok.estimate).all()
    assert np.allclose(ok.error, ok.estimate - ok.true)
    # the aligned bins recover the discrete layer's cells: binning's I(X;L) is the plug-in entropy,
    # below the truth by the plug-in bias only (64 cells, N = 300: bias ~ -(63)/(2*300) = -0.1)
    b = res[(res.estimator == "binning (task's bins)") & (res.kind == "binning-x")]
    assert -0.3 < float(b.error.iloc[0]) < 0.0


def test_run_only_gives_an_estimator_its_own_ns_and_seeds():
    tasks = suite.task_suite(
        dims=[1],
        mi_grid=[],
        grid_dims=[],
        map_dims=[],
        student_dims=[],
        layer_widths=[],
        renyi_dims=[],
        discrete=False,
    )
    res = suite.run(
        tasks,
        [_const(1.0)],
        ns=[100, 200],
        seeds=[0, 1],
        only={"const": {"ns": [400], "seeds": [1]}},
        progress=False,
    )
    assert set(res.n) == {400} and set(res.seed) == {1}
    with pytest.raises(ValueError, match="unknown estimator"):
        suite.run(tasks, [_const(1.0)], ns=[100], seeds=[0], only={"nope": {}}, progress=False)


def test_summarize_bias_and_rmse_by_hand():
    tasks = [
        Task(
            "t", "gaussian dense", "pairs", 1, 1, lambda n, s: ((np.zeros((n, 1)), np.zeros((n, 1))), 0.5 + s)
        )
    ]
    res = suite.run(tasks, [_const(1.0)], ns=[10], seeds=[0, 1, 2], progress=False)
    s = suite.summarize(res).iloc[0]
    errors = np.array([0.5, -0.5, -1.5])  # 1 - (0.5, 1.5, 2.5)
    assert s.bias == pytest.approx(errors.mean())
    assert s.rmse == pytest.approx(math.sqrt(np.mean(errors**2)))
    assert s.mean_abs == pytest.approx(np.mean(np.abs(errors)))
    assert s.seeds == 3 and s.status == "ok"


def test_summarize_marks_a_cell_refused_when_any_seed_was():
    def flaky(data, kind, seed):
        if seed == 1:
            raise ValueError("no")
        return 1.0

    tasks = [
        Task("t", "gaussian dense", "pairs", 1, 1, lambda n, s: ((np.zeros((n, 1)), np.zeros((n, 1))), 0.0))
    ]
    res = suite.run(tasks, [EstimatorSpec("f", "", ("pairs",), flaky)], ns=[10], seeds=[0, 1], progress=False)
    s = suite.summarize(res).iloc[0]
    assert s.status.startswith("refused") and math.isnan(s.rmse)


def _summary(rows):
    cols = ["estimator", "settings", "task", "family", "kind", "dim_x", "dim_y", "n", "rmse", "bias"]
    return pd.DataFrame(rows, columns=cols)


def test_recommend_picks_least_rmse_among_estimators_that_ran_everywhere():
    rows = []
    for d in (1, 5, 25):
        for task in ("a", "b"):
            name = f"{task}{d}"
            rows.append(["KSG", "k=5", name, "gaussian dense", "pairs", d, d, 1000, 0.1 * d, -0.1 * d])
            rows.append(["MINE", "it", name, "gaussian dense", "pairs", d, d, 1000, 0.5, -0.5])
            # WKL is best where it runs but refused on one task at d = 25
            wkl = math.nan if (d == 25 and task == "a") else 0.01
            rows.append(["WKL", "k=5", name, "gaussian dense", "pairs", d, d, 1000, wkl, 0.0])
    s = _summary(rows)
    r = suite.recommend(1, 1000, s)
    assert (r["estimator"], r["measured_d"], r["tasks"]) == ("WKL", 1, 2)
    r = suite.recommend(3, 5000, s)  # nearest measured d >= 3 is 5; largest measured N <= 5000 is 1000
    assert (r["estimator"], r["measured_d"], r["measured_n"]) == ("WKL", 5, 1000)
    r = suite.recommend(25, 1000, s)  # WKL refused on one task: not offered; MINE 0.5 < KSG 2.5
    assert r["estimator"] == "MINE" and r["rmse"] == pytest.approx(0.5) and r["runner_up"] == "KSG"
    r = suite.recommend(100, 1000, s)  # beyond the table: the largest d, flagged
    assert r["extrapolated"] and r["measured_d"] == 25
    table = suite.recommendation_table(s)
    assert len(table) == 3 and list(table.d) == [1, 5, 25]
    with pytest.raises(ValueError, match="need d >= 1"):
        suite.recommend(0, 1000, s)


def test_recommend_none_when_nothing_ran():
    s = _summary([["KSG", "", "a", "gaussian dense", "pairs", 2, 2, 100, math.nan, math.nan]])
    r = suite.recommend(2, 100, s)
    assert r["estimator"] is None and math.isnan(r["rmse"])


def test_wkl_first_refused_dim_matches_the_weights():
    from ibcore.estimators import wkl_weight_norm

    d5 = suite.wkl_first_refused_dim(5)
    assert d5 == 16  # norms at k=5: 553 at d=14, 1.7e4 at d=16
    assert wkl_weight_norm(5, d5) > 1000 >= max(wkl_weight_norm(5, d) for d in range(1, d5))
    assert suite.wkl_first_refused_dim(20) > d5


def test_estimator_suite_settings_are_stated():
    specs = suite.estimator_suite(mine_iter=123, wkl_ks=[5, 20])
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    assert {
        "KSG",
        "KL",
        "WKL k=5",
        "WKL k=20",
        "EDGE",
        "MINE",
        "KDE upper",
        "binning 4 bins",
        "Renyi",
    } <= set(names)
    assert all(s.settings for s in specs)
    assert "123 iter" in next(s.settings for s in specs if s.name == "MINE")
