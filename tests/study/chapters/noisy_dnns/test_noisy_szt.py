"""Chapter 2 (noisy DNNs): the page's snapshot epochs and the run configurations (the run cache's keys).

``chapters.noisy_dnns.noisy_szt`` (and the CNN's configuration of ``noisy_cnn``); nothing trains.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from ibcore.study.chapters.noisy_dnns import noisy_cnn, noisy_szt, records
from ibcore.training import TrainConfig, log_schedule

from . import fakes


def test_snapshot_epochs():
    t = pd.DataFrame(
        {"peak epoch": [0, 5], "bottom epoch": [30, 9]},
        index=pd.MultiIndex.from_tuples([(0.005, "a"), (0.005, "b")], names=["beta", "layer"]),
    )
    assert noisy_szt.snapshot_epochs(t, 0.005, "a", 30) == [0, 30]
    assert noisy_szt.snapshot_epochs(t, 0.005, "b", 30) == [0, 5, 9, 30]


def test_configs_are_the_pages_run_keys():
    """The configurations the page trains (the run cache is keyed by them): the authors' SZT
    dynamics (noise in training only, torch init) and Geiger's CNN."""
    s = fakes.settings("smoke")
    base = TrainConfig(
        model={
            "kind": "mlp",
            "widths": [12, 10, 7, 5, 4, 3, 2],
            "activation": "tanh",
            "output_activation": "softmax",
        },
        optimizer="adam",
        lr=s.lr,
        batch_size=256,
        n_epochs=s.n_epochs,
        schedule=log_schedule(s.n_epochs, s.n_record).tolist(),
        seed=s.seeds[0],
        record_weights=True,
    )
    want = dataclasses.replace(base, model={**base.model, "noise_std": 0.1, "noise_in_eval": False})
    assert noisy_szt.noisy_config(s, 0.1).to_dict() == want.to_dict()
    got = noisy_szt.noisy_config(s, 0.005, parseval_alpha=s.parseval_alpha).to_dict()
    assert got["parseval_alpha"] == 1e-4 and got["model"]["noise_std"] == 0.005
    assert "parseval_alpha" not in noisy_szt.noisy_config(s, 0.005).to_dict()
    cnn = TrainConfig(
        model={"kind": "goldfeld_mnist_cnn", "activation": "tanh", "noise_std": s.mnist_beta},
        optimizer="adam",
        lr=s.mnist_lr,
        batch_size=128,
        n_epochs=s.n_mnist_epochs,
        schedule=log_schedule(s.n_mnist_epochs, s.n_mnist_record).tolist(),
        seed=s.seeds[0],
        record_weights=True,
    )
    assert noisy_cnn.cnn_config(s).to_dict() == cnn.to_dict()
    # the profile's sizes count
    assert noisy_cnn.cnn_config(s).to_dict() != noisy_cnn.cnn_config(fakes.settings()).to_dict()
    assert math.isclose(records.DIP_MIN, 0.1) and noisy_cnn.CNN_LAYERS == ["layer3", "layer4"]


def test_further_seeds_change_only_the_seed():
    """The first seed's configurations are the cached ones; every further seed differs in its seed only."""
    s = fakes.settings("paper")
    assert s.seeds == [0, 1, 2, 3, 4]
    for make in (
        lambda seed=None: noisy_szt.noisy_config(s, 0.005, seed=seed),
        lambda seed=None: noisy_cnn.cnn_config(s, seed=seed),
    ):
        first, third = make().to_dict(), make(seed=2).to_dict()
        assert make(seed=0).to_dict() == first and first["seed"] == 0 and third["seed"] == 2
        assert {k: v for k, v in third.items() if k != "seed"} == {
            k: v for k, v in first.items() if k != "seed"
        }


def test_rank_correlation_after_reads_only_the_epochs_from_the_peak_on():
    from ibcore.study.chapters.noisy_dnns import checks

    epochs = [0, 1, 2, 4, 8, 16, 32]
    # fitting: binned I rises while the ratio falls (opposite); from the peak (epoch 4) both fall
    info = [1.0, 2.0, 3.0, 4.0, 3.5, 3.0, 2.0]
    ratio = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    assert checks.rank_correlation_after(epochs, info, ratio, start=4) == 1.0
    whole = checks.rank_correlation_after(epochs, info, ratio, start=0)
    assert whole < 0.5  # the whole run mixes the fitting phase in
    # the two move apart after the peak: -1
    assert checks.rank_correlation_after(epochs, info, ratio[:3] + [0.4, 0.5, 0.6, 0.7], start=4) == -1.0
    # too few epochs after the start, or a constant curve: no correlation
    assert math.isnan(checks.rank_correlation_after(epochs, info, ratio, start=16))
    assert math.isnan(checks.rank_correlation_after(epochs, [1.0] * 7, ratio, start=0))


def test_rho_after_peak_per_seed_and_layer():
    from ibcore.interface import IXL
    from ibcore.study.chapters.noisy_dnns import checks

    epochs = [0, 1, 2, 4, 8]
    binned = pd.DataFrame(
        {
            "seed": 0,
            "layer": ["a"] * 5 + ["b"] * 5,
            "epoch": epochs * 2,
            IXL: [1, 3, 2, 1, 0.5, 1, 2, 3, 2, 1],
        }
    )
    geo = binned[["seed", "layer", "epoch"]].assign(ratio=[1, 0.5, 0.4, 0.3, 0.2, 0.1, 0.2, 0.3, 0.4, 0.5])
    track = pd.DataFrame(
        {"peak epoch": [1, 2]}, index=pd.MultiIndex.from_tuples([(0, "a"), (0, "b")], names=["seed", "layer"])
    )
    got = checks.rho_after_peak(binned, geo, track)
    assert got.loc[(0, "a")] == 1.0 and got.loc[(0, "b")] == -1.0


def _noisy_run(noise_std=0.05):
    from toy_runs import SZT8

    from ibcore.training import train_and_record

    cfg = TrainConfig(
        model={"kind": "mlp", "widths": [8, 6, 4, 2], "activation": "tanh", "noise_std": noise_std},
        lr=1e-2,
        batch_size=32,
        n_epochs=3,
        schedule="all",
        record_weights=True,
    )
    cfg = dataclasses.replace(cfg, model={**cfg.model, "noise_in_eval": False})
    return train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")


def test_noisy_accuracy_is_reproducible_and_near_the_deterministic_one_at_small_noise():
    from ibcore.study.chapters.noisy_dnns import checks

    run = _noisy_run(1e-4)
    det = float(run.history["eval_acc"].iloc[-1])  # noise_in_eval=False: the noiseless accuracy
    a = checks.noisy_accuracy(run, n_draws=3, seed=1)
    assert a == checks.noisy_accuracy(run, n_draws=3, seed=1)
    assert abs(a - det) < 0.02
    loud = checks.noisy_accuracy(_noisy_run(0.05), n_draws=3, seed=1)
    assert 0.0 <= loud <= 1.0


def test_replica_study_rows_and_the_identity():
    from ibcore.study.chapters.noisy_dnns import checks

    run = _noisy_run()
    t = checks.replica_study(run, replicas=[2, 8], n_inputs=16, n_mc=3)
    assert list(t["layer"].unique()) == ["layer1", "layer2"] and t["replicas"].tolist() == [2, 8, 2, 8]
    # I = h(T) - h(T|X), in bits
    assert (t["I(X;T) [bits]"] * math.log(2)).to_numpy() == pytest.approx(
        (t["h(T) [nats]"] - t["h(T|X) [nats]"]).to_numpy()
    )
    assert (t["I(X;T) [bits]"] <= math.log2(16) + 1e-9).all()
