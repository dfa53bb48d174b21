"""The AWS SDK resolves as the Lambda Node.js runtime provides it, snapshot or not."""

from __future__ import annotations

import json

import pytest

from conftest import write
from fnproof.conformance.http import Request
from fnproof.conformance.runtimes.aws_lambda.node import LambdaNodeRuntime

pytestmark = pytest.mark.runtime

PROBE = """
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const seed = Math.random();
export const handler = async () => {
  const pk = 'probe-' + seed;
  await doc.send(new PutCommand({ TableName: process.env.IDEMPOTENCY_TABLE, Item: { pk, n: 1 } }));
  const { Item } = await doc.send(new GetCommand({ TableName: process.env.IDEMPOTENCY_TABLE, Key: { pk } }));
  const required = require('@aws-sdk/lib-dynamodb');
  return { statusCode: 200, body: JSON.stringify({
    item: Item, seed, imported: import.meta.resolve('@aws-sdk/client-dynamodb'),
    required: typeof required.DynamoDBDocumentClient,
  }) };
};
"""


def _call(handler, **options) -> tuple[dict, str]:
    rt = LambdaNodeRuntime(handler, "handler", secret="s", **options)
    rt.start()
    try:
        bodies = []
        for _ in range(2):
            with rt.environment() as env:
                response = env.invoke(Request("GET", "/", (), None))
                assert response.outcome == "ok", response.error
                bodies.append(json.loads(response.body))
    finally:
        rt.close()
    assert bodies[0]["seed"] != bodies[1]["seed"], "two environments must not share random state"
    return bodies[0], rt.platform


def test_the_sdk_is_the_runtimes_and_works_against_the_store(tmp_path):
    body, platform = _call(write(tmp_path / "h.mjs", PROBE))
    assert body["item"]["n"] == 1 and body["required"] == "function"
    assert "kit-installed" in platform
    # From the kit's Node, an ES import of the SDK is served by the startup snapshot.
    assert body["imported"].startswith("fnproof-lambda-sdk:"), body


def test_without_the_snapshot_the_sdk_loads_from_the_kits_folder(tmp_path):
    body, platform = _call(write(tmp_path / "h.mjs", PROBE), node="system")
    assert body["item"]["n"] == 1 and "on PATH" in platform
    assert body["imported"].startswith("file://") and "@aws-sdk/client-dynamodb" in body["imported"]


def test_the_handlers_own_sdk_wins_as_in_a_zip(tmp_path):
    own = tmp_path / "node_modules/@aws-sdk/client-dynamodb"
    write(own / "package.json", '{"name": "@aws-sdk/client-dynamodb", "main": "index.js"}')
    write(own / "index.js", "exports.mine = true;\n")
    handler = write(tmp_path / "h.mjs", "import { mine } from '@aws-sdk/client-dynamodb';\nexport const handler = "
                                        "async () => ({ statusCode: 200, body: String(mine) });\n")
    rt = LambdaNodeRuntime(handler, "handler", secret="s")
    rt.start()
    try:
        with rt.environment() as env:
            response = env.invoke(Request("GET", "/", (), None))
    finally:
        rt.close()
    assert response.outcome == "ok" and response.body == b"true", response.error


def test_node_22_runs_when_asked_and_the_report_says_so(tmp_path):
    body, platform = _call(write(tmp_path / "h.mjs", PROBE), node="22")
    assert body["item"]["n"] == 1 and platform.startswith("Node.js 22.") and "--node" in platform
