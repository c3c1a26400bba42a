"""The small protocol every mutual-information estimator follows, and shared result types.

Plain functions (``mi_ksg(x, y, k=5)``) are the public estimators. :class:`MIEstimator` is the
protocol the information-plane code takes: anything with ``estimate(x, y) -> float`` (nats).
:func:`as_estimator` turns a function plus its keyword options into such an object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Protocol, runtime_checkable

__all__ = ["MIEstimator", "FunctionEstimator", "as_estimator", "Bounds"]


@runtime_checkable
class MIEstimator(Protocol):
    """Anything that estimates I(X;Y) in nats from paired samples of shape (N, dx), (N, dy)."""

    def estimate(self, x: Any, y: Any) -> float: ...


@dataclass(frozen=True)
class FunctionEstimator:
    """An :class:`MIEstimator` made of a public estimator function and fixed keyword options."""

    fn: Callable[..., Any]
    options: dict[str, Any] = field(default_factory=dict)

    def estimate(self, x: Any, y: Any) -> float:
        return float(self.fn(x, y, **self.options))

    @property
    def name(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.fn.__name__}({opts})" if opts else self.fn.__name__


def as_estimator(fn: Callable[..., Any], **options: Any) -> FunctionEstimator:
    """Wrap ``fn(x, y, **options)`` as an :class:`MIEstimator`, e.g. ``as_estimator(mi_ksg, k=3)``."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    return FunctionEstimator(fn, dict(options))


class Bounds(NamedTuple):
    """A lower and an upper bound on a quantity, in nats (e.g. the KDE bounds of Kolchinsky & Tracey)."""

    lower: Any
    upper: Any
