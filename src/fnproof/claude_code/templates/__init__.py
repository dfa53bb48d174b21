"""Files `fnproof init` writes, as data: `{{ fnproof.NAME }}` marks what init fills in.

GitHub's own `${{ ... }}` expressions pass through untouched (the `$` tells them apart).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from fnproof.core.datafile import read_text

HERE = Path(__file__).resolve().parent
_SLOT = re.compile(r"(?<!\$)\{\{\s*fnproof\.(?P<name>[a-z_]+)\s*\}\}")


def render(name: str, values: Mapping[str, str]) -> str:
    """The template `name` with every slot filled; a slot without a value is a bug in the kit."""
    text = read_text(HERE / name)
    missing = sorted({m["name"] for m in _SLOT.finditer(text)} - set(values))
    if missing:
        raise KeyError(f"template {name} needs {', '.join(missing)}")
    return _SLOT.sub(lambda m: values[m["name"]], text)
