// Tests for the orders handler with an in-memory DynamoDB fake: only Node built-ins,
// run with `node --test` from reference/lambda-node (no node_modules, no network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHandler } from '../orders.mjs';

const SECRET = 'test-secret-canary-7f3a';
const PII = 'jane.doe.pii-canary@example.com';
const TABLE = 'orders-idempotency-test';
const fixture = (name) => JSON.parse(readFileSync(new URL(`../events/${name}`, import.meta.url), 'utf8'));

// ---------------------------------------------------------------------------------------
// The fake: command classes with the SDK's names and `input`, and a client whose send()
// applies them to a Map, evaluating ConditionExpressions as DynamoDB would (the subset
// the handler uses: attribute_not_exists, =, <, AND, OR, parentheses, #names, :values).

class PutItemCommand { constructor(input) { this.input = input; } }
class GetItemCommand { constructor(input) { this.input = input; } }
class UpdateItemCommand { constructor(input) { this.input = input; } }
class DeleteItemCommand { constructor(input) { this.input = input; } }
const commands = { PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand };

function conditionFailed() {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
}

function evaluate(expression, item, names = {}, values = {}) {
  const tokens = expression.match(/\(|\)|<=|>=|<>|=|<|>|[#:]?[A-Za-z_][A-Za-z0-9_]*/g);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const operand = (token) => {
    if (token.startsWith(':')) return values[token];
    return item?.[token.startsWith('#') ? names[token] : token];
  };
  const asComparable = (v) => (v?.N !== undefined ? Number(v.N) : v?.S);
  const compare = (op, a, b) => {
    if (a === undefined || b === undefined) return false;
    const [x, y] = [asComparable(a), asComparable(b)];
    return { '=': x === y, '<>': x !== y, '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y }[op];
  };
  function factor() {
    const token = next();
    if (token === '(') { const v = or(); assert.equal(next(), ')'); return v; }
    if (token === 'attribute_not_exists' || token === 'attribute_exists') {
      assert.equal(next(), '(');
      const exists = operand(next()) !== undefined;
      assert.equal(next(), ')');
      return token === 'attribute_exists' ? exists : !exists;
    }
    const op = next();
    return compare(op, operand(token), operand(next()));
  }
  function and() { let v = factor(); while (peek() === 'AND') { next(); v = factor() && v; } return v; }
  function or() { let v = and(); while (peek() === 'OR') { next(); v = and() || v; } return v; }
  const result = or();
  assert.equal(i, tokens.length, `unparsed condition: ${expression}`);
  return result;
}

function assertAttributeValues(item) {
  for (const [name, value] of Object.entries(item)) {
    const ok = (Object.keys(value).length === 1) && (typeof value.S === 'string' || typeof value.N === 'string');
    assert.ok(ok, `attribute ${name} is not a DynamoDB S or N value: ${JSON.stringify(value)}`);
  }
}

function fakeDynamo({ failOn, hold } = {}) {
  const items = new Map();
  const calls = [];
  const client = {
    async send(command) {
      const name = command.constructor.name;
      const input = command.input;
      calls.push(name);
      if (hold?.[name]) await hold[name]; // a test holds this command back until it says so
      await new Promise((resolve) => setImmediate(resolve)); // let concurrent requests interleave
      if (failOn?.[name]) throw Object.assign(new Error('simulated outage'), { name: 'InternalServerError' });
      assert.equal(input.TableName, TABLE);
      const pk = input.Key?.pk?.S ?? input.Item?.pk?.S;
      assert.equal(typeof pk, 'string');
      const current = items.get(pk);
      const check = () => {
        if (input.ConditionExpression
            && !evaluate(input.ConditionExpression, current, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
          throw conditionFailed();
        }
      };
      switch (name) {
        case 'PutItemCommand':
          assertAttributeValues(input.Item);
          check();
          items.set(pk, structuredClone(input.Item));
          return {};
        case 'GetItemCommand':
          return current ? { Item: structuredClone(current) } : {};
        case 'UpdateItemCommand': {
          check();
          const updated = structuredClone(current ?? { pk: { S: pk } });
          const assignments = input.UpdateExpression.replace(/^SET\s+/, '').split(',');
          for (const assignment of assignments) {
            const [target, source] = assignment.split('=').map((s) => s.trim());
            const attribute = target.startsWith('#') ? input.ExpressionAttributeNames[target] : target;
            updated[attribute] = input.ExpressionAttributeValues[source];
          }
          assertAttributeValues(updated);
          items.set(pk, updated);
          return {};
        }
        case 'DeleteItemCommand':
          check();
          items.delete(pk);
          return {};
        default:
          throw new Error(`fake does not implement ${name}`);
      }
    },
  };
  return { client, items, calls };
}

// ---------------------------------------------------------------------------------------
// Helpers: a handler over a fresh fake, events built from the fixtures, and a context.

function setup(options = {}) {
  const db = fakeDynamo(options);
  const logs = [];
  const handler = createHandler({
    client: db.client, commands, tableName: TABLE,
    secret: 'secret' in options ? options.secret : SECRET,
    now: options.now, log: (entry) => logs.push(JSON.stringify(entry)),
  });
  return { handler, db, logs };
}

let requestCounter = 0;
function context(remainingMs = 3000) {
  requestCounter += 1;
  return { awsRequestId: `req-${requestCounter}`, functionName: 'orders', getRemainingTimeInMillis: () => remainingMs };
}

function v2Event({ method = 'POST', path = '/orders', key = 'key-1', secret = SECRET, body, headers = {} } = {}) {
  const event = fixture('http-api-v2.json');
  event.rawPath = path;
  event.requestContext.http.method = method;
  event.requestContext.http.path = path;
  event.headers = { 'content-type': 'application/json', ...headers };
  // null leaves the header out (undefined would pick the default)
  if (key !== null) event.headers['idempotency-key'] = key;
  if (secret !== null) event.headers['x-webhook-secret'] = secret;
  if (body === undefined) delete event.body; else event.body = typeof body === 'string' ? body : JSON.stringify(body);
  return event;
}

function v1Event({ method = 'POST', path = '/orders', headers, body }) {
  const event = fixture('rest-v1.json');
  Object.assign(event, { httpMethod: method, path, resource: path, headers, body: JSON.stringify(body) });
  event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  return event;
}

const ORDER = { amount: 32.5, currency: 'EUR', customer: { email: PII } };
const json = (response) => JSON.parse(response.body);

function assertError(response, status, code) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(response.headers['content-type'], /^application\/json/);
  const body = json(response);
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
}

// ---------------------------------------------------------------------------------------

test('a valid order gives 202 with the order body and a JSON content type', async () => {
  const { handler } = setup();
  const response = await handler(v2Event({ body: ORDER }), context());
  assert.equal(response.statusCode, 202);
  assert.equal(response.headers['content-type'], 'application/json');
  const body = json(response);
  assert.deepEqual(Object.keys(body).sort(), ['amount', 'currency', 'orderId', 'status']);
  assert.equal(body.status, 'accepted');
  assert.equal(body.amount, 32.5);
  assert.equal(body.currency, 'EUR');
  assert.ok(typeof body.orderId === 'string' && body.orderId.length > 0);
});

test('the fixture event as shipped is processed when its secret matches', async () => {
  const event = fixture('http-api-v2.json');
  const { handler } = setup({ secret: event.headers['x-webhook-secret'] });
  const response = await handler(event, context());
  assert.equal(response.statusCode, 202, response.body);
});

test('a replay with the same key and body returns the same body, and one record', async () => {
  const { handler, db } = setup();
  const first = await handler(v2Event({ body: ORDER }), context());
  // Same payload with keys in another order and a different JSON layout is still a replay.
  const again = await handler(v2Event({ body: '{ "customer": {"email": "' + PII + '"}, "currency": "EUR", "amount": 32.50 }' }), context());
  assert.equal(again.statusCode, 202);
  assert.equal(again.body, first.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(db.items.size, 1);
  assert.equal([...db.items.values()][0].status.S, 'COMPLETED');
});

test('the same key with a different payload gives 422 idempotency_key_reused', async () => {
  const { handler } = setup();
  const first = await handler(v2Event({ body: ORDER }), context());
  const reuse = await handler(v2Event({ body: { ...ORDER, amount: 99.99 } }), context());
  assertError(reuse, 422, 'idempotency_key_reused');
  assert.ok(!reuse.body.includes(json(first).orderId));
});

test('distinct keys give distinct orders', async () => {
  const { handler } = setup();
  const a = json(await handler(v2Event({ key: 'key-a', body: ORDER }), context()));
  const b = json(await handler(v2Event({ key: 'key-b', body: ORDER }), context()));
  assert.notEqual(a.orderId, b.orderId);
});

test('a missing, empty or blank Idempotency-Key gives 400 idempotency_key_required', async () => {
  const { handler, db } = setup();
  for (const key of [null, '', '   ']) {
    assertError(await handler(v2Event({ key, body: ORDER }), context()), 400, 'idempotency_key_required');
  }
  assert.equal(db.calls.length, 0);
});

test('bodies that are not JSON, and empty bodies, give 400 invalid_json', async () => {
  const { handler, db } = setup();
  for (const body of ['not-json', '{', '{"amount":}', '{"amount": 32.5, "curr', '', '  ', undefined]) {
    assertError(await handler(v2Event({ body }), context()), 400, 'invalid_json');
  }
  assert.equal(db.calls.length, 0);
});

test('JSON that is not a valid order gives 400 invalid_order', async () => {
  const { handler, db } = setup();
  const bodies = ['null', '[]', '"x"', '42', '{"currency":"EUR"}', '{"amount":"3200","currency":"EUR"}',
    '{"amount":0,"currency":"EUR"}', '{"amount":-5,"currency":"EUR"}', '{"amount":10}',
    '{"amount":10,"currency":5}', '{"amount":10,"currency":""}', '{"amount": 1e999, "currency": "EUR"}',
    '{"amount":10,"currency":"EUR","deep":' + '['.repeat(100000) + ']'.repeat(100000) + '}'];
  for (const body of bodies) {
    assertError(await handler(v2Event({ body }), context()), 400, 'invalid_order');
  }
  assert.equal(db.calls.length, 0);
});

test('other paths give 404 not_found and other methods on /orders give 405', async () => {
  const { handler } = setup();
  for (const path of ['/nope', '/', '/orders/extra', '/order']) {
    assertError(await handler(v2Event({ path, body: ORDER }), context()), 404, 'not_found');
  }
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
    assertError(await handler(v2Event({ method, body: ORDER }), context()), 405, 'method_not_allowed');
  }
});

test('a missing or wrong secret gives 401 and never the stored order', async () => {
  const { handler, db } = setup();
  const stored = json(await handler(v2Event({ body: ORDER }), context()));
  const callsBefore = db.calls.length;
  for (const secret of [null, '', 'wrong', SECRET + 'x', SECRET.toUpperCase()]) {
    const response = await handler(v2Event({ secret, body: ORDER }), context());
    assertError(response, 401, 'unauthorized');
    assert.ok(!response.body.includes(stored.orderId));
  }
  assert.equal(db.calls.length, callsBefore, 'an unauthenticated request touched the store');
});

test('with no secret configured every request is refused (fail closed)', async () => {
  for (const secret of [undefined, '']) {
    const { handler } = setup({ secret });
    assertError(await handler(v2Event({ secret: '', body: ORDER }), context()), 401, 'unauthorized');
  }
});

test('a REST API v1 event with an IDEMPOTENCY-KEY header works, and replays across event shapes', async () => {
  const { handler } = setup();
  const headers = { 'Content-Type': 'application/json', 'IDEMPOTENCY-KEY': 'v1-key', 'X-Webhook-Secret': SECRET };
  const first = await handler(v1Event({ headers, body: ORDER }), context());
  assert.equal(first.statusCode, 202, first.body);
  assert.equal(json(first).status, 'accepted');
  const v2 = await handler(v2Event({ key: 'v1-key', body: ORDER }), context());
  assert.equal(v2.body, first.body);
  assertError(await handler(v1Event({ method: 'GET', headers, body: ORDER }), context()), 405, 'method_not_allowed');
  assertError(await handler(v1Event({ path: '/nope', headers, body: ORDER }), context()), 404, 'not_found');
});

test('a base64-encoded body is decoded', async () => {
  const { handler } = setup();
  const event = v2Event({ body: Buffer.from(JSON.stringify(ORDER)).toString('base64') });
  event.isBase64Encoded = true;
  const response = await handler(event, context());
  assert.equal(response.statusCode, 202, response.body);
  assert.equal(json(response).amount, 32.5);
});

test('a rejected order does not claim its key: the corrected retry is processed', async () => {
  const { handler, db } = setup();
  assertError(await handler(v2Event({ key: 'k', body: { amount: '3200', currency: 'EUR' } }), context()), 400, 'invalid_order');
  assert.equal(db.items.size, 0);
  const retry = await handler(v2Event({ key: 'k', body: { amount: 3200, currency: 'EUR' } }), context());
  assert.equal(retry.statusCode, 202);
  assert.equal(json(retry).amount, 3200);
});

test('a key held by a request in flight gives 409; once its lease runs out the key is taken over', async () => {
  let clock = 1_000_000;
  const hold = {};
  const { handler, db } = setup({ now: () => clock, hold });
  // Runs a request until it reaches UpdateItem, and keeps it there until resumed.
  async function startStalled() {
    let resume;
    hold.UpdateItemCommand = new Promise((resolve) => { resume = resolve; });
    const updatesBefore = db.calls.filter((c) => c === 'UpdateItemCommand').length;
    const pending = handler(v2Event({ body: ORDER }), context(3000));
    while (db.calls.filter((c) => c === 'UpdateItemCommand').length === updatesBefore) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    delete hold.UpdateItemCommand;
    return { pending, resume };
  }

  const first = await startStalled(); // a slow (or dying) invocation holding the key
  assertError(await handler(v2Event({ body: ORDER }), context()), 409, 'idempotency_key_in_progress');
  assertError(await handler(v2Event({ body: { ...ORDER, amount: 1 } }), context()), 422, 'idempotency_key_reused');

  clock += 3001; // its lease ran out: the next request with the key takes it over
  const second = await startStalled();
  // The first request wakes up: it must neither complete nor delete the new owner's claim.
  first.resume();
  assertError(await first.pending, 503, 'service_unavailable');
  assert.equal([...db.items.values()][0]?.status.S, 'IN_PROGRESS');
  second.resume();
  const taken = await second.pending;
  assert.equal(taken.statusCode, 202);
  const replay = await handler(v2Event({ body: ORDER }), context());
  assert.equal(replay.body, taken.body);
});

test('concurrent duplicates: one order per key, the rest 409 or that same order', async () => {
  const { handler } = setup();
  for (const key of ['burst-1', 'burst-2', 'burst-3']) {
    const responses = await Promise.all(Array.from({ length: 8 }, () => handler(v2Event({ key, body: ORDER }), context())));
    const accepted = responses.filter((r) => r.statusCode === 202);
    assert.ok(accepted.length >= 1);
    assert.equal(new Set(accepted.map((r) => json(r).orderId)).size, 1);
    for (const r of responses.filter((x) => x.statusCode !== 202)) assertError(r, 409, 'idempotency_key_in_progress');
  }
});

test('a store failure after the claim gives 503, releases the claim, and a retry succeeds', async () => {
  const failOn = { UpdateItemCommand: true };
  const { handler, db } = setup({ failOn });
  const failed = await handler(v2Event({ body: ORDER }), context());
  assertError(failed, 503, 'service_unavailable');
  assert.ok(db.calls.includes('DeleteItemCommand'));
  assert.equal(db.items.size, 0);
  failOn.UpdateItemCommand = false;
  const retry = await handler(v2Event({ body: ORDER }), context());
  assert.equal(retry.statusCode, 202);
});

test('a store outage before the claim gives 503, never a thrown error', async () => {
  const { handler } = setup({ failOn: { PutItemCommand: true } });
  assertError(await handler(v2Event({ body: ORDER }), context()), 503, 'service_unavailable');
});

test('odd events and a missing context never throw', async () => {
  const { handler } = setup();
  for (const event of [undefined, null, {}, 'text', { headers: null, body: null }, { rawPath: '/orders', headers: { 'x-webhook-secret': SECRET } }]) {
    const response = await handler(event, undefined);
    assert.ok([400, 401, 404, 405].includes(response.statusCode), `${JSON.stringify(event)} -> ${response.statusCode}`);
    assert.equal(typeof json(response).error, 'string');
  }
});

test('logs are one JSON object per line and never carry the secret, the key, the body or PII', async () => {
  const { handler, logs } = setup();
  const key = 'log-check-key-123';
  await handler(v2Event({ key, body: ORDER }), context());
  await handler(v2Event({ key, body: ORDER }), context());
  await handler(v2Event({ key, secret: 'wrong-secret-value', body: ORDER }), context());
  await handler(v2Event({ key, body: '{"amount": "3200", "customer": {"email": "' + PII + '"}}' }), context());
  assert.equal(logs.length, 4);
  for (const line of logs) {
    const entry = JSON.parse(line);
    assert.ok(entry && typeof entry === 'object' && !Array.isArray(entry));
    for (const field of ['level', 'message', 'requestId', 'route', 'outcome']) assert.ok(field in entry, `${field} missing`);
    for (const secretish of [SECRET, 'wrong-secret-value', PII, key, '32.5']) assert.ok(!line.includes(secretish), `log leaks ${secretish}`);
  }
  assert.deepEqual(logs.map((l) => JSON.parse(l).outcome), ['accepted', 'replayed', 'unauthorized', 'invalid_order']);
  assert.ok(JSON.parse(logs[0]).orderId);
});

test('the default logger writes one JSON line through console.log', async () => {
  const db = fakeDynamo();
  const handler = createHandler({ client: db.client, commands, tableName: TABLE, secret: SECRET });
  const original = console.log;
  const lines = [];
  console.log = (...args) => lines.push(args.join(' '));
  try {
    await handler(v2Event({ body: ORDER }), context());
  } finally {
    console.log = original;
  }
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]).outcome, 'accepted');
});
