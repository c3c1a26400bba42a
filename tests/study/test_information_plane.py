"""Chapter 0's code (ibcore.study.chapters.information_plane) on synthetic planes with known answers."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.study import scorecard
from ibcore.study.chapters import information_plane as chapter
from ibcore.study.profiles import Settings
from ibcore.training import TrainConfig

NB = "00_information_plane"


def _settings(profile="default", n_epochs=10000, seeds=(0, 1)):
    params = {"n_epochs": n_epochs, "seeds": list(seeds), "n_bins": 30, "train_fraction": 0.85}
    return Settings(notebook=NB, profile=profile, params=params, seed=0, device="cpu")


def _plane(curves_bits, iyl_end_bits, seeds=(0,)):
    """A long information-plane frame in nats: one I(X;L) curve (bits) per layer, same for each seed."""
    rows = []
    for seed in seeds:
        for index, (layer, curve) in enumerate(curves_bits.items()):
            for epoch, value in enumerate(curve):
                iyl = iyl_end_bits[layer] if epoch == len(curve) - 1 else 0.0
                rows.append(
                    dict(
                        seed=seed,
                        layer=layer,
                        layer_index=index,
                        epoch=epoch,
                        **{"I(X;L)": value * LN2, "I(Y;L)": iyl * LN2},
                    )
                )
    return pd.DataFrame(rows)


def _runs(accuracies):
    return [SimpleNamespace(history=pd.DataFrame({"eval_acc": [0.5, a]})) for a in accuracies]


# l1 ends 0.5 bit below its peak; l2 dips 0.3 bit and recovers; l3 only rises;
# the output falls but is no hidden layer
CURVES = {
    "l1": [1.0, 3.0, 2.5],
    "l2": [1.0, 2.0, 1.7, 2.0],
    "l3": [0.5, 1.0, 1.05],
    "output": [1.0, 2.0, 1.0],
}
IYL_END = {"l1": 0.99, "l2": 0.98, "l3": 0.95, "output": 0.9}


def test_label_entropy_bits_known_values():
    assert chapter.label_entropy_bits(np.array([0, 1, 0, 1])) == pytest.approx(1.0)
    expected = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    assert chapter.label_entropy_bits(np.array([0, 0, 0, 1])) == pytest.approx(expected)
    assert chapter.label_entropy_bits(np.array([2, 2, 2])) == pytest.approx(0.0)


@pytest.mark.parametrize("bad", [np.array([], dtype=int), np.array([0.5, 1.0]), np.array([-1, 0])])
def test_label_entropy_bits_refuses_bad_labels(bad):
    with pytest.raises(ValueError):
        chapter.label_entropy_bits(bad)


def test_train_config_is_the_cached_szt_network():
    # the run cache is keyed by this config: a change here would retrain chapter 0
    expected = TrainConfig(
        model={
            "kind": "mlp",
            "widths": [12, 10, 7, 5, 4, 3, 2],
            "activation": "tanh",
            "output_activation": "softmax",
        },
        optimizer="adam",
        lr=4e-4,
        batch_size=256,
        n_epochs=30,
        schedule="saxe",
    )
    assert chapter.train_config(30) == expected
    assert chapter.train_config(30).to_dict()["model"]["widths"] == [12, 10, 7, 5, 4, 3, 2]
    assert chapter.train_config(10000).n_epochs == 10000


def test_key_numbers_counts_compression_on_hidden_layers_only():
    numbers = chapter.key_numbers(_plane(CURVES, IYL_END), _runs([0.8, 1.0]), h_y=1.0)
    assert numbers.n_hidden == 3
    assert numbers.n_compress == 1  # l1 (drop 0.5); l2's drop is 0, l3 ends at its peak
    assert numbers.n_dip == 2  # l1 and l2 (dip 0.3)
    assert numbers.iyl_last == pytest.approx(0.95)  # l3, the last hidden layer, not the output
    assert numbers.final_acc == pytest.approx(0.9)
    assert numbers.n_runs == 2 and numbers.h_y == 1.0
    assert list(numbers.summary.index) == ["l1", "l2", "l3", "output"]
    assert numbers.summary.loc["l1", "drop"] == pytest.approx(0.5)


def test_key_numbers_threshold_changes_the_counts():
    numbers = chapter.key_numbers(_plane(CURVES, IYL_END), _runs([1.0]), h_y=1.0, threshold=0.4)
    assert (numbers.n_compress, numbers.n_dip) == (1, 1)  # l2's dip of 0.3 no longer counts


def test_key_numbers_refuses_missing_output_or_runs():
    no_output = {k: v for k, v in CURVES.items() if k != "output"}
    with pytest.raises(ValueError, match="output"):
        chapter.key_numbers(_plane(no_output, IYL_END), _runs([1.0]), h_y=1.0)
    with pytest.raises(ValueError, match="run"):
        chapter.key_numbers(_plane(CURVES, IYL_END), [], h_y=1.0)


def _numbers(n_compress, iyl_last, h_y=1.0, n_hidden=5):
    return chapter.KeyNumbers(
        summary=pd.DataFrame(),
        n_hidden=n_hidden,
        n_compress=n_compress,
        n_dip=n_compress,
        iyl_last=iyl_last,
        final_acc=0.975,
        h_y=h_y,
        n_runs=2,
        threshold=0.1,
    )


@pytest.mark.parametrize(
    ("n_compress", "iyl_last", "v_comp", "v_fit"),
    [
        (5, 0.95, "reproduced", "reproduced"),
        (2, 0.90, "partly", "reproduced"),  # 0.9 H(Y) is enough
        (0, 0.89, "not reproduced", "not reproduced"),
    ],
)
def test_claims_verdicts(n_compress, iyl_last, v_comp, v_fit):
    rows = chapter.claims(_numbers(n_compress, iyl_last), _settings())
    assert [r["verdict"] for r in rows] == [v_comp, v_fit]
    assert all(r["paper"] == "shwartzziv2017" for r in rows)


def test_claims_text_and_smoke_profile():
    rows = chapter.claims(_numbers(3, 0.9876, h_y=0.9997), _settings("smoke", n_epochs=30, seeds=[0]))
    assert [r["verdict"] for r in rows] == ["not comparable", "not comparable"]
    assert (
        rows[0]["our value"]
        == "I(X;L) falls >= 0.1 bit in 3 of 5 hidden layers (30 epochs, 2 seed(s), 30 bins)"
    )
    assert rows[1]["paper value"] == "close to H(Y) = 1.000 bits (Fig. 3)"
    assert rows[1]["our value"].startswith("0.988 bits at the last epoch; accuracy on all inputs 0.975 (")


def test_record_claims_writes_both_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    settings = _settings()
    card = chapter.record_claims(NB, settings, _numbers(5, 0.95))
    assert len(card) == 2
    assert list(card.verdict) == ["reproduced", "reproduced"]
    assert list(scorecard.load("default").claim) == [
        r["claim"] for r in chapter.claims(_numbers(5, 0.95), settings)
    ]


def test_glue_values_names_and_formats():
    values = chapter.glue_values(_numbers(2, 0.9876, h_y=0.99971), _settings())
    assert values == {
        "n_compress": 2,
        "n_hidden": 5,
        "n_dip": 2,
        "iyl_last": "0.99",
        "h_y": "1.000",
        "v_comp": "partly",
        "v_fit": "reproduced",
        "run_profile": "default",
    }


def test_describe_data_and_runs():
    szt = SimpleNamespace(name="SZT", x=np.zeros((4, 12)), reader="scipy")
    text = chapter.describe_data(_Sized(szt, 4096), _Sized(None, 3481), _Sized(None, 615), 0.99)
    assert text == "SZT: 4096 inputs x 12 bits, read by scipy; train 3481, test 615; H(Y) = 0.9900 bits"
    runs = [SimpleNamespace(epochs=[0, 1, 2], layers=["l1", "output"], nbytes=2**20) for _ in range(2)]
    assert chapter.describe_runs(runs) == (
        "2 run(s), 3 recorded epochs each, layers ['l1', 'output']; 2.0 MiB of recorded activations in all; "
    )


class _Sized:
    """A stand-in data set: the attributes of ``inner`` and a length."""

    def __init__(self, inner, n):
        self._inner, self._n = inner, n

    def __len__(self):
        return self._n

    def __getattr__(self, name):
        return getattr(self._inner, name)
