"""ibcore.training.cache: run keys stay those of the runs already recorded."""

from __future__ import annotations

from ibcore.training import TrainConfig
from ibcore.training.cache import KEY_VERSION, hash_payload, key_payload


def test_a_run_recorded_by_ibcore_0_2_keeps_its_key():
    """The key of chapter 2's smoke CNN run as ibcore 0.2.0 wrote it (its config.json, pinned here).

    A release that moves code keeps :data:`KEY_VERSION`, so recorded runs are found again; a change
    of what the key hashes fails here, and must say in its commit that every run trains again.
    """
    cfg = TrainConfig(
        model={
            "kind": "mnist_cnn",
            "noise_std": 0.5,
            "dropout": 0.0,
            "activation": "tanh",
            "output_activation": None,
            "channels": [8, 16, 32],
            "hidden": 32,
            "n_classes": 10,
            "noise_in_eval": True,
        },
        optimizer="adam",
        lr=1e-3,
        batch_size=128,
        n_epochs=2,
        schedule=[0, 1, 2],
        activation_dtype="float16",
        record_weights=True,
    )
    data = "dd89ab288d17fbbb02c8e90a50b0ad5a9f596dd147c917fbbeeac07469f35219"
    layers = ["layer1", "layer2", "layer3", "layer4", "output"]
    payload = key_payload(cfg, data, layers, cfg.epochs(), None)
    assert payload["ibcore"] == KEY_VERSION == "0.2.0"
    assert hash_payload(payload) == "3e64e8e5a2fe48b739f1e5c4c72b1f876337f850876619768cf1b744261c1ae5"
