"""Load YAML and JSON data files, validate them by JSON Schema, and point at the bad line.

jsonschema reports where in the data an error is (a path of keys); the YAML composer
knows where each node came from. Joining the two gives the `file:line: field: problem`
line users need to fix a contract, checklist or prompt front matter.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from fnproof.core.errors import UsageError
from fnproof.core.input_limits import MAX_JSON_BYTES, JSONLimitError, load_bounded_json, load_bounded_yaml, read_bounded
from fnproof.core.paths import schema_path
from fnproof.core.schema_errors import best_problem
from fnproof.core.yaml_lines import node_line

__all__ = ["load_json", "load_schema", "load_yaml", "load_yaml_document", "node_line", "parse_json", "parse_yaml",
           "read_text", "validate"]


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def validate(data: Any, schema_name: str, *, source: str, root_node: yaml.Node | None = None,
             line_offset: int = 0) -> None:
    """Raise UsageError for the first (most relevant) schema error, with file:line.

    The words are schema_errors' plain ones, which name the field and what it must be but
    never repeat the value found there: the file may not be what the user meant to pass.
    """
    problem = best_problem(data, load_schema(schema_name), source=source, root=root_node, line_offset=line_offset)
    if problem is not None:
        where = f"{source}:{problem.line}" if problem.line is not None else source
        raise UsageError(f"{problem.field}: {problem.message}", where=where)


def parse_yaml(text: str, *, source: str, line_offset: int = 0) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text within core.input_limits; any problem becomes a UsageError at its line.

    Only the parser's own words are kept (`problem`), never its snippet of the text: the
    file may hold secrets, and a file that does not parse is not shown back.
    """
    try:
        return load_bounded_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1 + line_offset}" if mark else source
        problem = getattr(exc, "problem", None) or "not YAML"
        raise UsageError(f"invalid YAML: {problem}", where=where) from None


def read_text(path: Path, *, limit: int = MAX_JSON_BYTES) -> str:
    """A data file's text, or one UsageError line: the one error policy for reading data files."""
    data = read_bounded(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(f"not UTF-8 text (byte {exc.start})", where=f"{path}:{line}") from None


def load_yaml_document(path: Path, schema_name: str | None = None) -> tuple[Any, yaml.Node | None]:
    """Read, parse and (optionally) validate one YAML file; the node tree is kept for line numbers."""
    source = str(path)
    data, node = parse_yaml(read_text(path), source=source)
    if schema_name:
        validate(data, schema_name, source=source, root_node=node)
    return data, node


def load_yaml(path: Path, schema_name: str | None = None) -> Any:
    """Read, parse and (optionally) validate one YAML file."""
    return load_yaml_document(path, schema_name)[0]


def parse_json(text: str, *, source: str) -> Any:
    """Parse JSON text within core.input_limits; any problem is a UsageError at its line."""
    try:
        return load_bounded_json(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"invalid JSON: {exc.msg}", where=f"{source}:{exc.lineno}") from None
    except JSONLimitError as exc:
        raise UsageError(f"invalid JSON: {exc}", where=f"{source}:{exc.line}" if exc.line else source) from None


def load_json(path: Path, schema_name: str | None = None) -> Any:
    source = str(path)
    data = parse_json(read_text(path), source=source)
    if schema_name:
        validate(data, schema_name, source=source)
    return data
