"""The Stripe webhook receiver's logic: POST /webhooks/stripe records each event once.

This module never imports boto3. handler.py hands it a real DynamoDB ``Table`` (boto3's
resource API); the tests hand it an in-memory fake with the same ``put_item``, so pytest
needs no AWS and no network.

Order of work, each step before the next: route, Stripe-Signature over the raw bytes (and its
timestamp), JSON, the event's shape, then one conditional write per event id. Nothing is
parsed or stored for a request whose signature does not verify.

Verification follows what Stripe's own libraries do (stripe-python ``WebhookSignature``):
the header is ``t=<unix seconds>,v1=<hex>[,v1=<hex>...]``; the signed text is
``"{t}.{raw body}"``; the key is the whole ``whsec_...`` string as UTF-8 (it is not decoded);
any ``v1`` entry may match (several are sent while a secret rotates); a timestamp older than
300 s is refused, a newer one is not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

ROUTE = "/webhooks/stripe"
SIGNATURE_HEADER = "stripe-signature"
TOLERANCE_S = 300
RECORD_TTL_S = 30 * 24 * 60 * 60  # Stripe retries for up to three days; keep ids for 30
MAX_EVENT_ID = 255
CONDITION_FAILED = "ConditionalCheckFailedException"
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

MESSAGES = {
    "not_found": "No such route; Stripe events go to POST /webhooks/stripe.",
    "method_not_allowed": "Only POST is allowed here.",
    "invalid_signature": "Missing, malformed, wrong or expired Stripe-Signature.",
    "invalid_json": "The body is not JSON.",
    "invalid_event": "The body is not a Stripe event: an object with a string id and type, object \"event\".",
    "service_unavailable": "The event could not be recorded; Stripe will retry it.",
}


def respond(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def fail(status: int, code: str) -> dict[str, Any]:
    return respond(status, {"error": code, "message": MESSAGES[code]})


# --- the request -------------------------------------------------------------------------

def _first_str(*candidates: Any) -> str:
    return next((c for c in candidates if isinstance(c, str)), "")


def normalise_event(event: Any) -> dict[str, Any]:
    """One view of API Gateway HTTP API 2.0 (and Function URL) and REST API 1.0 events.
    The body stays bytes: the signature is over exactly what Stripe sent."""
    e = event if isinstance(event, dict) else {}
    request_context = e.get("requestContext")
    http = request_context.get("http") if isinstance(request_context, dict) else None
    http = http if isinstance(http, dict) else {}
    method = _first_str(http.get("method"), e.get("httpMethod"))
    path = _first_str(e.get("rawPath"), e.get("path"))
    headers: dict[str, str] = {}
    raw_headers = e.get("headers")
    if isinstance(raw_headers, dict):
        for name, value in raw_headers.items():
            if value is not None:
                headers[str(name).lower()] = value if isinstance(value, str) else str(value)
    text = e.get("body") if isinstance(e.get("body"), str) else ""
    if e.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None  # flagged base64 but not base64: there are no bytes that could verify
    else:
        raw = text.encode("utf-8", "surrogatepass")
    return {"method": method, "path": path, "headers": headers, "raw": raw}


# --- the signature -----------------------------------------------------------------------

def parse_signature_header(header: str | None) -> tuple[int, list[str]] | None:
    """The timestamp and every v1 signature, or None when the header cannot be used.
    Unknown schemes (v0, future versions) are ignored, as Stripe's libraries ignore them."""
    if not isinstance(header, str):
        return None
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if name == "t" and _TIMESTAMP.fullmatch(value):
            timestamp = int(value)
        elif name == "v1" and _HEX_SHA256.fullmatch(value):
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def signature_valid(raw: bytes | None, header: str | None, secret: str | None, now_s: float,
                    tolerance_s: int = TOLERANCE_S) -> bool:
    """HMAC-SHA256 of "{t}.{raw body}" under the whole whsec_ secret; any v1 may match.
    Every candidate is compared (in constant time), so the time taken says nothing about
    which one matched. A missing secret fails closed."""
    if not isinstance(secret, str) or secret == "" or raw is None:
        return False
    parsed = parse_signature_header(header)
    if parsed is None:
        return False
    timestamp, candidates = parsed
    if timestamp < now_s - tolerance_s:
        return False  # stale: a replay of a captured delivery
    signed = str(timestamp).encode() + b"." + raw
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest().encode()
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode(), expected)
    return matched


# --- the body ----------------------------------------------------------------------------

def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN and Infinity; JSON does not


def parse_event(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(event, None), or (None, error code)."""
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except RecursionError:
        return None, "invalid_event"  # nested thousands deep: no Stripe event looks like that
    except ValueError:  # not UTF-8, or not JSON (json.JSONDecodeError is a ValueError)
        return None, "invalid_json"
    if not isinstance(document, dict):
        return None, "invalid_event"
    event_id, event_type = document.get("id"), document.get("type")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > MAX_EVENT_ID:
        return None, "invalid_event"
    if not isinstance(event_type, str) or not event_type.strip():
        return None, "invalid_event"
    if document.get("object") != "event":  # e.g. a thin "v2.core.event" notification
        return None, "invalid_event"
    return document, None


# --- the event record in DynamoDB --------------------------------------------------------

def error_code(error: BaseException) -> str | None:
    """botocore's ClientError (and a fake with the same shape) carries the code in .response."""
    response = getattr(error, "response", None)
    code = (response.get("Error") or {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) and code else None


class EventStore:
    """One conditional PutItem per event id: of many concurrent deliveries, exactly one wins."""

    def __init__(self, table: Any, now_s: Callable[[], float]) -> None:
        self.table, self.now_s = table, now_s

    def record(self, event: dict[str, Any]) -> bool:
        """True the first time this event id is seen; False for a redelivery."""
        now = int(self.now_s())
        try:
            self.table.put_item(
                Item={
                    "pk": f"event#{event['id']}",
                    "event_id": event["id"],
                    "type": event["type"],
                    "livemode": event.get("livemode") is True,
                    "status": "received",
                    "received_at": now,
                    "expires_at": now + RECORD_TTL_S,
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except Exception as error:
            if error_code(error) == CONDITION_FAILED:
                return False
            raise


def default_log(entry: dict[str, Any]) -> None:
    print(json.dumps(entry), flush=True)


def create_handler(*, table: Any, secret: str | None, now_s: Callable[[], float] = time.time,
                   log: Callable[[dict[str, Any]], None] = default_log) -> Callable[[Any, Any], dict[str, Any]]:
    store = EventStore(table, now_s)

    def route(event: Any, meta: dict[str, Any]) -> dict[str, Any]:
        req = normalise_event(event)
        if req["path"] != ROUTE:
            return fail(404, "not_found")
        if req["method"] != "POST":
            return fail(405, "method_not_allowed")
        if not signature_valid(req["raw"], req["headers"].get(SIGNATURE_HEADER), secret, now_s()):
            return fail(400, "invalid_signature")
        document, problem = parse_event(req["raw"])
        if document is None:
            return fail(400, problem or "invalid_event")
        meta["eventId"], meta["type"] = document["id"], document["type"][:100]
        # The event is recorded, not processed: the work belongs to whatever reads the table,
        # so Stripe gets its 2xx at once and does not time out and retry.
        first = store.record(document)
        meta["outcome"] = "recorded" if first else "duplicate"
        return respond(200, {"received": True} if first else {"received": True, "duplicate": True})

    def handler(event: Any, context: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        try:
            response = route(event, meta)
        except Exception as error:
            # The code or class only: botocore messages can quote the request.
            meta["errorName"] = error_code(error) or type(error).__name__
            response = fail(503, "service_unavailable")
        status = response["statusCode"]
        entry = {
            "level": "error" if status >= 500 else "warn" if status >= 400 else "info",
            "message": "event rejected" if status >= 400 else "event answered",
            "requestId": getattr(context, "aws_request_id", None),
            "status": status,
            "outcome": meta.get("outcome") or json.loads(response["body"]).get("error"),
            "eventId": meta.get("eventId"),
            "type": meta.get("type"),
            "errorName": meta.get("errorName"),
        }
        try:
            log({k: v for k, v in entry.items() if v is not None})
        except Exception:
            pass  # a broken log sink must not turn an answered delivery into a failed invocation
        return response

    return handler
