"""Entry point of the DynamoDB service subprocess: moto in server mode on loopback.

Run as `python -m fnproof.conformance.services.dynamodb_server PORT TABLES_JSON [RELAYS_JSON]`
(TABLES_JSON: `[[name, partition key], ...]`; RELAYS_JSON, in a sandboxed run:
`{"store_socket": PATH}`, the store's side of containment/relay.py: the kit's own clients and
each environment's driver reach the store through that socket file); prints one JSON line
with the port once the tables exist, then serves until its stdin closes (so it never
outlives the kit, even when the kit is killed). Meanwhile each line on stdin is a question
about the store (how many items carry an attribute value), answered by one JSON line on
stdout: the harness reads what the handler wrote through this process, without an SDK of
its own.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

_LOCK = threading.RLock()  # moto's write paths, and the harness's reads of what they wrote


def _serialise_writes() -> None:
    """Real DynamoDB makes each conditional write atomic; moto reads, checks and writes
    without a lock, so two threads can both pass attribute_not_exists (seen: 9 in 3000
    16-way rounds). One lock around the write paths restores the guarantee handlers rely on;
    a handler's own get-then-put race still shows, since its read and write are two requests."""
    import functools

    from moto.dynamodb.models import DynamoDBBackend

    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        original = getattr(DynamoDBBackend, name, None)
        if original is None:
            continue

        @functools.wraps(original)
        def locked(self, *args, __original=original, **kwargs):
            with _LOCK:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)


def _count(backend: Any, question: dict[str, str]) -> int:
    """Items of a table whose attribute equals a string value, read in the backend itself (under
    the write lock, so a count never sees half a write)."""
    table = backend.get_table(question["table"])
    with _LOCK:
        items = list(table.all_items())
    return sum(1 for item in items if (value := item.attrs.get(question["attribute"])) is not None
               and value.type == "S" and value.value == question["value"])


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
    # The table is made in the backend itself: a boto3 client here would cost ~0.15 s of
    # CPU (its service model) for one call, on every run.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    for table, partition_key in tables:
        backend.create_table(
            table, schema=[{"AttributeName": partition_key, "KeyType": "HASH"}], throughput=None,
            attr=[{"AttributeName": partition_key, "AttributeType": "S"}], global_indexes=None, indexes=None,
            streams=None, billing_mode="PAY_PER_REQUEST", sse_specification=None, tags=[],
            deletion_protection_enabled=False, warm_throughput=None)
    relays = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    if relays:
        from fnproof.conformance.containment import relay

        if "store_socket" in relays:
            relay.unix_to_tcp(relays["store_socket"], port)
    print(json.dumps({"port": port}), flush=True)
    for line in sys.stdin:
        try:
            answer: dict[str, Any] = {"count": _count(backend, json.loads(line))}
        except Exception as exc:  # a bad question must not end the store
            answer = {"error": f"{exc.__class__.__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    server.stop()


if __name__ == "__main__":
    main()
