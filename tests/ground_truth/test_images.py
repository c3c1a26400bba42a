"""Synthetic image pairs with exact MI (ibcore.ground_truth.images): the truth, the maps, the errors."""

import math

import numpy as np
import pytest
from scipy import special

from ibcore.ground_truth import images as gi
from ibcore.ground_truth import rho_for_mi


def test_latents_have_the_set_correlation_and_unit_variance():
    xi, eta = gi.gaussian_latents(40000, 2.0, 2, seed=3)
    rho = rho_for_mi(2.0, 2)  # 0.795
    # sd of a sample correlation ~ (1 - rho^2) / sqrt(n) = 0.002: 5 sd
    for j in range(2):
        assert np.corrcoef(xi[:, j], eta[:, j])[0, 1] == pytest.approx(rho, abs=0.01)
    # different pairs are independent (sd 1/sqrt(n) = 0.005: 4 sd)
    assert abs(np.corrcoef(xi[:, 0], eta[:, 1])[0, 1]) < 0.02
    # eta is standard normal (sd of the sample variance sqrt(2/n) = 0.007)
    assert eta.var(axis=0) == pytest.approx([1.0, 1.0], abs=0.03)
    # plug-in Gaussian MI of the sample matches the truth (error ~ d/(2n) + O(1/sqrt n) noise)
    cov = np.cov(np.hstack([xi, eta]).T)
    sign, logdet = np.linalg.slogdet(cov)
    plug_in = 0.5 * (np.linalg.slogdet(cov[:2, :2])[1] + np.linalg.slogdet(cov[2:, 2:])[1] - logdet)
    assert plug_in == pytest.approx(2.0, abs=0.03)


def test_bump_is_the_formula_and_invertible():
    z = np.array([[0.0, 0.0], [1.0, -0.5]])
    img = gi.bump_images(z, side=16)
    assert img.shape == (2, 1, 16, 16) and img.dtype == np.float32
    mu = special.ndtr(z)
    grid = np.linspace(0, 1, 16)
    # pixel (row v, column u) = exp(-10 ((u - mu_0)^2 + (v - mu_1)^2))
    want = np.exp(-10 * ((grid[None, :] - mu[1, 0]) ** 2 + (grid[:, None] - mu[1, 1]) ** 2))
    np.testing.assert_allclose(img[1, 0], want, rtol=1e-6)
    # the centre is recovered from log-pixel differences (injectivity): log p(u+h) - log p(u) is linear in mu
    h = grid[1] - grid[0]
    row = np.log(img[1, 0, 0].astype(np.float64))
    slope = (row[1] - row[0]) / h  # = -10 (2 u_0 + h - 2 mu_0)
    assert (grid[0] + h / 2 + slope / 20) == pytest.approx(mu[1, 0], abs=1e-5)


def test_rectangles_are_smooth_injective_and_inside():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((200, 4))
    img = gi.rectangle_images(z)
    assert img.shape == (200, 1, 32, 32)
    assert img.min() >= 0 and img.max() <= 1
    # mass ~ area: (2 h_0)(2 h_1) * 32^2 pixels, edges are symmetric ramps so the sum is close
    u = special.ndtr(z)
    area = (2 * (0.05 + 0.2 * u[:, 2])) * (2 * (0.05 + 0.2 * u[:, 3])) * 31**2
    np.testing.assert_allclose(img.sum(axis=(1, 2, 3)), area, rtol=0.1)
    # distinct latents give distinct images; a tiny move in the latent gives a tiny, non-zero change
    z2 = z.copy()
    z2[:, 2] += 1e-3
    diff = np.abs(gi.rectangle_images(z2) - img).reshape(200, -1).max(axis=1)
    assert np.all(diff > 0) and np.all(diff < 0.05)


@pytest.mark.parametrize("task", list(gi.TASKS))
def test_image_pair_shapes_truth_and_independence_at_zero(task):
    dim, side = gi.TASKS[task]
    pair = gi.image_pair(task, 300, 4.0, seed=1)
    assert pair.x.shape == pair.y.shape == (300, 1, side, side)
    assert pair.latent_x.shape == (300, dim)
    assert pair.mi == pytest.approx(4.0, abs=1e-12)
    zero = gi.image_pair(task, 2000, 0.0, seed=2)
    assert zero.mi == 0.0
    # MI 0: latents uncorrelated (sd 1/sqrt(2000) = 0.022: 4.5 sd)
    assert abs(np.corrcoef(zero.latent_x[:, 0], zero.latent_y[:, 0])[0, 1]) < 0.1
    # same seed, same images; another seed, others
    np.testing.assert_array_equal(gi.image_pair(task, 300, 4.0, seed=1).x, pair.x)
    assert not np.array_equal(gi.image_pair(task, 300, 4.0, seed=2).x, pair.x)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: gi.image_pair("circles", 10, 1.0), "unknown task"),
        (lambda: gi.image_pair("bumps", 10, -1.0), "mi must be"),
        (lambda: gi.image_pair("bumps", 10, math.inf), "mi must be"),
        (lambda: gi.image_pair("bumps", 10, float("nan")), "mi must be"),
        (lambda: rho_for_mi(1.0, 0), "d must be >= 1"),
        (lambda: gi.bump_images(np.zeros((3, 3))), r"shape \(N, 2\)"),
        (lambda: gi.rectangle_images(np.zeros((3, 2))), r"shape \(N, 4\)"),
        (lambda: gi.bump_images(np.full((3, 2), np.nan)), "finite"),
        (lambda: gi.bump_images(np.zeros((3, 2)), width=-1.0), "width"),
    ],
)
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()
