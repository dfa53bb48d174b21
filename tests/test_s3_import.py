"""Kind `s3-import`: ObjectCreated events with keys URL-encoded as S3 sends them, the contract of an
import entry point, and the watching proxy in front of the local S3."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, write
from fnproof.conformance.checks.registry import PROFILES, select
from fnproof.conformance.http import Request, StoredObject
from fnproof.conformance.runtimes.aws_lambda.events import build_event, encoded_key
from fnproof.conformance.services.dynamodb import LocalDynamoDB
from fnproof.conformance.services.s3_buckets import LocalBuckets
from fnproof.core.contract import contract_problems, load_contract
from fnproof.core.datafile import validate

STARTER = ROOT / "conformance/contracts/starters/s3-import.yaml"


@pytest.mark.parametrize("key, in_event", [
    ("imports/orders Q1.csv", "imports/orders+Q1.csv"),
    ("imports/Q1+Q2.csv", "imports/Q1%2BQ2.csv"),
    ("imports/été.csv", "imports/%C3%A9t%C3%A9.csv"),
    ("a/b/c.csv", "a/b/c.csv"),
])
def test_keys_are_url_encoded_as_s3_sends_them(key, in_event):
    assert encoded_key(key) == in_event


def test_an_object_created_event_names_the_real_object_and_fits_the_schema():
    obj = StoredObject("imports-1", "imports/a b.csv", 42, "0" * 32, "v-123", "00AB")
    event = build_event(Request("", "", shape="s3", objects=(obj,)))
    validate(event, "event.schema.json", source="built")
    record = event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put" and record["eventSource"] == "aws:s3"
    assert record["s3"]["bucket"] == {**record["s3"]["bucket"], "name": "imports-1", "arn": "arn:aws:s3:::imports-1"}
    assert record["s3"]["object"] == {"key": "imports/a+b.csv", "size": 42, "eTag": "0" * 32, "versionId": "v-123",
                                      "sequencer": "00AB"}


def test_the_starter_loads_as_an_import_entry_point():
    contract = load_contract(STARTER)
    assert contract.kind == "s3-import" and contract.files is not None and contract.jobs is not None
    assert contract.files.max_bytes == 65536 and contract.files.personal_columns == ("email",)
    assert (contract.jobs.table_env, contract.jobs.accepted, contract.jobs.rejected) == ("JOBS_TABLE", "imported",
                                                                                          "rejected")
    assert contract.tables() == {"JOBS_TABLE": "pk"}
    assert [spec.id for spec in select("seed", kind="s3-import")] == ["object-imported", "key-decoded",
                                                                      "invalid-file-rejected"]
    ids = [{spec.id for spec in select(profile, kind="s3-import")} for profile in PROFILES]
    assert ids[0] < ids[1] < ids[2] and "concurrent-object-events" in ids[2] - ids[1]


@pytest.mark.parametrize("old, new, field, words", [
    ('    - "imports/orders {unique}.csv"\n', '    - "imports/orders.csv"\n', "files.keys", "contains {unique}"),
    ("personal_columns: [email]", "personal_columns: [e_mail]", "personal_columns", "is not a column"),
    ("  max_bytes: 65536", "  max_bytes: 10", "files.valid", "larger than max_bytes"),
    ("resource: import job\n", "resource: import job\nvalid_bodies: [{a: 1}]\n", "valid_bodies",
     "an s3-import contract"),
])
def test_what_an_import_entry_point_cannot_have_is_refused(tmp_path, old, new, field, words):
    text = STARTER.read_text()
    assert old in text
    problems, contract = contract_problems(write(tmp_path / "c.yaml", text.replace(old, new, 1)))
    assert contract is None and any(p.field.startswith(field) and words in p.message for p in problems), problems


def test_contract_new_and_init_for_an_import_entry_point(cli, tmp_path):
    code, out, _ = cli("contract", "new", "--kind", "s3-import")
    assert code == 0 and out == STARTER.read_text()
    contract = write(tmp_path / "imports.yaml", out)
    code, _, err = cli("init", tmp_path, "--contract", contract, "--runtime", "lambda-node")
    assert code == 0, err
    command = (tmp_path / ".claude/skills/fnproof-create-function/SKILL.md").read_text()
    assert "import entry point" in command and "%C3%A9t%C3%A9" in command and "`oversize-rejected-unread`" in command
    assert "HeadObject" in command and "`batch-processed`" not in command
    assert json.loads((tmp_path / "events/s3-put.json").read_text())["Records"][0]["eventName"] == "ObjectCreated:Put"


@pytest.mark.runtime
def test_the_watching_proxy_forwards_everything_and_notes_whole_and_ranged_reads():
    import boto3

    store = LocalDynamoDB().start()
    buckets = LocalBuckets(lambda: store.endpoint().url)
    try:
        bucket = buckets.new_bucket()
        obj = bucket.put("imports/a b+c é.csv", b"x" * 1000)
        client = boto3.client("s3", endpoint_url=buckets.handler_endpoint(), region_name="us-east-1",
                              aws_access_key_id="k", aws_secret_access_key="s")
        head = client.head_object(Bucket=bucket.name, Key=obj.key, VersionId=obj.version_id)
        assert head["ContentLength"] == 1000 and bucket.whole_reads(obj.key) == 0
        ranged = client.get_object(Bucket=bucket.name, Key=obj.key, Range="bytes=0-9")["Body"].read()
        assert ranged == b"x" * 10 and bucket.whole_reads(obj.key) == 0
        assert client.get_object(Bucket=bucket.name, Key=obj.key)["Body"].read() == b"x" * 1000
        assert bucket.whole_reads(obj.key) == 1
        bucket.delete(obj)
        with pytest.raises(client.exceptions.ClientError):
            client.head_object(Bucket=bucket.name, Key=obj.key)
    finally:
        buckets.stop()
        store.stop()
