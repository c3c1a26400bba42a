"""One module per notebook of the book: its profile table (``PROFILE``), runners and verdicts.

:data:`NOTEBOOKS` maps a notebook's name (its file name without ``.ipynb``) to its module, in
the order of the profile table. A chapter that checks a paper's claims declares them as
:class:`~ibcore.study.claims.Claim` records in a ``CLAIMS`` tuple; :func:`all_claims` gathers them
in the order of the book.
"""

from ibcore.study.chapters import (
    aa_mine_ib,
    estimator_accuracy,
    estimator_dependence,
    estimator_speed,
    information_plane,
    lossy_compression,
    noisy_dnns,
)

__all__ = ["NOTEBOOKS", "all_claims"]

NOTEBOOKS = {
    "00_information_plane": information_plane,
    "01_estimator_dependence": estimator_dependence,
    "02_noisy_dnns": noisy_dnns,
    "03_lossy_compression": lossy_compression,
    "A1_estimator_speed": estimator_speed,
    "A2_estimator_accuracy": estimator_accuracy,
    "04_aa_mine_ib": aa_mine_ib,
}


def all_claims() -> dict[str, tuple]:
    """Notebook name -> its chapter's ``CLAIMS`` (chapters without claims are left out), in book order."""
    order = sorted(NOTEBOOKS, key=lambda name: (name.startswith("A"), name))
    return {name: tuple(NOTEBOOKS[name].CLAIMS) for name in order if hasattr(NOTEBOOKS[name], "CLAIMS")}
