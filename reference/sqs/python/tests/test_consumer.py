"""Tests for the SQS consumer with an in-memory table fake: only the standard library and
pytest, run with `python -m pytest tests` from reference/sqs/python (no AWS, no network)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consumer import make_handler, parse_order  # noqa: E402

PII = "jo.pii-canary@example.com"


class ConditionFailed(Exception):
    response = {"Error": {"Code": "ConditionalCheckFailedException"}}


class FakeTable:
    """put_item with attribute_not_exists(pk), as DynamoDB honours it; `down` raises like an outage."""

    def __init__(self, down: bool = False) -> None:
        self.items: dict[str, dict] = {}
        self.down = down

    def put_item(self, Item, ConditionExpression):  # noqa: N803 - boto3's argument names
        assert ConditionExpression == "attribute_not_exists(pk)"
        if self.down:
            raise TimeoutError("connect timeout")
        if Item["pk"] in self.items:
            raise ConditionFailed()
        self.items[Item["pk"]] = dict(Item)


class Context:
    aws_request_id = "req-1"


def record(body: str, message_id: str) -> dict:
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": body, "attributes": {},
            "messageAttributes": {}, "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders", "awsRegion": "us-east-1"}


def order(order_id: str, **extra) -> str:
    return json.dumps({"orderId": order_id, "amount": 12, "currency": "EUR", "customer": {"email": PII}, **extra})


def run(table, *records):
    logs: list[dict] = []
    result = make_handler(table, now=lambda: 1_764_590_400, log=logs.append)({"Records": list(records)}, Context())
    return result, logs


def test_a_valid_batch_records_each_order_and_reports_nothing():
    table = FakeTable()
    result, _ = run(table, record(order("o1"), "m1"), record(order("o2"), "m2"))
    assert result == {"batchItemFailures": []}
    assert sorted(table.items) == ["order#o1", "order#o2"]


@pytest.mark.parametrize("poison", ["not-json", "{", "null", "[1]", '{"orderId": "o9"}',
                                    '{"orderId": "o9", "amount": -1, "currency": "EUR"}',
                                    '{"orderId": "o9", "amount": true, "currency": "EUR"}'])
def test_a_poison_message_is_reported_alone(poison):
    table = FakeTable()
    result, _ = run(table, record(order("o1"), "m1"), record(poison, "bad"), record(order("o2"), "m2"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert sorted(table.items) == ["order#o1", "order#o2"]


def test_a_redelivery_and_a_duplicate_send_are_processed_without_a_second_record():
    table = FakeTable()
    run(table, record(order("o1"), "m1"))
    result, logs = run(table, record(order("o1"), "m1"), record(order("o1"), "m-resent"))
    assert result == {"batchItemFailures": []}
    assert list(table.items) == ["order#o1"]
    assert [line.get("outcome") for line in logs if "outcome" in line] == ["duplicate", "duplicate"]


def test_a_store_error_reports_the_message_for_a_retry_and_raises_nothing():
    result, logs = run(FakeTable(down=True), record(order("o1"), "m1"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert any(line["level"] == "error" and line["error"] == "TimeoutError" for line in logs)


def test_logs_are_json_objects_without_the_body_or_personal_data():
    _, logs = run(FakeTable(), record(order("o1"), "m1"), record("not-json", "bad"))
    text = "\n".join(json.dumps(line) for line in logs)
    assert PII not in text and "not-json" not in text


def test_parse_order_names_the_problem():
    assert parse_order("{")[1] == "invalid_json"
    assert parse_order('{"orderId": "o", "amount": 1}')[1] == "invalid_currency"
    assert parse_order(order("o"))[0]["orderId"] == "o"
