"""What a JavaScript module exports, read from its text: the one place that tells a Lambda
handler module from a module Worker (detection, handler discovery and the Worker probe)."""

from __future__ import annotations

import re

NODE_SUFFIXES = (".mjs", ".js", ".cjs")
TS_SUFFIXES = (".ts", ".mts", ".cts")  # compiled by the kit (services/esbuild.py) before they run
# `export const handler`, `export async function handler`, `export { handler }`, `exports.handler =`, ...
HANDLER_EXPORT = re.compile(
    r"export\s+(?:async\s+)?function\s*\*?\s*handler\b|export\s+(?:const|let|var)\s+handler\b"
    r"|export\s*\{[^}]*\bhandler\b[^}]*\}|exports\.handler\s*=|module\.exports\s*=\s*\{[^}]*\bhandler\b")
DEFAULT_EXPORT = re.compile(r"export\s+default\b|export\s*\{[^}]*\bas\s+default\b")


def has_default_export(text: str) -> bool:
    return DEFAULT_EXPORT.search(text) is not None


def looks_like_worker(text: str) -> bool:
    """A default export and a fetch handler, and no Lambda `handler` export beside them."""
    return has_default_export(text) and "fetch" in text and HANDLER_EXPORT.search(text) is None
