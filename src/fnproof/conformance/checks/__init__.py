"""The built-in check catalogue: CONTRACT.md §3 (http-idempotent), §5 (webhook), §6 (sqs), and the
s3-import entry points (docs/checks.md).

`FAMILIES` fixes the catalogue's order (a family's checks keep the order they are written
in), so the order never depends on which module happened to be imported first.
"""

from fnproof.conformance.checks import auth, basics, durability, imports, keys, logs, queues, shapes, webhooks

FAMILIES = (basics, shapes, keys, logs, durability, auth, webhooks, queues, imports)
