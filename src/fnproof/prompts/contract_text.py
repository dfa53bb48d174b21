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
from urllib.parse import quote_plus

from fnproof.core.contract import UNIQUE_PLACEHOLDER, Contract, ExpectedAnswer
from fnproof.core.paths import data_root

EXAMPLE_PII = "person@example.com"
EXAMPLE_UNIQUE = "3f9a1c27"  # what a fresh per-request value looks like in an example

SITUATION_TEXT = {
    "accepted": "a new, validly signed delivery",
    "duplicate": "a delivery of an event already received (a redelivery)",
    "store_unavailable": "the store cannot be reached (an outage, a network fault)",
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


WEBHOOK_TEXT = {  # the same situations, as a receiver of signed deliveries meets them
    "unauthorized": "signature missing, malformed, made with another secret or over another body, or too old",
    "invalid_json": "validly signed, but the body is not JSON",
    "invalid_body": "validly signed JSON that is not a valid event",
}


def situation_text(contract: Contract, name: str) -> str:
    if contract.kind == "webhook" and name in WEBHOOK_TEXT:
        return WEBHOOK_TEXT[name]
    if name == "key_missing" and contract.key.pointer:
        return f"key missing from the body at {contract.key.pointer}, or empty"
    return SITUATION_TEXT.get(name, name)


def error_body(contract: Contract, code_value: str) -> str:
    return json.dumps(_nest(contract.error_pointer or "/error", code_value))


def source_name(contract: Contract) -> str:
    """The contract's path relative to the kit's data root (stable in a clone and a wheel)."""
    try:
        return Path(contract.source).resolve().relative_to(data_root()).as_posix()
    except ValueError:
        return contract.source


def check_option(contract: Contract) -> str:
    """` --contract FILE` for `fnproof check`, or nothing for the kit's own (default) contract."""
    try:
        Path(contract.source).resolve().relative_to(data_root())
    except ValueError:
        return f" --contract {contract.source}"
    return "" if Path(contract.source).name == "orders.yaml" else f" --contract {source_name(contract)}"


def situations(contract: Contract, only: Iterable[str] | None) -> list[tuple[str, tuple[ExpectedAnswer, ...]]]:
    wanted = list(only) if only is not None else None
    return [(name, outcomes) for name, outcomes in contract.situations.items()
            if wanted is None or name in wanted]


def table(contract: Contract, only: Iterable[str] | None) -> str:
    if contract.kind == "webhook":
        return _webhook_table(contract, only)
    ptr = code(contract.error_pointer or "")
    rows = [f"| situation | respond with (status, then the code at {ptr}) |", "|---|---|"]
    accepted = " or ".join(str(s) for s in contract.accepted_status)
    rows.append(f"| a new, valid request | {accepted}, the created resource (see above) |")
    replay = " or ".join(str(s) for s in contract.replay_status)
    rows.append(f"| same key, same payload (a replay) | {replay}, a body equal to the first response's body |")
    for name, outcomes in situations(contract, only):
        cell = ", or ".join(outcome_text(o) for o in outcomes)
        rows.append(f"| {situation_text(contract, name)} | {cell} |")
    return "\n".join(rows)


def _webhook_table(contract: Contract, only: Iterable[str] | None) -> str:
    pointer = contract.error_pointer
    head = f"respond with (status, then the code at {code(pointer)})" if pointer else "respond with (status)"
    rows = [f"| situation | {head} |", "|---|---|"]
    for name, outcomes in situations(contract, only):
        cell = ", or ".join(outcome_text(o) if o.code else f"{o.status}" for o in outcomes)
        rows.append(f"| {situation_text(contract, name)} | {cell} |")
    return "\n".join(rows)


def _case_note() -> str:
    return (" Header names are case-insensitive (HTTP API 2.0 events lower-case them; REST API 1.0 events keep"
            " the client's case), so look them up case-insensitively.")


def signature_text(contract: Contract) -> str:
    """The signature scheme in words a person (and Claude) can implement exactly."""
    s = contract.signature
    if s is None:
        return ""
    signed = s.payload.replace("{body}", "<raw body>").replace("{t}", "<timestamp>").replace("{id}", "<event id>")
    if s.layout == "stripe":
        header = f"{code(s.header)}: `t=<timestamp>,v1=<signature>` (several `v1=` entries while a secret rotates)"
    elif s.layout == "standard-webhooks":
        header = f"{code(s.header)}: space-separated `v1,<signature>` entries (several while a secret rotates)"
    else:
        header = f"{code(s.header)}: {code(s.prefix + '<signature>')}"
    if s.secret_format == "whsec-base64":
        key = f"the base64-decoded part of the {code(s.secret_env)} value after `whsec_`"
    else:
        key = f"the {code(s.secret_env)} value as UTF-8 text"
    lines = [f"- Signature ({s.name}): {header}; the signature is the HMAC-{s.algorithm.upper()} of the exact bytes"
             f" {code(signed)}, {'lower-case hex' if s.encoding == 'hex' else 'base64'}, keyed with {key}."
             " Verify it over the raw body as received (decode base64 first when the event says so), before"
             " parsing anything, in constant time; never over re-serialised JSON."]
    if s.timestamp_header or s.layout == "stripe":
        where = code(s.timestamp_header) if s.timestamp_header else "the `t=` field"
        ahead = " or more than that ahead" if s.rejects_future else ""
        lines.append(f"- Timestamp: {where}, Unix seconds; refuse a delivery signed more than {s.tolerance_s or 300} s"
                     f" ago{ahead}, as a bad signature.")
    if s.several:
        lines.append("- Try every signature in the header; any valid one accepts the delivery.")
    return "\n".join(lines)


def request(contract: Contract, only: Iterable[str] | None) -> str:
    body = json.loads(contract.body(0, pii=EXAMPLE_PII).decode().replace(UNIQUE_PLACEHOLDER, EXAMPLE_UNIQUE))
    lines = [
        f"- Route: {code(f'{contract.method} {contract.path}')}; every other path or method is answered"
        " as the table below says.",
    ]
    if contract.kind == "webhook":
        where = f"the {code(contract.key.header)} header" if contract.key.header else \
            f"the body's {code(contract.key.pointer or '')}"
        lines.append(f"- Event id: {where}; a redelivery of the same event carries the same id."
                     + (_case_note() if contract.key.header else ""))
    elif contract.key.header:
        lines.append(f"- Idempotency key: the {code(contract.key.header)} request header, required on every request."
                     + _case_note())
    else:
        lines.append(f"- Idempotency key: the body's {code(contract.key.pointer or '')}, required on every request.")
    wanted = set(only) if only is not None else None
    if contract.auth_header and (wanted is None or "unauthorized" in wanted):
        lines.append(f"- Secret: the {code(contract.auth_header)} header must equal the {code(contract.auth_env or '')}"
                     " environment value, compared in constant time, checked before any key lookup or body parsing.")
    if contract.signature and (wanted is None or "unauthorized" in wanted):
        lines.append(signature_text(contract))
    if contract.headers:
        carried = ", ".join(f"{code(k)}: {code(v)}" for k, v in contract.headers)
        lines.append(f"- Every request also carries {carried}.")
    lines.append(f"- A valid body, for example: {code(json.dumps(body))}. Fields not named here are allowed"
                 " and ignored.")
    if contract.personal_data:
        pointers = ", ".join(code(p) for p in contract.personal_data)
        lines.append(f"- Personal data (never logged, never in fixtures with real values): {pointers}.")
    return "\n".join(lines)


def responses(contract: Contract) -> str:
    if contract.kind == "webhook":
        return _webhook_responses(contract)
    accepted = " or ".join(str(s) for s in contract.accepted_status)
    fields = ", ".join(f"{code(p)} = {code(json.dumps(v))}" for p, v in contract.accepted_fields)
    echo = ", ".join(code(p) for p in contract.echo)
    parts = [f"a non-empty string id at {code(contract.id_pointer or '')}"]
    if fields:
        parts.append(fields)
    if echo:
        parts.append(f"{echo} echoed from the request")
    lines = [f"- Accepted: status {accepted}, a JSON body with {'; '.join(parts)}."]
    replay = " or ".join(str(s) for s in contract.replay_status)
    extras = ", ".join(f"{code(p)} = {code(json.dumps(v))}" for p, v in contract.replay_extras)
    lines.append(f"- Replay (same key, same payload): status {replay} and the first response's body again"
                 + (f"; it may add {extras}." if extras else "."))
    lines.append(_errors_line(contract))
    lines.append("- Every response has a JSON body and a `content-type` of `application/json`"
                 " (or `application/problem+json`). No input may produce a 5xx, a thrown error, a crash or a hang.")
    return "\n".join(lines)


def _errors_line(contract: Contract) -> str:
    sample = next((o.code for outs in contract.situations.values() for o in outs if o.code), "some_code")
    return (f"- Errors: a JSON body whose machine-readable code sits at the JSON pointer"
            f" {code(contract.error_pointer or '')}, e.g. {code(error_body(contract, sample))}; other fields are free.")


ACK_TEXT = {"any": "with or without a body", "json": "with a JSON body", "empty": "with an empty body"}


def _webhook_responses(contract: Contract) -> str:
    acks = sorted({a.status for name in ("accepted", "duplicate") for a in contract.situation(name) or ()})
    lines = [f"- Acknowledge with {' or '.join(map(str, acks))}, {ACK_TEXT[contract.ack_body]}, as soon as the"
             " delivery is recorded: providers time out within seconds and retry anything that is not a 2xx."]
    if contract.error_pointer:
        lines.append(_errors_line(contract))
    lines.append("- No input may produce a thrown error, a crash or a hang, nor a 5xx except the store-unavailable"
                 " answer below.")
    return "\n".join(lines)


def messages(contract: Contract) -> str:
    """A queue consumer's messages: the event, the dedup key, a valid body, what is personal."""
    body = json.loads(contract.body(0, pii=EXAMPLE_PII).decode().replace(UNIQUE_PLACEHOLDER, EXAMPLE_UNIQUE))
    lines = ["- Event: an SQS batch, `event.Records`; each record carries `messageId`, `receiptHandle`, `body` (a"
             " string), `attributes` (`ApproximateReceiveCount`, `SentTimestamp`, ...), `messageAttributes`,"
             " `md5OfBody`, `eventSource` (`aws:sqs`), `eventSourceARN` and `awsRegion`."]
    if contract.key.message_id:
        lines.append("- Dedup key: the record's `messageId`; a redelivery of the same message carries the same one.")
    else:
        lines.append(f"- Dedup key: the body's {code(contract.key.pointer or '')}, in every valid message. A"
                     " redelivery keeps its `messageId`; a producer's retried send gets a new one with the same"
                     " body, so the key, not the `messageId`, says two messages are the same.")
    lines.append(f"- A valid body, for example: {code(json.dumps(body))}. Fields not named here are allowed"
                 " and ignored.")
    if contract.message_attributes:
        carried = ", ".join(f"{code(k)}: {code(v)}" for k, v in contract.message_attributes)
        lines.append(f"- Every message also carries the String message attributes {carried}.")
    if contract.personal_data:
        pointers = ", ".join(code(p) for p in contract.personal_data)
        lines.append(f"- Personal data (never logged, never in fixtures with real values): {pointers}.")
    return "\n".join(lines)


def imports(contract: Contract) -> str:
    """An import entry point's objects, keys, limit and jobs, in words the handler can follow."""
    files, jobs = contract.files, contract.jobs
    if files is None or jobs is None:
        return ""
    key = files.keys[-1].replace(UNIQUE_PLACEHOLDER, EXAMPLE_UNIQUE)
    sample = files.valid[0].replace("{pii}", EXAMPLE_PII)
    lines = ["- Event: an S3 notification, `event.Records`; each record's `s3.bucket.name`, `s3.object.key`,"
             " `s3.object.size`, `s3.object.versionId` and `eventName` (`ObjectCreated:Put`). The bucket is versioned.",
             f"- Keys arrive URL-encoded, as S3 sends them: {code(key)} arrives as {code(quote_plus(key, safe='/'))}"
             " (a space as `+`, a plus as `%2B`, other bytes of UTF-8 percent-encoded). Decode before any use"
             " (Python `urllib.parse.unquote_plus`; JavaScript `decodeURIComponent(key.replace(/\\+/g, ' '))`).",
             "- Keys the suite uses: "
             + ", ".join(code(k.replace(UNIQUE_PLACEHOLDER, EXAMPLE_UNIQUE)) for k in files.keys) + ".",
             f"- A valid file, for example (as a JSON string, `\\n` ending each line):"
             f" {code(json.dumps(sample))}.",
             "- Invalid files, each to get a job with the rejected status (never an exception): "
             + "; ".join(f"{code(json.dumps(i.text))} ({i.why})" for i in files.invalid) + ".",
             f"- Size limit: {files.max_bytes} bytes. Read the size first (the event's `size`, or HeadObject's"
             " `ContentLength` for that version); a larger object gets a rejected job and is never downloaded whole.",
             f"- Jobs: one item per object version in the DynamoDB table named by {code(jobs.table_env)}, with the"
             f" decoded key in {code(jobs.key_attribute)}, the version id in {code(jobs.version_attribute)}, and"
             f" {code(jobs.status_attribute)} = {code(jobs.accepted)} or {code(jobs.rejected)}. Claim it with a"
             " conditional write on a key made of bucket, key and version id: S3 may notify twice, and Lambda"
             " retries an asynchronous invocation. The suite reads these items per version id.",
             "- An object that no longer exists (deleted before the function ran): log it, record no job, raise"
             " nothing."]
    if files.personal_columns:
        lines.append("- Personal data (never logged, never in fixtures with real values): the columns "
                     + ", ".join(code(c) for c in files.personal_columns) + ".")
    return "\n".join(lines)


def effects(contract: Contract) -> str:
    """Where a webhook's (or queue consumer's) effects land: what the suite counts, per event id or key."""
    e = contract.effects
    if e is None:
        return ""
    if contract.kind == "sqs":
        key = "its `messageId`" if contract.key.message_id else f"the value at {code(contract.key.pointer or '')}"
        return (f"- Record each message exactly once: one item in the DynamoDB table named by {code(e.table_env)},"
                f" with the message's dedup key ({key}) in {code(e.attribute)}. Claim it with a conditional write"
                " (`attribute_not_exists`), never read-then-write: the queue may hand one message to several"
                " environments at once. The suite counts these items per key.")
    return (f"- Record each event exactly once: one item in the DynamoDB table named by {code(e.table_env)}"
            f" (Lambda), or one row in the D1 table {code(e.d1_table or '(set effects.d1_table)')} (Workers), with"
            f" the event id in {code(e.attribute)}. Claim it with a conditional write (`attribute_not_exists`, or"
            " `INSERT ... ON CONFLICT DO NOTHING` on a key), never read-then-write: a provider may deliver the same"
            " event to several environments at once. The suite counts these items per event id.")


def _poison(contract: Contract) -> str:
    lines = ["- Poison messages, each to be reported in `batchItemFailures` by its `messageId` and never thrown:"
             " bodies that are not JSON (" + ", ".join(code(b) for b in contract.invalid_json_bodies) + ")"]
    if contract.invalid_bodies:
        lines[0] += ", and JSON that is not a valid message (" + \
            ", ".join(code(b.text) for b in contract.invalid_bodies) + ")"
    lines[0] += "; also JSON scalars (`null`, `42`), a blank body" + \
        (", and a valid body without its dedup key." if contract.key.pointer else ".")
    return "\n".join(lines)


def examples(contract: Contract, only: Iterable[str] | None) -> str:
    if contract.kind == "sqs":
        return _poison(contract)
    codes = {name: outs for name, outs in contract.situations.items()}
    lines = []
    if only is None or "invalid_json" in only:
        said = ", ".join(outcome_text(o) for o in codes.get("invalid_json", ()))
        lines.append(f"- Not JSON ({said}): " + ", ".join(code(b) for b in contract.invalid_json_bodies) + ".")
    if only is None or "invalid_body" in only:
        said = ", ".join(outcome_text(o) for o in codes.get("invalid_body", ()))
        what = "a valid event" if contract.kind == "webhook" else "a valid request"
        lines.append(f"- JSON, but not {what} ({said}): "
                     + ", ".join(code(b.text) for b in contract.invalid_bodies) + ".")
    if contract.unknown_paths:
        lines.append("- Other paths: " + ", ".join(code(p) for p in contract.unknown_paths) + ".")
    if contract.other_methods:
        lines.append(f"- Other methods on {code(contract.path)}: "
                     + ", ".join(code(m) for m in contract.other_methods) + ".")
    return "\n".join(lines)


def env(contract: Contract) -> str:
    what = {"webhook": "the events table's name", "sqs": "the table of processed messages' name",
            "s3-import": "the import jobs table's name"}.get(contract.kind, "the idempotency table's name")
    lines = [f"- {code(contract.table_env)}: {what} (Lambda: a DynamoDB table whose partition"
             f" key is {code(contract.partition_key)}, a string). Read it from the environment; never hard-code it."]
    if contract.effects and contract.effects.table_env != contract.table_env:
        lines.append(f"- {code(contract.effects.table_env)}: the table the function records each"
                     f" {'message' if contract.kind == 'sqs' else 'event'} in.")
    if contract.auth:
        lines.append(f"- {code(contract.auth.env)}: the shared secret (a secret, not config: Secrets Manager,"
                     " Parameter Store or a Worker secret in deployment; a placeholder in fixtures).")
    elif contract.signature:
        lines.append(f"- {code(contract.signature.secret_env)}: the signing secret (a secret, not config: Secrets"
                     " Manager, Parameter Store or a Worker secret in deployment; a placeholder in fixtures).")
    lines.append("- The store's endpoint and region come from the platform (`AWS_ENDPOINT_URL_DYNAMODB`,"
                 " `AWS_DEFAULT_REGION` locally); pass nothing explicit to the SDK client.")
    if contract.kind == "s3-import":
        lines.append("- The bucket comes from each event record; S3's endpoint from the platform"
                     " (`AWS_ENDPOINT_URL_S3` locally). Keep the SDK's default addressing.")
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
        "key_header": lambda: contract.key_header or "",
        "auth_header": lambda: contract.auth_header or "",
        "auth_env": lambda: contract.auth_env or "",
        "error_pointer": lambda: contract.error_pointer or "",
        "id_pointer": lambda: contract.id_pointer or "",
        "table_env": lambda: contract.table_env,
        "partition_key": lambda: contract.partition_key,
        "request": lambda: request(contract, only),
        "responses": lambda: responses(contract),
        "table": lambda: table(contract, only),
        "examples": lambda: examples(contract, only),
        "env": lambda: env(contract),
        "kind": lambda: contract.kind,
        "resource": lambda: contract.resource,
        "effects": lambda: effects(contract),
        "messages": lambda: messages(contract),
        "imports": lambda: imports(contract),
        "signature": lambda: signature_text(contract),
        "secret_env": lambda: contract.secret_env,
        "event_id": lambda: contract.key.describe(),
        "check_option": lambda: check_option(contract),
    }
    for name, answers in contract.situations.items():  # contract.code.key_reused, contract.status.key_reused
        values[f"code.{name}"] = partial(_first_code, answers)
        values[f"status.{name}"] = partial(_statuses, answers)
    return values


def _first_code(answers: tuple[ExpectedAnswer, ...]) -> str:
    return next((a.code for a in answers if a.code), "")


def _statuses(answers: tuple[ExpectedAnswer, ...]) -> str:
    return " or ".join(str(a.status) for a in answers)
