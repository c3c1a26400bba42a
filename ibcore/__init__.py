"""ibcore: mutual-information estimators, models, data and recorded runs for the ibstudy book.

Every estimator takes (N, d) torch tensors or numpy arrays, a ``device`` (``None``: CUDA when
available, else CPU) and returns nats. See the README for a tour.
"""

from ibcore._device import resolve_device
from ibcore.estimators import *  # noqa: F401,F403
from ibcore.estimators import __all__ as _estimator_names

__version__ = "0.1.0"
__all__ = ["resolve_device", *_estimator_names]
