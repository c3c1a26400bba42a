"""Fixtures shared by the tests of ibcore.estimators.knn."""

import numpy as np
import pytest


@pytest.fixture
def make_xy():
    """``make_xy(n=50, d=2)``: two independent standard-normal samples of shape (n, d), seed 0."""

    def make(n=50, d=2):
        rng = np.random.default_rng(0)
        return rng.standard_normal((n, d)), rng.standard_normal((n, d))

    return make
