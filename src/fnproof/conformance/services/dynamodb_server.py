"""Entry point of the DynamoDB service subprocess: moto in server mode on loopback.

Run as `python -m fnproof.conformance.services.dynamodb_server TABLE PK [PORT]`; prints one JSON line with
the port once the table exists, then serves until its stdin closes (so it never
outlives the kit, even when the kit is killed).
"""

from __future__ import annotations

import json
import sys


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


def main() -> None:
    table, partition_key = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    from moto.server import ThreadedMotoServer

    _serialise_writes()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    bound = server._server  # moto keeps the bound server here only
    assert bound is not None, "moto's server did not bind"
    port = bound.server_port
    # The table is made in the backend itself: a boto3 client here would cost ~0.15 s of
    # CPU (its service model) for one call, on every run.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].create_table(
        table, schema=[{"AttributeName": partition_key, "KeyType": "HASH"}], throughput=None,
        attr=[{"AttributeName": partition_key, "AttributeType": "S"}], global_indexes=None, indexes=None,
        streams=None, billing_mode="PAY_PER_REQUEST", sse_specification=None, tags=[],
        deletion_protection_enabled=False, warm_throughput=None)
    print(json.dumps({"port": port}), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
