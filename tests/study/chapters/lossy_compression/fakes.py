"""Hand-made settings, benchmarks and planes for the tests of chapter 3 (Butakov et al. 2024).

Shared by the test modules of this folder as ``fakes.<name>``; not a test module.
"""

import numpy as np
import pandas as pd

from ibcore.interface import IXL, IYL
from ibcore.study.chapters.lossy_compression import PROFILE
from ibcore.study.profiles import Settings

NB = "03_lossy_compression"


def settings(profile="default", **params):
    return Settings(notebook=NB, profile=profile, params={**PROFILE[profile], **params}, seed=0, device="cpu")


def plane(curves):
    rows = []
    for (seed, layer), values in curves.items():
        for e, v in enumerate(values):
            rows.append({"seed": seed, "layer": layer, "epoch": e, IXL: float(v), IYL: 0.0})
    return pd.DataFrame(rows)


GRID = [0.0, 5.0, 10.0]

ERRORS = {
    ("bumps", "WKL on AE codes"): 0.5,  # RMSE 0.5 <= 1: tracks; |bias| 0.5
    ("bumps", "KL on AE codes"): -2.0,  # |bias| 2 > 0.5: offset
    ("bumps", "WKL on PCA codes"): 1.0,  # worse than AE
    ("bumps", "KSG on raw images"): 3.0,  # raw worse than WKL: beats
    ("bumps", "MINE on raw images"): 4.0,
    ("rectangles", "WKL on AE codes"): 2.0,  # RMSE 2 > 1: does not track
    ("rectangles", "KL on AE codes"): 1.0,  # |bias| 1 < 2: no offset
    ("rectangles", "WKL on PCA codes"): 3.0,  # worse than AE
    ("rectangles", "KSG on raw images"): 1.5,  # raw better than WKL: does not beat
    ("rectangles", "MINE on raw images"): np.nan,  # every MINE fit diverged
}


def bench(errors=ERRORS, seeds=(0, 1)):
    """Estimates ``truth + error`` at every grid point: ``error`` one number, or one per seed (a tuple).

    The raw-image methods run on the first seed only, as the page's grid does.
    """
    rows = []
    for (task, method), err in errors.items():
        raw = method.endswith("raw images")
        per_seed = err if isinstance(err, tuple) else (err,) * len(seeds)
        for seed, e in list(zip(seeds, per_seed, strict=True))[: 1 if raw else None]:
            for true in GRID:
                rows.append(
                    {"task": task, "method": method, "true": true, "seed": seed, "estimate": true + e}
                )
    return pd.DataFrame(rows)
