import json

import pytest
import torch

from ibcore.study import profiles


def test_every_notebook_has_all_three_profiles_with_the_same_keys():
    for nb, table in profiles.PROFILES.items():
        assert set(table) == set(profiles.PROFILE_NAMES), nb
        keys = {p: set(v) for p, v in table.items()}
        assert keys["smoke"] == keys["default"] == keys["paper"], nb


def test_setup_resolves_profile_and_overrides(capsys):
    s = profiles.setup("00_information_plane", "smoke", seed=3, device="cpu", n_epochs=7, n_bins=None)
    assert s.profile == "smoke" and s.seed == 3 and s.device == "cpu"
    assert s.n_epochs == 7  # override applied
    assert s.n_bins == profiles.PROFILES["00_information_plane"]["smoke"]["n_bins"]  # None -> profile value
    out = capsys.readouterr().out
    assert "profile" in out and "smoke" in out and "torch" in out


def test_setup_seeds_torch():
    profiles.setup("00_information_plane", "smoke", seed=11, quiet=True)
    a = torch.rand(3)
    profiles.setup("00_information_plane", "smoke", seed=11, quiet=True)
    assert torch.equal(a, torch.rand(3))


def test_setup_writes_record(tmp_path, monkeypatch):
    monkeypatch.setenv("IBSTUDY_RECORD_DIR", str(tmp_path))
    profiles.setup("00_information_plane", "smoke", quiet=True)
    rec = json.loads((tmp_path / "00_information_plane.settings.json").read_text())
    assert rec["profile"] == "smoke" and "torch" in rec["versions"]


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"profile": "fast"}, ValueError, "unknown profile='fast'"),
        ({"profile": "smoke", "n_epoch": 3}, ValueError, "unknown parameter 'n_epoch'"),
        ({"profile": "smoke", "n_epochs": "3"}, TypeError, "parameter n_epochs='3'"),
        ({"profile": "smoke", "n_epochs": 3.5}, TypeError, "n_epochs"),
        ({"profile": "smoke", "seed": 1.0}, TypeError, "seed must be an int"),
        ({"profile": "smoke", "device": "tpu"}, ValueError, "device"),
    ],
)
def test_setup_rejects_bad_parameters(kwargs, err, match):
    with pytest.raises(err, match=match):
        profiles.setup("00_information_plane", quiet=True, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_epochs": -5}, "n_epochs=-5 must be >= 1"),
        ({"n_epochs": 0}, "n_epochs=0 must be >= 1"),
        ({"n_bins": 0}, "n_bins=0 must be >= 1"),
        ({"seeds": []}, "seeds is empty"),
        ({"seeds": [0, 1, 0]}, r"repeats \[0\]"),
        ({"seeds": [-1]}, r"seeds\[0\] must be in 0..4294967295"),
        ({"seeds": [2**32]}, r"seeds\[0\] must be in 0..4294967295"),
        ({"train_fraction": 1.5}, "train_fraction=1.5 must lie strictly between 0 and 1"),
        ({"train_fraction": 0.0}, "train_fraction=0.0 must lie strictly between 0 and 1"),
        ({"train_fraction": float("nan")}, "train_fraction=nan must lie strictly between 0 and 1"),
        ({"seed": -1}, r"seed must be in 0..4294967295 \(numpy's seed range\), got -1"),
    ],
)
def test_setup_checks_ranges_before_anything_runs(kwargs, match, monkeypatch):
    seeded = []
    monkeypatch.setattr(profiles.torch, "manual_seed", lambda s: seeded.append(s))
    with pytest.raises(ValueError, match=match):
        profiles.setup("00_information_plane", "smoke", quiet=True, **kwargs)
    assert seeded == []  # refused before torch (or numpy) was seeded


def test_seeds_of_the_wrong_type_are_refused():
    with pytest.raises(TypeError, match=r"seeds\[1\] must be an int"):
        profiles.setup("00_information_plane", "smoke", quiet=True, seeds=[0, "1"])


def test_every_profile_passes_its_own_checks():
    for table in profiles.PROFILES.values():
        for params in table.values():
            for name, value in params.items():
                assert profiles.check_param(name, value) == value


def test_setup_rejects_unknown_notebook():
    with pytest.raises(ValueError, match="unknown notebook"):
        profiles.setup("99_nothing", "smoke")


def test_note_runs_counts_cache_hits_and_batched_time(tmp_path, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setenv("IBSTUDY_RECORD_DIR", str(tmp_path))
    s = profiles.setup("00_information_plane", "smoke", quiet=True)
    batch = [
        SimpleNamespace(seed=i, wall_time_s=30.0, from_cache=False, info={"batched_with": [0, 1, 2]})
        for i in range(3)
    ]
    assert s.note_runs(batch) == "3 runs trained now in 30 s"  # one batch: its time counts once
    cached = [SimpleNamespace(seed=i, wall_time_s=10.0, from_cache=True, info={}) for i in range(2)]
    assert s.note_runs(cached) == "2 runs loaded from the run cache (trained earlier in 20 s)"
    rec = json.loads((tmp_path / "00_information_plane.settings.json").read_text())
    assert rec["facts"]["training"].startswith("2 runs loaded")


def test_note_runs_counts_runs_of_one_seed_separately():
    # a sweep (chapter 2: one seed, several noise levels) trains separate runs of the same seed
    from types import SimpleNamespace

    s = profiles.setup("00_information_plane", "smoke", quiet=True)
    sweep = [
        SimpleNamespace(seed=0, key=f"k{i}", wall_time_s=10.0, from_cache=False, info={}) for i in range(3)
    ]
    assert s.note_runs(sweep) == "3 runs trained now in 30 s"


def test_setup_reads_a_pages_namespace():
    # a page's globals(): profile, seed, device and parameters (None = the profile's value); other
    # names are ignored, so each parameter is written once in the table and once in the cell
    page = {"profile": "smoke", "seed": 5, "device": "cpu", "n_epochs": 7, "n_bins": None, "plt": object()}
    s = profiles.setup("00_information_plane", page, quiet=True)
    table = profiles.PROFILES["00_information_plane"]["smoke"]
    assert (s.profile, s.seed, s.device) == ("smoke", 5, "cpu")
    assert s.n_epochs == 7 and s.n_bins == table["n_bins"]
    with pytest.raises(ValueError, match="both in the namespace"):
        profiles.setup("00_information_plane", page, quiet=True, n_epochs=8)
    with pytest.raises(ValueError, match="no 'profile'"):
        profiles.setup("00_information_plane", {"seed": 1}, quiet=True)
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.setup("00_information_plane", {"profile": 3}, quiet=True)


def test_setup_sets_threads_once():
    import torch
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads()
    try:
        profiles.setup("00_information_plane", "smoke", quiet=True, threads=1)
        assert torch.get_num_threads() == 1
        assert all(lib["num_threads"] == 1 for lib in threadpool_info())
        with pytest.raises(ValueError, match="threads"):
            profiles.setup("00_information_plane", "smoke", quiet=True, threads=0)
    finally:
        torch.set_num_threads(before)
        while profiles._THREAD_LIMITS:
            profiles._THREAD_LIMITS.pop().restore_original_limits()
