"""The orders handler's logic: POST /orders creates an order at most once per Idempotency-Key.

This module never imports boto3. handler.py hands it the real DynamoDB client; the tests
hand it an in-memory fake with the same four methods, so pytest needs no AWS and no network.
Behaviour is the Node reference's (reference/lambda-node/orders.mjs), request for request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
import uuid
from typing import Any, Callable

ORDERS_PATH = "/orders"
KEY_HEADER = "idempotency-key"
SECRET_HEADER = "x-webhook-secret"
RECORD_TTL_S = 24 * 60 * 60
FALLBACK_LEASE_MS = 10_000  # used only when the context cannot say how long we have left
CONDITION_FAILED = "ConditionalCheckFailedException"

MESSAGES = {
    "unauthorized": "Missing or wrong x-webhook-secret header.",
    "not_found": "No such route; orders are created with POST /orders.",
    "method_not_allowed": "Only POST is allowed on /orders.",
    "idempotency_key_required": "The Idempotency-Key header is required and must not be empty.",
    "invalid_json": "The request body is not valid JSON.",
    "invalid_order": 'The body must be a JSON object with a finite number "amount" > 0 and a non-empty string "currency".',
    "idempotency_key_reused": "This Idempotency-Key was already used with a different request body.",
    "idempotency_key_in_progress": "A request with this Idempotency-Key is still being processed; retry shortly.",
    "service_unavailable": "The order could not be processed; retry with the same Idempotency-Key.",
}


def _utf8(text: str) -> bytes:
    # json.loads accepts lone surrogates ("\ud800"); a plain encode() would raise on them.
    return text.encode("utf-8", "surrogatepass")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(_utf8(text)).hexdigest()


def respond(status: int, body: Any, extra_headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(extra_headers or {})},
        "body": body if isinstance(body, str) else json.dumps(body),
    }


def fail(status: int, code: str) -> dict[str, Any]:
    return respond(status, {"error": code, "message": MESSAGES[code]})


# --- the request -------------------------------------------------------------------------

def _first_str(*candidates: Any) -> str:
    return next((c for c in candidates if isinstance(c, str)), "")


def normalise_event(event: Any) -> dict[str, Any]:
    """One view of API Gateway HTTP API 2.0 (and Function URL) and REST API 1.0 events."""
    e = event if isinstance(event, dict) else {}
    request_context = e.get("requestContext")
    http = request_context.get("http") if isinstance(request_context, dict) else None
    http = http if isinstance(http, dict) else {}
    method = _first_str(http.get("method"), e.get("httpMethod"))
    path = _first_str(e.get("rawPath"), e.get("path"), http.get("path"))
    # REST v1 keeps the client's header case; HTTP header names are case-insensitive.
    headers: dict[str, str] = {}
    raw_headers = e.get("headers")
    if isinstance(raw_headers, dict):
        for name, value in raw_headers.items():
            if value is not None:
                headers[str(name).lower()] = value if isinstance(value, str) else str(value)
    body = e.get("body") if isinstance(e.get("body"), str) else ""
    if e.get("isBase64Encoded") is True:
        try:  # lenient about missing padding, as Node's Buffer.from(body, "base64") is
            body = base64.b64decode(body + "==").decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            body = None  # not base64 at all: the body cannot be read, so it is not JSON
    return {"method": method, "path": path, "headers": headers, "body": body}


def secret_matches(provided: Any, expected: Any) -> bool:
    """Both sides hashed first: equal-length digests, so the time depends on neither value."""
    if not isinstance(expected, str) or expected == "":
        return False  # fail closed when unconfigured
    if not isinstance(provided, str):
        return False
    return hmac.compare_digest(hashlib.sha256(_utf8(provided)).digest(), hashlib.sha256(_utf8(expected)).digest())


# --- the body ----------------------------------------------------------------------------

def _no_constants(name: str) -> Any:
    # Python's json accepts NaN, Infinity and -Infinity; JSON (and the Node reference) does not.
    raise ValueError(f"{name} is not JSON")


def _parse_int(digits: str) -> int | float:
    # Python refuses int() of more than 4300 digits (ValueError, which would read as invalid_json);
    # such a number is far beyond any float, so it becomes inf, as JSON.parse makes it Infinity.
    return int(digits) if len(digits) <= 400 else float(digits)


def is_finite_number(value: Any) -> bool:
    # bool is a subclass of int: true is not an amount.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too big for a float
        return False


def _canonical(value: Any) -> Any:
    """Integral floats as ints, so 1200 and 1200.0 (one JSON number) give one fingerprint."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys at every level, so {"a":1,"b":2} and {"b":2,"a":1} are the same payload."""
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))


def parse_order(text: str | None) -> dict[str, Any]:
    if text is None or text.strip() == "":
        return {"error": "invalid_json"}
    try:
        body = json.loads(text, parse_constant=_no_constants, parse_int=_parse_int)
    except RecursionError:
        # Python's parser recurses: thousands of nested levels are refused like the Node
        # reference refuses what it cannot fingerprint (it cannot tell well-formed from not).
        return {"error": "invalid_order"}
    except ValueError:  # json.JSONDecodeError is a ValueError
        return {"error": "invalid_json"}
    if not isinstance(body, dict):
        return {"error": "invalid_order"}
    amount, currency = body.get("amount"), body.get("currency")
    # 1e999 parses to inf and "3200" is a string: both refused, as is true (a bool).
    if not is_finite_number(amount) or amount <= 0:
        return {"error": "invalid_order"}
    if not isinstance(currency, str) or currency.strip() == "":
        return {"error": "invalid_order"}
    try:
        fingerprint = sha256_hex(canonical_json(body))
    except (RecursionError, ValueError, TypeError):
        return {"error": "invalid_order"}  # nested too deep to serialise: refuse it, never a 5xx
    return {"order": body, "fingerprint": fingerprint}


# --- the idempotency record in DynamoDB ----------------------------------------------------

def is_condition_failure(error: BaseException) -> bool:
    """botocore's ClientError (and a fake with the same shape) carries the code in .response."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    return (response.get("Error") or {}).get("Code") == CONDITION_FAILED


def error_name(error: BaseException) -> str:
    """The error's class, or the service's error code: never its message, which may quote data."""
    response = getattr(error, "response", None)
    code = (response.get("Error") or {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) and code else type(error).__name__


class IdempotencyStore:
    """Conditional writes make the claim atomic: of many concurrent requests with one key,
    exactly one PutItem succeeds."""

    def __init__(self, client: Any, table_name: str | None, now_ms: Callable[[], int]) -> None:
        self.client, self.table, self.now_ms = client, table_name, now_ms

    def claim(self, pk: str, fingerprint: str, claim_id: str, lease_ms: int) -> bool:
        t = self.now_ms()
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": pk}, "status": {"S": "IN_PROGRESS"}, "fingerprint": {"S": fingerprint},
                    "claimId": {"S": claim_id}, "inProgressUntil": {"N": str(t + lease_ms)},
                    "expiresAt": {"N": str(t // 1000 + RECORD_TTL_S)},
                },
                # A claim left by an invocation that died is taken over once its lease has run out.
                ConditionExpression="attribute_not_exists(pk) OR (#s = :inprogress AND inProgressUntil < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":inprogress": {"S": "IN_PROGRESS"}, ":now": {"N": str(t)}},
            )
            return True
        except Exception as error:
            if is_condition_failure(error):
                return False
            raise

    def get(self, pk: str) -> dict[str, Any] | None:
        out = self.client.get_item(TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True)
        return (out or {}).get("Item")

    # claimId guards against completing (or below, deleting) a claim another request took over.
    def complete(self, pk: str, fingerprint: str, claim_id: str, response_body: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": pk}},
            UpdateExpression="SET #s = :completed, responseBody = :body",
            ConditionExpression="fingerprint = :fp AND claimId = :claim",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":completed": {"S": "COMPLETED"}, ":body": {"S": response_body},
                ":fp": {"S": fingerprint}, ":claim": {"S": claim_id},
            },
        )

    def release(self, pk: str, claim_id: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": pk}},
                ConditionExpression="claimId = :claim AND #s = :inprogress",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":claim": {"S": claim_id}, ":inprogress": {"S": "IN_PROGRESS"}},
            )
        except Exception:
            pass  # not ours any more, or the store is down: the lease expires by itself either way


def _attr(record: dict[str, Any] | None, name: str) -> Any:
    value = (record or {}).get(name)
    return value.get("S") if isinstance(value, dict) else None


def answer_existing(record: dict[str, Any] | None, fingerprint: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Someone else holds the key: tell apart a replay, a reuse and a request still in flight."""
    if record is not None and _attr(record, "fingerprint") != fingerprint:
        return fail(422, "idempotency_key_reused")
    stored = _attr(record, "responseBody")
    if _attr(record, "status") == "COMPLETED" and isinstance(stored, str):
        meta["outcome"] = "replayed"
        meta["orderId"] = json.loads(stored).get("orderId")
        return respond(202, stored, {"idempotent-replayed": "true"})
    # Still IN_PROGRESS, or the claim was released between our PutItem and GetItem: retry later.
    return fail(409, "idempotency_key_in_progress")


def default_log(entry: dict[str, Any]) -> None:
    print(json.dumps(entry), flush=True)


def _lease_ms(context: Any) -> int:
    try:
        remaining = context.get_remaining_time_in_millis()
    except Exception:
        remaining = None
    if isinstance(remaining, (int, float)) and not isinstance(remaining, bool) and math.isfinite(remaining) \
            and remaining > 0:
        return int(remaining)
    return FALLBACK_LEASE_MS


def create_handler(*, client: Any, table_name: str | None, secret: str | None,
                   now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
                   log: Callable[[dict[str, Any]], None] = default_log,
                   new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> Callable[[Any, Any], dict[str, Any]]:
    store = IdempotencyStore(client, table_name, now_ms)

    def process_once(key: str, parsed: dict[str, Any], context: Any, meta: dict[str, Any]) -> dict[str, Any]:
        # The record key is a hash: bounded length whatever the client sends, and no raw key stored.
        pk = f"orders#{sha256_hex(key)}"
        fingerprint, order = parsed["fingerprint"], parsed["order"]
        claim_id = new_id()
        if not store.claim(pk, fingerprint, claim_id, _lease_ms(context)):
            return answer_existing(store.get(pk), fingerprint, meta)
        try:
            order_id = new_id()
            body = json.dumps({"orderId": order_id, "status": "accepted",
                               "amount": order["amount"], "currency": order["currency"]})
            store.complete(pk, fingerprint, claim_id, body)
        except Exception:
            store.release(pk, claim_id)  # so a retry with the same key can run
            raise
        meta["outcome"], meta["orderId"] = "accepted", order_id
        return respond(202, body)

    def route(event: Any, context: Any, meta: dict[str, Any]) -> dict[str, Any]:
        req = normalise_event(event)
        # Auth first: an unauthenticated caller learns nothing, not even which routes exist.
        if not secret_matches(req["headers"].get(SECRET_HEADER), secret):
            return fail(401, "unauthorized")
        if req["path"] != ORDERS_PATH:
            return fail(404, "not_found")
        meta["route"] = ORDERS_PATH
        if req["method"] != "POST":
            return fail(405, "method_not_allowed")
        key = req["headers"].get(KEY_HEADER, "").strip()
        if key == "":
            return fail(400, "idempotency_key_required")
        meta["keyHash"] = sha256_hex(key)[:12]  # correlates retries in logs without the key
        # Validation happens before any store call, so a rejected request never claims its key.
        parsed = parse_order(req["body"])
        if "error" in parsed:
            return fail(400, parsed["error"])
        return process_once(key, parsed, context, meta)

    def handler(event: Any, context: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {"route": "unmatched"}
        try:
            response = route(event, context, meta)
        except Exception as error:
            meta["errorName"] = error_name(error)  # the name only: SDK messages may quote request data
            response = fail(503, "service_unavailable")
        status = response["statusCode"]
        entry = {
            "level": "error" if status >= 500 else "warn" if status >= 400 else "info",
            "message": "order failed" if status >= 500 else "request rejected" if status >= 400 else "order answered",
            "requestId": getattr(context, "aws_request_id", None),
            "route": meta["route"],
            "outcome": meta.get("outcome") or json.loads(response["body"]).get("error"),
            "status": status,
            "orderId": meta.get("orderId"),
            "keyHash": meta.get("keyHash"),
            "errorName": meta.get("errorName"),
        }
        try:
            log({k: v for k, v in entry.items() if v is not None})
        except Exception:
            pass  # a broken log sink must not turn an answered request into a failed invocation
        return response

    return handler
