"""Turn a Request into a Lambda event (API Gateway proxy, or an SQS batch), and a handler's
result into a Response.

The events start from the shared fixtures in conformance/fixtures/ so the suite sends
exactly what users test with. The result mapping follows API Gateway: payload 2.0 infers
a 200 JSON response from a bare value; 1.0 demands a proxy object or answers 502. An SQS
batch's result is read as Lambda reads a partial batch response (ReportBatchItemFailures on):
only `batchItemFailures[].itemIdentifier` naming messages of the batch go back to the queue,
and anything Lambda cannot read that way sends the whole batch back. An S3 notification names
each object by its URL-encoded key, as S3 sends it (form encoding: a space is `+`, a plus
`%2B`, other bytes of UTF-8 percent-encoded; `/` kept).
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from functools import cache
from typing import Any
from urllib.parse import quote_plus

from fnproof.conformance.http import QueueMessage, Request, Response, StoredObject
from fnproof.core.datafile import load_json
from fnproof.core.paths import data_path

FIXTURES = {"v2": "http-api-v2.json", "base64": "http-api-v2-base64.json",
            "function-url": "function-url.json", "v1": "rest-v1.json", "sqs": "sqs-batch.json",
            "s3": "s3-put.json"}


@cache
def fixture(shape: str) -> dict[str, Any]:
    return load_json(data_path("conformance", "fixtures", FIXTURES[shape]), "event.schema.json")


def build_event(request: Request) -> dict[str, Any]:
    if request.shape == "sqs":
        return build_sqs_event(request.records)
    if request.shape == "s3":
        return build_s3_event(request.objects)
    event = copy.deepcopy(fixture(request.shape))
    body = request.body
    encoded = request.shape == "base64"
    text = None if body is None else (base64.b64encode(body).decode() if encoded else body.decode("utf-8", "replace"))
    request_id = str(uuid.uuid4())
    path, _, query = request.path.partition("?")
    if request.shape == "v1":
        as_sent = dict(request.headers)  # payload 1.0 keeps the client's case
        event.update(path=path, resource=path, httpMethod=request.method, headers=as_sent,
                     multiValueHeaders={k: [v] for k, v in as_sent.items()}, body=text, isBase64Encoded=False)
        ctx = event["requestContext"]
        ctx.update(httpMethod=request.method, requestId=request_id, path="/prod" + path,
                   resourcePath=path, requestTimeEpoch=int(time.time() * 1000))
        return event
    headers: dict[str, str] = {}
    for name, value in request.headers:  # payload 2.0 lower-cases and comma-joins repeats
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    event.update(rawPath=path, rawQueryString=query, headers=headers, isBase64Encoded=encoded)
    if text is None:
        event.pop("body", None)
    else:
        event["body"] = text
    ctx = event["requestContext"]
    ctx["http"].update(method=request.method, path=path)
    ctx.update(requestId=request_id, timeEpoch=int(time.time() * 1000))
    return event


def _malformed(reason: str) -> Response:
    return Response(status=502, headers={"content-type": "application/json"},
                    body=b'{"message":"Internal Server Error"}', outcome="bad-result",
                    error=f"malformed proxy result: {reason}")


def result_to_response(result: Any, shape: str) -> Response:
    if not (isinstance(result, dict) and "statusCode" in result):
        if shape == "v1":
            return _malformed("REST API (1.0) needs an object with statusCode")
        inferred = result if isinstance(result, str) else json.dumps(result)
        return Response(status=200, headers={"content-type": "application/json"}, body=inferred.encode())
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or not 100 <= status <= 599:
        return _malformed(f"statusCode {status!r} is not an HTTP status")
    headers: dict[str, str] = {}
    for source in (result.get("multiValueHeaders") or {}, result.get("headers") or {}):
        if not isinstance(source, dict):
            return _malformed("headers must be an object")
        for name, value in source.items():
            headers[str(name).lower()] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    body: Any = result.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str):
        raw = body.encode()
        if result.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(body, validate=True)
            except ValueError:
                return _malformed("isBase64Encoded is true but body is not base64")
    else:
        return _malformed(f"body must be a string, got {type(body).__name__}")
    return Response(status=status, headers=headers, body=raw)


def build_sqs_event(records: tuple[QueueMessage, ...]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends for messages it received from the queue."""
    template = fixture("sqs")["Records"][0]
    batch = []
    for message in records:
        record = copy.deepcopy(template)
        region = message.queue_arn.split(":")[3]
        record.update(
            messageId=message.message_id, receiptHandle=message.receipt_handle, body=message.body,
            attributes=dict(message.attributes), md5OfBody=message.md5_of_body, eventSourceARN=message.queue_arn,
            awsRegion=region,
            messageAttributes={name: {"stringValue": value, "stringListValues": [], "binaryListValues": [],
                                      "dataType": data_type} for name, data_type, value in message.message_attributes})
        batch.append(record)
    return {"Records": batch}


def read_batch_response(result: Any, records: tuple[QueueMessage, ...]) -> tuple[tuple[str, ...], str | None]:
    """(the messageIds that go back to the queue, why the whole batch failed or None), as Lambda decides.

    A null or empty response, or an empty or null `batchItemFailures`, is a complete success.
    An identifier that is empty, null, under another key, or names no message of the batch
    (a receipt handle, an index) fails the whole batch: every message comes back.
    """
    everything = tuple(m.message_id for m in records)
    if result is None or result == {}:
        return (), None
    if not isinstance(result, dict):
        return everything, f"the handler returned {json.dumps(result)[:80]}, which is not a batch response object"
    failures = result.get("batchItemFailures")
    if failures is None or failures == []:
        return (), None
    if not isinstance(failures, list):
        return everything, f"batchItemFailures is {json.dumps(failures)[:80]}, not a list"
    known, failed = set(everything), []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return everything, f"batchItemFailures holds {json.dumps(item)[:80]}, without an itemIdentifier"
        if identifier not in known:
            return everything, (f"itemIdentifier {identifier[:60]!r} is no messageId of the batch, so Lambda "
                                "fails the whole batch")
        failed.append(identifier)
    return tuple(m for m in everything if m in failed), None


def encoded_key(key: str) -> str:
    """An object key as S3 writes it into an event notification."""
    return quote_plus(key, safe="/")


def build_s3_event(objects: tuple[StoredObject, ...]) -> dict[str, Any]:
    """The ObjectCreated:Put notification S3 sends a function for objects just written."""
    template = fixture("s3")["Records"][0]
    records = []
    for obj in objects:
        record = copy.deepcopy(template)
        record["eventTime"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        record["responseElements"]["x-amz-request-id"] = uuid.uuid4().hex[:16].upper()
        bucket = record["s3"]["bucket"]
        bucket.update(name=obj.bucket, arn=f"arn:aws:s3:::{obj.bucket}")
        record["s3"]["object"] = {"key": encoded_key(obj.key), "size": obj.size, "eTag": obj.etag,
                                  "versionId": obj.version_id, "sequencer": obj.sequencer}
        records.append(record)
    return {"Records": records}
