"""Fixed input subsamples of recorded runs: :func:`input_subsample` draws the indices,
:func:`subsample_run` keeps those inputs of a run (for the O(N^2) estimators and geometry).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ibcore._validation import check_int
from ibcore.estimators.renyi import subsample_index

__all__ = ["input_subsample", "subsample_run"]


def input_subsample(n: int, size: int | None, *, seed: int = 0) -> torch.Tensor:
    """Sorted indices of ``size`` of ``n`` inputs drawn without replacement.

    All ``n`` when ``size`` is None or >= n.

    Examples
    --------
    >>> input_subsample(10, 4, seed=0).tolist() == sorted(input_subsample(10, 4, seed=0).tolist())
    True
    """
    n = check_int(n, "n", minimum=1)
    if size is None or size >= n:
        return torch.arange(n)
    return subsample_index(n, check_int(size, "size", minimum=1), check_int(seed, "seed", minimum=0))


def subsample_run(run: Any, index: Any) -> Any:
    """A copy of a recorded run keeping the evaluation inputs ``index`` (activations, x_eval, y_eval)."""
    sel = torch.as_tensor(index)
    return dataclasses.replace(
        run,
        activations={name: a[:, sel] for name, a in run.activations.items()},
        x_eval=run.x_eval[sel],
        y_eval=run.y_eval[sel],
    )
