"""ibcore: mutual-information estimators, models, data and recorded runs for the ibstudy book.

Every estimator takes (N, d) torch tensors or numpy arrays, a ``device`` (``None``: CUDA when
available, else CPU) and returns nats; every estimator object follows the one interface of
:mod:`ibcore.interface`. See the README for a tour.
"""

from ibcore._device import resolve_device, torch_threads
from ibcore.estimators import *  # noqa: F401,F403
from ibcore.estimators import __all__ as _estimator_names
from ibcore.interface import Bounds, LayerEstimator, MIEstimator

__version__ = "0.3.0"
__all__ = ["resolve_device", "torch_threads", "MIEstimator", "LayerEstimator", "Bounds", *_estimator_names]
