"""Spec options added after the cache format was fixed, and how a spec leaves them out at their default."""

from __future__ import annotations

from typing import Any

__all__ = ["SPEC_OPTIONAL_DEFAULTS", "drop_late_defaults"]

# Spec options added after the cache format was fixed: a spec holds them only when they differ from
# these defaults, so the cache keys of runs that leave them alone do not change (as TrainConfig does).
SPEC_OPTIONAL_DEFAULTS: dict[str, Any] = {"noise_mode": "additive"}


def drop_late_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without the late options of :data:`SPEC_OPTIONAL_DEFAULTS` that are at their default."""
    return {
        k: v for k, v in spec.items() if k not in SPEC_OPTIONAL_DEFAULTS or v != SPEC_OPTIONAL_DEFAULTS[k]
    }
