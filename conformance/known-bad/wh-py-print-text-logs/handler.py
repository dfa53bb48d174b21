"""Stripe webhook receiver (AWS Lambda, Python 3.12): POST /webhooks/stripe verifies
Stripe-Signature over the raw body and records each event id once in DynamoDB."""

import base64
import hashlib
import hmac
import json
import os
import time

import boto3
from botocore.config import Config

ROUTE = "/webhooks/stripe"
TOLERANCE_S = 300
RECORD_TTL_S = 30 * 24 * 60 * 60

table = boto3.resource(
    "dynamodb", config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})
).Table(os.environ["EVENTS_TABLE"])
SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")


def respond(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def fail(status, code):
    return respond(status, {"error": code})


def read_request(event):
    http = (event.get("requestContext") or {}).get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items() if v is not None}
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    method = http.get("method") or event.get("httpMethod", "")
    path = event.get("rawPath") or event.get("path", "")
    return method, path, headers, raw


def verify_signature(raw, header):
    if not SECRET or not header:
        return False
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if timestamp < time.time() - TOLERANCE_S:
        return False
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures if candidate.isascii())


def parse_event(raw):
    try:
        event = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None, "invalid_json"
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"] \
            or not isinstance(event.get("type"), str) or not event["type"]:
        return None, "invalid_event"
    return event, None


def record_event(event):
    now = int(time.time())
    try:
        table.put_item(
            Item={"pk": f"event#{event['id']}", "event_id": event["id"], "type": event["type"],
                  "received_at": now, "expires_at": now + RECORD_TTL_S},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return True
    except Exception as error:
        if getattr(error, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise


def route(event, meta):
    method, path, headers, raw = read_request(event)
    if path != ROUTE:
        return fail(404, "not_found")
    if method != "POST":
        return fail(405, "method_not_allowed")
    if not verify_signature(raw, headers.get("stripe-signature")):
        return fail(400, "invalid_signature")
    stripe_event, problem = parse_event(raw)
    if problem:
        return fail(400, problem)
    meta["event_id"] = stripe_event["id"]
    first = record_event(stripe_event)
    meta["outcome"] = "recorded" if first else "duplicate"
    return respond(200, {"received": True})


def handler(event, context):
    meta = {}
    try:
        response = route(event if isinstance(event, dict) else {}, meta)
    except Exception as error:
        meta["error"] = type(error).__name__
        response = fail(503, "service_unavailable")
    status = response["statusCode"]
    outcome = meta.get("outcome") or json.loads(response["body"]).get("error")
    print(f"stripe event {meta.get('event_id', '-')} answered {status} ({outcome})")
    return response
