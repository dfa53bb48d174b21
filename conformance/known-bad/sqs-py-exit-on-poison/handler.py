"""Order events from SQS into DynamoDB (AWS Lambda, Python 3.12), with partial batch responses."""

import json
import os
import sys

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    failures = []
    for record in event.get("Records") or []:
        try:
            order = json.loads(record["body"])
        except ValueError:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        if not isinstance(order, dict):
            print(json.dumps({"level": "fatal", "message": "unexpected message shape"}))
            sys.exit(1)
        amount = order.get("amount")
        if not isinstance(order.get("orderId"), str) or not order["orderId"] or isinstance(amount, bool) \
                or not isinstance(amount, (int, float)) or amount <= 0 or not order.get("currency"):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            table.put_item(Item={"pk": f"order#{order['orderId']}", "orderId": order["orderId"]},
                           ConditionExpression="attribute_not_exists(pk)")
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                failures.append({"itemIdentifier": record["messageId"]})
    print(json.dumps({"level": "info", "message": "batch done", "failed": len(failures),
                      "request_id": context.aws_request_id}))
    return {"batchItemFailures": failures}
