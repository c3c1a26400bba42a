"""Information-plane coordinates of recorded runs: I(X;L) and I(Y;L) per layer and epoch.

:func:`information_plane` takes one or several recorded runs (:class:`ibcore.training.RecordedRun`,
or anything with the same fields: ``epochs``, ``layers``, ``activations`` of shape (E, N, d) per
layer, ``x_eval``, ``y_eval``, ``seed``) and one or several *layer estimators*, and returns a long
:class:`pandas.DataFrame` with a row per (estimator, seed, layer, epoch) in nats.

A layer estimator is any callable ``est(acts, *, x, y) -> dict[str, np.ndarray]`` taking the
activations of one layer at all E recorded epochs (E, N, d), the inputs x (N, ...) and the labels y
(N,), and returning arrays of shape (E,) under the keys ``"I(X;L)"`` and ``"I(Y;L)"`` (extra keys
become extra columns, e.g. the KDE lower bounds). The adapters below wrap the estimators of
:mod:`ibcore.estimators`; the batched ones (binning, KDE, decision rule) treat all epochs in one
vectorized call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from ibcore._progress import progress_bar
from ibcore.estimators import binning as _binning
from ibcore.estimators import decision as _decision
from ibcore.estimators import kde as _kde

__all__ = [
    "IXL",
    "IYL",
    "Binning",
    "KDE",
    "DecisionRule",
    "PairwiseMI",
    "information_plane",
]

IXL = "I(X;L)"
IYL = "I(Y;L)"


def _np(v: Any) -> np.ndarray:
    if isinstance(v, torch.Tensor):
        v = v.detach().cpu().numpy()
    return np.atleast_1d(np.asarray(v, dtype=np.float64))


@dataclass
class Binning:
    """Binning estimator (Shwartz-Ziv & Tishby 2017): ``I(X;L) = H(Q(L))``, plug-in ``I(Y;L)``.

    Options are passed to :func:`ibcore.estimators.binning.mi_binning`; the default is the
    original 30 equal bins on [-1, 1] for tanh layers.
    """

    n_bins: int | None = 30
    value_range: tuple[float, float] | None = (-1.0, 1.0)
    bin_width: float | None = None
    mode: str = "fixed"
    device: str | None = None

    @property
    def name(self) -> str:
        if self.mode == "adaptive":
            return f"binning (adaptive, {self.n_bins} bins)"
        if self.bin_width is not None:
            return f"binning (width {self.bin_width})"
        return f"binning ({self.n_bins} bins)"

    def __call__(self, acts: torch.Tensor, *, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
        res = _binning.mi_binning(acts, y, n_bins=self.n_bins, value_range=self.value_range,
                                  bin_width=self.bin_width, mode=self.mode, device=self.device)
        return {IXL: _np(res.i_xl), IYL: _np(res.i_yl)}


@dataclass
class KDE:
    """KDE bounds of Kolchinsky & Tracey (2017) on I(X; L+eps), I(Y; L+eps), as in Saxe et al. (2018).

    Reports the upper (pairwise-KL) bound as the coordinates, like Saxe et al., and the lower
    (Bhattacharyya) bound in extra columns.
    """

    noise_var: float = 0.1
    device: str | None = None

    @property
    def name(self) -> str:
        return f"KDE (noise var {self.noise_var:g})"

    def __call__(self, acts: torch.Tensor, *, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
        res = _kde.mi_kde(acts, y, noise_var=self.noise_var, device=self.device)
        return {IXL: _np(res.i_xl.upper), IYL: _np(res.i_yl.upper),
                f"{IXL} lower": _np(res.i_xl.lower), f"{IYL} lower": _np(res.i_yl.lower)}


@dataclass
class DecisionRule:
    """Decision-rule estimator (Balda et al. 2018) on a layer of class scores (the output layer)."""

    device: str | None = None
    name: str = "decision rule"

    def __call__(self, acts: torch.Tensor, *, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
        res = _decision.mi_decision_rule(acts, y, device=self.device)
        return {IXL: _np(res.i_xl), IYL: _np(res.i_yl)}


@dataclass
class PairwiseMI:
    """Any pairwise estimator ``fn(a, b, **options) -> float`` used as I(X;L) = fn(x, L), I(Y;L) = fn(y, L).

    Loops over the recorded epochs (each call is vectorized over samples). Labels enter as one-hot
    vectors by default (``y_mode="onehot"``), or as a single integer column (``"int"``); a
    continuous estimator applied to discrete labels measures something only loosely related to
    I(Y;L) - e.g. kNN estimators meet ties there - so read those columns with care.
    """

    fn: Callable[..., float]
    options: dict[str, Any] = field(default_factory=dict)
    y_mode: str = "onehot"
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or getattr(self.fn, "__name__", "estimator")

    def __call__(self, acts: torch.Tensor, *, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
        if self.y_mode not in ("onehot", "int"):
            raise ValueError(f"unknown y_mode={self.y_mode!r}; choose 'onehot' or 'int'")
        yy = (torch.nn.functional.one_hot(y.long()).double() if self.y_mode == "onehot"
              else y.double()[:, None])
        xx = x.reshape(x.shape[0], -1).double()
        ixl = [float(self.fn(xx, a.double(), **self.options)) for a in acts]
        iyl = [float(self.fn(yy, a.double(), **self.options)) for a in acts]
        return {IXL: np.array(ixl), IYL: np.array(iyl)}


def _as_list(obj: Any) -> list[Any]:
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def information_plane(
    runs: Any,
    estimators: Any,
    *,
    layers: Iterable[str] | None = None,
    epochs: Iterable[int] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Compute I(X;L) and I(Y;L) for every layer and recorded epoch of one or several runs.

    Parameters
    ----------
    runs : RecordedRun or list of RecordedRun
        Recorded runs (e.g. several seeds of one configuration).
    estimators : layer estimator, list of them, or mapping name -> estimator
        e.g. ``Binning()``, ``[Binning(), KDE(noise_var=0.1)]``.
    layers : iterable of str, optional
        Subset of the recorded layers (default: all, in network order).
    epochs : iterable of int, optional
        Subset of the recorded epochs (default: all).
    progress : bool
        Show a tqdm bar over (run, estimator, layer).

    Returns
    -------
    pandas.DataFrame
        Columns ``estimator, seed, layer, layer_index, epoch, I(X;L), I(Y;L)`` (nats) and any
        extra columns an estimator returns.
    """
    runs = _as_list(runs)
    layers = list(layers) if layers is not None else None
    if not runs:
        raise ValueError("runs is empty")
    if isinstance(estimators, Mapping):
        named = list(estimators.items())
    else:
        named = [(getattr(e, "name", type(e).__name__), e) for e in _as_list(estimators)]
    if not named:
        raise ValueError("estimators is empty")
    for name, est in named:
        if not callable(est):
            raise TypeError(f"estimator {name!r} is not callable: give a layer estimator such as Binning()")

    frames = []
    jobs = [(run, name, est) for run in runs for name, est in named]
    total = sum(len(layers) if layers is not None else len(r.layers) for r, _, _ in jobs)
    bar = progress_bar(total=total, desc="information plane", enabled=progress, leave=False)
    for run, name, est in jobs:
        use_layers = layers if layers is not None else list(run.layers)
        missing = [name_ for name_ in use_layers if name_ not in run.activations]
        if missing:
            raise ValueError(f"layers {missing} were not recorded; recorded: {list(run.activations)}")
        run_epochs = np.asarray(run.epochs)
        if epochs is not None:
            wanted = np.asarray(list(epochs))
            absent = np.setdiff1d(wanted, run_epochs)
            if absent.size:
                raise ValueError(f"epochs {absent.tolist()} were not recorded")
            idx = np.nonzero(np.isin(run_epochs, wanted))[0]
        else:
            idx = np.arange(run_epochs.size)
        y = torch.as_tensor(run.y_eval).long()
        x = torch.as_tensor(run.x_eval).float()
        for li, layer in enumerate(use_layers):
            acts = torch.as_tensor(run.activations[layer])[torch.as_tensor(idx)].float()
            cols = est(acts, x=x, y=y)
            frame = pd.DataFrame({"estimator": name, "seed": run.seed, "layer": layer,
                                  "layer_index": run.layers.index(layer) + 1 if layer in run.layers else li + 1,
                                  "epoch": run_epochs[idx]})
            for key, values in cols.items():
                frame[key] = values
            frames.append(frame)
            bar.update(1)
    bar.close()
    return pd.concat(frames, ignore_index=True)
