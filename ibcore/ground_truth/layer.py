"""The "network layer" task: I(X; L + eps) for a linear layer of a Gaussian input, in closed form."""

from __future__ import annotations

import numpy as np

from ibcore.ground_truth._gauss import noisy_linear_gaussian_mi

__all__ = ["noisy_layer_task"]


def noisy_layer_task(
    n: int, *, dim_x: int = 12, width: int = 5, sigma: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    r"""Sample X ~ N(0, I), the layer L = A X / sqrt(dim_x) and T = L + sigma eps; return x, t, true MI, L.

    A has standard normal entries (seeded), and

    .. math:: I(X; T) = \tfrac12 \log\det\big(I + A A^\top / (\text{dim}_x \sigma^2)\big)

    (:func:`~ibcore.ground_truth.noisy_linear_gaussian_mi`; Elad et al. 2019, Eq. 5). ``dim_x``
    defaults to the 12 inputs of the SZT network. The noiseless layer L is returned too, for the
    estimators that take the activations and the noise variance (KDE: ``noise_var = sigma**2``).
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((width, dim_x)) / np.sqrt(dim_x)
    true = noisy_linear_gaussian_mi(a, np.eye(dim_x), sigma)
    x = rng.standard_normal((n, dim_x))
    layer = x @ a.T
    return x, layer + sigma * rng.standard_normal(layer.shape), true, layer
