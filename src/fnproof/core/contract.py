"""The function contract as small frozen values, loaded from a validated YAML file.

Checks never name a status, an error code, a header or a field: they ask the contract. That
is what lets a team point the suite at its own function, in its own words (CONTRACT.md §0).
A contract has a kind (`http-idempotent`, `webhook`, `sqs`, `s3-import`): the shape of function it
describes.
The file format is docs/contracts.md; conformance/schemas/contract.schema.json checks it,
and core/contract_rules.py refuses a file that contradicts itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from fnproof.core import defaults
from fnproof.core.datafile import load_yaml, load_yaml_document
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path
from fnproof.core.schema_errors import Problem

Kind = Literal["http-idempotent", "webhook", "sqs", "s3-import"]
KINDS: tuple[Kind, ...] = ("http-idempotent", "webhook", "sqs", "s3-import")
PII_PLACEHOLDER = "{pii}"
UNIQUE_PLACEHOLDER = "{unique}"  # a fresh value per request, written by the suite
_MISSING = object()
# as the names are said: "an HTTP...", "an S-Q-S...", "an S-3..."
_ARTICLE = {"http-idempotent": "an", "sqs": "an", "s3-import": "an"}


@dataclass(frozen=True, slots=True)
class ExpectedAnswer:
    """One answer the contract allows in a situation: a status, and the code at the error pointer."""

    status: int
    code: str | None = None

    def describe(self, pointer: str | None) -> str:
        return f"{self.status} with {pointer} = {self.code!r}" if self.code and pointer else f"{self.status}"


@dataclass(frozen=True, slots=True)
class InvalidBody:
    text: str
    why: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where a per-request value lives: a header, a JSON pointer into the body, or (a queue
    message) its messageId."""

    header: str | None = None
    pointer: str | None = None
    message_id: bool = False

    def describe(self) -> str:
        if self.message_id:
            return "the message's messageId"
        return f"the {self.header} header" if self.header else f"the body at {self.pointer}"


@dataclass(frozen=True, slots=True)
class SharedSecret:
    """A header that must equal an environment value (compared in constant time)."""

    header: str
    env: str


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """An HMAC over the raw body, as a provider sends it (see conformance/signatures.yaml).

    `payload` is the signed text: `{body}` is the raw body, `{t}` the timestamp, `{id}` the
    event id. `layout` says how the header carries signatures: `value` (prefix + one
    signature), `stripe` (`t=...,v1=...`), `standard-webhooks` (space-separated `v1,<sig>`).
    """

    preset: str | None
    header: str
    algorithm: Literal["sha256", "sha1", "sha512"]
    encoding: Literal["hex", "base64"]
    prefix: str
    payload: str
    layout: Literal["value", "stripe", "standard-webhooks"]
    timestamp_header: str | None
    tolerance_s: int | None
    rejects_future: bool
    several: bool
    secret_env: str
    secret_format: Literal["text", "whsec-base64"]

    @property
    def timestamped(self) -> bool:
        return "{t}" in self.payload

    @property
    def name(self) -> str:
        return self.preset or "custom"


@dataclass(frozen=True, slots=True)
class Effects:
    """Where a webhook's (or a queue consumer's) effects land, so checks can count them per
    event id (or dedup key)."""

    attribute: str
    table_env: str
    d1_table: str | None = None
    d1_binding: str | None = None


@dataclass(frozen=True, slots=True)
class Jobs:
    """Where an import entry point records one job per object version, and the words of its status."""

    table_env: str
    key_attribute: str
    version_attribute: str
    status_attribute: str
    accepted: str
    rejected: str


@dataclass(frozen=True, slots=True)
class ImportFiles:
    """The objects the suite puts in the bucket: keys (with {unique}), valid and invalid contents, the limit."""

    keys: tuple[str, ...]
    valid: tuple[str, ...]
    invalid: tuple[InvalidBody, ...]
    max_bytes: int
    personal_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contract:
    kind: Kind
    name: str
    source: str
    description: str
    resource: str  # what an accepted request makes, in the contract's own words
    method: str
    path: str
    key: Place  # the idempotency key (http-idempotent), the event id (webhook), the dedup key (sqs)
    auth: SharedSecret | None
    signature: SignatureScheme | None
    headers: tuple[tuple[str, str], ...]  # every request carries these
    error_pointer: str | None
    valid_bodies: tuple[str, ...]  # JSON text, may hold the placeholders
    personal_data: tuple[str, ...]
    invalid_json_bodies: tuple[str, ...]
    invalid_bodies: tuple[InvalidBody, ...]
    unknown_paths: tuple[str, ...]
    other_methods: tuple[str, ...]
    situations: dict[str, tuple[ExpectedAnswer, ...]]
    table_env: str
    partition_key: str
    # http-idempotent
    id_pointer: str | None = None
    reuse_body: str | None = None
    accepted_status: tuple[int, ...] = ()
    accepted_fields: tuple[tuple[str, Any], ...] = ()
    echo: tuple[str, ...] = ()
    replay_status: tuple[int, ...] = ()
    replay_extras: tuple[tuple[str, Any], ...] = ()
    # webhook, sqs
    effects: Effects | None = None
    ack_body: Literal["any", "json", "empty"] = "json"
    # sqs
    message_attributes: tuple[tuple[str, str], ...] = ()
    # s3-import
    files: ImportFiles | None = None
    jobs: Jobs | None = None

    def situation(self, name: str) -> tuple[ExpectedAnswer, ...] | None:
        return self.situations.get(name)

    @property
    def key_header(self) -> str | None:
        return self.key.header

    @property
    def auth_header(self) -> str | None:
        return self.auth.header if self.auth else None

    @property
    def auth_env(self) -> str | None:
        """The variable holding the run's secret: the shared secret or the signing key."""
        if self.auth:
            return self.auth.env
        return self.signature.secret_env if self.signature else None

    @property
    def secret_env(self) -> str:
        return self.auth_env or defaults.SECRET_ENV

    @property
    def authenticates(self) -> bool:
        return self.auth is not None or self.signature is not None

    def body(self, index: int = 0, *, pii: str) -> bytes:
        """A valid body with personal data filled in (other placeholders are the request builder's)."""
        return self.valid_bodies[index].replace(PII_PLACEHOLDER, pii).encode()

    def reuse(self, *, pii: str) -> bytes:
        assert self.reuse_body is not None, "an http-idempotent contract has a reuse body"
        return self.reuse_body.replace(PII_PLACEHOLDER, pii).encode()

    def tables(self) -> dict[str, str]:
        """Env name -> partition key of every DynamoDB table the harness creates for this contract."""
        found = {self.table_env: self.partition_key}
        if self.effects and self.effects.table_env not in found:
            found[self.effects.table_env] = self.partition_key
        if self.jobs and self.jobs.table_env not in found:
            found[self.jobs.table_env] = self.partition_key
        return found


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


def default_contract_path() -> Path:
    return data_path("conformance", "contracts", "orders.yaml")


@cache
def signature_presets() -> dict[str, dict[str, Any]]:
    """The providers' schemes, as data (conformance/signatures.yaml)."""
    presets: dict[str, dict[str, Any]] = load_yaml(data_path("conformance", "signatures.yaml"),
                                                   "signatures.schema.json")
    return presets


def _answers(value: Any) -> tuple[ExpectedAnswer, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(ExpectedAnswer(status=i["status"], code=i.get("code")) for i in items)


def _scheme(raw: dict[str, Any]) -> SignatureScheme:
    preset = raw.get("preset")
    fields = {**(signature_presets()[preset] if preset else {}), **{k: v for k, v in raw.items() if k != "preset"}}
    return SignatureScheme(
        preset=preset, header=fields["header"], algorithm=fields.get("algorithm", "sha256"),
        encoding=fields.get("encoding", "hex"), prefix=fields.get("prefix", ""),
        payload=fields.get("payload", "{body}"),
        layout=fields.get("layout", "value"), timestamp_header=fields.get("timestamp_header"),
        tolerance_s=fields.get("tolerance_s"), rejects_future=bool(fields.get("rejects_future", False)),
        several=bool(fields.get("several", False)), secret_env=fields["secret_env"],
        secret_format=fields.get("secret_format", "text"))


def _build(data: dict[str, Any], source: str) -> Contract:
    kind: Kind = data.get("kind", "http-idempotent")
    store = data.get("store") or {}
    table_env = store.get("table_env", defaults.TABLE_ENV)
    route = data.get("route") or {"method": "", "path": ""}  # a queue consumer has no route
    if kind == "sqs":
        dedup = data["dedup_key"]
        key = Place(message_id=True) if dedup == "messageId" else Place(pointer=dedup["pointer"])
    elif kind == "webhook":
        key = Place(**data["event_id"])
    elif kind == "s3-import":
        key = Place()  # an object version is its own key
    else:
        key = Place(**data["key"]) if "key" in data else Place(header=data["key_header"])
    auth = SharedSecret(**data["auth"]) if data.get("auth") else None
    signature = _scheme(data["signature"]) if data.get("signature") else None
    contract = Contract(
        kind=kind, name=data["name"], source=source, description=data.get("description", ""),
        resource=data.get("resource") or {"webhook": "event", "sqs": "message", "s3-import": "import job"}.get(
            kind, "resource"),
        method=route["method"], path=route["path"], key=key, auth=auth, signature=signature,
        headers=tuple((str(k), str(v)) for k, v in (data.get("headers") or {}).items()),
        error_pointer=data.get("error_code"),
        valid_bodies=tuple(json.dumps(b) for b in data.get("valid_bodies") or ()),
        personal_data=tuple(data.get("personal_data") or ()),
        invalid_json_bodies=tuple(data.get("invalid_json_bodies") or ()),
        invalid_bodies=tuple(
            InvalidBody(text=i["raw"] if "raw" in i else json.dumps(i["json"]),
                        why=i.get("why") or ("raw " + i["raw"] if "raw" in i else json.dumps(i["json"])))
            for i in data.get("invalid_bodies") or ()
        ),
        unknown_paths=tuple(data.get("unknown_paths") or ()),
        other_methods=tuple(data.get("other_methods") or ()),
        situations={name: _answers(value) for name, value in (data.get("situations") or {}).items()},
        table_env=table_env, partition_key=store.get("partition_key", defaults.PARTITION_KEY),
    )
    if kind == "s3-import":
        files, jobs = data["files"], data["jobs"]
        return replace(contract, files=ImportFiles(
            keys=tuple(files["keys"]), valid=tuple(files["valid"]),
            invalid=tuple(InvalidBody(i["text"], i.get("why") or i["text"][:40]) for i in files["invalid"]),
            max_bytes=files["max_bytes"], personal_columns=tuple(data.get("personal_columns") or ())),
            jobs=Jobs(jobs.get("table_env", table_env), jobs["key_attribute"], jobs["version_attribute"],
                      jobs["status_attribute"], jobs["accepted"], jobs["rejected"]))
    if kind in ("webhook", "sqs"):
        effects = data["effects"]
        return replace(contract, effects=Effects(effects["attribute"], effects.get("table_env", table_env),
                                                 effects.get("d1_table"), effects.get("d1_binding")),
                       ack_body=(data.get("acknowledgement") or {}).get("body", "any"),
                       message_attributes=tuple((str(k), str(v)) for k, v in
                                                (data.get("message_attributes") or {}).items()))
    accepted, replay = data["accepted"], data["replay"]
    return replace(contract, id_pointer=data["resource_id"], reuse_body=json.dumps(data["reuse_body"]),
                   accepted_status=tuple(accepted["status"]),
                   accepted_fields=tuple((accepted.get("fields") or {}).items()),
                   echo=tuple(accepted.get("echo") or ()), replay_status=tuple(replay["status"]),
                   replay_extras=tuple((replay.get("extra_fields") or {}).items()))


def contract_problems(path: Path) -> tuple[list[Problem], Contract | None]:
    """Every problem in a contract file (schema, then consistency), and the contract when there are none."""
    from fnproof.core.contract_rules import consistency_problems
    from fnproof.core.datafile import load_schema
    from fnproof.core.schema_errors import schema_problems

    source = str(path)
    data, node = load_yaml_document(path)
    if not isinstance(data, dict):
        return [Problem(1, "(top level)", "a contract is a mapping of keys (name:, route:, ...)", source)], None
    kind = data.get("kind", "http-idempotent")
    words = f"{_ARTICLE.get(kind, 'a')} {kind} contract" if kind in KINDS else "a contract"
    problems = schema_problems(data, load_schema("contract.schema.json"), source=source, root=node, forbidden=words)
    if problems:
        return problems, None
    problems = consistency_problems(data, node, source)
    return (problems, None) if problems else ([], _build(data, source))


def load_contract(path: Path | None = None) -> Contract:
    """The contract at `path` (default: orders); its first problem is a UsageError at file:line."""
    path = path or default_contract_path()
    problems, contract = contract_problems(path)
    if problems:
        first = problems[0]
        more = (f" (and {len(problems) - 1} more: `fnproof contract check {path}` lists them)"
                if len(problems) > 1 else "")
        where = f"{first.source}:{first.line}" if first.line is not None else first.source
        raise UsageError(f"{first.field}: {first.message}{more}", where=where)
    assert contract is not None
    return contract
