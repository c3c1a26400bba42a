"""Tests of the probes of chapters 3 (lossy compression, Butakov et al.) and 4 (AA-MINE, Elad et al.)
on tiny settings: the parts and the counts they name follow the settings, every part is measured
(> 0 s), the page's thread count and the trainer's checks are restored, and bad units are refused."""

import math
import os
from pathlib import Path

import pytest
import torch

from ibcore import data
from ibcore.study.probes.aa_mine_ib import aa_mine_ib_probe
from ibcore.study.probes.lossy_compression import lossy_compression_probe
from ibcore.study.profiles import setup
from ibcore.training import layerwise


@pytest.fixture(autouse=True)
def _no_record(monkeypatch, tmp_path):
    monkeypatch.delenv("IBSTUDY_RECORD_DIR", raising=False)
    monkeypatch.setenv("IBCORE_RUNS_DIR", str(tmp_path / "runs"))  # the probes must never write here


def _needs_data():
    if not os.environ.get("IBCORE_DATA_MIRROR"):
        pytest.skip("the probes read MNIST and CIFAR-10: set IBCORE_DATA_MIRROR (make test does)")


def _tiny_lossy(**overrides):
    return setup(
        "03_lossy_compression",
        "smoke",
        quiet=True,
        seeds=[0, 1],
        mi_grid=[0.0, 2.5, 5.0, 10.0],
        raw_grid=[0.0, 10.0, 3.0],  # 3.0 lies off mi_grid: synthetic_benchmark skips it for raw images
        n_samples=300,
        ae_samples=200,
        ae_epochs=7,
        raw_samples=120,
        mine_iters=40,
        kde_samples=160,
        cnn_epochs=9,
        cnn_seeds=[0, 1],
        batch_size=256,
        cnn_train=1000,
        eval_samples=200,
        x_ae_epochs=5,
        x_ae_samples=400,
        layer_ae_epochs=3,
        ablation_points=3,
        **overrides,
    )


def test_lossy_compression_probe_projects_every_main_cost_from_measured_units():
    settings = _tiny_lossy()
    for bad, match in [
        ({"ae_epochs": (2, 1)}, "ae_epochs must be two increasing"),
        ({"mine_iters": (5,)}, "mine_iters must be two increasing"),
        ({"layer_ae_epochs": (0, 1)}, "layer_ae_epochs must be two increasing"),
        ({"x_ae_images": (10, 40)}, "x_ae_images must be two increasing ints >= 20"),
        ({"cnn_images": (100, 200)}, "one batch apart"),  # 1 batch of 256 each
        ({"kde_pairs": 2}, "kde_pairs"),
        ({"repeats": 0}, "repeats"),
    ]:
        with pytest.raises(ValueError, match=match):
            lossy_compression_probe(settings, **bad)
    _needs_data()
    threads = torch.get_num_threads()
    parts = lossy_compression_probe(
        settings,
        ae_epochs=(1, 2),
        mine_iters=(2, 4),
        kde_pairs=80,
        cnn_images=(256, 512),
        x_ae_images=(64, 128),
        layer_ae_epochs=(1, 2),
        repeats=1,
    )
    assert torch.get_num_threads() == threads  # the page's one thread, for the probe only
    names = [p for p, _ in parts]
    assert [n.split(" ")[0] for n in names] == [
        "compressors",
        "synthetic",
        "KSG",
        "MINE",
        "KDE-ML",
        "sweeps",
        "MNIST",
        "X",
        "information",
        "layer",
    ]
    assert names[0] == "compressors 2 tasks x dense AE 7 epochs on 200 images + PCA"
    assert names[1] == "synthetic grid 2 tasks x 4 MIs x 2 seeds on 300 pairs"
    assert names[2] == "KSG on raw images 2 tasks x 2 MIs on 120 pairs"
    assert names[3] == "MINE on raw images 2 tasks x 2 MIs x 40 iterations on 120 pairs"
    assert (
        names[4]
        == "KDE-ML and KDE-LSCV 2 tasks x 3 MIs on 160 pairs (pair-scaled from 80 pairs: a lower bound)"
    )
    assert names[5] == "sweeps 1 k + 2 code dims x 4 MIs, 1 more AEs x 7 epochs"  # dims {1, 2}: 2 is bumps'
    assert names[6] == "MNIST CNN 2 seeds x 9 epochs on 1000 images"
    assert names[7] == "X autoencoder at most 5 epochs on 400 images"
    assert names[8] == "information plane 2 seeds x 10 recorded epochs x 5 layers"
    assert names[9] == "layer ablation 3 epochs x 5 layers x AE 3 epochs + unwhitened plane 10 epochs"
    assert all(math.isfinite(sec) and sec > 0 for _, sec in parts)
    assert _nothing_cached()


def _nothing_cached():
    runs = Path(os.environ["IBCORE_RUNS_DIR"])
    return not runs.exists() or not any(runs.iterdir())


def _tiny_aa(**overrides):
    params = {
        "seeds": [0, 1],
        "table1_seeds": [0, 1, 2],
        "alt_seeds": [0],
        "cifar_seeds": [0, 1],
        "steps_curve": [6, 12, 24],
        "n_steps": 12,
        "conv_steps": 3,
        "readout_steps": 30,
        "n_test": 200,
        "fig1_variances": [1e-1, 1e-3],
        "fig1_inputs": 200,
        "mine_iter": 25,
        "tsne_points": 60,
    }
    return setup("04_aa_mine_ib", "smoke", quiet=True, **{**params, **overrides})


def test_aa_mine_ib_probe_projects_every_main_cost_and_says_what_stands_in_for_cifar10():
    settings = _tiny_aa(cifar_data="full")
    for bad, match in [
        ({"steps": (4, 2)}, "steps must be two increasing"),
        ({"conv_steps": (0, 1)}, "conv_steps must be two increasing"),
        ({"mine_iters": (2, 2)}, "mine_iters must be two increasing"),
        ({"readout_steps": (1.0, 2)}, "readout_steps must be two increasing"),
        ({"repeats": 0}, "repeats"),
    ]:
        with pytest.raises(ValueError, match=match):
            aa_mine_ib_probe(settings, **bad)
    _needs_data()
    try:
        data.load_cifar10(True, download=False)
        full = True
    except data.DataNotFoundError:
        full = False
    threads = torch.get_num_threads()
    parts = aa_mine_ib_probe(
        settings, steps=(2, 4), conv_steps=(1, 2), mine_iters=(2, 4), readout_steps=(2, 4), repeats=1
    )
    assert torch.get_num_threads() == threads and layerwise.DIVERGED_BELOW == -1.0  # both restored
    names = [p for p, _ in parts]
    assert [" ".join(n.split(" ")[:2]) for n in names] == [
        "Fig. 1",
        "Table 1",
        "Table 1",
        "Table 1",
        "Table 1",
        "convergence curve",
        "Fig. 3",
        "weight decay",
        "read-out 22",  # Table 1: 2 x (3 + 1 + 2 + 2) layer-wise runs, convergence 2 x 2, weight decay 2
    ]
    assert names[0] == "Fig. 1 2 seeds x 2 variances x 4 fits x 25 iterations on 200 inputs"
    assert names[1] == "Table 1 MNIST 1% 3 seeds x 3 methods x 12 steps per layer"
    assert names[2] == "Table 1 MNIST 1% (784-512-512-10) 1 seeds x 3 methods x 12 steps per layer"
    assert names[3] == "Table 1 MNIST 100% 2 seeds x 3 methods x 12 steps per layer"
    assert names[4].startswith("Table 1 CIFAR-10 100% 2 seeds x 3 methods x 3 steps per layer")
    # without the full CIFAR-10 the partial copy stands in, and the part says so
    assert ("not in the data mirror" in names[4]) is not full
    assert names[5] == "convergence curve 3 methods x 2 step counts (6, 24) on MNIST 100%"
    assert names[6] == "Fig. 3 2 betas x 2 seeds x 12 first-layer steps + 2 t-SNE of 60 points"
    assert names[7] == "weight decay 2 seeds x 12 steps per layer on MNIST 1%"
    assert names[8] == "read-out 22 layer-wise runs x 30 steps"
    assert all(math.isfinite(sec) and sec > 0 for _, sec in parts)
    assert _nothing_cached()


def test_aa_mine_ib_probe_on_the_partial_cifar10_names_its_row():
    _needs_data()
    settings = _tiny_aa(cifar_data="partial", table1_seeds=[0], seeds=[0], steps_curve=[12])
    parts = aa_mine_ib_probe(
        settings, steps=(1, 2), conv_steps=(1, 2), mine_iters=(1, 2), readout_steps=(1, 2), repeats=1
    )
    cifar = next(p for p, _ in parts if "CIFAR-10" in p)
    assert cifar.startswith("Table 1 CIFAR-10 (partial") and "not in the data mirror" not in cifar
    conv = next(p for p, _ in parts if p.startswith("convergence"))
    assert conv == "convergence curve 3 methods x 0 step counts (none) on MNIST 100%"
    assert all(sec >= 0 for _, sec in parts) and all(sec > 0 for p, sec in parts if p != conv)
