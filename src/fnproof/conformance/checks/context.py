"""What a check works with: fresh environments and keys, request builders, contract-aware
assertions. Every environment a check opens is closed when the check ends, whatever happens.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped
from fnproof.conformance.http import Canaries, LogLine, Request, Response, Shape
from fnproof.conformance.runtimes.base import Environment, Runtime
from fnproof.core.contract import Contract, ExpectedAnswer, resolve_pointer

JSON_TYPES = ("application/json", "application/problem+json")
_DEFAULT = object()


class CheckContext:
    def __init__(self, contract: Contract, runtime: Runtime, canaries: Canaries, check_id: str) -> None:
        self.contract, self.runtime, self.canaries = contract, runtime, canaries
        self.check_id = check_id
        self._envs: list[Environment] = []
        self._lock = threading.Lock()
        self.exchanges: list[tuple[Request, Response]] = []

    # resources -----------------------------------------------------------------------
    def environment(self) -> Environment:
        env = self.runtime.environment()
        with self._lock:
            self._envs.append(env)
        return env

    def key(self) -> str:
        return f"fnproof-{self.check_id}-{secrets.token_hex(6)}"

    def close(self) -> None:
        for env in self._envs:
            env.close()

    def logs(self) -> list[LogLine]:
        """Every line the handler wrote in this check: init phases, then invocations."""
        lines = [line for env in self._envs for line in env.init_logs]
        with self._lock:
            lines += [line for _, response in self.exchanges for line in response.logs]
        return lines

    # requests ------------------------------------------------------------------------
    def request(self, *, key: Any = _DEFAULT, body: bytes | None | Any = _DEFAULT, secret: Any = _DEFAULT,
                shape: Shape = "v2", method: str | None = None, path: str | None = None,
                key_header: str | None = None, header_case: str = "as-is") -> Request:
        """A request to the contract's route with a fresh key, the first valid body and the secret."""
        c = self.contract
        headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
        key = self.key() if key is _DEFAULT else key
        if key is not None:
            headers.append((key_header or c.key_header, key))
        secret = self.canaries.secret if secret is _DEFAULT else secret
        if secret is not None and c.auth_header:
            headers.append((c.auth_header, secret))
        if header_case == "lower":
            headers = [(k.lower(), v) for k, v in headers]
        body = c.body(0, pii=self.canaries.pii) if body is _DEFAULT else body
        return Request(method=method or c.method, path=path or c.path, headers=tuple(headers), body=body, shape=shape)

    def send(self, env: Environment, request: Request) -> Response:
        response = env.invoke(request)
        with self._lock:
            self.exchanges.append((request, response))
        return response

    # assertions ----------------------------------------------------------------------
    def situation(self, name: str) -> tuple[ExpectedAnswer, ...]:
        outcomes = self.contract.situation(name)
        if outcomes is None:
            raise CheckSkipped(f"the contract ({self.contract.source}) declares no '{name}' situation")
        return outcomes

    def code_of(self, response: Response) -> Any:
        return resolve_pointer(response.json_or_none(), self.contract.error_pointer, None)

    def expect_healthy(self, request: Request, response: Response) -> None:
        """No thrown error, crash, timeout or 5xx; a JSON body with a JSON content type."""
        if response.outcome != "ok":
            brief = (response.error or "").splitlines()[0][:90] if response.error else ""
            raise CheckFailed(f"the invocation failed ({response.outcome}: {brief})", request=request,
                              response=response, expected="a response, not a failed invocation")
        if response.status >= 500:
            raise CheckFailed("server error", request=request, response=response, expected="no 5xx for any input")
        ctype = response.headers.get("content-type", "")
        if not ctype.lower().startswith(JSON_TYPES):
            raise CheckFailed("not a JSON content type", request=request, response=response,
                              expected="content-type application/json or application/problem+json")
        try:
            response.json()
        except ValueError as exc:
            raise CheckFailed(str(exc), request=request, response=response, expected="a JSON body") from None

    def expect(self, request: Request, response: Response, situation: str) -> None:
        outcomes = self.situation(situation)
        self.expect_healthy(request, response)
        code = self.code_of(response)
        for outcome in outcomes:
            if response.status == outcome.status and (outcome.code is None or outcome.code == code):
                return
        wanted = " or ".join(o.describe(self.contract.error_pointer) for o in outcomes)
        raise CheckFailed(f"wrong answer for {situation.replace('_', ' ')}", request=request, response=response,
                          expected=wanted)

    def expect_accepted(self, request: Request, response: Response, *, replay: bool | None = False) -> str:
        """A new order (replay=False), its replay (True) or either (None): status, JSON, the id,
        fixed fields, echoed fields. Returns the id."""
        c = self.contract
        self.expect_healthy(request, response)
        statuses = {False: c.accepted_status, True: c.replay_status, None: c.accepted_status + c.replay_status}[replay]
        if response.status not in statuses:
            raise CheckFailed("not accepted", request=request, response=response,
                              expected=f"status {' or '.join(map(str, sorted(set(statuses))))} with the order")
        document = response.json()
        order_id = resolve_pointer(document, c.id_pointer, None)
        if not isinstance(order_id, str) or not order_id:
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
        return order_id

    def expect_replay(self, first: Response, request: Request, response: Response) -> None:
        """Same body as the first response (allowed extras aside), hence the same id."""
        self.expect_accepted(request, response, replay=True)
        again = response.json()
        extras = dict(self.contract.replay_extras)
        if isinstance(again, dict):
            for pointer, value in extras.items():
                name = pointer.lstrip("/")
                if "/" not in name and again.get(name) == value:
                    again = {k: v for k, v in again.items() if k != name}
        if again != first.json():
            raise CheckFailed("the replay's body differs from the first response's", request=request,
                              response=response, expected=f"the first body {first.describe()}")
