"""The Shwartz-Ziv & Tishby (2017) task: all 4096 binary 12-bit inputs and their labels, from ``var_u.mat``.

:func:`load_szt` fetches ``szt/var_u.mat`` (the file shipped with the authors' code) as
:mod:`ibcore.data.files` describes and reads it with :func:`scipy.io.loadmat`.
"""

from __future__ import annotations

import io
import logging
import os

import numpy as np
import torch

from ibcore._validation import check_bool
from ibcore.data.dataset import Dataset
from ibcore.data.files import MD5, URLS, fetch_first, read_checked, resolve_root

__all__ = ["load_szt"]

_log = logging.getLogger("ibcore.data")


def load_szt(*, root: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load the Shwartz-Ziv & Tishby (2017) task: all 4096 binary 12-bit inputs and their labels.

    Reads ``szt/var_u.mat`` (MATLAB v5, ``F`` 4096 x 12 uint8 and ``y`` 1 x 4096 uint8; md5
    29b51a6cb3eaa73ee0c652fd3feec3e4), the file shipped as ``data/var_u.mat`` with the authors'
    code (github.com/ravidziv/IDNNs), fetched as :func:`fetch` describes.

    Parameters
    ----------
    root : path, optional
        Cache folder. Default :func:`ibcore._paths.data_dir`.
    download : bool, default True
        Download from GitHub when neither the cache nor ``IBCORE_DATA_MIRROR`` has the file.

    Returns
    -------
    Dataset
        ``x`` float32 (4096, 12) of 0/1, ``y`` int64 (4096,) of 0/1 (the file's ``y``; the authors'
        code one-hot encodes it as ``[y, 1 - y]``). ``reader="ibcore"`` (scipy.io.loadmat).

    References
    ----------
    Shwartz-Ziv & Tishby (2017), "Opening the black box of deep neural networks via information",
    arXiv:1703.00810, Sec. 3.1 (the 12-bit symmetric rule).
    """
    from scipy.io import loadmat

    download = check_bool(download, "download")
    root_p = resolve_root(root)
    rel, path, where = fetch_first(["szt/var_u.mat"], root_p, download=download)
    mat = loadmat(io.BytesIO(read_checked(path, rel)))  # the md5 of the bytes decoded
    if "F" not in mat or "y" not in mat:
        have = sorted(k for k in mat if not k.startswith("__"))
        raise ValueError(f"{path} lacks the variables F and y (has {have})")
    f, lab = np.asarray(mat["F"]), np.asarray(mat["y"]).reshape(-1)
    if f.ndim != 2 or f.shape[0] != lab.shape[0]:
        raise ValueError(f"{path}: F has shape {f.shape} and y has {lab.shape[0]} labels")
    x = torch.from_numpy(f.astype(np.float32))
    y = torch.from_numpy(lab.astype(np.int64))
    _log.info("SZT: %d x %d inputs read by the ibcore reader (scipy.io.loadmat) from %s", *f.shape, root_p)
    info = {
        "split": "all",
        "root": str(root_p),
        "files": {rel: MD5[rel]},
        "origin": {rel: where},
        "classes": ["0", "1"],
        "url": URLS[rel][0],
    }
    return Dataset(x=x, y=y, name="SZT", reader="ibcore", info=info)
