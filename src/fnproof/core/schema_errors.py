"""JSON Schema errors in plain words, each at its own file:line.

jsonschema states the local fact in its own terms ("does not match '^(/[^/]*)+$'", "'x' is
a required property", Python type names). A person fixing a contract needs the field, the
line and what would be right: a schema node may carry `x-message` for that; otherwise the
words below say it. Unknown keys point at their own line and suggest the nearest known key.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import jsonschema
import yaml

from fnproof.core.yaml_lines import node_line

_TYPE_WORDS = {"object": "a mapping (key: value)", "array": "a list", "string": "text", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "empty (null)"}


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a data file; `str()` is the line a person reads."""

    line: int | None
    field: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.field}: {self.message}" if where else f"{self.field}: {self.message}"


def field_name(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "(top level)"


def _words(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _nearest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _walk(node: Any, path: Any) -> Any:
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) else None
    return node


def _forbidden_keys(error: jsonschema.ValidationError, data: Any, schema: Any) -> list[list[Any]]:
    """The keys a `false` subschema rules out: jsonschema names the `properties` keyword, not the key."""
    where = list(error.absolute_schema_path)
    if not where or where[-1] != "properties":
        return [list(error.absolute_path)]
    properties: Any = _walk(schema, where) or {}
    parent: Any = _walk(data, list(error.absolute_path)) or {}
    keys = [key for key, rule in properties.items() if rule is False and isinstance(parent, dict) and key in parent]
    return [[*error.absolute_path, key] for key in keys] or [list(error.absolute_path)]


def _explain(error: jsonschema.ValidationError, forbidden: str, data: Any = None,
             root_schema: Any = None) -> list[tuple[list[Any], str]]:
    """(path, words) for one error; an error about several keys becomes one entry per key."""
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = schema.get("x-message")
    kind = error.validator
    value: Any = error.validator_value
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        return [(path + [key], f"unknown key `{key}`{_nearest(str(key), known)}") for key in extra]
    if error.schema is False:
        return [(key, f"does not belong in {forbidden}") for key in _forbidden_keys(error, data, root_schema)]
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
        return [(path, f"`{missing}` is missing")]
    if hint:
        return [(path, hint)]
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return [(path, "must be " + " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted))]
    if kind == "enum":
        choices = [_words(v) for v in value]
        near = _nearest(str(error.instance), choices) if isinstance(error.instance, str) else ""
        return [(path, f"must be one of {', '.join(choices)}{near}")]
    if kind == "const":
        return [(path, f"must be {_words(error.validator_value)}")]
    if kind in ("minItems", "minProperties"):
        n = error.validator_value
        return [(path, f"needs at least {n} {'item' if kind == 'minItems' else 'key'}{'s' if n != 1 else ''}")]
    if kind in ("maxItems", "maxProperties"):
        return [(path, f"takes at most {error.validator_value}")]
    if kind == "minLength":
        n = error.validator_value
        return [(path, "must not be empty" if n == 1 else f"needs {n} characters")]
    if kind in ("minimum", "maximum"):
        return [(path, f"must be {'at least' if kind == 'minimum' else 'at most'} {error.validator_value}")]
    if kind == "pattern":
        return [(path, "does not have the expected form")]
    if kind == "uniqueItems":
        return [(path, "lists something twice")]
    if kind in ("oneOf", "anyOf"):
        return [(path, "does not match any of the allowed forms")]
    # jsonschema's own message repeats the value it found, and the file may not be the one
    # the user meant to pass (or may hold a secret): name the rule, not the value.
    return [(path, f"breaks the schema's `{kind}` rule")]


def schema_problems(data: Any, schema: dict[str, Any], *, source: str, root: yaml.Node | None = None,
                    line_offset: int = 0, forbidden: str = "this file") -> list[Problem]:
    """Every problem the schema finds, in file order, each at its own line.

    `forbidden` names the file in the words for a key the schema rules out there (e.g. "a
    webhook contract").
    """
    validator = jsonschema.Draft202012Validator(schema)
    found: set[Problem] = set()
    for error in validator.iter_errors(data):
        for path, words in _explain(error, forbidden, data, schema):
            # An unknown key's line is its key's line; anything else points at its value.
            line = node_line(root, path, key=True) if root is not None else None
            found.add(Problem(line + line_offset if line is not None else None, field_name(path), words, source))
    return sorted(found, key=lambda p: (p.line if p.line is not None else 0, p.field, p.message))


def best_problem(data: Any, schema: dict[str, Any], *, source: str, root: yaml.Node | None = None,
                 line_offset: int = 0) -> Problem | None:
    """The single most relevant problem (jsonschema's best match), in plain words."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return None
    path, words = _explain(error, "this file")[0]
    line = node_line(root, path, key=False) if root is not None else None
    return Problem(line + line_offset if line is not None else None, field_name(path), words, source)
