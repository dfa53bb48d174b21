"""Lambda entry point (Python 3.12): wires the real DynamoDB client into the orders logic in
orders.py. boto3 comes with the Lambda Python runtime, so there is no requirements.txt.
"""

import os

import boto3
from botocore.config import Config

from orders import create_handler

# Created once per execution environment, so warm invocations reuse its connections.
# No endpoint here: boto3 (>= 1.28) reads AWS_ENDPOINT_URL_DYNAMODB itself when it is set
# (local DynamoDB for tests) and otherwise uses the regional AWS endpoint.
# Bounded waits: boto3's defaults (60 s timeouts, 5 legacy attempts) outlast the function's
# own timeout, so an unreachable store would end in a timeout instead of a 503 to the client.
client = boto3.client("dynamodb", config=Config(connect_timeout=1, read_timeout=2,
                                                retries={"max_attempts": 2, "mode": "standard"}))

# Lambda fixes the environment before the module loads, so reading it once here is exact.
handler = create_handler(
    client=client,
    table_name=os.environ.get("IDEMPOTENCY_TABLE"),
    secret=os.environ.get("WEBHOOK_SECRET"),
)
