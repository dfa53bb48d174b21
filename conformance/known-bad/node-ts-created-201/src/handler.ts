// POST /orders: create an order at most once per Idempotency-Key (Node.js 24, TypeScript).
// The idempotency record lives in DynamoDB; the SDK reads AWS_ENDPOINT_URL_DYNAMODB itself.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});
const TABLE = process.env.IDEMPOTENCY_TABLE;
const SECRET = process.env.WEBHOOK_SECRET ?? '';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const log = (fields) => console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));

interface Reply { statusCode: number; headers: Record<string, string>; body: string }

function reply(statusCode: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
const fail = (statusCode: number, error: string): Reply => reply(statusCode, { error });

// HTTP API 2.0 and REST API 1.0 events; header names are case-insensitive.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readRequest(event: any) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  let body = typeof event.body === 'string' ? event.body : '';
  if (event.isBase64Encoded) body = Buffer.from(body, 'base64').toString('utf8');
  return {
    method: event.requestContext?.http?.method ?? event.httpMethod,
    path: event.rawPath ?? event.path,
    headers,
    body,
  };
}

function authorized(provided: unknown): boolean {
  if (!SECRET || typeof provided !== 'string') return false;
  return timingSafeEqual(sha256(provided), sha256(SECRET)); // equal-length digests, constant time
}

// Sorted keys at every level, so the same payload always gives the same fingerprint.
const canonical = (value) => JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));

function parseOrder(text) {
  if (text.trim() === '') return { error: 'invalid_json' };
  let order;
  try {
    order = JSON.parse(text);
  } catch {
    return { error: 'invalid_json' };
  }
  const valid = order !== null && typeof order === 'object' && !Array.isArray(order)
    && typeof order.amount === 'number' && Number.isFinite(order.amount) && order.amount > 0
    && typeof order.currency === 'string' && order.currency.trim() !== '';
  return valid ? { order } : { error: 'invalid_order' };
}

async function claim(pk, fingerprint) {
  try {
    await db.send(new PutItemCommand({
      TableName: TABLE,
      Item: { pk: { S: pk }, status: { S: 'IN_PROGRESS' }, fingerprint: { S: fingerprint } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    return true;
  } catch (err) {
    if (err.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

async function answerExisting(pk, fingerprint) {
  const { Item } = await db.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true }));
  if (Item && Item.fingerprint.S !== fingerprint) return fail(422, 'idempotency_key_reused');
  if (Item?.status.S === 'COMPLETED') return reply(200, Item.response.S, { 'idempotent-replayed': 'true' });
  return fail(409, 'idempotency_key_in_progress');
}

async function createOrder(pk, fingerprint, order) {
  const body = JSON.stringify({ orderId: randomUUID(), status: 'accepted', amount: order.amount, currency: order.currency });
  try {
    await db.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET #s = :done, #r = :body',
      ExpressionAttributeNames: { '#s': 'status', '#r': 'response' },
      ExpressionAttributeValues: { ':done': { S: 'COMPLETED' }, ':body': { S: body } },
    }));
  } catch (err) {
    await db.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: pk } } })).catch(() => {});
    throw err; // the claim is released, so a retry with the same key can run
  }
  return reply(201, body); // 201 Created: a new order resource exists now
}

async function route(event) {
  const req = readRequest(event);
  if (!authorized(req.headers['x-webhook-secret'])) return fail(401, 'unauthorized');
  if (req.path !== '/orders') return fail(404, 'not_found');
  if (req.method !== 'POST') return fail(405, 'method_not_allowed');
  const key = (req.headers['idempotency-key'] ?? '').trim();
  if (!key) return fail(400, 'idempotency_key_required');
  const { order, error } = parseOrder(req.body);
  if (error) return fail(400, error); // before any store call: a rejected request claims nothing
  const pk = `orders#${sha256(key).toString('hex')}`;
  const fingerprint = sha256(canonical(order)).toString('hex');
  if (!(await claim(pk, fingerprint))) return answerExisting(pk, fingerprint);
  return createOrder(pk, fingerprint, order);
}

export const handler = async (event, context) => {
  let response;
  try {
    response = await route(event ?? {});
  } catch (err) {
    log({ level: 'error', message: 'order failed', requestId: context?.awsRequestId, errorName: err?.name });
    return fail(503, 'service_unavailable');
  }
  const { statusCode } = response;
  log({ level: statusCode >= 400 ? 'warn' : 'info', message: 'request handled', requestId: context?.awsRequestId, statusCode });
  return response;
};
