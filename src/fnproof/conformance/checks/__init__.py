"""The built-in check catalogue: CONTRACT.md §3 (http-idempotent), §5 (webhook) and §6 (sqs).

`FAMILIES` fixes the catalogue's order (a family's checks keep the order they are written
in), so the order never depends on which module happened to be imported first.
"""

from fnproof.conformance.checks import auth, basics, durability, keys, logs, queues, shapes, webhooks

FAMILIES = (basics, shapes, keys, logs, durability, auth, webhooks, queues)
