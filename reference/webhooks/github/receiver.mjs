// The GitHub webhook receiver's logic: POST /webhooks/github records each delivery once.
// This module never imports the AWS SDK: index.mjs hands it the real DynamoDB client and
// command classes, the tests an in-memory fake, so `node --test` needs no node_modules.
//
// Order of work, each step before the next: route, signature over the raw bytes, delivery
// id, JSON, then one conditional write per delivery id. Nothing is parsed or stored for a
// request whose signature does not verify.
import { createHmac, timingSafeEqual } from 'node:crypto';

const ROUTE = '/webhooks/github';
const SIGNATURE_HEADER = 'x-hub-signature-256';
const DELIVERY_HEADER = 'x-github-delivery';
const EVENT_HEADER = 'x-github-event';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;
const RECORD_TTL_S = 30 * 24 * 60 * 60; // GitHub can redeliver for weeks; keep ids for 30 days

function respond(statusCode, body) {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const fail = (status, code, message) => respond(status, { error: code, message });

// One view of API Gateway HTTP API 2.0 (and Function URL) and REST API 1.0 events. The body
// stays bytes: the signature is over exactly what GitHub sent.
function normaliseEvent(event) {
  const e = event && typeof event === 'object' ? event : {};
  const method = e.requestContext?.http?.method ?? e.httpMethod ?? '';
  const path = e.rawPath ?? e.path ?? '';
  const headers = {};
  for (const [name, value] of Object.entries(e.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  const text = typeof e.body === 'string' ? e.body : '';
  const raw = Buffer.from(text, e.isBase64Encoded === true ? 'base64' : 'utf8');
  return { method, path, headers, raw };
}

// HMAC-SHA256 of the raw body, compared in constant time. A missing secret fails closed.
export function signatureValid(raw, header, secret) {
  if (typeof secret !== 'string' || secret === '') return false;
  const match = SIGNATURE.exec(header ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
}

function deliveryStore({ client, commands, tableName, now }) {
  const { PutItemCommand } = commands;
  return {
    // true: the first time this delivery id is seen; false: a redelivery (already recorded).
    async record(deliveryId, event) {
      try {
        await client.send(new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `delivery#${deliveryId}` },
            deliveryId: { S: deliveryId },
            event: { S: event },
            status: { S: 'received' },
            receivedAt: { N: String(now()) },
            expiresAt: { N: String(Math.floor(now() / 1000) + RECORD_TTL_S) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }));
        return true;
      } catch (err) {
        if (err?.name === 'ConditionalCheckFailedException') return false;
        throw err;
      }
    },
  };
}

function defaultLog(entry) {
  console.log(JSON.stringify(entry));
}

export function createHandler({ client, commands, tableName, secret, now = Date.now, log = defaultLog }) {
  const store = deliveryStore({ client, commands, tableName, now });

  async function route(event, meta) {
    const req = normaliseEvent(event);
    if (req.path !== ROUTE) return fail(404, 'not_found', `No such route; deliveries go to POST ${ROUTE}.`);
    if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Only POST is allowed here.');
    if (!signatureValid(req.raw, req.headers[SIGNATURE_HEADER], secret)) {
      return fail(401, 'invalid_signature', 'Missing or wrong X-Hub-Signature-256.');
    }
    const deliveryId = (req.headers[DELIVERY_HEADER] ?? '').trim();
    if (deliveryId === '' || deliveryId.length > 200) {
      return fail(400, 'missing_delivery_id', 'X-GitHub-Delivery is required.');
    }
    meta.deliveryId = deliveryId;
    meta.event = (req.headers[EVENT_HEADER] ?? 'unknown').slice(0, 100);
    try {
      JSON.parse(req.raw.toString('utf8'));
    } catch {
      return fail(400, 'invalid_json', 'The body is not JSON.');
    }
    // The delivery is recorded, not processed: slow work belongs to whatever reads the table
    // (a stream, a queue), so GitHub gets its answer well within its 10 s.
    const first = await store.record(deliveryId, meta.event);
    meta.outcome = first ? 'recorded' : 'duplicate';
    return first ? respond(202, { status: 'accepted' }) : respond(200, { status: 'duplicate' });
  }

  return async function handler(event, context) {
    const meta = {};
    let response;
    try {
      response = await route(event, meta);
    } catch (err) {
      meta.errorName = err?.name ?? typeof err; // the name only: SDK messages may quote request data
      response = fail(503, 'service_unavailable', 'The delivery could not be recorded; GitHub may redeliver it.');
    }
    const status = response.statusCode;
    log({
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      message: status >= 400 ? 'delivery rejected' : 'delivery answered',
      requestId: context?.awsRequestId,
      status,
      outcome: meta.outcome ?? JSON.parse(response.body).error,
      deliveryId: meta.deliveryId,
      event: meta.event,
      errorName: meta.errorName,
    });
    return response;
  };
}
