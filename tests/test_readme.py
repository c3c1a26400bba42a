"""The README's example runs as printed (a README that lies is worse than none)."""

import re
from pathlib import Path


def test_readme_python_example_runs(capsys):
    text = (Path(__file__).parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "torch.Size([4096, 8])" in out and "BinningResult" in out and "Bounds" in out


def test_ci_runs_exactly_the_readme_test_command():
    root = Path(__file__).parents[1]
    ci = (root / ".ci" / "run").read_text()
    assert "make test" in ci and "make test" in (root / "README.md").read_text()
