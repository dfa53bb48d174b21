"""Where a value sits in a YAML file: the one line finder every data file's errors use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml


def node_line(root: yaml.Node | None, path: Iterable[Any], *, key: bool = False) -> int | None:
    """1-based line of the YAML node at a path of keys and indexes (the deepest node found).

    The one line finder for every data file: schema errors point at the value (`key=False`);
    lint points at the key that names it (`key=True`), which differs for block values.
    """
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if pair is None:
                break
            node = pair[1]
            line = (pair[0] if key else pair[1]).start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
