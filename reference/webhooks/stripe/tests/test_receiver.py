"""Tests for the Stripe receiver with an in-memory fake of boto3's DynamoDB Table: the standard
library and pytest only, no AWS, no network. Run from the repository root:

    python -m pytest -q reference/webhooks/stripe/tests
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import sys
import threading
import types
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

import receiver  # noqa: E402

SECRET = "whsec_" + "5f1c0a7e" * 4
PII = "jenny.rosen.pii-canary@example.com"
NOW = 1_764_590_400  # a fixed clock: 2025-12-01T12:00:00Z


# --- the fake table ----------------------------------------------------------------------

class FakeClientError(Exception):
    """Shaped like botocore's ClientError: the service's code in .response["Error"]["Code"]."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


class FakeTable:
    """put_item with attribute_not_exists(pk), atomic as DynamoDB's conditional write is."""

    def __init__(self, outage: BaseException | None = None) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.outage = outage
        self.lock = threading.Lock()

    def put_item(self, *, Item: dict[str, Any], ConditionExpression: str) -> dict[str, Any]:  # noqa: N803
        if self.outage is not None:
            raise self.outage
        assert ConditionExpression == "attribute_not_exists(pk)"
        for name, value in Item.items():
            assert not isinstance(value, float), f"{name}: boto3 refuses floats, use int or Decimal"
        with self.lock:
            if Item["pk"] in self.items:
                raise FakeClientError("ConditionalCheckFailedException", "The conditional request failed")
            self.items[Item["pk"]] = dict(Item)
        return {}


def make(table: FakeTable | None = None, secret: str | None = SECRET, now: float = NOW):
    table = table or FakeTable()
    logs: list[str] = []
    handler = receiver.create_handler(table=table, secret=secret, now_s=lambda: now,
                                      log=lambda entry: logs.append(json.dumps(entry)))
    return handler, table, logs


# --- deliveries as Stripe sends them -----------------------------------------------------

def sign(body: bytes, t: int = NOW, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def header(body: bytes, t: int = NOW, secret: str = SECRET) -> str:
    return f"t={t},v1={sign(body, t, secret)}"


def event_body(event_id: str | None = None, **extra: Any) -> bytes:
    document = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": NOW - 5,
        "livemode": False,
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_3Mtw", "object": "payment_intent", "amount": 2000, "currency": "usd",
                            "receipt_email": PII}},
        **extra,
    }
    return json.dumps(document).encode()


def delivery(body: bytes, signature: str | None = "auto", *, path: str = "/webhooks/stripe", method: str = "POST",
             base64_body: bool = False) -> dict[str, Any]:
    headers = {"content-type": "application/json; charset=utf-8", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
    if signature == "auto":
        signature = header(body)
    if signature is not None:
        headers["stripe-signature"] = signature
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "headers": headers,
        "requestContext": {"http": {"method": method, "path": path}, "requestId": "req-1"},
        "body": base64.b64encode(body).decode() if base64_body else body.decode(),
        "isBase64Encoded": base64_body,
    }


class Context:
    aws_request_id = "aws-req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 3000


def call(handler, event) -> tuple[int, Any]:
    response = handler(event, Context())
    assert response["headers"]["content-type"].startswith("application/json")
    return response["statusCode"], json.loads(response["body"])


def event_id_of(body: bytes) -> str:
    return json.loads(body)["id"]


# --- accepting an event ------------------------------------------------------------------

def test_a_signed_event_is_acknowledged_and_recorded_once_with_a_ttl():
    handler, table, _ = make()
    body = event_body("evt_1NbZ")
    assert call(handler, delivery(body)) == (200, {"received": True})
    item = table.items["event#evt_1NbZ"]
    assert item["event_id"] == "evt_1NbZ"
    assert item["type"] == "payment_intent.succeeded"
    assert item["livemode"] is False
    assert item["received_at"] == NOW and item["expires_at"] == NOW + 30 * 24 * 60 * 60
    assert PII not in json.dumps(item), "the record holds the id and type, not the event's data"


def test_a_rest_api_v1_event_with_mixed_case_headers_works_too():
    handler, table, _ = make()
    body = event_body()
    event = {"resource": "/{proxy+}", "path": "/webhooks/stripe", "httpMethod": "POST",
             "headers": {"Content-Type": "application/json", "Stripe-Signature": header(body)},
             "body": body.decode(), "isBase64Encoded": False}
    assert call(handler, event)[0] == 200
    assert len(table.items) == 1


# --- the signature -----------------------------------------------------------------------

def test_signature_cases_are_refused_with_400_invalid_signature_and_nothing_recorded():
    handler, table, _ = make()
    body = event_body()
    good = sign(body)
    cases = {
        "missing": None,
        "empty": "",
        "no timestamp": f"v1={good}",
        "no v1": f"t={NOW}",
        "only v0": f"t={NOW},v0={good}",
        "not hex": f"t={NOW},v1=not-a-signature",
        "upper-case hex": f"t={NOW},v1={good.upper()}",
        "truncated": f"t={NOW},v1={good[:-2]}",
        "another secret": header(body, secret="whsec_" + "0" * 32),
        "key without the whsec_ prefix": f"t={NOW},v1={sign(body, secret=SECRET.removeprefix('whsec_'))}",
        "another body": header(body + b" "),
        "another timestamp": f"t={NOW + 1},v1={good}",
        "negative timestamp": f"t=-{NOW},v1={good}",
        "the bare secret": SECRET,
        "the secret as v1": f"t={NOW},v1={SECRET}",
    }
    for name, value in cases.items():
        assert call(handler, delivery(body, value)) == (400, {"error": "invalid_signature",
                                                              "message": receiver.MESSAGES["invalid_signature"]}), name
    assert table.items == {}


def test_timestamps_older_than_300_s_are_refused_newer_ones_are_not():
    handler, table, _ = make()
    for age, status in [(301, 400), (900, 400), (300, 200), (0, 200), (-120, 200), (-3600, 200)]:
        body = event_body()
        assert call(handler, delivery(body, header(body, t=NOW - age)))[0] == status, age
    assert len(table.items) == 4


def test_any_of_several_v1_signatures_may_match_and_v0_and_unknown_entries_are_ignored():
    handler, table, _ = make()
    other = "whsec_" + "1" * 32  # the secret being rotated out
    for make_value in (lambda b: f"t={NOW},v1={sign(b, secret=other)},v1={sign(b)}",
                       lambda b: f"t={NOW},v1={sign(b)},v1={sign(b, secret=other)}",
                       lambda b: f"v1={sign(b)},t={NOW}",
                       lambda b: f"t={NOW}, v0={sign(b, secret=other)}, v1={sign(b)}, scheme=x"):
        body = event_body()
        assert call(handler, delivery(body, make_value(body)))[0] == 200
    body = event_body()
    both_wrong = f"t={NOW},v1={sign(body, secret=other)},v1={sign(body + b' ')}"
    assert call(handler, delivery(body, both_wrong))[1]["error"] == "invalid_signature"
    assert len(table.items) == 4


def test_the_signature_is_checked_over_the_bytes_received_not_a_re_serialisation():
    handler, table, _ = make()
    document = json.loads(event_body())
    variants = {
        "pretty-printed": json.dumps(document, indent=2).encode(),
        "compact with a newline": json.dumps(document, separators=(",", ":")).encode() + b"\n",
        "keys reordered": json.dumps(dict(reversed(list(document.items())))).encode(),
        "\\u escapes": json.dumps({**document, "memo": "caf\u00e9 \u2713"}, ensure_ascii=True).encode(),
        "raw UTF-8": json.dumps({**document, "memo": "caf\u00e9 \u65e5\u672c"}, ensure_ascii=False).encode(),
    }
    for name, body in variants.items():
        body = body.replace(document["id"].encode(), f"evt_{uuid.uuid4().hex[:24]}".encode())
        assert call(handler, delivery(body))[0] == 200, name
    assert len(table.items) == len(variants)


def test_a_base64_encoded_event_body_is_decoded_to_the_bytes_stripe_signed():
    handler, table, _ = make()
    body = event_body(memo="na\u00efve \u2713")
    assert call(handler, delivery(body, base64_body=True))[0] == 200
    encoded = base64.b64encode(body)
    assert call(handler, delivery(body, header(encoded), base64_body=True))[0] == 400
    not_base64 = delivery(body)
    not_base64["isBase64Encoded"] = True
    assert call(handler, not_base64)[0] == 400
    assert len(table.items) == 1


@pytest.mark.parametrize("secret", [None, ""])
def test_an_unset_or_empty_secret_refuses_every_event(secret):
    handler, table, _ = make(secret=secret)
    body = event_body()
    assert call(handler, delivery(body, header(body, secret="")))[1]["error"] == "invalid_signature"
    assert table.items == {}


# --- one effect per event id -------------------------------------------------------------

def test_a_redelivery_is_acknowledged_and_not_recorded_again():
    handler, table, _ = make()
    body = event_body()
    assert call(handler, delivery(body))[0] == 200
    # Stripe signs every attempt afresh: a later timestamp, the same event.
    later = header(body, t=NOW + 60)
    handler_later = receiver.create_handler(table=table, secret=SECRET, now_s=lambda: NOW + 60, log=lambda e: None)
    assert call(handler_later, delivery(body, later)) == (200, {"received": True, "duplicate": True})
    assert list(table.items) == [f"event#{event_id_of(body)}"]


def test_a_redelivery_with_the_same_id_but_other_bytes_is_still_one_event():
    handler, table, _ = make()
    body = event_body()
    assert call(handler, delivery(body))[0] == 200
    pretty = json.dumps(json.loads(body), indent=2).encode()
    assert call(handler, delivery(pretty))[1] == {"received": True, "duplicate": True}
    assert len(table.items) == 1


def test_concurrent_deliveries_of_one_event_record_it_once_and_all_are_acknowledged():
    table = FakeTable()
    handlers = [make(table)[0] for _ in range(8)]  # eight execution environments, one table
    body = event_body()
    gate = threading.Barrier(len(handlers))

    def fire(handler):
        gate.wait()
        return call(handler, delivery(body))

    with ThreadPoolExecutor(len(handlers)) as pool:
        answers = list(pool.map(fire, handlers))
    assert {status for status, _ in answers} == {200}
    assert sum(1 for _, body in answers if "duplicate" not in body) == 1
    assert len(table.items) == 1


def test_different_event_ids_are_different_events():
    handler, table, _ = make()
    for _ in range(3):
        assert call(handler, delivery(event_body()))[0] == 200
    assert len(table.items) == 3


@pytest.mark.parametrize("outage", [
    FakeClientError("ProvisionedThroughputExceededException", "Rate of requests exceeds the allowed throughput"),
    ConnectionError("Could not connect to the endpoint URL: http://127.0.0.1:1 while writing evt_secret_data"),
])
def test_the_store_failing_gives_503_and_logs_only_the_error_name(outage):
    handler, _, logs = make(FakeTable(outage=outage))
    status, body = call(handler, delivery(event_body()))
    assert (status, body["error"]) == (503, "service_unavailable")
    (line,) = [json.loads(text) for text in logs]
    assert line["level"] == "error"
    assert line["errorName"] in {"ProvisionedThroughputExceededException", "ConnectionError"}
    assert "127.0.0.1" not in logs[0] and "exceeds" not in logs[0]


# --- everything else a receiver is sent --------------------------------------------------

@pytest.mark.parametrize("raw", [b"not-json", b"{", b'{"id":', b'{"id": "evt_1", "type": "payment_intent.succ', b"",
                                 b'{"id": "evt_1", "amount": NaN}', b"\xff\xfe{}"])
def test_a_validly_signed_body_that_is_not_json_is_400_invalid_json(raw):
    handler, table, _ = make()
    event = delivery(raw, header(raw), base64_body=True)  # base64 so that any bytes can be sent
    assert call(handler, event)[1]["error"] == "invalid_json"
    assert table.items == {}


@pytest.mark.parametrize("document", [
    [], "evt_1", 42, None,
    {"object": "event", "type": "payment_intent.succeeded"},
    {"id": "evt_1", "object": "event"},
    {"id": "", "object": "event", "type": "charge.succeeded"},
    {"id": 7, "object": "event", "type": "charge.succeeded"},
    {"id": "evt_" + "x" * 300, "object": "event", "type": "charge.succeeded"},
    {"id": "evt_1", "object": "v2.core.event", "type": "v1.billing.meter.error_report_triggered"},
])
def test_validly_signed_json_that_is_not_a_stripe_event_is_400_invalid_event(document):
    handler, table, _ = make()
    raw = json.dumps(document).encode()
    assert call(handler, delivery(raw))[1]["error"] == "invalid_event"
    assert table.items == {}


def test_a_deeply_nested_body_is_refused_not_a_crash():
    handler, _, _ = make()
    raw = b"[" * 100_000 + b"]" * 100_000
    assert call(handler, delivery(raw))[0] == 400


def test_other_paths_are_404_and_other_methods_405_before_any_signature_work():
    handler, table, _ = make()
    for path in ["/", "/webhooks", "/webhooks/stripe/extra", "/webhooks/stripex", "/webhooks/github"]:
        assert call(handler, delivery(event_body(), path=path))[1]["error"] == "not_found"
    for method in ["GET", "PUT", "DELETE"]:
        assert call(handler, delivery(event_body(), None, method=method))[1]["error"] == "method_not_allowed"
    assert table.items == {}


@pytest.mark.parametrize("event", [None, "x", 42, [], {}, {"rawPath": "/webhooks/stripe"},
                                   {"rawPath": "/webhooks/stripe", "requestContext": {"http": {"method": "POST"}}}])
def test_events_that_are_not_api_gateway_events_are_answered_not_raised(event):
    handler, _, _ = make()
    status, _ = call(handler, event)
    assert status in {400, 404, 405}


# --- logs --------------------------------------------------------------------------------

def test_one_json_line_per_invocation_without_secret_signature_or_personal_data():
    handler, _, logs = make()
    body = event_body()
    call(handler, delivery(body))
    call(handler, delivery(body))
    call(handler, delivery(body, SECRET))
    call(handler, delivery(b"not-json", header(b"not-json")))
    lines = [json.loads(text) for text in logs]
    assert [line["status"] for line in lines] == [200, 200, 400, 400]
    assert [line["outcome"] for line in lines] == ["recorded", "duplicate", "invalid_signature", "invalid_json"]
    assert lines[0]["eventId"] == event_id_of(body)
    everything = "\n".join(logs)
    for leaked in (SECRET, sign(body), PII):
        assert leaked not in everything


def test_a_broken_log_sink_does_not_fail_the_invocation():
    def broken(entry):
        raise OSError("stdout closed")

    handler = receiver.create_handler(table=FakeTable(), secret=SECRET, now_s=lambda: NOW, log=broken)
    assert call(handler, delivery(event_body()))[0] == 200


# --- the entry point ---------------------------------------------------------------------

def test_handler_builds_one_table_with_bounded_timeouts_and_retries(monkeypatch):
    made: dict[str, Any] = {}

    class Config:
        def __init__(self, **kwargs: Any) -> None:
            made["config"] = kwargs

    class Resource:
        def Table(self, name: str) -> FakeTable:  # noqa: N802 - boto3's own name
            made["table"] = name
            return FakeTable()

    def resource(service: str, config: Config) -> Resource:
        made["service"] = service
        return Resource()

    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(resource=resource))
    monkeypatch.setitem(sys.modules, "botocore", types.ModuleType("botocore"))
    monkeypatch.setitem(sys.modules, "botocore.config", types.SimpleNamespace(Config=Config))
    monkeypatch.setenv("EVENTS_TABLE", "stripe-events")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    # Loaded under its own name, so no other folder's handler.py is confused with this one.
    spec = importlib.util.spec_from_file_location("stripe_reference_handler", HERE / "handler.py")
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    assert made["service"] == "dynamodb" and made["table"] == "stripe-events"
    config = made["config"]
    assert config["connect_timeout"] <= 1 and config["read_timeout"] <= 2
    assert config["retries"]["max_attempts"] <= 2
    assert callable(handler.handler)
