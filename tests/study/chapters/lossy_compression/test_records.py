"""The claim records of chapter 3 (lossy_compression.records) decided on inputs with known answers.

At the paper's settings (``ours=`` the records' own values: no deviation) the rules alone decide;
at the default profile the decisive deviations are named; at smoke every claim is "not
comparable"; :func:`our_settings` states every setting of every claim.
"""

import numpy as np
import pytest

from ibcore.study.chapters import lossy_compression as chapter
from ibcore.study.chapters.lossy_compression.mnist import Plane, phase_table
from ibcore.study.chapters.lossy_compression.synthetic import Synthetic, accuracy
from ibcore.study.claims import deviations

from . import fakes

#: The paper's value of every setting of every claim (the records agree where two claims share one).
PAPER = {name: s.value for claim in chapter.CLAIMS for name, s in claim.settings.items()}
LAYERS = ["conv1", "dense"]
SEEDS = [0, 1, 2]


def _settings(profile="default"):
    return fakes.settings(profile, seeds=SEEDS, cnn_seeds=SEEDS, mi_grid=fakes.GRID, raw_grid=fakes.GRID)


def _synth(errors):
    bench = fakes.bench(errors, seeds=tuple(SEEDS))
    return accuracy(bench)[0], Synthetic(bench, [False] * 3, 1.0, [True] * 3)


def _plane(curves, drops):
    """A Plane whose phases come from :func:`phase_table` on hand-made I(X;L) curves (layer -> curve)."""
    frame = fakes.plane({(s, layer): curves[layer][s] for s in SEEDS for layer in LAYERS})
    loss = {s: np.ones(len(curves[LAYERS[0]][s])) for s in SEEDS}
    return Plane(frame, LAYERS, loss, dict(drops), phase_table(frame), 1.0)


E = np.arange(40)
RISE_FALL_RISE = np.concatenate([np.linspace(0, 2, 10), np.linspace(2, 0.5, 15), np.linspace(0.5, 3, 15)])
RISE = np.linspace(0.0, 3.0, 40)  # a monotone rise: one fitting phase
FLAT = np.full(40, 1.0) + 1e-4 * np.sin(E)  # noise far below the 0.05-nat floor: no phase


def _claims(errors, curves, drops, *, profile="default", ours=PAPER):
    acc, synth = _synth(errors)
    return chapter.evaluate_claims(_settings(profile), acc, synth, _plane(curves, drops), ours=ours)


GOOD = {  # WKL within 1 nat in both tasks, far better than the raw baselines; KL offset by 1.5 nats
    ("bumps", "WKL on AE codes"): (0.2, 0.25, 0.3),
    ("bumps", "KL on AE codes"): (-1.7, -1.75, -1.8),
    ("bumps", "WKL on PCA codes"): 1.0,
    ("bumps", "KSG on raw images"): 3.0,
    ("bumps", "MINE on raw images"): 4.0,
    ("rectangles", "WKL on AE codes"): (0.5, 0.55, 0.6),
    ("rectangles", "KL on AE codes"): (-2.0, -2.05, -2.1),
    ("rectangles", "WKL on PCA codes"): 3.0,
    ("rectangles", "KSG on raw images"): 2.5,
    ("rectangles", "MINE on raw images"): np.nan,  # every fit diverged: failed, left out
}
SEVERAL = {layer: [RISE_FALL_RISE] * 3 for layer in LAYERS}


def test_rules_at_the_paper_settings_reproduce_on_known_good_answers():
    # the first compression starts at epoch 10 (after the smoothing): the drop at 8.5 lies in its window
    claims = _claims(GOOD, SEVERAL, dict.fromkeys(SEEDS, 8.5))
    assert all(e.deviations == () for e in claims.evaluations)
    assert claims.verdicts == dict.fromkeys(
        ["v_track", "v_beats", "v_offset", "v_phase", "v_coinc"], "reproduced"
    )
    tracks, beats, offset, phase, coinc = claims.evaluations
    assert tracks.support == "seeds with RMSE <= 1 nat: bumps 3/3, rectangles 3/3"
    assert beats.items == ("bumps vs KSG", "bumps vs MINE", "rectangles vs KSG")
    assert all(s.method == "t over 3 seeds" for s in tracks.statistic)
    assert phase.statistic[0].estimate == 3 and coinc.statistic[0].estimate == 0


def test_rules_at_the_paper_settings_reject_known_bad_answers():
    bad = {
        **GOOD,
        ("bumps", "WKL on AE codes"): (2.0, 2.1, 2.2),  # misses the truth by 2 nats
        ("rectangles", "WKL on AE codes"): (3.0, 3.05, 3.1),  # worse than KSG on the raw images (2.5)
        ("bumps", "KL on AE codes"): (-2.0, -2.1, -2.2),  # the same |bias| as WKL: no offset removed
        ("rectangles", "KL on AE codes"): (3.0, 3.05, 3.1),
    }
    curves = {layer: [RISE] * 3 for layer in LAYERS}  # no compression phase anywhere
    claims = _claims(bad, curves, dict.fromkeys(SEEDS, 1.5))
    v = claims.verdicts
    assert (v["v_track"], v["v_offset"], v["v_phase"]) == ("not reproduced",) * 3
    assert v["v_beats"] == "partly"  # bumps still beats both baselines (2.1 < 3, 4); rectangles does not
    assert claims.evaluations[1].reason.startswith("met by 2 of 3: bumps vs KSG, bumps vs MINE")
    assert v["v_coinc"] == "not comparable"


def test_rules_give_partly_per_task_and_per_layer():
    errors = {**GOOD, ("rectangles", "WKL on AE codes"): (2.0, 2.05, 2.1)}
    curves = {"conv1": [RISE_FALL_RISE] * 3, "dense": [RISE] * 3}
    claims = _claims(errors, curves, dict.fromkeys(SEEDS, 8.5))
    assert claims.verdicts["v_track"] == "partly" and claims.verdicts["v_phase"] == "partly"
    assert claims.evaluations[3].reason.startswith("met by 1 of 2: conv1")
    assert claims.evaluations[4].items == ("conv1",)  # only conv1 compresses


def test_noise_straddling_the_thresholds_is_inconclusive():
    noisy = {
        **GOOD,
        ("bumps", "WKL on AE codes"): (0.2, 1.0, 1.8),  # RMSE 1 +- a lot: straddles 1 nat
        ("rectangles", "WKL on AE codes"): (0.5, 0.55, 0.6),
        ("rectangles", "KSG on raw images"): 0.55,  # two methods equal within noise: straddles 0
        ("bumps", "KL on AE codes"): (-0.2, -1.0, -1.9),  # reductions 0, 0, 0.1: straddle 0.1 nat
    }
    # drops at the first compression in two seeds, far before it in the third
    claims = _claims(noisy, SEVERAL, {0: 8.5, 1: 8.5, 2: 0.5})
    assert claims.verdicts["v_track"] == "inconclusive"
    assert claims.verdicts["v_beats"] == "inconclusive"  # rectangles vs KSG straddles
    assert claims.verdicts["v_offset"] == "inconclusive"
    assert claims.verdicts["v_coinc"] == "inconclusive"
    assert claims.reasons["why_coinc"].startswith("the interval straddles the rule's bound")


def test_one_seed_cannot_decide():
    acc, synth = _synth({k: (v[0] if isinstance(v, tuple) else v) for k, v in GOOD.items()})
    settings = fakes.settings("default", seeds=[0], cnn_seeds=[0], mi_grid=fakes.GRID, raw_grid=fakes.GRID)
    bench = synth.bench[synth.bench["seed"] == 0]
    claims = chapter.evaluate_claims(
        settings,
        accuracy(bench)[0],
        Synthetic(bench, [False], 1.0, [True]),
        _plane(SEVERAL, {0: 8.5}),
        ours=PAPER,
    )
    assert set(claims.verdicts.values()) == {"inconclusive"}
    assert all(not s.bounded for s in claims.evaluations[0].statistic)


def test_default_profile_names_its_decisive_deviations():
    claims = _claims(GOOD, SEVERAL, dict.fromkeys(SEEDS, 8.5), ours=None)
    assert set(claims.verdicts.values()) == {"inconclusive"}  # every rule met, but the runs deviate
    texts = {e.claim.key: [d.text() for d in e.deviations] for e in claims.evaluations}
    synthetic = texts["butakov2024/wkl-tracks-truth"]
    assert "ae_arch dense vs conv (decisive)" in synthetic
    assert "ae_epochs 15 vs 2000 (x1/133, decisive)" in synthetic
    assert "ae_augmentation none vs random zoom (and translation for rectangles) (decisive)" in synthetic
    mnist = texts["butakov2024/several-phases"]
    for text in (
        "cnn_epochs 20 vs 300 (x1/15, decisive)",
        "cnn_train 10000 vs 60000 (x1/6, decisive)",
        "x_ae_epochs 40 vs 200 (x1/5, decisive)",
        "x_ae_loss MSE vs L1 (decisive)",
        "cnn_seeds 3 vs 1 (x3, uncertainty only)",
    ):
        assert text in mnist
    assert not any(
        t.startswith(("cnn_lr", "batch_size", "output", "smoothing")) for t in mnist
    )  # the paper's
    assert texts["butakov2024/first-compression-at-loss-drop"] == mnist
    assert all(e.outcome == "met" for e in claims.evaluations)


def test_smoke_is_not_comparable():
    claims = _claims(GOOD, SEVERAL, dict.fromkeys(SEEDS, 8.5), profile="smoke", ours=None)
    assert set(claims.verdicts.values()) == {"not comparable"}
    assert all(
        e.reason == "the smoke profile checks the code path, not the claim" for e in claims.evaluations
    )


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_our_settings_state_every_setting_of_every_claim(profile):
    ours = chapter.our_settings(fakes.settings(profile))
    for claim in chapter.CLAIMS:
        assert set(claim.settings) <= set(ours), claim.key
        deviations(claim, ours)  # comparable value by value


def test_our_settings_are_computed_from_the_runs():
    settings = fakes.settings("paper")
    ours = chapter.our_settings(settings)
    config = chapter.cnn_config(settings)
    assert (ours["cnn_lr"], ours["batch_size"], ours["cnn_epochs"]) == (config.lr, config.batch_size, 300)
    assert ours["ae_code_dim"] == [2, 4] and ours["layer_compressor"] == "pca" and ours["whiten"] is True
    assert ours["ae_train_images"] == 4500 and ours["x_ae_train_images"] == 54000  # 10 % held out
    paper_mnist = [d.text() for d in deviations(chapter.PHASES, ours)]
    assert paper_mnist == [  # the paper profile still deviates from the released code here
        "x_ae_train_images 54000 vs 60000 (x1/1.11, uncertainty only)",
        "x_ae_loss MSE vs L1 (decisive)",
        "cnn_seeds 3 vs 1 (x3, uncertainty only)",
    ]


def test_claim_records_are_the_scorecard_rows_in_order():
    assert [c.claim for c in chapter.CLAIMS] == [
        "WKL on autoencoder codes tracks the true MI (synthetic images)",
        "Compression beats estimators on the raw images",
        "Plain KL on codes has an offset that WKL removes",
        "Several fitting and compression phases (MNIST CNN)",
        "First compression coincides with the fastest loss drop",
    ]
    assert len({c.key for c in chapter.CLAIMS}) == 5
    for claim in chapter.CLAIMS:  # one paper value per setting name across the claims
        assert all(PAPER[name] == s.value for name, s in claim.settings.items()), claim.key


def test_beats_is_not_comparable_when_mine_has_not_plateaued():
    acc, synth = _synth(GOOD)
    synth.mine_plateau = [True, False, True]
    claims = chapter.evaluate_claims(
        _settings(), acc, synth, _plane(SEVERAL, dict.fromkeys(SEEDS, 8.5)), ours=PAPER
    )
    assert claims.verdicts["v_beats"] == "not comparable"
    assert "had not plateaued" in claims.reasons["why_beats"] and "1 of 3" in claims.reasons["why_beats"]
