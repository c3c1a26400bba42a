"""ibcore works under ``python -OO``, which strips docstrings (no code may build on ``__doc__``)."""

import subprocess
import sys

CODE = """
import importlib
for m in ["ibcore", "ibcore.analysis.infoplane", "ibcore.training", "ibcore.data", "ibcore.analysis.summary",
          "ibcore.analysis.geometry", "ibcore.plotting", "ibcore.study.profiles"]:
    importlib.import_module(m)
from ibcore.study import bookgen, scorecard
assert scorecard.main(["--profile", "no-such-profile"]) == 1   # builds its argument parser
assert bookgen.main(["--strip-reference"]) == 0
print("ok")
"""


def test_import_and_command_lines_under_OO(tmp_path):  # noqa: N802 - the flag's name
    out = subprocess.run(
        [sys.executable, "-OO", "-c", CODE], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr
