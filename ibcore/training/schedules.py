"""Recording schedules: at which epochs a run records its layers.

:func:`saxe_schedule` is the rule of Saxe et al. (2018), dense early and sparse late;
:func:`resolve_schedule` turns a schedule name of :data:`SCHEDULES` (``"saxe"``, ``"all"``,
``"ends"``) or an explicit list of epochs into the sorted epochs to record.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ibcore._validation import check_choice, check_int

__all__ = ["SCHEDULES", "saxe_schedule", "log_schedule", "resolve_schedule"]

SCHEDULES = ("saxe", "all", "ends")


def saxe_schedule(n_epochs: int) -> np.ndarray:
    """Epochs at which Saxe et al. (2018) record activations, for a run of ``n_epochs`` epochs.

    Every epoch below 20, every 5th below 100, every 20th below 2000 and every 100th after that,
    plus the last epoch. Epoch 0 is the network before training; epoch e is after e passes.

    Parameters
    ----------
    n_epochs : int >= 0

    Returns
    -------
    numpy.ndarray of int64, sorted
        E.g. 142 epochs for ``n_epochs=3000`` (20 + 16 + 95 + 11), 212 for 10000.

    References
    ----------
    Saxe, Bansal, Dapello, Advani, Kolchinsky, Tracey, Cox, "On the Information Bottleneck Theory
    of Deep Learning", ICLR 2018; the ``do_report`` rule of their code (github.com/artemyk/ibsgd).

    Examples
    --------
    >>> saxe_schedule(30).tolist()[18:]
    [18, 19, 20, 25, 30]
    """
    n = check_int(n_epochs, "n_epochs", minimum=0)
    e = np.arange(n + 1, dtype=np.int64)
    keep = np.where(
        e < 20, True, np.where(e < 100, e % 5 == 0, np.where(e < 2000, e % 20 == 0, e % 100 == 0))
    )
    keep[-1] = True
    return e[keep]


def log_schedule(n_epochs: int, n_points: int) -> np.ndarray:
    """Epoch 0 and about ``n_points`` epochs spaced evenly in log(epoch) from 1 to ``n_epochs``.

    Rounding merges early points, so fewer may come back; ``n_epochs`` is always the last.

    Examples
    --------
    >>> log_schedule(1000, 4).tolist()
    [0, 1, 10, 100, 1000]
    """
    n = check_int(n_epochs, "n_epochs", minimum=0)
    k = check_int(n_points, "n_points", minimum=1)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    pts = np.round(np.geomspace(1, n, k)).astype(np.int64) if k > 1 else np.array([n], dtype=np.int64)
    return np.unique(np.concatenate([[0], pts, [n]]).astype(np.int64))


def resolve_schedule(schedule: str | Sequence[int], n_epochs: int) -> np.ndarray:
    """Turn a schedule name (``"saxe"``, ``"all"``, ``"ends"``: 0 and the last) or a list into epochs."""
    n = check_int(n_epochs, "n_epochs", minimum=0)
    if isinstance(schedule, str):
        check_choice(schedule, "schedule", SCHEDULES)
        if schedule == "saxe":
            return saxe_schedule(n)
        if schedule == "all":
            return np.arange(n + 1, dtype=np.int64)
        return np.unique(np.array([0, n], dtype=np.int64))
    epochs = [check_int(e, "schedule[i]", minimum=0) for e in schedule]
    if not epochs:
        raise ValueError("schedule is an empty list: give at least one epoch to record")
    bad = [e for e in epochs if e > n]
    if bad:
        raise ValueError(f"schedule holds epochs {bad} beyond n_epochs={n}")
    return np.unique(np.array(epochs, dtype=np.int64))
