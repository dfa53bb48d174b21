"""Render a loaded Contract as Markdown for the prompts: the same values the suite checks.

Nothing here names a route, a status or an error code: every value comes from the
Contract. The only words kept in code are the plain-language names of the situations,
whose set is closed by conformance/schemas/contract.schema.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from fnproof.core.contract import Contract, ExpectedAnswer
from fnproof.core.paths import data_root

EXAMPLE_PII = "person@example.com"

SITUATION_TEXT = {
    "key_missing": "key header missing, or present but empty",
    "invalid_json": "body is not parseable JSON",
    "invalid_body": "body is JSON but not a valid request",
    "empty_body": "empty body",
    "not_found": "any other path",
    "method_not_allowed": "another method on the route",
    "unauthorized": "secret header missing or wrong",
    "key_reused": "same key, different payload",
    "in_progress": "same key while the first request is still in flight",
}


def code(text: str) -> str:
    """A Markdown code span that survives backticks inside the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def outcome_text(outcome: ExpectedAnswer) -> str:
    return f"{outcome.status} {code(outcome.code)}" if outcome.code else f"{outcome.status} (any code)"


def _nest(pointer: str, value: Any) -> Any:
    for part in reversed(pointer.split("/")[1:]):
        value = {part.replace("~1", "/").replace("~0", "~"): value}
    return value


def error_body(contract: Contract, code_value: str) -> str:
    return json.dumps(_nest(contract.error_pointer, code_value))


def source_name(contract: Contract) -> str:
    """The contract's path relative to the kit's data root (stable in a clone and a wheel)."""
    try:
        return Path(contract.source).resolve().relative_to(data_root()).as_posix()
    except ValueError:
        return contract.source


def situations(contract: Contract, only: Iterable[str] | None) -> list[tuple[str, tuple[ExpectedAnswer, ...]]]:
    wanted = list(only) if only is not None else None
    return [(name, outcomes) for name, outcomes in contract.situations.items()
            if wanted is None or name in wanted]


def table(contract: Contract, only: Iterable[str] | None) -> str:
    ptr = code(contract.error_pointer)
    rows = [f"| situation | respond with (status, then the code at {ptr}) |", "|---|---|"]
    accepted = " or ".join(str(s) for s in contract.accepted_status)
    rows.append(f"| a new, valid request | {accepted}, the created resource (see above) |")
    replay = " or ".join(str(s) for s in contract.replay_status)
    rows.append(f"| same key, same payload (a replay) | {replay}, a body equal to the first response's body |")
    for name, outcomes in situations(contract, only):
        cell = ", or ".join(outcome_text(o) for o in outcomes)
        rows.append(f"| {SITUATION_TEXT.get(name, name)} | {cell} |")
    return "\n".join(rows)


def request(contract: Contract, only: Iterable[str] | None) -> str:
    body = json.loads(contract.body(0, pii=EXAMPLE_PII))
    lines = [
        f"- Route: {code(f'{contract.method} {contract.path}')}; every other path or method is answered"
        " as the table below says.",
        f"- Idempotency key: the {code(contract.key_header)} request header, required on every request."
        " Header names are case-insensitive (HTTP API 2.0 events lower-case them; REST API 1.0 events keep"
        " the client's case), so look them up case-insensitively.",
    ]
    wanted = set(only) if only is not None else None
    if contract.auth_header and (wanted is None or "unauthorized" in wanted):
        lines.append(f"- Secret: the {code(contract.auth_header)} header must equal the {code(contract.auth_env or '')}"
                     " environment value, compared in constant time, checked before any key lookup or body parsing.")
    lines.append(f"- A valid body, for example: {code(json.dumps(body))}. Fields not named here are allowed"
                 " and ignored.")
    if contract.personal_data:
        pointers = ", ".join(code(p) for p in contract.personal_data)
        lines.append(f"- Personal data (never logged, never in fixtures with real values): {pointers}.")
    return "\n".join(lines)


def responses(contract: Contract) -> str:
    accepted = " or ".join(str(s) for s in contract.accepted_status)
    fields = ", ".join(f"{code(p)} = {code(json.dumps(v))}" for p, v in contract.accepted_fields)
    echo = ", ".join(code(p) for p in contract.echo)
    parts = [f"a non-empty string id at {code(contract.id_pointer)}"]
    if fields:
        parts.append(fields)
    if echo:
        parts.append(f"{echo} echoed from the request")
    lines = [f"- Accepted: status {accepted}, a JSON body with {'; '.join(parts)}."]
    replay = " or ".join(str(s) for s in contract.replay_status)
    extras = ", ".join(f"{code(p)} = {code(json.dumps(v))}" for p, v in contract.replay_extras)
    lines.append(f"- Replay (same key, same payload): status {replay} and the first response's body again"
                 + (f"; it may add {extras}." if extras else "."))
    sample = next((o.code for outs in contract.situations.values() for o in outs if o.code), "some_code")
    lines.append(f"- Errors: a JSON body whose machine-readable code sits at the JSON pointer"
                 f" {code(contract.error_pointer)}, e.g. {code(error_body(contract, sample))}; other fields are free.")
    lines.append("- Every response has a JSON body and a `content-type` of `application/json`"
                 " (or `application/problem+json`). No input may produce a 5xx, a thrown error, a crash or a hang.")
    return "\n".join(lines)


def examples(contract: Contract, only: Iterable[str] | None) -> str:
    codes = {name: outs for name, outs in contract.situations.items()}
    lines = []
    if only is None or "invalid_json" in only:
        said = ", ".join(outcome_text(o) for o in codes.get("invalid_json", ()))
        lines.append(f"- Not JSON ({said}): " + ", ".join(code(b) for b in contract.invalid_json_bodies) + ".")
    if only is None or "invalid_body" in only:
        said = ", ".join(outcome_text(o) for o in codes.get("invalid_body", ()))
        lines.append(f"- JSON, but not a valid request ({said}): "
                     + ", ".join(code(b.text) for b in contract.invalid_bodies) + ".")
    if contract.unknown_paths:
        lines.append("- Other paths: " + ", ".join(code(p) for p in contract.unknown_paths) + ".")
    if contract.other_methods:
        lines.append(f"- Other methods on {code(contract.path)}: "
                     + ", ".join(code(m) for m in contract.other_methods) + ".")
    return "\n".join(lines)


def env(contract: Contract) -> str:
    lines = [f"- {code(contract.table_env)}: the idempotency table's name (Lambda: a DynamoDB table whose partition"
             f" key is {code(contract.partition_key)}, a string). Read it from the environment; never hard-code it."]
    if contract.auth_env:
        lines.append(f"- {code(contract.auth_env)}: the shared secret (a secret, not config: Secrets Manager,"
                     " Parameter Store or a Worker secret in deployment; a placeholder in fixtures).")
    lines.append("- The store's endpoint and region come from the platform (`AWS_ENDPOINT_URL_DYNAMODB`,"
                 " `AWS_DEFAULT_REGION` locally); pass nothing explicit to the SDK client.")
    return "\n".join(lines)


def fields(contract: Contract, only: Iterable[str] | None) -> dict[str, Callable[[], str]]:
    """Every `contract.X` placeholder, computed on demand."""
    only = list(only) if only is not None else None
    values: dict[str, Callable[[], str]] = {
        "name": lambda: contract.name,
        "source": lambda: source_name(contract),
        "route": lambda: f"{contract.method} {contract.path}",
        "method": lambda: contract.method,
        "path": lambda: contract.path,
        "key_header": lambda: contract.key_header,
        "auth_header": lambda: contract.auth_header or "",
        "auth_env": lambda: contract.auth_env or "",
        "error_pointer": lambda: contract.error_pointer,
        "id_pointer": lambda: contract.id_pointer,
        "table_env": lambda: contract.table_env,
        "partition_key": lambda: contract.partition_key,
        "request": lambda: request(contract, only),
        "responses": lambda: responses(contract),
        "table": lambda: table(contract, only),
        "examples": lambda: examples(contract, only),
        "env": lambda: env(contract),
    }
    for name, answers in contract.situations.items():  # contract.code.key_reused, contract.status.key_reused
        values[f"code.{name}"] = partial(_first_code, answers)
        values[f"status.{name}"] = partial(_statuses, answers)
    return values


def _first_code(answers: tuple[ExpectedAnswer, ...]) -> str:
    return next((a.code for a in answers if a.code), "")


def _statuses(answers: tuple[ExpectedAnswer, ...]) -> str:
    return " or ".join(str(a.status) for a in answers)
