"""Lambda entry point (Python 3.12): wires the real DynamoDB table into the consumer in
consumer.py. boto3 comes with the Lambda runtime; the endpoint comes from the platform
(AWS_ENDPOINT_URL_DYNAMODB locally). Bounded waits and attempts keep a batch well inside the
function's timeout."""

import os

import boto3
from botocore.config import Config

from consumer import make_handler

table = boto3.resource(
    "dynamodb", config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})
).Table(os.environ["ORDERS_TABLE"])

handler = make_handler(table)
