"""Chapter 2 (noisy DNNs): the compression criterion, the key numbers and the sentences of
``chapters.noisy_dnns.scoring``.

Small synthetic per-seed compression tables whose answers are known; nothing trains.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ibcore.study.chapters.noisy_dnns import scoring as ch

from . import fakes

HIDDEN = fakes.HIDDEN
BETAS = [0.005, 0.1]
NAN = fakes.NAN


def rows(spec: dict) -> dict:
    """``{key: (dip, dip stderr, measure change)}`` as the columns of :func:`fakes.per_seed`."""
    return {k: {"dip": d, "dip stderr": se, "measure change": c} for k, (d, se, c) in spec.items()}


def synthetic(seeds=(0,)) -> ch.KeyNumbers:
    # beta 0.005: layer2 and layer3 compress (layer3 with tighter clusters), layer1 too small a dip;
    # beta 0.1: layer3's dip is within 2 s.e. -> nothing compresses at 0.1
    table = rows(
        {
            (0.005, "layer1"): (0.05, 0.01, -0.5),
            (0.005, "layer2"): (0.30, 0.05, 0.0),
            (0.005, "layer3"): (0.50, 0.05, -0.2),
            (0.1, "layer1"): (0.00, 0.01, 0.0),
            (0.1, "layer2"): (0.02, 0.01, 0.0),
            (0.1, "layer3"): (0.20, 0.15, -0.3),
        }
    )
    # twin (binned, no stderr): layer1 at the ceiling (constant: rho NaN); layer2 falls and tightens
    # with rho > 0 (tracks); layer3 falls and tightens but rho < 0
    track = rows({"layer1": (0.0, NAN, 0.0), "layer2": (0.4, NAN, -0.3), "layer3": (0.2, NAN, -0.2)})
    # after the binned peak: layer2 0.9 (tracks), layer3 0.3 (below 0.5)
    for layer, rho, after in zip(HIDDEN, [NAN, 0.7, -0.4], [NAN, 0.9, 0.3], strict=True):
        track[layer]["rho"] = rho
        track[layer]["rho after peak"] = after
    # with the penalty layer2 still compresses, layer3 does not -> 1 of 2 prevented
    ortho = rows({"layer1": (0.0, 0.01, 0.05), "layer2": (0.25, 0.05, -0.02), "layer3": (0.05, 0.05, 0.1)})
    cnn = rows({"layer3": (0.3, 0.05, -0.2), "layer4": (0.05, 0.05, 0.1)})
    return fakes.numbers(
        seeds=seeds,
        table=table,
        track=track,
        ortho=ortho,
        cnn=cnn,
        gap_first={"layer3": 0.01, "layer4": 0.02},
        gap_last={"layer3": 0.2, "layer4": 0.03},
    )


def test_compressing_needs_dip_and_significance():
    t = pd.DataFrame(
        {"dip": [0.1, 0.09, 0.3, 0.3, 0.3], "dip stderr": [0.01, 0.0, 0.15, 0.149, NAN]}, index=list("abcde")
    )
    assert ch.compressing(t).tolist() == [True, False, False, True, False]
    assert ch.compressing(t, dip_min=0.05, n_se=1.0).tolist() == [True, True, True, True, False]
    # the per-seed value of the rules: the dip where it exceeds 2 s.e., else 0 (NaN s.e. never passes)
    assert ch.significant_dip(t).tolist() == [0.1, 0.09, 0.0, 0.3, 0.0]
    with pytest.raises(ValueError, match="dip stderr"):
        ch.compressing(t[["dip"]])
    with pytest.raises(ValueError, match="dip stderr"):
        ch.significant_dip(t[["dip"]])


@pytest.mark.parametrize("seeds", [(0,), (0, 1, 2)])
def test_key_numbers_counts(seeds):
    """The same table for every seed: the means and the counts are the one seed's."""
    n = synthetic(seeds)
    assert (n.beta0, n.last, n.seeds) == (0.005, "layer3", list(seeds))
    assert len(n.seed_table) == 6 * len(seeds) and n.seed_table.index.names == ["beta", "seed", "layer"]
    assert n.table["compresses"].tolist() == [False, True, True, False, False, False]
    assert n.table[ch.SIG].tolist() == pytest.approx([0.05, 0.30, 0.50, 0.0, 0.0, 0.0])  # 0.02 = 2 s.e.
    assert (n.n_beta_comp, n.n_betas) == (1, 2)
    assert (n.n_comp, n.n_tight) == (2, 1)  # layer2 did not tighten, layer3 did (-20 %)
    assert (n.n_bin_comp, n.n_track_fall, n.n_track) == (2, 2, 1)
    assert (n.n_rho_pos, n.n_rho) == (1, 2)
    assert list(n.was) == ["layer2", "layer3"] and n.n_prevented == 1
    assert n.n_cnn_comp == 1 and n.cnn_table["compresses"].tolist() == [True, False]
    assert n.cnn_layers == ["layer3", "layer4"] and n.n_cluster == 1  # rise 0.19 vs 0.01
    assert list(n.lags.index) == BETAS and n.lags["lag"].tolist() == [9, 9]
    key = n.key
    assert key["compressing layers"].tolist() == [2, 0]
    assert key["largest dip [bits]"].tolist() == pytest.approx([0.5, 0.2])
    assert key["final accuracy"].tolist()[0] == 0.9
    assert n.proxy.loc[0.005, "noisy - deterministic"] == pytest.approx(-0.002) and n.n_proxy == 1
    assert list(key.columns[2:4]) == ["layer3 lag [epochs]", "layer3 bottom lag [epochs]"]


def test_key_numbers_means_over_seeds():
    """Two seeds: layer3 falls 1.0 and 0.0 bit -> mean 0.5, still a compression in the mean."""
    table = {
        (0.005, "layer1"): {"dip": 0.0, "dip stderr": 0.01, "measure change": 0.0},
        (0.005, "layer3"): {
            "dip": [1.0, 0.0],
            "dip stderr": 0.05,
            "measure change": [-0.4, 0.0],
            "lag": [10, 13],
        },
    }
    n = fakes.numbers(seeds=(3, 7), table=table)
    assert n.seeds == [3, 7]
    assert n.table.loc[(0.005, "layer3"), ch.SIG] == pytest.approx(0.5)
    assert n.table.loc[(0.005, "layer3"), "measure change"] == pytest.approx(-0.2)
    assert n.n_comp == 1 and n.n_tight == 1 and n.lags["lag"].tolist() == [12]  # 11.5 rounded to even


def test_key_numbers_without_compression_and_bad_input():
    n = synthetic()
    table = n.seed_table.drop(columns=[ch.SIG]).assign(dip=0.0)
    args = (n.seed_track, n.seed_ortho, n.seed_cnn, n.sp_cnn, n.cos_gaps, n.seed_proxy)
    m = ch.key_numbers(table, *args, acc={}, cnn_acc=0.5, hidden=HIDDEN)
    assert (m.n_beta_comp, m.n_comp, len(m.was), m.n_prevented) == (0, 0, 0, 0)
    with pytest.raises(ValueError, match="hidden layer"):
        ch.key_numbers(table, *args, acc={}, cnn_acc=0.5, hidden=[])
    with pytest.raises(ValueError, match="'seed' index level"):
        ch.key_numbers(table.droplevel("seed"), *args, acc={}, cnn_acc=0.5, hidden=HIDDEN)


def test_sentences():
    t = pd.DataFrame({"measure change": [0.2, -0.1, -0.5]}, index=["layer1", "layer2", "output"])
    assert (
        ch.ortho_sentence(t, ["layer1", "layer2"])
        == "the retraction did not stop the classes from clustering"
    )
    assert ch.ortho_sentence(t, ["layer1"]) == "the classes did not cluster with the retraction"
    assert ch.bin_sentence(1, 2).startswith("over the whole run, fitting phase included, the two did not")
    assert ch.bin_sentence(2, 2) == "binned I(X;T) and clustering moved together throughout training"


def test_key_numbers_proxy_counts_within_the_margin():
    n = fakes.numbers(seeds=(0, 1), proxy={0.005: [-0.004, -0.006], 0.1: [-0.03, -0.05]})
    assert n.proxy["noisy - deterministic"].tolist() == pytest.approx([-0.005, -0.04])
    assert n.n_proxy == 1
