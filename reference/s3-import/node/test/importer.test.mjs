// Tests for the import entry point with in-memory S3 and DynamoDB fakes: only Node built-ins, run
// with `node --test` from reference/s3-import/node (no node_modules, no network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHandler, decodeKey, validateCsv } from '../importer.mjs';

const PII = 'jo.pii-canary@example.com';
const GOOD = `orderId,amount,currency,email\nord-1,12.50,EUR,${PII}\n`;

class HeadObjectCommand { constructor(input) { this.input = input; } }
class GetObjectCommand { constructor(input) { this.input = input; } }
class PutItemCommand { constructor(input) { this.input = input; } }
const named = (name, status) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

function setup() {
  const objects = new Map(); // `${key}#${version}` -> text
  const items = new Map();
  const downloads = [];
  const logs = [];
  const s3 = {
    async send(command) {
      const id = `${command.input.Key}#${command.input.VersionId}`;
      if (!objects.has(id)) throw named(command instanceof HeadObjectCommand ? 'NotFound' : 'NoSuchKey', 404);
      if (command instanceof HeadObjectCommand) return { ContentLength: Buffer.byteLength(objects.get(id)) };
      downloads.push(command.input.Key);
      return { Body: { transformToString: async () => objects.get(id) } };
    },
  };
  const dynamo = {
    async send(command) {
      assert.equal(command.input.ConditionExpression, 'attribute_not_exists(pk)');
      if (items.has(command.input.Item.pk.S)) throw named('ConditionalCheckFailedException', 400);
      items.set(command.input.Item.pk.S, command.input.Item);
      return {};
    },
  };
  const handler = createHandler({ s3, dynamo, commands: { HeadObjectCommand, GetObjectCommand, PutItemCommand },
    tableName: 'jobs', maxBytes: 1000, now: () => 1_764_590_400_000, log: (line) => logs.push(line) });
  const run = (key, version = 'v1') => handler({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: 'imports' }, object: { key, size: 1, versionId: version } } }] }, { awsRequestId: 'r1' });
  return { objects, items, downloads, logs, run };
}

for (const [stored, inEvent] of [['imports/orders Q1.csv', 'imports/orders+Q1.csv'], ['imports/a+b.csv', 'imports/a%2Bb.csv'],
  ['imports/été.csv', 'imports/%C3%A9t%C3%A9.csv']]) {
  test(`the key ${inEvent} is decoded and one job recorded`, async () => {
    const { objects, items, run } = setup();
    objects.set(`${stored}#v1`, GOOD);
    await run(inEvent);
    const [job] = [...items.values()];
    assert.deepEqual([job.objectKey.S, job.status.S, job.rows.N], [stored, 'imported', '1']);
  });
}

test('a repeated event makes no second job; a new version does', async () => {
  const { objects, items, run } = setup();
  objects.set('a.csv#v1', GOOD);
  objects.set('a.csv#v2', GOOD);
  await run('a.csv');
  await run('a.csv');
  await run('a.csv', 'v2');
  assert.deepEqual([...items.values()].map((j) => j.versionId.S).sort(), ['v1', 'v2']);
});

test('an oversize object is rejected without a download', async () => {
  const { objects, items, downloads, run } = setup();
  objects.set('big.csv#v1', GOOD.repeat(200));
  await run('big.csv');
  const [job] = [...items.values()];
  assert.equal(job.status.S, 'rejected');
  assert.deepEqual(downloads, []);
});

test('a missing object is logged without a job', async () => {
  const { items, logs, run } = setup();
  await run('gone.csv');
  assert.equal(items.size, 0);
  assert.equal(logs[0].message, 'object not found, skipped');
});

test('invalid content gives a rejected job, and logs never carry a row', async () => {
  const { objects, items, logs, run } = setup();
  objects.set('bad.csv#v1', 'orderId;amount\n1;2\n');
  objects.set('good.csv#v1', GOOD);
  await run('bad.csv');
  await run('good.csv');
  assert.deepEqual([...items.values()].map((j) => j.status.S), ['rejected', 'imported']);
  assert.ok(!JSON.stringify(logs).includes(PII));
});

test('decodeKey and validateCsv', () => {
  assert.equal(decodeKey('a+b%2Bc%C3%A9'), 'a b+cé');
  assert.equal(validateCsv('orderId,amount,currency,email\n').problem, 'no_rows');
  assert.equal(validateCsv(GOOD).rows, 1);
});
