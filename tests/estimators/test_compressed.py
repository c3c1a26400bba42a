"""ibcore.estimators.compressed: label MI from kNN entropies and the compressed-MI layer estimator."""

import math

import numpy as np
import pytest

from ibcore.compression import fit_compressor
from ibcore.estimators.compressed import CompressedMI, mi_labels
from ibcore.interface import IXL, IYL, LayerEstimator

pytestmark = pytest.mark.usefixtures("one_thread")


def _mixture(n_per=600, sep=8.0, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), n_per)
    z = rng.standard_normal((len(y), 2)) + sep * y[:, None]
    return z, y


@pytest.mark.parametrize("entropy", ["wkl", "kl"])
def test_mi_labels_separated_classes_give_log_c(entropy):
    # well-separated equal classes: I(Z;Y) = H(Y) = log 2 (overlap ~ Phi(-4 sqrt 2 ... ) ~ 0);
    # kNN bias of the difference of entropies at n = 1200 in 2-D: within 0.1
    z, y = _mixture(sep=8.0)
    assert mi_labels(z, labels=y, k=5, entropy=entropy) == pytest.approx(math.log(2), abs=0.1)
    z3, y3 = _mixture(sep=10.0, classes=3, n_per=400)
    assert mi_labels(z3, labels=y3, k=5, entropy=entropy) == pytest.approx(math.log(3), abs=0.12)


def test_mi_labels_independent_labels_give_zero_and_grow_with_separation():
    z, _ = _mixture(sep=0.0)
    y = np.random.default_rng(1).integers(0, 2, len(z))
    # independent: 0 up to the estimator's noise (sd ~ 0.03 at n = 1200)
    assert abs(mi_labels(z, labels=y, k=5)) < 0.12
    mixtures = [_mixture(sep=s) for s in (0.5, 2.0, 8.0)]
    values = [mi_labels(z, labels=y, k=5) for z, y in mixtures]
    assert values[0] < values[1] < values[2]


def test_mi_labels_refuses_bad_input():
    z, y = _mixture(n_per=50)
    with pytest.raises(ValueError, match="labels has 100 labels, expected 99"):
        mi_labels(z[:99], labels=y, k=5)
    with pytest.raises(ValueError, match="need more than k"):
        mi_labels(z, labels=np.r_[np.zeros(97, int), np.ones(3, int)], k=5)
    with pytest.raises(ValueError, match="unknown entropy"):
        mi_labels(z, labels=y, entropy="ksg")


def test_compressed_mi_is_a_layer_estimator_with_sane_coordinates():
    rng = np.random.default_rng(0)
    n = 800
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 12)) + 3.0 * y[:, None]  # the input carries the label
    xc = fit_compressor(x, 2, method="pca")
    # epoch 0: a layer that ignores x (noise); epoch 1: a noisy linear copy of x's 2-D code
    noise = rng.standard_normal((n, 6))
    copy = np.hstack([xc.encode(x).numpy(), np.zeros((n, 4))]) + 0.05 * noise
    acts = np.stack([noise, copy]).astype(np.float32)
    est = CompressedMI(xc, dim=2, k=5)
    assert isinstance(est, LayerEstimator)
    out = est.estimate_layer(acts, x=x, y=y)
    assert out[IXL].shape == (2,) and out[IYL].shape == (2,)
    # noise: ~0 nats; a copy: far more (signal/noise 20 in 2 dims: ~ 2 log 20 = 6 nats minus bias)
    assert abs(out[IXL][0]) < 0.15 and out[IXL][1] > 3.0
    assert abs(out[IYL][0]) < 0.15
    assert out[IYL][1] == pytest.approx(math.log(2), abs=0.15)  # separable classes, I(Y;L) = H(Y)


def test_compressed_mi_code_error_and_dense_layers():
    rng = np.random.default_rng(2)
    n = 600
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 8)) + 3.0 * y[:, None]
    xc = fit_compressor(x, 2, method="pca")
    # a layer that lies in a 2-D subspace of 10 features: PCA to 2 dims reconstructs it exactly;
    # a 1-D code loses the second direction, half the variance of two equal-variance coordinates
    basis = np.linalg.qr(rng.standard_normal((10, 2)))[0].T
    exact = (xc.encode(x).numpy() / xc.encode(x).numpy().std(0)) @ basis
    # an exact linear copy of X's code: the pair lies on a subspace, I(X;L) = inf - refused, not a number
    with pytest.raises(ValueError, match="singular"):
        CompressedMI(xc, dim=2).estimate_layer(exact[None].astype(np.float32), x=x, y=y)
    layer = exact + 1e-3 * rng.standard_normal(exact.shape)  # 8 more directions of variance 1e-6
    acts = layer[None].astype(np.float32)
    assert CompressedMI(xc, dim=2).estimate_layer(acts, x=x, y=y)["code error"][0] == pytest.approx(
        0, abs=1e-4
    )
    one = CompressedMI(xc, dim=1).estimate_layer(acts, x=x, y=y)
    assert one["code error"][0] == pytest.approx(0.5, abs=0.02)
    with pytest.warns(RuntimeWarning, match="norm 359"):  # joint dimension 2 + 10 at k = 5
        small = CompressedMI(xc, dim=12).estimate_layer(acts, x=x, y=y)  # 10 features <= 12: kept
    assert small["code error"][0] == 0.0
    dense = CompressedMI(xc, dim=2, layer_method="dense", layer_options={"n_epochs": 3, "seed": 1})
    out = dense.estimate_layer(acts, x=x, y=y)
    assert 0 <= out["code error"][0] < 1.5 and np.isfinite(out[IXL][0])


def test_compressed_mi_refuses_bad_layer_options():
    xc = fit_compressor(np.random.default_rng(0).standard_normal((50, 4)), 2, method="pca")
    with pytest.raises(ValueError, match="unknown layer_options"):
        CompressedMI(xc, layer_method="dense", layer_options={"epochs": 3})
    with pytest.raises(ValueError, match="give layer_method='dense'"):
        CompressedMI(xc, layer_options={"n_epochs": 3})
