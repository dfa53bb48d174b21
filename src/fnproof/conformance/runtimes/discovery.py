"""Finding a handler in a tree of generated code, the way a person reading it would.

A reply (or a Claude Code session) leaves a handler, a logic module, tests, fixtures and
deploy notes. Each runtime's record says what its handler looks like; these helpers walk the
tree, drop tests and vendored folders, and rank candidates in a stable, explainable order so
the reason for a pick can be printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset({"node_modules", ".git", "__pycache__", ".venv", "venv", "dist", "build", ".wrangler",
                       "coverage"})
_TEST = re.compile(r"(^|/)(tests?|__tests__|spec)/|(\.|_)(test|spec)\.[^/]+$|(^|/)test_[^/]+\.py$|(^|/)conftest\.py$")
_PREFERRED_STEMS = ("index", "handler", "app", "lambda_function", "main", "worker")


@dataclass(frozen=True, slots=True)
class Found:
    target: Path  # what `fnproof check` gets: a file, or a Worker folder
    reason: str


def tree_files(root: Path) -> list[Path]:
    """Every regular file under root, outside vendored and build folders, symlinks left out."""
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts[:-1]) or path.is_symlink() or not path.is_file():
            continue
        found.append(path)
    return found


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def not_tests(root: Path, files: Iterable[Path]) -> list[Path]:
    return [p for p in files if not _TEST.search(p.relative_to(root).as_posix())]


def _rank(root: Path, path: Path) -> tuple[int, int, str]:
    """Preferred names first, then shallow paths, then alphabetical."""
    rel = path.relative_to(root)
    stem = _PREFERRED_STEMS.index(path.stem) if path.stem in _PREFERRED_STEMS else len(_PREFERRED_STEMS)
    return stem, len(rel.parts), rel.as_posix()


def pick(root: Path, candidates: list[Path], what: str) -> Found | None:
    """The best-ranked candidate, with `what` made it one and the runners-up named."""
    if not candidates:
        return None
    best = sorted(candidates, key=lambda p: _rank(root, p))
    rel = best[0].relative_to(root).as_posix()
    others = f" (also: {', '.join(p.relative_to(root).as_posix() for p in best[1:4])})" if len(best) > 1 else ""
    return Found(best[0], f"{rel} {what}{others}")
