"""Neural (Donsker-Varadhan) mutual-information estimators: MINE and architecture-aware MINE.

MINE (Belghazi et al. 2018) trains a critic network T(x, y) to maximise the Donsker-Varadhan
lower bound on I(X;Y). AA-MINE (Elad et al. 2019) estimates I(X; F(X) + eps) for a known
deterministic sub-network F by giving the critic a frozen copy of F, so that it can compare F(x)
with the noisy layer sample directly; plain MINE has to learn F itself and saturates as the noise
vanishes, while the true value grows without bound.

Modules, one idea each: ``_critics`` (the critic networks), ``_dv`` (the Donsker-Varadhan
training loop, held-out bound, failure rule and :class:`MINEResult`), ``mine`` (:class:`MINE`,
:func:`mi_mine`) and ``aamine`` (:class:`AAMINE`, :func:`mi_noisy_layer`).
"""

from ibcore.estimators.neural._dv import DIVERGED_BELOW, MINEResult  # noqa: F401 (training.layerwise imports it)
from ibcore.estimators.neural.aamine import AAMINE, mi_noisy_layer
from ibcore.estimators.neural.mine import MINE, mi_mine

__all__ = ["MINEResult", "MINE", "AAMINE", "mi_mine", "mi_noisy_layer"]
