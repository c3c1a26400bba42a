"""Mutual-information and entropy estimators. All return nats; see each function's docstring.

Plain functions (``mi_ksg(x, y, k=5)``) for the one-shot case, and an estimator class per family
whose objects follow :mod:`ibcore.interface` (``Binning``, ``KDE``, ``DecisionRule``,
``SamplePropagation``, ``MINE``, ``AAMINE``, ``CompressedMI``).
"""

from ibcore.estimators import (
    binning,
    compressed,
    decision,
    edge,
    gaussian_mixture,
    kde,
    knn,
    neural,
    renyi,
    sample_propagation,
)
from ibcore.estimators.binning import *  # noqa: F401,F403
from ibcore.estimators.compressed import *  # noqa: F401,F403
from ibcore.estimators.decision import *  # noqa: F401,F403
from ibcore.estimators.edge import *  # noqa: F401,F403
from ibcore.estimators.gaussian_mixture import *  # noqa: F401,F403
from ibcore.estimators.kde import *  # noqa: F401,F403
from ibcore.estimators.kde_entropy import *  # noqa: F401,F403
from ibcore.estimators.knn import *  # noqa: F401,F403
from ibcore.estimators.neural import *  # noqa: F401,F403
from ibcore.estimators.renyi import *  # noqa: F401,F403
from ibcore.estimators.sample_propagation import *  # noqa: F401,F403

__all__ = [
    name
    for mod in (
        binning,
        compressed,
        decision,
        edge,
        gaussian_mixture,
        kde,
        knn,
        neural,
        renyi,
        sample_propagation,
    )
    for name in mod.__all__
]
