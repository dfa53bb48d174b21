// GitHub webhook receiver (AWS Lambda, Node.js 24): POST /webhooks/github verifies
// X-Hub-Signature-256 over the raw body and records each X-GitHub-Delivery once in DynamoDB.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

const ROUTE = '/webhooks/github';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;
const RECORD_TTL_S = 30 * 24 * 60 * 60;

const client = new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });
const TABLE = process.env.DELIVERIES_TABLE;
const SECRET = process.env.GITHUB_WEBHOOK_SECRET;

const respond = (statusCode, body) => ({
  statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const fail = (status, code, message) => respond(status, { error: code, message });

function readRequest(event) {
  const headers = {};
  for (const [name, value] of Object.entries(event?.headers ?? {})) {
    if (value != null) headers[name.toLowerCase()] = String(value);
  }
  const text = typeof event?.body === 'string' ? event.body : '';
  return {
    method: event?.requestContext?.http?.method ?? event?.httpMethod ?? '',
    path: event?.rawPath ?? event?.path ?? '',
    headers,
    raw: Buffer.from(text, event?.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

function signatureValid(raw, header) {
  if (!SECRET) return false;
  const match = SIGNATURE.exec(header ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(raw).digest();
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
}

async function recordDelivery(deliveryId, eventName) {
  try {
    await client.send(new PutItemCommand({
      TableName: TABLE,
      Item: {
        pk: { S: `delivery#${deliveryId}` },
        deliveryId: { S: deliveryId },
        event: { S: eventName },
        receivedAt: { N: String(Date.now()) },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + RECORD_TTL_S) },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    return true;
  } catch (err) {
    if (err?.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

async function route(event, meta) {
  const req = readRequest(event);
  if (req.path !== ROUTE) return fail(404, 'not_found', `No such route; deliveries go to POST ${ROUTE}.`);
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Only POST is allowed here.');
  const deliveryId = (req.headers['x-github-delivery'] ?? '').trim();
  if (!deliveryId) return fail(400, 'missing_delivery_id', 'X-GitHub-Delivery is required.');
  meta.deliveryId = deliveryId;
  meta.event = (req.headers['x-github-event'] ?? 'unknown').slice(0, 100);
  // Record first, so that no delivery is lost even if verification or parsing fails below.
  const first = await recordDelivery(deliveryId, meta.event);
  if (!signatureValid(req.raw, req.headers['x-hub-signature-256'])) {
    return fail(401, 'invalid_signature', 'Missing or wrong X-Hub-Signature-256.');
  }
  try {
    JSON.parse(req.raw.toString('utf8'));
  } catch {
    return fail(400, 'invalid_json', 'The body is not JSON.');
  }
  meta.outcome = first ? 'recorded' : 'duplicate';
  return first ? respond(202, { status: 'accepted' }) : respond(200, { status: 'duplicate' });
}

export const handler = async (event, context) => {
  const meta = {};
  let response;
  try {
    response = await route(event, meta);
  } catch (err) {
    meta.errorName = err?.name;
    response = fail(503, 'service_unavailable', 'The delivery could not be recorded; GitHub may redeliver it.');
  }
  console.log(JSON.stringify({
    level: response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
    message: 'delivery answered',
    requestId: context?.awsRequestId,
    status: response.statusCode,
    outcome: meta.outcome ?? JSON.parse(response.body).error,
    deliveryId: meta.deliveryId,
    event: meta.event,
    errorName: meta.errorName,
  }));
  return response;
};
