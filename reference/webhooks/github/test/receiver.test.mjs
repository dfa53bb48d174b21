// Tests for the GitHub receiver with an in-memory DynamoDB fake: only Node built-ins, run
// with `node --test` from reference/webhooks/github (no node_modules, no network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createHandler, signatureValid } from '../receiver.mjs';

const SECRET = 'gh-test-secret-canary-51c0';
const PII = 'octocat.pii-canary@example.com';
const TABLE = 'deliveries-test';
const NOW = 1_764_590_400_000; // a fixed clock: 2025-12-01T12:00:00Z

// ---------------------------------------------------------------------------------------
// The fake: a PutItemCommand with the SDK's name and `input`, and a client whose send()
// applies it to a Map, honouring `attribute_not_exists(pk)` as DynamoDB does.

class PutItemCommand { constructor(input) { this.input = input; } }

function conditionFailed() {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
}

function fakeDynamo({ outage = false } = {}) {
  const items = new Map();
  const client = {
    async send(command) {
      assert.ok(command instanceof PutItemCommand, `unexpected command ${command.constructor.name}`);
      await new Promise((resolve) => setImmediate(resolve)); // let concurrent deliveries interleave
      if (outage) {
        throw Object.assign(new Error(`connect ECONNREFUSED while writing ${JSON.stringify(command.input)}`),
          { name: 'TimeoutError' });
      }
      const { TableName, Item, ConditionExpression } = command.input;
      assert.equal(TableName, TABLE);
      assert.equal(ConditionExpression, 'attribute_not_exists(pk)');
      for (const [name, value] of Object.entries(Item)) {
        assert.ok(typeof value.S === 'string' || typeof value.N === 'string', `${name} is not an S or N value`);
      }
      if (items.has(Item.pk.S)) throw conditionFailed();
      items.set(Item.pk.S, structuredClone(Item));
      return {};
    },
  };
  return { client, items };
}

function setup({ outage = false, ...options } = {}) {
  const secret = 'secret' in options ? options.secret : SECRET; // an explicit undefined stays undefined
  const store = fakeDynamo({ outage });
  const logs = [];
  const handler = createHandler({
    client: store.client, commands: { PutItemCommand }, tableName: TABLE, secret,
    now: () => NOW, log: (entry) => logs.push(JSON.stringify(entry)),
  });
  return { handler, items: store.items, logs };
}

// ---------------------------------------------------------------------------------------
// Deliveries as GitHub sends them, in an API Gateway HTTP API 2.0 event.

const sign = (body, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function pushBody(overrides = {}) {
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: randomUUID().replaceAll('-', ''),
    repository: { id: 1296269, full_name: 'octo-org/octo-repo' },
    pusher: { name: 'octocat', email: PII },
    commits: [],
    ...overrides,
  });
}

function delivery({ body = pushBody(), signature, id = randomUUID(), path = '/webhooks/github', method = 'POST',
  headers = {}, base64 = false } = {}) {
  const all = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': 'push',
    'x-github-hook-id': '292430182',
    'x-github-delivery': id,
    'x-hub-signature-256': signature === undefined ? sign(body) : signature,
    ...headers,
  };
  for (const [name, value] of Object.entries(all)) if (value === null) delete all[name];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: all,
    requestContext: { http: { method, path }, requestId: 'req-1' },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

const context = { awsRequestId: 'aws-req-1', getRemainingTimeInMillis: () => 3000 };
const parsed = (response) => (response.body ? JSON.parse(response.body) : undefined);

function assertError(response, status, code) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(response.headers['content-type'], /^application\/json/);
  assert.equal(parsed(response).error, code);
}

// ---------------------------------------------------------------------------------------
// Accepting a delivery

test('a signed delivery is acknowledged with 202 and recorded once, with a 30-day TTL', async () => {
  const { handler, items } = setup();
  const id = randomUUID();
  const response = await handler(delivery({ id }), context);
  assert.equal(response.statusCode, 202);
  assert.deepEqual(parsed(response), { status: 'accepted' });
  assert.equal(items.size, 1);
  const item = items.get(`delivery#${id}`);
  assert.equal(item.deliveryId.S, id);
  assert.equal(item.event.S, 'push');
  assert.equal(item.receivedAt.N, String(NOW));
  assert.equal(Number(item.expiresAt.N), NOW / 1000 + 30 * 24 * 60 * 60);
});

test('a REST API 1.0 event with the client\'s header case is handled the same way', async () => {
  const { handler, items } = setup();
  const body = pushBody();
  const response = await handler({
    resource: '/{proxy+}', path: '/webhooks/github', httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'rest-1',
      'X-Hub-Signature-256': sign(body) },
    body, isBase64Encoded: false,
  }, context);
  assert.equal(response.statusCode, 202);
  assert.ok(items.has('delivery#rest-1'));
});

// ---------------------------------------------------------------------------------------
// The signature, over the raw bytes

test('signature cases: missing, malformed, other secret, other body, the bare secret, sha1 only', async () => {
  const { handler, items } = setup();
  const body = pushBody();
  const cases = {
    missing: delivery({ body, signature: null }),
    empty: delivery({ body, signature: '' }),
    'no prefix': delivery({ body, signature: sign(body).slice('sha256='.length) }),
    'not hex': delivery({ body, signature: 'sha256=not-a-signature' }),
    truncated: delivery({ body, signature: sign(body).slice(0, -2) }),
    'upper-case prefix': delivery({ body, signature: sign(body).replace('sha256=', 'SHA256=') }),
    'another secret': delivery({ body, signature: sign(body, 'some-other-secret') }),
    'another body': delivery({ body, signature: sign(`${body} `) }),
    'the bare secret': delivery({ body, signature: SECRET }),
    'the secret with the prefix': delivery({ body, signature: `sha256=${SECRET}` }),
    'legacy sha1 only': delivery({ body, signature: null,
      headers: { 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}` } }),
  };
  for (const [name, event] of Object.entries(cases)) {
    const response = await handler(event, context);
    assert.equal(response.statusCode, 401, name);
    assert.equal(parsed(response).error, 'invalid_signature', name);
  }
  assert.equal(items.size, 0, 'nothing is recorded for a delivery that does not verify');
});

test('the signature is checked over the bytes received, not a re-serialisation', async () => {
  const { handler, items } = setup();
  const document = JSON.parse(pushBody());
  const variants = {
    'pretty-printed': JSON.stringify(document, null, 2),
    'trailing newline': `${JSON.stringify(document)}\n`,
    'keys reordered': JSON.stringify(Object.fromEntries(Object.entries(document).reverse())),
    '\\u escapes': JSON.stringify({ ...document, memo: 'café ✓' }).replace('é', '\\u00e9').replace('✓', '\\u2713'),
    'raw UTF-8': JSON.stringify({ ...document, memo: 'café ✓ 日本' }),
  };
  for (const [name, body] of Object.entries(variants)) {
    const response = await handler(delivery({ body }), context);
    assert.equal(response.statusCode, 202, name);
  }
  assert.equal(items.size, Object.keys(variants).length);
});

test('a base64-encoded event body is decoded to the bytes GitHub signed', async () => {
  const { handler, items } = setup();
  const body = JSON.stringify({ ...JSON.parse(pushBody()), memo: 'naïve ✓' });
  assert.equal((await handler(delivery({ body, base64: true }), context)).statusCode, 202);
  const forged = delivery({ body, base64: true });
  forged.headers['x-hub-signature-256'] = sign(forged.body); // signed over the base64 text instead
  assert.equal((await handler(forged, context)).statusCode, 401);
  assert.equal(items.size, 1);
});

test('an unset or empty secret refuses every delivery (fail closed)', async () => {
  for (const secret of [undefined, '']) {
    const { handler, items } = setup({ secret });
    const body = pushBody();
    const emptyKeyed = `sha256=${createHmac('sha256', '').update(body).digest('hex')}`;
    assertError(await handler(delivery({ body, signature: emptyKeyed }), context), 401, 'invalid_signature');
    assertError(await handler(delivery({ body }), context), 401, 'invalid_signature');
    assert.equal(items.size, 0);
  }
  assert.equal(signatureValid(Buffer.from('x'), sign('x'), undefined), false);
});

// ---------------------------------------------------------------------------------------
// One effect per delivery id

test('a redelivery (same X-GitHub-Delivery) is acknowledged with 200 and not recorded again', async () => {
  const { handler, items } = setup();
  const id = randomUUID();
  const body = pushBody();
  assert.equal((await handler(delivery({ id, body }), context)).statusCode, 202);
  const again = await handler(delivery({ id, body }), context);
  assert.equal(again.statusCode, 200);
  assert.deepEqual(parsed(again), { status: 'duplicate' });
  assert.equal(items.size, 1);
});

test('a redelivery reaching a fresh execution environment (a second handler) is still a duplicate', async () => {
  const store = fakeDynamo();
  const make = () => createHandler({ client: store.client, commands: { PutItemCommand }, tableName: TABLE,
    secret: SECRET, now: () => NOW, log: () => {} });
  const id = randomUUID();
  assert.equal((await make()(delivery({ id }), context)).statusCode, 202);
  assert.equal((await make()(delivery({ id }), context)).statusCode, 200);
  assert.equal(store.items.size, 1);
});

test('concurrent deliveries of one id: exactly one is recorded, every one is acknowledged', async () => {
  const { handler, items } = setup();
  const id = randomUUID();
  const body = pushBody();
  const responses = await Promise.all(Array.from({ length: 8 }, () => handler(delivery({ id, body }), context)));
  const statuses = responses.map((r) => r.statusCode).sort();
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 202]);
  assert.equal(items.size, 1);
});

test('different delivery ids with the same body are separate deliveries', async () => {
  const { handler, items } = setup();
  const body = pushBody();
  for (let i = 0; i < 3; i += 1) assert.equal((await handler(delivery({ body }), context)).statusCode, 202);
  assert.equal(items.size, 3);
});

test('the store failing gives 503 service_unavailable, logging only the error name', async () => {
  const { handler, logs } = setup({ outage: true });
  const response = await handler(delivery(), context);
  assertError(response, 503, 'service_unavailable');
  assert.equal(logs.length, 1);
  const line = JSON.parse(logs[0]);
  assert.equal(line.level, 'error');
  assert.equal(line.errorName, 'TimeoutError');
  assert.doesNotMatch(logs[0], /ECONNREFUSED|pusher|octo-repo/);
});

// ---------------------------------------------------------------------------------------
// Everything else a receiver is sent

test('a validly signed body that is not JSON gives 400 invalid_json and is not recorded', async () => {
  const { handler, items } = setup();
  for (const body of ['not-json', '{', '{"ref":', '', '{"ref": "refs/heads/main", "aft']) {
    assertError(await handler(delivery({ body }), context), 400, 'invalid_json');
  }
  assert.equal(items.size, 0);
});

test('a signed delivery without X-GitHub-Delivery gives 400 and is not recorded', async () => {
  const { handler, items } = setup();
  assertError(await handler(delivery({ id: null }), context), 400, 'missing_delivery_id');
  assertError(await handler(delivery({ id: '   ' }), context), 400, 'missing_delivery_id');
  assert.equal(items.size, 0);
});

test('other paths give 404 not_found, other methods 405, before any signature work', async () => {
  const { handler, items } = setup();
  for (const path of ['/', '/webhooks', '/webhooks/github/extra', '/webhooks/githubx', '/webhooks/stripe']) {
    assertError(await handler(delivery({ path }), context), 404, 'not_found');
  }
  for (const method of ['GET', 'PUT', 'DELETE']) {
    assertError(await handler(delivery({ method, signature: null }), context), 405, 'method_not_allowed');
  }
  assert.equal(items.size, 0);
});

test('events that are not API Gateway events are answered, never thrown', async () => {
  const { handler } = setup();
  for (const event of [undefined, null, 'x', 42, {}, { rawPath: '/webhooks/github' }]) {
    const response = await handler(event, context);
    assert.ok([404, 405].includes(response.statusCode), JSON.stringify(event));
  }
  const noBody = delivery();
  delete noBody.body;
  assertError(await handler(noBody, context), 401, 'invalid_signature');
});

// ---------------------------------------------------------------------------------------
// Logs

test('each invocation writes one JSON line without the secret, the signature or personal data', async () => {
  const { handler, logs } = setup();
  const body = pushBody();
  const id = randomUUID();
  await handler(delivery({ id, body }), context);
  await handler(delivery({ id, body }), context);
  await handler(delivery({ body, signature: SECRET }), context);
  await handler(delivery({ body: 'not-json' }), context);
  assert.equal(logs.length, 4);
  const lines = logs.map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((l) => l.status), [202, 200, 401, 400]);
  assert.deepEqual(lines.map((l) => l.outcome), ['recorded', 'duplicate', 'invalid_signature', 'invalid_json']);
  assert.equal(lines[0].deliveryId, id);
  const all = logs.join('\n');
  for (const leaked of [SECRET, sign(body).slice('sha256='.length), PII]) assert.ok(!all.includes(leaked), leaked);
});
