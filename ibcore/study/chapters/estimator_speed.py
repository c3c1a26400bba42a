"""Appendix A1, estimator speed.

The sizes of ``A1_estimator_speed.ipynb`` per profile (:data:`PROFILE`, data only, read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles) and the
page's code around :mod:`ibcore.evaluation.benchmark`: the tables it shows (``*_table``), the
checks it prints (:func:`within`, :func:`renyi_ordered`) and the values glued into its prose
(:func:`glue_values`). The timings themselves come from :mod:`ibcore.evaluation.benchmark`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ibcore.interface import IXL, IYL

if TYPE_CHECKING:  # Styler needs jinja2, the book's dependency: not imported with the profile tables
    from pandas.io.formats.style import Styler

__all__ = [
    "PROFILE",
    "CHAPTER0_LAYER_EPOCHS",
    "machine_note",
    "machine_table",
    "kde_table",
    "kde_run_table",
    "ksg_settings",
    "ksg_table",
    "renyi_cost",
    "renyi_cost_table",
    "parallel_table",
    "within",
    "renyi_ordered",
    "glue_values",
]

PROFILE = {
    # Appendix: time vs N of the estimators against the anchors' way (ibcore.evaluation.benchmark).
    # run_epochs: the SZT run whose information plane is timed (10^4 is chapter 0's run);
    # anchor_samples: layer-epochs on which Saxe et al.'s kde.py is timed and compared.
    "smoke": {
        "kde_sizes": [256, 512, 1024],
        "ksg_sizes": [1000, 3000],
        "ksg_dims": [1, 4],
        "renyi_sizes": [64, 128, 256],
        "run_epochs": 10,
        "anchor_samples": 2,
    },
    "default": {
        "kde_sizes": [512, 1024, 2048, 4096],
        "ksg_sizes": [1000, 3000, 10000, 30000],
        "ksg_dims": [1, 4],
        "renyi_sizes": [128, 256, 512, 1024],
        "run_epochs": 300,
        "anchor_samples": 6,
    },
    "paper": {
        "kde_sizes": [512, 1024, 2048, 4096],
        "ksg_sizes": [1000, 10000, 100000],
        "ksg_dims": [1, 4, 8],
        "renyi_sizes": [256, 512, 1024, 2048],
        "run_epochs": 10000,
        "anchor_samples": 12,
    },
}


# layer-epochs of chapter 0's full run: 6 layers x 212 recorded epochs (10^4 epochs, Saxe schedule)
CHAPTER0_LAYER_EPOCHS = 6 * 212


def machine_note(machine: Mapping[str, Any]) -> str:
    """The machine as the page's execution record notes it: CPU, CPU count and GPU.

    ``machine`` is :func:`ibcore.evaluation.benchmark.machine`'s mapping.
    """
    return f"{machine['cpu']}, {machine['cpus']} CPUs, GPU: {machine['gpu']}"


def machine_table(machine: Mapping[str, Any]) -> Styler:
    """The machine's facts as a one-row table without an index."""
    return pd.DataFrame([dict(machine)]).style.hide(axis="index")


def kde_table(kde: pd.DataFrame) -> Styler:
    """:func:`~ibcore.evaluation.benchmark.kde_vs_n`'s frame, formatted for the page."""
    return kde.style.format(
        {"ours (s)": "{:.4f}", "anchor (s)": "{:.3f}", "ratio": "{:.1f}x", "max |diff|": "{:.1e}"}
    )


def kde_run_table(kde_run: Mapping[str, Any]) -> Styler:
    """:func:`~ibcore.evaluation.benchmark.kde_run`'s mapping as a formatted one-row table."""
    return (
        pd.DataFrame([dict(kde_run)])
        .style.format(
            {
                "ours (s)": "{:.1f}",
                "anchor per layer-epoch (s)": "{:.2f}",
                "anchor projected (s)": "{:.0f}",
                "ratio": "{:.1f}x",
                "max |diff|": "{:.1e}",
            }
        )
        .hide(axis="index")
    )


def ksg_settings(sizes: Sequence[int], dims: Sequence[int]) -> list[tuple[int, int]]:
    """The (N, d) pairs the KSG timings run at: every size for the first ``d``, then the next.

    Examples
    --------
    >>> ksg_settings([1000, 3000], [1, 4])
    [(1000, 1), (3000, 1), (1000, 4), (3000, 4)]
    """
    return [(n, d) for d in dims for n in sizes]


def ksg_table(ksg: pd.DataFrame) -> Styler:
    """:func:`~ibcore.evaluation.benchmark.ksg_vs_n`'s frame, formatted for the page."""
    return ksg.style.format(
        {
            "ours (s)": "{:.4f}",
            "anchor (s)": "{:.4f}",
            "ratio": "{:.2f}x",
            "|diff|": "{:.1e}",
            "true MI": "{:.3f}",
        }
    )


def renyi_cost(cost: pd.DataFrame, layer_epochs: int = CHAPTER0_LAYER_EPOCHS) -> pd.DataFrame:
    """Add to the Renyi cost frame the time projected to chapter 0's full run.

    Parameters
    ----------
    cost : pandas.DataFrame
        The cost frame of :func:`~ibcore.evaluation.benchmark.renyi_subsample`, with a column
        ``"s per layer-epoch"``; changed in place.
    layer_epochs : int
        Layer-epochs of the run projected to (default: chapter 0's 6 x 212).

    Returns
    -------
    pandas.DataFrame
        ``cost`` itself, with ``"projected chapter-0 run (s)"`` = seconds per layer-epoch times
        ``layer_epochs``.
    """
    if "s per layer-epoch" not in cost.columns:
        raise ValueError(f"cost has no 's per layer-epoch' column; columns: {list(cost.columns)}")
    cost["projected chapter-0 run (s)"] = cost["s per layer-epoch"] * layer_epochs
    return cost


def renyi_cost_table(cost: pd.DataFrame) -> Styler:
    """The cost frame of :func:`renyi_cost`, formatted for the page."""
    return cost.style.format(
        {
            "s per layer-epoch": "{:.4f}",
            "projected run (s)": "{:.1f}",
            "projected chapter-0 run (s)": "{:.0f}",
        }
    )


def parallel_table(par: Mapping[str, Any]) -> Styler:
    """:func:`~ibcore.evaluation.benchmark.parallel_speedup`'s mapping as a formatted one-row table."""
    return (
        pd.DataFrame([dict(par)])
        .style.format(
            {
                "sequential (s)": "{:.1f}",
                "parallel (s)": "{:.1f}",
                "speedup": "{:.2f}x",
                "max |diff|": "{:.1e}",
            }
        )
        .hide(axis="index")
    )


def within(table: pd.DataFrame, column: str, tol: float) -> bool:
    """Whether every value of ``table[column]`` (absolute differences) is below ``tol``.

    Returns
    -------
    bool
        ``True`` when all of them are ``< tol`` (a NaN is not); ``True`` for an empty table.
    """
    if column not in table.columns:
        raise ValueError(f"no column {column!r}; columns: {list(table.columns)}")
    return bool((table[column] < tol).all())


def renyi_ordered(values: pd.DataFrame, tol: float = 1e-6) -> bool:
    """Whether I(Y;L) <= I(X;L) + ``tol`` in every row of the Renyi estimates (a data-processing check).

    Returns
    -------
    bool
        ``True`` when every row has ``values["I(Y;L)"] <= values["I(X;L)"] + tol``.
    """
    return bool((values[IYL] <= values[IXL] + tol).all())


def glue_values(
    machine: Mapping[str, Any], kde_run: Mapping[str, Any], par: Mapping[str, Any]
) -> dict[str, str]:
    """The values the page's prose shows, name -> formatted string (for ``glue_all``).

    Parameters
    ----------
    machine, kde_run, par : mapping
        What :func:`~ibcore.evaluation.benchmark.machine`,
        :func:`~ibcore.evaluation.benchmark.kde_run` and
        :func:`~ibcore.evaluation.benchmark.parallel_speedup` returned.

    Returns
    -------
    dict
        ``machine`` (CPU, CPUs, torch threads, GPU), ``kde_run_ratio``, ``kde_run_ours`` and
        ``kde_run_anchor`` (whole seconds and the ratio, rounded), ``par_speedup`` (one decimal).
    """
    return {
        "machine": (
            f"{machine['cpu']} ({machine['cpus']} CPUs, {machine['torch threads']} torch threads; "
            f"GPU: {machine['gpu']})"
        ),
        "kde_run_ratio": f"{kde_run['ratio']:.0f}",
        "kde_run_ours": f"{kde_run['ours (s)']:.0f}",
        "kde_run_anchor": f"{kde_run['anchor projected (s)']:.0f}",
        "par_speedup": f"{par['speedup']:.1f}",
    }
