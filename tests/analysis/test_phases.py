"""ibcore.analysis.phases: smoothing, scatter, phases and the fastest loss drop of a curve."""

import numpy as np
import pytest

from ibcore.analysis.phases import fastest_drop, jitter, phases, smooth

pytestmark = pytest.mark.usefixtures("one_thread")


def test_phases_of_a_rise_fall_rise_curve():
    e = np.arange(60)
    v = np.concatenate([np.linspace(0, 2, 20), np.linspace(2, 1, 20), np.linspace(1, 3, 20)])
    ph = phases(e, v, min_change=0.2, window=5)
    assert list(ph["kind"]) == ["fitting", "compression", "fitting"]
    # turning points at the kinks (index 19/20 and 39/40), up to the smoothing window
    assert ph["end"].iloc[0] == pytest.approx(19.5, abs=2.5) and ph["end"].iloc[1] == pytest.approx(
        39.5, abs=2.5
    )
    assert ph["change"].iloc[1] == pytest.approx(-1.0, abs=0.15)
    # small wiggles below min_change are not phases
    wiggle = 0.01 * np.sin(e)
    assert phases(e, wiggle, min_change=0.1).empty
    assert list(phases(e, v + 0.02 * np.sin(3 * e), min_change=0.2, window=7)["kind"]) == [
        "fitting",
        "compression",
        "fitting",
    ]


def test_fastest_drop_and_smooth():
    e = np.arange(50.0)
    loss = 2.0 / (1 + np.exp((e - 17.0) / 2.0))  # logistic fall, steepest at epoch 17
    assert fastest_drop(e, loss, window=5) == pytest.approx(17.0, abs=1.0)
    assert fastest_drop(e, loss) == pytest.approx(17.0, abs=1.0)
    # a fall that starts late in the first epochs: the raw curve finds it where it is
    early = np.array([2.3, 2.29, 1.9, 1.05, 0.68, 0.5, 0.45, 0.4, 0.38, 0.36])
    assert fastest_drop(np.arange(10), early) == 2.5
    # smoothing keeps a quadratic exactly (Savitzky-Golay of order 2) and short curves unchanged
    np.testing.assert_allclose(smooth(e**2, window=7, order=2), e**2, atol=1e-8)
    np.testing.assert_array_equal(smooth([1.0, 2.0], window=7), [1.0, 2.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        fastest_drop([0, 2, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        phases([0, 1, 2], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        phases([0, 1, 2], [1, np.nan, 2])


def test_jitter_is_zero_on_a_parabola_and_tracks_white_noise():
    e = np.arange(60.0)
    assert jitter(0.01 * (e - 20) ** 2) == pytest.approx(0, abs=1e-9)  # SG of order 2 keeps parabolas
    rng = np.random.default_rng(3)
    sds = [jitter(np.sin(e / 10) + 0.2 * rng.standard_normal(60)) for _ in range(200)]
    # a 7-point quadratic SG filter keeps 3/7 of white noise's variance at interior points, so the
    # residual sd is 0.2 sqrt(4/7) ~ 0.15 (a little more at the ends); mean of 200 draws within 10 %
    assert np.mean(sds) == pytest.approx(0.2 * np.sqrt(4 / 7), rel=0.1)
    with pytest.raises(ValueError, match="at least 3"):
        jitter([1.0, 2.0])
