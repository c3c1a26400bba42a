"""Geometry of a layer over epochs, checked against cases worked out by hand and a brute-force loop."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ibcore import Binning
from ibcore.analysis.geometry import (
    GEOMETRY_COLUMNS,
    Geometry,
    geometry_frame,
    layer_geometry,
    saturated_fraction,
)
from ibcore.analysis.infoplane import information_plane


def brute_force(a, y):
    """Within/between mean distances and diameter by an explicit double loop over ordered pairs."""
    n = len(a)
    w, b = [], []
    for i in range(n):
        for j in range(n):
            if i != j:
                (w if y[i] == y[j] else b).append(np.linalg.norm(a[i] - a[j]))
    return np.mean(w), np.mean(b), max(w + b)


def test_two_tight_clusters_have_ratio_near_zero():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 8.0, 0.0]])  # 10 apart
    y = np.repeat([0, 1], 50)
    a = centres[y] + 1e-4 * rng.standard_normal((100, 3))
    g = layer_geometry(a, y)
    # within-class distances are O(1e-4 * sqrt(3)), between ones 10 +- O(1e-4)
    assert g.within < 1e-3
    assert g.between == pytest.approx(10.0, abs=1e-3)
    assert g.ratio == pytest.approx(0.0, abs=1e-4)
    assert g.diameter == pytest.approx(10.0, abs=1e-3)


def test_points_on_a_line_by_hand():
    # positions 0, 1, 2, 3 with classes 0, 0, 1, 1: within pairs |0-1| = |2-3| = 1 -> mean 1;
    # between pairs 2, 3, 1, 2 -> mean 2; ratio 1/2; diameter 3
    g = layer_geometry(np.array([0.0, 1.0, 2.0, 3.0]), [0, 0, 1, 1])
    assert isinstance(g, Geometry) and isinstance(g.within, float)
    assert (g.within, g.between, g.ratio, g.diameter) == pytest.approx((1.0, 2.0, 0.5, 3.0), abs=1e-12)
    # 100 points on a line in 2-D, direction (3, 4)/5, at 0..99: diameter 99
    t = np.arange(100.0)[:, None] * np.array([[0.6, 0.8]])
    assert layer_geometry(t, np.arange(100) % 3).diameter == pytest.approx(99.0, rel=1e-9)


def test_unequal_classes_pool_pairs():
    # class 0 = {0, 1, 2} (3 pairs: 1, 2, 1 -> 4/3), class 1 = {10} (no pair): within = 4/3;
    # between: 10, 9, 8 -> 9
    g = layer_geometry([0.0, 1.0, 2.0, 10.0], [5, 5, 5, 7])
    assert (g.within, g.between, g.ratio) == pytest.approx((4 / 3, 9.0, 4 / 27), rel=1e-12)


def test_matches_brute_force_on_random_data():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((60, 4)) + 3.0  # N > 25: cdist takes its matrix-product path
    y = rng.integers(0, 3, 60)
    g = layer_geometry(a, y, chunk_size=7)
    # float64 matrix-product distances on centred points: ~1e-8 absolute at most
    np.testing.assert_allclose([g.within, g.between, g.diameter], brute_force(a, y), rtol=1e-7)


def test_saturated_fraction_by_hand():
    a = np.array([[0.999, -0.999, 0.0], [0.5, -0.995, 1.0]])
    # |a| > 0.99: 0.999, -0.999, -0.995, 1.0 -> 4 of 6
    assert saturated_fraction(a, eps=0.01) == pytest.approx(4 / 6)
    # eps = 0.5: |a| > 0.5 strictly, so 0.5 itself is not saturated -> still 4 of 6
    assert saturated_fraction(a, eps=0.5) == pytest.approx(4 / 6)
    assert saturated_fraction(a, eps=0.001) == pytest.approx(1 / 6)  # only |1.0| > 0.999
    batch = np.stack([a, np.zeros_like(a), np.ones_like(a)])
    np.testing.assert_allclose(saturated_fraction(batch, eps=0.01), [4 / 6, 0.0, 1.0])
    three = np.vstack([a, a[:1]])  # + 2 saturated of 3 -> 6 of 9
    assert layer_geometry(three, [0, 1, 0], eps=0.01).saturation == pytest.approx(6 / 9)


def test_batched_equals_per_epoch_loop_and_chunked_equals_unchunked():
    rng = np.random.default_rng(2)
    acts = np.tanh(rng.standard_normal((5, 70, 3)) * np.linspace(0.5, 4, 5)[:, None, None])
    y = rng.integers(0, 2, 70)
    batched = layer_geometry(acts, y)
    assert all(isinstance(v, np.ndarray) and v.shape == (5,) for v in batched)
    loop = [layer_geometry(acts[e], y) for e in range(5)]
    for k, col in enumerate(GEOMETRY_COLUMNS):
        np.testing.assert_allclose(batched[k], [g[k] for g in loop], rtol=1e-12, err_msg=col)
    for chunk in (1, 7, 70, 1000):
        chunked = layer_geometry(acts, y, chunk_size=chunk)
        for k, col in enumerate(GEOMETRY_COLUMNS):
            # block sums add in another order: equal up to float64 rounding
            np.testing.assert_allclose(chunked[k], batched[k], rtol=1e-12, err_msg=f"{col}, chunk {chunk}")
    # the saturation grows with the pre-activation scale (tanh of ever larger inputs)
    assert np.all(np.diff(batched.saturation) >= 0) and batched.saturation[-1] > batched.saturation[0]


def test_invariances():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((40, 3))
    y = rng.integers(0, 4, 40)
    g = layer_geometry(a, y)
    shifted = layer_geometry(a + 100.0, y)  # distances do not see a translation
    np.testing.assert_allclose(
        [shifted.within, shifted.between, shifted.diameter], [g.within, g.between, g.diameter], rtol=1e-7
    )
    scaled = layer_geometry(2.5 * a, y)  # distances scale, the ratio does not
    assert scaled.within == pytest.approx(2.5 * g.within, rel=1e-9)
    assert scaled.ratio == pytest.approx(g.ratio, rel=1e-9)
    relabelled = layer_geometry(a, y * 10 + 3)  # only the partition into classes matters
    assert relabelled.ratio == pytest.approx(g.ratio, rel=1e-12)


def test_float16_and_coincident_points():
    a = torch.tensor([[0.5, -0.5], [0.5, -0.5], [0.25, 1.0]], dtype=torch.float16)
    g = layer_geometry(a, torch.tensor([0, 0, 1]))
    # exact in float16: within 0, between |(0.25, 1.5)| = sqrt(2.3125)
    assert g.within == pytest.approx(0.0, abs=1e-12)
    assert g.between == pytest.approx(np.sqrt(2.3125), rel=1e-12)
    all_same = layer_geometry(np.ones((4, 2)), [0, 0, 1, 1])
    assert np.isnan(all_same.ratio) and all_same.diameter == 0.0  # 0 / 0


@pytest.mark.parametrize(
    ("layer", "labels", "kwargs", "err", "match"),
    [
        (np.zeros((4, 2)), [0, 0, 0, 0], {}, ValueError, "single class"),
        (np.zeros((3, 2)), [0, 1, 2], {}, ValueError, "no class has two samples"),
        (np.zeros((4, 2)), [0, 0, 1], {}, ValueError, "labels has 3 labels, expected 4"),
        (np.zeros((4, 2)), [0, 0, 1, 1], {"eps": 0.0}, ValueError, "eps must be finite and > 0"),
        (np.zeros((4, 2)), [0, 0, 1, 1], {"eps": 1.0}, ValueError, r"eps must be in \(0, 1\)"),
        (np.zeros((4, 2)), [0, 0, 1, 1], {"chunk_size": 0}, ValueError, "chunk_size must be >= 1"),
        (np.full((4, 2), np.nan), [0, 0, 1, 1], {}, ValueError, "NaN or infinite"),
        (np.zeros((2, 3, 4, 2)), [0, 0, 1], {}, ValueError, "ndim=4"),
    ],
)
def test_layer_geometry_rejects_bad_input(layer, labels, kwargs, err, match):
    with pytest.raises(err, match=match):
        layer_geometry(layer, labels, **kwargs)


def fake_run(seed=0, n=64, epochs=(0, 1, 5, 10)):
    """A run-shaped object: a tanh layer that saturates over epochs and a 2-unit output layer."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (n, 6), generator=g).float()
    y = x[:, 0].long()
    scale = torch.linspace(0.1, 3.0, len(epochs))[:, None, None]
    l1 = torch.tanh(scale * (x @ torch.randn(6, 4, generator=g))[None])
    out = torch.softmax(scale * torch.stack([x[:, 0], 1 - x[:, 0]], 1)[None], dim=-1)
    return SimpleNamespace(
        seed=seed,
        epochs=np.array(epochs),
        layers=["layer1", "output"],
        activations={"layer1": l1.half(), "output": out.half()},
        x_eval=x,
        y_eval=y,
    )


def test_geometry_frame_matches_direct_calls_and_merges_with_the_information_plane():
    runs = [fake_run(seed=s) for s in (0, 1)]
    df = geometry_frame(runs)
    assert list(df.columns) == ["seed", "layer", "layer_index", "epoch", *GEOMETRY_COLUMNS]
    assert len(df) == 2 * 2 * 4
    for run in runs:
        direct = layer_geometry(run.activations["layer1"], run.y_eval)
        rows = df[(df.seed == run.seed) & (df.layer == "layer1")].sort_values("epoch")
        assert rows["layer_index"].eq(1).all() and rows["epoch"].tolist() == [0, 1, 5, 10]
        for k, col in enumerate(GEOMETRY_COLUMNS):
            np.testing.assert_allclose(rows[col], direct[k], rtol=1e-12, err_msg=col)
    ip = information_plane(runs, Binning(), progress=False)
    merged = ip.merge(df, on=["seed", "layer", "layer_index", "epoch"], validate="one_to_one")
    assert len(merged) == len(ip) == len(df)


def test_geometry_frame_subsets_and_errors():
    run = fake_run()
    df = geometry_frame(run, layers=["output"], epochs=[1, 10], eps=0.1)
    assert set(df.layer) == {"output"} and df.epoch.tolist() == [1, 10]
    assert df["layer_index"].eq(2).all()
    # epochs 1 and 10 are the recorded indices 1 and 3
    np.testing.assert_allclose(
        df["saturation"], saturated_fraction(run.activations["output"][[1, 3]], eps=0.1)
    )
    with pytest.raises(ValueError, match=r"layers \['layer9'\] were not recorded"):
        geometry_frame(run, layers=["layer9"])
    with pytest.raises(ValueError, match=r"epochs \[3\] were not recorded"):
        geometry_frame(run, epochs=[3])
    with pytest.raises(ValueError, match="runs is empty"):
        geometry_frame([])


@pytest.mark.gpu
def test_cuda_matches_cpu():
    rng = np.random.default_rng(4)
    acts = torch.from_numpy(np.tanh(rng.standard_normal((3, 200, 5))))
    y = torch.from_numpy(rng.integers(0, 3, 200))
    cpu = layer_geometry(acts, y)
    gpu = layer_geometry(acts.cuda(), y.cuda())
    assert layer_geometry(acts, y, device="cuda").within == pytest.approx(gpu.within, rel=1e-9)
    for k, col in enumerate(GEOMETRY_COLUMNS):
        np.testing.assert_allclose(gpu[k], cpu[k], rtol=1e-9, err_msg=col)
