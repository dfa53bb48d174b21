// Tests for the orders Worker with an in-memory D1 fake: only Node built-ins (Node 22 has
// fetch's Request/Response and Web Crypto), run with `node --test` from reference/workers.
// The real D1 (SQLite in workerd) is what `fnproof check reference/workers` exercises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import worker from '../src/index.mjs';
import { createHandler } from '../src/orders.mjs';
import { RECORD_TTL_MS, SQL, d1Store } from '../src/store.mjs';

const SECRET = 'test-secret-canary-7f3a';
const PII = 'jane.doe.pii-canary@example.com';

// ---------------------------------------------------------------------------------------
// The fake: a D1Database whose prepare().bind().run()/first() apply store.mjs's four
// statements to a Map with the same semantics as the SQL (primary key, WHERE clauses).
function fakeD1({ failOn = null } = {}) {
  const rows = new Map();
  const apply = {
    [SQL.claim]: ([pk, fingerprint, claimId, inProgressUntil, expiresAt, now]) => {
      const row = rows.get(pk);
      const takeOver = row && ((row.status === 'IN_PROGRESS' && row.in_progress_until < now) || row.expires_at < now);
      if (row && !takeOver) return { changes: 0 };
      rows.set(pk, { fingerprint, status: 'IN_PROGRESS', claim_id: claimId, response_body: null,
        in_progress_until: inProgressUntil, expires_at: expiresAt });
      return { changes: 1 };
    },
    [SQL.get]: ([pk, now]) => {
      const row = rows.get(pk);
      return row && row.expires_at >= now
        ? { fingerprint: row.fingerprint, status: row.status, response_body: row.response_body } : null;
    },
    [SQL.complete]: ([pk, fingerprint, claimId, body]) => {
      const row = rows.get(pk);
      if (!row || row.fingerprint !== fingerprint || row.claim_id !== claimId || row.status !== 'IN_PROGRESS') return { changes: 0 };
      Object.assign(row, { status: 'COMPLETED', response_body: body });
      return { changes: 1 };
    },
    [SQL.release]: ([pk, claimId]) => {
      const row = rows.get(pk);
      if (!row || row.claim_id !== claimId || row.status !== 'IN_PROGRESS') return { changes: 0 };
      rows.delete(pk);
      return { changes: 1 };
    },
  };
  const execute = async (sql, params) => {
    assert.ok(apply[sql], `unexpected SQL: ${sql}`);
    await Promise.resolve(); // a real round trip yields, so concurrent requests interleave
    if (failOn === sql) throw Object.assign(new Error('D1_ERROR: simulated outage with the body inside'), { name: 'Error' });
    return apply[sql](params);
  };
  return {
    rows,
    prepare(sql) {
      return {
        bind: (...params) => ({
          run: async () => ({ success: true, meta: await execute(sql, params) }),
          first: async () => execute(sql, params),
        }),
      };
    },
  };
}

function post({ key = 'key-1', body = { amount: 32.5, currency: 'EUR', customer: { email: PII } }, secret = SECRET,
  path = '/orders', method = 'POST', headers = {} } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (key !== null) h['Idempotency-Key'] = key;
  if (secret !== null) h['x-webhook-secret'] = secret;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(`https://orders.example.workers.dev${path}`,
    { method, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : text });
}

function setup(options) {
  const db = fakeD1(options);
  const logs = [];
  const handle = createHandler({ store: d1Store(db), secret: SECRET, log: (entry) => logs.push(JSON.stringify(entry)) });
  return { db, logs, handle };
}

async function answer(response) {
  assert.match(response.headers.get('content-type'), /^application\/json/);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

// ---------------------------------------------------------------------------------------
test('a valid order is accepted with 202 and echoes amount and currency', async () => {
  const { handle } = setup();
  const { status, body } = await answer(await handle(post()));
  assert.equal(status, 202);
  assert.equal(body.status, 'accepted');
  assert.equal(body.amount, 32.5);
  assert.equal(body.currency, 'EUR');
  assert.match(body.orderId, /^[0-9a-f-]{36}$/);
});

test('a replay returns the stored body byte for byte, flagged by a header', async () => {
  const { handle } = setup();
  const first = await (await handle(post())).text();
  const again = await handle(post({ key: null, headers: { 'IDEMPOTENCY-KEY': 'key-1' } })); // any header case
  assert.equal(again.status, 202);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(await again.text(), first);
});

test('the same key with another body is 422 and never the stored order', async () => {
  const { handle } = setup();
  await handle(post());
  const { status, body } = await answer(await handle(post({ body: { amount: 99.99, currency: 'EUR' } })));
  assert.deepEqual([status, body.error], [422, 'idempotency_key_reused']);
});

test('concurrent requests with one key create exactly one order', async () => {
  const { handle } = setup();
  const answers = await Promise.all(Array.from({ length: 8 }, () => handle(post({ key: 'race' })).then(answer)));
  const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.orderId));
  assert.equal(ids.size, 1);
  for (const a of answers.filter((x) => x.status !== 202)) assert.deepEqual([a.status, a.body.error], [409, 'idempotency_key_in_progress']);
});

test('auth comes first: no secret, a wrong one, or an unset one is 401 even for a stored key or unknown route', async () => {
  const { handle } = setup();
  await handle(post());
  for (const request of [post({ secret: null }), post({ secret: 'wrong' }), post({ secret: null, path: '/nope' })]) {
    const { status, body } = await answer(await handle(request));
    assert.deepEqual([status, body.error], [401, 'unauthorized']);
  }
  const open = createHandler({ store: d1Store(fakeD1()), secret: '', log: () => {} });
  assert.equal((await open(post({ secret: '' }))).status, 401);
});

test('routes, methods and the key header', async () => {
  const { handle } = setup();
  assert.deepEqual((await answer(await handle(post({ path: '/nope' })))).body.error, 'not_found');
  const get = await answer(await handle(post({ method: 'GET' })));
  assert.deepEqual([get.status, get.body.error], [405, 'method_not_allowed']);
  for (const key of [null, '', '   ']) {
    const { status, body } = await answer(await handle(post({ key })));
    assert.deepEqual([status, body.error], [400, 'idempotency_key_required']);
  }
});

test('malformed JSON is invalid_json; well-formed but wrong orders are invalid_order', async () => {
  const { handle, db } = setup();
  for (const text of ['not-json', '{', '{"amount":}', '{"amount": 32.5, "curr', '']) {
    const { status, body } = await answer(await handle(post({ key: `bad-${text}`, body: text })));
    assert.deepEqual([status, body.error], [400, 'invalid_json'], text);
  }
  const invalid = ['null', '[]', '"x"', '42', '{"currency":"EUR"}', '{"amount":"3200","currency":"EUR"}',
    '{"amount":0,"currency":"EUR"}', '{"amount":-5,"currency":"EUR"}', '{"amount":10}', '{"amount":10,"currency":5}',
    '{"amount":10,"currency":""}', '{"amount": 1e999, "currency": "EUR"}'];
  for (const text of invalid) {
    const { status, body } = await answer(await handle(post({ key: `bad-${text}`, body: text })));
    assert.deepEqual([status, body.error], [400, 'invalid_order'], text);
  }
  assert.equal(db.rows.size, 0, 'a rejected request never claims its key');
});

test('a store failure answers 503, releases the claim, and logs no message text', async () => {
  const { handle, db, logs } = setup({ failOn: SQL.complete });
  const { status, body } = await answer(await handle(post()));
  assert.deepEqual([status, body.error], [503, 'service_unavailable']);
  assert.equal(db.rows.size, 0);
  assert.ok(!logs.join('\n').includes('simulated outage'));
});

test('an abandoned claim is taken over once its lease runs out; an expired record counts as absent', async () => {
  let now = 1_000_000;
  const db = fakeD1();
  const handle = createHandler({ store: d1Store(db, () => now), secret: SECRET, log: () => {} });
  db.rows.set('stale', {});
  await handle(post({ key: 'k' }));
  const [pk] = [...db.rows.keys()].filter((k) => k !== 'stale');
  Object.assign(db.rows.get(pk), { status: 'IN_PROGRESS', in_progress_until: now - 1 });
  assert.equal((await handle(post({ key: 'k' }))).status, 202);
  now += RECORD_TTL_MS + 1;
  const later = await answer(await handle(post({ key: 'k', body: { amount: 5, currency: 'USD' } })));
  assert.equal(later.status, 202, 'past its TTL the key is new again');
});

test('each request logs one JSON line without the secret, the key, the body or personal data', async () => {
  const { handle, logs } = setup();
  await handle(post({ key: 'raw-key-value' }));
  await handle(post({ secret: 'wrong-secret-value' }));
  assert.equal(logs.length, 2);
  for (const line of logs) {
    const entry = JSON.parse(line);
    assert.ok(entry.level && entry.status);
    for (const leak of [SECRET, 'wrong-secret-value', 'raw-key-value', PII, '32.5']) assert.ok(!line.includes(leak), leak);
  }
});

test('the module Worker wires env.DB and env.WEBHOOK_SECRET', async () => {
  const response = await worker.fetch(post(), { DB: fakeD1(), WEBHOOK_SECRET: SECRET });
  assert.equal(response.status, 202);
});
