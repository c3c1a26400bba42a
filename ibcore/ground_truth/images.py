"""Synthetic image pairs whose mutual information is known exactly (Butakov et al. 2024, Sec. 5).

A pair of Gaussian latents :math:`(\\xi, \\eta)` with I(xi; eta) set exactly is drawn with
:func:`gaussian_latents`; each latent is mapped to an image by a smooth injective map, so that
(Statement 1 of Butakov et al.: MI is invariant under injective piecewise-smooth maps)

.. math:: I(f(\\xi); f(\\eta)) = I(\\xi; \\eta) = -\\tfrac12 \\sum_{i=1}^{d} \\log(1 - \\rho_i^2).

Two maps, after the paper's synthetic tasks:

* :func:`bump_images`: a 2-D latent, pushed to the unit square by the normal CDF, is the centre
  :math:`\\mu` of a Gaussian bump :math:`\\exp(-10\\,\\|r - \\mu\\|^2)` sampled on a 16 x 16 grid
  of the unit square;
* :func:`rectangle_images`: a 4-D latent, pushed to [0, 1]^4, gives a rectangle's centre and half
  sides; it is rasterised on a 32 x 32 grid with edges smoothed by a logistic ramp one pixel
  wide (a product of two differences of sigmoids), so the map stays injective and differentiable.

:func:`image_pair` joins the two steps. Everything in nats.

References
----------
I. Butakov, A. Tolmachev, S. Malanchuk, A. Neopryatnaya, A. Frolov, K. Andreev, "Information
Bottleneck Analysis of Deep Neural Networks via Lossy Compression", ICLR 2024 (arXiv 2305.08013),
Sec. 2 (Statement 1) and Sec. 5 (synthetic images with predefined MI).
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np
from scipy import special

from ibcore._validation import check_int, check_positive
from ibcore.ground_truth.samplers import gaussian_pair_with_mi

__all__ = [
    "TASKS",
    "ImagePair",
    "gaussian_latents",
    "bump_images",
    "rectangle_images",
    "image_pair",
]

#: Image tasks: name -> (latent dimension, image side).
TASKS = {"bumps": (2, 16), "rectangles": (4, 32)}


class ImagePair(NamedTuple):
    """Paired images with their exact MI: ``x``, ``y`` float32 (N, 1, side, side), ``mi`` in nats,
    and the Gaussian latents ``latent_x``, ``latent_y`` (N, d) they were drawn from."""

    x: np.ndarray
    y: np.ndarray
    mi: float
    latent_x: np.ndarray
    latent_y: np.ndarray


def _check_mi(mi: Any) -> float:
    if isinstance(mi, bool) or not isinstance(mi, numbers.Real) or not np.isfinite(mi) or mi < 0:
        raise ValueError(f"mi must be a finite number >= 0 (nats), got {mi!r}")
    return float(mi)


def gaussian_latents(n: int, mi: float, dim: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""``n`` pairs of standard Gaussian vectors (N, dim) with :math:`I(\xi;\eta)` = ``mi`` nats exactly.

    The latents of :func:`~ibcore.ground_truth.samplers.gaussian_pair_with_mi` (independent pairs
    with equal correlation :func:`rho_for_mi`, the conditional spread :math:`e^{-I/d}` computed
    directly, so eta keeps its noise up to about 36 nats per pair).
    """
    n = check_int(n, "n", minimum=1)
    xi, eta, _ = gaussian_pair_with_mi(n, dim, _check_mi(mi), seed=check_int(seed, "seed", minimum=0))
    return xi, eta


def _unit(latent: Any, dim: int, name: str) -> np.ndarray:
    z = np.asarray(latent, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != dim:
        raise ValueError(f"{name} must have shape (N, {dim}), got {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} must be finite")
    return special.ndtr(z)  # normal CDF: a smooth bijection R -> (0, 1) per coordinate


def bump_images(latent: Any, *, side: int = 16, width: float = 10.0) -> np.ndarray:
    r"""Gaussian bumps :math:`\exp(-w\,\|r - \Phi(z)\|^2)` on a ``side`` x ``side`` grid of [0, 1]^2.

    Parameters
    ----------
    latent : array (N, 2)
        Standard-Gaussian latents; :math:`\Phi` (the normal CDF) maps them to the bump's centre.
    side : int, default 16
    width : float, default 10.0
        w in the exponent (the paper's 10 on the unit square).

    Returns
    -------
    numpy.ndarray, float32 (N, 1, side, side)
        Pixel values in (0, 1]. The map is injective: log-pixel differences are linear in the
        centre, so any three non-collinear pixels recover it.
    """
    mu = _unit(latent, 2, "latent")
    side = check_int(side, "side", minimum=2)
    width = check_positive(width, "width")
    grid = np.linspace(0.0, 1.0, side)
    # separable: exp(-w (u - mu_0)^2) * exp(-w (v - mu_1)^2), rows indexed by v
    gu = np.exp(-width * (grid[None, :] - mu[:, :1]) ** 2)
    gv = np.exp(-width * (grid[None, :] - mu[:, 1:]) ** 2)
    return (gv[:, :, None] * gu[:, None, :])[:, None].astype(np.float32)


def rectangle_images(latent: Any, *, side: int = 32, edge: float | None = None) -> np.ndarray:
    r"""Axis-aligned rectangles with logistic edges on a ``side`` x ``side`` grid of [0, 1]^2.

    With :math:`u = \Phi(z) \in (0,1)^4`: centre :math:`c = 0.3 + 0.4\,(u_0, u_1)`, half sides
    :math:`h = 0.05 + 0.2\,(u_2, u_3)` (so the edges stay within [0.05, 0.95]), and pixel

    .. math::

        p(s, t) = \prod_{a \in \{s, t\}}
        \big[\sigma((a - c_a + h_a)/e) - \sigma((a - c_a - h_a)/e)\big],

    :math:`\sigma` the logistic function and e the edge width (default one pixel, 1/side).

    Returns
    -------
    numpy.ndarray, float32 (N, 1, side, side)
        Values in (0, 1). Injective and smooth in z: each factor's profile fixes its centre and
        half side.
    """
    u = _unit(latent, 4, "latent")
    side = check_int(side, "side", minimum=2)
    edge = 1.0 / side if edge is None else check_positive(edge, "edge")
    grid = np.linspace(0.0, 1.0, side)[None, :]
    centre, half = 0.3 + 0.4 * u[:, :2], 0.05 + 0.2 * u[:, 2:]

    def profile(a: int) -> np.ndarray:
        lo = (grid - centre[:, a : a + 1] + half[:, a : a + 1]) / edge
        hi = (grid - centre[:, a : a + 1] - half[:, a : a + 1]) / edge
        return special.expit(lo) - special.expit(hi)

    return (profile(1)[:, :, None] * profile(0)[:, None, :])[:, None].astype(np.float32)


def image_pair(task: str, n: int, mi: float, *, seed: int = 0) -> ImagePair:
    """``n`` image pairs of ``task`` (a key of :data:`TASKS`) with I(X;Y) = ``mi`` nats exactly.

    The MI is spread evenly over the task's latent coordinates (2 for ``"bumps"``, 4 for
    ``"rectangles"``), see :func:`gaussian_latents`; both images go through the same map.

    Examples
    --------
    >>> pair = image_pair("bumps", 100, 2.0, seed=0)
    >>> pair.x.shape, pair.mi
    ((100, 1, 16, 16), 2.0)
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    dim, side = TASKS[task]
    mi = _check_mi(mi)
    xi, eta = gaussian_latents(n, mi, dim, seed=seed)
    draw = bump_images if task == "bumps" else rectangle_images
    # the sampler draws eta with conditional sd exp(-mi/dim) exactly, so the truth is mi itself
    # (gaussian_mi_from_rho(rho) agrees to ~1e-16 / (1 - rho^2), float64 cancellation near rho = 1)
    return ImagePair(draw(xi, side=side), draw(eta, side=side), mi, xi, eta)
