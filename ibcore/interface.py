"""The one estimator interface of ibcore: protocols and the shared names, importing nothing from ibcore.

Two small protocols, both structural (anything with the method satisfies them, no base class):

* :class:`MIEstimator`: ``estimate(x, y) -> float``, I(X;Y) in nats from paired samples of shapes
  (N, dx) and (N, dy). Every estimator class of :mod:`ibcore.estimators` has it (``Binning``,
  ``KDE``, ``DecisionRule``, ``SamplePropagation``, ``MINE``, ``AAMINE``), and so does
  :class:`ibcore.analysis.infoplane.PairwiseMI` wrapping a plain function such as ``mi_ksg``.
* :class:`LayerEstimator`: ``estimate_layer(acts, *, x, y) -> {column: array (E,)}``, the
  information-plane coordinates of one layer at E recorded epochs at once, for
  :func:`ibcore.analysis.infoplane.information_plane`. Estimators that can vectorise over epochs (binning,
  KDE, decision rule) implement it natively; :func:`ibcore.analysis.infoplane.as_layer_estimator` turns any
  :class:`MIEstimator` or ``fn(x, y) -> float`` into one.

In both, **x is the conditioning variable and y the representation**: the layer-type estimators
(binning, KDE, decision rule, sample propagation) read x as discrete, grouping its rows by
equality (X uniform on N distinct inputs, or a label), as the information-plane papers do with
their empirical input distribution; the pairwise estimators (kNN, EDGE, Rényi, MINE) treat both
as samples of continuous variables.

The functions behind the layer estimators follow the same order by taking one positional operand,
the representation, and the labels **by name**: ``mi_binning(layer, labels=y)``,
``mi_kde(layer, labels=y, noise_var=...)``, ``mi_decision_rule(outputs, labels=y)``,
``mi_labels(z, labels=y)`` (X is implicit there: the N samples, distinct inputs). So
``Binning().estimate(y, layer)`` and ``mi_binning(layer, labels=y).i_yl`` are the same number, and
no call can swap the operands silently: the 0.2 form ``mi_binning(layer, y)`` raises a
``TypeError`` that says how to write it. The pairwise functions (``mi_ksg(x, y)``, ...) and
:func:`~ibcore.estimators.sample_propagation.mi_sample_propagation` ``(x, layers, ...)`` take x
first.

This module imports nothing from :mod:`ibcore`, so every other module may import it (the design of
``bmi``'s ``interface.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol, runtime_checkable

__all__ = ["IXL", "IYL", "MIEstimator", "LayerEstimator", "Bounds"]

#: Column names of the information-plane coordinates, in nats.
IXL = "I(X;L)"
IYL = "I(Y;L)"


@runtime_checkable
class MIEstimator(Protocol):
    """Anything that estimates I(X;Y) in nats from paired samples of shapes (N, dx), (N, dy).

    ``estimate`` returns a Python float (nats) or raises; it never returns NaN silently.
    """

    def estimate(self, x: Any, y: Any) -> float: ...


@runtime_checkable
class LayerEstimator(Protocol):
    """Information-plane coordinates of one layer over the E recorded epochs of a run.

    ``acts`` has shape (E, N, d) (float32), ``x`` (N, ...) holds the N evaluation inputs and ``y``
    (N,) their integer labels. The result maps :data:`IXL` and :data:`IYL` (and optionally more
    columns, e.g. the KDE lower bounds) to arrays of shape (E,) in nats. ``name`` labels the
    estimator's rows in the information-plane frame.
    """

    name: str

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> Mapping[str, Any]: ...


class Bounds(NamedTuple):
    """A lower and an upper bound on a quantity, in nats (e.g. the KDE bounds of Kolchinsky & Tracey)."""

    lower: Any
    upper: Any
