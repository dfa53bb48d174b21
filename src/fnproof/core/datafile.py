"""Load YAML and JSON data files, validate them by JSON Schema, and point at the bad line.

jsonschema reports where in the data an error is (a path of keys); the YAML composer
knows where each node came from. Joining the two gives the `file:line: field: problem`
line users need to fix a contract, checklist or prompt front matter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from fnproof.core.errors import UsageError
from fnproof.core.paths import schema_path
from fnproof.core.yaml_lines import node_line


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def _field(path: Iterable[Any]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "(top level)"


def validate(data: Any, schema_name: str, *, source: str, root_node: yaml.Node | None = None,
             line_offset: int = 0) -> None:
    """Raise UsageError for the first (most relevant) schema error, with file:line."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    line = node_line(root_node, error.absolute_path)
    where = f"{source}:{line + line_offset}" if line is not None else source
    raise UsageError(f"{_field(error.absolute_path)}: {error.message}", where=where)


def parse_yaml(text: str, *, source: str, line_offset: int = 0) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text; a syntax error becomes a UsageError at its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1 + line_offset}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"invalid YAML: {problem}", where=where) from None
    return data, node


def read_text(path: Path) -> str:
    """A data file's text, or one UsageError line: the one error policy for reading data files."""
    source = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("no such file", where=source) from None
    except IsADirectoryError:
        raise UsageError("is a folder, not a file", where=source) from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"not UTF-8 text (byte {exc.start})", where=source) from None
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc.__class__.__name__}", where=source) from None


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


def load_json(path: Path, schema_name: str | None = None) -> Any:
    source = str(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"invalid JSON: {exc.msg}", where=f"{source}:{exc.lineno}") from None
    if schema_name:
        validate(data, schema_name, source=source)
    return data
