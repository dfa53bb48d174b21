"""Event fixtures and the mapping between Requests, Lambda events and proxy results."""

from __future__ import annotations

import base64
import json

import pytest

from conftest import ROOT
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.events import build_event, result_to_response
from fnproof.core.datafile import load_json, validate
from fnproof.core.errors import UsageError

FIXTURES = sorted((ROOT / "conformance/fixtures").glob("*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_is_a_valid_event(path):
    load_json(path, "event.schema.json")


def test_schema_rejects_upper_case_headers_in_a_v2_event():
    event = json.loads((ROOT / "conformance/fixtures/http-api-v2.json").read_text())
    event["headers"]["Idempotency-Key"] = "k"
    with pytest.raises(UsageError, match="headers"):
        validate(event, "event.schema.json", source="event")


def request(shape: str, body: bytes | None = b'{"a": 1}') -> Request:
    return Request("POST", "/orders", (("Idempotency-Key", "k1"), ("X-Dup", "a"), ("x-dup", "b")), body, shape)  # type: ignore[arg-type]


def test_v2_lower_cases_and_joins_headers():
    event = build_event(request("v2"))
    assert event["headers"]["idempotency-key"] == "k1" and event["headers"]["x-dup"] == "a,b"
    assert event["requestContext"]["http"]["method"] == "POST" and event["rawPath"] == "/orders"
    validate(event, "event.schema.json", source="built")


def test_v1_keeps_header_case():
    event = build_event(request("v1"))
    assert "Idempotency-Key" in event["headers"] and "idempotency-key" not in event["headers"]
    assert event["httpMethod"] == "POST" and event["multiValueHeaders"]["Idempotency-Key"] == ["k1"]
    validate(event, "event.schema.json", source="built")


def test_base64_shape_encodes_the_body():
    event = build_event(request("base64"))
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b'{"a": 1}'


def test_no_body_means_no_body_field_in_v2():
    assert "body" not in build_event(request("v2", None))


@pytest.mark.parametrize("result, shape, status, outcome", [
    ({"statusCode": 202, "body": "{}"}, "v2", 202, "ok"),
    ({"ok": True}, "v2", 200, "ok"),            # payload 2.0 infers a 200 JSON response
    ({"ok": True}, "v1", 502, "bad-result"),    # REST 1.0 does not
    ({"statusCode": 200, "body": {"x": 1}}, "v2", 502, "bad-result"),
    ({"statusCode": "abc"}, "v2", 502, "bad-result"),
])
def test_proxy_results(result, shape, status, outcome):
    response = result_to_response(result, shape)
    assert (response.status, response.outcome) == (status, outcome)


def test_result_headers_are_lower_cased_and_base64_decoded():
    body = base64.b64encode(b'{"x":1}').decode()
    response = result_to_response({"statusCode": 200, "headers": {"Content-Type": "application/json"},
                                   "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                                   "body": body, "isBase64Encoded": True}, "v2")
    assert response.headers["content-type"] == "application/json" and response.json() == {"x": 1}
    assert response.headers["set-cookie"] == "a=1,b=2"
