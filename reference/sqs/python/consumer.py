"""An SQS consumer for order events (AWS Lambda, Python 3.12), written against a table object
so its tests can hand it a fake.

Lambda delivers messages in batches, at least once. With ReportBatchItemFailures on
(template.yaml) the function returns the messageIds it could not process, and only those go
back to the queue: a poison message is reported, never raised (raising would send the whole
batch back), each order is recorded once by its orderId with a conditional put (so a
redelivery and a producer's duplicate send change nothing), and a store error is reported for
that message alone, so the queue retries it and finally moves it to the dead-letter queue.
Logs are JSON with ids only; the body holds the customer's email and is never logged.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

RECORD_TTL_S = 30 * 24 * 60 * 60


def parse_order(body: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the order, None) or (None, why it is poison)."""
    try:
        order = json.loads(body)
    except ValueError:
        return None, "invalid_json"
    if not isinstance(order, dict):
        return None, "not_an_object"
    if not isinstance(order.get("orderId"), str) or not order["orderId"]:
        return None, "order_id_missing"
    amount = order.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount) or amount <= 0:
        return None, "invalid_amount"
    if not isinstance(order.get("currency"), str) or not order["currency"]:
        return None, "invalid_currency"
    return order, None


def _condition_failed(error: Exception) -> bool:
    return getattr(error, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def make_handler(table: Any, *, now: Callable[[], float] = time.time,
                 log: Callable[[dict[str, Any]], None] = lambda line: print(json.dumps(line))) -> Callable[..., Any]:
    def store(order: dict[str, Any], message_id: str) -> str:
        at = int(now())
        try:
            table.put_item(
                Item={"pk": f"order#{order['orderId']}", "orderId": order["orderId"], "amount": str(order["amount"]),
                      "currency": order["currency"], "messageId": message_id, "recordedAt": at,
                      "expiresAt": at + RECORD_TTL_S},
                ConditionExpression="attribute_not_exists(pk)",
            )
            return "recorded"
        except Exception as error:
            if _condition_failed(error):
                return "duplicate"
            raise

    def process(record: Any, request_id: str | None) -> bool:
        message_id = record.get("messageId") if isinstance(record, dict) else None
        body = record.get("body") if isinstance(record, dict) else None
        order, problem = parse_order(body if isinstance(body, str) else "")
        if order is None:
            log({"level": "warn", "message": "poison message reported", "messageId": message_id, "problem": problem,
                 "requestId": request_id})
            return False
        try:
            outcome = store(order, str(message_id))
        except Exception as error:
            log({"level": "error", "message": "order event not recorded", "messageId": message_id,
                 "orderId": order["orderId"], "error": type(error).__name__, "requestId": request_id})
            return False
        log({"level": "info", "message": "order event processed", "messageId": message_id,
             "orderId": order["orderId"], "outcome": outcome, "requestId": request_id})
        return True

    def handler(event: Any, context: Any) -> dict[str, Any]:
        request_id = getattr(context, "aws_request_id", None)
        records = event.get("Records") if isinstance(event, dict) else None
        records = records if isinstance(records, list) else []
        failures = [{"itemIdentifier": record["messageId"]} for record in records
                    if not process(record, request_id) and isinstance(record, dict)
                    and isinstance(record.get("messageId"), str)]
        log({"level": "info", "message": "batch done", "received": len(records), "failed": len(failures),
             "requestId": request_id})
        return {"batchItemFailures": failures}

    return handler
