"""Tests of the tie check and the jitter of the k-NN estimators (ibcore.estimators.knn._ties)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from ibcore.estimators.knn import (
    TiedSamplesWarning,
    entropy_kl,
    entropy_wkl,
    mi_kl,
    mi_ksg,
    mi_wkl,
)
from ibcore.ground_truth import (
    gaussian_pair,
)

METHODS = ("tree", "brute", "sort", "auto")


def test_jitter_breaks_duplicates_deterministically():
    rng = np.random.default_rng(27)
    x = np.round(rng.standard_normal((500, 2)), 1)
    y = x + np.round(rng.standard_normal((500, 2)), 1)
    a = mi_ksg(x, y, k=3, jitter=1e-10, seed=1, device="cpu")
    assert a == mi_ksg(x, y, k=3, jitter=1e-10, seed=1, device="cpu")
    assert [mi_ksg(x, y, k=3, jitter=1e-10, seed=1, method=m, device="cpu") for m in METHODS] == [a] * 4
    assert np.isfinite(entropy_kl(x, jitter=1e-10, device="cpu"))


# --------------------------------------------------------------------------------------------
# tied samples (issue 25): one rule for the whole family
# --------------------------------------------------------------------------------------------
def _relu_pair(n: int = 1000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """x = (relu(g), g'): column 0 holds ~50 % exact zeros, no two rows are equal; y continuous."""
    x, y, _ = gaussian_pair(n, [0.9, 0.5], seed=seed)
    return np.column_stack([np.maximum(x[:, 0], 0.0), x[:, 1]]), y


TIE_CALLS = {
    "entropy_kl": lambda x, y, **kw: entropy_kl(x, k=3, device="cpu", **kw),
    "entropy_wkl": lambda x, y, **kw: entropy_wkl(x, k=3, device="cpu", **kw),
    "mi_kl": lambda x, y, **kw: mi_kl(x, y, k=3, device="cpu", **kw),
    "mi_wkl": lambda x, y, **kw: mi_wkl(x, y, k=3, device="cpu", **kw),
    "mi_ksg": lambda x, y, **kw: mi_ksg(x, y, k=3, device="cpu", **kw),
}


@pytest.mark.parametrize("name", list(TIE_CALLS))
def test_tied_samples_warn_with_the_fraction_and_the_remedy(name):
    x, y = _relu_pair()
    frac = 100 * np.mean(x[:, 0] == 0)  # the zeros: every other value of column 0 is distinct
    with pytest.warns(TiedSamplesWarning) as rec:
        v = TIE_CALLS[name](x, y)
    (w,) = rec
    text = str(w.message)
    assert text.startswith(
        f"{name}: tied samples: in x, {frac:.1f} % of the 1000 samples share their value in column 0"
    )
    assert "jitter=1e-10" in text and "Kraskov" in text and "occur more than once" not in text
    assert w.filename == __file__  # points at the caller's line
    with warnings.catch_warnings():  # the warning changes nothing: same number without it
        warnings.simplefilter("ignore", TiedSamplesWarning)
        assert TIE_CALLS[name](x, y) == v


@pytest.mark.parametrize("name", list(TIE_CALLS))
def test_jitter_breaks_ties_silently_seeded_and_changes_the_tied_estimate(name):
    x, y = _relu_pair()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the caller chose: no warning
        a = TIE_CALLS[name](x, y, jitter=1e-10, seed=4)
        assert TIE_CALLS[name](x, y, jitter=1e-10, seed=4) == a
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TiedSamplesWarning)
        assert TIE_CALLS[name](x, y) != a


@pytest.mark.parametrize("name", list(TIE_CALLS))
def test_continuous_samples_and_constant_columns_do_not_warn(name):
    x, y, _ = gaussian_pair(1000, [0.9, 0.5], seed=3)
    x = np.column_stack([x, np.full(1000, 2.0)])  # a constant column ties no distance
    few = x.copy()
    few[:4, 0] = few[4, 0]  # 5 of 1000 samples (0.5 %) tied: below the 1 % threshold
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TIE_CALLS[name](x, y)
        TIE_CALLS[name](few, y)


def test_ksg_ties_of_the_issue_warn_and_jitter_is_stated():
    # the issue's examples: ReLU-ed x, and a sample given twice (every row repeated)
    x, y, _ = gaussian_pair(2000, 0.9, seed=0)
    with pytest.warns(TiedSamplesWarning, match=r"in x, 51\.7 % of the 2000 samples"):
        relu = mi_ksg(np.maximum(x, 0), y, device="cpu")
    assert relu == pytest.approx(0.598, abs=1e-3)  # 0.577 with jitter=1e-10
    assert mi_ksg(np.maximum(x, 0), y, jitter=1e-10, device="cpu") == pytest.approx(0.577, abs=1e-3)
    with pytest.warns(TiedSamplesWarning, match="4000 of the 4000 rows of \\(x, y\\) occur more than once"):
        mi_ksg(np.vstack([x, x]), np.vstack([y, y]), device="cpu")


def test_binary_inputs_warn_without_any_repeated_row():
    # the 4096 distinct 12-bit inputs of the SZT task: no row repeats, every column is tied
    bits = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(float)
    rng = np.random.default_rng(0)
    layer = np.tanh(bits @ rng.standard_normal((12, 3)) + 0.1 * rng.standard_normal((4096, 3)))
    with pytest.warns(TiedSamplesWarning, match="in x, 100.0 % of the 4096 samples") as rec:
        raw = mi_ksg(bits, layer, device="cpu")
    assert "occur more than once" not in str(rec[0].message)
    jittered = mi_ksg(bits, layer, jitter=1e-10, device="cpu")
    assert raw == pytest.approx(3.19, abs=0.01) and jittered == pytest.approx(0.78, abs=0.01)


def test_a_refusal_comes_without_the_tie_warning(make_xy):
    x, y = make_xy(100)
    xd, yd = np.vstack([x, x[:10]]), np.vstack([y, y[:10]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="jitter"):
            entropy_kl(xd, device="cpu")
        with pytest.raises(ValueError, match="jitter"):
            mi_kl(xd, yd, device="cpu")
        with pytest.raises(ValueError, match="KSG radius 0"):
            mi_ksg(np.vstack([x] + [x[:5]] * 3), np.vstack([y] + [y[:5]] * 3), k=3, device="cpu")
    assert not [w for w in caught if issubclass(w.category, TiedSamplesWarning)]


@pytest.mark.parametrize("scale", [1e160, 1e-170])
def test_jitter_follows_the_data_at_any_finite_scale(scale):
    # the noise is jitter * std of each column: at 1e160 the plain std overflowed (inf noise), at
    # 1e-170 it underflowed to 0 and the column got noise of size 1e-10, far above the data
    x, y = _relu_pair()
    ref = mi_ksg(x, y, jitter=1e-10, device="cpu")
    assert mi_ksg(x * scale, y * scale, jitter=1e-10, device="cpu") == pytest.approx(ref, abs=1e-9)
    h = entropy_kl(x, k=3, jitter=1e-10, device="cpu") + 2 * math.log(scale)
    assert entropy_kl(x * scale, k=3, jitter=1e-10, device="cpu") == pytest.approx(h, abs=1e-6)
