"""The chapter's tools (aa_mine_ib.methods, Elad et al. 2019) and layer-by-layer IB training on tiny tasks.

The task: x in R^8, label y = 1 when x_0 + x_1 > 0 (two classes, balanced), the other six
coordinates are noise. A 1-D representation can carry all of I(X;Y) = log 2 nats.
"""

import numpy as np
import pytest
import torch

from ibcore import AAMINE
from ibcore._device import torch_threads
from ibcore.models import LayerwiseNet, elad_convnet, elad_mlp
from ibcore.study.chapters.aa_mine_ib.methods import noise_sweep, quantisation, run_method
from ibcore.training import (
    accuracy,
    features,
    train_end_to_end,
    train_layerwise,
    train_readout,
    weight_norms,
)


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny nets: one thread avoids oversubscription on a shared CPU (restored afterwards)
    with torch_threads(1):
        yield


FAST = dict(n_steps=150, batch_size=128, lr=1e-2, progress=False)


def _task(n=1024, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = ((x[:, 0] + x[:, 1]) > 0).long()
    return x, y


def _net(widths=(4, 2), seed=0):
    return elad_mlp(8, widths, n_classes=2, seed=seed)


def test_iyl_training_makes_the_layer_predictive():
    x, y = _task(seed=0)
    xt, yt = _task(seed=1)
    net = _net()
    train_readout(net, x, y, n_steps=200, lr=5e-2)
    before = accuracy(net, xt, yt)
    res = train_layerwise(net, x, y, beta=0.0, **FAST)
    train_readout(net, x, y, n_steps=200, lr=5e-2)
    after = accuracy(net, xt, yt)
    # a linear rule on x_0 + x_1 gives 1.0; the trained 2-layer tanh code should get close.
    # 0.9: about 10 s.d. of a held-out accuracy (n=1024) above chance, far below the 0.97 seen.
    assert after >= 0.9
    assert after > before
    # the MINE critic's I(Y;L) ends near log 2 nats (an estimate, so a loose band)
    assert 0.4 < res.final[-1]["iyl"] < np.log(2) + 0.15


def test_beta_lowers_the_aamine_estimate_of_i_x_l_plus_noise():
    x, y = _task(seed=0)
    sigma = 0.1
    est = {}
    for beta in (0.0, 1.0):
        net = _net(widths=(6,))
        train_layerwise(net, x, y, beta=beta, sigma=sigma, **FAST)
        sub = torch.nn.Sequential(*net.blocks)
        est[beta] = AAMINE(sub, sigma, n_iter=300, batch_size=256, lr=3e-3, seed=0).fit(x).result_.estimate
    # an independent AA-MINE fit on the trained layers: the penalty must cut I(X;L+eps) by a
    # margin far beyond the estimator's seed-to-seed spread (~0.1 nat here)
    assert est[1.0] < est[0.0] - 0.5


def test_beta_shrinks_the_weights_like_weight_decay():
    x, y = _task(seed=0)
    norms = {}
    for beta in (0.0, 1.0):
        net = _net(widths=(6,))
        train_layerwise(net, x, y, beta=beta, sigma=0.1, **FAST)
        norms[beta] = weight_norms(net)[0]
    assert norms[1.0] < norms[0.0]


def test_frozen_layers_do_not_change():
    x, y = _task(seed=0)
    net = _net(widths=(4, 3, 2))
    train_layerwise(net, x, y, beta=0.1, layers=(1,), **FAST)
    first = [p.detach().clone() for p in net.blocks[0].parameters()]
    untouched = [p.detach().clone() for p in net.blocks[2].parameters()]
    train_layerwise(net, x, y, beta=0.1, layers=(2,), **FAST)
    for a, b in zip(first, net.blocks[0].parameters(), strict=True):
        assert torch.equal(a, b)  # exactly: a frozen layer gets no update at all
    for a, b in zip(untouched, net.blocks[2].parameters(), strict=True):
        assert torch.equal(a, b)  # a later layer is not trained before its turn
    all_blocks = [p.detach().clone() for p in net.blocks.parameters()]
    train_readout(net, x, y, n_steps=20)
    for a, b in zip(all_blocks, net.blocks.parameters(), strict=True):
        assert torch.equal(a, b)  # the read-out trains only the read-out
    assert all(not p.requires_grad for p in net.blocks.parameters())


def test_end_to_end_baseline_learns_and_weight_decay_shrinks():
    x, y = _task(seed=0)
    xt, yt = _task(seed=1)
    plain, decayed = _net(), _net()
    train_end_to_end(plain, x, y, n_steps=200, lr=1e-2, progress=False)
    train_end_to_end(decayed, x, y, n_steps=200, lr=1e-2, weight_decay=0.05, progress=False)
    assert accuracy(plain, xt, yt) >= 0.9
    assert sum(weight_norms(decayed)) < sum(weight_norms(plain))


def test_same_seed_same_result_and_run_method():
    x, y = _task(seed=0)
    xt, yt = _task(seed=1)
    a = run_method("ib", _net(), (x, y), (xt, yt), beta=0.1, n_steps=30, readout_steps=30, progress=False)
    b = run_method("ib", _net(), (x, y), (xt, yt), beta=0.1, n_steps=30, readout_steps=30, progress=False)
    assert a["accuracy"] == b["accuracy"]
    np.testing.assert_allclose(a["weight_norms"], b["weight_norms"], rtol=0, atol=0)
    assert len(a["final"]) == 2 and np.isfinite(a["final"][0]["ixl"])
    c = run_method("iyl", _net(), (x, y), (xt, yt), n_steps=30, readout_steps=30, progress=False)
    assert np.isnan(c["final"][0]["ixl"])  # beta = 0 trains no X-critic
    with pytest.raises(ValueError, match="method must be one of"):
        run_method("sgd", _net(), (x, y), (xt, yt))


def test_convnet_shapes_and_layerwise_step():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 3, 32, 32, generator=g)
    y = torch.arange(64) % 10
    net = elad_convnet(channels=(4, 8), seed=0)
    assert isinstance(net, LayerwiseNet) and net.n_layers == 2
    assert features(net, x, 1).shape == (64, 4 * 16 * 16)
    assert net(x).shape == (64, 10)
    res = train_layerwise(net, x, y, beta=0.01, n_steps=3, batch_size=32, progress=False)
    assert len(res.final) == 2


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        (dict(beta=-1.0), ValueError, "beta"),
        (dict(beta=0.1, sigma=0.0), ValueError, "sigma"),
        (dict(beta=float("nan")), ValueError, "beta"),
        (dict(beta=0.1, n_steps=0), ValueError, "n_steps"),
        (dict(beta=0.1, layers=(3,)), ValueError, "layers"),
        (dict(beta=0.1, layers=(2, 1)), ValueError, "layers"),
    ],
)
def test_bad_options_raise(kwargs, err, match):
    x, y = _task(n=64)
    with pytest.raises(err, match=match):
        train_layerwise(_net(), x, y, **{"progress": False, **kwargs})


def test_bad_data_raise():
    x, y = _task(n=64)
    with pytest.raises(ValueError, match="rows"):
        train_layerwise(_net(), x, y[:10], beta=0.1)
    with pytest.raises(TypeError, match="integer class labels"):
        train_layerwise(_net(), x, y.float(), beta=0.1)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        train_layerwise(_net(), x, y + 5, beta=0.1)
    bad = x.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        train_end_to_end(_net(), bad, y)
    with pytest.raises(TypeError, match="LayerwiseNet"):
        train_readout(torch.nn.Linear(8, 2), x, y)
    with pytest.raises(ValueError, match="widths"):
        elad_mlp(8, ())


def test_divergence_is_an_error_not_a_number():
    x, y = _task(n=256)
    with pytest.raises(FloatingPointError, match="lower"):
        train_layerwise(_net(), x, y, beta=1.0, n_steps=50, lr=1e9, critic_lr=1e9, progress=False)


def test_quantisation_ranks_a_clustered_code_above_a_spread_one():
    g = torch.Generator().manual_seed(0)
    spread = torch.tanh(0.3 * torch.randn(300, 5, generator=g))
    corners = torch.sign(torch.randn(4, 5, generator=g))
    clustered = corners[torch.arange(300) % 4] * 0.995 + 0.001 * torch.randn(300, 5, generator=g)
    q_s, q_c = quantisation(spread), quantisation(clustered)
    assert q_c["saturated"] > 0.9 > q_s["saturated"]
    assert q_c["nn_gap"] > 0.99 > q_s["nn_gap"]
    with pytest.raises(ValueError, match="N >= 3"):
        quantisation(torch.zeros(2, 3))


def test_noise_sweep_aamine_grows_as_noise_shrinks():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1000, 4, generator=g)
    with torch.random.fork_rng(devices=[]):  # the init from a fixed seed, not from the tests run before
        torch.manual_seed(0)
        lin = torch.nn.Linear(4, 2)
    frame = noise_sweep(
        lin, x, [1.0, 0.01], architecture_aware=(True,), n_iter=200, batch_size=200, lr=3e-3, progress=False
    )
    est = frame.set_index("sigma")["estimate"]
    # truth (Eq. 5) grows by log(1/0.01^2) = 9.2 nats per output dimension pair; 2 nats is safe
    assert est[0.01] > est[1.0] + 2.0
    assert list(frame.columns) == ["sigma", "variance", "estimator", "estimate", "diverged"]
