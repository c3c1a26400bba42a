"""ibcore.analysis.clustering: class cosine similarities and compression beside clustering, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.clustering import class_cosine_similarity, compression_vs_clustering
from ibcore.interface import IXL

pytestmark = pytest.mark.usefixtures("one_thread")


def test_class_cosine_similarity_by_hand():
    # class 0 along e1 (and a scaled copy), class 1 along e2: within 1, between 0
    a = np.array([[1.0, 0, 0], [0, 2.0, 0], [3.0, 0, 0], [0, 0.5, 0], [2.0, 0, 0]])
    y = np.array([0, 1, 0, 1, 0])
    cos = class_cosine_similarity(a, y, n_per_class=5, seed=3)
    assert list(cos.labels) == [0, 0, 0, 1, 1] and sorted(cos.index) == [0, 1, 2, 3, 4]
    assert cos.within == pytest.approx(1.0) and cos.between == pytest.approx(0.0, abs=1e-15)
    assert cos.gap == pytest.approx(1.0)
    np.testing.assert_allclose(np.diag(cos.matrix), 1.0)
    # rotation invariance and n_per_class
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    rot = class_cosine_similarity(a @ q, y, n_per_class=2, seed=3)
    assert (
        rot.matrix.shape == (4, 4)
        and rot.within == pytest.approx(1.0)
        and rot.between == pytest.approx(0, abs=1e-12)
    )
    # centring: a common offset makes raw similarities all near 1; centred, the classes reappear
    shifted = class_cosine_similarity(a * 0.01 + 10.0, y, n_per_class=5, seed=3)
    assert shifted.within > 0.99 and shifted.between > 0.99
    centred = class_cosine_similarity(a * 0.01 + 10.0, y, n_per_class=5, seed=3, center=True)
    assert centred.gap > 1.0
    with pytest.raises(ValueError, match="zero vector"):
        class_cosine_similarity(np.vstack([a, np.zeros((1, 3))]), np.append(y, 1), n_per_class=5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        class_cosine_similarity(a, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="labels has 4 entries"):
        class_cosine_similarity(a, y[:4])


def test_compression_vs_clustering_by_hand():
    epochs = [0, 10, 20, 30, 40, 50]
    info = pd.DataFrame({"seed": 0, "layer": "l1", "epoch": epochs,
                         IXL: np.log(2) * np.array([1.0, 3.0, 2.5, 2.0, 1.5, 2.8]),  # bits
                         "stderr": np.log(2) * 0.03})  # fmt: skip
    clus = pd.DataFrame({"seed": 0, "layer": "l1", "epoch": epochs, "ratio": [0.9, 0.8, 0.6, 0.5, 0.55, 0.4]})
    t = compression_vs_clustering(info, clus).loc[(0, "l1")]
    # largest dip: from the peak 3 (epoch 10) to 1.5 (epoch 40); ends at 2.8, 0.2 below the max
    assert t["peak epoch"] == 10 and t["bottom epoch"] == 40 and t["dip"] == pytest.approx(1.5)
    assert t["end"] == pytest.approx(2.8) and t["drop"] == pytest.approx(0.2)
    assert t["dip stderr"] == pytest.approx(0.03 * np.sqrt(2))
    assert t["min epoch"] == 50 and t["lag"] == 40 and t["bottom lag"] == 10
    assert t["measure change"] == pytest.approx((0.55 - 0.8) / 0.8)
    # in the dip: I = 3, 2.5, 2, 1.5 and ratio = .8, .6, .5, .55 -> ranks 4 3 2 1 vs 4 3 1 2: rho 0.8
    assert t["rho in dip"] == pytest.approx(0.8)
    p = compression_vs_clustering(info, clus, method="pearson").loc[(0, "l1")]
    want = np.corrcoef([1, 3, 2.5, 2, 1.5, 2.8], [0.9, 0.8, 0.6, 0.5, 0.55, 0.4])[0, 1]
    assert p["rho"] == pytest.approx(want)
    with pytest.raises(ValueError, match="share no"):
        compression_vs_clustering(info, clus.assign(layer="l2"))
