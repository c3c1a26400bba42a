"""Shared test set-up: keep caches out of the home folder, and make the gpu marker opt-in."""

import os

import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # Tests never write to ~/.cache or to the clone's .cache (nbval notebooks use the Makefile's).
    if "IBCORE_TEST_KEEP_CACHE" not in os.environ:
        monkeypatch.setenv("IBCORE_CACHE", str(tmp_path_factory.getbasetemp() / "ibcore-cache"))


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
