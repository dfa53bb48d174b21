"""Order events from SQS into DynamoDB (AWS Lambda, Python 3.12), with partial batch responses.
Each message is processed once: its messageId is claimed with a conditional put."""

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
        order = parse(record.get("body") or "")
        if order is None:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            table.put_item(Item={"pk": f"message#{record['messageId']}", "orderId": order["orderId"],
                                 "currency": order["currency"]},
                           ConditionExpression="attribute_not_exists(pk)")
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                failures.append({"itemIdentifier": record["messageId"]})
    print(json.dumps({"level": "info", "message": "batch done", "failed": len(failures),
                      "request_id": context.aws_request_id}))
    return {"batchItemFailures": failures}
