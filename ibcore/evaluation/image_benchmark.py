"""Estimators against the exact MI of synthetic image pairs (Butakov et al. 2024, the synthetic experiments).

* :func:`synthetic_benchmark` - estimates on the image pairs with exact MI
  (:mod:`ibcore.ground_truth.images`), on codes (:mod:`ibcore.compression`) and on raw images;
* :func:`error_table` - bias and RMSE of estimates against the true MI, per estimator and task.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from ibcore._validation import check_int, check_mapping

__all__ = ["synthetic_benchmark", "error_table"]


def error_table(frame: pd.DataFrame, *, by: Any = ("task", "estimator")) -> pd.DataFrame:
    r"""Bias and RMSE of estimates against the truth, per group.

    .. math:: \text{bias} = \overline{\hat I - I}, \qquad \text{RMSE} = \sqrt{\overline{(\hat I - I)^2}}

    over the rows of a group (all grid points and seeds). ``frame`` needs columns ``estimate`` and
    ``true`` (nats) and the ``by`` columns; also reports ``max |error|`` and ``n``.
    """
    by = list(by)
    missing = [c for c in ["estimate", "true", *by] if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    err = frame.assign(error=frame["estimate"] - frame["true"])
    g = err.groupby(by, sort=False)["error"]
    return pd.DataFrame(
        {
            "bias": g.mean(),
            "RMSE": g.apply(lambda e: float(np.sqrt(np.mean(e**2)))),
            "max |error|": g.apply(lambda e: float(np.abs(e).max())),
            "n": g.size(),
        }
    )


def _timed(fn: Any, a: Any, b: Any) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn(a, b)
    value = float(getattr(value, "estimate", value))  # MINEResult or float
    return value, time.perf_counter() - start


def synthetic_benchmark(
    task: str,
    mi_grid: Any,
    seeds: Any,
    *,
    n: int,
    compressors: Any,
    estimators: Any,
    raw_estimators: Any = None,
    raw_samples: int | None = None,
    raw_grid: Any = None,
    latent_estimators: Any = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Estimates against the true MI on the image pairs of :func:`ibcore.ground_truth.images.image_pair`.

    For every true MI in ``mi_grid`` and seed, ``n`` pairs are drawn; both images of a pair go
    through each compressor (X and Y have the same marginal law, so one compressor serves both)
    and every estimator in ``estimators`` runs on the codes. The ``raw_estimators`` run on the
    flattened images themselves (the first ``raw_samples`` pairs, first seed only: they are the
    expensive uncompressed baselines), at the true MIs in ``raw_grid`` (default: all of ``mi_grid``).
    The ``latent_estimators`` run on the true latent coordinates of every pair (input
    ``"latent"``, every grid point and seed): the best any compression can do (Butakov et al.'s
    own baseline).

    Parameters
    ----------
    compressors : mapping name -> Compressor
    estimators, raw_estimators, latent_estimators : mapping name -> callable ``f(x, y)`` returning nats
        (a float, or an object with ``.estimate`` such as a ``MINEResult``).

    Returns
    -------
    pandas.DataFrame
        Columns ``task, true, seed, input, estimator, estimate, seconds``; ``input`` is a
        compressor's name, ``"raw"`` or ``"latent"``; ``seconds`` is the estimation time
        (compression excluded).
    """
    from ibcore._progress import progress_bar
    from ibcore.ground_truth.images import image_pair

    compressors = check_mapping(compressors, "compressors")
    estimators = check_mapping(estimators, "estimators")
    raw_estimators = check_mapping(raw_estimators or {}, "raw_estimators")
    latent_estimators = check_mapping(latent_estimators or {}, "latent_estimators")
    grid = [float(m) for m in np.atleast_1d(np.asarray(mi_grid, dtype=np.float64))]
    seeds = [check_int(s, "seeds[i]", minimum=0) for s in seeds]
    if not grid or not seeds:
        raise ValueError("mi_grid and seeds must be non-empty")
    raw_set = {
        float(m) for m in np.atleast_1d(np.asarray(raw_grid if raw_grid is not None else [], dtype=float))
    }
    rows = []
    jobs = [(mi, seed) for seed in seeds for mi in grid]
    for mi, seed in progress_bar(jobs, enabled=progress, desc=task):
        pair = image_pair(task, n, mi, seed=seed)
        for cname, comp in compressors.items():
            zx, zy = comp.encode(pair.x), comp.encode(pair.y)
            for ename, fn in estimators.items():
                value, sec = _timed(fn, zx, zy)
                rows.append((task, pair.mi, seed, cname, ename, value, sec))
        for ename, fn in latent_estimators.items():
            value, sec = _timed(fn, pair.latent_x, pair.latent_y)
            rows.append((task, pair.mi, seed, "latent", ename, value, sec))
        if seed == seeds[0] and raw_estimators and (raw_grid is None or mi in raw_set):
            m = n if raw_samples is None else min(check_int(raw_samples, "raw_samples", minimum=2), n)
            rx, ry = pair.x[:m].reshape(m, -1), pair.y[:m].reshape(m, -1)
            for ename, fn in raw_estimators.items():
                value, sec = _timed(fn, rx, ry)
                rows.append((task, pair.mi, seed, "raw", ename, value, sec))
    return pd.DataFrame(rows, columns=["task", "true", "seed", "input", "estimator", "estimate", "seconds"])
