// Standard Webhooks receiver: POST /webhooks verifies webhook-signature over
// "{webhook-id}.{webhook-timestamp}.{body}" and records each message id once in D1.
const TOLERANCE_S = 300;
const encoder = new TextEncoder();

const json = (status, body) => new Response(JSON.stringify(body), {
  status, headers: { 'content-type': 'application/json' },
});

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function verifySignature(secret, id, timestamp, header, body) {
  if (!secret || !id || !/^\d+$/.test(timestamp ?? '')) return false;
  if (Date.now() / 1000 - Number(timestamp) > TOLERANCE_S) return false; // too old
  let key;
  try {
    key = await crypto.subtle.importKey('raw', fromBase64(secret.replace(/^whsec_/, '')),
      { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  } catch {
    return false;
  }
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  for (const entry of (header ?? '').split(' ')) {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) continue;
    let bytes;
    try {
      bytes = fromBase64(signature);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify('HMAC', key, bytes, signed)) return true;
  }
  return false;
}

async function handle(request, env, meta) {
  const url = new URL(request.url);
  if (url.pathname !== '/webhooks') return json(404, { error: 'not_found' });
  if (request.method !== 'POST') return json(405, { error: 'method_not_allowed' });
  const body = new Uint8Array(await request.arrayBuffer());
  const id = request.headers.get('webhook-id');
  const ok = await verifySignature(env.WEBHOOK_SIGNING_SECRET, id, request.headers.get('webhook-timestamp'),
    request.headers.get('webhook-signature'), body);
  if (!ok) return json(401, { error: 'invalid_signature' });
  let payload;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return json(400, { error: 'invalid_json' });
  }
  meta.messageId = id;
  const type = typeof payload?.type === 'string' ? payload.type.slice(0, 100) : 'unknown';
  const result = await env.DB.prepare(
    'INSERT INTO messages (message_id, event_type, received_at) VALUES (?1, ?2, ?3) ON CONFLICT (message_id) DO NOTHING',
  ).bind(id, type, Date.now()).run();
  meta.outcome = result.meta.changes === 1 ? 'recorded' : 'duplicate';
  return new Response(null, { status: 204 });
}

export default {
  async fetch(request, env) {
    const meta = {};
    let response;
    try {
      response = await handle(request, env, meta);
    } catch (err) {
      meta.errorName = err?.name;
      response = json(503, { error: 'service_unavailable' });
    }
    console.log(JSON.stringify({
      level: response.status >= 500 ? 'error' : response.status >= 400 ? 'warn' : 'info',
      message: 'webhook answered',
      status: response.status,
      outcome: meta.outcome,
      messageId: meta.messageId,
      errorName: meta.errorName,
    }));
    return response;
  },
};
