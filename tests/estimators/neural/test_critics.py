"""Tests of the critics of the neural estimators (ibcore.estimators.neural._critics): image shapes."""

from __future__ import annotations

import pytest

from ibcore.estimators.neural import MINE

pytestmark = pytest.mark.usefixtures("one_thread")


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
