"""Tests of ibcore.training.schedules: the Saxe and log schedules, resolve_schedule."""

from __future__ import annotations

import numpy as np
import pytest
from toy_runs import config_6

from ibcore.training import (
    log_schedule,
    resolve_schedule,
    saxe_schedule,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# ---------------------------------------------------------------------------------------- schedule
def test_saxe_schedule_values():
    s = saxe_schedule(30)
    assert s.tolist() == list(range(20)) + [20, 25, 30]
    # 3000 epochs: 20 (every) + 16 (every 5th of 20..95) + 95 (every 20th of 100..1980)
    # + 11 (every 100th of 2000..3000)
    assert len(saxe_schedule(3000)) == 20 + 16 + 95 + 11
    s = saxe_schedule(2050)
    assert s[0] == 0 and s[-1] == 2050
    assert {1980, 2000, 2050} <= set(s.tolist()) and 2020 not in s and 1990 not in s
    assert saxe_schedule(7).tolist() == list(range(8))
    assert saxe_schedule(0).tolist() == [0]
    assert np.all(np.diff(saxe_schedule(10000)) > 0)


def test_resolve_schedule():
    assert resolve_schedule("ends", 9).tolist() == [0, 9]
    assert resolve_schedule("all", 3).tolist() == [0, 1, 2, 3]
    assert resolve_schedule([5, 0, 5, 2], 9).tolist() == [0, 2, 5]
    with pytest.raises(ValueError, match="beyond n_epochs"):
        resolve_schedule([0, 11], 10)
    with pytest.raises(ValueError, match="unknown schedule"):
        resolve_schedule("log", 10)
    with pytest.raises(ValueError, match="empty"):
        resolve_schedule([], 10)


def test_log_schedule():
    assert log_schedule(1000, 4).tolist() == [0, 1, 10, 100, 1000]
    assert log_schedule(5, 20).tolist() == [0, 1, 2, 3, 4, 5]  # rounding merges early points
    assert log_schedule(7, 1).tolist() == [0, 7] and log_schedule(0, 3).tolist() == [0]
    cfg = config_6(n_epochs=30, schedule=log_schedule(30, 6).tolist())
    assert cfg.epochs()[-1] == 30
