// The orders handler's logic: POST /orders creates an order at most once per Idempotency-Key.
// This module never imports the AWS SDK. index.mjs hands it the real DynamoDB client and
// command classes; the tests hand it an in-memory fake, so `node --test` needs no node_modules.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

const ORDERS_PATH = '/orders';
const KEY_HEADER = 'idempotency-key';
const SECRET_HEADER = 'x-webhook-secret';
const RECORD_TTL_S = 24 * 60 * 60;
const FALLBACK_LEASE_MS = 10_000; // used only when the context cannot say how long we have left

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

const sha256 = (text) => createHash('sha256').update(text).digest();
const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');

function respond(statusCode, body, extraHeaders = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...extraHeaders },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

const fail = (status, code) => respond(status, { error: code, message: MESSAGES[code] });

// One view of API Gateway HTTP API 2.0 (and Function URL) and REST API 1.0 events.
function normaliseEvent(event) {
  const e = event && typeof event === 'object' ? event : {};
  const http = e.requestContext?.http;
  const method = http?.method ?? e.httpMethod ?? '';
  const path = e.rawPath ?? e.path ?? http?.path ?? '';
  // REST v1 keeps the client's header case; HTTP headers are case-insensitive.
  const headers = {};
  for (const [name, value] of Object.entries(e.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  let body = typeof e.body === 'string' ? e.body : '';
  if (e.isBase64Encoded === true) body = Buffer.from(body, 'base64').toString('utf8');
  return { method, path, headers, body };
}

// Hashing both sides first gives equal-length buffers, so the comparison time does not
// depend on where the values differ, nor reveal the secret's length.
function secretMatches(provided, expected) {
  if (typeof expected !== 'string' || expected === '') return false; // fail closed when unconfigured
  if (typeof provided !== 'string') return false;
  return timingSafeEqual(sha256(provided), sha256(expected));
}

// Sorted keys at every level, so {"a":1,"b":2} and {"b":2,"a":1} are the same payload.
function canonicalJson(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

function parseOrder(text) {
  if (text.trim() === '') return { error: 'invalid_json' };
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'invalid_json' };
  }
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  // typeof + isFinite rejects "3200" as a string and 1e999 (which JSON.parse turns into Infinity).
  if (!isObject || typeof body.amount !== 'number' || !Number.isFinite(body.amount) || body.amount <= 0
      || typeof body.currency !== 'string' || body.currency.trim() === '') {
    return { error: 'invalid_order' };
  }
  try {
    return { order: body, fingerprint: sha256Hex(canonicalJson(body)) };
  } catch {
    return { error: 'invalid_order' }; // nested too deep to serialise: refuse it, never a 5xx
  }
}

// The idempotency record in DynamoDB. Conditional writes make the claim atomic: of many
// concurrent requests with one key, exactly one PutItem succeeds.
function idempotencyStore({ client, commands, tableName, now }) {
  const { PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand } = commands;
  const isConditionFailure = (err) => err?.name === 'ConditionalCheckFailedException';
  return {
    async claim(pk, fingerprint, claimId, leaseMs) {
      const t = now();
      try {
        await client.send(new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: pk }, status: { S: 'IN_PROGRESS' }, fingerprint: { S: fingerprint }, claimId: { S: claimId },
            inProgressUntil: { N: String(t + leaseMs) },
            expiresAt: { N: String(Math.floor(t / 1000) + RECORD_TTL_S) },
          },
          // A claim left by an invocation that died is taken over once its lease has run out.
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :inprogress AND inProgressUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':inprogress': { S: 'IN_PROGRESS' }, ':now': { N: String(t) } },
        }));
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async get(pk) {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
      return out?.Item;
    },
    // claimId guards against completing (or below, deleting) a claim another request took over.
    async complete(pk, fingerprint, claimId, responseBody) {
      await client.send(new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: pk } },
        UpdateExpression: 'SET #s = :completed, responseBody = :body',
        ConditionExpression: 'fingerprint = :fp AND claimId = :claim',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':completed': { S: 'COMPLETED' }, ':body': { S: responseBody }, ':fp': { S: fingerprint }, ':claim': { S: claimId },
        },
      }));
    },
    async release(pk, claimId) {
      try {
        await client.send(new DeleteItemCommand({
          TableName: tableName,
          Key: { pk: { S: pk } },
          ConditionExpression: 'claimId = :claim AND #s = :inprogress',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':claim': { S: claimId }, ':inprogress': { S: 'IN_PROGRESS' } },
        }));
      } catch {
        // Not ours any more, or the store is down: the lease expires by itself either way.
      }
    },
  };
}

// Someone else holds the key: tell apart a replay, a reuse and a request still in flight.
function answerExisting(record, fingerprint, meta) {
  if (record && record.fingerprint?.S !== fingerprint) return fail(422, 'idempotency_key_reused');
  if (record?.status?.S === 'COMPLETED' && typeof record.responseBody?.S === 'string') {
    meta.outcome = 'replayed';
    meta.orderId = JSON.parse(record.responseBody.S).orderId;
    return respond(202, record.responseBody.S, { 'idempotent-replayed': 'true' });
  }
  // Still IN_PROGRESS, or the claim was released between our PutItem and GetItem: retry later.
  return fail(409, 'idempotency_key_in_progress');
}

function defaultLog(entry) {
  console.log(JSON.stringify(entry));
}

export function createHandler({ client, commands, tableName, secret, now = Date.now, log = defaultLog }) {
  const store = idempotencyStore({ client, commands, tableName, now });

  async function processOnce(key, { order, fingerprint }, context, meta) {
    // The record key is a hash: bounded length whatever the client sends, and no raw key stored.
    const pk = `orders#${sha256Hex(key)}`;
    const claimId = randomUUID();
    const remaining = context?.getRemainingTimeInMillis?.();
    const leaseMs = Number.isFinite(remaining) && remaining > 0 ? remaining : FALLBACK_LEASE_MS;
    if (!(await store.claim(pk, fingerprint, claimId, leaseMs))) {
      return answerExisting(await store.get(pk), fingerprint, meta);
    }
    try {
      const orderId = randomUUID();
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

  async function route(event, context, meta) {
    const req = normaliseEvent(event);
    // Auth first: an unauthenticated caller learns nothing, not even which routes exist.
    if (!secretMatches(req.headers[SECRET_HEADER], secret)) return fail(401, 'unauthorized');
    if (req.path !== ORDERS_PATH) return fail(404, 'not_found');
    meta.route = ORDERS_PATH;
    if (req.method !== 'POST') return fail(405, 'method_not_allowed');
    const key = (req.headers[KEY_HEADER] ?? '').trim();
    if (key === '') return fail(400, 'idempotency_key_required');
    meta.keyHash = sha256Hex(key).slice(0, 12); // correlates retries in logs without the key
    // Validation happens before any store call, so a rejected request never claims its key.
    const parsed = parseOrder(req.body);
    if (parsed.error) return fail(400, parsed.error);
    return processOnce(key, parsed, context, meta);
  }

  return async function handler(event, context) {
    const meta = { route: 'unmatched' };
    let response;
    try {
      response = await route(event, context, meta);
    } catch (err) {
      meta.errorName = err?.name ?? typeof err; // the name only: SDK messages may quote request data
      response = fail(503, 'service_unavailable');
    }
    const status = response.statusCode;
    log({
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      message: status >= 500 ? 'order failed' : status >= 400 ? 'request rejected' : 'order answered',
      requestId: context?.awsRequestId,
      route: meta.route,
      outcome: meta.outcome ?? JSON.parse(response.body).error,
      status,
      orderId: meta.orderId,
      keyHash: meta.keyHash,
      errorName: meta.errorName,
    });
    return response;
  }
}
