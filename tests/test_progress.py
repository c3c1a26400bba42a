from ibcore._progress import progress_bar


def test_progress_bar_obeys_flag_and_environment(monkeypatch):
    monkeypatch.delenv("IBCORE_PROGRESS", raising=False)
    assert not progress_bar(range(3)).disable
    assert progress_bar(range(3), enabled=False).disable
    monkeypatch.setenv("IBCORE_PROGRESS", "0")
    bar = progress_bar(range(3))
    assert bar.disable and list(bar) == [0, 1, 2]  # still iterates, silently
