"""The claim records of chapter 4 (aa_mine_ib.records, Elad et al. 2019): declared, sourced, and stated by
the page's own settings."""

import pytest

from . import fakes


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_every_claim_setting_is_stated_by_this_page(profile):
    from ibcore.study.chapters.aa_mine_ib import CLAIMS, our_settings

    ours = our_settings(fakes.settings(profile))
    for claim in CLAIMS:
        assert set(claim.settings) <= set(ours), claim.key


def test_our_settings_are_computed_from_the_run():
    from ibcore.study.chapters.aa_mine_ib import our_settings

    ours = our_settings(fakes.settings("default", widths=[8, 4], seeds=[0, 1, 2], lr=1e-2, n_steps=7))
    assert ours["fig1_net"] == "2-layer MLP, random weights" and ours["widths"] == [8, 4]
    assert ours["seeds"] == 3 and ours["lr"] == 1e-2 and ours["ce_steps"] == 14
    assert ours["activation"] == "tanh" and ours["batch_size"] == 256 and ours["small_fraction"] == 0.01
    assert ours["critic"] == "MLP hidden [128], Adam lr 0.001, batch 256, residual 'log'"
    assert ours["objective"] == (
        "layer by layer, I(Y;L_i) - beta I(X;L_i+eps), each layer frozen, linear CE read-out"
    )
    assert ours["cifar_data"] == "partial" and ours["tsne_betas"] == [100.0, 0.001]


def test_claims_are_the_pages_rows_in_order():
    from ibcore.study.chapters import all_claims
    from ibcore.study.chapters.aa_mine_ib import CLAIMS, PAPER_KEY

    assert all_claims()["04_aa_mine_ib"] == CLAIMS and len(CLAIMS) == 8
    assert len({c.key for c in CLAIMS}) == 8 and all(c.paper == PAPER_KEY for c in CLAIMS)
    assert [c.key.split("/")[1] for c in CLAIMS] == [
        "fig1-aamine-grows",
        "fig1-mine-saturates",
        "eq5-anchor",
        "table1-mnist-1",
        "table1-mnist-100",
        "table1-cifar10",
        "fig3-quantises",
        "sec2-weight-decay",
    ]


def test_unstated_settings_say_that_both_profiles_guess():
    from ibcore.study.chapters.aa_mine_ib import CLAIMS, TABLE1_MNIST_1
    from ibcore.study.claims import unstated

    assert {"widths", "activation", "beta", "sigma", "lr", "n_steps", "readout_steps"} <= set(
        unstated(TABLE1_MNIST_1)
    )
    for claim in CLAIMS:
        for name in unstated(claim):
            source = claim.settings[name].source
            assert source.startswith(("not stated", "not found")), (claim.key, name)
    lr = TABLE1_MNIST_1.settings["lr"].source
    assert "supplement" in lr and "paper profile's value are both guesses" in lr
    # the stated ones: Table 1's data, Fig. 3's betas, Fig. 1's net
    stated = {n: s.value for c in CLAIMS for n, s in c.settings.items() if s.value is not None}
    assert stated["small_fraction"] == 0.01 and stated["cifar_data"] == "full"
    assert stated["tsne_betas"] == [100.0, 0.001] and stated["n_test"] == 10000


def test_paper_resolution_is_the_binomial_half_width_of_a_difference():
    import math

    from ibcore.study.chapters.aa_mine_ib import PAPER, paper_resolution

    p = sum(PAPER["MNIST 100%"].values()) / 300
    assert paper_resolution("MNIST 100%") == round(100 * 1.96 * math.sqrt(2 * p * (1 - p) / 10000), 1) == 0.4
    assert paper_resolution("MNIST 1%") == 1.0 and paper_resolution("CIFAR-10 100%") == 1.4
