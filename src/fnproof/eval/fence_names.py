"""How a Claude reply names the file a fenced code block holds.

Replies name files in a handful of ways, strongest first: a path in the fence's info string
(```js title="src/index.mjs"```, ```javascript:index.mjs```, ```index.mjs```), a path comment
on the fence's first line (`// index.mjs`, `# handler.py`, `// File: src/x.mjs`), or the
heading or line just before the fence ("`index.mjs`:", "**handler.py**", "Create
`src/handler.py`:"). Prose mentions files all the time, so a label is only taken when the
text reads like one, and never when its file kind contradicts the fence's language.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

NamedBy = Literal["info", "comment", "label"]

# Which extensions a fence language may carry; a label naming another kind of file is not
# this fence's name (e.g. "Run `node --test test/x.test.mjs`:" before a ```bash block).
_LANG_EXT = {
    **dict.fromkeys(("js", "javascript", "mjs", "cjs", "node", "jsx"), {".js", ".mjs", ".cjs", ".jsx"}),
    **dict.fromkeys(("ts", "typescript", "tsx"), {".ts", ".mts", ".cts", ".tsx"}),
    **dict.fromkeys(("python", "py", "python3"), {".py"}),
    **dict.fromkeys(("json", "jsonc", "json5"), {".json", ".jsonc", ".json5"}),
    **dict.fromkeys(("yaml", "yml"), {".yaml", ".yml"}),
    "toml": {".toml"},
    **dict.fromkeys(("md", "markdown"), {".md", ".markdown"}),
    **dict.fromkeys(("bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession"), {".sh", ".bash"}),
}
_COMMENT_STYLES = {  # language -> comment openers a path comment may use on the first line
    **dict.fromkeys(("python", "py", "python3", "yaml", "yml", "toml", "bash", "sh", "shell", "zsh"), ("#",)),
    **dict.fromkeys(("md", "markdown", "html", "xml"), ("<!--",)),
    **dict.fromkeys(("sql",), ("--",)),
}
_KNOWN_EXT = {e.lstrip(".") for exts in _LANG_EXT.values() for e in exts} | {
    "txt", "env", "ini", "cfg", "sql", "html", "css", "lock", "xml", "gitignore", "npmrc"}
_BARE_NAMES = {"Dockerfile", "Makefile", "Procfile", ".env", ".gitignore", ".npmrc", ".nvmrc"}
_NOT_FILES = {"node.js", "next.js", "nuxt.js", "express.js", "vue.js", "react.js", "deno.js", "bun.js"}
_BASENAME = re.compile(r"^[\w@+-][\w@.+-]*$")
_COMMENT = re.compile(
    r"^\s*(?P<open>//|#|--|/\*|<!--)\s*(?:(?:file(?:name)?|path)\s*:\s*)?(?P<path>[^\s*]+?)"
    r"\s*(?:\*/|-->)?(?:\s+(?:[-—–]+|\().*)?\s*$", re.IGNORECASE)
_LABEL_TAIL = re.compile(r"^[\s:)\]*_.,—–-]*$")
_WORD = re.compile(r"[^\s`*()\[\],;:'\"]+")
_VERB_BEFORE = re.compile(r"\b(create|add|write|save|update|replace|put|new file|file|in|into|to)\s*$", re.I)


def _pathish(text: str, *, strict: bool) -> bool:
    """Loose (info strings, comments): any name with an extension. Strict (prose): a known file kind."""
    text = text.strip().rstrip(":").strip("'\"`")
    if not text or "://" in text or text.lower() in _NOT_FILES or any(c.isspace() for c in text):
        return False
    base = text.replace("\\", "/").rsplit("/", 1)[-1]
    if base in _BARE_NAMES:
        return True
    if not _BASENAME.match(base) or "." not in base.strip("."):
        return False
    ext = base.rsplit(".", 1)[1]
    if not ext[:1].isalpha():
        return False
    return ext.lower() in _KNOWN_EXT if strict else len(ext) <= 10


def lang_of(info: str) -> str:
    first = info.split(None, 1)[0] if info.strip() else ""
    return first.split(":", 1)[0].strip("{}.").lower()


def name_from_info(info: str) -> str | None:
    """```js title="src/index.mjs"```, ```javascript:index.mjs```, ```index.mjs```, ```js src/x.mjs```."""
    try:
        tokens = shlex.split(info)
    except ValueError:
        tokens = info.split()
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key.lower() in ("title", "file", "filename", "path", "name") and value:
            return value
    if not tokens:
        return None
    head, sep, tail = tokens[0].partition(":")
    if sep and tail and _pathish(tail, strict=False):
        return tail
    for token in tokens[:2]:
        if "=" not in token and _pathish(token, strict=False) and token.lower() not in _LANG_EXT:
            return token
    return None


def name_from_comment(first_line: str, lang: str) -> str | None:
    match = _COMMENT.match(first_line)
    if not match or not _pathish(match["path"], strict=False):
        return None
    allowed = _COMMENT_STYLES.get(lang, ("//", "/*", "#", "<!--") if lang not in _LANG_EXT else ("//", "/*"))
    return match["path"] if match["open"] in allowed else None


def _inline_text(children: list[dict], out: list[tuple[str, str]]) -> None:
    for child in children:
        if child.get("type") in ("codespan", "text") and "raw" in child:
            out.append((child["type"], child["raw"]))
        elif child.get("type") in ("softbreak", "linebreak"):
            out.append(("text", " "))
        else:  # strong, emphasis, link: the visible text, marked as emphasised
            inner: list[tuple[str, str]] = []
            _inline_text(child.get("children") or [], inner)
            out.append(("strong", "".join(t for _, t in inner)))


def name_from_label(block: dict | None) -> tuple[str | None, list[str]]:
    """The path a heading or paragraph right before a fence names, and all path candidates.

    Taken when the path ends the text ("`index.mjs`:", "### src/handler.mjs"), when the text
    is short and names one path ("**handler.py**", "Here's `app.py`"), or when the text
    introduces the fence (ends with ':') and names one path, or names several but one right
    after a verb such as "Create" or "in". Anything else is prose that mentions files.
    """
    if block is None or block.get("type") not in ("paragraph", "heading", "block_text"):
        return None, []
    parts: list[tuple[str, str]] = []
    _inline_text(block.get("children") or [], parts)
    text, found = "", []  # (path, start, end offsets in text)
    for kind, chunk in parts:
        start = len(text)
        text += chunk
        if kind in ("codespan", "strong"):
            if _pathish(chunk, strict=True):
                found.append((chunk.strip().rstrip(":"), start, len(text)))
        else:
            found += [(m.group().rstrip(".:"), start + m.start(), start + m.end()) for m in _WORD.finditer(chunk)
                      if _pathish(m.group().rstrip(".:"), strict=True)]
    candidates = list(dict.fromkeys(p for p, _, _ in found))
    if not found:
        return None, []
    last, _, end = found[-1]
    if _LABEL_TAIL.match(text[end:]) or (len(text.split()) <= 8 and len(candidates) == 1):
        return last, candidates
    if text.rstrip().endswith(":"):
        if len(candidates) == 1:
            return last, candidates
        after_verb = [p for p, start, _ in found if _VERB_BEFORE.search(text[:start])]
        if len(set(after_verb)) == 1:
            return after_verb[0], candidates
    return None, candidates


def _fits(path: str, lang: str) -> bool:
    exts = _LANG_EXT.get(lang)
    return exts is None or PurePosixPath(path).suffix.lower() in exts




@dataclass(frozen=True, slots=True)
class FenceName:
    name: str | None
    named_by: NamedBy | Literal[""]
    others: tuple[str, ...]       # other names the fence was also given (a conflict)
    candidates: tuple[str, ...]   # paths the text before it mentions
    strip_first_line: bool        # the first line was only a path comment


def name_fence(info: str, first_line: str, before: dict | None) -> FenceName:
    lang = lang_of(info)
    by_info = name_from_info(info)
    by_comment = name_from_comment(first_line, lang)
    by_label, candidates = name_from_label(before)
    if by_label and not _fits(by_label, lang):
        by_label = None
    ways: tuple[tuple[str | None, NamedBy], ...] = ((by_info, "info"), (by_comment, "comment"), (by_label, "label"))
    chosen = next(((n, how) for n, how in ways if n), None)
    name: str | None = chosen[0] if chosen else None
    named_by: NamedBy | Literal[""] = chosen[1] if chosen else ""
    others = tuple(sorted({n for n in (by_info, by_comment, by_label) if n and n != name}))
    return FenceName(name, named_by, others, tuple(candidates), by_comment is not None)
