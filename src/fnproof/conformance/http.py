"""What checks send and get back (plain HTTP, whatever runtime sits behind it), and the canaries
planted in requests and environments.

Checks, runtimes and reporters all speak these types, so they sit at the bottom of conformance/.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Shape = Literal["v2", "v1", "base64", "function-url", "sqs", "s3"]
InvocationOutcome = Literal["ok", "error", "crash", "timeout", "bad-result"]


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """One message as a real queue handed it out: the id and receipt handle of that receive,
    the body's MD5 and the system attributes the queue reports (receive count, timestamps)."""

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    attributes: tuple[tuple[str, str], ...]
    message_attributes: tuple[tuple[str, str, str], ...]  # (name, data type, string value)
    queue_arn: str

    @property
    def receive_count(self) -> int:
        return int(dict(self.attributes).get("ApproximateReceiveCount", "1"))


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object version as S3 reports it after a PUT: what an ObjectCreated event names."""

    bucket: str
    key: str  # as stored, not URL-encoded
    size: int
    etag: str
    version_id: str
    sequencer: str


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request, a batch of queue messages delivered as one event (shape `sqs`), or an
    S3 event naming created objects (shape `s3`)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    shape: Shape = "v2"  # how a Lambda runtime wraps it; other runtimes ignore it
    records: tuple[QueueMessage, ...] = ()  # shape sqs: the batch, as received from the queue
    objects: tuple[StoredObject, ...] = ()  # shape s3: the objects an ObjectCreated:Put event names

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def describe(self, limit: int = 120) -> str:
        if self.shape == "sqs":
            each = "; ".join(f"{m.message_id} (receive {m.receive_count}): {_clip(m.body, 60)}"
                             for m in self.records[:4])
            more = f"; and {len(self.records) - 4} more" if len(self.records) > 4 else ""
            return f"SQS batch of {len(self.records)} message{'s' if len(self.records) != 1 else ''} [{each}{more}]"
        if self.shape == "s3":
            named = "; ".join(f"s3://{o.bucket}/{o.key} (version {o.version_id[:12]}, {o.size} bytes)"
                              for o in self.objects)
            return f"S3 ObjectCreated:Put event [{named}]"
        heads = ", ".join(f"{k}: {v}" for k, v in self.headers if k.lower() not in {"content-type"})
        body = "no body" if self.body is None else f"body {_clip(self.body.decode(errors='replace'), limit)}"
        shape = "" if self.shape == "v2" else f" [{self.shape} event]"
        return f"{self.method} {self.path}{shape} ({heads or 'no headers'}; {body})"


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line of the handler's output; stream "runtime" is what the platform itself logs
    about the invocation (an uncaught error's report), which is not the handler's writing."""

    stream: Literal["stdout", "stderr", "runtime"]
    text: str


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    outcome: InvocationOutcome = "ok"
    error: str | None = None  # why the invocation failed, when it did
    logs: tuple[LogLine, ...] = ()
    environment: str = ""
    replaced_environment: bool = False  # this invocation ended its environment
    # shape sqs: the messageIds Lambda would return to the queue (every one when the whole
    # batch failed), and why the whole batch failed when it did
    failed_items: tuple[str, ...] = ()
    batch_failed: str | None = None

    def json(self) -> Any:
        """Parsed body, or raises ValueError with a readable reason."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"body is not JSON ({exc.__class__.__name__})") from None

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def describe(self, limit: int = 160) -> str:
        if self.batch_failed is not None:
            return f"the whole batch failed: {_clip(self.batch_failed, limit)}"
        if self.outcome != "ok":
            return f"{self.outcome} ({_clip(self.error or '', limit)})"
        ctype = self.headers.get("content-type", "no content-type")
        return f"{self.status} [{ctype}] {_clip(self.body.decode(errors='replace'), limit) or '(empty body)'}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Personal data that looks like a customer's: a reserved test domain (example.invalid) or a
# hex local part would let a handler log every address except the suite's and pass.
_FIRST = ("anna", "ben", "carla", "david", "emma", "felix", "grace", "hugo", "ines", "jonas", "lena", "marco",
          "nina", "omar", "paula", "rafael", "sofia", "tom", "vera", "yusuf")
_LAST = ("berg", "costa", "dubois", "fischer", "garcia", "hansen", "ivanova", "jansen", "keller", "lopez",
         "meyer", "novak", "olsen", "petrov", "rossi", "schmidt", "torres", "weber", "young", "zimmer")
_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "gmx.de", "web.de", "hotmail.com")


def _email() -> str:
    pick = secrets.choice
    return f"{pick(_FIRST)}.{pick(_LAST)}{secrets.randbelow(9000) + 1000}@{pick(_DOMAINS)}"


@dataclass(frozen=True, slots=True)
class Canaries:
    """Values planted in requests and the environment that must never reach the logs.

    Random per run and shaped like real values (a hex secret, an email address), so nothing
    in them tells a handler it is under test, or which check is running.
    """

    secret: str
    wrong_secret: str
    pii: str
    # The variable `secret` was read from when it is the caller's real one (a live deployment's):
    # then every result is masked (conformance/masking.py). None: a random value made for the run.
    secret_from: str | None = None

    @classmethod
    def fresh(cls, secret: str | None = None, *, make_secret: Callable[[], str] | None = None,
              secret_from: str | None = None) -> Canaries:
        make = make_secret or (lambda: secrets.token_hex(16))
        return cls(secret=secret or make(), wrong_secret=make(), pii=_email(),
                   secret_from=secret_from if secret else None)
