// The orders logic: POST /orders creates an order at most once per Idempotency-Key.
// It takes its store as an argument (index.mjs passes the D1 one, the tests an in-memory
// fake), and uses only Web APIs that both workerd and Node provide.
const ORDERS_PATH = '/orders';
const KEY_HEADER = 'idempotency-key';
const SECRET_HEADER = 'x-webhook-secret';
const LEASE_MS = 30_000; // longer than any invocation of this Worker

const MESSAGES = {
  unauthorized: 'Missing or wrong x-webhook-secret header.',
  not_found: 'No such route; orders are created with POST /orders.',
  method_not_allowed: 'Only POST is allowed on /orders.',
  idempotency_key_required: 'The Idempotency-Key header is required and must not be empty.',
  invalid_json: 'The request body is not valid JSON.',
  invalid_order: 'The body must be a JSON object with a finite number "amount" > 0 and a non-empty string "currency".',
  idempotency_key_reused: 'This Idempotency-Key was already used with a different request body.',
  idempotency_key_in_progress: 'A request with this Idempotency-Key is still being processed; retry shortly.',
  service_unavailable: 'The order could not be processed; retry with the same Idempotency-Key.',
};

const encoder = new TextEncoder();
const sha256 = async (text) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const sha256Hex = async (text) => hex(await sha256(text));

function respond(status, body, extraHeaders = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...extraHeaders },
  });
}

const fail = (status, code) => respond(status, { error: code, message: MESSAGES[code] });

// Both sides are hashed first: equal-length digests, so the comparison time does not depend
// on where the values differ nor reveal the secret's length. workerd has
// crypto.subtle.timingSafeEqual; Node (the tests) gets the same constant-time loop.
async function secretMatches(provided, expected) {
  if (typeof expected !== 'string' || expected === '') return false; // fail closed when unset
  if (typeof provided !== 'string') return false;
  const [a, b] = await Promise.all([sha256(provided), sha256(expected)]);
  if (typeof crypto.subtle.timingSafeEqual === 'function') return crypto.subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// Sorted keys at every level, so {"a":1,"b":2} and {"b":2,"a":1} are the same payload.
function canonicalJson(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

async function parseOrder(text) {
  if (text.trim() === '') return { error: 'invalid_json' };
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'invalid_json' };
  }
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  // typeof + isFinite refuses "3200" as a string and 1e999 (which JSON.parse makes Infinity).
  if (!isObject || typeof body.amount !== 'number' || !Number.isFinite(body.amount) || body.amount <= 0
      || typeof body.currency !== 'string' || body.currency.trim() === '') {
    return { error: 'invalid_order' };
  }
  try {
    return { order: body, fingerprint: await sha256Hex(canonicalJson(body)) };
  } catch {
    return { error: 'invalid_order' }; // nested too deep to serialise: refuse it, never a 5xx
  }
}

// Someone else holds the key: tell apart a reuse, a replay and a request still in flight.
function answerExisting(record, fingerprint, meta) {
  if (record && record.fingerprint !== fingerprint) return fail(422, 'idempotency_key_reused');
  if (record?.status === 'COMPLETED' && typeof record.response_body === 'string') {
    meta.outcome = 'replayed';
    meta.orderId = JSON.parse(record.response_body).orderId;
    return respond(202, record.response_body, { 'idempotent-replayed': 'true' });
  }
  // Still IN_PROGRESS, or released between our claim and our read: retry later.
  return fail(409, 'idempotency_key_in_progress');
}

function defaultLog(entry) {
  console.log(JSON.stringify(entry));
}

export function createHandler({ store, secret, log = defaultLog }) {
  async function processOnce(key, { order, fingerprint }, meta) {
    // The record key is a hash: bounded length whatever the client sends, no raw key stored.
    const pk = `orders#${await sha256Hex(key)}`;
    const claimId = crypto.randomUUID();
    if (!(await store.claim(pk, fingerprint, claimId, LEASE_MS))) {
      return answerExisting(await store.get(pk), fingerprint, meta);
    }
    try {
      const orderId = crypto.randomUUID();
      const body = JSON.stringify({ orderId, status: 'accepted', amount: order.amount, currency: order.currency });
      await store.complete(pk, fingerprint, claimId, body);
      meta.outcome = 'accepted';
      meta.orderId = orderId;
      return respond(202, body);
    } catch (err) {
      await store.release(pk, claimId); // so a retry with the same key can run
      throw err;
    }
  }

  async function route(request, meta) {
    const url = new URL(request.url);
    // Auth first: an unauthenticated caller learns nothing, not even which routes exist.
    if (!(await secretMatches(request.headers.get(SECRET_HEADER) ?? undefined, secret))) return fail(401, 'unauthorized');
    if (url.pathname !== ORDERS_PATH) return fail(404, 'not_found');
    meta.route = ORDERS_PATH;
    if (request.method !== 'POST') return fail(405, 'method_not_allowed');
    const key = (request.headers.get(KEY_HEADER) ?? '').trim();
    if (key === '') return fail(400, 'idempotency_key_required');
    meta.keyHash = (await sha256Hex(key)).slice(0, 12); // correlates retries without the key
    let text;
    try {
      text = await request.text();
    } catch {
      return fail(400, 'invalid_json'); // a body that is not text (bad UTF-8 streams, aborted uploads)
    }
    // Validation happens before any store call, so a rejected request never claims its key.
    const parsed = await parseOrder(text);
    if (parsed.error) return fail(400, parsed.error);
    return processOnce(key, parsed, meta);
  }

  return async function handle(request) {
    const meta = { route: 'unmatched' };
    let response;
    try {
      response = await route(request, meta);
    } catch (err) {
      meta.errorName = err?.name ?? typeof err; // the name only: D1 messages may quote request data
      response = fail(503, 'service_unavailable');
    }
    const status = response.status;
    let outcome = meta.outcome;
    if (!outcome) outcome = JSON.parse(await response.clone().text()).error;
    log({
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      message: status >= 500 ? 'order failed' : status >= 400 ? 'request rejected' : 'order answered',
      requestId: request.headers.get('cf-ray') ?? undefined,
      route: meta.route,
      outcome,
      status,
      orderId: meta.orderId,
      keyHash: meta.keyHash,
      errorName: meta.errorName,
    });
    return response;
  };
}
