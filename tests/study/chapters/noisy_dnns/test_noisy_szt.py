"""Chapter 2 (noisy DNNs): the page's snapshot epochs and the run configurations (the run cache's keys).

``chapters.noisy_dnns.noisy_szt`` (and the CNN's configuration of ``noisy_cnn``); nothing trains.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

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
    """The configurations the page trained before the move (the run cache is keyed by them)."""
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
    want = dataclasses.replace(base, model={**base.model, "noise_std": 0.1})
    assert noisy_szt.noisy_config(s, 0.1).to_dict() == want.to_dict()
    got = noisy_szt.noisy_config(s, 0.005, orthonormal_penalty=0.1).to_dict()
    assert got["orthonormal_penalty"] == 0.1 and got["model"]["noise_std"] == 0.005
    cnn = TrainConfig(
        model={"kind": "mnist_cnn", "activation": "tanh", "noise_std": s.mnist_beta, "dropout": 0.0},
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
