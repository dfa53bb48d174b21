"""`{{ platform.* }}` in prompts: the platform versions the kit runs, read from its pins.

A prompt that says "Node.js 20" after the kit moved to Node 24, or a Workers date newer
than the pinned workerd runs, sends Claude Code to write code the suite then refuses. These
values come from the same lockfiles the runtimes install from, so they move together.
"""

from __future__ import annotations

from collections.abc import Callable

from fnproof.conformance.runtimes.workers import pin
from fnproof.conformance.services import node_runtime


def _lambda_node() -> str:
    major = node_runtime.DEFAULT_MAJOR
    return f"Node.js {major} (`nodejs{major}.x`)"


FIELDS: dict[str, Callable[[], str]] = {
    "lambda_node": _lambda_node,
    "node_major": lambda: node_runtime.DEFAULT_MAJOR,
    "workers_compatibility_date": pin.compatibility_date,
}
