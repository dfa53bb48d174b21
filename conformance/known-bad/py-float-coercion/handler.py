"""POST /orders: create an order at most once per Idempotency-Key (AWS Lambda, Python 3.12).

DynamoDB holds the idempotency record: a conditional PutItem claims the key, the stored
response body answers replays.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import boto3
from botocore.config import Config

TABLE = os.environ.get("IDEMPOTENCY_TABLE")
SECRET = os.environ.get("WEBHOOK_SECRET")
# once per execution environment; bounded waits so an unreachable store answers 503 in time
dynamodb = boto3.client("dynamodb", config=Config(connect_timeout=1, read_timeout=2,
                                                  retries={"max_attempts": 2, "mode": "standard"}))


def respond(status, body, headers=None):
    return {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})},
            "body": body if isinstance(body, str) else json.dumps(body)}


def fail(status, code):
    return respond(status, {"error": code, "message": code.replace("_", " ")})


def log(**fields):
    print(json.dumps({k: v for k, v in fields.items() if v is not None}))


def sha256(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass"))


def is_condition_failure(error):
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def read_request(event):
    event = event if isinstance(event, dict) else {}
    http = (event.get("requestContext") or {}).get("http") or {}
    method = http.get("method") or event.get("httpMethod") or ""
    path = event.get("rawPath") or event.get("path") or ""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items() if v is not None}
    body = event.get("body") if isinstance(event.get("body"), str) else ""
    if event.get("isBase64Encoded") is True:
        try:
            body = base64.b64decode(body + "==").decode("utf-8", "replace")
        except ValueError:
            body = ""
    return method, path, headers, body


def authorized(headers):
    provided = headers.get("x-webhook-secret")
    if not SECRET or provided is None:
        return False  # fail closed
    return hmac.compare_digest(sha256(provided).digest(), sha256(SECRET).digest())


def parse_order(text):
    if not text.strip():
        return None, "invalid_json"
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None, "invalid_json"
    if not isinstance(body, dict):
        return None, "invalid_order"
    try:
        amount = float(body["amount"])  # tolerate clients that send numbers as strings
    except (KeyError, TypeError, ValueError):
        return None, "invalid_order"
    if amount <= 0:
        return None, "invalid_order"
    currency = body.get("currency")
    if not isinstance(currency, str) or not currency.strip():
        return None, "invalid_order"
    return body, None


def claim(pk, fingerprint, claim_id, lease_ms):
    now = int(time.time() * 1000)
    try:
        dynamodb.put_item(
            TableName=TABLE,
            Item={"pk": {"S": pk}, "status": {"S": "IN_PROGRESS"}, "fingerprint": {"S": fingerprint},
                  "claimId": {"S": claim_id}, "inProgressUntil": {"N": str(now + lease_ms)},
                  "expiresAt": {"N": str(now // 1000 + 86400)}},
            ConditionExpression="attribute_not_exists(pk) OR (#s = :p AND inProgressUntil < :now)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": {"S": "IN_PROGRESS"}, ":now": {"N": str(now)}})
        return True
    except Exception as error:
        if is_condition_failure(error):
            return False
        raise


def lookup(pk):
    return dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def complete(pk, fingerprint, claim_id, body):
    dynamodb.update_item(
        TableName=TABLE, Key={"pk": {"S": pk}},
        UpdateExpression="SET #s = :done, responseBody = :body",
        ConditionExpression="fingerprint = :fp AND claimId = :claim",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":body": {"S": body},
                                   ":fp": {"S": fingerprint}, ":claim": {"S": claim_id}})


def release(pk, claim_id):
    try:
        dynamodb.delete_item(
            TableName=TABLE, Key={"pk": {"S": pk}},
            ConditionExpression="claimId = :claim AND #s = :p",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":claim": {"S": claim_id}, ":p": {"S": "IN_PROGRESS"}})
    except Exception:
        pass  # the lease expires by itself


def answer_existing(record, fingerprint):
    if record and record["fingerprint"]["S"] != fingerprint:
        return fail(422, "idempotency_key_reused")
    if record and record["status"]["S"] == "COMPLETED":
        return respond(202, record["responseBody"]["S"], {"idempotent-replayed": "true"})
    return fail(409, "idempotency_key_in_progress")


def create_order(key, order, context):
    pk = "orders#" + sha256(key).hexdigest()
    fingerprint = sha256(json.dumps(order, sort_keys=True, separators=(",", ":"))).hexdigest()
    claim_id = str(uuid.uuid4())
    if not claim(pk, fingerprint, claim_id, context.get_remaining_time_in_millis() or 10000):
        return answer_existing(lookup(pk), fingerprint)
    try:
        body = json.dumps({"orderId": str(uuid.uuid4()), "status": "accepted",
                           "amount": order["amount"], "currency": order["currency"]})
        complete(pk, fingerprint, claim_id, body)
        return respond(202, body)
    except Exception:
        release(pk, claim_id)
        raise


def route(event, context):
    method, path, headers, text = read_request(event)
    if not authorized(headers):
        return fail(401, "unauthorized")
    if path != "/orders":
        return fail(404, "not_found")
    if method != "POST":
        return fail(405, "method_not_allowed")
    key = headers.get("idempotency-key", "").strip()
    if not key:
        return fail(400, "idempotency_key_required")
    order, error = parse_order(text)
    if error:
        return fail(400, error)
    return create_order(key, order, context)


def handler(event, context):
    try:
        response = route(event, context)
    except Exception as error:
        code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code")
        log(level="error", message="order failed", requestId=context.aws_request_id,
            errorName=code or type(error).__name__)
        return fail(503, "service_unavailable")
    body = json.loads(response["body"])
    log(level="info" if response["statusCode"] < 400 else "warn", message="request answered",
        requestId=context.aws_request_id, status=response["statusCode"],
        outcome=body.get("error") or body.get("status"))
    return response
