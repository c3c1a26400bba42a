"""Tests of the Donsker-Varadhan training of the neural estimators (ibcore.estimators.neural._dv)."""

import re

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------- failed training is flagged (issue 13)
@pytest.mark.parametrize(
    ("train0", "evals", "why"),
    [
        (0.0, [0.1, 0.3, 0.5], None),  # healthy
        (-3.8, [-4.3, -2.0, 0.4], None),  # an untrained AA-MINE critic starts low and recovers
        (0.0, [0.1, -0.3, 0.2], None),  # held-out noise below 0, within 1 nat
        (0.0, [0.1, -29.0, -0.4], "fell to -29"),  # lr too large: blew up (and came back)
        (-0.01, [-1e14, -4.8e14], "fell to -4.8e\\+14"),  # lr = 1e6
        (-3.8, [-4.3, -3.6], "ended at -3.6"),  # never learned: not a usable bound
        (0.0, [0.1, float("nan")], "NaN or inf"),
    ],
)
def test_failure_rule(train0, evals, why):
    from ibcore.estimators.neural._dv import failure

    got = failure(np.array([train0, 0.0]), np.array(evals))
    if why is None:
        assert got is None
    else:
        assert got is not None and re.search(why, got), got
