"""Chapter 0's code (ibcore.study.chapters.information_plane) on synthetic planes with known answers."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ibcore.analysis.summary import LN2
from ibcore.study import scorecard
from ibcore.study.chapters import information_plane as chapter
from ibcore.study.claims import deviations
from ibcore.study.profiles import Settings
from ibcore.training import TrainConfig

NB = "00_information_plane"


def _settings(profile="default", n_epochs=10000, seeds=(0, 1)):
    params = {
        "n_epochs": n_epochs,
        "seeds": list(seeds),
        "n_bins": 30,
        "train_fraction": 0.85,
        "small_fractions": [0.05, 0.45],
    }
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


def test_train_config_is_idnns_szt_network():
    # the run cache is keyed by this config: a change here retrains chapter 0
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
        init="idnns",
    )
    assert chapter.train_config(30) == expected
    assert chapter.train_config(30).to_dict()["model"]["widths"] == [12, 10, 7, 5, 4, 3, 2]
    assert chapter.train_config(10000).n_epochs == 10000


def test_benchmark_szt_config_is_chapter_0s():
    # A1's timed run (ibcore.evaluation.benchmark.szt_run) promises chapter 0's cached runs
    from ibcore.evaluation import benchmark

    for n_epochs in (30, 10000):
        assert benchmark.szt_config(n_epochs) == chapter.train_config(n_epochs)
    assert chapter.PROFILE["default"]["train_fraction"] == 0.85


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


def _numbers(drops, ratios, h_y=1.0, at_ceiling=()):
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
        ceiling=12.0,
        at_ceiling=tuple(at_ceiling),
    )


PAPER_SETTINGS = {name: s.value for name, s in chapter.COMPRESSION.settings.items()}
FALLS = {0.05: [0.2, 0.3, 0.25, 0.22, 0.28], 0.45: [0.0] * 5, 0.85: [0.01] * 5}  # 5 % falls ~0.25 bit
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
    comp, fit, _ = chapter.claims(
        _numbers(drops, ratios), _settings(seeds=range(5)), FALLS, ours=PAPER_SETTINGS
    )
    assert (comp.verdict, fit.verdict) == (v_comp, v_fit)
    assert comp.deviations == () and comp.items == ("l1", "l2") and comp.seeds == 5
    assert all(s.method == "t over 5 seeds" for s in comp.statistic)


def test_claims_at_default_have_no_decisive_deviation():
    """default runs the authors' dynamics (IDNNs init, Adam 4e-4, batch 256, 10^4 epochs, 85 % / 5 %):
    only the seeds and the split's randomisation differ, neither decisive, so the rules decide."""
    numbers = _numbers({"l1": RISE_FALL, "l2": RISE_FALL}, [0.97] * 5)
    evaluations = chapter.claims(numbers, _settings(seeds=range(5)), FALLS)
    assert [e.verdict for e in evaluations] == ["reproduced"] * 3
    for e in evaluations:
        assert not [d for d in e.deviations if d.decisive], e.claim.key
    texts = [d.text() for d in evaluations[0].deviations]
    assert "seeds 5 vs 50 (x1/10, uncertainty only)" in texts
    assert any(t.startswith("split random, one seeded split") and "uncertainty only" in t for t in texts)
    assert evaluations[0].support.startswith("seeds with a drop >= 0.1 bit: l1 5/5, l2 5/5")


def test_claims_at_default_profile_settings_match_the_records():
    """The real default profile (not a test stand-in) states the records' decisive values."""
    params = dict(chapter.PROFILE["default"])
    settings = Settings(notebook=NB, profile="default", params=params, seed=0, device="cpu")
    for claim in chapter.CLAIMS:
        fraction = 0.05 if claim is chapter.OVERFITTING else None
        ours = chapter.our_settings(settings, train_fraction=fraction)
        decisive = [d for d in deviations(claim, ours) if d.decisive]
        assert decisive == [], (claim.key, decisive)
    assert 0.05 in params["small_fractions"] and 0.45 in params["small_fractions"]
    assert chapter.PROFILE["paper"]["seeds"] == list(range(50))


def test_smoke_is_not_comparable_and_names_the_short_run():
    numbers = _numbers({"l1": RISE_FALL}, [0.97])
    smoke = chapter.claims(numbers, _settings("smoke", n_epochs=30, seeds=[0]), {0.05: [0.1]})
    assert [e.verdict for e in smoke] == ["not comparable"] * 3
    assert "n_epochs 30 vs 10000 (x1/333, decisive)" in [d.text() for d in smoke[0].deviations]


def test_claims_leave_ceiling_layers_out_of_the_compression_items():
    # l1 at the ceiling (drop 0, cannot show compression), l2 compresses, l3 does not: partly
    numbers = _numbers({"l1": MONOTONE, "l2": RISE_FALL, "l3": MONOTONE}, [0.97] * 5, at_ceiling=("l1",))
    comp, _, _ = chapter.claims(numbers, _settings(seeds=range(5)), FALLS, ours=PAPER_SETTINGS)
    assert comp.items == ("l2", "l3") and comp.verdict == "partly"
    assert comp.reason.startswith("met by 1 of 2: l2;")
    assert comp.support.endswith("cannot show compression: l1")
    # the ceiling layer alone would have turned "reproduced" into "partly"; here it is left out
    numbers = _numbers({"l1": MONOTONE, "l2": RISE_FALL}, [0.97] * 5, at_ceiling=("l1",))
    comp, _, _ = chapter.claims(numbers, _settings(seeds=range(5)), FALLS, ours=PAPER_SETTINGS)
    assert comp.verdict == "reproduced" and comp.items == ("l2",)
    # every layer at the ceiling: nothing binning could show
    numbers = _numbers({"l1": MONOTONE, "l2": MONOTONE}, [0.97] * 5, at_ceiling=("l1", "l2"))
    comp, _, _ = chapter.claims(numbers, _settings(seeds=range(5)), FALLS, ours=PAPER_SETTINGS)
    assert comp.verdict == "not comparable" and "ceiling" in comp.reason


@pytest.mark.parametrize(
    ("fall", "verdict"),
    [
        ([0.2, 0.3, 0.25, 0.22, 0.28], "reproduced"),  # every seed falls ~0.25 bit
        ([0.0, 0.01, 0.0, 0.02, 0.0], "not reproduced"),  # I(Y;L) ends at its peak: no overfitting
        ([0.0, 0.12, 0.01, 0.1, 0.0], "inconclusive"),  # straddles 0.05 bit
    ],
)
def test_overfitting_rule_on_known_answers(fall, verdict):
    numbers = _numbers({"l1": RISE_FALL}, [0.97] * 5)
    *_, over = chapter.claims(numbers, _settings(seeds=range(5)), {0.05: fall}, ours=PAPER_SETTINGS)
    # PAPER_SETTINGS has the 85 % fraction; the overfitting claim's runs are the 5 % ones
    assert over.verdict == verdict and over.deviations == ()
    assert over.statistic.method == "t over 5 seeds" and over.seeds == 5


def test_overfitting_needs_the_five_percent_runs():
    with pytest.raises(ValueError, match="0.05"):
        chapter.claims(_numbers({"l1": RISE_FALL}, [0.97] * 5), _settings(seeds=range(5)), {0.45: [0.1] * 5})


def test_ceiling_split_known_answers():
    curves = pd.DataFrame(
        {
            "pinned": [11.0, 12.0, 12.0, 11.95],  # reaches the ceiling and stays within 0.1 bit
            "leaves": [11.0, 12.0, 12.0, 11.5],  # at the ceiling, then falls 0.5 bit: measurable
            "below": [5.0, 8.0, 7.0, 7.5],  # never near it
            "edge": [11.9, 11.9, 11.9, 11.9],  # exactly ceiling - margin: at the ceiling
        }
    )
    measurable, at_ceiling = chapter.ceiling_split(curves, ceiling=12.0, margin=0.1)
    assert measurable == ["leaves", "below"] and at_ceiling == ["pinned", "edge"]
    # no margin: only a layer exactly at the ceiling from its peak on (none here: "pinned" ends 11.95)
    assert chapter.ceiling_split(curves, ceiling=12.0, margin=0.0)[1] == []
    with pytest.raises(ValueError):
        chapter.ceiling_split(curves, ceiling=12.0, margin=-1.0)
    assert chapter.CEILING_MARGIN_BITS == chapter.THRESHOLD_BITS


def test_distinct_inputs():
    assert chapter.distinct_inputs(np.array([[0, 1], [0, 1], [1, 1]])) == 2
    x = np.array([[int(b) for b in f"{i:012b}"] for i in range(4096)])
    assert chapter.distinct_inputs(x) == 4096
    with pytest.raises(ValueError):
        chapter.distinct_inputs(np.zeros((0, 3)))


def test_key_numbers_finds_ceiling_layers():
    curves = {"l1": [11.0, 12.0, 12.0], "l2": [1.0, 3.0, 2.5], "output": [1.0, 1.0, 1.0]}
    numbers = chapter.key_numbers(_plane(curves, IYL_END), _runs([1.0]), h_y=1.0)
    assert numbers.ceiling == pytest.approx(12.0) and numbers.at_ceiling == ("l1",)
    numbers = chapter.key_numbers(_plane(curves, IYL_END), _runs([1.0]), h_y=1.0, n_inputs=2**13)
    assert numbers.ceiling == pytest.approx(13.0) and numbers.at_ceiling == ()


def test_late_fall_known_answers():
    # the last hidden layer l2's I(Y;L): seed 0 rises to 0.9 and falls to 0.6, seed 1 ends at its peak
    rows = []
    for seed, iyl in ((0, [0.1, 0.9, 0.6]), (1, [0.1, 0.5, 0.8])):
        for index, layer in enumerate(["l1", "l2", "output"]):
            for epoch, v in enumerate(iyl):
                value = v if layer == "l2" else 0.0
                rows.append(
                    dict(
                        seed=seed,
                        layer=layer,
                        layer_index=index,
                        epoch=epoch,
                        **{"I(X;L)": 1.0, "I(Y;L)": value * LN2},
                    )
                )
    assert chapter.late_fall(pd.DataFrame(rows)).tolist() == pytest.approx([0.3, 0.0])
    with pytest.raises(ValueError, match="output"):
        chapter.late_fall(pd.DataFrame(rows).query("layer != 'output'"))


def test_every_claim_setting_is_stated_by_this_page():
    assert chapter.our_settings(_settings(), train_fraction=0.05)["train_fraction"] == 0.05
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


def test_record_claims_writes_the_three_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_SCORECARD_DIR", str(tmp_path))
    settings = _settings(seeds=range(5))
    card = chapter.record_claims(NB, settings, _numbers({"l1": RISE_FALL}, [0.97] * 5), FALLS)
    assert list(card.columns) == scorecard.CARD_COLUMNS and len(card) == 3
    rows = scorecard.load("default")
    assert list(rows.key) == [
        "shwartzziv2017/compression",
        "shwartzziv2017/fitting",
        "shwartzziv2017/overfitting",
    ]
    assert list(rows.verdict) == ["reproduced"] * 3 and set(rows.seeds) == {5}


def test_glue_values_names_and_formats():
    numbers = _numbers(
        {"l0": MONOTONE, "l1": RISE_FALL, "l2": MONOTONE}, [0.9876] * 5, h_y=0.99971, at_ceiling=("l0",)
    )
    values = chapter.glue_values(numbers, _settings(seeds=range(5)), FALLS)
    assert values["n_compress"] == 1 and values["n_hidden"] == 3 and values["n_met"] == 1
    assert values["n_measurable"] == 2 and values["ceiling_layers"] == "l0" and values["ceiling"] == "12.00"
    assert values["iyl_last"] == "0.99" and values["h_y"] == "1.000" and values["run_profile"] == "default"
    assert (values["v_comp"], values["v_fit"], values["v_over"]) == ("partly", "reproduced", "reproduced")
    assert values["why_comp"].startswith("met by 1 of 2: l1;")
    assert values["falls"] == "5 % 0.250, 45 % 0.000, 85 % 0.010"


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
