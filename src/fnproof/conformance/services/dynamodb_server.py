"""Entry point of the DynamoDB service subprocess: moto in server mode on loopback.

Run as `python -m fnproof.conformance.services.dynamodb_server TABLE PK [PORT]`; prints one JSON line with
the port once the table exists, then serves until its stdin closes (so it never
outlives the kit, even when the kit is killed).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _serialise_writes() -> None:
    """Real DynamoDB makes each conditional write atomic; moto reads, checks and writes
    without a lock, so two threads can both pass attribute_not_exists (seen: 9 in 3000
    16-way rounds). One lock around the write paths restores the guarantee handlers rely on;
    a handler's own get-then-put race still shows, since its read and write are two requests."""
    import functools
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        original = getattr(DynamoDBBackend, name, None)
        if original is None:
            continue

        @functools.wraps(original)
        def locked(self, *args, __original=original, **kwargs):
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)


def _count(client: Any, question: dict[str, str]) -> int:
    """Items of a table whose attribute equals a string value (a full scan: the store is small)."""
    total, start = 0, None
    while True:
        extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = client.scan(TableName=question["table"], FilterExpression="#a = :v",
                           ExpressionAttributeNames={"#a": question["attribute"]},
                           ExpressionAttributeValues={":v": {"S": question["value"]}}, Select="COUNT", **extra)
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def main() -> None:
    port = int(sys.argv[1])
    tables = json.loads(sys.argv[2])
    from moto.server import ThreadedMotoServer

    _serialise_writes()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    bound = server._server  # moto keeps the bound server here only
    assert bound is not None, "moto's server did not bind"
    port = bound.server_port
    import boto3

    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    for table, partition_key in tables:
        client.create_table(TableName=table, KeySchema=[{"AttributeName": partition_key, "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": partition_key, "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST")
    print(json.dumps({"port": port}), flush=True)
    for line in sys.stdin:
        try:
            answer: dict = {"count": _count(client, json.loads(line))}
        except Exception as exc:  # a bad question must not end the store
            answer = {"error": f"{exc.__class__.__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    server.stop()


if __name__ == "__main__":
    main()
