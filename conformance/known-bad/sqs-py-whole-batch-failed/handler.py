"""Order events from SQS into DynamoDB (AWS Lambda, Python 3.12), with partial batch responses."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def parse(body):
    try:
        order = json.loads(body)
    except ValueError:
        return None
    if not isinstance(order, dict) or not isinstance(order.get("orderId"), str) or not order["orderId"]:
        return None
    amount = order.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
        return None
    if not isinstance(order.get("currency"), str) or not order["currency"]:
        return None
    return order


def handler(event, context):
    records = event.get("Records") or []
    ok = True
    for record in records:
        order = parse(record.get("body") or "")
        if order is None:
            ok = False
            continue
        try:
            table.put_item(Item={"pk": f"order#{order['orderId']}", "orderId": order["orderId"]},
                           ConditionExpression="attribute_not_exists(pk)")
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                ok = False
    print(json.dumps({"level": "info" if ok else "warn", "message": "batch done", "ok": ok,
                      "request_id": context.aws_request_id}))
    if ok:
        return {"batchItemFailures": []}
    # Something in the batch failed: ask for the batch again.
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
