// The Standard Webhooks receiver's logic: POST /webhooks records each message once in D1.
// It takes the D1 database as an argument (index.mjs passes the binding, the tests an
// in-memory fake) and uses only Web APIs that both workerd and Node provide.
//
// Order of work, each step before the next: route, the body read once as bytes, the
// signature over those bytes (with its timestamp), JSON, then one INSERT per message id.
// Nothing is parsed or stored for a request whose signature does not verify.
import { verify } from './signature.mjs';

const ROUTE = '/webhooks';
export const RETENTION_MS = 7 * 24 * 60 * 60 * 1000; // senders retry for about 3 days

export const SQL = {
  // The primary key on message_id makes this a compare-and-set: of any number of concurrent
  // deliveries of one message, exactly one changes a row.
  record: `INSERT INTO messages (message_id, event_type, received_at) VALUES (?1, ?2, ?3)
ON CONFLICT (message_id) DO NOTHING`,
  purge: 'DELETE FROM messages WHERE received_at < ?1',
};

const MESSAGES = {
  not_found: `No such route; deliveries go to POST ${ROUTE}.`,
  method_not_allowed: 'Only POST is allowed here.',
  invalid_signature: 'Missing, malformed, wrong or expired webhook signature.',
  invalid_json: 'The body is not JSON.',
  invalid_payload: 'The body must be a JSON object with a string "type".',
  service_unavailable: 'The message could not be recorded; retry it later.',
};

const json = (status, body) => new Response(JSON.stringify(body), {
  status,
  headers: { 'content-type': 'application/json' },
});
const fail = (status, code) => json(status, { error: code, message: MESSAGES[code] });
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parsePayload(body) {
  let document;
  try {
    document = JSON.parse(utf8.decode(body)); // fatal: bytes that are not UTF-8 are not JSON
  } catch {
    return { error: 'invalid_json' };
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)
      || typeof document.type !== 'string' || document.type === '') {
    return { error: 'invalid_payload' };
  }
  return { payload: document };
}

function defaultLog(entry) {
  console.log(JSON.stringify(entry));
}

export function createReceiver({ db, secret, now = Date.now, log = defaultLog }) {
  async function route(request, meta) {
    const { pathname } = new URL(request.url);
    if (pathname !== ROUTE) return fail(404, 'not_found');
    if (request.method !== 'POST') return fail(405, 'method_not_allowed');
    // Read once, as bytes: the signature is over exactly what the sender sent, and
    // request.json() or .text() would decode (and for .json(), re-shape) it first.
    const body = new Uint8Array(await request.arrayBuffer());
    const id = request.headers.get('webhook-id') ?? '';
    const checked = await verify({
      secret,
      id,
      timestamp: request.headers.get('webhook-timestamp'),
      signature: request.headers.get('webhook-signature'),
      body,
      nowS: Math.floor(now() / 1000),
    });
    if (!checked.ok) {
      meta.reason = checked.reason;
      return fail(401, 'invalid_signature');
    }
    meta.messageId = id;
    const { payload, error } = parsePayload(body);
    if (error) return fail(400, error);
    meta.type = payload.type.slice(0, 100);
    // Recorded, not processed: the work belongs to whatever reads the table (a queue
    // consumer, a cron), so the sender gets its 2xx at once.
    const result = await db.prepare(SQL.record).bind(id, meta.type, now()).run();
    meta.outcome = result.meta.changes === 1 ? 'recorded' : 'duplicate';
    return new Response(null, { status: 204 });
  }

  return async function handle(request) {
    const meta = {};
    let response;
    try {
      response = await route(request, meta);
    } catch (err) {
      meta.errorName = err?.name ?? typeof err; // the name only: D1 messages can quote the SQL and values
      response = fail(503, 'service_unavailable');
    }
    const status = response.status;
    log({
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      message: status >= 400 ? 'delivery rejected' : 'delivery answered',
      status,
      outcome: meta.outcome ?? (status >= 400 ? (await response.clone().json()).error : undefined),
      reason: meta.reason,
      messageId: meta.messageId,
      type: meta.type,
      errorName: meta.errorName,
    });
    return response;
  };
}

// Message ids are kept long enough to catch every retry, then dropped (index.mjs runs this
// from a cron trigger).
export async function purgeExpired(db, now = Date.now) {
  const result = await db.prepare(SQL.purge).bind(now() - RETENTION_MS).run();
  return result.meta.changes;
}
