"""Where the kit's data folders live.

The folders (conformance/, prompts/, checklists/, reference/) sit at the top of a clone;
a wheel carries copies under fnproof/_data. Both layouts resolve through here so no other
module guesses.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the fnproof package folder


def data_root() -> Path:
    packaged = _PACKAGE / "_data"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parents[1]


def data_path(*parts: str) -> Path:
    return data_root().joinpath(*parts)


def schema_path(name: str) -> Path:
    return data_path("conformance", "schemas", name)


def cache_dir() -> Path:
    """Per-user cache for npm installs; FNPROOF_CACHE_DIR moves it (CI, read-only homes)."""
    explicit = os.environ.get("FNPROOF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fnproof"
