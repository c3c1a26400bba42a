"""ibcore.study.pages: glue_all glues every value once, in order, and refuses bad names."""

import pytest

pytest.importorskip("myst_nb")

from ibcore.study import pages  # noqa: E402


def test_glue_all_glues_each_value_in_order(monkeypatch):
    import myst_nb

    seen = []

    def fake_glue(name, value, display=True):
        seen.append((name, value, display))

    monkeypatch.setattr(myst_nb, "glue", fake_glue)
    pages.glue_all({"b": 2, "a": "x"})
    assert seen == [("b", 2, False), ("a", "x", False)]


@pytest.mark.parametrize(
    ("values", "error"), [([("a", 1)], TypeError), ({1: 1}, TypeError), ({"no space": 1}, ValueError)]
)
def test_glue_all_refuses_bad_input(values, error, monkeypatch):
    import myst_nb

    seen = []
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: seen.append(a))
    with pytest.raises(error):
        pages.glue_all(values)
    assert seen == []
