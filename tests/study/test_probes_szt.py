"""Tests of the probes of chapters 1 (estimator dependence) and 2 (noisy DNNs) on tiny settings."""

import os

import pytest
import torch

from ibcore.study.probes import noisy_dnns as noisy_probe
from ibcore.study.probes.estimator_dependence import estimator_dependence_probe
from ibcore.study.probes.noisy_dnns import noisy_dnns_probe
from ibcore.study.profiles import setup
from ibcore.training import log_schedule


@pytest.fixture(autouse=True)
def _no_record(monkeypatch, tmp_path):
    monkeypatch.delenv("IBSTUDY_RECORD_DIR", raising=False)
    monkeypatch.setenv("IBCORE_RUNS_DIR", str(tmp_path / "runs"))  # the probes must never write here


def _needs_data():
    if not os.environ.get("IBCORE_DATA_MIRROR"):
        pytest.skip("the probe trains on the SZT and MNIST data: set IBCORE_DATA_MIRROR (make test does)")


def test_the_projections_are_the_parabolas_through_the_two_units():
    assert noisy_probe._quadratic(1.5, 1, 4.5, 2, 4) == pytest.approx(0.5 + 16.0)  # 0.5 + m^2
    assert noisy_probe._quadratic(2.0, 1, 1.0, 2, 4) == pytest.approx(2.0)  # never shrinking work
    assert noisy_probe._sizes((16, 32), 4096) == (16, 32)
    assert noisy_probe._sizes((1000, 2000), 200) == (100, 200)  # within the recorded images


def _tiny_dependence():
    return setup(
        "01_estimator_dependence",
        "smoke",
        quiet=True,
        n_epochs=6,
        seeds=[0, 1],
        n_record=4,
        kde_inputs=32,
        pair_inputs=32,
        pair_epochs=2,
        geometry_inputs=32,
        mnist_epochs=4,
        mnist_train=256,
        mnist_eval=40,
        mnist_seeds=1,
    )


def test_estimator_dependence_probe_projects_training_and_every_estimator(tmp_path):
    settings = _tiny_dependence()
    with pytest.raises(ValueError, match="epochs must be two increasing"):
        estimator_dependence_probe(settings, epochs=(4, 2))
    with pytest.raises(ValueError, match="mnist_epochs must be two increasing"):
        estimator_dependence_probe(settings, mnist_epochs=(1,))
    with pytest.raises(ValueError, match="mnist_images"):
        estimator_dependence_probe(settings, mnist_images=0)
    with pytest.raises(ValueError, match="repeats"):
        estimator_dependence_probe(settings, repeats=0)
    _needs_data()
    threads = torch.get_num_threads()
    parts = estimator_dependence_probe(
        settings, epochs=(1, 2), mnist_images=128, mnist_epochs=(1, 2), repeats=1
    )
    assert torch.get_num_threads() == threads  # the page's one thread, for the probe only
    names = [p for p, _ in parts]
    n_rec = len(log_schedule(6, 4))
    assert [n.split(" ")[0] for n in names] == [
        "SZT",
        "binning",
        "KDE",
        "Renyi",
        "kNN",
        "geometry",
        "MNIST",
        "MNIST",
    ]
    assert names[0] == "SZT training 2 activations x 2 seeds x 6 epochs"
    assert f"on 4096 inputs 2 x 2 seeds x {n_rec} recorded epochs" in names[1]
    assert names[2] == f"KDE (2) on 32 inputs 2 x 2 seeds x {n_rec} recorded epochs"
    assert names[3] == "Renyi and EDGE on 32 inputs 2 x 2 seeds x 2 epochs"
    assert names[4].startswith("kNN on 4 layers, 32 inputs")  # the layers at most 5 wide
    assert names[6] == "MNIST training 2 activations x 1 seeds x 4 epochs on 256 images"
    assert names[7] == "MNIST estimators (3) on 40 images 2 x 1 seeds x 5 recorded epochs"
    assert all(sec > 0 for _, sec in parts)
    assert not (tmp_path / "runs").exists()  # cache=False: nothing reached the run cache


def _tiny_noisy():
    return setup(
        "02_noisy_dnns",
        "smoke",
        quiet=True,
        n_epochs=6,
        seeds=[0, 1],
        n_record=4,
        sp_inputs=16,
        replica_inputs=8,
        geometry_inputs=64,
        n_mnist_train=256,
        n_mnist_eval=80,
        mnist_sp_inputs=32,
    )


def test_noisy_dnns_probe_projects_training_propagation_clustering_and_the_cnn(tmp_path):
    settings = _tiny_noisy()
    with pytest.raises(ValueError, match="epochs must be two increasing"):
        noisy_dnns_probe(settings, epochs=(2, 2))
    with pytest.raises(ValueError, match="sp_inputs must be two increasing"):
        noisy_dnns_probe(settings, sp_inputs=(8, 4))
    with pytest.raises(ValueError, match="cnn_geometry_inputs must be two increasing"):
        noisy_dnns_probe(settings, cnn_geometry_inputs=(0, 100))
    with pytest.raises(ValueError, match="cnn_images"):
        noisy_dnns_probe(settings, cnn_images=1.5)
    with pytest.raises(ValueError, match="repeats"):
        noisy_dnns_probe(settings, repeats=0)
    _needs_data()
    kw = {"sp_inputs": (4, 8), "replica_inputs": (4, 8), "cnn_sp_inputs": (8, 16)}  # geometry: (40, 80)
    parts = noisy_dnns_probe(settings, epochs=(1, 2), cnn_images=128, cnn_epochs=(1, 2), repeats=1, **kw)
    names = [p for p, _ in parts]
    n_rec = len(log_schedule(6, 4))
    assert names[0] == "noisy SZT training 2 seeds x (2 betas + 1 orthonormal) x 6 epochs"
    assert names[1] == (
        f"sample propagation 2 seeds x 3 runs x {n_rec} recorded epochs x 5 layers, "
        "16 inputs x 4 samples x 3 MC"
    )
    assert names[2] == "replica study 2 replica counts (up to 4) x 5 layers on 8 inputs"
    assert names[3] == f"clustering on 64 inputs 2 seeds x 3 runs x {n_rec} recorded epochs"
    assert names[4] == f"deterministic twin 2 seeds x {n_rec} recorded epochs"
    assert names[5] == "CNN training 1 seeds x 2 epochs on 256 images"
    assert (
        names[6]
        == "CNN sample propagation 1 seeds x 3 recorded epochs x 2 layers, 32 images x 2 samples x 2 MC"
    )
    assert names[7] == "CNN clustering on 80 images 1 seeds x 3 recorded epochs x 2 layers"
    assert all(sec > 0 for _, sec in parts)
    assert not (tmp_path / "runs").exists()
