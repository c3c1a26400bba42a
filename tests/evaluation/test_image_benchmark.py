"""ibcore.evaluation.image_benchmark: error tables and the synthetic image benchmark."""

import math

import pandas as pd
import pytest

from ibcore.compression import fit_compressor
from ibcore.evaluation.image_benchmark import error_table, synthetic_benchmark

pytestmark = pytest.mark.usefixtures("one_thread")


def test_error_table_bias_and_rmse():
    frame = pd.DataFrame(
        {
            "task": ["a"] * 4,
            "estimator": ["e"] * 4,
            "true": [0.0, 1.0, 2.0, 3.0],
            "estimate": [1.0, 1.0, 1.0, 4.0],
        }
    )
    out = error_table(frame).loc[("a", "e")]
    assert out["bias"] == pytest.approx((1 + 0 - 1 + 1) / 4)
    assert out["RMSE"] == pytest.approx(math.sqrt(3 / 4))
    assert out["max |error|"] == 1.0 and out["n"] == 4
    with pytest.raises(ValueError, match="lacks columns"):
        error_table(frame.drop(columns="true"))


def test_synthetic_benchmark_rows_and_truth():
    from ibcore.ground_truth.images import image_pair

    held = image_pair("bumps", 400, 0.0, seed=9).x
    comps = {"PCA": fit_compressor(held, 2, method="pca")}
    frame = synthetic_benchmark(
        "bumps",
        [0.0, 3.0],
        [0, 1],
        n=300,
        compressors=comps,
        estimators={"const": lambda a, b: 1.0},
        raw_estimators={"dims": lambda a, b: float(a.shape[1])},
        raw_samples=50,
        raw_grid=[3.0],
        progress=False,
    )
    assert len(frame) == 2 * 2 + 1  # codes at every (mi, seed); raw at mi = 3, first seed only
    raw = frame[frame["input"] == "raw"]
    assert raw["estimate"].tolist() == [256.0] and raw["true"].tolist() == [3.0]
    assert set(frame["true"]) == {0.0, 3.0}
    with pytest.raises(TypeError, match="mapping"):
        synthetic_benchmark("bumps", [0.0], [0], n=10, compressors=[1], estimators={})


def test_synthetic_benchmark_latent_estimators_see_the_latents():
    from ibcore.estimators.knn import mi_ksg
    from ibcore.ground_truth.images import image_pair

    held = image_pair("bumps", 300, 0.0, seed=9).x
    frame = synthetic_benchmark(
        "bumps",
        [0.0, 2.0],
        [0],
        n=2000,
        compressors={"PCA": fit_compressor(held, 2, method="pca")},
        estimators={},
        latent_estimators={"dims": lambda a, b: float(a.shape[1]), "KSG": lambda a, b: mi_ksg(a, b, k=5)},
        progress=False,
    )
    latent = frame[frame["input"] == "latent"].set_index(["true", "estimator"])["estimate"]
    assert latent[(0.0, "dims")] == 2.0 and latent[(2.0, "dims")] == 2.0  # the 2-D latent, not pixels
    assert latent[(2.0, "KSG")] == pytest.approx(2.0, abs=0.15)  # Gaussian latents: KSG is close
    with pytest.raises(TypeError, match="mapping"):
        synthetic_benchmark("bumps", [0.0], [0], n=10, compressors={}, estimators={}, latent_estimators=[1])
