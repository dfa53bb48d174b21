"""Find the handler in a folder of generated code, the way a person reading it would.

A reply (or a Claude Code session) leaves a tree of files: the handler, a logic module,
tests, fixtures, deploy notes. `fnproof check` needs one target. We look for what the
prompt and the platform ask for (a Node module exporting `handler`, a Python file Lambda
would load, a Worker folder) and say why we chose it, so a wrong pick is visible in the
report instead of silently grading a test file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from fnproof.conformance.runtimes.detect import NODE_SUFFIXES, WRANGLER_CONFIGS

_SKIP_DIRS = {"node_modules", ".git", "__pycache__", ".venv", "venv", "dist", "build", ".wrangler", "coverage"}
_TEST = re.compile(r"(^|/)(tests?|__tests__|spec)/|(\.|_)(test|spec)\.[^/]+$|(^|/)test_[^/]+\.py$|(^|/)conftest\.py$")
_NODE_EXPORT = re.compile(
    r"export\s+(?:async\s+)?function\s*\*?\s*handler\b|export\s+(?:const|let|var)\s+handler\b"
    r"|export\s*\{[^}]*\bhandler\b[^}]*\}|exports\.handler\s*=|module\.exports\s*=\s*\{[^}]*\bhandler\b")
_PY_DEF = re.compile(r"^(?:async\s+)?def\s+(handler|lambda_handler)\s*\(", re.M)
_WORKER = re.compile(r"export\s+default\s*\{[^}]*\bfetch\b|export\s+default\s+\w+")
_PREFERRED_STEMS = ("index", "handler", "app", "lambda_function", "main", "worker")
PY_NAMES = ("handler.py", "app.py", "lambda_function.py")
RUNTIMES = ("lambda-node", "lambda-python", "workers")


class NoHandler(Exception):
    """No file in the tree can be the handler; the message says what was looked for."""


@dataclass(frozen=True, slots=True)
class Entry:
    target: Path       # what `fnproof check` gets: a file, or a Worker folder
    runtime: str
    reason: str


def _files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS for part in rel.parts[:-1]) or path.is_symlink() or not path.is_file():
            continue
        found.append(path)
    return found


def _rank(root: Path, path: Path) -> tuple[int, int, str]:
    """Preferred names first, then shallow paths, then alphabetical: a stable, explainable order."""
    rel = path.relative_to(root)
    stem = path.stem if path.stem in _PREFERRED_STEMS else "~"
    return (_PREFERRED_STEMS.index(stem) if stem != "~" else len(_PREFERRED_STEMS), len(rel.parts), rel.as_posix())


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _pick(root: Path, candidates: list[Path], what: str) -> Entry | None:
    if not candidates:
        return None
    best = sorted(candidates, key=lambda p: _rank(root, p))
    rel = best[0].relative_to(root).as_posix()
    others = f" (also: {', '.join(p.relative_to(root).as_posix() for p in best[1:4])})" if len(best) > 1 else ""
    return Entry(best[0], "", f"{rel} {what}{others}")


def _not_test(root: Path, files: list[Path]) -> list[Path]:
    return [p for p in files if not _TEST.search(p.relative_to(root).as_posix())]


def _node(root: Path, files: list[Path]) -> Entry | None:
    code = [p for p in _not_test(root, files) if p.suffix in NODE_SUFFIXES]
    entry = _pick(root, [p for p in code if _NODE_EXPORT.search(_read(p))], "exports handler")
    if entry:
        return entry
    main = _package_main(root)
    if main is not None:
        return Entry(main, "", f"{main.relative_to(root).as_posix()} is package.json's main (no file exports handler)")
    return _pick(root, [p for p in code if p.stem in ("index", "handler")], "by its name (no file exports handler)")


def _package_main(root: Path) -> Path | None:
    try:
        main = json.loads(_read(root / "package.json") or "{}").get("main")
    except (json.JSONDecodeError, AttributeError):
        return None
    path = root / main if isinstance(main, str) and main else None
    return path if path is not None and path.resolve().is_relative_to(root.resolve()) and path.is_file() else None


def _python(root: Path, files: list[Path]) -> Entry | None:
    code = [p for p in _not_test(root, files) if p.suffix == ".py"]
    entry = _pick(root, [p for p in code if p.name in PY_NAMES and _PY_DEF.search(_read(p))], "defines the handler")
    return (entry or _pick(root, [p for p in code if _PY_DEF.search(_read(p))], "defines handler or lambda_handler")
            or _pick(root, [p for p in code if p.name in PY_NAMES], "by its name (defines no handler)"))


def _workers(root: Path, files: list[Path]) -> Entry | None:
    configs = [p for p in files if p.name in WRANGLER_CONFIGS]
    if configs:
        best = sorted(configs, key=lambda p: (len(p.relative_to(root).parts), p.as_posix()))[0]
        folder = best.parent
        return Entry(folder, "", f"{(folder.relative_to(root).as_posix() or '.')}/ has {best.name}")
    code = [p for p in _not_test(root, files) if p.suffix in NODE_SUFFIXES + (".ts",)]
    return _pick(root, [p for p in code if _WORKER.search(_read(p)) and "fetch" in _read(p)],
                 "has a default export with fetch")


_FINDERS = {"lambda-node": _node, "lambda-python": _python, "workers": _workers}


def find_entry(root: Path, runtime: str | None = None) -> Entry:
    """The handler for `runtime`, or (runtime None) the first runtime whose handler is there."""
    if not root.is_dir():
        raise NoHandler(f"{root} is not a folder")
    files = _files(root)
    order = [runtime] if runtime else ["workers", "lambda-node", "lambda-python"]
    for name in order:
        finder = _FINDERS.get(name)
        if finder is None:
            raise NoHandler(f"no handler finder for runtime {name!r}; choose one of {', '.join(RUNTIMES)}")
        found = finder(root, files)
        if found is not None:
            return Entry(found.target, name, found.reason)
    looked = {"lambda-node": f"no {'/'.join(NODE_SUFFIXES)} file exporting handler",
              "lambda-python": f"no {'/'.join(PY_NAMES)} or .py file defining handler",
              "workers": "no wrangler config or Worker default export"}
    listed = ", ".join(p.relative_to(root).as_posix() for p in files[:8]) or "nothing"
    raise NoHandler(f"{'; '.join(looked[n] for n in order)} (found {listed}{', ...' if len(files) > 8 else ''})")
