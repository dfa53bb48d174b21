"""What a check works with: fresh environments and keys, request builders, contract-aware
assertions. Every environment a check opens is closed when the check ends, whatever happens.

Requests are built from the contract alone: the key or event id where the contract puts it
(a header, or a JSON pointer in the body), the secret as a shared-secret header or as a
signature over the exact bytes sent, the headers every request carries. Nothing in them
names the check that sends them.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fnproof.conformance.checks.event_steps import ObjectSteps, QueueSteps
from fnproof.conformance.checks.journal import RunJournal
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped
from fnproof.conformance.http import Canaries, LogLine, Request, Response, Shape
from fnproof.conformance.runtimes.base import Environment, Runtime
from fnproof.conformance.signing import Flaw, sign
from fnproof.core.contract import UNIQUE_PLACEHOLDER, Contract, ExpectedAnswer, resolve_pointer

JSON_TYPES = ("application/json", "application/problem+json")
_DEFAULT: Any = object()


def set_pointer(document: Any, pointer: str, value: Any) -> Any:
    """A copy of `document` with `value` at `pointer` (or the field removed when value is _DEFAULT)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    root = json.loads(json.dumps(document))
    node = root
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if value is _DEFAULT:
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    elif isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value
    return root


def _strip(document: Any, extras: dict[str, Any]) -> Any:
    """The document without the allowed extra fields that carry their allowed value (nested too)."""
    for pointer, value in extras.items():
        if resolve_pointer(document, pointer, _DEFAULT) == value:
            document = set_pointer(document, pointer, _DEFAULT)
    return document


def first_difference(a: Any, b: Any, at: str = "") -> str | None:
    """The pointer of the first place two JSON documents differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{at}/{key}"
            found = first_difference(a[key], b[key], f"{at}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return next((d for i, (x, y) in pairs if (d := first_difference(x, y, f"{at}/{i}"))), None)
    return None if a == b else (at or "/")


class CheckContext:
    def __init__(self, contract: Contract, runtime: Runtime, canaries: Canaries, check_id: str,
                 journal: RunJournal | None = None) -> None:
        self.contract, self.runtime, self.canaries = contract, runtime, canaries
        self.check_id = check_id  # for the report; never sent to the handler
        # The run's every invocation (a check run alone gets a journal of its own).
        self.journal = journal if journal is not None else RunJournal()
        self._envs: list[Environment] = []
        self._lock = threading.Lock()
        self.exchanges: list[tuple[Request, Response]] = []
        self.queues = QueueSteps(self)  # sqs: a queue filled and drained as the event source mapping does
        self.objects = ObjectSteps(self)  # s3-import: a bucket filled and announced as S3 does

    # resources -----------------------------------------------------------------------
    def environment(self) -> Environment:
        env = self.runtime.environment()
        with self._lock:
            self._envs.append(env)
        return env

    def outage_environment(self) -> Environment:
        """A fresh environment whose store answers nothing (closed with the check, like the others)."""
        env = self.runtime.outage_environment()
        with self._lock:
            self._envs.append(env)
        return env

    def warm_environments(self, count: int) -> list[Environment]:
        """`count` environments, each through init and one request of its own, so a burst finds them warm."""
        envs = [self.environment() for _ in range(count)]
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda env: (env.prepare(), self.send(env, self.request())), envs))
        return envs

    def burst(self, envs: list[Environment], request: Request) -> list[Response]:
        """Send one request to every environment at the same instant (a barrier)."""
        gate = threading.Barrier(len(envs))

        def fire(env: Environment) -> Response:
            gate.wait()
            return self.send(env, request)

        with ThreadPoolExecutor(len(envs)) as pool:
            return list(pool.map(fire, envs))

    def key(self) -> str:
        """A fresh idempotency key or event id, shaped like the ones providers send."""
        return str(uuid.uuid4())

    def close(self) -> None:
        for env in self._envs:
            self.journal.record_init(env.init_logs)
            env.close()

    def logs(self) -> list[LogLine]:
        """Every line the handler wrote in this check: init phases, then invocations."""
        lines = [line for env in self._envs for line in env.init_logs]
        with self._lock:
            lines += [line for _, response in self.exchanges for line in response.logs]
        return lines

    def run_logs(self) -> list[tuple[LogLine, Request | None]]:
        """Every line the handler wrote in the whole run so far (this check's included), each
        with the request whose invocation wrote it (None for an init phase)."""
        lines: list[tuple[LogLine, Request | None]] = [(line, None) for line in self.journal.init_logs()]
        lines += [(line, None) for env in self._envs for line in env.init_logs]
        lines += [(line, e.request) for e in self.journal.exchanges() for line in e.response.logs]
        return lines

    @property
    def noun(self) -> str:
        return self.contract.resource

    @property
    def nouns(self) -> str:
        word = self.contract.resource
        if word.endswith("y") and word[-2:-1] not in "aeiou":
            return word[:-1] + "ies"
        return word + ("es" if word.endswith(("s", "x", "sh", "ch")) else "s")

    # requests ------------------------------------------------------------------------
    def body(self, index: int = 0, *, key: Any = _DEFAULT) -> bytes:
        """A valid body: personal data and fresh unique values filled in, the key at its pointer."""
        c = self.contract
        text = c.valid_bodies[index]
        while UNIQUE_PLACEHOLDER in text:
            text = text.replace(UNIQUE_PLACEHOLDER, secrets.token_hex(8), 1)
        document = json.loads(text.replace("{pii}", self.canaries.pii))
        if c.key.pointer and key is not _DEFAULT:
            document = set_pointer(document, c.key.pointer, _DEFAULT if key is None else key)
        return json.dumps(document).encode()

    def request(self, *, key: Any = _DEFAULT, body: Any = _DEFAULT, secret: Any = _DEFAULT, shape: Shape = "v2",
                method: str | None = None, path: str | None = None, key_header: str | None = None,
                header_case: str = "as-is", flaw: Flaw = "none", index: int = 0) -> Request:
        """A request to the contract's route with a fresh key, a valid body and the credential.

        `key=None` leaves the key out (`""` sends it empty); `secret=None` sends no credential,
        another value sends that one; `flaw` spoils an otherwise honest signature.
        """
        c = self.contract
        key = self.key() if key is _DEFAULT else key
        raw: bytes | None = self.body(index, key=key) if body is _DEFAULT else body
        headers: list[tuple[str, str]] = [("Content-Type", "application/json"), *c.headers]
        if key is not None and c.key.header:
            headers.append((key_header or c.key.header, key))
        secret = self.canaries.secret if secret is _DEFAULT else secret
        if c.auth is not None and secret is not None:
            headers.append((c.auth.header, secret))
        if c.signature is not None:
            signed = sign(c.signature, secret or "", raw or b"", event_id=key or "",
                          flaw="unsigned" if secret is None else flaw, decoy_secret=self.canaries.wrong_secret)
            headers.extend(signed.headers)
        if header_case == "lower":
            headers = [(k.lower(), v) for k, v in headers]
        elif header_case == "upper":
            headers = [(k.upper(), v) for k, v in headers]
        return Request(method=method or c.method, path=path or c.path, headers=tuple(headers), body=raw, shape=shape)

    def send(self, env: Environment, request: Request) -> Response:
        response = env.invoke(request)
        with self._lock:
            self.exchanges.append((request, response))
        self.journal.record(self.check_id, request, response)
        return response

    # assertions ----------------------------------------------------------------------
    def situation(self, name: str) -> tuple[ExpectedAnswer, ...]:
        answers = self.contract.situation(name)
        if answers is None:
            raise CheckSkipped(f"the contract ({self.contract.source}) declares no '{name}' situation")
        return answers

    def code_of(self, response: Response) -> Any:
        pointer = self.contract.error_pointer
        return resolve_pointer(response.json_or_none(), pointer, None) if pointer else None

    def expect_alive(self, request: Request, response: Response) -> None:
        """The invocation answered: no thrown error, crash or timeout."""
        if response.outcome != "ok":
            brief = (response.error or "").splitlines()[0][:90] if response.error else ""
            raise CheckFailed(f"the invocation failed ({response.outcome}: {brief})", request=request,
                              response=response, expected="a response, not a failed invocation")

    def expect_json(self, request: Request, response: Response) -> None:
        ctype = response.headers.get("content-type", "")
        if not ctype.lower().startswith(JSON_TYPES):
            raise CheckFailed("not a JSON content type", request=request, response=response,
                              expected="content-type application/json or application/problem+json")
        try:
            response.json()
        except ValueError as exc:
            raise CheckFailed(str(exc), request=request, response=response, expected="a JSON body") from None

    def expect_healthy(self, request: Request, response: Response, *, allowed: frozenset[int] = frozenset(),
                       json_body: bool = True) -> None:
        """No failed invocation, no 5xx (unless the contract allows that status here), a JSON body."""
        self.expect_alive(request, response)
        if response.status >= 500 and response.status not in allowed:
            raise CheckFailed("server error", request=request, response=response, expected="no 5xx for any input")
        if json_body:
            self.expect_json(request, response)

    def expect(self, request: Request, response: Response, situation: str) -> None:
        answers = self.situation(situation)
        allowed = frozenset(a.status for a in answers)
        wanted = " or ".join(a.describe(self.contract.error_pointer) for a in answers)
        wrong = f"wrong answer for {situation.replace('_', ' ')}"
        self.expect_healthy(request, response, allowed=allowed, json_body=False)
        if response.status not in allowed:  # the status first: it says more than a missing content type
            raise CheckFailed(wrong, request=request, response=response, expected=wanted)
        # An idempotent API answers everything in JSON; a webhook receiver, where the contract reads a code.
        if self.contract.kind == "http-idempotent" or any(a.code for a in answers):
            self.expect_json(request, response)
        code = self.code_of(response)
        for answer in answers:
            if response.status == answer.status and (answer.code is None or answer.code == code):
                return
        raise CheckFailed(wrong, request=request, response=response, expected=wanted)

    def expect_accepted(self, request: Request, response: Response, *, replay: bool | None = False) -> str:
        """A new resource (replay=False), its replay (True) or either (None): status, JSON, the id,
        fixed fields, echoed fields. Returns the id."""
        c = self.contract
        assert c.id_pointer is not None, "an http-idempotent contract names its resource id"
        self.expect_healthy(request, response)
        statuses = {False: c.accepted_status, True: c.replay_status, None: c.accepted_status + c.replay_status}[replay]
        if response.status not in statuses:
            raise CheckFailed("not accepted", request=request, response=response,
                              expected=f"status {' or '.join(map(str, sorted(set(statuses))))} with the {self.noun}")
        document = response.json()
        resource_id = resolve_pointer(document, c.id_pointer, None)
        if not isinstance(resource_id, str) or not resource_id:
            raise CheckFailed(f"no id at {c.id_pointer}", request=request, response=response,
                              expected=f"a non-empty string at {c.id_pointer}")
        for pointer, value in c.accepted_fields:
            if resolve_pointer(document, pointer, None) != value:
                raise CheckFailed(f"{pointer} is not {value!r}", request=request, response=response)
        sent = json.loads(request.body or b"null")
        for pointer in c.echo:
            if resolve_pointer(document, pointer, None) != resolve_pointer(sent, pointer, None):
                raise CheckFailed(f"{pointer} does not echo the request", request=request, response=response,
                                  expected=f"{pointer} = {resolve_pointer(sent, pointer, None)!r}")
        return resource_id

    def expect_replay(self, first: Response, request: Request, response: Response) -> None:
        """Same body as the first response (allowed extras aside, on both sides), hence the same id."""
        self.expect_accepted(request, response, replay=True)
        extras = dict(self.contract.replay_extras)
        again, before = _strip(response.json(), extras), _strip(first.json(), extras)
        where = first_difference(before, again)
        if where is not None:
            then, now = resolve_pointer(before, where, None), resolve_pointer(again, where, None)
            raise CheckFailed(f"the replay's body differs from the first response's at {where}", request=request,
                              response=response,
                              expected=f"{where} = {json.dumps(then)} as in the first response (got {json.dumps(now)})")

    # webhooks ------------------------------------------------------------------------
    def expect_acknowledged(self, request: Request, response: Response, *, duplicate: bool = False) -> None:
        """A 2xx the contract allows for a delivery (or a redelivery), with the body it says."""
        c = self.contract
        names = ("duplicate", "accepted") if duplicate else ("accepted",)
        answers = tuple(a for name in names for a in (c.situation(name) or ()))
        self.expect_healthy(request, response, json_body=False)
        if response.status not in {a.status for a in answers}:
            wanted = " or ".join(sorted({str(a.status) for a in answers}))
            raise CheckFailed(f"the {'redelivery' if duplicate else 'delivery'} was not acknowledged", request=request,
                              response=response, expected=f"status {wanted}")
        if c.ack_body == "json":
            self.expect_json(request, response)
        elif c.ack_body == "empty" and response.body.strip():
            raise CheckFailed("the acknowledgement has a body", request=request, response=response,
                              expected="an empty body, as the contract says")

    def effects(self, event_id: str) -> int:
        assert self.contract.effects is not None, "a webhook contract says where effects land"
        return self.runtime.count_effects(self.contract.effects, event_id)

    def expect_effects(self, event_id: str, count: int, *, request: Request | None = None,
                       response: Response | None = None, why: str = "") -> None:
        found = self.effects(event_id)
        if found != count:
            effects = self.contract.effects
            assert effects is not None
            what = "effect" if found == 1 else "effects"
            subject = "event" if self.contract.kind == "webhook" else f"the {self.noun} with {effects.attribute}"
            raise CheckFailed(f"{found} {what} for {subject} {event_id}{why}", request=request, response=response,
                              expected=f"exactly {count} item{'s' if count != 1 else ''} with {effects.attribute} = "
                                       f"that {'event id' if self.contract.kind == 'webhook' else 'key'}")
