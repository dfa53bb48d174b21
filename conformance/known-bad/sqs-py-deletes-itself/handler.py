"""Order events from SQS into DynamoDB (AWS Lambda, Python 3.12), with partial batch responses.
Each message is acknowledged as soon as it arrives, so a slow batch is never received twice."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
sqs = boto3.client("sqs")
queue_urls = {}


def queue_url(arn):
    if arn not in queue_urls:
        queue_urls[arn] = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
    return queue_urls[arn]


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
        sqs.delete_message(QueueUrl=queue_url(record["eventSourceARN"]), ReceiptHandle=record["receiptHandle"])
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
    print(json.dumps({"level": "info", "message": "batch done", "failed": len(failures),
                      "request_id": context.aws_request_id}))
    return {"batchItemFailures": failures}
