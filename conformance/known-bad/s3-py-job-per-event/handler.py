"""Imports CSV files of orders from S3 ObjectCreated events (AWS Lambda, Python 3.12), one job per notification."""

from __future__ import annotations

import csv
import io
import json
import math
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

MAX_BYTES = 65536
COLUMNS = ["orderId", "amount", "currency", "email"]
MISSING = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}
RECORD_TTL_S = 90 * 24 * 60 * 60


def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def validate_csv(content: bytes) -> tuple[int, str | None]:
    """(rows, None) for a valid file, or (0, why it is refused)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return 0, "not_utf8"
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != COLUMNS:
        return 0, "unexpected_header"
    body = [row for row in rows[1:] if row]
    if not body:
        return 0, "no_rows"
    for row in body:
        if len(row) != len(COLUMNS):
            return 0, "wrong_column_count"
        try:
            amount = float(row[1])
        except ValueError:
            return 0, "invalid_amount"
        if not math.isfinite(amount) or amount <= 0:
            return 0, "invalid_amount"
        if not row[0] or not row[2]:
            return 0, "missing_field"
    return len(body), None


def make_handler(s3: Any, table: Any, *, max_bytes: int = MAX_BYTES, now: Callable[[], float] = time.time,
                 log: Callable[[dict[str, Any]], None] = lambda line: print(json.dumps(line))) -> Callable[..., Any]:
    def record_job(bucket: str, key: str, version: str, status: str, **extra: Any) -> str:
        at = int(now())
        try:
            table.put_item(Item={"pk": f"job#{uuid.uuid4()}", "objectKey": key, "versionId": version,
                                 "bucket": bucket, "status": status, "createdAt": at,
                                 "expiresAt": at + RECORD_TTL_S, **extra},
                           ConditionExpression="attribute_not_exists(pk)")
            return "recorded"
        except Exception as error:
            if _code(error) == "ConditionalCheckFailedException":
                return "duplicate"
            raise

    def import_one(record: dict[str, Any], request_id: str | None) -> None:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        version = record["s3"]["object"].get("versionId") or "null"
        where = {"bucket": bucket, "key": key, "versionId": version, "requestId": request_id}
        versioned = {"VersionId": version} if version != "null" else {}
        try:
            size = int(s3.head_object(Bucket=bucket, Key=key, **versioned)["ContentLength"])
        except Exception as error:
            if _code(error) in MISSING:
                log({"level": "warn", "message": "object not found, skipped", **where})
                return
            raise
        if size > max_bytes:
            outcome = record_job(bucket, key, version, "rejected", reason="too_large", size=size)
            log({"level": "warn", "message": "import rejected", "reason": "too_large", "size": size,
                 "outcome": outcome, **where})
            return
        try:
            content = s3.get_object(Bucket=bucket, Key=key, **versioned)["Body"].read(max_bytes + 1)
        except Exception as error:
            if _code(error) in MISSING:
                log({"level": "warn", "message": "object not found, skipped", **where})
                return
            raise
        rows, problem = validate_csv(content)
        if problem:
            outcome = record_job(bucket, key, version, "rejected", reason=problem)
            log({"level": "warn", "message": "import rejected", "reason": problem, "outcome": outcome, **where})
            return
        outcome = record_job(bucket, key, version, "imported", rows=rows)
        log({"level": "info", "message": "import job recorded", "rows": rows, "outcome": outcome, **where})

    def handler(event: Any, context: Any) -> None:
        request_id = getattr(context, "aws_request_id", None)
        for record in (event or {}).get("Records") or []:
            try:
                import_one(record, request_id)
            except Exception as error:  # a store or S3 outage: logged; S3 retries the async invocation
                log({"level": "error", "message": "import failed", "error": type(error).__name__,
                     "requestId": request_id})
                raise

    return handler


import os as _os

import boto3 as _boto3

handler = make_handler(_boto3.client("s3"), _boto3.resource("dynamodb").Table(_os.environ["JOBS_TABLE"]))
