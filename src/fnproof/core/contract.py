"""The endpoint contract as small frozen values, loaded from a validated YAML file.

Checks never name a status, an error code or a field: they ask the contract. That is what
lets a team point the suite at a handler with its own vocabulary (CONTRACT.md §0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fnproof.core.datafile import load_yaml
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path

PII_PLACEHOLDER = "{pii}"
_MISSING = object()


@dataclass(frozen=True, slots=True)
class ExpectedAnswer:
    """One answer the contract allows in a situation: a status, and the code at the error pointer."""

    status: int
    code: str | None = None

    def describe(self, pointer: str) -> str:
        return f"{self.status} with {pointer} = {self.code!r}" if self.code else f"{self.status}"


@dataclass(frozen=True, slots=True)
class InvalidBody:
    text: str
    why: str


@dataclass(frozen=True, slots=True)
class Contract:
    name: str
    source: str
    method: str
    path: str
    key_header: str
    auth_header: str | None
    auth_env: str | None
    error_pointer: str
    id_pointer: str
    valid_bodies: tuple[str, ...]  # JSON text, may hold the PII placeholder
    reuse_body: str
    personal_data: tuple[str, ...]
    invalid_json_bodies: tuple[str, ...]
    invalid_bodies: tuple[InvalidBody, ...]
    unknown_paths: tuple[str, ...]
    other_methods: tuple[str, ...]
    accepted_status: tuple[int, ...]
    accepted_fields: tuple[tuple[str, Any], ...]
    echo: tuple[str, ...]
    replay_status: tuple[int, ...]
    replay_extras: tuple[tuple[str, Any], ...]
    situations: dict[str, tuple[ExpectedAnswer, ...]]
    table_env: str
    partition_key: str

    def situation(self, name: str) -> tuple[ExpectedAnswer, ...] | None:
        return self.situations.get(name)

    def body(self, index: int = 0, *, pii: str) -> bytes:
        return self.valid_bodies[index].replace(PII_PLACEHOLDER, pii).encode()

    def reuse(self, *, pii: str) -> bytes:
        return self.reuse_body.replace(PII_PLACEHOLDER, pii).encode()


def _answers(value: Any) -> tuple[ExpectedAnswer, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(ExpectedAnswer(status=i["status"], code=i.get("code")) for i in items)


def resolve_pointer(document: Any, pointer: str, default: Any = _MISSING) -> Any:
    """RFC 6901 lookup; returns `default` (or raises KeyError) when a step is missing."""
    node = document
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            if default is _MISSING:
                raise KeyError(pointer)
            return default
    return node


def _check_pointers(data: dict[str, Any], source: str) -> None:
    """The PII and echo pointers must address something in the first valid body."""
    first = data["valid_bodies"][0]
    for field in ("personal_data", "echo"):
        pointers = data.get(field) or data.get("accepted", {}).get(field) or []
        for pointer in pointers:
            if resolve_pointer(first, pointer, None) is None:
                raise UsageError(f"{field}: {pointer} addresses nothing in valid_bodies[0]", where=source)


def default_contract_path() -> Path:
    return data_path("conformance", "contracts", "orders.yaml")


def load_contract(path: Path | None = None) -> Contract:
    path = path or default_contract_path()
    data = load_yaml(path, "contract.schema.json")
    source = str(path)
    _check_pointers(data, source)
    auth = data.get("auth") or {}
    store = data.get("store") or {}
    accepted = data["accepted"]
    return Contract(
        name=data["name"],
        source=source,
        method=data["route"]["method"],
        path=data["route"]["path"],
        key_header=data["key_header"],
        auth_header=auth.get("header"),
        auth_env=auth.get("env"),
        error_pointer=data["error_code"],
        id_pointer=data["resource_id"],
        valid_bodies=tuple(json.dumps(b) for b in data["valid_bodies"]),
        reuse_body=json.dumps(data["reuse_body"]),
        personal_data=tuple(data.get("personal_data") or ()),
        invalid_json_bodies=tuple(data["invalid_json_bodies"]),
        invalid_bodies=tuple(
            InvalidBody(text=i["raw"] if "raw" in i else json.dumps(i["json"]),
                        why=i.get("why") or ("raw " + i["raw"] if "raw" in i else json.dumps(i["json"])))
            for i in data["invalid_bodies"]
        ),
        unknown_paths=tuple(data.get("unknown_paths") or ()),
        other_methods=tuple(data.get("other_methods") or ()),
        accepted_status=tuple(accepted["status"]),
        accepted_fields=tuple((accepted.get("fields") or {}).items()),
        echo=tuple(accepted.get("echo") or ()),
        replay_status=tuple(data["replay"]["status"]),
        replay_extras=tuple((data["replay"].get("extra_fields") or {}).items()),
        situations={name: _answers(value) for name, value in data["situations"].items()},
        table_env=store.get("table_env", "IDEMPOTENCY_TABLE"),
        partition_key=store.get("partition_key", "pk"),
    )
