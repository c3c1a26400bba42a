"""Shared test set-up: caches in a per-test folder, a one-thread option, and the opt-in gpu marker."""

import os

import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    # Nothing a test runs writes to ~/.cache or the clone's .cache (nbval's notebooks use the
    # Makefile's cache: they are not pytest functions and get no fixtures).
    monkeypatch.setenv("IBCORE_CACHE", str(tmp_path / "ibcore-cache"))
    # ... nor reads the paper-profile entries committed in results/ (tests/study/test_archive.py
    # checks those itself): a chapter's card gains an "at paper" column where an entry exists
    monkeypatch.setenv("IBSTUDY_ARCHIVE_DIR", str(tmp_path / "results"))
    for var in ("IBCORE_RUNS_DIR", "IBCORE_DATA_DIR", "IBSTUDY_RECORD_DIR", "IBSTUDY_SCORECARD_DIR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def one_thread():
    """Run a test module with one intra-op thread (``pytestmark = pytest.mark.usefixtures("one_thread")``).

    Tiny networks and small eigenproblems gain nothing from OpenMP threads, and on a shared,
    oversubscribed CPU threads waiting on each other made such tests 10-100x slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    """Say which CPU kernels this run uses; under a requested choice, fail if one did not take effect.

    ``make test`` runs the suite natively and under the other kernel choices of
    ``tests/cpu_kernels.py`` (``IBSTUDY_KERNELS`` names the choice): a setting that a library
    ignored would make such a pass a silent re-run of the native one.
    """
    import cpu_kernels

    name = os.environ.get("IBSTUDY_KERNELS", "native")
    if name not in cpu_kernels.CHOICES:
        raise pytest.UsageError(f"IBSTUDY_KERNELS={name!r}: choose one of {sorted(cpu_kernels.CHOICES)}")
    seen = cpu_kernels.report()
    problems = cpu_kernels.check(name, seen)
    if problems:
        raise pytest.UsageError(f"kernel choice {name!r} is not in effect: " + "; ".join(problems))
    config.stash[_KERNELS] = cpu_kernels.describe(name, seen)


def pytest_report_header(config):
    return config.stash[_KERNELS].splitlines()


_KERNELS = pytest.StashKey[str]()
