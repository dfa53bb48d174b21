"""Lambda entry point (Python 3.12): wires the real S3 client and DynamoDB table into the
importer in importer.py. boto3 comes with the Lambda runtime; the endpoints come from the
platform (AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_DYNAMODB locally). Bounded waits and attempts
keep an import well inside the function's timeout."""

import os

import boto3
from botocore.config import Config

from importer import make_handler

CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})

handler = make_handler(boto3.client("s3", config=CONFIG),
                       boto3.resource("dynamodb", config=CONFIG).Table(os.environ["JOBS_TABLE"]))
