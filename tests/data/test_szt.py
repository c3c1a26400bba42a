"""Tests of ibcore.data.szt: load_szt on a tiny var_u.mat and on the real file.

The real-data test needs a mirror holding the verified files (IBCORE_DATA_MIRROR, else
/work/shared/data) and skips without one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from ibcore import data as D  # noqa: N812 - short alias used throughout
from ibcore.data import files


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


# --- SZT -----------------------------------------------------------------------------------------
def test_szt_reader(tmp_path, monkeypatch):
    grid = ((np.arange(16)[:, None] >> np.arange(3, -1, -1)) & 1).astype(np.uint8)  # all 4-bit inputs
    labels = (grid.sum(1) % 2).astype(np.uint8)
    path = tmp_path / "root" / "szt" / "var_u.mat"
    path.parent.mkdir(parents=True)
    scipy.io.savemat(path, {"F": grid, "y": labels[None, :]})
    monkeypatch.setitem(files.MD5, "szt/var_u.mat", _md5(path))
    ds = D.load_szt(root=tmp_path / "root", download=False)
    assert ds.x.dtype == torch.float32 and ds.x.shape == (16, 4) and ds.y.dtype == torch.int64
    assert torch.equal(ds.x, torch.from_numpy(grid).float()) and ds.y.tolist() == labels.tolist()


def test_real_szt(real_mirror):
    if not (real_mirror / "szt" / "var_u.mat").is_file():
        pytest.skip("the mirror has no SZT data")
    ds = D.load_szt(download=False)
    assert ds.x.shape == (4096, 12) and set(ds.x.unique().tolist()) == {0.0, 1.0}
    assert len(torch.unique(ds.x, dim=0)) == 4096  # every 12-bit input exactly once
    assert int(ds.y.sum()) == 2118  # 2118 / 4096 = 51.7 % ones
    assert set(ds.y.unique().tolist()) == {0, 1}
