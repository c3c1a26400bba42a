"""Information-plane coordinates of recorded runs: I(X;L) and I(Y;L) per layer and epoch.

:func:`information_plane` takes one or several recorded runs (:class:`ibcore.training.RecordedRun`,
or anything with the same fields: ``epochs``, ``layers``, ``activations`` of shape (E, N, d) per
layer, ``x_eval``, ``y_eval``, ``seed``) and one or several estimators, and returns a long
:class:`pandas.DataFrame` with a row per (estimator, seed, layer, epoch) in nats.

Any estimator of :mod:`ibcore` can be handed over as it is, and so can a user's own
(see :mod:`ibcore.interface`); :func:`as_layer_estimator` decides how it is used:

* a :class:`~ibcore.interface.LayerEstimator` (``estimate_layer``): binning, KDE and the decision
  rule treat all epochs of a layer in one vectorized call; :class:`~ibcore.estimators.neural.AAMINE`
  and :class:`~ibcore.estimators.sample_propagation.SamplePropagation` have their own too;
* any other :class:`~ibcore.interface.MIEstimator` (``estimate(x, y) -> float``, e.g. a
  :class:`~ibcore.estimators.neural.MINE`) or a plain function ``fn(x, y, **options) -> float``
  (``mi_ksg``, ``mi_kl``, ``mi_wkl``, ``mi_edge``, a user's function) goes through the
  one adapter :class:`PairwiseMI`: I(X;L) = est(x, L), I(Y;L) = est(one-hot y, L), epoch by epoch;
* the functions of the layer estimators (``mi_binning``, ``mi_kde``, ``mi_decision_rule``,
  ``mi_sample_propagation``, ``mi_mine``, ``mi_noisy_layer``, ``mi_renyi``) stand for their
  estimator classes, built with the options given: ``as_layer_estimator(mi_kde, noise_var=0.1)``
  is ``KDE(noise_var=0.1)``, ``as_layer_estimator(mi_renyi, n_subsample=512)`` is
  ``Renyi(n_subsample=512)`` (the matrix-based Renyi MI on a fixed subsample of the inputs).

The (run, estimator, layer) jobs run in this process, in local worker processes (``n_jobs``) or
on a dask.distributed cluster (``client``), with the same frame whichever runs them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from ibcore._device import torch_threads
from ibcore._progress import progress_bar
from ibcore.estimators.binning import Binning, mi_binning
from ibcore.estimators.decision import DecisionRule, mi_decision_rule
from ibcore.estimators.kde import KDE, mi_kde
from ibcore.estimators.neural import AAMINE, MINE, mi_mine, mi_noisy_layer
from ibcore.estimators.renyi import Renyi, mi_renyi
from ibcore.estimators.sample_propagation import SamplePropagation, mi_sample_propagation
from ibcore.interface import IXL, IYL, LayerEstimator, MIEstimator

__all__ = [
    "PairwiseMI",
    "as_layer_estimator",
    "recorded_selection",
    "information_plane",
]

# The public functions of estimators whose natural object is a class: the function stands for it.
_FUNCTION_CLASSES = {
    mi_binning: Binning,
    mi_kde: KDE,
    mi_decision_rule: DecisionRule,
    mi_sample_propagation: SamplePropagation,
    mi_mine: MINE,
    mi_noisy_layer: AAMINE,
    mi_renyi: Renyi,
}


def _as_float(value: Any, who: str) -> float:
    """A finite Python float from an estimator's answer, or a clear error."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{who} returned {type(value).__name__}, not a number (nats)") from None
    if not math.isfinite(v):
        raise ValueError(f"{who} returned {v}: an estimator must answer a finite number or raise")
    return v


def _callable_name(fn: Any) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


@dataclass
class PairwiseMI:
    """The one adapter: any pairwise estimator as a layer estimator, and as an :class:`MIEstimator`.

    ``estimator`` is an :class:`~ibcore.interface.MIEstimator` (``estimate(x, y) -> float``) or a
    function ``fn(x, y, **options) -> float`` such as ``mi_ksg``; ``options`` are the function's
    keyword options. For a layer, I(X;L) = est(x, L) with the inputs flattened to (N, -1), and
    I(Y;L) = est(labels, L), looping over the recorded epochs (each call is vectorized over
    samples). Labels enter as one-hot vectors by default (``y_mode="onehot"``), or as a single
    integer column (``"int"``); a continuous estimator applied to discrete labels measures
    something only loosely related to I(Y;L) - e.g. kNN estimators meet ties there - so read
    those columns with care. A non-finite answer is an error, never a silent NaN in the frame.
    """

    estimator: Any
    options: dict[str, Any] = field(default_factory=dict)
    y_mode: str = "onehot"
    label: str | None = None

    def __post_init__(self) -> None:
        if self.y_mode not in ("onehot", "int"):
            raise ValueError(f"unknown y_mode={self.y_mode!r}; choose 'onehot' or 'int'")
        is_estimator = isinstance(self.estimator, MIEstimator)
        if not is_estimator and not callable(self.estimator):
            raise TypeError(
                f"estimator must have estimate(x, y) or be a function fn(x, y), got "
                f"{type(self.estimator).__name__}"
            )
        if is_estimator and self.options:
            raise TypeError("options are for a function estimator; configure an estimator object itself")
        name = _callable_name(self.estimator)
        if (
            getattr(self.estimator, "__module__", "").startswith("ibcore.")
            and not is_estimator
            and not name.startswith("mi_")
        ):
            raise TypeError(
                f"{name} does not estimate a mutual information; give an ibcore mi_* function "
                "or estimator object (e.g. mi_kl rather than entropy_kl)"
            )

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        own = getattr(self.estimator, "name", None)
        if isinstance(own, str):
            return own
        base = _callable_name(self.estimator)
        opts = ", ".join(f"{k}={v}" for k, v in self.options.items())
        return f"{base}({opts})" if opts else base

    def estimate(self, x: Any, y: Any) -> float:
        """I(X;Y) in nats from the wrapped estimator."""
        if isinstance(self.estimator, MIEstimator):
            return _as_float(self.estimator.estimate(x, y), self.name)
        return _as_float(self.estimator(x, y, **self.options), self.name)

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """I(X;L) and I(Y;L) of a layer (E, N, d), one pairwise estimate per epoch, arrays (E,)."""
        y = torch.as_tensor(y)
        yy = (
            torch.nn.functional.one_hot(torch.unique(y, return_inverse=True)[1]).double()
            if self.y_mode == "onehot"
            else y.double()[:, None]
        )
        x = torch.as_tensor(x)
        xx = x.reshape(x.shape[0], -1).double()
        acts = torch.as_tensor(acts)
        return {
            IXL: np.array([self.estimate(xx, a.double()) for a in acts]),
            IYL: np.array([self.estimate(yy, a.double()) for a in acts]),
        }


def as_layer_estimator(estimator: Any, **options: Any) -> Any:
    """Return what :func:`information_plane` uses for ``estimator`` (see the module docstring).

    ``options`` configure a function: the options of a pairwise function (``as_layer_estimator(
    mi_ksg, k=3)``), or of the class a layer estimator's function stands for
    (``as_layer_estimator(mi_kde, noise_var=0.1)`` is ``KDE(noise_var=0.1)``).
    """
    if isinstance(estimator, LayerEstimator):
        if options:
            raise TypeError(f"{type(estimator).__name__} is configured already; options are for functions")
        return estimator
    cls = _FUNCTION_CLASSES.get(estimator) if callable(estimator) else None
    if cls is not None:
        try:
            obj = cls(**options)
        except TypeError as err:
            raise TypeError(f"{estimator.__name__} stands for {cls.__name__} here; {err}") from None
        return as_layer_estimator(obj)
    return PairwiseMI(estimator, dict(options))


def _as_list(obj: Any) -> list[Any]:
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


@dataclass
class _Job:
    """One (run, estimator, layer) of an information plane: what a worker needs, and the row keys."""

    name: str
    estimator: Any
    seed: Any
    layer: str
    layer_index: int
    epochs: np.ndarray
    acts: torch.Tensor  # (E, N, d) float32
    x: torch.Tensor
    y: torch.Tensor


def _run_layer_job(estimator: Any, acts: Any, x: Any, y: Any, threads: int | None) -> dict[str, Any]:
    """A worker's task: ``estimator.estimate_layer``, with ``threads`` torch threads when given."""
    if threads is None:
        return dict(estimator.estimate_layer(acts, x=x, y=y))
    with torch_threads(threads):
        return dict(estimator.estimate_layer(acts, x=x, y=y))


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _check_executor(n_jobs: Any, client: Any) -> int:
    """The number of local worker processes (1: in this process); validates ``n_jobs`` and ``client``."""
    if n_jobs is None:
        n_jobs = 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive int or -1 (every CPU), got {n_jobs!r}")
    if client is not None:
        if not (hasattr(client, "submit") and hasattr(client, "scatter")):
            raise TypeError(
                "client must be a dask.distributed.Client (with submit and scatter), "
                f"got {type(client).__name__}"
            )
        if n_jobs != 1:
            raise ValueError("give either n_jobs (local processes) or client (a dask cluster), not both")
    return _cpu_count() if n_jobs == -1 else n_jobs


def recorded_selection(run: Any, layers: Any = None, epochs: Any = None) -> tuple[list[str], np.ndarray]:
    """The layers (default: all, in network order) and the indices of the recorded epochs asked for.

    Raises a ``ValueError`` naming the layers or epochs that ``run`` did not record. Shared by
    :func:`information_plane` and :func:`ibcore.analysis.geometry.geometry_frame`.
    """
    use_layers = list(layers) if layers is not None else list(run.layers)
    missing = [name for name in use_layers if name not in run.activations]
    if missing:
        raise ValueError(f"layers {missing} were not recorded; recorded: {list(run.activations)}")
    run_epochs = np.asarray(run.epochs)
    if epochs is None:
        return use_layers, np.arange(run_epochs.size)
    wanted = np.asarray(list(epochs))
    absent = np.setdiff1d(wanted, run_epochs)
    if absent.size:
        raise ValueError(f"epochs {absent.tolist()} were not recorded (seed {run.seed})")
    return use_layers, np.nonzero(np.isin(run_epochs, wanted))[0]


def _plan(runs: list[Any], named: list[tuple[str, Any]], layers: list[str] | None, epochs: Any) -> list[_Job]:
    """Every (run, estimator, layer) job in the frame's order, the arguments checked up front."""
    jobs = []
    for run in runs:
        use_layers, idx = recorded_selection(run, layers, epochs)
        run_epochs = np.asarray(run.epochs)
        y = torch.as_tensor(run.y_eval).long()
        x = torch.as_tensor(run.x_eval).float()
        acts = {
            layer: torch.as_tensor(run.activations[layer])[torch.as_tensor(idx)].float()
            for layer in use_layers
        }
        for name, est in named:
            for li, layer in enumerate(use_layers):
                index = run.layers.index(layer) + 1 if layer in run.layers else li + 1
                jobs.append(_Job(name, est, run.seed, layer, index, run_epochs[idx], acts[layer], x, y))
    return jobs


def _results_local(jobs: list[_Job], n_jobs: int) -> Iterator[dict[str, Any]]:
    """Results in job order: here (n_jobs = 1) or from ``n_jobs`` joblib (loky) worker processes.

    Each worker process gets an equal share of this machine's CPUs as torch threads, so the
    workers do not oversubscribe the cores between them.
    """
    if n_jobs == 1:
        for job in jobs:
            yield _run_layer_job(job.estimator, job.acts, job.x, job.y, None)
        return
    from joblib import Parallel, delayed  # a dependency of scikit-learn

    threads = max(1, _cpu_count() // n_jobs)
    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
    yield from parallel(delayed(_run_layer_job)(j.estimator, j.acts, j.x, j.y, threads) for j in jobs)


def _same(t: torch.Tensor) -> torch.Tensor:
    """A cluster task that returns its input: data the scheduler can compute again if lost."""
    return t


def _results_dask(jobs: list[_Job], client: Any) -> Iterator[dict[str, Any]]:
    """Results in job order from a dask.distributed cluster: one task per job.

    Each run's inputs and labels and each recorded layer are sent to the cluster once, however
    many estimators use them, as the result of a task of their own (not ``client.scatter``:
    scattered data die with the worker that holds them, while a task's result is computed again
    from the task the scheduler keeps). Torch threads are left as the workers set them (dask's
    nanny starts worker processes with ``OMP_NUM_THREADS=1``). A worker that dies mid-job is
    replaced by its nanny and the job runs again (on it or another worker); a job the cluster
    gives up on (``KilledWorker``), or that is cancelled (``client.restart()``), raises a
    ``RuntimeError`` naming it: never a partial frame.
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    tensors = {id(t): t for j in jobs for t in (j.acts, j.x, j.y)}
    sent = {key: client.submit(_same, t, pure=False) for key, t in tensors.items()}
    futures = [
        client.submit(
            _run_layer_job, j.estimator, sent[id(j.acts)], sent[id(j.x)], sent[id(j.y)], None, pure=False
        )
        for j in jobs
    ]
    for job, fut in zip(jobs, futures, strict=True):
        try:
            yield fut.result()
        except (KilledWorker, CancelledError) as err:
            # the cluster lost the job; an estimator's own error is not caught here and reaches
            # the caller as raised
            client.cancel(futures)
            raise RuntimeError(
                f"the dask cluster lost the job of estimator {job.name!r}, seed {job.seed}, layer "
                f"{job.layer!r} ({type(err).__name__}: {err}); no frame is returned. A job whose "
                "worker dies on every try (out of memory?) is given up after "
                "distributed.scheduler.allowed-failures retries; rerun information_plane once the "
                "cluster is healthy"
            ) from err


def _frame(job: _Job, cols: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of one job, its estimator's answer checked (one finite value per epoch)."""
    frame = pd.DataFrame(
        {
            "estimator": job.name,
            "seed": job.seed,
            "layer": job.layer,
            "layer_index": job.layer_index,
            "epoch": job.epochs,
        }
    )
    n = len(job.epochs)
    for key, values in cols.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (n,):
            raise ValueError(
                f"estimator {job.name!r} returned {key!r} of shape {values.shape} for "
                f"{n} epochs of layer {job.layer!r}; expected ({n},)"
            )
        if not np.isfinite(values).all():
            raise ValueError(f"estimator {job.name!r} returned non-finite {key!r} for layer {job.layer!r}")
        frame[key] = values
    return frame


def information_plane(
    runs: Any,
    estimators: Any,
    *,
    layers: Iterable[str] | None = None,
    epochs: Iterable[int] | None = None,
    progress: bool = True,
    n_jobs: int | None = 1,
    client: Any = None,
) -> pd.DataFrame:
    """Compute I(X;L) and I(Y;L) for every layer and recorded epoch of one or several runs.

    The work is one job per (run, estimator, layer) - every recorded epoch of that layer at once
    - and the jobs run here, in ``n_jobs`` local processes, or on a dask cluster; the frame is
    the same, row for row and in the same order, whichever runs them.

    Parameters
    ----------
    runs : RecordedRun or list of RecordedRun
        Recorded runs (e.g. several seeds of one configuration).
    estimators : estimator, list of them, or mapping name -> estimator
        Any estimator of :mod:`ibcore` or a user's ``estimate(x, y) -> float`` object or function
        (see :func:`as_layer_estimator`), e.g. ``Binning()``, ``[Binning(), KDE(noise_var=0.1)]``,
        ``mi_ksg``, ``MINE(n_iter=500)``, ``{"ksg k=3": PairwiseMI(mi_ksg, {"k": 3})}``.
    layers : iterable of str, optional
        Subset of the recorded layers (default: all, in network order).
    epochs : iterable of int, optional
        Subset of the recorded epochs (default: all).
    progress : bool
        Show a tqdm bar over (run, estimator, layer).
    n_jobs : int, default 1
        Local worker processes (joblib's loky backend): 1 computes here, -1 uses every CPU.
        Each worker gets CPUs // n_jobs torch threads. Estimators and your own functions are
        sent to the workers with cloudpickle, so functions defined in a notebook work too.
    client : dask.distributed.Client, optional
        Run the jobs on this dask cluster instead (e.g. a ``dask_jobqueue.SLURMCluster``; see
        the README). Needs ``pip install "ibcore[dask]"``; not together with ``n_jobs``.

    Returns
    -------
    pandas.DataFrame
        Columns ``estimator, seed, layer, layer_index, epoch, I(X;L), I(Y;L)`` (nats) and any
        extra columns an estimator returns.

    Raises
    ------
    ValueError
        Empty ``runs`` or ``estimators``, layers or epochs that were not recorded, duplicate
        estimator names, a bad ``n_jobs``, or an estimator answering a wrong shape or NaN.

    Notes
    -----
    Neural estimators (MINE) draw random numbers: in worker processes their seeds are their own
    (each estimator object carries its seed), so their answers do not depend on the executor
    either. Kernel and kNN sums may differ in the last bits between executors when the number
    of threads differs (summation order).
    """
    runs = _as_list(runs)
    layers = list(layers) if layers is not None else None
    if not runs:
        raise ValueError("runs is empty")
    n_workers = _check_executor(n_jobs, client)
    if isinstance(estimators, Mapping):
        named = list(estimators.items())
    else:
        named = [(None, e) for e in _as_list(estimators)]
    if not named:
        raise ValueError("estimators is empty")
    named = [(name, as_layer_estimator(est)) for name, est in named]
    named = [(name if name is not None else est.name, est) for name, est in named]
    names = [name for name, _ in named]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"several estimators are named {dup}: give a mapping name -> estimator")

    jobs = _plan(runs, named, layers, epochs)
    results = _results_dask(jobs, client) if client is not None else _results_local(jobs, n_workers)
    frames = []
    bar = progress_bar(total=len(jobs), desc="information plane", enabled=progress, leave=False)
    for job, cols in zip(jobs, results, strict=True):
        frames.append(_frame(job, cols))
        bar.update(1)
    bar.close()
    return pd.concat(frames, ignore_index=True)
