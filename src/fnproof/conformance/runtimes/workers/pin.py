"""The pinned miniflare and its workerd, read from the lockfile (data): no install needed to know them.

The prompts tell Claude Code the newest `compatibility_date` the kit can run, and the
runtime refuses a newer one; both read it here, so they cannot disagree with the pin.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent / "npm"


@functools.cache
def _lock() -> dict:
    return json.loads((PACKAGE / "package-lock.json").read_text(encoding="utf-8"))["packages"]


def miniflare_version() -> str:
    return str(_lock()["node_modules/miniflare"]["version"])


def workerd_version() -> str:
    return str(_lock()["node_modules/workerd"]["version"])


def compatibility_date() -> str:
    """workerd 1.YYYYMMDD.N supports compatibility dates up to (at least) YYYY-MM-DD."""
    stamp = workerd_version().split(".")[1]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
