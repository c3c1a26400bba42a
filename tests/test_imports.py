"""The import rules of ibcore, checked on the source text (parsed with ``ast``, nothing imported).

Checked: every ``.py`` under ``ibcore/``, the code cells of ``notebooks/*.ipynb`` and
``benchmarks/*.py``. Each rule lists every offender at once.

(a) No private name (``_x``, not a dunder) of another ibcore module is imported
    (``from ibcore.m import _x``) or reached as an attribute of an imported ibcore module
    (``models._ConvNet`` after ``from ibcore import models``). Private *modules* holding public
    names (``ibcore._validation``) are the pattern inside the ``ibcore`` package; outside it (a
    notebook, a benchmark) they are private too: ``from ibcore._device import torch_threads``
    and ``ibcore._device.torch_threads`` are offenders there.
(b) The library never imports the book's layer: no module of ``ibcore`` outside ``ibcore/study/``,
    and no benchmark, imports ``ibcore.study`` (the notebooks are the book's pages and may).
(c) Each public name has one import path: its defining module, plus the re-export of a package
    ``__init__.py``. A module that is not a package ``__init__`` must not list in ``__all__`` a
    name it imported from another ibcore module, and ``from ibcore.m import name`` (or
    ``m.name``) is an offender when the module ``ibcore.m`` only imported ``name`` from
    elsewhere (as ``ibcore.analysis.infoplane`` did with the estimator classes).

The checker is tested on synthetic sources at the end, so that it cannot pass by seeing nothing.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDY = "ibcore.study"


def _private(name: str) -> bool:
    """``_x`` but not ``__x__``."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: str) -> str | None:
    """``ibcore/a/b.py`` -> ``ibcore.a.b``, ``ibcore/a/__init__.py`` -> ``ibcore.a``; else None."""
    parts = path.removesuffix(".py").split("/")
    if parts[0] != "ibcore" or not path.endswith(".py"):
        return None
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _in_ibcore(mod: str) -> bool:
    return mod == "ibcore" or mod.startswith("ibcore.")


@dataclass
class _Module:
    """What the rules need to know of one ibcore module: its origin-imports and its ``__all__``."""

    name: str
    is_package: bool
    imported: dict[str, tuple[str, int]] = field(default_factory=dict)  # bound name -> (from, line)
    all_names: list[tuple[str, int]] = field(default_factory=list)


def _top_level(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements, those inside top-level ``if``/``try``/``with`` blocks included."""
    out, todo = [], list(tree.body)
    while todo:
        node = todo.pop(0)
        out.append(node)
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            todo[:0] = [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
            for handler in getattr(node, "handlers", []):
                todo[:0] = handler.body
    return out


def _resolve(node: ast.ImportFrom, here: str | None, is_package: bool) -> str | None:
    """The absolute module of a ``from ... import`` (relative ones resolved inside ibcore)."""
    if not node.level:
        return node.module
    if here is None:
        return None
    base = here.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


@dataclass
class _Source:
    path: str  # repository-relative: ibcore/..., notebooks/x.ipynb, benchmarks/x.py
    trees: list[tuple[str, ast.Module]]  # (label, tree) per file or notebook code cell

    @property
    def module(self) -> str | None:
        return _module_name(self.path)

    @property
    def is_package(self) -> bool:
        return self.path.endswith("/__init__.py")

    @property
    def inside_ibcore(self) -> bool:
        return self.path.startswith("ibcore/")

    @property
    def inside_study(self) -> bool:
        """May import ``ibcore.study``: the study package itself and the notebooks (the book's pages)."""
        return self.path.startswith(("ibcore/study/", "notebooks/"))


def _index(sources: list[_Source]) -> tuple[dict[str, _Module], set[str]]:
    modules: dict[str, _Module] = {}
    for src in sources:
        if src.module is None:
            continue
        mod = modules[src.module] = _Module(src.module, src.is_package)
        for _, tree in src.trees:
            for node in _top_level(tree):
                if isinstance(node, ast.ImportFrom):
                    origin = _resolve(node, src.module, src.is_package)
                    if origin is None or not _in_ibcore(origin):
                        continue
                    for alias in node.names:
                        if alias.name != "*":
                            mod.imported[alias.asname or alias.name] = (f"{origin}.{alias.name}", node.lineno)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
                        node.value, (ast.List, ast.Tuple)
                    ):
                        mod.all_names += [
                            (e.value, e.lineno)
                            for e in node.value.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, str)
                        ]
    # an import of a submodule (``from ibcore import models``) binds a module, not a re-export
    names = set(modules)
    for mod in modules.values():
        mod.imported = {k: v for k, v in mod.imported.items() if v[0] not in names}
        mod.imported = {k: (v[0].rsplit(".", 1)[0], v[1]) for k, v in mod.imported.items()}
    return modules, names


def _is_study(mod: str) -> bool:
    return mod == STUDY or mod.startswith(STUDY + ".")


def _private_part(mod: str) -> str | None:
    """The first private part of an ibcore module path (``_device`` of ``ibcore._device``)."""
    return next((p for p in mod.split(".")[1:] if _private(p)), None) if _in_ibcore(mod) else None


def _bound_modules(src: _Source, module_names: set[str]) -> dict[str, str]:
    """Names bound to ibcore modules anywhere in a file (all cells of a notebook share them)."""
    bound: dict[str, str] = {}
    for _, tree in src.trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _in_ibcore(alias.name):
                        bound[alias.asname or "ibcore"] = alias.name if alias.asname else "ibcore"
            elif isinstance(node, ast.ImportFrom):
                origin = _resolve(node, src.module, src.is_package)
                if origin and _in_ibcore(origin):
                    for alias in node.names:
                        sub = f"{origin}.{alias.name}"
                        if sub in module_names or _is_study(sub):
                            bound[alias.asname or alias.name] = sub
    return bound


class _Checker:
    """The three rules over a set of sources; :meth:`run` gives the offenders per rule."""

    def __init__(self, sources: list[_Source]) -> None:
        self.sources = sources
        self.modules, self.module_names = _index(sources)
        self.found: dict[str, list[str]] = {"a": [], "b": [], "c": []}

    def report(self, rule: str, label: str, node: ast.AST, what: str) -> None:
        self.found[rule].append(f"{label}:{getattr(node, 'lineno', '?')}: {what}")

    def reexported(self, mod: str, name: str) -> str | None:
        """Where the non-package module ``mod`` took ``name`` from, if it only imported it."""
        m = self.modules.get(mod)
        if m is None or m.is_package or name not in m.imported:
            return None
        return m.imported[name][0]

    def check_import(self, src: _Source, label: str, node: ast.Import) -> None:
        for alias in node.names:
            if _is_study(alias.name) and not src.inside_study:
                self.report(
                    "b", label, node, f"imports {alias.name} (only ibcore/study/ and the notebooks may)"
                )
            part = _private_part(alias.name)
            if part and not src.inside_ibcore:
                self.report("a", label, node, f"imports the private module {alias.name} ({part})")

    def check_import_from(self, src: _Source, label: str, node: ast.ImportFrom) -> None:
        origin = _resolve(node, src.module, src.is_package)
        if origin is None or not _in_ibcore(origin):
            return
        if _private_part(origin) and not src.inside_ibcore:
            self.report("a", label, node, f"imports from the private module {origin}")
        for alias in node.names:
            full = f"{origin}.{alias.name}"
            if (_is_study(origin) or _is_study(full)) and not src.inside_study:
                self.report("b", label, node, f"imports {full} (only ibcore/study/ and the notebooks may)")
            if alias.name == "*":
                continue
            if _private(alias.name) and full not in self.module_names:
                self.report("a", label, node, f"imports the private name {alias.name} from {origin}")
            elif _private(alias.name) and not src.inside_ibcore:
                self.report("a", label, node, f"imports the private module {full}")
            taken = self.reexported(origin, alias.name)
            if taken is not None:
                self.report(
                    "c", label, node, f"imports {alias.name} from {origin}, which imported it from {taken}"
                )

    def check_attribute(self, src: _Source, label: str, node: ast.Attribute, bound: dict[str, str]) -> None:
        chain: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            chain.insert(0, base.attr)
            base = base.value
        if not isinstance(base, ast.Name) or base.id not in bound:
            return
        mod = bound[base.id]
        for attr in chain:
            sub = f"{mod}.{attr}"
            if _is_study(sub) and not src.inside_study:
                self.report("b", label, node, f"uses {sub} (only ibcore/study/ and the notebooks may)")
                return
            if sub not in self.module_names:
                break
            if _private(attr) and not src.inside_ibcore:
                self.report("a", label, node, f"uses the private module {sub}")
            mod = sub
        else:
            return
        if _private(attr):
            self.report("a", label, node, f"uses the private name {attr} of {mod}")
        taken = self.reexported(mod, attr)
        if taken is not None:
            self.report("c", label, node, f"uses {sub}, which {mod} imported from {taken}")

    def check_all(self) -> None:
        for mod in self.modules.values():
            if mod.is_package:
                continue
            path = mod.name.replace(".", "/") + ".py"
            for name, line in mod.all_names:
                if name in mod.imported:
                    origin = mod.imported[name][0]
                    self.found["c"].append(
                        f"{path}:{line}: re-exports {name} (imported from {origin}) in __all__, "
                        "which only a package __init__ may"
                    )

    def run(self) -> dict[str, list[str]]:
        for src in self.sources:
            bound = _bound_modules(src, self.module_names)
            for label, tree in src.trees:
                # an attribute chain a.b.c is checked once, from its outermost node
                inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        self.check_import(src, label, node)
                    elif isinstance(node, ast.ImportFrom):
                        self.check_import_from(src, label, node)
                    elif isinstance(node, ast.Attribute) and id(node) not in inner:
                        self.check_attribute(src, label, node, bound)
        self.check_all()
        return self.found


def check(sources: list[_Source]) -> dict[str, list[str]]:
    """Offenders per rule ``"a"``, ``"b"``, ``"c"``: lines ``path[cell]:line: what``."""
    return _Checker(sources).run()


# --------------------------------------------------------------------------------------------------
# the project's sources


_MAGIC = re.compile(r"^\s*[%!]")


def _parse(code: str, label: str) -> ast.Module:
    code = "\n".join("" if _MAGIC.match(line) else line for line in code.splitlines())
    try:
        return ast.parse(code, filename=label)
    except SyntaxError as err:  # a file the checker cannot read must not pass unseen
        raise AssertionError(f"{label}: cannot parse: {err}") from None


def project_sources(root: Path = ROOT) -> list[_Source]:
    sources = []
    for path in sorted([*(root / "ibcore").rglob("*.py"), *(root / "benchmarks").glob("*.py")]):
        rel = path.relative_to(root).as_posix()
        sources.append(_Source(rel, [(rel, _parse(path.read_text(encoding="utf-8"), rel))]))
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        rel = path.relative_to(root).as_posix()
        nb = json.loads(path.read_text(encoding="utf-8"))
        trees = []
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                trees.append((f"{rel}[cell {i}]", _parse(code, f"{rel}[cell {i}]")))
        sources.append(_Source(rel, trees))
    return sources


@pytest.fixture(scope="module")
def project() -> dict[str, list[str]]:
    sources = project_sources()
    assert any(s.path == "ibcore/__init__.py" for s in sources)
    assert any(s.path.startswith("notebooks/") for s in sources)
    assert any(s.path.startswith("benchmarks/") for s in sources)
    return check(sources)


def test_no_private_name_crosses_a_module(project):
    assert not project["a"], "private names used from other modules:\n" + "\n".join(project["a"])


def test_only_the_study_package_imports_itself(project):
    assert not project["b"], "imports of ibcore.study from outside it:\n" + "\n".join(project["b"])


def test_each_public_name_has_one_import_path(project):
    assert not project["c"], "names re-exported or imported by a second path:\n" + "\n".join(project["c"])


# --------------------------------------------------------------------------------------------------
# the checker itself, on synthetic sources


def _synthetic(files: dict[str, str | list[str]]) -> dict[str, list[str]]:
    sources = []
    for path, code in files.items():
        chunks = [code] if isinstance(code, str) else code
        sources.append(_Source(path, [(f"{path}[{i}]", _parse(c, path)) for i, c in enumerate(chunks)]))
    return check(sources)


_LIB = {
    "ibcore/__init__.py": "from ibcore._device import torch_threads\n__all__ = ['torch_threads']\n",
    "ibcore/_device.py": "def torch_threads(n): pass\ndef _helper(): pass\n",
    "ibcore/models.py": "class _ConvNet: pass\nclass ConvNet: pass\nclass _X: pass\n",
    "ibcore/estimators/__init__.py": "from ibcore.estimators.kde import *\n",
    "ibcore/estimators/kde.py": "__all__ = ['KDE']\nclass KDE: pass\n",
}


@pytest.mark.parametrize(
    "files",
    [
        {"ibcore/noisy.py": "from ibcore.models import _ConvNet\n"},
        {"ibcore/noisy.py": "from ibcore import models\n\ndef f(m):\n    return isinstance(m, models._X)"},
        {"ibcore/noisy.py": "import ibcore.models as m\nm._ConvNet\n"},
        {"notebooks/n.ipynb": ["from ibcore._device import torch_threads\n"]},
        {"notebooks/n.ipynb": ["import ibcore\n", "with ibcore._device.torch_threads(1):\n    pass\n"]},
        {"benchmarks/b.py": "from ibcore import _device\n"},
        {"benchmarks/b.py": "import ibcore._device\n"},
        {"ibcore/other.py": "from ibcore._device import _helper\n"},
    ],
)
def test_checker_flags_private_names(files):
    found = _synthetic({**_LIB, **files})
    assert len(found["a"]) == 1, found
    assert not found["b"] and not found["c"], found


@pytest.mark.parametrize(
    "files",
    [
        {"ibcore/analysis/summary.py": "from ibcore.study import runs\n"},
        {"benchmarks/b.py": "import ibcore.study.runs\n"},
        {"benchmarks/b.py": "from ibcore import study\n"},
        {"ibcore/plotting.py": "import ibcore\nibcore.study.run()\n"},
    ],
)
def test_checker_flags_study_imports(files):
    found = _synthetic({**_LIB, **files})
    assert found["b"], found
    assert not found["a"] and not found["c"], found


@pytest.mark.parametrize(
    ("files", "n"),
    [
        (
            {"ibcore/analysis/ip.py": "from ibcore.estimators.kde import KDE\n__all__ = ['KDE', 'f']\n"},
            1,
        ),
        (
            {
                "ibcore/analysis/infoplane.py": "from ibcore.estimators.kde import KDE\n_F = {1: KDE}\n",
                "notebooks/n.ipynb": ["from ibcore.analysis.infoplane import KDE\n"],
            },
            1,
        ),
        (
            {
                "ibcore/analysis/infoplane.py": "from ibcore.estimators.kde import KDE\n_F = {1: KDE}\n",
                "benchmarks/b.py": "from ibcore.analysis import infoplane\ninfoplane.KDE()\n",
            },
            1,
        ),
    ],
)
def test_checker_flags_second_import_paths(files, n):
    found = _synthetic({**_LIB, **files})
    assert len(found["c"]) == n, found
    assert not found["a"] and not found["b"], found


def test_checker_passes_the_allowed_patterns():
    files = {
        **_LIB,
        # private modules inside ibcore, public names from them, the study package among itself
        "ibcore/noisy.py": (
            "import ibcore._device\nfrom ibcore._device import torch_threads\n"
            "from ibcore.models import ConvNet\nfrom ibcore.estimators.kde import KDE\n"
            "ibcore._device.torch_threads(1)\n__all__ = ['f']\ndef f(): return KDE, ConvNet\n"
            "def _own(): pass\n_own()\nfrom ibcore import models\nmodels.ConvNet\n"
        ),
        "ibcore/study/__init__.py": "from ibcore.study.runs import run\n__all__ = ['run']\n",
        "ibcore/study/runs.py": "import ibcore.study\nfrom ibcore.study import runs\ndef run(): pass\n",
        # package re-exports and defining modules are the two allowed paths
        "notebooks/n.ipynb": [
            "%matplotlib inline\nimport ibcore\nfrom ibcore import KDE, torch_threads\n",
            "from ibcore.estimators import KDE\nfrom ibcore.estimators.kde import KDE\nibcore.KDE\n",
            "from ibcore import models\nmodels.ConvNet()\nx = object()\nx._private\n",
            # the pages use the book's layer
            "from ibcore.study import runs\nimport ibcore.study.runs\nibcore.study.runs.run()\n",
        ],
        "benchmarks/b.py": "from ibcore.noisy import f\nimport torch._C\nfrom numpy import _globals\n",
    }
    assert _synthetic(files) == {"a": [], "b": [], "c": []}


def test_checker_sees_the_whole_project():
    sources = project_sources()
    paths = {s.path for s in sources}
    assert {"ibcore/analysis/infoplane.py", "ibcore/training/loop.py", "benchmarks/speed.py"} <= paths
    assert any(p.startswith("notebooks/") and p.endswith(".ipynb") for p in paths)
    assert sum(len(s.trees) for s in sources) > len(sources)  # notebook cells parsed one by one


MAX_MODULE_LINES = 600


def test_no_module_of_ibcore_is_over_600_lines():
    """One idea per module: a module past 600 lines (the library and the book's layer alike) is split."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in sorted((ROOT / "ibcore").rglob("*.py"))
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
