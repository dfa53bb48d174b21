// A checkout handler written to its team's own contract (contract.yaml beside it):
// nested error codes, 422 for invalid input, 201 on create, a different key header.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});
const TABLE = process.env.CHECKOUT_IDEMPOTENCY_TABLE;

const reply = (statusCode, body) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const fail = (statusCode, code) => reply(statusCode, { error: { code, message: code.toLowerCase().replaceAll('_', ' ') } });
const digest = (text) => createHash('sha256').update(text).digest();
const log = (fields) => console.log(JSON.stringify({ service: 'checkout', ...fields }));

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function validItems(body) {
  return body && typeof body === 'object' && !Array.isArray(body)
    && typeof body.customerEmail === 'string' && body.customerEmail.includes('@')
    && Array.isArray(body.items) && body.items.length > 0
    && body.items.every((i) => i && typeof i.sku === 'string' && i.sku && Number.isInteger(i.qty) && i.qty > 0);
}

export const handler = async (event) => {
  const headers = Object.fromEntries(Object.entries(event.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
  const given = digest(headers['x-api-key'] || '');
  if (!timingSafeEqual(given, digest(process.env.CHECKOUT_API_KEY || '\0'))) return fail(403, 'FORBIDDEN');

  const method = event.requestContext?.http?.method || event.httpMethod;
  const path = event.rawPath || event.path;
  if (path !== '/v1/checkout' || method !== 'POST') return fail(404, 'ROUTE_NOT_FOUND');

  const token = (headers['idempotency-token'] || '').trim();
  if (!token) return fail(400, 'MISSING_IDEMPOTENCY_KEY');

  const text = event.isBase64Encoded ? Buffer.from(event.body || '', 'base64').toString('utf8') : (event.body || '');
  let body;
  try { body = JSON.parse(text); } catch { return fail(400, 'MALFORMED_JSON'); }
  if (!validItems(body)) return fail(422, 'VALIDATION_FAILED');

  const fingerprint = digest(canonical(body)).toString('hex');
  try {
    await db.send(new PutItemCommand({
      TableName: TABLE,
      Item: { id: { S: token }, state: { S: 'PENDING' }, fingerprint: { S: fingerprint } },
      ConditionExpression: 'attribute_not_exists(id)',
    }));
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await db.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: token } }, ConsistentRead: true }));
    if (Item.fingerprint.S !== fingerprint) return fail(409, 'IDEMPOTENCY_KEY_MISMATCH');
    if (Item.state.S !== 'DONE') return fail(409, 'REQUEST_IN_PROGRESS');
    log({ level: 'info', event: 'replayed' });
    return { ...reply(200, JSON.parse(Item.response.S)) };
  }
  const session = { id: randomUUID(), state: 'created', items: body.items };
  await db.send(new UpdateItemCommand({
    TableName: TABLE, Key: { id: { S: token } },
    UpdateExpression: 'SET #s = :done, #r = :response',
    ExpressionAttributeNames: { '#s': 'state', '#r': 'response' },
    ExpressionAttributeValues: { ':done': { S: 'DONE' }, ':response': { S: JSON.stringify(session) } },
  }));
  log({ level: 'info', event: 'created', id: session.id, items: body.items.length });
  return reply(201, session);
};
