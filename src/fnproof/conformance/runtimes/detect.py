"""Pick the runtime for a target path, and say why, so the terminal report can tell the user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fnproof.core.errors import UsageError

NODE_SUFFIXES = (".mjs", ".js", ".cjs")
WRANGLER_CONFIGS = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
_WORKER_EXPORT = re.compile(r"export\s+default\s*\{[^}]*\bfetch\b|export\s+default\s+\w+|export\s*\{[^}]*\bas\s+default\b")
_FOLDER_ENTRIES = ("index.mjs", "index.js", "index.cjs", "handler.mjs", "handler.js", "app.py", "handler.py",
                   "lambda_function.py")


@dataclass(frozen=True, slots=True)
class Target:
    path: Path
    export: str | None
    runtime: str
    reason: str
    url: str | None = None


def split_export(spec: str) -> tuple[Path, str | None]:
    """`file.py:func` or `index.mjs:main` name the export; a bare path leaves it to the runtime."""
    head, sep, tail = spec.rpartition(":")
    if sep and head and re.fullmatch(r"[A-Za-z_$][\w$]*", tail):
        return Path(head), tail
    return Path(spec), None


def detect(spec: str, runtime: str | None = None) -> Target:
    if spec.startswith(("http://", "https://")):
        if runtime not in (None, "http"):
            raise UsageError(f"a URL runs on the http runtime, not {runtime}")
        return Target(Path("."), None, "http", "a URL: checks that need to control environments are skipped", spec)
    path, export = split_export(spec)
    if not path.exists():
        raise UsageError("no such file or folder", where=str(path))
    if path.is_dir():
        config = next((path / n for n in WRANGLER_CONFIGS if (path / n).is_file()), None)
        if config and runtime in (None, "workers"):
            return Target(path, export, "workers", f"folder has {config.name}")
        entry = next((path / n for n in _FOLDER_ENTRIES if (path / n).is_file()), None)
        if entry is None:
            raise UsageError(f"folder has no wrangler config and no handler file ({', '.join(_FOLDER_ENTRIES)})",
                             where=str(path))
        inner = detect(str(entry) + (f":{export}" if export else ""), runtime)
        return Target(inner.path, inner.export, inner.runtime, f"{entry.name} in folder; {inner.reason}")
    if runtime:
        return Target(path, export, runtime, "--runtime")
    if path.suffix == ".py":
        return Target(path, export, "lambda-python", "a .py file")
    if path.suffix in NODE_SUFFIXES:
        text = path.read_text(encoding="utf-8", errors="replace")
        if _WORKER_EXPORT.search(text) and "fetch" in text and not re.search(r"export\s+(const|async|function|let)\s+\w*handler", text):
            return Target(path, export, "workers", "a default export with fetch (module Worker)")
        return Target(path, export, "lambda-node", f"a {path.suffix} file without a Worker default export")
    raise UsageError(f"cannot tell the runtime of a '{path.suffix or 'suffix-less'}' file; pass --runtime",
                     where=str(path))
