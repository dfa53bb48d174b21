"""Nothing a handler receives tells it which check runs, or that a test kit is calling at all,
and the log checks judge every invocation of the run, not only their own requests.

The hostile handlers in tests/data/hostile/no-hints/ are written as a cheater would: each
passed all 20 production checks before this (the first two) or passed both log checks while
never answering (the third).
"""

from __future__ import annotations

import json
import re
import threading

import pytest

from conftest import DATA, ROOT
from fnproof.conformance.checks.registry import all_checks, judges_the_run, select
from fnproof.conformance.http import Canaries, LogLine, Request, Response
from fnproof.conformance.runner import check_target, run_checks
from fnproof.conformance.runtimes.aws_lambda.events import build_event
from fnproof.conformance.runtimes.base import Environment, Runtime
from fnproof.conformance.signing import fresh_secret
from fnproof.core.contract import load_contract

HOSTILE = DATA / "hostile" / "no-hints"
CONTRACTS = {"http-idempotent": None, "webhook": ROOT / "conformance/contracts/starters/webhook-github.yaml"}


class _RecordingEnvironment(Environment):
    """Answers every request with an accepted order and a clean JSON log line, and keeps it."""

    def __init__(self, sent: list[tuple[str, Request]]) -> None:
        self.id = "recording"
        self._sent = sent

    def invoke(self, request: Request) -> Response:
        self._sent.append((threading.current_thread().name, request))
        return Response(status=202, headers={"content-type": "application/json"},
                        body=b'{"orderId": "o-1", "status": "accepted", "amount": 1, "currency": "EUR"}',
                        logs=(LogLine("stdout", '{"level": "info", "message": "order accepted"}'),))

    def close(self) -> None:
        pass


class _RecordingRuntime(Runtime):
    name = "recording"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Request]] = []

    def environment(self) -> Environment:
        return _RecordingEnvironment(self.sent)

    def outage_environment(self) -> Environment:
        return self.environment()

    def count_effects(self, effects, event_id: str) -> int:
        return 1


def _everything_sent(kind: str) -> tuple[list[Request], Canaries]:
    contract = load_contract(CONTRACTS[kind])
    runtime = _RecordingRuntime()
    canaries = Canaries.fresh(make_secret=lambda: fresh_secret(contract.signature))
    run_checks(select("production", (), kind), runtime, contract, canaries, parallel=1)
    return [request for _, request in runtime.sent], canaries


@pytest.mark.parametrize("kind", list(CONTRACTS))
def test_no_request_or_event_names_a_check_or_the_kit(kind) -> None:
    sent, canaries = _everything_sent(kind)
    assert len(sent) > 50
    words = {spec.id for spec in all_checks()} | {"fnproof"}
    for request in sent:
        shapes = ["v2", "v1", "base64", "function-url"] if kind == "http-idempotent" else ["v2"]
        for shape in shapes:
            event = json.dumps(build_event(Request(request.method, request.path, request.headers, request.body,
                                                   shape)))  # type: ignore[arg-type]
            found = [w for w in words if w in event.lower()]
            assert not found, f"{found} in the {shape} event for {request.method} {request.path}"
    # The personal data looks like a customer's, not like a test address.
    assert re.fullmatch(r"[a-z]+\.[a-z]+\d{4}@[a-z.]+\.[a-z]+", canaries.pii)
    assert not canaries.pii.endswith((".invalid", ".test", ".example", "example.com"))


def test_canaries_and_names_are_fresh_per_run() -> None:
    from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime

    runs = [Canaries.fresh() for _ in range(2)]
    assert runs[0].secret != runs[1].secret and runs[0].pii != runs[1].pii
    names = [LambdaNodeRuntime(ROOT / "reference/lambda-node/index.mjs", "handler", secret="s").function_name
             for _ in range(2)]
    assert names[0] != names[1] and not any("fnproof" in n for n in names)


def test_the_log_checks_run_after_every_other_check_and_read_their_traffic() -> None:
    from fnproof.conformance.checks.journal import RunJournal

    specs = select("production")
    assert [s.id for s in specs if judges_the_run(s)] == ["json-logs", "no-secrets-in-logs"]
    journal = RunJournal()
    run_checks(specs, _RecordingRuntime(), load_contract(), Canaries.fresh(), parallel=4, journal=journal)
    order = [e.check_id for e in journal.exchanges()]
    logs_first = min(i for i, c in enumerate(order) if c in ("json-logs", "no-secrets-in-logs"))
    others_last = max(i for i, c in enumerate(order) if c not in ("json-logs", "no-secrets-in-logs"))
    assert others_last < logs_first and len(set(order[:logs_first])) >= 15


def verdicts(target, only: list[str]) -> dict[str, tuple[str, str]]:
    report = check_target(str(target), profile="production", only=only)
    return {r.id: (r.outcome, r.message) for r in report.results}


@pytest.mark.runtime
def test_a_handler_that_logs_secrets_where_the_log_checks_do_not_look_fails_them() -> None:
    found = verdicts(HOSTILE / "logs-when-unwatched.mjs", ["unknown-route-404", "json-logs", "no-secrets-in-logs"])
    assert found["unknown-route-404"][0] == "passed"
    assert found["json-logs"][0] == "failed" and "(written while answering GET /orders)" in found["json-logs"][1]
    assert found["no-secrets-in-logs"][0] == "failed"
    assert "the WEBHOOK_SECRET value appears on stdout (written while answering GET" in found["no-secrets-in-logs"][1]


@pytest.mark.runtime
def test_a_handler_that_behaves_only_when_it_sees_the_kit_fails() -> None:
    found = verdicts(HOSTILE / "behaves-when-it-sees-the-kit.mjs", ["json-logs", "no-secrets-in-logs"])
    assert {k: v[0] for k, v in found.items()} == {"json-logs": "failed", "no-secrets-in-logs": "failed"}


@pytest.mark.runtime
def test_a_handler_that_never_answers_fails_the_log_checks() -> None:
    found = verdicts(HOSTILE / "throws-on-every-request.mjs", ["json-logs", "no-secrets-in-logs"])
    for outcome, message in found.values():
        assert outcome == "failed" and "no invocation of the run succeeded" in message
