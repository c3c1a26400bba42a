"""The page's settings for the tests of chapter 2 (Goldfeld et al. 2019); nothing trains.

Shared by the test modules of this folder as ``fakes.<name>``; not a test module.
"""

from __future__ import annotations

from ibcore.study.chapters.noisy_dnns import PROFILE
from ibcore.study.profiles import Settings

NB = "02_noisy_dnns"


def settings(profile: str = "default") -> Settings:
    return Settings(notebook=NB, profile=profile, params=dict(PROFILE[profile]), seed=0, device="cpu")
