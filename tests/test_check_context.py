"""CheckContext's assertion vocabulary, against a fake runtime: no Node, no store, milliseconds.

The fake environment answers with a Python function, so each assertion can be shown to pass
on the answer the contract wants and to fail, with its context, on a near miss.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fnproof.conformance.checks.context import CheckContext
from fnproof.conformance.checks.registry import CheckFailed, CheckSkipped, all_checks
from fnproof.conformance.http import Canaries, LogLine, Request, Response
from fnproof.conformance.runner import run_one
from fnproof.conformance.runtimes.base import Environment, Runtime
from fnproof.core.contract import load_contract

Answer = Callable[[Request], Response]


class FakeEnvironment(Environment):
    def __init__(self, answer: Answer) -> None:
        self.id, self.answer, self.closed = "fake-1", answer, False

    def invoke(self, request: Request) -> Response:
        return self.answer(request)

    def close(self) -> None:
        self.closed = True


class FakeRuntime(Runtime):
    name = "fake"

    def __init__(self, answer: Answer, capabilities: frozenset[str] | None = None) -> None:
        self.answer, self.made = answer, []
        if capabilities is not None:
            self.capabilities = capabilities  # type: ignore[misc]

    def environment(self) -> Environment:
        env = FakeEnvironment(self.answer)
        self.made.append(env)
        return env


def reply(status: int, body: object, *, ctype: str = "application/json", logs: tuple[LogLine, ...] = ()) -> Response:
    return Response(status=status, headers={"content-type": ctype}, body=json.dumps(body).encode(), logs=logs)


@pytest.fixture
def contract():
    return load_contract()


def context(contract, answer: Answer, **runtime) -> CheckContext:
    return CheckContext(contract, FakeRuntime(answer, **runtime), Canaries.fresh(), "some-check")


def accepted(request: Request) -> Response:
    order = json.loads(request.body or b"{}")
    return reply(202, {"orderId": "o-1", "status": "accepted", "amount": order["amount"],
                       "currency": order["currency"]})


def test_a_request_carries_a_fresh_key_the_secret_and_the_first_valid_body(contract):
    ctx = context(contract, accepted)
    first, second = ctx.request(), ctx.request()
    assert first.method == contract.method and first.path == contract.path
    assert first.header(contract.key_header) != second.header(contract.key_header)
    assert first.header(contract.auth_header) == ctx.canaries.secret
    assert json.loads(first.body)["customer"]["email"] == ctx.canaries.pii
    assert ctx.request(key=None).header(contract.key_header) is None
    assert ctx.request(secret=None).header(contract.auth_header) is None
    lowered = ctx.request(header_case="lower")
    assert all(name == name.lower() for name, _ in lowered.headers)


def test_expect_passes_on_the_contracts_answer_and_names_the_miss(contract):
    ctx = context(contract, accepted)
    request = ctx.request(key=None)
    ctx.expect(request, reply(400, {"error": "idempotency_key_required"}), "key_missing")
    with pytest.raises(CheckFailed) as caught:
        ctx.expect(request, reply(400, {"error": "missing_key"}), "key_missing")
    failure = caught.value.failure
    assert failure.summary == "wrong answer for key missing"
    assert failure.request is request and failure.response.status == 400
    assert failure.expected == "400 with /error = 'idempotency_key_required'"
    assert "sent:     POST /orders" in str(caught.value)


@pytest.mark.parametrize("response, summary", [
    (reply(500, {"error": "boom"}), "server error"),
    (reply(400, {"error": "invalid_json"}, ctype="text/plain"), "not a JSON content type"),
    (Response(status=400, headers={"content-type": "application/json"}, body=b"{oops"), "body is not JSON"),
    (Response(status=502, outcome="crash", error="process exited (exit code 1)"), "the invocation failed (crash"),
])
def test_unhealthy_answers_fail_whatever_the_situation(contract, response, summary):
    ctx = context(contract, accepted)
    with pytest.raises(CheckFailed) as caught:
        ctx.expect(ctx.request(), response, "invalid_json")
    assert caught.value.failure.summary.startswith(summary)


def test_expect_accepted_checks_status_id_fixed_fields_and_echo(contract):
    ctx = context(contract, accepted)
    request = ctx.request()
    assert ctx.expect_accepted(request, accepted(request)) == "o-1"
    good = json.loads(accepted(request).body)
    for broken, summary in ((dict(good, orderId=""), "no id at /orderId"),
                            (dict(good, status="queued"), "/status is not"),
                            (dict(good, amount=1), "/amount does not echo the request")):
        with pytest.raises(CheckFailed) as caught:
            ctx.expect_accepted(request, reply(202, broken))
        assert caught.value.failure.summary.startswith(summary)
    with pytest.raises(CheckFailed, match="not accepted"):
        ctx.expect_accepted(request, reply(201, good))


def test_a_replay_may_add_the_allowed_extra_field_and_nothing_else(contract):
    ctx = context(contract, accepted)
    request = ctx.request()
    first = accepted(request)
    body = json.loads(first.body)
    ctx.expect_replay(first, request, reply(200, dict(body, replay=True)))
    with pytest.raises(CheckFailed, match="the replay's body differs"):
        ctx.expect_replay(first, request, reply(200, dict(body, replay=True, cached=True)))
    with pytest.raises(CheckFailed, match="the replay's body differs"):
        ctx.expect_replay(first, request, reply(200, dict(body, replay="yes")))


def test_a_situation_the_contract_lacks_skips(contract, tmp_path):
    text = Path(contract.source).read_text(encoding="utf-8")
    trimmed = tmp_path / "no-reuse.yaml"
    trimmed.write_text(text.replace("  key_reused: {status: 422, code: idempotency_key_reused}\n", ""),
                       encoding="utf-8")
    ctx = context(load_contract(trimmed), accepted)
    with pytest.raises(CheckSkipped, match="declares no 'key_reused' situation"):
        ctx.situation("key_reused")


def test_logs_collect_every_exchange_and_environments_close(contract):
    line = LogLine("stdout", '{"msg":"hi"}')
    ctx = context(contract, lambda request: reply(202, {}, logs=(line,)))
    env = ctx.environment()
    ctx.send(env, ctx.request())
    ctx.send(ctx.environment(), ctx.request())
    assert ctx.logs() == [line, line]
    ctx.close()
    assert all(e.closed for e in ctx.runtime.made)


def test_the_runner_turns_a_missing_capability_and_a_checks_bug_into_results(contract):
    by_id = {spec.id: spec for spec in all_checks()}
    canaries = Canaries.fresh()
    skipped = run_one(by_id["json-logs"], FakeRuntime(accepted, capabilities=frozenset()), contract, canaries)
    assert skipped.outcome == "skipped" and "read the handler's own log output" in skipped.message

    def explodes(request: Request) -> Response:
        raise RuntimeError("a bug in the harness, not the handler")

    errored = run_one(by_id["missing-key-400"], FakeRuntime(explodes), contract, canaries)
    assert errored.outcome == "error" and "RuntimeError: a bug in the harness" in errored.message


def test_a_failed_check_keeps_its_context_as_fields(contract):
    by_id = {spec.id: spec for spec in all_checks()}
    result = run_one(by_id["missing-key-400"], FakeRuntime(accepted), contract, Canaries.fresh())
    assert result.outcome == "failed"
    assert result.failure is not None and result.failure.response.status == 202
    assert result.failure.request.header(contract.key_header) is None
    assert result.message == result.failure.text()
