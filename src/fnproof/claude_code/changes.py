"""Planned file changes inside a repository: refused when they would leave it, applied all or nothing.

`init` writes into repositories it does not own, often right after cloning one. So a path is
checked before anything is read or written: every part of it that exists must be a real
folder (not a symlink, not a file where a folder is needed) and the file itself must not be a
symlink, so no write can land outside the repository. Applying stages every file as a
temporary sibling first and renames them into place only when all were staged; a failure
while staging removes the temporaries and the folders it made, leaving the tree as it was.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from fnproof.core.errors import UsageError

Action = Literal["create", "update", "delete", "unchanged", "kept", "skipped"]
CREATE: Final = "create"
UPDATE: Final = "update"
DELETE: Final = "delete"
UNCHANGED: Final = "unchanged"
KEPT: Final = "kept"
SKIPPED: Final = "skipped"  # nothing to write for this repository's contract
WRITES: Final = (CREATE, UPDATE)


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # relative to the repository, POSIX separators
    action: Action
    before: str | None
    after: str
    reason: str = ""
    executable: bool = False


def checked_path(root: Path, rel: str) -> Path:
    """`root/rel`, after proving that writing it stays inside `root` (one UsageError line if not)."""
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts or not parts:
        raise UsageError("init writes only inside the repository", where=rel)
    here = root
    for index, part in enumerate(parts):
        here = here / part
        last = index == len(parts) - 1
        if here.is_symlink():
            raise UsageError(f"is a symlink (to {os.readlink(here)}); init writes no file through a link: replace it "
                             "with a real " + ("file" if last else "folder") + ", nothing was written", where=str(here))
        if not last and here.exists() and not here.is_dir():
            raise UsageError(f"is a file, but {rel} needs it to be a folder; move it away, nothing was written",
                             where=str(here))
    return here


def read(root: Path, rel: str) -> str | None:
    path = checked_path(root, rel)
    if not path.exists():
        return None
    if not path.is_file():
        raise UsageError("exists but is not a file; nothing was written", where=str(path))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read: {exc.__class__.__name__}; nothing was written", where=str(path)) from None


def _missing_dirs(root: Path, parent: Path) -> list[Path]:
    missing = []
    while parent != root and not parent.exists():
        missing.append(parent)
        parent = parent.parent
    return missing[::-1]


def apply(root: Path, changes: list[Change]) -> None:
    """Write every planned change or none: stage temporaries, then rename them all into place."""
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for change in changes:
            if change.action not in WRITES:
                continue
            path = checked_path(root, change.path)  # again: the tree may have changed since planning
            for folder in _missing_dirs(root, path.parent):
                folder.mkdir()
                made.append(folder)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".fnproof-tmp")
            staged.append((Path(name), path))
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(change.after)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, 0o755 if change.executable else 0o644)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        for folder in reversed(made):
            folder.rmdir()
        raise
    for temp, path in staged:
        os.replace(temp, path)
    for change in changes:
        if change.action == DELETE:
            checked_path(root, change.path).unlink(missing_ok=True)


def describe(changes: list[Change], *, diffs: bool) -> str:
    lines = []
    for change in changes:
        note = f"  ({change.reason})" if change.reason else ""
        lines.append(f"{change.action:<9} {change.path}{note}")
        if diffs and change.action in (*WRITES, DELETE):
            lines.extend(line.rstrip("\n") for line in difflib.unified_diff(
                (change.before or "").splitlines(keepends=True), change.after.splitlines(keepends=True),
                fromfile=f"a/{change.path}" if change.before is not None else "/dev/null",
                tofile=f"b/{change.path}" if change.action != DELETE else "/dev/null"))
    return "\n".join(lines) + "\n"
