"""Which Lambda runtime a function says it targets: a SAM template's `Runtime:`, or package.json `engines`.

The kit runs a handler on the runtime its own project names, so a function declared for
`nodejs22.x` is proven on Node 22 and a `python3.13` one on Python 3.13 where the machine
has it. The search starts at the handler's folder and climbs to the project's root (the
first folder with `.git`), at most a few levels, like a person looking for the template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

TEMPLATE_NAMES = ("template.yaml", "template.yml")
MAX_LEVELS = 4
_RUNTIME_LINE = re.compile(r"^\s*Runtime:\s*['\"]?([a-z]+[\d.]+x?)['\"]?\s*(?:#.*)?$")


@dataclass(frozen=True, slots=True)
class Declared:
    value: str  # "nodejs24.x", "python3.12", or an engines range such as ">=22"
    where: str  # file:line


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when under it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _folders(start: Path) -> list[Path]:
    folders, here = [], start.resolve()
    for _ in range(MAX_LEVELS):
        folders.append(here)
        if (here / ".git").exists() or here.parent == here:
            break
        here = here.parent
    return folders


def nearest_template(handler_file: Path) -> Path | None:
    """The SAM template a person would find first, climbing from the handler's folder."""
    for folder in _folders(handler_file.parent):
        for name in TEMPLATE_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def template_runtime(handler_file: Path, family: str) -> Declared | None:
    """The newest `Runtime: <family>...` in the nearest SAM template (family: nodejs, python)."""
    for folder in _folders(handler_file.parent):
        for name in TEMPLATE_NAMES:
            template = folder / name
            if not template.is_file():
                continue
            found: list[Declared] = []
            for number, line in enumerate(template.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                match = _RUNTIME_LINE.match(line)
                if match and match.group(1).startswith(family):
                    found.append(Declared(match.group(1), f"{_shown(template)}:{number}"))
            if found:
                return max(found, key=lambda d: _version_key(d.value))
    return None


def engines_node(handler_file: Path) -> Declared | None:
    """`engines.node` of the nearest package.json, if it has one."""
    for folder in _folders(handler_file.parent):
        manifest = folder / "package.json"
        if not manifest.is_file():
            continue
        try:
            engines = json.loads(manifest.read_text(encoding="utf-8")).get("engines") or {}
        except (json.JSONDecodeError, AttributeError):
            return None
        node = engines.get("node") if isinstance(engines, dict) else None
        return Declared(node, _shown(manifest)) if isinstance(node, str) and node.strip() else None
    return None


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


def satisfies(version: str, spec: str) -> bool | None:
    """Whether `version` (1.2.3) meets an npm range; None when the range is beyond this reader.

    Covers what engines fields say in practice: `>=22`, `>=20 <25`, `^22.1`, `~24.2`, `22.x`,
    `24`, `*`, and `||` between them.
    """
    have = _version_key(version)[:3]
    for alternative in spec.split("||"):
        parts = alternative.split()
        if not parts:
            return None
        results = [_meets(have, part) for part in parts]
        if any(r is None for r in results):
            return None
        if all(results):
            return True
    return False


def _meets(have: tuple[int, ...], part: str) -> bool | None:
    match = re.fullmatch(r"(>=|<=|>|<|=|\^|~)?v?(\d+|[x*])(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?", part)
    if match is None:
        return None
    op = match.group(1) or ""
    numbers = [g for g in match.groups()[1:] if g is not None and g not in ("x", "*")]
    if not numbers:
        return True
    want = tuple(int(n) for n in numbers)
    exact = len(want)
    padded = want + (0,) * (3 - exact)
    if op in ("", "="):
        return have[:exact] == want
    if op == "^":
        return have >= padded and have[0] == want[0]
    if op == "~":
        return have >= padded and have[:min(2, exact)] == want[:min(2, exact)]
    if op == ">=":
        return have >= padded
    if op == ">":
        return have[:exact] > want
    if op == "<":
        return have < padded
    return have[:exact] <= want  # <=
