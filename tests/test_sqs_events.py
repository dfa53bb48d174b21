"""SQS batches: the events the Lambda runtimes send a queue consumer, read back as Lambda reads a
partial batch response, and the real local queue they come from."""

from __future__ import annotations

import hashlib

import pytest

from fnproof.conformance.http import QueueMessage, Request
from fnproof.conformance.runtimes.aws_lambda.events import build_event, read_batch_response
from fnproof.conformance.services.dynamodb import LocalDynamoDB
from fnproof.conformance.services.sqs_queue import MAX_RECEIVE_COUNT, LocalQueues
from fnproof.core.datafile import validate
from fnproof.core.errors import UsageError

ARN = "arn:aws:sqs:us-east-1:123456789012:orders-1a2b"


def message(message_id: str, body: str = '{"orderId": "o1"}') -> QueueMessage:
    return QueueMessage(message_id, f"handle-of-{message_id}", body, hashlib.md5(body.encode()).hexdigest(),
                        (("ApproximateReceiveCount", "1"), ("ApproximateFirstReceiveTimestamp", "1764633600010"),
                         ("SenderId", "AIDAEXAMPLE"), ("SentTimestamp", "1764633600000")),
                        (("eventType", "String", "OrderPlaced"),), ARN)


BATCH = (message("m1"), message("m2", "not-json"), message("m3"))


def test_an_sqs_batch_event_has_every_field_lambda_sends_and_fits_the_schema():
    event = build_event(Request("", "", shape="sqs", records=BATCH))
    validate(event, "event.schema.json", source="built")
    first = event["Records"][0]
    assert [r["messageId"] for r in event["Records"]] == ["m1", "m2", "m3"]
    assert first["receiptHandle"] == "handle-of-m1" and first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"] == ARN and first["awsRegion"] == "us-east-1"
    assert first["md5OfBody"] == hashlib.md5(b'{"orderId": "o1"}').hexdigest()
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["messageAttributes"] == {"eventType": {"stringValue": "OrderPlaced", "stringListValues": [],
                                                        "binaryListValues": [], "dataType": "String"}}


def test_the_schema_refuses_a_record_from_another_source():
    event = build_event(Request("", "", shape="sqs", records=BATCH[:1]))
    event["Records"][0]["eventSource"] = "aws:sns"
    with pytest.raises(UsageError, match="eventSource|Records|allowed forms"):
        validate(event, "event.schema.json", source="event")


@pytest.mark.parametrize("result", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None},
                                    {"other": 1}])
def test_lambda_reads_these_as_complete_success(result):
    assert read_batch_response(result, BATCH) == ((), None)


def test_only_the_reported_messages_go_back():
    failed, whole = read_batch_response({"batchItemFailures": [{"itemIdentifier": "m2"}]}, BATCH)
    assert failed == ("m2",) and whole is None


@pytest.mark.parametrize("result, why", [
    ({"batchItemFailures": [{"itemIdentifier": "handle-of-m2"}]}, "no messageId of the batch"),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, "without an itemIdentifier"),
    ({"batchItemFailures": [{"itemIdentifier": None}]}, "without an itemIdentifier"),
    ({"batchItemFailures": [{"id": "m2"}]}, "without an itemIdentifier"),
    ({"batchItemFailures": ["m2"]}, "without an itemIdentifier"),
    ({"batchItemFailures": "m2"}, "not a list"),
    ("ok", "not a batch response"),
])
def test_an_identifier_lambda_cannot_match_fails_the_whole_batch(result, why):
    failed, whole = read_batch_response(result, BATCH)
    assert failed == ("m1", "m2", "m3") and whole is not None and why in whole


@pytest.mark.runtime
def test_a_real_local_queue_hands_out_messages_redelivers_and_keeps_failures():
    store = LocalDynamoDB().start()
    try:
        queue = LocalQueues(lambda: store.endpoint().url).new_queue()
        sent = queue.deliverable(["a", "b"], {"eventType": "OrderPlaced"})
        assert [m.body for m in sent] == ["a", "b"] and all(m.receive_count == 1 for m in sent)
        assert sent[0].queue_arn == queue.arn and sent[0].md5_of_body == hashlib.md5(b"a").hexdigest()
        assert sent[0].message_attributes == (("eventType", "String", "OrderPlaced"),)
        again = queue.redeliver(sent)  # not deleted: the same messages, new receipt handles
        assert [m.message_id for m in again] == [m.message_id for m in sent]
        assert all(m.receive_count == 2 for m in again) and again[0].receipt_handle != sent[0].receipt_handle
        queue.settle(again, failed=[sent[1].message_id])  # the mapping deletes a, returns b
        back = queue.receive([m.message_id for m in sent])
        assert [m.body for m in back] == ["b"]
        for _ in range(MAX_RECEIVE_COUNT):  # failed on every receive: the redrive policy moves it
            queue.release(back)
            back = queue.receive([sent[1].message_id])
        assert back == [] and queue.dead_letters() == ["b"]
    finally:
        store.stop()
