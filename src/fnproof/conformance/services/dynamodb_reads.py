"""Whole items the harness reads back from the local store, for checks that need more than a count.

An import job has a status as well as a key: a check asks for the jobs of one object version
and reads their status. Counting stays in the store's own process (services/dynamodb.py);
this reader makes a boto3 client only for the runs whose checks read items.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

REGION = "us-east-1"


class ItemReader:
    def __init__(self, endpoint_url: Callable[[], str]) -> None:
        self._endpoint_url = endpoint_url
        self._client: Any = None
        self._lock = threading.Lock()

    def _dynamodb(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client("dynamodb", endpoint_url=self._endpoint_url(), region_name=REGION,
                                            aws_access_key_id="harness", aws_secret_access_key="harness")
            return self._client

    def items_with(self, table: str, attribute: str, value: str) -> list[dict[str, str]]:
        """Every item of `table` whose `attribute` is the string `value`, as plain text values."""
        found: list[dict[str, str]] = []
        pages = self._dynamodb().get_paginator("scan").paginate(
            TableName=table, FilterExpression="#a = :v", ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": {"S": value}}, ConsistentRead=True)
        for page in pages:
            for item in page.get("Items") or ():
                found.append({name: str(next(iter(typed.values()))) for name, typed in item.items()})
        return found
