"""Tests for the orders handler with an in-memory DynamoDB fake: the standard library and
pytest only (no boto3, no network). Run from the repository root or from this folder:

    python -m pytest -q reference/lambda-python/tests
"""

from __future__ import annotations

import base64
import copy
import json
import re
import sys
import threading
import time
import types
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import orders  # noqa: E402  (the folder above is the Lambda task root)
from orders import create_handler  # noqa: E402

SECRET = "test-secret-canary-7f3a"
PII = "jane.doe.pii-canary@example.com"
TABLE = "orders-idempotency-test"
ORDER = {"amount": 32.5, "currency": "EUR", "customer": {"email": PII}}


def fixture(name: str) -> dict:
    return json.loads((ROOT / "events" / name).read_text(encoding="utf-8"))


# -----------------------------------------------------------------------------------------
# The fake: an object with boto3's four DynamoDB client methods, applying them to a dict and
# evaluating ConditionExpressions as DynamoDB does (the subset the handler uses:
# attribute_not_exists, =, <, AND, OR, parentheses, #names, :values). A failed condition
# raises an error shaped like botocore's ClientError: the code in .response["Error"]["Code"].

class FakeClientError(Exception):
    def __init__(self, code: str, message: str, operation: str) -> None:
        super().__init__(f"An error occurred ({code}) when calling the {operation} operation: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}
        self.operation_name = operation


TOKENS = re.compile(r"\(|\)|<=|>=|<>|=|<|>|[#:]?[A-Za-z_][A-Za-z0-9_]*")


def evaluate(expression: str, item: dict | None, names: dict | None, values: dict | None) -> bool:
    tokens = TOKENS.findall(expression)
    assert "".join(tokens) == re.sub(r"\s+", "", expression), f"untokenised condition: {expression}"
    names, values, pos = names or {}, values or {}, 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def operand(token):
        if token.startswith(":"):
            return values[token]
        return (item or {}).get(names[token] if token.startswith("#") else token)

    def comparable(value):
        return float(value["N"]) if "N" in value else value.get("S")

    def factor():
        token = take()
        if token == "(":
            value = disjunction()
            assert take() == ")"
            return value
        if token in ("attribute_not_exists", "attribute_exists"):
            assert take() == "("
            exists = operand(take()) is not None
            assert take() == ")"
            return exists if token == "attribute_exists" else not exists
        op, left, right = take(), operand(token), operand(take())
        if left is None or right is None:
            return False
        x, y = comparable(left), comparable(right)
        return {"=": x == y, "<>": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]

    def conjunction():
        value = factor()
        while peek() == "AND":
            take()
            value = factor() and value
        return value

    def disjunction():
        value = conjunction()
        while peek() == "OR":
            take()
            value = conjunction() or value
        return value

    result = disjunction()
    assert pos == len(tokens), f"unparsed condition: {expression}"
    return result


def assert_attribute_values(item: dict) -> None:
    for name, value in item.items():
        ok = len(value) == 1 and isinstance(value.get("S", value.get("N")), str)
        assert ok, f"attribute {name} is not a DynamoDB S or N value: {value!r}"


class FakeDynamoDB:
    """Thread-safe: each operation is atomic, as DynamoDB's single-item operations are."""

    def __init__(self, fail_on: set[str] | None = None, delay_s: float = 0.0) -> None:
        self.items: dict[str, dict] = {}
        self.calls: list[str] = []
        self.fail_on = fail_on if fail_on is not None else set()
        self.hold: dict[str, threading.Event] = {}  # a test holds an operation back until it sets the event
        self.delay_s = delay_s  # lets concurrent requests interleave between operations
        self._lock = threading.Lock()

    def _enter(self, operation: str, params: dict) -> tuple[str, dict | None]:
        with self._lock:
            self.calls.append(operation)
            gate = self.hold.pop(operation, None)
        if gate is not None:
            gate.wait(5)
        if self.delay_s:
            time.sleep(self.delay_s)
        if operation in self.fail_on:
            raise FakeClientError("InternalServerError", "simulated outage", operation)
        assert params["TableName"] == TABLE
        pk = (params.get("Key") or params.get("Item"))["pk"]["S"]
        assert isinstance(pk, str)
        return pk, None

    def _check(self, operation: str, params: dict, current: dict | None) -> None:
        condition = params.get("ConditionExpression")
        if condition and not evaluate(condition, current, params.get("ExpressionAttributeNames"),
                                      params.get("ExpressionAttributeValues")):
            raise FakeClientError("ConditionalCheckFailedException", "The conditional request failed", operation)

    def put_item(self, **params):
        pk, _ = self._enter("PutItem", params)
        assert_attribute_values(params["Item"])
        with self._lock:
            self._check("PutItem", params, self.items.get(pk))
            self.items[pk] = copy.deepcopy(params["Item"])
        return {}

    def get_item(self, **params):
        pk, _ = self._enter("GetItem", params)
        with self._lock:
            current = self.items.get(pk)
            return {"Item": copy.deepcopy(current)} if current else {}

    def update_item(self, **params):
        pk, _ = self._enter("UpdateItem", params)
        with self._lock:
            current = self.items.get(pk)
            self._check("UpdateItem", params, current)
            updated = copy.deepcopy(current or {"pk": {"S": pk}})
            assignments = re.sub(r"^SET\s+", "", params["UpdateExpression"]).split(",")
            for assignment in assignments:
                target, source = (part.strip() for part in assignment.split("="))
                attribute = params["ExpressionAttributeNames"][target] if target.startswith("#") else target
                updated[attribute] = params["ExpressionAttributeValues"][source]
            assert_attribute_values(updated)
            self.items[pk] = updated
        return {}

    def delete_item(self, **params):
        pk, _ = self._enter("DeleteItem", params)
        with self._lock:
            self._check("DeleteItem", params, self.items.get(pk))
            self.items.pop(pk, None)
        return {}


# -----------------------------------------------------------------------------------------
# Helpers: a handler over a fresh fake, events built from the fixtures, and a context.

class Context:
    counter = 0

    def __init__(self, remaining_ms: int = 3000) -> None:
        Context.counter += 1
        self.aws_request_id = f"req-{Context.counter}"
        self.function_name = "orders"
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


class Setup:
    def __init__(self, *, secret: str | None = SECRET, now_ms=None, fail_on=None, delay_s: float = 0.0) -> None:
        self.db = FakeDynamoDB(fail_on=fail_on, delay_s=delay_s)
        self.logs: list[str] = []
        extra = {"now_ms": now_ms} if now_ms else {}
        self.handler = create_handler(client=self.db, table_name=TABLE, secret=secret,
                                      log=lambda entry: self.logs.append(json.dumps(entry)), **extra)

    def __call__(self, event, context=None):
        return self.handler(event, Context() if context is None else context)


_MISSING = object()


def v2_event(*, method="POST", path="/orders", key="key-1", secret=SECRET, body=_MISSING, headers=None) -> dict:
    event = fixture("http-api-v2.json")
    event["rawPath"] = path
    event["requestContext"]["http"].update(method=method, path=path)
    event["headers"] = {"content-type": "application/json", **(headers or {})}
    if key is not None:  # None leaves the header out
        event["headers"]["idempotency-key"] = key
    if secret is not None:
        event["headers"]["x-webhook-secret"] = secret
    if body is _MISSING:
        event.pop("body", None)
    else:
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    return event


def v1_event(*, method="POST", path="/orders", headers: dict, body) -> dict:
    event = fixture("rest-v1.json")
    event.update(httpMethod=method, path=path, resource=path, headers=headers, body=json.dumps(body))
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    return event


def body_of(response: dict):
    return json.loads(response["body"])


def assert_error(response: dict, status: int, code: str) -> None:
    assert response["statusCode"] == status, response["body"]
    assert response["headers"]["content-type"].startswith("application/json")
    body = body_of(response)
    assert body["error"] == code
    assert isinstance(body["message"], str)


# -----------------------------------------------------------------------------------------

def test_a_valid_order_gives_202_with_the_order_body_and_a_json_content_type():
    app = Setup()
    response = app(v2_event(body=ORDER))
    assert response["statusCode"] == 202
    assert response["headers"]["content-type"] == "application/json"
    body = body_of(response)
    assert sorted(body) == ["amount", "currency", "orderId", "status"]
    assert body["status"] == "accepted" and body["amount"] == 32.5 and body["currency"] == "EUR"
    assert isinstance(body["orderId"], str) and body["orderId"]


@pytest.mark.parametrize("name", ["http-api-v2.json", "rest-v1.json"])
def test_the_fixture_events_as_shipped_are_processed_when_their_secret_matches(name):
    event = fixture(name)
    secret = next(v for k, v in event["headers"].items() if k.lower() == "x-webhook-secret")
    app = Setup(secret=secret)
    response = app(event)
    assert response["statusCode"] == 202, response["body"]


def test_a_replay_with_the_same_key_and_body_returns_the_same_body_and_one_record():
    app = Setup()
    first = app(v2_event(body=ORDER))
    # The same payload with keys in another order and another JSON layout is still a replay.
    again = app(v2_event(body='{ "customer": {"email": "' + PII + '"}, "currency": "EUR", "amount": 32.50 }'))
    assert again["statusCode"] == 202
    assert again["body"] == first["body"]
    assert again["headers"]["idempotent-replayed"] == "true"
    assert len(app.db.items) == 1
    assert next(iter(app.db.items.values()))["status"]["S"] == "COMPLETED"


def test_1200_and_1200_point_0_are_one_json_number_hence_a_replay():
    app = Setup()
    first = app(v2_event(body='{"amount": 1200, "currency": "USD"}'))
    again = app(v2_event(body='{"amount": 1200.0, "currency": "USD"}'))
    assert again["statusCode"] == 202 and again["body"] == first["body"]


def test_the_same_key_with_a_different_payload_gives_422_idempotency_key_reused():
    app = Setup()
    first = app(v2_event(body=ORDER))
    reuse = app(v2_event(body={**ORDER, "amount": 99.99}))
    assert_error(reuse, 422, "idempotency_key_reused")
    assert body_of(first)["orderId"] not in reuse["body"]


def test_distinct_keys_give_distinct_orders():
    app = Setup()
    a = body_of(app(v2_event(key="key-a", body=ORDER)))
    b = body_of(app(v2_event(key="key-b", body=ORDER)))
    assert a["orderId"] != b["orderId"]


@pytest.mark.parametrize("key", [None, "", "   "])
def test_a_missing_empty_or_blank_idempotency_key_gives_400_and_touches_no_store(key):
    app = Setup()
    assert_error(app(v2_event(key=key, body=ORDER)), 400, "idempotency_key_required")
    assert app.db.calls == []


@pytest.mark.parametrize("body", ["not-json", "{", '{"amount":}', '{"amount": 32.5, "curr', "", "  ", None, _MISSING,
                                  "NaN", "Infinity", '{"amount": NaN, "currency": "EUR"}',
                                  '{"amount": -Infinity, "currency": "EUR"}', "{'amount': 1}"])
def test_bodies_that_are_not_json_and_empty_bodies_give_400_invalid_json(body):
    app = Setup()
    assert_error(app(v2_event(body=body)), 400, "invalid_json")
    assert app.db.calls == []


INVALID_ORDERS = [
    "null", "[]", '"x"', "42", "true", '{"currency":"EUR"}', '{"amount":"3200","currency":"EUR"}',
    '{"amount":0,"currency":"EUR"}', '{"amount":-5,"currency":"EUR"}', '{"amount":10}',
    '{"amount":10,"currency":5}', '{"amount":10,"currency":""}', '{"amount":10,"currency":"   "}',
    '{"amount": 1e999, "currency": "EUR"}', '{"amount": -1e999, "currency": "EUR"}',
    # bool is a subclass of int in Python: true must not pass as 1.
    '{"amount": true, "currency": "EUR"}', '{"amount": false, "currency": "EUR"}',
    '{"amount": null, "currency": "EUR"}', '{"amount": [10], "currency": "EUR"}', '{"amount": {}, "currency": "EUR"}',
    '{"amount": 10, "currency": null}', '{"amount": 10, "currency": ["EUR"]}',
    # More digits than Python's int() takes (4300), and more than a float holds: JSON.parse says Infinity.
    '{"amount": 1' + "0" * 5000 + ', "currency": "EUR"}',
    '{"amount": 1' + "0" * 320 + ', "currency": "EUR"}',
    # Nested deeper than Python's json can recurse.
    '{"amount":10,"currency":"EUR","deep":' + "[" * 100000 + "]" * 100000 + "}",
]


@pytest.mark.parametrize("body", INVALID_ORDERS, ids=lambda b: b if len(b) < 60 else b[:40] + "...")
def test_json_that_is_not_a_valid_order_gives_400_invalid_order(body):
    app = Setup()
    assert_error(app(v2_event(body=body)), 400, "invalid_order")
    assert app.db.calls == []


def test_extra_fields_are_allowed_and_odd_numbers_elsewhere_do_not_break_the_fingerprint():
    app = Setup()
    body = '{"amount": 10, "currency": "EUR", "note": 1e999, "big": 1' + "0" * 5000 + ', "s": "\\ud800"}'
    response = app(v2_event(body=body))
    assert response["statusCode"] == 202, response["body"]
    assert app(v2_event(body=body))["body"] == response["body"]


def test_other_paths_give_404_not_found_and_other_methods_on_orders_give_405():
    app = Setup()
    for path in ["/nope", "/", "/orders/extra", "/order", "/Orders", ""]:
        assert_error(app(v2_event(path=path, body=ORDER)), 404, "not_found")
    for method in ["GET", "PUT", "DELETE", "PATCH", "post"]:
        assert_error(app(v2_event(method=method, body=ORDER)), 405, "method_not_allowed")
    assert app.db.calls == []


def test_a_missing_or_wrong_secret_gives_401_and_never_the_stored_order():
    app = Setup()
    stored = body_of(app(v2_event(body=ORDER)))
    calls_before = len(app.db.calls)
    for secret in [None, "", "wrong", SECRET + "x", SECRET.upper(), SECRET[:-1], " " + SECRET]:
        response = app(v2_event(secret=secret, body=ORDER))
        assert_error(response, 401, "unauthorized")
        assert stored["orderId"] not in response["body"]
    assert len(app.db.calls) == calls_before, "an unauthenticated request touched the store"


def test_auth_comes_before_routing_and_parsing():
    app = Setup()
    assert_error(app(v2_event(secret=None, path="/nope")), 401, "unauthorized")
    assert_error(app(v2_event(secret=None, key=None, body="not-json")), 401, "unauthorized")


@pytest.mark.parametrize("configured", [None, ""])
def test_with_no_secret_configured_every_request_is_refused(configured):
    app = Setup(secret=configured)
    for sent in ["", None, "anything"]:
        assert_error(app(v2_event(secret=sent, body=ORDER)), 401, "unauthorized")
    assert app.db.calls == []


def test_a_rest_v1_event_with_an_uppercase_key_header_works_and_replays_across_event_shapes():
    app = Setup()
    headers = {"Content-Type": "application/json", "IDEMPOTENCY-KEY": "v1-key", "X-Webhook-Secret": SECRET}
    first = app(v1_event(headers=headers, body=ORDER))
    assert first["statusCode"] == 202, first["body"]
    assert body_of(first)["status"] == "accepted"
    assert app(v2_event(key="v1-key", body=ORDER))["body"] == first["body"]
    assert_error(app(v1_event(method="GET", headers=headers, body=ORDER)), 405, "method_not_allowed")
    assert_error(app(v1_event(path="/nope", headers=headers, body=ORDER)), 404, "not_found")


def test_a_base64_encoded_body_is_decoded_with_or_without_padding():
    app = Setup()
    for n, text in enumerate(['{"amount": 32.5, "currency": "EUR"}', '{"amount":32.5,"currency":"EUR"} ']):
        encoded = base64.b64encode(text.encode()).decode()
        for variant in (encoded, encoded.rstrip("=")):
            event = v2_event(key=f"b64-{n}", body=variant)
            event["isBase64Encoded"] = True
            response = app(event)
            assert response["statusCode"] == 202, response["body"]
            assert body_of(response)["amount"] == 32.5


def test_a_base64_flagged_body_that_is_not_json_gives_invalid_json():
    app = Setup()
    for body in [base64.b64encode(b"not-json").decode(), "%%%", "Y", ""]:
        event = v2_event(body=body)
        event["isBase64Encoded"] = True
        assert_error(app(event), 400, "invalid_json")


def test_a_rejected_order_does_not_claim_its_key_the_corrected_retry_is_processed():
    app = Setup()
    assert_error(app(v2_event(key="k", body={"amount": "3200", "currency": "EUR"})), 400, "invalid_order")
    assert_error(app(v2_event(key="k", body="not-json")), 400, "invalid_json")
    assert app.db.items == {}
    retry = app(v2_event(key="k", body={"amount": 3200, "currency": "EUR"}))
    assert retry["statusCode"] == 202
    assert body_of(retry)["amount"] == 3200


def test_the_record_key_is_a_hash_of_the_idempotency_key_and_stores_no_body():
    app = Setup()
    app(v2_event(key="raw-client-key", body=ORDER))
    (pk, record), = app.db.items.items()
    assert pk == "orders#" + orders.sha256_hex("raw-client-key")
    assert "raw-client-key" not in json.dumps(record) and PII not in json.dumps(record)


def run_in_thread(app: Setup, event: dict, context: Context) -> dict:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(response=app(event, context)))
    thread.start()
    result["thread"] = thread
    return result


def stall_at_update(app: Setup, event: dict, remaining_ms: int = 3000) -> tuple[dict, threading.Event]:
    """Run a request until it reaches UpdateItem, and keep it there until the event is set."""
    gate = threading.Event()
    updates = app.db.calls.count("UpdateItem")
    app.db.hold["UpdateItem"] = gate
    pending = run_in_thread(app, event, Context(remaining_ms))
    deadline = time.monotonic() + 5
    while app.db.calls.count("UpdateItem") == updates:
        assert time.monotonic() < deadline, "the request never reached UpdateItem"
        time.sleep(0.001)
    return pending, gate


def test_a_key_in_flight_gives_409_and_once_its_lease_runs_out_it_is_taken_over():
    clock = [1_000_000]
    app = Setup(now_ms=lambda: clock[0])
    first, resume_first = stall_at_update(app, v2_event(body=ORDER))  # a slow (or dying) invocation
    assert_error(app(v2_event(body=ORDER)), 409, "idempotency_key_in_progress")
    assert_error(app(v2_event(body={**ORDER, "amount": 1})), 422, "idempotency_key_reused")

    clock[0] += 3001  # its lease ran out: the next request with the key takes it over
    second, resume_second = stall_at_update(app, v2_event(body=ORDER))
    # The first request wakes up: it must neither complete nor delete the new owner's claim.
    resume_first.set()
    first["thread"].join(5)
    assert_error(first["response"], 503, "service_unavailable")
    assert next(iter(app.db.items.values()))["status"]["S"] == "IN_PROGRESS"
    resume_second.set()
    second["thread"].join(5)
    taken = second["response"]
    assert taken["statusCode"] == 202
    assert app(v2_event(body=ORDER))["body"] == taken["body"]


def test_the_lease_comes_from_the_context_and_falls_back_without_one():
    clock = [5_000_000]
    app = Setup(now_ms=lambda: clock[0])
    app(v2_event(key="with-context", body=ORDER), Context(remaining_ms=1234))
    app.handler(v2_event(key="without-context", body=ORDER), None)
    leases = sorted(int(r["inProgressUntil"]["N"]) - clock[0] for r in app.db.items.values())
    assert leases == [1234, orders.FALLBACK_LEASE_MS]


def test_concurrent_duplicates_one_order_per_key_the_rest_409_or_that_same_order():
    app = Setup(delay_s=0.002)
    for key in ["burst-1", "burst-2", "burst-3"]:
        gate = threading.Barrier(8)
        responses: list[dict] = []
        lock = threading.Lock()

        def fire():
            gate.wait()
            response = app(v2_event(key=key, body=ORDER))
            with lock:
                responses.append(response)

        threads = [threading.Thread(target=fire) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        accepted = [r for r in responses if r["statusCode"] == 202]
        assert len(responses) == 8 and accepted
        assert len({body_of(r)["orderId"] for r in accepted}) == 1
        for response in responses:
            if response["statusCode"] != 202:
                assert_error(response, 409, "idempotency_key_in_progress")


def test_a_store_failure_after_the_claim_gives_503_releases_the_claim_and_a_retry_succeeds():
    app = Setup(fail_on={"UpdateItem"})
    assert_error(app(v2_event(body=ORDER)), 503, "service_unavailable")
    assert "DeleteItem" in app.db.calls
    assert app.db.items == {}
    app.db.fail_on.clear()
    assert app(v2_event(body=ORDER))["statusCode"] == 202


def test_a_store_outage_before_the_claim_gives_503_and_logs_only_the_error_code():
    app = Setup(fail_on={"PutItem"})
    assert_error(app(v2_event(body=ORDER)), 503, "service_unavailable")
    entry = json.loads(app.logs[-1])
    assert entry["errorName"] == "InternalServerError" and entry["level"] == "error"
    assert "simulated outage" not in app.logs[-1]


def test_a_condition_failure_is_recognised_by_its_code_not_by_its_class():
    assert orders.is_condition_failure(FakeClientError("ConditionalCheckFailedException", "x", "PutItem"))
    assert not orders.is_condition_failure(FakeClientError("ValidationException", "x", "PutItem"))
    assert not orders.is_condition_failure(KeyError("ConditionalCheckFailedException"))


@pytest.mark.parametrize("event", [None, {}, "text", 42, [], {"headers": None, "body": None},
                                   {"rawPath": "/orders", "headers": {"x-webhook-secret": SECRET}},
                                   {"requestContext": "x", "headers": {"x-webhook-secret": SECRET, "n": 1}},
                                   {"httpMethod": "POST", "path": "/orders", "isBase64Encoded": True, "body": 5,
                                    "headers": {"X-Webhook-Secret": SECRET, "Idempotency-Key": "k"}}],
                         ids=repr)
def test_odd_events_and_a_missing_context_never_throw(event):
    app = Setup()
    response = app.handler(event, None)
    assert response["statusCode"] in (400, 401, 404, 405), response
    assert isinstance(body_of(response)["error"], str)


def test_lone_surrogates_in_headers_and_bodies_never_throw():
    app = Setup()
    assert_error(app(v2_event(secret="\ud800", body=ORDER)), 401, "unauthorized")
    response = app(v2_event(key="\udfff-key", body='{"amount": 1, "currency": "\\ud800"}'))
    assert response["statusCode"] == 202, response["body"]
    json.dumps(response)  # what the runtime does with the result


def test_logs_are_one_json_object_per_line_without_secret_key_body_or_pii():
    app = Setup()
    key = "log-check-key-123"
    app(v2_event(key=key, body=ORDER))
    app(v2_event(key=key, body=ORDER))
    app(v2_event(key=key, secret="wrong-secret-value", body=ORDER))
    app(v2_event(key=key, body='{"amount": "3200", "customer": {"email": "' + PII + '"}}'))
    assert len(app.logs) == 4
    for line in app.logs:
        entry = json.loads(line)
        assert isinstance(entry, dict)
        for field in ["level", "message", "requestId", "route", "outcome", "status"]:
            assert field in entry, f"{field} missing"
        for secretish in [SECRET, "wrong-secret-value", PII, key, "32.5"]:
            assert secretish not in line, f"log leaks {secretish}"
    assert [json.loads(line)["outcome"] for line in app.logs] == ["accepted", "replayed", "unauthorized",
                                                                  "invalid_order"]
    assert json.loads(app.logs[0])["orderId"]


def test_the_default_logger_prints_one_json_line_to_stdout(capsys):
    db = FakeDynamoDB()
    handler = create_handler(client=db, table_name=TABLE, secret=SECRET)
    handler(v2_event(body=ORDER), Context())
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1 and err == ""
    assert json.loads(lines[0])["outcome"] == "accepted"


def test_a_failing_log_sink_does_not_fail_the_request():
    def broken(entry):
        raise OSError("stdout closed")

    handler = create_handler(client=FakeDynamoDB(), table_name=TABLE, secret=SECRET, log=broken)
    assert handler(v2_event(body=ORDER), Context())["statusCode"] == 202


def test_the_entry_point_builds_one_client_at_import_and_reads_the_environment(monkeypatch):
    created = []
    fake_boto3 = types.ModuleType("boto3")

    def client(service, **kwargs):
        created.append((service, kwargs))
        return FakeDynamoDB()

    fake_boto3.client = client
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.delitem(sys.modules, "handler", raising=False)
    import handler as entry

    try:
        # No endpoint: boto3 reads AWS_ENDPOINT_URL_DYNAMODB. Bounded waits: the store's outage
        # must get a 503 inside the function's timeout, not a timeout.
        assert [(service, sorted(kwargs)) for service, kwargs in created] == [("dynamodb", ["config"])]
        config = created[0][1]["config"]
        assert config.connect_timeout <= 2 and config.read_timeout <= 3 and config.retries["max_attempts"] <= 3
        first = entry.handler(v2_event(body=ORDER), Context())
        assert first["statusCode"] == 202
        assert entry.handler(v2_event(body=ORDER), Context())["body"] == first["body"]
        assert len(created) == 1  # warm invocations reuse the module-scope client
    finally:
        sys.modules.pop("handler", None)
