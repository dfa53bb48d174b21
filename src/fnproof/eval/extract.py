"""Turn a Claude reply in Markdown into files, and say how each one was named.

How a fence's file is named is fence_names.py's business (info string, first-line path
comment, or a label such as "`index.mjs`:" just before the fence). We parse the Markdown
with mistune rather than regexes so that nested fences, fences in list items and
four-backtick blocks come out right. Nothing is guessed silently:
a fence with no name is reported as skipped, a file named twice is reported (the last one
wins, as when a reply revises a file), and a path that would leave the workspace is refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

import mistune

from fnproof.eval.fence_names import NamedBy, lang_of, name_fence

MAX_FILES, MAX_FILE_BYTES = 200, 1_000_000


@dataclass(frozen=True, slots=True)
class ExtractedFile:
    path: str          # POSIX, relative to the workspace
    content: str
    fence: int         # 1-based index of the fence in the reply
    line: int | None   # 1-based line of the fence's opening, when it could be located
    named_by: NamedBy


@dataclass(frozen=True, slots=True)
class Note:
    kind: Literal["skipped", "duplicate", "conflict", "refused"]
    fence: int
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"fence {self.fence}" + (f" (line {self.line})" if self.line else "")
        return f"{self.kind}: {where}: {self.message}"


@dataclass(slots=True)
class Extraction:
    files: list[ExtractedFile] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    fences: int = 0

    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def to_json(self) -> dict:
        return {"fences": self.fences,
                "files": [{"path": f.path, "fence": f.fence, "line": f.line, "named_by": f.named_by,
                           "bytes": len(f.content.encode())} for f in self.files],
                "notes": [{"kind": n.kind, "fence": n.fence, "line": n.line, "message": n.message} for n in self.notes]}


def safe_relpath(raw: str) -> str | None:
    """The normalised relative POSIX path, or None when it is absolute or climbs out."""
    text = raw.strip().strip("'\"`").replace("\\", "/")
    if not text or "\x00" in text or text.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", text):
        return None
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _walk(tokens: list[dict], out: list[tuple[dict, dict | None]], prev: list[dict | None]) -> None:
    """Fences in document order, each with the leaf block just before it."""
    for token in tokens:
        kind = token.get("type")
        if kind == "blank_line":
            continue
        if kind in ("list", "list_item", "block_quote"):
            _walk(token.get("children") or [], out, prev)
            continue
        if kind == "block_code" and token.get("style") == "fenced":
            out.append((token, prev[0]))
        prev[0] = token


def _locate(md_lines: list[str], lines: list[str], start: int) -> tuple[int | None, int]:
    """1-based line of a fence's opening (mistune gives no positions): where its content lines
    follow each other in the reply, compared without indentation or '>' so list items and
    quotes match. Returns the line and where the next search starts."""
    want = [line.strip() for line in lines]
    while want and not want[-1]:
        want.pop()
    n = len(want)
    for i in range(start, len(md_lines) - n + 1) if n else ():
        if all(md_lines[i + k].strip().lstrip(">").strip() == want[k] for k in range(n)):
            return i, i + n  # i: 0-based index of the first content line = 1-based opener line
    return None, start


def _notes_for(result: Extraction, fence: int, line: int | None):
    return lambda kind, message: result.notes.append(Note(kind, fence, line, message))


def plan(markdown: str) -> Extraction:
    """What a reply's fences would become, without touching the disk."""
    tokens = mistune.create_markdown(renderer=None)(markdown)
    assert isinstance(tokens, list)  # renderer=None: the token list, not HTML
    fences: list[tuple[dict, dict | None]] = []
    _walk(tokens, fences, [None])
    chosen: dict[str, ExtractedFile] = {}
    result, cursor, md_lines = Extraction(fences=len(fences)), 0, markdown.split("\n")
    for index, (token, before) in enumerate(fences, start=1):
        raw, info = token.get("raw", ""), (token.get("attrs") or {}).get("info", "") or ""
        lines = raw.split("\n")
        line, cursor = _locate(md_lines, lines, cursor)
        named = name_fence(info, lines[0], before)
        note = _notes_for(result, index, line)
        if named.strip_first_line:
            raw = "\n".join(lines[1:])  # the comment only carried the name (and breaks JSON)
        if named.name and named.others:
            note("conflict", f"also named {', '.join(named.others)}; took {named.name} from the {named.named_by}")
        if not named.name:
            first = next((text.strip() for text in lines if text.strip()), "")[:60]
            why = f"; the text before it names {', '.join(named.candidates)}" if named.candidates else ""
            note("skipped", f"unnamed ```{lang_of(info) or 'no language'} fence ({first!r}){why}")
            continue
        name, named_by = named.name, named.named_by
        assert named_by != "", "a named fence says how it was named"
        path = safe_relpath(name)
        if path is None:
            note("refused", f"path {name!r} leaves the workspace (absolute, '~' or '..')")
            continue
        if len(raw.encode()) > MAX_FILE_BYTES:
            note("refused", f"{path}: larger than {MAX_FILE_BYTES} bytes")
            continue
        if path in chosen:
            note("duplicate", f"{path} was also written by fence {chosen[path].fence}; the later fence wins")
        chosen[path] = ExtractedFile(path, raw, index, line, named_by)
    for path in list(chosen):
        if any(other.startswith(path + "/") for other in chosen):
            result.notes.append(Note("conflict", chosen[path].fence, chosen[path].line,
                                     f"{path} is both a file and a folder; the file is dropped"))
            del chosen[path]
    files = sorted(chosen.values(), key=lambda f: f.fence)
    for dropped in files[MAX_FILES:]:
        result.notes.append(Note("refused", dropped.fence, dropped.line,
                                 f"{dropped.path}: more than {MAX_FILES} files"))
    result.files = files[:MAX_FILES]
    return result


def _open_inside(root: Path, rel: str) -> int:
    """Open root/rel for writing, refusing any symlink on the way (O_NOFOLLOW per component)."""
    parts = rel.split("/")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            try:
                os.mkdir(part, dir_fd=fd)
            except FileExistsError:
                pass
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=fd)
    finally:
        os.close(fd)


def write(extraction: Extraction, root: Path) -> list[str]:
    """Write the planned files under root; a path through a symlink is refused and noted."""
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for item in list(extraction.files):
        try:
            fd = _open_inside(root, item.path)
        except OSError as exc:
            extraction.files.remove(item)
            extraction.notes.append(Note("refused", item.fence, item.line,
                                         f"{item.path}: not written ({exc.strerror or exc};"
                                         " a symlink or a file in the way)"))
            continue
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(item.content)
        written.append(item.path)
    return written


def extract(markdown: str, root: Path) -> Extraction:
    extraction = plan(markdown)
    write(extraction, root)
    return extraction
