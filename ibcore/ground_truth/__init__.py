"""Ground truth: closed-form entropies and MIs, and samplers that carry their true MI (nats).

Used by the tests and the book to check estimators against known answers (appendix A2 scores
every estimator on these families):

* Gaussian closed forms and samplers, dense and sparse, and the noisy linear layer
  (:mod:`ibcore.ground_truth._gauss`, :mod:`~ibcore.ground_truth.layer`);
* Gaussians with a chosen MI up to 10 nats, Student-t pairs, uniform plus noise, invertible maps
  (:mod:`~ibcore.ground_truth.samplers`, after Czyz et al. 2023);
* discrete tasks with exact MI for binning and the decision rule (:mod:`~ibcore.ground_truth.discrete`);
* the matrix-based Rényi estimator's own Gaussian target (:mod:`~ibcore.ground_truth.renyi`);
* synthetic images with exact MI, a Gaussian latent pair drawn as bumps or rectangles
  (:mod:`~ibcore.ground_truth.images`, after Butakov et al. 2024).
"""

from ibcore.ground_truth import _gauss, discrete, images, layer, renyi, samplers
from ibcore.ground_truth._gauss import *  # noqa: F401,F403
from ibcore.ground_truth._gauss import normal_cdf  # noqa: F401
from ibcore.ground_truth.discrete import *  # noqa: F401,F403
from ibcore.ground_truth.images import *  # noqa: F401,F403
from ibcore.ground_truth.layer import *  # noqa: F401,F403
from ibcore.ground_truth.renyi import *  # noqa: F401,F403
from ibcore.ground_truth.samplers import *  # noqa: F401,F403

__all__ = [name for mod in (_gauss, discrete, images, layer, renyi, samplers) for name in mod.__all__]
