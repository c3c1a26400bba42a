"""Every chapter's claim records: unique keys, a source for every paper setting, one record per row."""

import re

import pytest

from ibcore.study.chapters import all_claims
from ibcore.study.claims import PAPER_KEYS, Claim, Setting

#: A source names a part of a paper (section, figure, table, equation, abstract, caption, page) or a
#: file of the authors' released code as "owner/repo: path".
PAPER_PART = re.compile(
    r"\b(Sec\.|Secs\.|Section|Fig\.|Figs\.|Table|Eq\.|abstract|caption|p\.|Appendix|summary)"
)
CODE_FILE = re.compile(
    r"\b(artemyk/ibsgd|ravidziv/IDNNs|kgreenewald/smoothMI|VanessB/Information-v3|"
    r"StephanLorenzen/ExactIBAnalysisInQNNs): \S+"
)
CHAPTERS = all_claims()
CLAIMS = [(nb, c) for nb, claims in CHAPTERS.items() for c in claims]


def test_the_papers_chapters_declare_claims():
    assert set(CHAPTERS) == {
        "00_information_plane",
        "01_estimator_dependence",
        "02_noisy_dnns",
        "03_lossy_compression",
        "04_aa_mine_ib",
    }
    assert all(CHAPTERS.values())


def test_claim_keys_are_unique_and_name_their_paper():
    keys = [c.key for _, c in CLAIMS]
    assert len(keys) == len(set(keys))
    for _, claim in CLAIMS:
        assert isinstance(claim, Claim) and claim.paper in PAPER_KEYS
        assert claim.key.startswith(claim.paper + "/"), claim.key


@pytest.mark.parametrize(("notebook", "claim"), CLAIMS, ids=[c.key for _, c in CLAIMS])
def test_every_paper_setting_has_a_source(notebook, claim):
    missing = [
        name
        for name, setting in claim.settings.items()
        if not isinstance(setting, Setting)
        or not (PAPER_PART.search(setting.source) or CODE_FILE.search(setting.source))
    ]
    assert not missing, f"{claim.key}: settings without a paper part or a code file as source: {missing}"
    assert claim.rule.reason.strip() and claim.where.strip()


def test_a_setting_without_a_source_fails_the_check():
    assert not (PAPER_PART.search("ours") or CODE_FILE.search("ours"))
    assert CODE_FILE.search("artemyk/ibsgd: IBnet_SaveActivations.ipynb")
