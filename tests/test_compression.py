"""Lossy compression (ibcore.compression): exact cases, trends, invariance of MI on codes, errors."""

import numpy as np
import pytest
import torch

from ibcore.compression import ConvAutoencoder, DenseAutoencoder, compress, fit_compressor
from ibcore.estimators.knn import mi_ksg
from ibcore.ground_truth import gaussian_mi_from_rho
from ibcore.ground_truth.images import image_pair

pytestmark = pytest.mark.usefixtures("one_thread")


def _low_rank(n=600, rank=3, d=20, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, rank))
    a = rng.standard_normal((rank, d))
    return z, z @ a + noise * rng.standard_normal((n, d))


def test_pca_is_exact_on_data_of_its_rank():
    _, x = _low_rank()
    comp = fit_compressor(x, 3, method="pca", val_fraction=0.2)
    # rank-3 data: 3 components reconstruct it up to float32 rounding
    assert comp.train_error < 1e-8 and comp.val_error < 1e-8
    rec = comp.decode(comp.encode(x)).numpy()
    np.testing.assert_allclose(rec, x, atol=1e-4 * np.abs(x).max())
    # fewer components lose variance: the error is the share of the dropped eigenvalues
    comp2 = fit_compressor(x, 2, method="pca", val_fraction=0.0)
    ev = np.linalg.eigvalsh(np.cov(x.T))[::-1]
    assert comp2.train_error == pytest.approx(ev[2] / ev.sum(), rel=1e-3)


def test_pca_error_decreases_with_dim():
    _, x = _low_rank(rank=6, noise=0.1)
    errors = [fit_compressor(x, d, method="pca", val_fraction=0.0).train_error for d in range(1, 7)]
    assert all(a > b for a, b in zip(errors[:-1], errors[1:], strict=True))


def test_dense_autoencoder_learns_a_linear_manifold():
    _, x = _low_rank(n=600, rank=2, d=10)
    comp = fit_compressor(x, 2, method="dense", n_epochs=80, batch_size=60, lr=3e-3, seed=0, hidden=(32,))
    # a 2-D code of 2-D data: far below the 1.0 of the mean, and below the best 1-D (PCA) code
    one = fit_compressor(x, 1, method="pca", val_fraction=0.0).train_error
    assert comp.val_error < min(0.1, one)
    assert comp.history[-1] < comp.history[0]
    assert comp.encode(x).shape == (600, 2)


def test_conv_autoencoder_shapes_and_training():
    for shape in [(1, 16, 16), (1, 28, 28), (3, 7, 9)]:
        net = ConvAutoencoder(shape, 4)
        x = torch.zeros(5, *shape)
        assert net.encoder(x).shape == (5, 4)
        assert net(x).shape == x.shape
    pair = image_pair("bumps", 800, 0.0, seed=0)
    comp = fit_compressor(pair.x, 2, method="conv", n_epochs=12, batch_size=32, lr=2e-3, seed=1)
    # a 2-D bump family through a 2-D code: most of the variance kept (measured ~0.01-0.05)
    assert comp.val_error < 0.25
    assert DenseAutoencoder((1, 16, 16), 3)(torch.zeros(2, 1, 16, 16)).shape == (2, 1, 16, 16)


def test_fit_is_seeded_and_device_aware():
    _, x = _low_rank(n=300)
    a = fit_compressor(x, 2, method="dense", n_epochs=3, seed=5, device="cpu").encode(x)
    b = fit_compressor(x, 2, method="dense", n_epochs=3, seed=5, device="cpu").encode(x)
    c = fit_compressor(x, 2, method="dense", n_epochs=3, seed=6, device="cpu").encode(x)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.device.type == "cpu"


@pytest.mark.gpu
def test_cuda_matches_cpu_for_pca():
    _, x = _low_rank(n=300)
    a = compress(x, 3, method="pca", device="cpu")
    b = compress(x, 3, method="pca", device="cuda").cpu()
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def test_mi_survives_an_injective_compression():
    # X, Y: 2 correlated Gaussian pairs embedded linearly in 20-D; PCA to 2-D is injective on the
    # data, so KSG on the codes estimates the true MI (KSG is invariant to the linear map here up
    # to its finite-N bias: |bias| + 4 sd at N = 2000 for 1.0 nat in 2+2 dims is about 0.1)
    rng = np.random.default_rng(0)
    rho = np.array([0.8, 0.6])
    zx = rng.standard_normal((2000, 2))
    zy = rho * zx + np.sqrt(1 - rho**2) * rng.standard_normal((2000, 2))
    a = rng.standard_normal((2, 20))
    x, y = zx @ a, zy @ a
    truth = gaussian_mi_from_rho(rho)
    cx, cy = compress(x, 2, method="pca"), compress(y, 2, method="pca")
    assert mi_ksg(cx, cy, k=5) == pytest.approx(truth, abs=0.1)
    # over-compression (1-D code of 2-D latents) loses information: the estimate falls clearly
    assert mi_ksg(compress(x, 1, method="pca"), compress(y, 1, method="pca"), k=5) < truth - 0.15


def test_compress_fits_on_held_out_samples():
    _, x = _low_rank(n=400, seed=0)
    _, held = _low_rank(n=400, seed=0)  # same map a (same seed), other samples would differ only in z
    z = compress(x[:200], 3, fit_on=held[200:], method="pca")
    assert z.shape == (200, 3)


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"method": "tsne"}, ValueError, "unknown method"),
        ({"dim": 0}, ValueError, "dim must be >= 1"),
        ({"dim": 50}, ValueError, "not a compression"),
        ({"lr": -1.0}, ValueError, "lr must be"),
        ({"val_fraction": 1.0}, ValueError, "val_fraction"),
        ({"n_epochs": 1.5}, TypeError, "n_epochs must be an integer"),
        ({"x": np.full((10, 5), np.nan)}, ValueError, "finite"),
        ({"x": np.ones((10, 5))}, ValueError, "constant"),
        ({"x": np.ones(10)}, ValueError, "shape"),
        ({"x": np.zeros((10, 5)), "method": "conv"}, ValueError, "constant"),
        (
            {"x": np.random.default_rng(0).standard_normal((10, 5)), "method": "conv"},
            ValueError,
            r"\(C, H, W\)",
        ),
    ],
)
def test_bad_input_is_refused(kw, err, match):
    args = {"x": np.random.default_rng(0).standard_normal((20, 8)), "dim": 2, "n_epochs": 1}
    args.update(kw)
    x, dim = args.pop("x"), args.pop("dim")
    with pytest.raises(err, match=match):
        fit_compressor(x, dim, **args)


def test_encode_refuses_other_shapes_and_divergence_is_reported():
    _, x = _low_rank(n=100)
    comp = fit_compressor(x, 2, method="pca")
    with pytest.raises(ValueError, match="samples of shape"):
        comp.encode(np.zeros((5, 7)))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        comp.decode(np.zeros((5, 3)))
    with pytest.raises(FloatingPointError, match="diverged"):
        fit_compressor(x * 1e3, 2, method="dense", n_epochs=5, lr=1e6)


def test_fit_compressor_patience_stops_and_keeps_the_best_epoch():
    x = np.random.default_rng(0).standard_normal((400, 3)) @ np.random.default_rng(1).standard_normal((3, 12))
    plain = fit_compressor(x, 3, n_epochs=4, seed=0)
    assert plain.val_history == [] and plain.best_epoch == 0  # default: no early stopping
    comp = fit_compressor(x, 3, n_epochs=60, patience=2, lr=5e-2, seed=0)
    errs = comp.val_history
    assert 1 <= comp.best_epoch <= len(errs) <= 60
    assert errs[comp.best_epoch - 1] == min(errs)
    assert len(errs) == 60 or len(errs) - comp.best_epoch == 2  # stopped after 2 epochs without a best
    assert comp.val_error == pytest.approx(min(errs), rel=1e-3, abs=1e-5)  # the best weights kept
    with pytest.raises(ValueError, match="val_fraction"):
        fit_compressor(x, 3, patience=2, val_fraction=0.0)
    with pytest.raises(ValueError, match="patience"):
        fit_compressor(x, 3, patience=0)


def test_a_constant_held_out_set_is_refused_before_training():
    from ibcore.compression import _EarlyStop

    with pytest.raises(ValueError, match="constant"):
        _EarlyStop(torch.ones(5, 3), patience=2)
