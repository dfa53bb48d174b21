"""Find the handler in a folder of generated code, and say why it was chosen.

`fnproof check` needs one target; a reply or a Claude Code session leaves a tree. Each
runtime's record knows what its handler looks like (conformance/runtimes/registry.py); this
asks them in detection order, so a wrong pick is visible in the report instead of silently
grading a test file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fnproof.conformance.runtimes import discovery, registry


class NoHandler(Exception):
    """No file in the tree can be the handler; the message says what was looked for."""


@dataclass(frozen=True, slots=True)
class Entry:
    target: Path  # what `fnproof check` gets: a file, or a Worker folder
    runtime: str
    reason: str


def findable() -> list[str]:
    """Runtimes whose handlers can be found in a tree of files."""
    return sorted(spec.name for spec in registry.local() if spec.find_handler is not None)


def find_entry(root: Path, runtime: str | None = None) -> Entry:
    """The handler for `runtime`, or (runtime None) the first runtime whose handler is there."""
    if not root.is_dir():
        raise NoHandler(f"{root} is not a folder")
    files = discovery.tree_files(root)
    specs = [s for s in registry.local() if s.find_handler is not None]
    if runtime is not None:
        specs = [s for s in specs if s.name == runtime]
        if not specs:
            raise NoHandler(f"no handler finder for runtime {runtime!r}; choose one of {', '.join(findable())}")
    for spec in specs:
        assert spec.find_handler is not None
        found = spec.find_handler(root, files)
        if found is not None:
            return Entry(found.target, spec.name, found.reason)
    listed = ", ".join(p.relative_to(root).as_posix() for p in files[:8]) or "nothing"
    raise NoHandler(f"{'; '.join(s.looked_for for s in specs)} (found {listed}{', ...' if len(files) > 8 else ''})")
