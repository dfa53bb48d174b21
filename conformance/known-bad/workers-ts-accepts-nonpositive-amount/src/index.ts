// Orders Worker: POST /orders creates an order at most once per Idempotency-Key, with the
// claims in D1 (binding DB, table orders_idempotency, see migrations/).
const encoder = new TextEncoder();

interface Env { DB: D1Like; WEBHOOK_SECRET?: string }
// The slice of D1's API this Worker uses (types are erased by the build).
type D1Like = { prepare(sql: string): unknown };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const fail = (status, error) => json(status, { error });

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

async function sha256Hex(text) {
  return [...(await sha256(text))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function authorized(provided, expected) {
  if (!expected || provided === null) return false;
  return crypto.subtle.timingSafeEqual(await sha256(provided), await sha256(expected));
}

function canonical(value) {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

function isValidOrder(body) {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    && typeof body.amount === 'number' && Number.isFinite(body.amount)
    && typeof body.currency === 'string' && body.currency.trim() !== '';
}

async function readOrder(request) {
  try {
    return { body: JSON.parse(await request.text()) };
  } catch {
    return { error: 'invalid_json' };
  }
}

async function createOnce(env, key, body) {
  const pk = await sha256Hex(key);
  const fingerprint = await sha256Hex(canonical(body));
  const claim = await env.DB.prepare(
    "INSERT INTO orders_idempotency (pk, fingerprint, status) VALUES (?1, ?2, 'IN_PROGRESS') ON CONFLICT (pk) DO NOTHING",
  ).bind(pk, fingerprint).run();
  if (claim.meta.changes !== 1) {
    const row = await env.DB.prepare('SELECT fingerprint, status, response FROM orders_idempotency WHERE pk = ?1').bind(pk).first();
    if (row && row.fingerprint !== fingerprint) return fail(422, 'idempotency_key_reused');
    if (row?.status === 'COMPLETED') return json(202, row.response, { 'idempotent-replayed': 'true' });
    return fail(409, 'idempotency_key_in_progress');
  }
  const order = JSON.stringify({ orderId: crypto.randomUUID(), status: 'accepted', amount: body.amount, currency: body.currency });
  try {
    await env.DB.prepare("UPDATE orders_idempotency SET status = 'COMPLETED', response = ?2 WHERE pk = ?1").bind(pk, order).run();
  } catch (err) {
    await env.DB.prepare('DELETE FROM orders_idempotency WHERE pk = ?1').bind(pk).run().catch(() => {});
    throw err;
  }
  return json(202, order);
}

async function handle(request, env) {
  if (!(await authorized(request.headers.get('x-webhook-secret'), env.WEBHOOK_SECRET))) return fail(401, 'unauthorized');
  const url = new URL(request.url);
  if (url.pathname !== '/orders') return fail(404, 'not_found');
  if (request.method !== 'POST') return fail(405, 'method_not_allowed');
  const key = (request.headers.get('idempotency-key') ?? '').trim();
  if (!key) return fail(400, 'idempotency_key_required');
  const { body, error } = await readOrder(request);
  if (error) return fail(400, error);
  if (!isValidOrder(body)) return fail(400, 'invalid_order');
  return createOnce(env, key, body);
}

export default {
  async fetch(request, env) {
    let response;
    try {
      response = await handle(request, env);
    } catch (err) {
      response = fail(503, 'service_unavailable');
      console.error(JSON.stringify({ level: 'error', message: 'order failed', errorName: err?.name }));
    }
    console.log(JSON.stringify({ level: 'info', message: 'request answered', path: new URL(request.url).pathname, status: response.status }));
    return response;
  },
};
