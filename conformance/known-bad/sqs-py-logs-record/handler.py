"""Order events from SQS into DynamoDB (AWS Lambda, Python 3.12), with partial batch responses
and one structured log line per message for tracing."""

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
    failures = []
    for record in event.get("Records") or []:
        print(json.dumps({"level": "debug", "message": "message received", "record": record}))
        order = parse(record.get("body") or "")
        if order is None:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            table.put_item(Item={"pk": f"order#{order['orderId']}", "orderId": order["orderId"]},
                           ConditionExpression="attribute_not_exists(pk)")
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
