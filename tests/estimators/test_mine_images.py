"""MINE with a convolutional critic for images (``image_shapes``): Butakov et al.'s raw-image baseline."""

from __future__ import annotations

import numpy as np
import pytest

from ibcore.estimators.neural import MINE, mi_mine
from ibcore.ground_truth.images import image_pair

pytestmark = pytest.mark.usefixtures("one_thread")

SHAPES = ((1, 16, 16), (1, 16, 16))


def _bumps(mi: float, n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    p = image_pair("bumps", n, mi, seed=seed)
    return p.x.reshape(n, -1), p.y.reshape(n, -1)


def test_conv_critic_is_a_lower_bound_near_the_truth():
    # bump images whose 2-D latent pair carries 2 nats: the held-out DV bound of the conv critic
    # comes close from below (sampling noise of the held-out mean allows a little above)
    x, y = _bumps(2.0)
    r = mi_mine(x, y, hidden=(64,), n_iter=300, batch_size=128, lr=1e-3, image_shapes=SHAPES)
    assert not r.diverged
    assert 1.0 < r.estimate < 2.0 + 0.3
    assert r.config["image_shapes"] == SHAPES


def test_conv_critic_finds_nothing_in_independent_images():
    x, _ = _bumps(0.5, seed=1)
    _, y = _bumps(0.5, seed=2)  # images of independent latents
    r = mi_mine(x, y, hidden=(64,), n_iter=200, batch_size=128, lr=1e-3, image_shapes=SHAPES)
    assert abs(r.estimate) < 0.2


def test_evaluate_and_estimate_with_the_conv_critic():
    x, y = _bumps(1.0, n=200)
    est = MINE(hidden=(16,), n_iter=20, batch_size=64, image_shapes=SHAPES)
    value = est.estimate(x, y)
    assert np.isfinite(value) and np.isfinite(est.evaluate(x, y))


@pytest.mark.parametrize(
    ("shapes", "error", "match"),
    [
        (((1, 16, 16),), ValueError, "two \\(C, H, W\\)"),
        (((1, 16), (1, 16, 16)), ValueError, "two \\(C, H, W\\)"),
        (((1, 2, 2), (1, 16, 16)), ValueError, "at least 4x4"),
        (((0, 16, 16), (1, 16, 16)), ValueError, "image_shapes entry"),
        (3, TypeError, "image_shapes must be"),
    ],
)
def test_bad_image_shapes_are_refused(shapes, error, match):
    with pytest.raises(error, match=match):
        MINE(image_shapes=shapes)


def test_images_that_do_not_match_their_shape_are_refused():
    x, y = _bumps(1.0, n=50)
    with pytest.raises(ValueError, match="pass images flattened"):
        mi_mine(x, y, n_iter=2, image_shapes=((1, 8, 8), (1, 16, 16)))
