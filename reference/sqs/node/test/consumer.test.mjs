// Tests for the SQS consumer with an in-memory DynamoDB fake: only Node built-ins, run with
// `node --test` from reference/sqs/node (no node_modules, no network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHandler, parseOrder } from '../consumer.mjs';

const PII = 'jo.pii-canary@example.com';
const TABLE = 'orders-test';

class PutItemCommand { constructor(input) { this.input = input; } }

function fakeDynamo({ down = false } = {}) {
  const items = new Map();
  const client = {
    async send(command) {
      assert.ok(command instanceof PutItemCommand);
      assert.equal(command.input.TableName, TABLE);
      assert.equal(command.input.ConditionExpression, 'attribute_not_exists(pk)');
      if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
      const pk = command.input.Item.pk.S;
      if (items.has(pk)) throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
      items.set(pk, command.input.Item);
      return {};
    },
  };
  return { client, items };
}

function setup(options = {}) {
  const store = fakeDynamo(options);
  const logs = [];
  const handler = createHandler({ client: store.client, commands: { PutItemCommand }, tableName: TABLE,
    now: () => 1_764_590_400_000, log: (line) => logs.push(line) });
  const run = (...records) => handler({ Records: records }, { awsRequestId: 'req-1' });
  return { ...store, logs, run };
}

const record = (body, messageId) => ({ messageId, receiptHandle: `rh-${messageId}`, body, attributes: {},
  messageAttributes: {}, md5OfBody: '0'.repeat(32), eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders', awsRegion: 'us-east-1' });
const order = (orderId, extra = {}) => JSON.stringify({ orderId, amount: 12, currency: 'EUR', customer: { email: PII }, ...extra });

test('a valid batch records each order and reports nothing', async () => {
  const { run, items } = setup();
  assert.deepEqual(await run(record(order('o1'), 'm1'), record(order('o2'), 'm2')), { batchItemFailures: [] });
  assert.deepEqual([...items.keys()].sort(), ['order#o1', 'order#o2']);
});

for (const poison of ['not-json', '{', 'null', '[1]', '{"orderId":"o9"}', '{"orderId":"o9","amount":-1,"currency":"EUR"}']) {
  test(`a poison message (${poison}) is reported alone`, async () => {
    const { run, items } = setup();
    const result = await run(record(order('o1'), 'm1'), record(poison, 'bad'), record(order('o2'), 'm2'));
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: 'bad' }] });
    assert.equal(items.size, 2);
  });
}

test('a redelivery and a duplicate send are processed without a second record', async () => {
  const { run, items, logs } = setup();
  await run(record(order('o1'), 'm1'));
  assert.deepEqual(await run(record(order('o1'), 'm1'), record(order('o1'), 'm-resent')), { batchItemFailures: [] });
  assert.equal(items.size, 1);
  assert.deepEqual(logs.filter((l) => l.outcome).map((l) => l.outcome), ['recorded', 'duplicate', 'duplicate']);
});

test('a store error reports the message for a retry and throws nothing', async () => {
  const { run, logs } = setup({ down: true });
  assert.deepEqual(await run(record(order('o1'), 'm1')), { batchItemFailures: [{ itemIdentifier: 'm1' }] });
  assert.ok(logs.some((l) => l.level === 'error' && l.error === 'TimeoutError'));
});

test('logs carry ids, never the body or personal data', async () => {
  const { run, logs } = setup();
  await run(record(order('o1'), 'm1'), record('not-json', 'bad'));
  const text = JSON.stringify(logs);
  assert.ok(!text.includes(PII) && !text.includes('not-json'));
});

test('parseOrder names the problem', () => {
  assert.equal(parseOrder('{').problem, 'invalid_json');
  assert.equal(parseOrder('{"orderId":"o","amount":1}').problem, 'invalid_currency');
  assert.equal(parseOrder(order('o')).order.orderId, 'o');
});
