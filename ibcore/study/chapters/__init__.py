"""One module per notebook of the book: its profile table (``PROFILE``), runners and verdicts.

:data:`NOTEBOOKS` maps a notebook's name (its file name without ``.ipynb``) to its module, in
the order of the profile table; a module is imported when it is first looked up, so that a page's
kernel imports its own chapter and no other (the archive's code hash covers what a page imported,
:func:`ibcore.study.archive.code_files`). A chapter that checks a paper's claims declares them as
:class:`~ibcore.study.claims.Claim` records in a ``CLAIMS`` tuple; :func:`all_claims` gathers them
in the order of the book.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType

__all__ = ["NOTEBOOKS", "all_claims"]


class _Chapters(Mapping[str, ModuleType]):
    """Notebook name -> chapter module, each imported on first lookup."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = dict(modules)

    def __getitem__(self, notebook: str) -> ModuleType:
        return importlib.import_module(f"{__name__}.{self._modules[notebook]}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __repr__(self) -> str:
        return f"NOTEBOOKS({', '.join(self._modules)})"


NOTEBOOKS: Mapping[str, ModuleType] = _Chapters(
    {
        "00_information_plane": "information_plane",
        "01_estimator_dependence": "estimator_dependence",
        "02_noisy_dnns": "noisy_dnns",
        "03_lossy_compression": "lossy_compression",
        "A1_estimator_speed": "estimator_speed",
        "A2_estimator_accuracy": "estimator_accuracy",
        "04_aa_mine_ib": "aa_mine_ib",
    }
)


def all_claims() -> dict[str, tuple]:
    """Notebook name -> its chapter's ``CLAIMS`` (chapters without claims are left out), in book order."""
    order = sorted(NOTEBOOKS, key=lambda name: (name.startswith("A"), name))
    return {name: tuple(NOTEBOOKS[name].CLAIMS) for name in order if hasattr(NOTEBOOKS[name], "CLAIMS")}
