"""Named run profiles for the book's notebooks, and the header every executed notebook prints.

Each notebook starts with a cell tagged ``parameters`` holding plain assignments, ``profile`` among
them, and then calls :func:`setup`, which

1. looks the notebook's sizes up in :data:`PROFILES` under the chosen profile,
2. applies any parameter the cell (or papermill) set to something other than ``None``,
3. rejects an unknown profile or parameter, a value of the wrong type or out of range (see
   :func:`check_param`), or a bad ``seed``, with a clear error - before anything is seeded or run,
4. seeds torch/numpy, resolves the device and prints which profile, seeds, device and package
   versions produced the page, and
5. writes a small JSON record (when ``IBSTUDY_RECORD_DIR`` is set) that the book's status page reads.

Profiles
--------
``smoke``
    CI and nbval: seconds to a minute per notebook; checks the code path, not the science.
``default``
    the main job (``make book``): the whole book on a 2-core CPU within 45 min from an empty cache.
``paper``
    the papers' own settings, meant for a GPU.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from ibcore._device import resolve_device
from ibcore._validation import check_int
from ibcore.study.chapters import NOTEBOOKS

__all__ = ["PROFILE_NAMES", "PROFILES", "Settings", "check_param", "setup", "versions"]

PROFILE_NAMES = ("smoke", "default", "paper")
_THREAD_LIMITS: list[Any] = []  # threadpoolctl limits set by setup(threads=...), kept alive


class _Profiles(Mapping[str, dict[str, dict[str, Any]]]):
    """Notebook -> its chapter module's ``PROFILE`` table, the module imported on first lookup (a
    page imports its own chapter only; see :data:`ibcore.study.chapters.NOTEBOOKS`)."""

    def __getitem__(self, notebook: str) -> dict[str, dict[str, Any]]:
        return NOTEBOOKS[notebook].PROFILE

    def __iter__(self) -> Iterator[str]:
        return iter(NOTEBOOKS)

    def __len__(self) -> int:
        return len(NOTEBOOKS)


# Sizes per notebook and profile: each chapter module of ibcore.study.chapters holds its table.
# Keep the keys identical across the three profiles of a notebook.
PROFILES: Mapping[str, dict[str, dict[str, Any]]] = _Profiles()


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the numbers on a page."""
    out = {"python": platform.python_version()}
    for pkg in ("ibcore", "torch", "numpy", "scipy", "scikit-learn", "pandas", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


@dataclass
class Settings:
    """The resolved settings of one notebook execution."""

    notebook: str
    profile: str
    params: dict[str, Any]
    seed: int
    device: str
    versions: dict[str, str] = field(default_factory=versions)
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    facts: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # settings.n_epochs reads params["n_epochs"]
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    def note(self, **facts: Any) -> None:
        """Add facts about this execution to its record (the book's status page shows them)."""
        self.facts.update(facts)
        self._write_record()

    def note_runs(self, runs: Any) -> str:
        """Record how many training runs were trained now or loaded from the run cache, and their cost.

        Seeds trained together (``info["batched_with"]``) count their shared wall time once.
        Returns the sentence it records, e.g. "5 runs trained now in 287 s".
        """
        runs = list(runs)
        groups: dict[Any, float] = {}
        for r in runs:
            # seeds trained together share one wall time; a run trained alone is its own group
            # (several configurations of one seed, e.g. a sweep, are separate runs)
            key = tuple(r.info.get("batched_with") or [getattr(r, "key", None) or id(r)])
            groups[key] = float(r.wall_time_s)
        cached = sum(bool(getattr(r, "from_cache", False)) for r in runs)
        cost = sum(groups.values())
        if cached == len(runs):
            text = f"{len(runs)} runs loaded from the run cache (trained earlier in {cost:.0f} s)"
        elif cached:
            text = (
                f"{len(runs) - cached} runs trained now, {cached} loaded from the run cache "
                f"({cost:.0f} s of training in all)"
            )
        else:
            text = f"{len(runs)} runs trained now in {cost:.0f} s"
        self.note(training=text)
        return text

    def _write_record(self) -> None:
        record_dir = os.environ.get("IBSTUDY_RECORD_DIR")
        if record_dir:
            path = Path(record_dir) / f"{self.notebook}.settings.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(self), indent=2, default=str))

    def header(self) -> str:
        rows = [
            ("notebook", self.notebook),
            ("profile", self.profile),
            ("seed", self.seed),
            ("device", self.device),
            *self.params.items(),
            ("versions", ", ".join(f"{k} {v}" for k, v in self.versions.items())),
            ("started", self.started),
        ]
        width = max(len(str(k)) for k, _ in rows)
        return "\n".join(f"{str(k):<{width}} : {v}" for k, v in rows)


def _check_type(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, list):
        ok = isinstance(value, (list, tuple))
        value = list(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise TypeError(
            f"parameter {name}={value!r} has type {type(value).__name__}; "
            f"expected {type(default).__name__} like the profile's {default!r}"
        )
    return value


SEED_MAX = 2**32 - 1  # numpy's legacy seeding (np.random.seed) takes 0..2**32 - 1


def _check_seed(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 <= value <= SEED_MAX:
        raise ValueError(f"{name} must be in 0..{SEED_MAX} (numpy's seed range), got {value}")
    return value


def check_param(name: str, value: Any) -> Any:
    """Check the range of a notebook parameter of the right type; return it (``ValueError`` if not).

    The rules go by name, so every notebook's parameters of these kinds are held to them:

    * ``seeds``: a non-empty list of distinct ints in 0..2**32 - 1;
    * ``seed`` or a name ending in ``_seed``: an int in 0..2**32 - 1;
    * a name starting with ``n_`` (``n_epochs``, ``n_bins``, ...): an int >= 1;
    * a name ending in ``_fraction`` (``train_fraction``): a number strictly between 0 and 1;
    * any other float: finite.
    """
    if name == "seeds":
        if not value:
            raise ValueError("parameter seeds is empty: give at least one seed, e.g. [0]")
        checked = [_check_seed(v, f"seeds[{i}]") for i, v in enumerate(value)]
        dup = sorted({v for v in checked if checked.count(v) > 1})
        if dup:
            raise ValueError(f"parameter seeds={checked} repeats {dup}: each seed must appear once")
        return checked
    if name == "seed" or name.endswith("_seed"):
        return _check_seed(value, f"parameter {name}")
    if name.startswith("n_") and isinstance(value, int) and value < 1:
        raise ValueError(f"parameter {name}={value} must be >= 1")
    if name.endswith("_fraction") and isinstance(value, (int, float)) and not 0.0 < value < 1.0:
        raise ValueError(f"parameter {name}={value!r} must lie strictly between 0 and 1")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parameter {name}={value!r} must be finite")
    return value


def setup(
    notebook: str,
    profile: str | Mapping[str, Any],
    *,
    seed: int = 0,
    device: str | None = None,
    quiet: bool = False,
    threads: int | None = None,
    **overrides: Any,
) -> Settings:
    """Resolve a notebook's settings from its profile and parameters, seed everything, print a header.

    A page calls ``setup(NB, globals())``: its ``parameters`` cell (after papermill's injected
    one) holds ``profile``, ``seed``, ``device`` and any of the profile table's keys, so that each
    parameter is written once in the table and once in that cell.

    Parameters
    ----------
    notebook : str
        The notebook's key in :data:`PROFILES` (its file name without ``.ipynb``).
    profile : {"smoke", "default", "paper"} or mapping
        The profile's name, or a namespace (a page's ``globals()``) holding ``profile`` and
        optionally ``seed``, ``device`` and parameters; names of the namespace that are not
        parameters of the notebook are ignored, and a parameter set in both the namespace and
        ``overrides`` is refused.
    threads : int or None
        Intra-op threads of torch and of the BLAS libraries (threadpoolctl) for the rest of the
        execution; ``None`` leaves them as they are. A page sets threads here and nowhere else.
    seed : int
        Seed for torch, numpy and :mod:`random` (the notebook's runs take their own seeds from
        the profile's ``seeds`` where there are several).
    device : str or None
        ``None``/``"auto"``: CUDA when available, else CPU.
    **overrides
        Parameters from the notebook's ``parameters`` cell; ``None`` means "the profile's value".

    Raises
    ------
    ValueError
        Unknown notebook, profile or parameter name; a parameter out of its range
        (:func:`check_param`: e.g. ``n_epochs=-5``, ``seeds=[]``, duplicate seeds,
        ``train_fraction=1.5``); ``seed`` outside 0..2**32 - 1. Nothing is seeded before
        every check has passed.
    TypeError
        A parameter of the wrong type.
    """
    if notebook not in PROFILES:
        raise ValueError(f"unknown notebook {notebook!r}; known: {', '.join(sorted(PROFILES))}")
    if isinstance(profile, Mapping):
        namespace = profile
        if "profile" not in namespace:
            raise ValueError("the namespace given to setup has no 'profile'")
        profile = namespace["profile"]
        seed = namespace.get("seed", seed)
        device = namespace.get("device", device)
        table = PROFILES[notebook].get(profile, {}) if isinstance(profile, str) else {}
        both = sorted(name for name in overrides if name in namespace)
        if both:
            raise ValueError(f"parameters {both} set both in the namespace and as keyword arguments")
        overrides = {**{k: namespace[k] for k in table if k in namespace}, **overrides}
    if not isinstance(profile, str) or profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile={profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    seed = _check_seed(seed, "seed")
    params = dict(PROFILES[notebook][profile])
    for name, value in overrides.items():
        if name not in params:
            raise ValueError(f"unknown parameter {name!r} for {notebook}; known: {', '.join(params)}")
        if value is not None:
            params[name] = _check_type(name, value, params[name])
    params = {name: check_param(name, value) for name, value in params.items()}
    if threads is not None:
        threads = check_int(threads, "threads", minimum=1)
    dev = resolve_device(device)
    if threads is not None:
        torch.set_num_threads(threads)
        _THREAD_LIMITS.append(threadpool_limits(limits=threads))  # held for the execution
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    settings = Settings(notebook=notebook, profile=profile, params=params, seed=seed, device=str(dev))
    if not quiet:
        print(settings.header())
    settings._write_record()
    return settings
