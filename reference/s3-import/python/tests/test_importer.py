"""Tests for the import entry point with in-memory S3 and table fakes: only the standard library
and pytest, run with `python -m pytest tests` from reference/s3-import/python (no AWS, no network)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importer import make_handler, validate_csv  # noqa: E402

PII = "jo.pii-canary@example.com"
GOOD = f"orderId,amount,currency,email\nord-1,12.50,EUR,{PII}\n".encode()


class ClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], bytes] = {}
        self.downloads: list[str] = []

    def head_object(self, Bucket, Key, VersionId="null"):  # noqa: N803 - boto3's argument names
        if (Bucket, Key, VersionId) not in self.objects:
            raise ClientError("404")
        return {"ContentLength": len(self.objects[(Bucket, Key, VersionId)])}

    def get_object(self, Bucket, Key, VersionId="null"):  # noqa: N803
        if (Bucket, Key, VersionId) not in self.objects:
            raise ClientError("NoSuchKey")
        self.downloads.append(Key)
        return {"Body": io.BytesIO(self.objects[(Bucket, Key, VersionId)])}


class FakeTable:
    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def put_item(self, Item, ConditionExpression):  # noqa: N803
        assert ConditionExpression == "attribute_not_exists(pk)"
        if Item["pk"] in self.items:
            raise ClientError("ConditionalCheckFailedException")
        self.items[Item["pk"]] = Item


def event(key_in_event: str, version: str = "v1") -> dict:
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": "imports"},
                                "object": {"key": key_in_event, "size": 1, "versionId": version}}}]}


class Context:
    aws_request_id = "req-1"


def setup():
    s3, table, logs = FakeS3(), FakeTable(), []
    return s3, table, logs, make_handler(s3, table, max_bytes=1000, now=lambda: 1_764_590_400, log=logs.append)


@pytest.mark.parametrize("stored, in_event", [("imports/orders Q1.csv", "imports/orders+Q1.csv"),
                                              ("imports/a+b.csv", "imports/a%2Bb.csv"),
                                              ("imports/été.csv", "imports/%C3%A9t%C3%A9.csv")])
def test_the_key_is_decoded_and_one_job_recorded(stored, in_event):
    s3, table, _, handler = setup()
    s3.objects[("imports", stored, "v1")] = GOOD
    handler(event(in_event), Context())
    [job] = table.items.values()
    assert (job["objectKey"], job["versionId"], job["status"], job["rows"]) == (stored, "v1", "imported", 1)


def test_a_repeated_event_makes_no_second_job_and_a_new_version_does():
    s3, table, _, handler = setup()
    s3.objects[("imports", "a.csv", "v1")] = s3.objects[("imports", "a.csv", "v2")] = GOOD
    handler(event("a.csv"), Context())
    handler(event("a.csv"), Context())
    handler(event("a.csv", "v2"), Context())
    assert sorted(job["versionId"] for job in table.items.values()) == ["v1", "v2"]


def test_an_oversize_object_is_rejected_without_a_download():
    s3, table, _, handler = setup()
    s3.objects[("imports", "big.csv", "v1")] = GOOD * 200
    handler(event("big.csv"), Context())
    [job] = table.items.values()
    assert job["status"] == "rejected" and job["reason"] == "too_large" and s3.downloads == []


def test_a_missing_object_is_logged_without_a_job():
    _, table, logs, handler = setup()
    handler(event("gone.csv"), Context())
    assert table.items == {} and logs[0]["message"] == "object not found, skipped"


@pytest.mark.parametrize("content, reason", [(b"orderId;amount\n1;2\n", "unexpected_header"),
                                             (b"orderId,amount,currency,email\n", "no_rows"),
                                             (b"orderId,amount,currency,email\no,x,EUR,e\n", "invalid_amount"),
                                             (b"\xff\xfe", "not_utf8")])
def test_invalid_content_gives_a_rejected_job(content, reason):
    s3, table, _, handler = setup()
    s3.objects[("imports", "bad.csv", "v1")] = content
    handler(event("bad.csv"), Context())
    [job] = table.items.values()
    assert job["status"] == "rejected" and job["reason"] == reason
    assert validate_csv(content) == (0, reason)


def test_logs_never_carry_a_row():
    s3, _, logs, handler = setup()
    s3.objects[("imports", "a.csv", "v1")] = GOOD
    handler(event("a.csv"), Context())
    assert PII not in json.dumps(logs) and logs[-1]["outcome"] == "recorded"
