"""A contract that fits the schema can still contradict itself; this finds how, in plain words.

Each rule reads the parsed file (after the schema passed) and says what is wrong at the line
of the key that is wrong: a 204 that must carry a resource id, the route's own method among
the "other" methods, a code with no error pointer to find it at, a pointer into the body
that addresses nothing, a signed payload that names a timestamp the scheme never sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from fnproof.core.schema_errors import Problem
from fnproof.core.yaml_lines import node_line

NO_BODY_STATUSES = {204, 205, 304}
Found = Iterator[tuple[tuple[Any, ...], str]]  # (path in the file, what is wrong there)


def _resolves(document: Any, pointer: str) -> bool:
    from fnproof.core.contract import resolve_pointer

    return resolve_pointer(document, pointer, None) is not None


_MISSING = object()


def _value(document: Any, pointer: str) -> Any:
    from fnproof.core.contract import resolve_pointer

    return resolve_pointer(document, pointer, _MISSING)


def _parent_is_object(document: Any, pointer: str) -> bool:
    from fnproof.core.contract import resolve_pointer

    parent = pointer.rsplit("/", 1)[0]
    return isinstance(resolve_pointer(document, parent, None) if parent else document, dict)


def _pointers_address_the_body(data: dict[str, Any]) -> Found:
    if not data.get("valid_bodies"):
        return
    first = data["valid_bodies"][0]
    for index, pointer in enumerate(data.get("personal_data") or ()):
        if not _resolves(first, pointer):
            yield ("personal_data", index), f"{pointer} addresses nothing in valid_bodies[0]"
            continue
        for number, body in enumerate(data["valid_bodies"]):
            # The suite plants its personal-data canary where the contract writes {pii}, then
            # looks for it in the logs: a real-looking value there would leave the log check blind.
            if _value(body, pointer) not in (_MISSING, "{pii}"):
                yield ("personal_data", index), (f"{pointer} must hold \"{{pii}}\" in valid_bodies[{number}], where "
                                                 "the suite puts personal data it then looks for in the logs")
                break
    for index, pointer in enumerate((data.get("accepted") or {}).get("echo") or ()):
        if not _resolves(first, pointer):
            yield ("accepted", "echo", index), f"{pointer} addresses nothing in valid_bodies[0]"
    dedup = data.get("dedup_key")
    place = data.get("event_id") or data.get("key") or (dedup if isinstance(dedup, dict) else {})
    if "pointer" in place:
        field = "event_id" if "event_id" in data else "dedup_key" if "dedup_key" in data else "key"
        for index, body in enumerate(data["valid_bodies"]):
            if not _parent_is_object(body, place["pointer"]):
                yield (field, "pointer"), (f"{place['pointer']} must sit inside an object of valid_bodies[{index}]; "
                                           "the suite writes a fresh value there for every request")


def _other_methods_are_other(data: dict[str, Any]) -> Found:
    if "route" not in data:
        return
    method = data["route"]["method"]
    for index, other in enumerate(data.get("other_methods") or ()):
        if other == method:
            yield ("other_methods", index), f"{other} is the route's own method; list only methods the route refuses"


def _accepted_has_room_for_the_body(data: dict[str, Any]) -> Found:
    if data.get("kind") in ("sqs", "s3-import"):
        return
    if data.get("kind") == "webhook":
        body = (data.get("acknowledgement") or {}).get("body", "any")
        if body in ("json",):
            for answer in _answers(data["situations"].get("accepted")):
                if answer["status"] in NO_BODY_STATUSES:
                    yield (("situations", "accepted"),
                           f"{answer['status']} carries no body, but acknowledgement.body says json")
        for name in ("accepted", "duplicate"):
            for answer in _answers(data["situations"].get(name)):
                if not 200 <= answer["status"] < 300:
                    yield ("situations", name), f"{answer['status']} is not a 2xx; a provider retries anything else"
        return
    for key in ("accepted", "replay"):
        for status in data[key]["status"]:
            if status in NO_BODY_STATUSES:
                yield ((key, "status"),
                       f"{status} carries no body, but resource_id {data['resource_id']} must be in it; use 200, 201 "
                       "or 202, or describe the function as another kind")


def _codes_have_a_pointer(data: dict[str, Any]) -> Found:
    if data.get("error_code"):
        return
    for name, value in (data.get("situations") or {}).items():
        if any("code" in answer for answer in _answers(value)):
            yield ("situations", name), "gives a code, but the contract has no error_code pointer to find it at"


def _one_way_to_authenticate(data: dict[str, Any]) -> Found:
    if data.get("auth") and data.get("signature"):
        yield ("signature",), "give auth (a shared-secret header) or signature (an HMAC), not both"
    wants = "unauthorized" in (data.get("situations") or {})
    if wants and not (data.get("auth") or data.get("signature")):
        yield ("situations", "unauthorized"), "has an answer, but the contract names no auth or signature"
    secret = "auth" if data.get("auth") else "signature" if data.get("signature") else None
    if secret and not wants and "situations" in data:
        # Without that answer the auth checks are skipped, and a handler given a secret is never
        # shown to refuse a request without it.
        yield (secret,), "names a secret, but situations has no unauthorized answer to check its refusal against"


def _signature_is_complete(data: dict[str, Any]) -> Found:
    raw = data.get("signature")
    if not raw:
        return
    from fnproof.core.contract import signature_presets

    fields = {**(signature_presets()[raw["preset"]] if raw.get("preset") else {}), **raw}
    if "header" not in fields:
        yield ("signature",), "name a preset (github, stripe, standard-webhooks, slack, shopify) or a header"
        return
    payload = fields.get("payload", "{body}")
    layout = fields.get("layout", "value")
    if "{t}" in payload and layout != "stripe" and not fields.get("timestamp_header"):
        yield ("signature", "payload"), "signs a timestamp {t}, but the scheme names no timestamp_header"
    if "{t}" not in payload and fields.get("tolerance_s"):
        yield ("signature", "tolerance_s"), "a tolerance needs a timestamp in the signed payload ({t})"
    if fields.get("several") and layout == "value":
        yield ("signature", "several"), ("a value layout carries one signature; several needs the stripe or "
                                         "standard-webhooks layout")
    if "{id}" in payload and not data.get("event_id"):
        yield ("signature", "payload"), "signs the event id {id}, but the contract names no event_id"


def _invalid_bodies_pair_with_their_answer(data: dict[str, Any]) -> Found:
    if data.get("kind") in ("sqs", "s3-import"):  # no answers to pair: poison messages, rejected files
        return
    if data.get("invalid_bodies") and "invalid_body" not in data["situations"]:
        yield ("invalid_bodies",), "lists invalid bodies, but situations has no invalid_body answer for them"
    if "invalid_body" in data["situations"] and not data.get("invalid_bodies"):
        yield ("situations", "invalid_body"), "has an answer, but the contract lists no invalid_bodies to send"


def _extra_fields_are_json(data: dict[str, Any]) -> Found:
    for pointer, value in ((data.get("replay") or {}).get("extra_fields") or {}).items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            yield ("replay", "extra_fields", pointer), "must be a JSON value"


def _answers(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _files_fit_their_limit(data: dict[str, Any]) -> Found:
    files = data.get("files")
    if not files:
        return
    for index, text in enumerate(files["valid"]):
        if len(text.encode()) > files["max_bytes"]:
            yield ("files", "valid", index), f"is larger than max_bytes ({files['max_bytes']}); a valid file must fit"
    header = files["valid"][0].splitlines()[0].split(",") if files["valid"][0].strip() else []
    for index, column in enumerate(data.get("personal_columns") or ()):
        if header and column not in header:
            yield ("personal_columns", index), f"{column} is not a column of files.valid[0] ({', '.join(header)})"


RULES: tuple[Callable[[dict[str, Any]], Found], ...] = (
    _pointers_address_the_body, _other_methods_are_other, _accepted_has_room_for_the_body, _codes_have_a_pointer,
    _one_way_to_authenticate, _signature_is_complete, _invalid_bodies_pair_with_their_answer, _extra_fields_are_json,
    _files_fit_their_limit,
)


def consistency_problems(data: dict[str, Any], root: yaml.Node | None, source: str) -> list[Problem]:
    """Every contradiction in a schema-valid contract, each at the line of the key concerned."""
    problems = []
    for rule in RULES:
        for path, words in rule(data):
            line = node_line(root, path, key=True) if root is not None else None
            named = list(path)
            while named and isinstance(named[-1], int):  # the line is the item's; the field is the list
                named.pop()
            field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in named).replace(".[", "[")
            problems.append(Problem(line, field, words, source))
    return sorted(problems, key=lambda p: (p.line or 0, p.field))
