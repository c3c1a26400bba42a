"""The book's configuration: offline math, every chapter in the table of contents, citations known."""

import json
import re
from pathlib import Path

import jupyter_server_mathjax

ROOT = Path(__file__).parents[2]


def test_mathjax_is_served_from_the_installed_package():
    config = (ROOT / "book" / "_config.yml").read_text()
    path = re.search(r"mathjax_path:\s*(\S+)", config).group(1)
    assert not path.startswith("http"), "math must render offline, not from a CDN"
    script, _, query = path.partition("?config=")
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    assert (static / script.removeprefix("mathjax/")).exists()
    assert (static / "config" / f"{query}.js").exists(), f"MathJax config {query} is not shipped"


def test_every_notebook_is_a_chapter_with_a_parameters_cell_and_profile():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"chapters/{nb_path.stem}" in toc, f"{nb_path.name} is not in book/_toc.yml"
        nb = json.loads(nb_path.read_text())
        params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1 and "profile" in "".join(params[0]["source"])
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), (
            f"{nb_path.name}: notebook sources carry no outputs"
        )
        assert (ROOT / "tests" / "notebooks" / nb_path.name).exists(), (
            f"no nbval reference for {nb_path.name}"
        )


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    cited = set()
    for path in [*ROOT.glob("book/*.md"), *ROOT.glob("notebooks/*.ipynb")]:
        for group in re.findall(r"\{cite[pt]?\}`([^`]+)`", path.read_text()):
            cited.update(k.strip() for k in group.split(","))
    assert cited and cited <= keys, f"unknown keys: {cited - keys}"
    from ibcore.study.claims import PAPER_KEYS

    assert set(PAPER_KEYS) <= keys
