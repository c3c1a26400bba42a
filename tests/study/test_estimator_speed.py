"""Appendix A1's page code (ibcore.study.chapters.estimator_speed) on small frames with known answers."""

import numpy as np
import pandas as pd
import pytest

from ibcore.study.chapters import estimator_speed as chapter

MACHINE = {"cpu": "AMD EPYC", "cpus": 2, "torch threads": 2, "gpu": "none", "load average (1 min)": 0.5}


def test_machine_note_and_glue():
    assert chapter.machine_note(MACHINE) == "AMD EPYC, 2 CPUs, GPU: none"
    values = chapter.glue_values(
        MACHINE,
        {"ratio": 52.6, "ours (s)": 2.9, "anchor projected (s)": 153.5},
        {"speedup": 1.25},
    )
    assert values == {
        "machine": "AMD EPYC (2 CPUs, 2 torch threads; GPU: none)",
        "kde_run_ratio": "53",
        "kde_run_ours": "3",
        "kde_run_anchor": "154",
        "par_speedup": "1.2",
    }


def test_ksg_settings_order():
    assert chapter.ksg_settings([1000, 3000], [1, 4]) == [(1000, 1), (3000, 1), (1000, 4), (3000, 4)]
    assert chapter.ksg_settings([10], []) == []


@pytest.mark.parametrize(
    ("diffs", "tol", "expected"),
    [([1e-7, 2e-6], 1e-5, True), ([1e-7, 2e-5], 1e-5, False), ([1e-5], 1e-5, False), ([np.nan], 1.0, False)],
)
def test_within(diffs, tol, expected):
    assert chapter.within(pd.DataFrame({"max |diff|": diffs}), "max |diff|", tol) is expected


def test_within_refuses_a_missing_column():
    with pytest.raises(ValueError, match="no column"):
        chapter.within(pd.DataFrame({"a": [0.0]}), "|diff|", 1e-9)


def test_renyi_ordered():
    ok = pd.DataFrame({"I(X;L)": [1.0, 2.0], "I(Y;L)": [0.5, 2.0 + 5e-7]})
    assert chapter.renyi_ordered(ok) is True
    bad = pd.DataFrame({"I(X;L)": [1.0, 2.0], "I(Y;L)": [0.5, 2.1]})
    assert chapter.renyi_ordered(bad) is False
    assert chapter.renyi_ordered(bad, tol=0.2) is True


def test_renyi_cost_projects_to_chapter_0s_run():
    cost = pd.DataFrame({"n": [64, 128], "s per layer-epoch": [0.01, 0.5]})
    out = chapter.renyi_cost(cost)
    assert out is cost
    assert chapter.CHAPTER0_LAYER_EPOCHS == 1272
    assert list(out["projected chapter-0 run (s)"]) == pytest.approx([12.72, 636.0])
    with pytest.raises(ValueError, match="s per layer-epoch"):
        chapter.renyi_cost(pd.DataFrame({"n": [64]}))


def test_tables_format_their_columns():
    pytest.importorskip("jinja2")
    kde = pd.DataFrame(
        {"N": [256], "ours (s)": [0.00123], "anchor (s)": [0.5], "ratio": [40.0], "max |diff|": [3e-7]}
    )
    html = chapter.kde_table(kde).to_html()
    assert "0.0012" in html and "40.0x" in html and "3.0e-07" in html
    run = {"ours (s)": 2.94, "anchor per layer-epoch (s)": 2.3, "anchor projected (s)": 153.4, "ratio": 52.2}
    html = chapter.kde_run_table({**run, "max |diff|": 1e-7}).to_html()
    assert "2.9" in html and "153" in html and "52.2x" in html
    par = {"sequential (s)": 3.0, "parallel (s)": 2.0, "speedup": 1.5, "max |diff|": 0.0}
    assert "1.50x" in chapter.parallel_table(par).to_html()
    assert "1.0000" in chapter.ksg_table(pd.DataFrame({"ours (s)": [1.0]})).to_html()
    assert "AMD EPYC" in chapter.machine_table(MACHINE).to_html()
    cost = chapter.renyi_cost(
        pd.DataFrame({"n": [64], "s per layer-epoch": [0.01], "projected run (s)": [0.66]})
    )
    html = chapter.renyi_cost_table(cost).to_html()
    assert "0.0100" in html and "0.7" in html and ">13<" in html  # 12.72 s projected, no decimals
