"""The page's settings and synthetic per-seed tables for the tests of chapter 2; nothing trains.

Shared by the test modules of this folder as ``fakes.<name>``; not a test module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study.chapters.noisy_dnns import CLAIMS, PROFILE, key_numbers, our_settings
from ibcore.study.profiles import Settings

NB = "02_noisy_dnns"
HIDDEN = ["layer1", "layer2", "layer3"]
CNN = ["layer3", "layer4"]
NAN = float("nan")
EPOCHS = {"peak epoch": 3, "bottom epoch": 9, "min epoch": 12, "lag": 9, "bottom lag": 3, "rho": 0.5}


def settings(profile: str = "default", seeds: Sequence[int] | None = None) -> Settings:
    params = dict(PROFILE[profile])
    if seeds is not None:
        params["seeds"] = list(seeds)
    return Settings(notebook=NB, profile=profile, params=params, seed=0, device="cpu")


#: The default run's settings, set to the paper's wherever the paper states one (no deviation).
PAPER_OURS = {
    **our_settings(settings()),
    **{name: s.value for claim in CLAIMS for name, s in claim.settings.items() if s.value is not None},
}


def per_seed(rows: dict, seeds: Sequence[int], levels: Sequence[str] = ("layer",)) -> pd.DataFrame:
    """A per-seed compression table: ``rows`` maps a key (a layer, or (beta, layer)) to
    ``{column: value}`` where a value is one number for every seed or a list of one per seed;
    the epoch columns of :data:`EPOCHS` are added where missing. The seed level goes before the
    last level: (seed, layer) or (beta, seed, layer)."""
    records, index = [], []
    for key, columns in rows.items():
        key = key if isinstance(key, tuple) else (key,)
        for j, seed in enumerate(seeds):
            row = {**EPOCHS}
            for col, value in columns.items():
                row[col] = value[j] if isinstance(value, (list, tuple, np.ndarray)) else value
            records.append(row)
            index.append((*key[:-1], seed, key[-1]))
    names = [*levels[:-1], "seed", levels[-1]]
    return pd.DataFrame(records, index=pd.MultiIndex.from_tuples(index, names=names))


def cos_gaps(first: dict, last: dict, seeds: Sequence[int]) -> pd.DataFrame:
    """Per (seed, layer): the within-minus-between cosine similarity before training and at the end."""
    rows = {layer: {"first": first[layer], "last": last[layer]} for layer in first}
    return per_seed(rows, seeds)[["first", "last"]]


def sp_cnn() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": ["layer3", "layer3", "layer4", "layer4"],
            "epoch": [0, 2, 0, 2],
            IXL: np.array([4.0, 3.0, 5.0, 5.0]) * LN2,
        }
    )


def proxy_table(diff: dict, seeds: Sequence[int]) -> pd.DataFrame:
    """Per (beta, seed): deterministic accuracy 0.9 and the noisy one ``0.9 + diff[beta]`` (a number
    for every seed or a list of one per seed)."""
    rows = {}
    for beta, d in diff.items():
        for j, seed in enumerate(seeds):
            dj = d[j] if isinstance(d, (list, tuple, np.ndarray)) else d
            rows[(beta, seed)] = {"deterministic": 0.9, "noisy": 0.9 + dj, "noisy - deterministic": dj}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["beta", "seed"])
    return frame


def numbers(
    *,
    seeds: Sequence[int] = (0,),
    table: dict | None = None,
    track: dict | None = None,
    ortho: dict | None = None,
    cnn: dict | None = None,
    gap_first: dict | None = None,
    gap_last: dict | None = None,
    proxy: dict | None = None,
    cnn_acc: float = 0.75,
):
    """:func:`key_numbers` of synthetic per-seed tables (defaults: one compressing layer, layer3)."""
    seeds = list(seeds)
    table = table or {
        (0.005, "layer1"): {"dip": 0.0, "dip stderr": 0.01, "measure change": 0.0},
        (0.005, "layer2"): {"dip": 0.0, "dip stderr": 0.01, "measure change": 0.0},
        (0.005, "layer3"): {"dip": 1.0, "dip stderr": 0.05, "measure change": -0.3},
    }
    track = track or {
        layer: {"dip": 0.5, "dip stderr": NAN, "measure change": -0.3, "rho": 0.6, "rho after peak": 0.8}
        for layer in HIDDEN
    }
    ortho = ortho or {layer: {"dip": 0.0, "dip stderr": 0.01, "measure change": 0.0} for layer in HIDDEN}
    cnn = cnn or {layer: {"dip": 0.5, "dip stderr": 0.05, "measure change": -0.2} for layer in CNN}
    return key_numbers(
        per_seed(table, seeds, ("beta", "layer")),
        per_seed(track, seeds),
        per_seed(ortho, seeds),
        per_seed(cnn, seeds),
        sp_cnn(),
        cos_gaps(gap_first or dict.fromkeys(CNN, 0.0), gap_last or dict.fromkeys(CNN, 0.4), seeds),
        proxy_table(proxy or {0.005: -0.002}, seeds),
        acc={0.005: 0.9},
        cnn_acc=cnn_acc,
        hidden=HIDDEN,
    )
