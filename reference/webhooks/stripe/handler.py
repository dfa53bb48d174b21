"""Lambda entry point (Python 3.12): wires a real DynamoDB table into the Stripe receiver in
receiver.py. boto3 comes with the Lambda Python runtime, so there is no requirements.txt; the
signature is verified with hmac and hashlib, not the stripe library.
"""

import os

import boto3
from botocore.config import Config
from receiver import create_handler

# Created once per execution environment, so warm invocations reuse its connections. No
# endpoint here: boto3 reads AWS_ENDPOINT_URL_DYNAMODB itself when it is set (a local
# DynamoDB in tests) and otherwise uses the regional endpoint.
# Bounded waits and attempts: boto3's defaults (60 s timeouts, several retries with backoff)
# outlast the function's own timeout, so an unreachable table would end in a timeout, which
# Stripe cannot tell from a slow success, instead of a 503 it will retry.
_dynamodb = boto3.resource("dynamodb", config=Config(connect_timeout=1, read_timeout=2,
                                                     retries={"max_attempts": 2, "mode": "standard"}))

# Lambda fixes the environment before the module loads, so reading it once here is exact.
# A missing table name is a deployment mistake: failing at init says so at once.
handler = create_handler(
    table=_dynamodb.Table(os.environ["EVENTS_TABLE"]),
    secret=os.environ.get("STRIPE_WEBHOOK_SECRET"),
)
