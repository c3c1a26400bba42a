"""Tests of the appendix probes (A1 estimator speed, A2 estimator accuracy) on tiny settings."""

import os

import numpy as np
import pytest

from ibcore.study.chapters import estimator_accuracy as accuracy
from ibcore.study.probes.estimator_accuracy import estimator_accuracy_probe, suite_calls
from ibcore.study.probes.estimator_speed import estimator_speed_probe, times_by_size
from ibcore.study.profiles import setup


@pytest.fixture(autouse=True)
def _no_record(monkeypatch):
    monkeypatch.delenv("IBSTUDY_RECORD_DIR", raising=False)


def test_times_by_size_times_up_to_max_n_and_projects_above_with_the_measured_exponent():
    timed = []

    def unit(n):
        timed.append(n)
        return 1e-6 * n**2

    sec, b = times_by_size(unit, [100, 200, 800], 200)
    assert timed == [100, 200] and b == pytest.approx(2.0)
    assert sec[800] == pytest.approx(1e-6 * 800**2)
    timed.clear()
    sec, b = times_by_size(unit, [1000], 400)  # one size above: max_n // 2 and max_n give the exponent
    assert timed == [200, 400] and sec[1000] == pytest.approx(1.0) and list(sec) == [1000]
    assert times_by_size(unit, [10, 20], 400)[1] is None
    with pytest.raises(ValueError, match="max_n must be an int >= 2"):
        times_by_size(unit, [10], 1)


def test_estimator_speed_probe_projects_every_measurement_of_the_page(monkeypatch):
    if not os.environ.get("IBCORE_DATA_MIRROR"):
        pytest.skip("the probe trains on the SZT data: set IBCORE_DATA_MIRROR (make test does)")
    from ibcore import data

    full = data.load_szt
    # every 8th of the 4096 inputs: the probe's units in a few seconds, its counts unchanged
    monkeypatch.setattr(data, "load_szt", lambda **kw: full(**kw).select(np.arange(0, 4096, 8)))
    settings = setup(
        "A1_estimator_speed",
        "smoke",
        quiet=True,
        kde_sizes=[64, 128],
        ksg_sizes=[200, 400, 800],
        ksg_dims=[1],
        renyi_sizes=[32, 64],
        run_epochs=50,
        anchor_samples=1,
    )
    with pytest.raises(ValueError, match="two increasing"):
        estimator_speed_probe(settings, epochs=(4, 2))
    with pytest.raises(ValueError, match="plane_epochs"):
        estimator_speed_probe(settings, epochs=(1, 2), plane_epochs=(2, 8))  # 2 epochs record 3
    with pytest.raises(ValueError, match="plane_epochs must be two increasing"):
        estimator_speed_probe(settings, plane_epochs=(3, 3))
    with pytest.raises(ValueError, match="ksg_max_n"):
        estimator_speed_probe(settings, ksg_max_n=0)
    with pytest.raises(ValueError, match="repeats"):
        estimator_speed_probe(settings, repeats=0)
    parts = estimator_speed_probe(settings, epochs=(1, 2), plane_epochs=(1, 2), ksg_max_n=400, repeats=1)
    names = [p for p, _ in parts]
    assert [n.split(":")[0].split(" ")[0] for n in names] == [
        "KDE",
        "training",
        "KDE",
        "KSG",
        "Renyi",
        "parallel",
    ]
    assert "2 N x" in names[0] and "N = 64, 128" in names[0]
    assert "1 run x 50 epochs" in names[1]
    assert "6 layers x 27 recorded epochs + anchor 1 layer-epochs" in names[2]  # 50 epochs record 27
    assert "3 N x 1 d" in names[3] and "N > 400 from the measured growth" in names[3]
    assert "2 n x 6 layers x 6 epochs" in names[4]
    assert "3 estimators x 6 layers x 27 recorded epochs" in names[5]
    assert all(sec > 0 for _, sec in parts)


def _tiny_accuracy():
    return setup(
        "A2_estimator_accuracy",
        "smoke",
        quiet=True,
        dims=[1, 3],
        mi_grid=[1.0],
        grid_dims=[1],
        map_dims=[2],
        student_dims=[2],
        layer_widths=[2],
        renyi_dims=[1],
        ns=[100, 200, 400],
        seeds=[0, 1],
        mine_iter=100,
        mine_ns=[200],
        mine_seeds=[1],
        renyi_ns=[100],
        n_ref=200,
    )


def test_suite_calls_count_the_estimates_run_suite_makes():
    settings = _tiny_accuracy()
    tasks, ests = accuracy.tasks(settings), accuracy.estimators(settings)
    calls = suite_calls(settings, tasks, ests)
    rows = accuracy.run_suite(settings, tasks, ests).results
    per_est = rows.groupby("estimator").size().to_dict()
    assert {e: sum(c for (name, _, _), c in calls.items() if name == e) for e in per_est} == per_est
    assert sum(calls.values()) == len(rows)
    assert {n for (name, _, n) in calls if name == "MINE"} == {200}


def test_estimator_accuracy_probe_projects_every_estimator_from_its_timed_calls():
    settings = _tiny_accuracy()
    with pytest.raises(ValueError, match="max_n"):
        estimator_accuracy_probe(settings, max_n=1)
    with pytest.raises(ValueError, match="mine_probe_iter"):
        estimator_accuracy_probe(settings, mine_probe_iter=0)
    with pytest.raises(ValueError, match="repeats"):
        estimator_accuracy_probe(settings, repeats=True)
    parts = dict(estimator_accuracy_probe(settings, max_n=200, mine_probe_iter=50, repeats=1))
    names = [e.name for e in accuracy.estimators(settings)]
    assert [p.split(":")[0] for p in parts] == names
    pair_tasks = sum(t.kind in ("pairs", "layer") for t in accuracy.tasks(settings))
    n_pairs = 3 * 2 * pair_tasks
    assert f"KSG: {pair_tasks} tasks x 2 seeds x 3 N = {n_pairs} estimates" in next(iter(parts))
    mine = next(p for p in parts if p.startswith("MINE"))
    assert f"{pair_tasks} tasks x 1 seeds x 1 N = {pair_tasks} fits of 100 iterations" in mine
    assert next(p for p in parts if p.startswith("Renyi")).startswith("Renyi: 1 tasks x 2 seeds x 1 N = 2 ")
    assert all(sec > 0 for sec in parts.values())
