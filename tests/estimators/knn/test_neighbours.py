"""Tests of the k-NN neighbour engine (ibcore.estimators.knn._neighbours): every method, thread count and
chunk size gives the same answer, on CPU and CUDA.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ibcore.estimators.knn import (
    entropy_kl,
    entropy_wkl,
    mi_kl,
    mi_ksg,
    mi_wkl,
)
from ibcore.ground_truth import (
    gaussian_pair,
)

METHODS = ("tree", "brute", "sort", "auto")


# ----------------------------------------------------------------------------------------------
# method agreement (exact searches on CPU: the GPU code path is the "brute" one)
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dx,dy", [(1, 1), (1, 3), (2, 2)])
def test_methods_agree(dx, dy):
    rng = np.random.default_rng(dx * 10 + dy)
    x = rng.standard_normal((1200, dx))
    y = np.tanh(x[:, :1]) + 0.5 * rng.standard_normal((1200, dy))
    for fn, k in ((mi_ksg, 4), (mi_kl, 2), (mi_wkl, 5)):
        vals = [fn(x, y, k=k, method=m, device="cpu") for m in METHODS]
        # max-norm distances are bitwise equal across methods; Euclidean ones may differ in the
        # last bit (summation order), i.e. ~1e-16 relative in each log-distance.
        assert max(vals) - min(vals) < 1e-10, (fn.__name__, vals)
    for fn in (entropy_kl, entropy_wkl):
        vals = [fn(x, method=m, device="cpu") for m in METHODS]
        assert max(vals) - min(vals) < 1e-10, (fn.__name__, vals)


@pytest.mark.filterwarnings("ignore::ibcore.estimators.knn.TiedSamplesWarning")  # ties on purpose
def test_methods_agree_on_ties():
    # coarsely rounded x: many exactly tied distances, also at the KSG radius (strict counts)
    rng = np.random.default_rng(25)
    x = np.round(rng.standard_normal(1500), 1)
    y = np.round(x + 0.5 * rng.standard_normal(1500), 3)
    vals = [mi_ksg(x, y, k=3, method=m, device="cpu") for m in METHODS]
    assert len(set(vals)) == 1, vals
    x2 = np.round(rng.standard_normal((1500, 2)), 1)
    y2 = np.round(rng.standard_normal((1500, 3)), 1) + x2[:, :1]
    vals = [mi_ksg(x2, y2, k=3, method=m, device="cpu") for m in METHODS]
    assert len(set(vals)) == 1, vals


def test_chunking_threads_and_input_types_do_not_change_the_answer():
    x, y, _ = gaussian_pair(1500, [0.3, 0.7], seed=26)
    ref = mi_ksg(x, y, device="cpu")
    assert mi_ksg(x, y, method="brute", chunk_size=97, device="cpu") == pytest.approx(ref, abs=1e-12)
    assert mi_ksg(x, y, method="tree", n_jobs=1, device="cpu") == pytest.approx(ref, abs=1e-12)
    assert mi_ksg(x, y, method="tree", n_jobs=3, device="cpu") == pytest.approx(ref, abs=1e-12)
    assert mi_ksg(torch.from_numpy(x), torch.from_numpy(y)) == pytest.approx(ref, abs=1e-12)
    e = entropy_kl(x, k=3, method="brute", chunk_size=101, device="cpu")
    assert e == pytest.approx(entropy_kl(x, k=3, method="tree", device="cpu"), abs=1e-10)
    # 1-D input is (N, 1)
    assert mi_ksg(x[:, 0], y[:, 0], device="cpu") == mi_ksg(x[:, :1], y[:, :1], device="cpu")
    assert isinstance(ref, float)


def test_tree_order_and_threads_give_the_plain_kdtree_answer():
    # N = 5000 splits the queries over 2 threads (>= 2048 rows each); the points are queried in
    # the joint tree's leaf order: the answer must be the plain one-thread KDTree recipe's
    # (the benchmark's anchor) and the torch brute-force one, to rounding of the final mean
    from ibcore.evaluation.benchmark import kdtree_ksg

    x, y, _ = gaussian_pair(5000, [0.6] * 3, seed=28)
    anchor = kdtree_ksg(x, y, k=5)
    for n_jobs in (1, 2, 3):
        assert mi_ksg(x, y, k=5, n_jobs=n_jobs, device="cpu") == pytest.approx(anchor, abs=1e-12)
    assert mi_ksg(x, y, k=5, method="brute", device="cpu") == pytest.approx(anchor, abs=1e-12)
    # the same order serves the Euclidean k-NN of the entropies (float64 round-off only)
    ent = [entropy_kl(x, k=3, method=m, n_jobs=2, device="cpu") for m in ("tree", "brute")]
    assert ent[0] == pytest.approx(ent[1], abs=1e-10)


@pytest.mark.gpu
def test_cuda_matches_cpu():
    x, y, _ = gaussian_pair(3000, [0.5, 0.8], seed=28)
    for fn in (mi_ksg, mi_kl, mi_wkl):
        cpu = fn(x, y, device="cpu")
        gpu = fn(x, y, device="cuda")  # auto -> brute on CUDA
        assert gpu == pytest.approx(cpu, abs=1e-10), fn.__name__
    assert entropy_wkl(x, device="cuda") == pytest.approx(entropy_wkl(x, device="cpu"), abs=1e-10)
