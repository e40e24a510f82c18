"""The layers of the package hold: every import points down (README, "Contributing: the layout").

Read from the source with ``ast`` (no module is imported), so that a new import that points up,
whether at the top of a module or inside a function, fails here with its file and line.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wotsim"

#: Bottom to top.  A module may import from its own layer and the layers below it.
LAYERS = (
    ("base", ("wotsim.errors", "wotsim._names", "wotsim._paths", "wotsim._lazy", "wotsim.counts", "wotsim.formatting",
              "wotsim.i18n", "wotsim._fork", "wotsim.labels", "wotsim.notes")),
    ("config", ("wotsim.config",)),
    ("workbook", ("wotsim.workbook",)),
    ("model", ("wotsim.model", "wotsim.limits", "wotsim._reference")),
    ("sampling", ("wotsim.sampling",)),
    ("results", ("wotsim.results",)),
    ("simulate", ("wotsim.simulate",)),
    ("analysis", ("wotsim.analysis",)),
    ("batch", ("wotsim.batch",)),
    ("plots", ("wotsim.plots",)),
    ("report", ("wotsim.report",)),
    ("cli", ("wotsim.cli", "wotsim.commands", "wotsim.__main__", "wotsim")),
)
#: The figures draw results, nothing else: no config parsing, model, sampling or analysis.
PLOTS_MAY_IMPORT = ("base", "results", "plots")


def layer_of(module: str) -> int:
    best = None
    for rank, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every wotsim import in a file, top level or not."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                found.append((node.lineno, target))
            else:
                found.extend((node.lineno, f"{target}.{a.name}") for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wotsim"):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.startswith("wotsim"))
    return found


def upward_imports(files) -> list[str]:
    bad = []
    for path in files:
        here = module_name(path)
        rank = layer_of(here)
        for line, target in imports(path):
            if target == "wotsim.__version__":
                continue
            there = layer_of(target)
            if there > rank:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} ({LAYERS[rank][0]}) imports {target} "
                           f"({LAYERS[there][0]})")
            if LAYERS[rank][0] == "plots" and LAYERS[there][0] not in PLOTS_MAY_IMPORT:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: a figure module imports {target}")
    return bad


def test_every_import_points_down():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 40
    assert upward_imports(files) == []


def test_an_upward_import_is_caught(tmp_path, monkeypatch):
    """The check can fail: a config module that reaches for the model, and a figure that runs an analysis."""
    fake = PACKAGE / "config" / "_layer_probe.py"
    figure = PACKAGE / "plots" / "_layer_probe.py"
    try:
        fake.write_text("def f():\n    from ..model import evaluate\n", encoding="utf-8")
        figure.write_text("from ..analysis.oneway import one_way\n", encoding="utf-8")
        bad = upward_imports([fake, figure])
    finally:
        fake.unlink(missing_ok=True)
        figure.unlink(missing_ok=True)
    assert len(bad) == 2
    assert "config/_layer_probe.py:2: wotsim.config._layer_probe (config) imports wotsim.model (model)" in bad[0]
    assert "a figure module imports wotsim.analysis.oneway" in bad[1]


@pytest.mark.parametrize("module, layer", [("wotsim.config.overlays", "config"), ("wotsim.plots.style", "plots"),
                                           ("wotsim.analysis.io", "analysis"), ("wotsim.results.io", "results")])
def test_layer_of(module, layer):
    assert LAYERS[layer_of(module)][0] == layer


def test_no_module_is_over_about_500_lines():
    sizes = {str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert {k: v for k, v in sizes.items() if v > 500} == {}


def test_every_module_says_what_it_owns():
    missing = [str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
               if p.name != "__main__.py" and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []


DOTTED = re.compile(r"\bwotsim(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def test_every_dotted_reference_in_code_and_docs_resolves():
    """Docstrings, comments and READMEs name modules and functions that exist (no stale paths after a move)."""
    root = PACKAGE.parent
    files = sorted(PACKAGE.rglob("*.py")) + [root / "README.md", root / "benchmarks" / "README.md"]
    stale = sorted({f"{path.relative_to(root)}: {ref}" for path in files
                    for ref in DOTTED.findall(path.read_text(encoding="utf-8")) if not _resolves(ref.rstrip("."))})
    assert stale == []
