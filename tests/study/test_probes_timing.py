"""Tests of ibcore.study.probes._timing: what every probe's projection is built from."""

import pytest
import torch

from ibcore.study.probes import _timing


def test_min_time_keeps_the_least_of_its_repeats_and_the_last_result():
    calls = []

    def work():
        calls.append(1)
        return len(calls)

    sec, out = _timing.min_time(work, repeats=3)
    assert out == 3 and len(calls) == 3 and 0 <= sec < 1
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="repeats must be an int >= 1"):
            _timing.min_time(work, bad)


def test_the_line_through_two_units_never_shrinks_the_work():
    assert _timing.fixed_and_per([3.0, 5.0], (1, 3)) == pytest.approx((2.0, 1.0))  # start-up 2, 1 per unit
    assert _timing.fixed_and_per([3.0, 2.0], (1, 2)) == pytest.approx((2.0, 1.0))  # noise: T(hi) / hi
    assert _timing.fixed_and_per([1.0, 4.0], (2, 3)) == pytest.approx((0.0, 3.0))  # start-up at least 0
    assert _timing.line(2.0, 1, 3.0, 2, 10) == pytest.approx(11.0)  # start-up 1 + 1 per epoch
    assert _timing.slope(3.0, 1, 2.0, 2) == pytest.approx(1.0)  # noise: the longer unit per epoch
    assert _timing.line(3.0, 1, 2.0, 2, 10) > 0  # a noisy pair still costs something


@pytest.mark.parametrize("value", [(2, 1), (0, 3), (1,), (1.0, 2), (True, 2), "ab", None])
def test_lengths_are_two_increasing_ints(value):
    with pytest.raises(ValueError, match="epochs must be two increasing ints >= 1"):
        _timing.lengths(value, "epochs")
    assert _timing.lengths([20, 60], "epochs") == (20, 60)
    with pytest.raises(ValueError, match=">= 20"):
        _timing.lengths((10, 40), "images", minimum=20)


def test_units_run_at_the_pages_threads_and_restore_them():
    before = torch.get_num_threads()
    with _timing.units(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
