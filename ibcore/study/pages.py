"""What a page hands to the book's prose: its glued numbers.

A chapter module computes a page's numbers as one mapping (name -> value, formatted where the
prose wants a string); the page passes it to :func:`glue_all`, which glues each with
:func:`myst_nb.glue` (``display=False``) so that ``{glue:text}`name``` in a markdown cell shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["glue_all"]


def glue_all(values: Mapping[str, Any]) -> None:
    """Glue every ``name -> value`` of ``values`` for the page's prose, in the mapping's order.

    Raises
    ------
    TypeError
        ``values`` is not a mapping, or a name is not a string.
    ValueError
        A name that is not a Python identifier (MyST's glue roles take plain names).
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping name -> value, got {type(values).__name__}")
    for name in values:
        if not isinstance(name, str):
            raise TypeError(f"glue names must be strings, got {name!r}")
        if not name.isidentifier():
            raise ValueError(f"glue name {name!r} is not an identifier")
    from myst_nb import glue  # the book's dependency: imported only when a page glues

    for name, value in values.items():
        glue(name, value, display=False)
