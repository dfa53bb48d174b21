// Standard Webhooks signature verification (https://www.standardwebhooks.com, spec
// "Verifying webhook authenticity"), with Web Crypto only, so the same code runs in workerd
// and in Node for the tests.
//
//   webhook-id:        msg_...            (the message id; unchanged across retries)
//   webhook-timestamp: 1614265330         (unix seconds; refused 5 minutes either way)
//   webhook-signature: v1,<base64> [v1,<base64> ...]   (space-separated; several while a
//                                                        secret rotates; any v1 may match)
//
// The signed content is `${id}.${timestamp}.` followed by the body's raw bytes, HMAC-SHA256
// keyed with the base64-decoded part of the `whsec_...` secret.
export const TOLERANCE_S = 5 * 60;
const SECRET_PREFIX = 'whsec_';
const MAX_SIGNATURES = 10; // a sender rotating secrets sends two or three; more is an attack
const TIMESTAMP = /^[0-9]{1,12}$/;
const encoder = new TextEncoder();

function fromBase64(text) {
  const binary = atob(text); // throws on anything that is not base64
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// The HMAC key, imported once per secret value (an isolate serves many requests with one).
let cached = { secret: undefined, key: undefined };

export async function signingKey(secret) {
  if (typeof secret !== 'string' || secret === '') return null; // unset: fail closed
  if (cached.secret === secret) return cached.key;
  let bytes;
  try {
    bytes = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  } catch {
    return null; // not a whsec_<base64> secret: nothing can verify
  }
  if (bytes.length === 0) return null;
  const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  cached = { secret, key };
  return key;
}

function signedContent(id, timestamp, body) {
  const head = encoder.encode(`${id}.${timestamp}.`);
  const content = new Uint8Array(head.length + body.length);
  content.set(head, 0);
  content.set(body, head.length);
  return content;
}

// The v1 signatures in the header, decoded; other versions (v1a is ed25519) are skipped.
export function parseSignatures(header) {
  const signatures = [];
  for (const entry of (header ?? '').split(' ')) {
    const [version, value, ...rest] = entry.split(',');
    if (version !== 'v1' || !value || rest.length > 0) continue;
    try {
      signatures.push(fromBase64(value));
    } catch {
      // not base64: cannot match, and must not stop the others from being tried
    }
    if (signatures.length === MAX_SIGNATURES) break;
  }
  return signatures;
}

// { ok: true } or { ok: false, reason } for the log (never the header or the secret).
export async function verify({ secret, id, timestamp, signature, body, nowS }) {
  if (!id || id.includes('.') || id.length > 255) return { ok: false, reason: 'missing or malformed webhook-id' };
  if (!TIMESTAMP.test(timestamp ?? '')) return { ok: false, reason: 'missing or malformed webhook-timestamp' };
  if (Math.abs(nowS - Number(timestamp)) > TOLERANCE_S) return { ok: false, reason: 'timestamp outside tolerance' };
  const key = await signingKey(secret);
  if (key === null) return { ok: false, reason: 'no usable signing secret configured' };
  const candidates = parseSignatures(signature);
  if (candidates.length === 0) return { ok: false, reason: 'no v1 signature' };
  const content = signedContent(id, timestamp, body);
  // crypto.subtle.verify compares in constant time. Every candidate is tried, not only the
  // first: while a secret rotates the sender signs with old and new, in either order.
  for (const candidate of candidates) {
    if (await crypto.subtle.verify('HMAC', key, candidate, content)) return { ok: true };
  }
  return { ok: false, reason: 'no signature matches' };
}
