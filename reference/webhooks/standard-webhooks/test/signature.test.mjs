// Tests for the Standard Webhooks verification alone: Node's built-in Web Crypto, no
// node_modules. The first vector is the one the standard-webhooks libraries test against.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { parseSignatures, signingKey, TOLERANCE_S, verify } from '../src/signature.mjs';

const bytes = (text) => new TextEncoder().encode(text);

function signWith(secret, id, timestamp, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const NOW = 1_764_590_400;

test('the libraries\' test vector verifies', async () => {
  const result = await verify({
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: '1614265330',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    body: bytes('{"test": 2432232314}'),
    nowS: 1614265330,
  });
  assert.deepEqual(result, { ok: true });
});

test('the key is the base64-decoded part of the secret, not its text', async () => {
  const body = bytes('{"type":"x"}');
  const textKeyed = `v1,${createHmac('sha256', SECRET).update(`m1.${NOW}.`).update(body).digest('base64')}`;
  const result = await verify({ secret: SECRET, id: 'm1', timestamp: String(NOW), signature: textKeyed, body, nowS: NOW });
  assert.equal(result.ok, false);
});

test('timestamps are refused more than 5 minutes either way, accepted within', async () => {
  const body = bytes('{"type":"x"}');
  for (const [offset, ok] of [[0, true], [TOLERANCE_S, true], [-TOLERANCE_S, true],
    [TOLERANCE_S + 1, false], [-TOLERANCE_S - 1, false], [3600, false], [-3600, false]]) {
    const timestamp = String(NOW + offset);
    const signature = signWith(SECRET, 'm1', timestamp, body);
    const result = await verify({ secret: SECRET, id: 'm1', timestamp, signature, body, nowS: NOW });
    assert.equal(result.ok, ok, `offset ${offset}`);
  }
});

test('any v1 entry may match; other versions and broken entries are skipped, not fatal', async () => {
  const body = bytes('{"type":"x"}');
  const good = signWith(SECRET, 'm1', String(NOW), body);
  const other = signWith(`whsec_${randomBytes(24).toString('base64')}`, 'm1', String(NOW), body);
  for (const signature of [`${other} ${good}`, `${good} ${other}`, `v1a,${good.slice(3)} ${good}`,
    `v1,%%% ${good}`, `v2,abc ${other} ${good}`]) {
    const result = await verify({ secret: SECRET, id: 'm1', timestamp: String(NOW), signature, body, nowS: NOW });
    assert.equal(result.ok, true, signature);
  }
  assert.equal(parseSignatures(`${good} v1a,${good.slice(3)} v1,%%%`).length, 1);
});

test('forgeries and mistakes are refused, each with a reason that quotes nothing', async () => {
  const body = bytes('{"type":"x"}');
  const ts = String(NOW);
  const good = signWith(SECRET, 'm1', ts, body);
  const cases = {
    'no signature': { signature: null },
    'empty signature': { signature: '' },
    malformed: { signature: 'v1,not-a-signature' },
    'bare secret': { signature: SECRET },
    'secret as v1': { signature: `v1,${SECRET.slice(6)}` },
    'another body': { signature: signWith(SECRET, 'm1', ts, bytes('{"type":"x"} ')) },
    'another id': { id: 'm2' },
    'id with a dot': { id: 'm1.x', signature: signWith(SECRET, 'm1.x', ts, body) },
    'no id': { id: '' },
    'no timestamp': { timestamp: null },
    'timestamp not a number': { timestamp: '1e9' },
    'no secret': { secret: undefined },
    'empty secret': { secret: '' },
    'secret not base64': { secret: 'whsec_%%%' },
  };
  for (const [name, change] of Object.entries(cases)) {
    const input = { secret: SECRET, id: 'm1', timestamp: ts, signature: good, body, nowS: NOW, ...change };
    const result = await verify(input);
    assert.equal(result.ok, false, name);
    assert.equal(typeof result.reason, 'string');
    assert.ok(!result.reason.includes(SECRET.slice(6)) && !result.reason.includes(good.slice(3)), name);
  }
});

test('the key is imported once per secret value', async () => {
  const a = await signingKey(SECRET);
  assert.equal(await signingKey(SECRET), a);
  assert.notEqual(await signingKey(`whsec_${randomBytes(24).toString('base64')}`), a);
  assert.equal(await signingKey(undefined), null);
});
