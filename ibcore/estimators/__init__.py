"""Mutual-information and entropy estimators. All return nats; see each function's docstring."""

from ibcore.estimators.base import *  # noqa: F401,F403
from ibcore.estimators.binning import *  # noqa: F401,F403
from ibcore.estimators.decision import *  # noqa: F401,F403
from ibcore.estimators.edge import *  # noqa: F401,F403
from ibcore.estimators.kde import *  # noqa: F401,F403
from ibcore.estimators.knn import *  # noqa: F401,F403
from ibcore.estimators.neural import *  # noqa: F401,F403
from ibcore.estimators.renyi import *  # noqa: F401,F403
from ibcore.estimators.sample_propagation import *  # noqa: F401,F403
from ibcore.estimators import base, binning, decision, edge, kde, knn, neural, renyi, sample_propagation

__all__ = [name for mod in (base, binning, decision, edge, kde, knn, neural, renyi, sample_propagation)
           for name in mod.__all__]
