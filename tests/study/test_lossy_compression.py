"""The rules and glue of chapter 3 (ibcore.study.chapters.lossy_compression) on small synthetic inputs.

No training and no estimation: each test builds the frames the page's experiments would return
(estimates against a known truth, phase tables, ablation planes) with answers known by
construction, and checks the chapter's verdict inputs, verdicts, scorecard rows and glued values.
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.phases import jitter
from ibcore.estimators.knn import wkl_weights
from ibcore.interface import IXL, IYL
from ibcore.study.chapters import lossy_compression as ch
from ibcore.study.profiles import Settings
from ibcore.training import TrainConfig

NB = "03_lossy_compression"
ROOT = Path(__file__).resolve().parents[2]


def _settings(profile="default", **params):
    return Settings(
        notebook=NB, profile=profile, params={**ch.PROFILE[profile], **params}, seed=0, device="cpu"
    )


# ---------------------------------------------------------------- synthetic estimates, known errors

GRID = [0.0, 5.0, 10.0]
# (task, method) -> constant error (estimate - truth) at every grid point and seed
ERRORS = {
    ("bumps", "WKL on AE codes"): 0.5,  # RMSE 0.5 <= 1: tracks; |bias| 0.5
    ("bumps", "KL on AE codes"): -2.0,  # |bias| 2 > 0.5: offset
    ("bumps", "WKL on PCA codes"): 1.0,  # worse than AE
    ("bumps", "KSG on raw images"): 3.0,  # raw worse than WKL: beats
    ("bumps", "MINE on raw images"): 4.0,
    ("rectangles", "WKL on AE codes"): 2.0,  # RMSE 2 > 1: does not track
    ("rectangles", "KL on AE codes"): 1.0,  # |bias| 1 < 2: no offset
    ("rectangles", "WKL on PCA codes"): 3.0,  # worse than AE
    ("rectangles", "KSG on raw images"): 1.5,  # raw better than WKL: does not beat
    ("rectangles", "MINE on raw images"): np.nan,  # every MINE fit diverged
}


def _bench(errors=ERRORS, seeds=(0, 1)):
    rows = []
    for (task, method), err in errors.items():
        raw = method.endswith("raw images")
        for seed in seeds[:1] if raw else seeds:
            for true in GRID:
                rows.append(
                    {"task": task, "method": method, "true": true, "seed": seed, "estimate": true + err}
                )
    return pd.DataFrame(rows)


def test_accuracy_table_has_the_known_bias_and_rmse():
    acc, table = ch.accuracy(_bench())
    a = acc.set_index(["task", "method"])
    assert a.loc[("bumps", "KL on AE codes"), "bias"] == pytest.approx(-2.0)
    assert a.loc[("rectangles", "WKL on AE codes"), "RMSE"] == pytest.approx(2.0)
    assert list(table.index) == ch.SHOW
    assert np.isnan(table.loc["KSG on AE codes", ("bias", "bumps")])  # not in the bench


def test_synthetic_claims_decide_each_task():
    acc, _ = ch.accuracy(_bench())
    syn = ch.synthetic_claims(acc, _bench(), top=10.0, raw_grid=GRID, first_seed=0)
    assert syn["tracks"] == {"bumps": True, "rectangles": False}
    assert syn["beats"] == {"bumps": True, "rectangles": False}
    assert syn["offset"] == {"bumps": True, "rectangles": False}
    key = syn["key"]
    assert key.loc["bumps", "KSG raw RMSE (raw grid)"] == pytest.approx(3.0)
    assert np.isnan(key.loc["rectangles", "MINE raw RMSE (raw grid)"])  # all missing: dropped


def test_beats_needs_a_smaller_rmse_than_every_raw_baseline():
    errors = {**ERRORS, ("bumps", "MINE on raw images"): 0.1}  # MINE better than WKL (0.5)
    bench = _bench(errors)
    acc, _ = ch.accuracy(bench)
    syn = ch.synthetic_claims(acc, bench, top=10.0, raw_grid=GRID, first_seed=0)
    assert syn["beats"]["bumps"] is False


def test_beats_is_read_on_the_raw_grid_and_first_seed_only():
    bench = _bench()
    # WKL far off at 10 nats, seed 1 only: outside the comparison (seed 0 only) -> still beats
    bench.loc[(bench["method"] == "WKL on AE codes") & (bench["seed"] == 1), "estimate"] += 50
    acc, _ = ch.accuracy(bench)
    syn = ch.synthetic_claims(acc, bench, top=10.0, raw_grid=GRID, first_seed=0)
    assert syn["beats"]["bumps"] is True
    assert syn["tracks"]["bumps"] is False  # the RMSE over all seeds sees it


def test_pca_word():
    acc, _ = ch.accuracy(_bench())
    rmse = acc.set_index(["task", "method"])["RMSE"]
    assert ch.pca_word(rmse) == "did worse than the autoencoder's in both tasks"
    rmse[("bumps", "WKL on PCA codes")] = 0.1
    assert ch.pca_word(rmse) == "were not worse than the autoencoder's in every task"


# ---------------------------------------------------------------- WKL weights


def test_weight_norms_are_nan_where_wkl_is_undefined():
    t = ch.weight_norms(ks=(1, 10, 5), dims=(2, 20, 24))
    assert list(t.columns) == ["k=1", "k=5", "k=10"]
    assert t.loc[2, "k=1"] == pytest.approx(1.0)  # one weight, summing to 1
    assert np.isnan(t.loc[24, "k=5"])  # 5 <= 24 // 4
    assert np.isnan(t.loc[20, "k=5"])  # 5 <= 20 // 4: the boundary
    assert np.isfinite(t.loc[20, "k=10"])
    assert t.loc[24, "k=10"] == pytest.approx(np.linalg.norm(wkl_weights(10, 24)))


def test_k_for_picks_the_smallest_norm_among_defined_k():
    for d in (2, 8, 12, 16):
        best = ch.k_for(d)
        valid = [k for k in ch.KS if k > d // 4]
        assert best in valid
        assert np.linalg.norm(wkl_weights(best, d)) == pytest.approx(
            min(np.linalg.norm(wkl_weights(k, d)) for k in valid)
        )
    assert ch.k_for(4, ks=(1, 5)) == 5  # k = 1 is undefined in 4 dimensions
    with pytest.raises(ValueError, match="no k"):
        ch.k_for(40, ks=(5, 10))


# ---------------------------------------------------------------- MNIST: drops, phases, claims


def test_drop_epochs_reads_the_recorded_loss():
    loss = {0: np.array([2.3, 2.2, 0.9, 0.8, 0.7]), 1: np.array([2.0, 1.0, 0.9])}
    assert ch.drop_epochs(loss) == {0: 1.5, 1: 0.5}


def _plane(curves):
    rows = []
    for (seed, layer), values in curves.items():
        for e, v in enumerate(values):
            rows.append({"seed": seed, "layer": layer, "epoch": e, IXL: float(v), IYL: 0.0})
    return pd.DataFrame(rows)


def test_phase_table_finds_rise_fall_rise_above_the_floor():
    e = np.arange(40)
    up_down_up = np.concatenate([np.linspace(0, 2, 10), np.linspace(2, 0.5, 15), np.linspace(0.5, 3, 15)])
    flat = np.full(40, 1.0) + 1e-4 * np.sin(e)  # moves far less than the floor
    pt = ch.phase_table(_plane({(0, "a"): up_down_up, (0, "b"): flat, (1, "a"): [0.0, 1.0]}))
    assert list(pt.columns) == ["seed", "layer", "kind", "start", "end", "change", "threshold"]
    a = pt[(pt["seed"] == 0) & (pt["layer"] == "a")]
    assert list(a["kind"]) == ["fitting", "compression", "fitting"]
    assert (a["threshold"] >= ch.PHASE_FLOOR).all()
    assert pt[pt["layer"] == "b"].empty  # below the floor: no phase
    assert pt[pt["seed"] == 1].empty  # two epochs: no phase
    with pytest.raises(ValueError, match="lacks columns"):
        ch.phase_table(pd.DataFrame({"seed": [0], "layer": ["a"]}))


def test_phase_threshold_is_twice_the_scatter_when_it_exceeds_the_floor():
    rng = np.random.default_rng(0)
    noisy = np.linspace(0, 5, 30) + rng.normal(0, 0.2, 30)
    pt = ch.phase_table(_plane({(0, "a"): noisy}), floor=0.01)
    assert list(pt["kind"]) == ["fitting"]
    assert pt["threshold"].iloc[0] == pytest.approx(2 * jitter(noisy, window=ch.WINDOW))
    assert pt["threshold"].iloc[0] > 0.01


PHASES = pd.DataFrame(
    [
        # seed 0, conv1: fitting, compression [2, 5], fitting -> several phases
        (0, "conv1", "fitting", 0, 2),
        (0, "conv1", "compression", 2, 5),
        (0, "conv1", "fitting", 5, 8),
        # seed 0, dense: only fitting -> one phase, no compression
        (0, "dense", "fitting", 0, 8),
        # seed 1, conv1: compression [6, 7] long after the drop
        (1, "conv1", "fitting", 0, 6),
        (1, "conv1", "compression", 6, 7),
        # seed 1, dense: compression [1, 3], then again [4, 5]
        (1, "dense", "compression", 1, 3),
        (1, "dense", "fitting", 3, 4),
        (1, "dense", "compression", 4, 5),
    ],
    columns=["seed", "layer", "kind", "start", "end"],
).assign(change=0.0, threshold=0.05)
DROPS = {0: 0.5, 1: 2.5}


def test_mnist_claims_count_phases_and_coincidences():
    mn = ch.mnist_claims(PHASES, DROPS, ["conv1", "dense"], [0, 1])
    assert mn["n_cases"] == 4
    assert mn["n_phase"] == 2  # seed 0 conv1, seed 1 dense
    assert mn["first_comp"] == {(0, "conv1"): (2.0, 5.0), (1, "conv1"): (6.0, 7.0), (1, "dense"): (1.0, 3.0)}
    # seed 0 conv1: 2 - 2 <= 0.5 <= 5 yes; seed 1 conv1: 4 <= 2.5 no; seed 1 dense: -1 <= 2.5 <= 3 yes
    assert mn["n_coinc"] == 2


def test_coincidence_allows_two_epochs_before_the_start_only():
    one = PHASES[(PHASES["seed"] == 0) & (PHASES["layer"] == "conv1")]
    assert ch.mnist_claims(one, {0: 0.0}, ["conv1"], [0])["n_coinc"] == 1  # start 2, drop 0: lead 2
    assert ch.mnist_claims(one, {0: -0.5}, ["conv1"], [0])["n_coinc"] == 0  # lead 2.5
    assert ch.mnist_claims(one, {0: 5.5}, ["conv1"], [0])["n_coinc"] == 0  # after the end


def test_sentences_on_the_first_compressions():
    fc = {(0, "conv1"): (2.0, 5.0), (1, "conv1"): (6.0, 7.0)}
    assert ch.agree_sentence(fc, ["conv1", "dense"], 2) == "The seeds agree on which layers compress"
    assert ch.agree_sentence(fc, ["conv1", "dense"], 3) == "The seeds do not agree on which layers compress"
    assert ch.drop_sentence(fc, {0: -0.5, 1: 1.0}) == "the loss fell fastest before any compression began"
    assert ch.drop_sentence(fc, {0: 0.0, 1: 1.0}).startswith("the fastest loss drop fell near")
    assert ch.first_comp_text(fc) == "seed 0 conv1: 2-5; seed 1 conv1: 6-7"
    assert ch.first_comp_text({}) == "none"


# ---------------------------------------------------------------- ablation


def test_ablation_epochs_spreads_points_over_the_recorded_epochs():
    assert list(ch.ablation_epochs(np.repeat(np.arange(11), 3), 3)) == [0, 5, 10]
    assert list(ch.ablation_epochs([4, 0, 2], 6)) == [0, 2, 4]  # more points than epochs
    assert list(ch.ablation_epochs(range(5), 1)) == [0]
    with pytest.raises(ValueError):
        ch.ablation_epochs(range(5), 0)


def test_ablation_steps_count_moves_of_the_same_sign():
    both = pd.DataFrame(
        {
            "layer": ["a", "a", "a", "b", "b"],
            "epoch": [0, 5, 10, 0, 5],
            IXL + " PCA": [1.0, 2.0, 1.0, 0.0, 1.0],
            IXL + " AE": [1.0, 3.0, 2.0, 0.0, -1.0],
        }
    )
    out, moves, same = ch.ablation_steps(both)
    assert len(moves) == 3 and same == 2
    assert list(out["change AE"].dropna()) == [2.0, -1.0, -1.0]
    assert "change PCA" not in both.columns  # the input is left as it was


# ---------------------------------------------------------------- verdicts, scorecard, glue


def _fakes(profile="default"):
    settings = _settings(profile, cnn_seeds=[0, 1], seeds=[0, 1], mi_grid=GRID, raw_grid=GRID)
    bench = _bench()
    synth = ch.Synthetic(bench, [False, True, False], 1.0)
    acc, _ = ch.accuracy(bench)
    plane = _plane(
        {(s, layer): np.linspace(0, 1, 9) + s for s in (0, 1) for layer in ("conv1", "dense")}
    ).assign(**{"code error": 0.2})
    pl = ch.Plane(plane, ["conv1", "dense"], {0: np.ones(9), 1: np.ones(9)}, DROPS, PHASES, 2.0)
    sweeps = ch.Sweeps(
        None,
        None,
        pd.DataFrame({"RMSE": [0.5, 0.25]}, index=["k=5", "k=10"]),
        pd.DataFrame({"bias": [-1.0, 0.5]}, index=pd.Index([1, 2], name="code dim")),
        [1, 2, 6],
        3.0,
    )
    mnist = ch.Mnist([], SimpleNamespace(val_error=0.1234), 0.1, 0.3, {0: 0.9, 1: 0.95}, "2 runs", "", 4.0)
    first = plane[plane["seed"] == 0]
    unwhite = first.assign(**{IXL: first[IXL] - 1.0})
    table = pd.DataFrame({"code error PCA": [0.3, 0.5], "code error AE": [0.1, 0.2]})
    abl = ch.Ablation(np.array([0, 8]), first, first, first.iloc[:3], 2, table, first, unwhite, 5.0)
    return settings, acc, synth, sweeps, mnist, pl, abl


def test_evaluate_claims_verdicts():
    settings, acc, synth, _, _, pl, _ = _fakes()
    claims = ch.evaluate_claims(settings, acc, synth, pl)
    assert claims.verdicts == {
        "v_track": "partly",
        "v_beats": "partly",
        "v_offset": "partly",
        "v_phase": "partly",  # 2 of 4
        "v_coinc": "partly",  # 2 of 3
    }
    smoke = ch.evaluate_claims(_settings("smoke", mi_grid=GRID, raw_grid=GRID), acc, synth, pl)
    assert set(smoke.verdicts.values()) == {"not comparable"}


def test_coincidence_not_comparable_without_compression_or_a_finite_drop():
    settings, acc, synth, _, _, pl, _ = _fakes()
    pl.phases = PHASES[PHASES["kind"] == "fitting"]
    assert ch.evaluate_claims(settings, acc, synth, pl).verdicts["v_coinc"] == "not comparable"
    pl.phases, pl.drop_epoch = PHASES, {0: 0.5, 1: np.nan}
    assert ch.evaluate_claims(settings, acc, synth, pl).verdicts["v_coinc"] == "not comparable"


def test_record_claims_writes_five_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    settings, acc, synth, _, _, pl, _ = _fakes()
    card = ch.record_claims(NB, settings, ch.evaluate_claims(settings, acc, synth, pl))
    assert len(card) == 5 and set(card["paper"]) == {ch.PAPER_KEY}
    rows = json.loads((tmp_path / "default" / f"{NB}.json").read_text())
    assert [r["verdict"] for r in rows] == ["partly"] * 5
    assert rows[0]["our value"].startswith("RMSE bumps 0.50, rectangles 2.00 nats; tracks (<= 1) in 1 of 2")
    assert "in 2 of 3 compressing (seed, layer) curves" in rows[4]["our value"]


def test_glue_values_cover_every_glue_name_of_the_page():
    settings, acc, synth, sweeps, mnist, pl, abl = _fakes()
    claims = ch.evaluate_claims(settings, acc, synth, pl)
    values = {**ch.glue_values(settings, claims, synth, sweeps, mnist, pl, abl)}
    values.update(ch.timing_values(synth, mnist, pl, abl))
    nb = json.loads((ROOT / "notebooks" / f"{NB}.ipynb").read_text())
    md = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue:text\}`(\w+)", md))
    assert used and used <= set(values)
    assert values["n_mine_div"] == 1 and values["n_mine"] == 3
    assert values["big_dim"] == 6 and values["big_k"] == ch.k_for(12)
    assert values["dim_bias"] == "1: -1.00, 2: +0.50"
    assert values["k_rmse"] == "k=5 0.50, k=10 0.25"
    assert values["unwhite_neg"] == 16 and values["white_diff"] == "1.00"
    assert values["err_pca"] == "0.40" and values["x_err"] == "0.123"
    assert values["thresholds"] == "0.05-0.05"
    assert values["comp_by_layer"] == "conv1 2 of 2, dense 1 of 2"
    assert values["t_grid"] == "1" and values["train_note"] == "2 runs"


# ---------------------------------------------------------------- the run cache's key


def test_cnn_config_is_the_pages_training_configuration():
    settings = _settings("smoke")
    expected = TrainConfig(
        model={"kind": "mnist_cnn", "noise_std": 1e-3, "noise_mode": "multiplicative", "dropout": 0.1},
        optimizer="adam",
        lr=1e-3,
        batch_size=256,
        n_epochs=3,
        schedule="all",
    )
    assert ch.cnn_config(settings) == expected


def test_cost_table_and_summaries():
    comps = {
        t: {"AE": SimpleNamespace(wall_time_s=2.0), "PCA": SimpleNamespace(wall_time_s=0.5)} for t in ch.TASKS
    }
    bench = pd.DataFrame({"method": ["WKL on AE codes", "WKL on AE codes"], "seconds": [1.0, 3.0]})
    cost = ch.cost_table(comps, bench)["seconds"]
    assert cost["fit AE (bumps)"] == 2.0 and cost["one estimate: WKL on AE codes"] == 2.0
    assert np.isnan(cost["one estimate: MINE on raw images"])
    assert (
        ch.Synthetic(bench, [True, False], 12.3).summary()
        == "2 estimates in 12 s; MINE fits diverged: 1 of 2"
    )
