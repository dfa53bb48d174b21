"""The kit's defaults, in one place: what a run uses when neither the contract nor the user says.

Contract values (routes, codes, headers) live in contract files, never here; these are the
few names and limits the harness itself needs when a contract leaves them out, and the
limits of CONTRACT.md §2 (the Lambda defaults).
"""

from __future__ import annotations

# The variable holding the run's secret when the contract names no auth variable: every
# handler gets one (a canary that must never reach the logs), as CONTRACT.md §2 says.
SECRET_ENV = "WEBHOOK_SECRET"
# Where the idempotency (or effects) table's name and key live when the contract is silent.
TABLE_ENV = "IDEMPOTENCY_TABLE"
PARTITION_KEY = "pk"

TIMEOUT_S = 3.0  # per invocation: the Lambda default
MEMORY_MB = 512  # per execution environment
PROFILE = "production"
PARALLEL = 4  # checks run at once
# PATH for a sandboxed process: the system folders; runtimes add the folder of their interpreter.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
