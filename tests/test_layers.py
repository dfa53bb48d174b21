"""The layers of ARCHITECTURE.md hold: no module imports one from a layer above its own.

Every `import` and `from ... import` in the package is read (module level and inside
functions alike), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "fnproof"


def layers() -> list[list[str]]:
    """The layer table of ARCHITECTURE.md, bottom first: each row lists module prefixes."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| *(\d+) *\| *([^|]+)\|", section, flags=re.M)
    ordered = sorted((int(n), [name.strip() for name in re.findall(r"`([\w.]+)`", cell)]) for n, cell in rows)
    return [names for _, names in ordered]


def layer_of(module: str, table: list[list[str]]) -> int:
    best, index = -1, -1
    for level, prefixes in enumerate(table):
        for prefix in prefixes:
            # `fnproof` alone names the package's __init__, not everything under it
            covers = module == prefix or (prefix != "fnproof" and module.startswith(prefix + "."))
            if covers and len(prefix) > best:
                best, index = len(prefix), level
    assert index >= 0, f"{module} is in no layer of ARCHITECTURE.md"
    return index


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    """Every fnproof module a source file imports, anywhere in it."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            # `from fnproof.prompts import catalog` imports a module, not just a package
            found |= {f"{name}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "fnproof" or name.startswith("fnproof.")}


def real_module(name: str) -> str:
    """`fnproof.x.y` names a module or a package; an attribute import names neither: trim it."""
    parts = name.split(".")
    while parts:
        candidate = PACKAGE.parent.joinpath(*parts)
        if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
            return ".".join(parts)
        parts.pop()
    return name


def test_every_module_has_a_layer():
    table = layers()
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path), table)


def test_imports_point_down_or_sideways():
    table = layers()
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        mine = layer_of(here, table)
        for name in sorted({real_module(n) for n in imported(path)}):
            theirs = layer_of(name, table)
            if theirs > mine:
                upward.append(f"{here} (layer {mine}) imports {name} (layer {theirs})")
    assert upward == []


def test_the_walker_sees_lazy_relative_and_module_imports():
    """Not vacuous: imports inside functions, relative imports and `from pkg import module` are all seen."""
    source = ("import json\n"
              "def f():\n    from fnproof.eval.run import finish\n"
              "from . import defaults\n"
              "from fnproof.prompts import catalog\n")
    found = {real_module(name) for name in imports_in(source, "fnproof.core")}
    assert found == {"fnproof.eval.run", "fnproof.core", "fnproof.core.defaults", "fnproof.prompts",
                     "fnproof.prompts.catalog"}
    table = layers()
    assert layer_of("fnproof.eval.run", table) > layer_of("fnproof.core.contract", table)
    assert layer_of("fnproof.conformance.runner", table) > layer_of("fnproof.conformance.checks.basics", table)
