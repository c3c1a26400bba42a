"""The MNIST part of chapter 3 (lossy_compression.mnist) on small synthetic inputs.

No training and no estimation: loss curves, information planes and ablation planes are written
by hand with answers known by construction; the run cache's key is checked against the page's
configuration.
"""

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.phases import jitter
from ibcore.interface import IXL
from ibcore.study.chapters.lossy_compression.mnist import (
    PHASE_FLOOR,
    WINDOW,
    ablation_epochs,
    ablation_steps,
    cnn_config,
    drop_epochs,
    phase_table,
)
from ibcore.training import TrainConfig

from . import fakes

# ---------------------------------------------------------------- MNIST: drops, phases, claims


def test_drop_epochs_reads_the_recorded_loss():
    loss = {0: np.array([2.3, 2.2, 0.9, 0.8, 0.7]), 1: np.array([2.0, 1.0, 0.9])}
    assert drop_epochs(loss) == {0: 1.5, 1: 0.5}


def test_phase_table_finds_rise_fall_rise_above_the_floor():
    e = np.arange(40)
    up_down_up = np.concatenate([np.linspace(0, 2, 10), np.linspace(2, 0.5, 15), np.linspace(0.5, 3, 15)])
    flat = np.full(40, 1.0) + 1e-4 * np.sin(e)  # moves far less than the floor
    pt = phase_table(fakes.plane({(0, "a"): up_down_up, (0, "b"): flat, (1, "a"): [0.0, 1.0]}))
    assert list(pt.columns) == ["seed", "layer", "kind", "start", "end", "change", "threshold"]
    a = pt[(pt["seed"] == 0) & (pt["layer"] == "a")]
    assert list(a["kind"]) == ["fitting", "compression", "fitting"]
    assert (a["threshold"] >= PHASE_FLOOR).all()
    assert pt[pt["layer"] == "b"].empty  # below the floor: no phase
    assert pt[pt["seed"] == 1].empty  # two epochs: no phase
    with pytest.raises(ValueError, match="lacks columns"):
        phase_table(pd.DataFrame({"seed": [0], "layer": ["a"]}))


def test_phase_threshold_is_twice_the_scatter_when_it_exceeds_the_floor():
    rng = np.random.default_rng(0)
    noisy = np.linspace(0, 5, 30) + rng.normal(0, 0.2, 30)
    pt = phase_table(fakes.plane({(0, "a"): noisy}), floor=0.01)
    assert list(pt["kind"]) == ["fitting"]
    assert pt["threshold"].iloc[0] == pytest.approx(2 * jitter(noisy, window=WINDOW))
    assert pt["threshold"].iloc[0] > 0.01


# ---------------------------------------------------------------- ablation


def test_ablation_epochs_spreads_points_over_the_recorded_epochs():
    assert list(ablation_epochs(np.repeat(np.arange(11), 3), 3)) == [0, 5, 10]
    assert list(ablation_epochs([4, 0, 2], 6)) == [0, 2, 4]  # more points than epochs
    assert list(ablation_epochs(range(5), 1)) == [0]
    with pytest.raises(ValueError):
        ablation_epochs(range(5), 0)


def test_ablation_steps_count_moves_of_the_same_sign():
    both = pd.DataFrame(
        {
            "layer": ["a", "a", "a", "b", "b"],
            "epoch": [0, 5, 10, 0, 5],
            IXL + " PCA": [1.0, 2.0, 1.0, 0.0, 1.0],
            IXL + " AE": [1.0, 3.0, 2.0, 0.0, -1.0],
        }
    )
    out, moves, same = ablation_steps(both)
    assert len(moves) == 3 and same == 2
    assert list(out["change AE"].dropna()) == [2.0, -1.0, -1.0]
    assert "change PCA" not in both.columns  # the input is left as it was


# ---------------------------------------------------------------- the run cache's key


def test_cnn_config_is_the_pages_training_configuration():
    settings = fakes.settings("smoke")
    expected = TrainConfig(
        model={
            "kind": "mnist_cnn",
            "noise_std": 1e-3,
            "noise_mode": "multiplicative",
            "dropout": 0.1,
            "output_activation": "log_softmax",
        },
        optimizer="adam",
        lr=1e-5,
        batch_size=1024,
        n_epochs=3,
        schedule="all",
    )
    assert cnn_config(settings) == expected


def test_released_filter_is_the_authors_filter_data():
    from scipy.signal import butter, filtfilt, savgol_filter

    from ibcore.study.chapters.lossy_compression import released_filter, smooth_curve

    v = np.random.default_rng(0).standard_normal(60).cumsum()
    b, a = butter(8, 0.125)
    assert np.allclose(released_filter(v), filtfilt(b, a, savgol_filter(v, 30, 4), padlen=5))
    short = v[:6]  # window cut to the curve: savgol(6, 4), padlen 5
    assert np.allclose(released_filter(short), filtfilt(b, a, savgol_filter(short, 6, 4), padlen=5))
    assert np.array_equal(released_filter(v[:2]), v[:2])
    noise = np.random.default_rng(1).standard_normal(300)  # a low-pass: white noise loses most of its sd
    assert np.std(released_filter(noise)) < 0.3 * np.std(noise)
    line = np.linspace(0.0, 3.0, 40)
    assert np.allclose(smooth_curve(line, "ours"), line)
    with pytest.raises(ValueError, match="smoothing"):
        smooth_curve(line, "median")


def test_phase_table_with_the_released_smoothing():
    curve = np.concatenate([np.linspace(0, 2, 40), np.linspace(2, 0.5, 40), np.linspace(0.5, 3, 40)])
    pt = phase_table(fakes.plane({(0, "conv1"): curve}), smoothing="released")
    assert list(pt["kind"]) == ["fitting", "compression", "fitting"]
    assert pt["start"].iloc[1] == pytest.approx(39, abs=3) and pt["end"].iloc[1] == pytest.approx(79, abs=3)
