"""The one estimator interface: every ibcore estimator, and a user's own, through information_plane."""

import ast
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import ibcore
from ibcore import interface
from ibcore.analysis.infoplane import PairwiseMI, as_layer_estimator, information_plane
from ibcore.interface import IXL, IYL, LayerEstimator, MIEstimator

pytestmark = pytest.mark.usefixtures("one_thread")

FAST_MINE = dict(hidden=(8,), n_iter=20, batch_size=32, log_every=10)


def tiny_run(n=48, epochs=(0, 3)):
    """A run-shaped object: 4 binary inputs, a 2-unit tanh layer and a 2-class output."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (n, 4), generator=g).float()
    x[:, 0] = torch.arange(n) % 2  # label bit
    x[:, 1:] = torch.randint(0, 2, (n, 3), generator=g).float()
    x = torch.cat([x, torch.arange(n, dtype=torch.float32)[:, None] / n], 1)  # distinct inputs
    y = x[:, 0].long()
    w = torch.randn(5, 2, generator=g)
    scale = torch.tensor([0.5, 3.0])[:, None, None]
    hidden = torch.tanh(scale * (x @ w)[None])
    out = torch.softmax(scale * torch.stack([x[:, 0], 1 - x[:, 0]], 1)[None], -1)
    return SimpleNamespace(
        seed=0,
        epochs=np.array(epochs),
        layers=["hidden", "output"],
        activations={"hidden": hidden, "output": out},
        x_eval=x,
        y_eval=y,
    )


# Every estimator of ibcore, handed over as it is (objects, or functions with their options).
EVERY_ESTIMATOR = {
    "Binning": (ibcore.Binning(), {}),
    "KDE": (ibcore.KDE(noise_var=0.1), {}),
    "DecisionRule": (ibcore.DecisionRule(), {}),
    "SamplePropagation": (ibcore.SamplePropagation(beta=0.3, n_mc=4), {}),
    "MINE": (ibcore.MINE(**FAST_MINE), {}),
    "AAMINE": (ibcore.AAMINE(sigma=0.3, **FAST_MINE), {}),
    "mi_ksg": (ibcore.mi_ksg, {"k": 3, "jitter": 1e-6}),
    "mi_kl": (ibcore.mi_kl, {"k": 3, "jitter": 1e-6}),
    "mi_wkl": (ibcore.mi_wkl, {"k": 3, "jitter": 1e-6}),
    "mi_edge": (ibcore.mi_edge, {}),
    "mi_renyi": (ibcore.mi_renyi, {}),
    "mi_binning": (ibcore.mi_binning, {"n_bins": 10}),
    "mi_kde": (ibcore.mi_kde, {"noise_var": 0.1}),
    "mi_decision_rule": (ibcore.mi_decision_rule, {}),
    "mi_sample_propagation": (ibcore.mi_sample_propagation, {"beta": 0.3, "n_mc": 4}),
    "mi_mine": (ibcore.mi_mine, FAST_MINE),
    "mi_noisy_layer": (ibcore.mi_noisy_layer, {"sigma": 0.3, **FAST_MINE}),
}


@pytest.mark.parametrize("key", list(EVERY_ESTIMATOR))
def test_every_ibcore_estimator_goes_through_information_plane(key):
    est, options = EVERY_ESTIMATOR[key]
    run = tiny_run()
    layer = as_layer_estimator(est, **options)
    assert isinstance(layer, LayerEstimator)
    df = information_plane(run, {key: layer}, layers=["output"], progress=False)
    assert len(df) == len(run.epochs)
    assert np.isfinite(df[[IXL, IYL]].to_numpy()).all()
    # as an MIEstimator, every object answers one float in nats
    obj = layer if isinstance(layer, MIEstimator) else None
    assert obj is not None, f"{key} gives no estimate(x, y)"
    v = obj.estimate(run.x_eval, run.activations["output"][-1])
    assert isinstance(v, float) and math.isfinite(v)


def test_a_users_own_estimator_object_and_function():
    run = tiny_run()

    class Correlation:  # a user's own estimator: Gaussian MI from the first coordinates' correlation
        def estimate(self, x, y):
            r = np.corrcoef(np.asarray(x)[:, 0], np.asarray(y)[:, 0])[0, 1]
            return -0.5 * math.log(1 - min(r * r, 0.999999))

    def my_mi(x, y, *, scale=1.0):
        return scale * Correlation().estimate(x, y)

    assert isinstance(Correlation(), MIEstimator)
    df = information_plane(
        run,
        {"object": Correlation(), "function": PairwiseMI(my_mi, {"scale": 2.0})},
        layers=["hidden"],
        progress=False,
    )
    obj, fn = (df[df.estimator == k].reset_index(drop=True) for k in ("object", "function"))
    np.testing.assert_allclose(fn[IXL], 2.0 * obj[IXL], rtol=1e-12)  # the options reached the function
    np.testing.assert_allclose(fn[IYL], 2.0 * obj[IYL], rtol=1e-12)
    # a bare function too, named after itself
    df2 = information_plane(run, my_mi, layers=["hidden"], progress=False)
    assert set(df2.estimator) == {"my_mi"}
    np.testing.assert_allclose(df2[IXL], obj[IXL], rtol=1e-12)


def test_layer_type_estimate_matches_the_layer_path():
    """estimate(x, L) with distinct x is I(X;L), with labels I(Y;L): the same numbers as the batched path."""
    run = tiny_run()
    acts = run.activations["hidden"]
    for est in (ibcore.Binning(n_bins=8), ibcore.KDE(noise_var=0.05), ibcore.DecisionRule()):
        cols = est.estimate_layer(acts, x=run.x_eval, y=run.y_eval)
        for e in range(acts.shape[0]):
            assert est.estimate(run.x_eval, acts[e]) == pytest.approx(cols[IXL][e], abs=1e-10)
            assert est.estimate(run.y_eval, acts[e]) == pytest.approx(cols[IYL][e], abs=1e-10)


def test_sample_propagation_estimator_against_closed_forms():
    # far-apart points (distance 100 beta): the mixtures do not overlap, so
    # I(X; L+Z) = H(X) = log 4 and I(Y; L+Z) = H(Y) = log 2 for groups {0,1}, {2,3}; MC error ~0.01
    pts = np.array([[0.0], [100.0], [200.0], [300.0]])
    sp = ibcore.SamplePropagation(beta=1.0, n_mc=2000)
    assert sp.estimate(np.arange(4), pts) == pytest.approx(math.log(4), abs=0.05)
    assert sp.estimate([0, 0, 1, 1], pts) == pytest.approx(math.log(2), abs=0.05)
    # unequal groups {0,1,2}, {3}: H(Y) = log 4 - 3/4 log 3
    assert sp.estimate([0, 0, 0, 1], pts) == pytest.approx(math.log(4) - 0.75 * math.log(3), abs=0.05)
    # one group: no information
    assert sp.estimate([7, 7, 7, 7], pts) == pytest.approx(0.0, abs=0.05)


def test_aamine_on_recorded_features_and_its_guard():
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    f = torch.tanh(x @ torch.ones(3, 2))
    v = ibcore.AAMINE(sigma=0.2, **FAST_MINE).estimate(x, f)
    assert math.isfinite(v)
    # features must be a function of x: labels as x are refused (that is I(Y;L), a job for MINE)
    with pytest.raises(ValueError, match="function of x"):
        ibcore.AAMINE(sigma=0.2, **FAST_MINE).estimate(torch.zeros(64), f)
    with pytest.raises(ValueError, match="subnetwork"):
        ibcore.AAMINE(sigma=0.2, **FAST_MINE).estimate(x)
    net = torch.nn.Linear(3, 2)
    with pytest.raises(ValueError, match="differ from subnetwork"):
        ibcore.AAMINE(net, 0.2, **FAST_MINE).estimate(x, f)
    with pytest.raises(TypeError, match="sigma"):
        ibcore.AAMINE(net)


@pytest.mark.parametrize(
    ("estimators", "err", "match"),
    [
        ([ibcore.entropy_kl], TypeError, "does not estimate a mutual information"),
        ([ibcore.Binning(), ibcore.Binning()], ValueError, "several estimators are named"),
        ([lambda x, y: float("nan")], ValueError, "finite number or raise"),
        ([lambda x, y: (1.0, 2.0)], TypeError, "not a number"),
    ],
)
def test_bad_estimators_are_refused_clearly(estimators, err, match):
    with pytest.raises(err, match=match):
        information_plane(tiny_run(), estimators, layers=["hidden"], progress=False)


def test_options_go_to_functions_only():
    with pytest.raises(TypeError, match="options are for a function"):
        PairwiseMI(ibcore.MINE(), {"k": 3})
    with pytest.raises(TypeError, match="configured already"):
        as_layer_estimator(ibcore.Binning(), n_bins=3)


def test_kde_function_needs_its_option():
    with pytest.raises(TypeError, match="mi_kde stands for KDE"):
        as_layer_estimator(ibcore.mi_kde, bandwidth=3)


def test_layer_estimator_output_is_checked():
    class Broken:
        name = "broken"

        def estimate_layer(self, acts, *, x, y):
            return {IXL: np.zeros(1), IYL: np.zeros(acts.shape[0])}

    with pytest.raises(ValueError, match="shape"):
        information_plane(tiny_run(), Broken(), progress=False)


def test_interface_imports_nothing_from_ibcore():
    tree = ast.parse(Path(interface.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("ibcore")
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("ibcore") for a in node.names)


def test_class_and_function_agree_on_which_operand_is_the_representation():
    """Binning().estimate(x, y) reads y as the layer; mi_binning takes the layer first, labels by name."""
    rng = np.random.default_rng(0)
    layer, labels = rng.uniform(-1, 1, (64, 3)), rng.integers(0, 2, 64)
    by_class = ibcore.Binning(n_bins=4).estimate(labels, layer)
    assert by_class == ibcore.mi_binning(layer, labels=labels, n_bins=4).i_yl
    assert by_class != ibcore.Binning(n_bins=4).estimate(layer, labels)  # swapping changes the number
