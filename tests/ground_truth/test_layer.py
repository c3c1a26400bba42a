"""Tests of ibcore.ground_truth.layer: the noisy-layer task."""

import numpy as np
import pytest

from ibcore import ground_truth as gt


def test_noisy_layer_task_matches_the_sample_covariance():
    x, t, true, layer = gt.noisy_layer_task(100000, dim_x=6, width=3, sigma=0.5, seed=0)
    assert x.shape == (100000, 6) and t.shape == layer.shape == (100000, 3)
    cov = np.cov(np.hstack([x, t]).T)
    assert gt.gaussian_mi(cov, 6) == pytest.approx(true, abs=0.02)  # plug-in Gaussian MI of the sample
