// Tests for the receiver with an in-memory D1 fake: only Node built-ins (Node 20 has fetch's
// Request/Response and Web Crypto), run with `node --test` from this folder. The real D1
// (SQLite in workerd) is what `fnproof check reference/webhooks/standard-webhooks` exercises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import worker from '../src/index.mjs';
import { createReceiver, purgeExpired, RETENTION_MS, SQL } from '../src/receiver.mjs';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const PII = 'ada.pii-canary@example.com';
const NOW_MS = 1_764_590_400_000;
const NOW = String(NOW_MS / 1000);

// ---------------------------------------------------------------------------------------
// The fake: a D1Database whose prepare().bind().run() applies receiver.mjs's two statements
// to a Map with the SQL's semantics (primary key on message_id, ON CONFLICT DO NOTHING).
function fakeD1({ outage = false } = {}) {
  const rows = new Map();
  const apply = {
    [SQL.record]: ([messageId, eventType, receivedAt]) => {
      if (rows.has(messageId)) return { changes: 0 };
      rows.set(messageId, { message_id: messageId, event_type: eventType, received_at: receivedAt });
      return { changes: 1 };
    },
    [SQL.purge]: ([before]) => {
      let changes = 0;
      for (const [id, row] of rows) if (row.received_at < before) { rows.delete(id); changes += 1; }
      return { changes };
    },
  };
  return {
    rows,
    prepare(sql) {
      assert.ok(apply[sql], `unexpected SQL: ${sql}`);
      return {
        bind: (...params) => ({
          async run() {
            await Promise.resolve(); // a real round trip yields, so concurrent requests interleave
            if (outage) throw Object.assign(new Error(`D1_ERROR: network lost while running ${sql} with ${params}`), { name: 'Error' });
            return { success: true, meta: apply[sql](params) };
          },
        }),
      };
    },
  };
}

function setup({ outage = false, secret = SECRET, db = fakeD1({ outage }) } = {}) {
  const logs = [];
  const handle = createReceiver({ db, secret, now: () => NOW_MS, log: (entry) => logs.push(JSON.stringify(entry)) });
  return { handle, db, logs };
}

// ---------------------------------------------------------------------------------------
// Deliveries as a Standard Webhooks sender makes them.

const sign = (id, timestamp, body, secret = SECRET) => `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
  .update(`${id}.${timestamp}.`).update(body).digest('base64')}`;

function payload(extra = {}) {
  return JSON.stringify({
    type: 'invoice.paid',
    timestamp: '2026-11-30T12:00:00Z',
    data: { invoice_id: `inv_${randomUUID()}`, amount: 1200, currency: 'EUR', customer_email: PII },
    ...extra,
  });
}

function delivery({ id = `msg_${randomUUID()}`, timestamp = NOW, body = payload(), signature, path = '/webhooks',
  method = 'POST', headers = {} } = {}) {
  const h = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp,
    'webhook-signature': signature === undefined ? sign(id, timestamp, body) : signature, ...headers };
  for (const [name, value] of Object.entries(h)) if (value === null) delete h[name];
  const withBody = !['GET', 'HEAD'].includes(method);
  return new Request(`https://hooks.example.workers.dev${path}`, { method, headers: h, body: withBody ? body : undefined });
}

async function assertError(response, status, code) {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  assert.equal((await response.json()).error, code);
}

// ---------------------------------------------------------------------------------------
// Accepting a message

test('a signed delivery gets 204 and one row with its id and type', async () => {
  const { handle, db } = setup();
  const response = await handle(delivery({ id: 'msg_1' }));
  assert.equal(response.status, 204);
  assert.equal(await response.text(), '');
  assert.deepEqual(db.rows.get('msg_1'), { message_id: 'msg_1', event_type: 'invoice.paid', received_at: NOW_MS });
  assert.equal(db.rows.size, 1);
});

test('the default export wires env.DB and the WEBHOOK_SIGNING_SECRET secret', async () => {
  const db = fakeD1();
  const original = console.log;
  console.log = () => {};
  try {
    const body = payload();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const request = delivery({ id: 'msg_env', timestamp, body });
    const response = await worker.fetch(request, { DB: db, WEBHOOK_SIGNING_SECRET: SECRET });
    assert.equal(response.status, 204);
    const refused = await worker.fetch(delivery({ timestamp }), { DB: db, WEBHOOK_SIGNING_SECRET: undefined });
    assert.equal(refused.status, 401);
  } finally {
    console.log = original;
  }
  assert.ok(db.rows.has('msg_env'));
});

// ---------------------------------------------------------------------------------------
// The signature, over the raw bytes

test('signature cases: missing, malformed, other secret, other body, the bare secret, other id', async () => {
  const { handle, db } = setup();
  const body = payload();
  const cases = {
    'no signature': { signature: null },
    'empty signature': { signature: '' },
    malformed: { signature: 'v1,not-a-signature' },
    'no version': { signature: sign('m', NOW, body).slice(3) },
    'another secret': { signature: sign('m', NOW, body, `whsec_${randomBytes(24).toString('base64')}`) },
    'another body': { signature: sign('m', NOW, `${body} `) },
    'the bare secret': { signature: SECRET },
    'signed for another id': { id: 'other', signature: sign('m', NOW, body) },
    'no webhook-id': { id: null, signature: sign('', NOW, body) },
    'no webhook-timestamp': { timestamp: null },
  };
  for (const [name, change] of Object.entries(cases)) {
    const response = await handle(delivery({ id: 'm', body, ...change }));
    await assertError(response, 401, 'invalid_signature');
    assert.equal(db.rows.size, 0, name);
  }
});

test('stale and future timestamps are refused even when correctly signed', async () => {
  const { handle, db } = setup();
  for (const offset of [-301, -900, 301, 900]) {
    const timestamp = String(Number(NOW) + offset);
    await assertError(await handle(delivery({ timestamp })), 401, 'invalid_signature');
  }
  assert.equal(db.rows.size, 0);
  assert.equal((await handle(delivery({ timestamp: String(Number(NOW) - 299) }))).status, 204);
});

test('the right signature second of two (a secret being rotated) is accepted', async () => {
  const { handle, db } = setup();
  const id = 'msg_rotated';
  const body = payload();
  const old = sign(id, NOW, body, `whsec_${randomBytes(24).toString('base64')}`);
  const response = await handle(delivery({ id, body, signature: `${old} ${sign(id, NOW, body)}` }));
  assert.equal(response.status, 204);
  assert.ok(db.rows.has(id));
});

test('the signature is checked over the bytes received, not a re-serialisation', async () => {
  const { handle, db } = setup();
  const document = JSON.parse(payload());
  const variants = {
    'pretty-printed': JSON.stringify(document, null, 2),
    'trailing newline': `${JSON.stringify(document)}\n`,
    'keys reordered': JSON.stringify(Object.fromEntries(Object.entries(document).reverse())),
    '\\u escapes': JSON.stringify({ ...document, memo: 'café ✓' }).replace('é', '\\u00e9').replace('✓', '\\u2713'),
    'raw UTF-8': JSON.stringify({ ...document, memo: 'café ✓ 日本' }),
  };
  for (const [name, body] of Object.entries(variants)) {
    assert.equal((await handle(delivery({ body }))).status, 204, name);
  }
  assert.equal(db.rows.size, Object.keys(variants).length);
});

test('an unset, empty or non-whsec secret refuses every delivery (fail closed)', async () => {
  for (const secret of [undefined, '', 'whsec_%%%']) {
    const db = fakeD1();
    const handle = createReceiver({ db, secret, now: () => NOW_MS, log: () => {} });
    await assertError(await handle(delivery()), 401, 'invalid_signature');
    assert.equal(db.rows.size, 0);
  }
});

// ---------------------------------------------------------------------------------------
// One effect per message id

test('a redelivery (same webhook-id, a new timestamp and signature) is acknowledged, not recorded again', async () => {
  const { handle, db, logs } = setup();
  const id = 'msg_retry';
  const body = payload();
  assert.equal((await handle(delivery({ id, body }))).status, 204);
  const later = String(Number(NOW) + 5);
  assert.equal((await handle(delivery({ id, body, timestamp: later }))).status, 204);
  assert.equal(db.rows.size, 1);
  assert.deepEqual(logs.map((line) => JSON.parse(line).outcome), ['recorded', 'duplicate']);
});

test('a redelivery reaching a fresh isolate (a second receiver on the same D1) is a duplicate', async () => {
  const db = fakeD1();
  const id = 'msg_cold';
  const body = payload();
  assert.equal((await setup({ db }).handle(delivery({ id, body }))).status, 204);
  const second = setup({ db });
  assert.equal((await second.handle(delivery({ id, body }))).status, 204);
  assert.equal(JSON.parse(second.logs[0]).outcome, 'duplicate');
  assert.equal(db.rows.size, 1);
});

test('concurrent deliveries of one message: one row, every delivery acknowledged', async () => {
  const db = fakeD1();
  const receivers = Array.from({ length: 8 }, () => setup({ db }));
  const id = 'msg_burst';
  const body = payload();
  const responses = await Promise.all(receivers.map(({ handle }) => handle(delivery({ id, body }))));
  assert.deepEqual(responses.map((r) => r.status), Array(8).fill(204));
  const outcomes = receivers.map(({ logs }) => JSON.parse(logs[0]).outcome).sort();
  assert.deepEqual(outcomes, [...Array(7).fill('duplicate'), 'recorded']);
  assert.equal(db.rows.size, 1);
});

test('D1 failing gives 503 service_unavailable, logging only the error name', async () => {
  const { handle, logs } = setup({ outage: true });
  await assertError(await handle(delivery()), 503, 'service_unavailable');
  const line = JSON.parse(logs[0]);
  assert.equal(line.level, 'error');
  assert.equal(line.errorName, 'Error');
  assert.doesNotMatch(logs[0], /D1_ERROR|INSERT|inv_/);
});

test('the purge drops message ids older than the retention, and keeps the rest', async () => {
  const db = fakeD1();
  db.rows.set('old', { message_id: 'old', event_type: 't', received_at: NOW_MS - RETENTION_MS - 1 });
  db.rows.set('new', { message_id: 'new', event_type: 't', received_at: NOW_MS - 1000 });
  assert.equal(await purgeExpired(db, () => NOW_MS), 1);
  assert.deepEqual([...db.rows.keys()], ['new']);
});

// ---------------------------------------------------------------------------------------
// Everything else a receiver is sent

test('a validly signed body that is not JSON gives 400 invalid_json and no row', async () => {
  const { handle, db } = setup();
  for (const body of ['not-json', '{', '{"type":', '{"type": "invoice.paid", "da', '']) {
    await assertError(await handle(delivery({ body })), 400, 'invalid_json');
  }
  const latin1 = new Uint8Array([0x7b, 0x22, 0x74, 0xe9, 0x22, 0x3a, 0x31, 0x7d]); // {"t\xe9":1}, not UTF-8
  await assertError(await handle(delivery({ body: latin1 })), 400, 'invalid_json');
  assert.equal(db.rows.size, 0);
});

test('validly signed JSON that is not a message object gives 400 invalid_payload and no row', async () => {
  const { handle, db } = setup();
  for (const body of ['[]', 'null', '"x"', '42', '{}', '{"type": ""}', '{"type": 7}']) {
    await assertError(await handle(delivery({ body })), 400, 'invalid_payload');
  }
  assert.equal(db.rows.size, 0);
});

test('other paths give 404, other methods 405, before the body is read', async () => {
  const { handle, db } = setup();
  for (const path of ['/', '/webhook', '/webhooks/extra', '/webhooksx']) {
    await assertError(await handle(delivery({ path })), 404, 'not_found');
  }
  for (const method of ['GET', 'PUT', 'DELETE']) {
    await assertError(await handle(delivery({ method })), 405, 'method_not_allowed');
  }
  assert.equal(db.rows.size, 0);
});

// ---------------------------------------------------------------------------------------
// Logs

test('one JSON line per delivery, without the secret, the signature or personal data', async () => {
  const { handle, logs } = setup();
  const id = 'msg_logs';
  const body = payload();
  const signature = sign(id, NOW, body);
  await handle(delivery({ id, body, signature }));
  await handle(delivery({ id, body, signature: SECRET }));
  await handle(delivery({ body: 'not-json' }));
  await handle(delivery({ path: '/' }));
  const lines = logs.map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((l) => l.status), [204, 401, 400, 404]);
  assert.deepEqual(lines.map((l) => l.outcome), ['recorded', 'invalid_signature', 'invalid_json', 'not_found']);
  assert.equal(lines[1].reason, 'no v1 signature');
  const all = logs.join('\n');
  for (const leaked of [SECRET, SECRET.slice(6), signature.slice(3), PII]) assert.ok(!all.includes(leaked), leaked);
});
