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


def _numbers(drops, ratios, h_y=1.0):
    """KeyNumbers with given per-seed drops (seed x hidden layer, bits) and I(Y;L)/H(Y) ratios."""
    drops = pd.DataFrame(drops)
    return chapter.KeyNumbers(
        summary=pd.DataFrame(),
        n_hidden=drops.shape[1],
        n_compress=int((drops.mean() >= 0.1).sum()),
        n_dip=int((drops.mean() >= 0.1).sum()),
        iyl_last=float(np.mean(ratios) * h_y),
        final_acc=0.975,
        h_y=h_y,
        n_runs=len(drops),
        threshold=0.1,
        seed_drops=drops,
        seed_iyl_ratio=np.asarray(ratios, dtype=float),
    )


PAPER_SETTINGS = {name: s.value for name, s in chapter.COMPRESSION.settings.items()}
RISE_FALL = [1.0, 1.2, 0.9, 1.1, 1.05]  # every seed falls ~1 bit after its peak
MONOTONE = [0.0] * 5  # a monotone rise: the last epoch is the peak
JITTER = [0.0, 0.12, 0.03, 0.09, 0.0]  # falls of the size of the estimator's jitter


@pytest.mark.parametrize(
    ("drops", "ratios", "v_comp", "v_fit"),
    [
        ({"l1": RISE_FALL, "l2": RISE_FALL}, [0.95, 0.97, 0.96, 0.99, 0.98], "reproduced", "reproduced"),
        ({"l1": RISE_FALL, "l2": MONOTONE}, [0.80, 0.82, 0.79, 0.85, 0.81], "partly", "not reproduced"),
        ({"l1": MONOTONE, "l2": MONOTONE}, [0.85, 0.95, 0.90, 0.92, 0.88], "not reproduced", "inconclusive"),
        ({"l1": JITTER, "l2": JITTER}, [1.0] * 5, "inconclusive", "reproduced"),  # jitter straddles 0.1
        ({"l1": JITTER, "l2": MONOTONE}, [1.0] * 5, "not reproduced", "reproduced"),  # no layer shown to
    ],
)
def test_claims_rules_on_known_answers(drops, ratios, v_comp, v_fit):
    """Run at the paper's settings (no deviation), the rules alone decide."""
    comp, fit = chapter.claims(_numbers(drops, ratios), _settings(seeds=range(5)), ours=PAPER_SETTINGS)
    assert (comp.verdict, fit.verdict) == (v_comp, v_fit)
    assert comp.deviations == () and comp.items == ("l1", "l2") and comp.seeds == 5
    assert all(s.method == "t over 5 seeds" for s in comp.statistic)


def test_claims_at_default_name_the_decisive_deviations():
    numbers = _numbers({"l1": RISE_FALL, "l2": RISE_FALL}, [0.97] * 5)
    comp, fit = chapter.claims(numbers, _settings(seeds=range(5)))
    assert comp.verdict == fit.verdict == "inconclusive"  # the rule is met, but the runs deviate
    texts = [d.text() for d in comp.deviations]
    assert "init torch default vs truncated normal, std 1/sqrt(fan-in) (decisive)" in texts
    assert "train_fraction 0.85 vs 0.8 (x1.06, decisive)" in texts
    assert "seeds 5 vs 40 (x1/8, uncertainty only)" in texts
    assert comp.outcome == "met" and comp.support.endswith("l1 5/5, l2 5/5")
    smoke = chapter.claims(numbers, _settings("smoke", n_epochs=30, seeds=[0]))
    assert [e.verdict for e in smoke] == ["not comparable", "not comparable"]
    assert "n_epochs 30 vs 10000 (x1/333, decisive)" in [d.text() for d in smoke[0].deviations]


def test_every_claim_setting_is_stated_by_this_page():
    ours = chapter.our_settings(_settings())
    for claim in chapter.CLAIMS:
        assert set(claim.settings) <= set(ours)
    assert ours["widths"] == [12, 10, 7, 5, 4, 3, 2] and ours["lr"] == 4e-4 and ours["seeds"] == 2


def test_key_numbers_gives_the_seeds_drops_and_ratios():
    plane = _plane(CURVES, IYL_END, seeds=(0, 1))
    numbers = chapter.key_numbers(plane, _runs([0.8, 1.0]), h_y=1.0)
    assert list(numbers.seed_drops.columns) == ["l1", "l2", "l3"]
    assert numbers.seed_drops["l1"].tolist() == pytest.approx([0.5, 0.5])
    assert numbers.seed_iyl_ratio.tolist() == pytest.approx([0.95, 0.95])


def test_record_claims_writes_both_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    settings = _settings(seeds=range(5))
    card = chapter.record_claims(NB, settings, _numbers({"l1": RISE_FALL}, [0.97] * 5))
    assert list(card.columns) == scorecard.CARD_COLUMNS and len(card) == 2
    rows = scorecard.load("default")
    assert list(rows.key) == ["shwartzziv2017/compression", "shwartzziv2017/fitting"]
    assert list(rows.verdict) == ["inconclusive", "inconclusive"] and set(rows.seeds) == {5}


def test_glue_values_names_and_formats():
    values = chapter.glue_values(
        _numbers({"l1": RISE_FALL, "l2": MONOTONE}, [0.9876] * 5, h_y=0.99971), _settings()
    )
    assert values["n_compress"] == 1 and values["n_hidden"] == 2 and values["n_met"] == 1
    assert values["iyl_last"] == "0.99" and values["h_y"] == "1.000" and values["run_profile"] == "default"
    assert values["v_comp"] == values["v_fit"] == "inconclusive"
    assert values["why_comp"].startswith("decisive settings deviate: init torch default")


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
