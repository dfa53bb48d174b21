"""How big, deep and self-referential a data file may be, and the parsers that hold it to that.

Every data file the kit reads (a contract, a prompt's front matter, the rules, a checklist,
a report given to `fnproof checklist`, an eval run's manifest) may come from someone else: a
pull request, a downloaded run, a file passed by mistake. PyYAML and the json module accept
inputs that cost the kit far more than they are worth: an alias bomb expands to billions of
nodes when it is walked (validation, `json.dumps`), 20,000 nested brackets exhaust Python's
recursion, a 5,000-digit number trips the int conversion limit. Each of those must end as one
`file:line: what is wrong` line, fast and in bounded memory, so the limits are checked on the
composed node graph (aliases are shared there, never expanded) and by a bracket scan before
`json.loads` recurses. The limits are far above anything a real contract or report needs.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from fnproof.core.errors import UsageError

MAX_YAML_BYTES = 1 << 20  # contracts, checklists and front matter are a few KB
MAX_JSON_BYTES = 16 << 20  # a report carries what was sent and got back for every check
MAX_DEPTH = 64  # nesting of mappings and lists, counted after aliases are followed
MAX_NODES = 200_000  # values in the document once every alias is expanded
MAX_ALIASES = 1_000
MAX_NUMBER_CHARS = 64

_TAG = "tag:yaml.org,2002:"
# JSON's kinds of value; a timestamp is kept as the text it was written as (see _Loader).
_JSON_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge", "timestamp")}
_NUMBER_TAGS = {_TAG + "int", _TAG + "float"}


class LimitError(yaml.MarkedYAMLError):
    """A document over one of the limits above, at the mark where it went over."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts nesting and aliases while it composes, before anything is built."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LimitError(f"more than {MAX_ALIASES} aliases", event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise LimitError(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Data files are JSON-shaped: a date written in a contract stays the text it was written as.
def _as_text(loader: _Loader, node: yaml.Node) -> Any:
    return loader.construct_yaml_str(node)


_Loader.add_constructor(_TAG + "timestamp", _as_text)


def _measure(root: yaml.Node) -> None:
    """Walk the node graph once, sharing aliased nodes: refuse non-JSON tags, long numbers,
    cycles, and documents that would be too big or too deep once their aliases are followed.

    Nodes are met first at their own place in the document (an anchor precedes its aliases),
    so this recursion is no deeper than the composed tree, which _Loader already bounded.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values once expanded, depth once expanded)
    open_nodes: set[int] = set()

    def visit(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise LimitError("an alias refers to the value that contains it", node.start_mark)
        if node.tag not in _JSON_TAGS:
            raise LimitError(f"the tag {node.tag.removeprefix(_TAG)!r} is not JSON data", node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
                raise LimitError(f"a number of {len(node.value)} characters (at most {MAX_NUMBER_CHARS})",
                                 node.start_mark)
            sizes[key] = (1, 0)
            return sizes[key]
        open_nodes.add(key)
        if isinstance(node, yaml.MappingNode):
            _no_repeated_keys(node)
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        total, depth = 1, 0
        for child in children:
            size, child_depth = visit(child)
            total, depth = total + size, max(depth, child_depth + 1)
            if total > MAX_NODES:
                raise LimitError(f"expands to more than {MAX_NODES:,} values (an alias bomb?)", child.start_mark)
            if depth > MAX_DEPTH:
                raise LimitError(f"nested more than {MAX_DEPTH} levels deep once aliases are followed",
                                 child.start_mark)
        open_nodes.discard(key)
        sizes[key] = (total, depth)
        return sizes[key]

    visit(root)


def _no_repeated_keys(node: yaml.MappingNode) -> None:
    """PyYAML keeps the last of two equal keys without a word; in a contract that silently
    drops a situation or a body. The key itself is not repeated back, only where it is."""
    first_line: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _TAG + "merge":
            continue
        if key_node.value in first_line:
            raise LimitError(f"a key used twice in one mapping (first at line {first_line[key_node.value]})",
                             key_node.start_mark)
        first_line[key_node.value] = key_node.start_mark.line + 1


def load_bounded_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """(data, root node) of one YAML document within the limits; raises yaml.YAMLError."""
    if len(text) > MAX_YAML_BYTES:
        raise LimitError(f"larger than {MAX_YAML_BYTES >> 10} KiB", None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _measure(node)
        try:
            return loader.construct_document(node), node
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. 2026-13-45 read as a date
            raise LimitError(f"a value that cannot be read ({exc.__class__.__name__})", node.start_mark) from None
    finally:
        loader.dispose()


_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JSONLimitError(ValueError):
    """A JSON text over a limit; `line` is where it went over (1-based), when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0)) + 1


def load_bounded_json(text: str) -> Any:
    """json.loads within the limits; raises json.JSONDecodeError or JSONLimitError."""
    if len(text) > MAX_JSON_BYTES:
        raise JSONLimitError(f"larger than {MAX_JSON_BYTES >> 20} MiB", None)
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JSONLimitError(f"nested more than {MAX_DEPTH} levels deep", _line_at(text, match.start()))
        elif token in "]}":
            depth -= 1

    def number(kind: type) -> Any:
        def parse(literal: str) -> Any:
            if len(literal) > MAX_NUMBER_CHARS:
                raise JSONLimitError(f"a number of {len(literal)} characters (at most {MAX_NUMBER_CHARS})",
                                     _line_at(text, text.find(literal)))
            return kind(literal)
        return parse

    def constant(name: str) -> Any:
        raise JSONLimitError(f"{name} is not a JSON number", _line_at(text, text.find(name)))

    return json.loads(text, parse_int=number(int), parse_float=number(float), parse_constant=constant)


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit` of them (a FIFO or /dev/zero is refused, not read)."""
    source = str(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise UsageError("is a folder, not a file", where=source)
            if not stat.S_ISREG(mode):
                raise UsageError("not a regular file", where=source)
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError("no such file", where=source) from None
    except IsADirectoryError:
        raise UsageError("is a folder, not a file", where=source) from None
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc.__class__.__name__}", where=source) from None
    if len(data) > limit:
        raise UsageError(f"larger than {limit >> 10} KiB; this is not a data file the kit reads", where=source)
    return data
