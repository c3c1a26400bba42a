"""ibcore.analysis.subsample: fixed input subsamples of recorded runs."""

from __future__ import annotations

import pytest
import torch

from ibcore import torch_threads
from ibcore.analysis.subsample import input_subsample

pytestmark = pytest.mark.usefixtures("one_thread")


def test_input_subsample_and_threads():
    a = input_subsample(100, 10, seed=1)
    assert a.tolist() == sorted(set(a.tolist())) and len(a) == 10
    assert torch.equal(a, input_subsample(100, 10, seed=1))
    assert input_subsample(5, None).tolist() == [0, 1, 2, 3, 4]
    assert input_subsample(5, 9).tolist() == [0, 1, 2, 3, 4]
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
