// Imports CSV files of orders from S3 ObjectCreated events (Lambda, Node.js 24), one job per object version.
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

export const MAX_BYTES = 65536;
export const COLUMNS = ['orderId', 'amount', 'currency', 'email'];
const MISSING = new Set(['NotFound', 'NoSuchKey', 'NoSuchVersion']);
const RECORD_TTL_S = 90 * 24 * 60 * 60;

export const decodeKey = (key) => decodeURIComponent(key.replace(/\+/g, ' '));

export function validateCsv(text) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line !== '');
  if (lines.length === 0 || lines[0] !== COLUMNS.join(',')) return { problem: 'unexpected_header' };
  const rows = lines.slice(1);
  if (rows.length === 0) return { problem: 'no_rows' };
  for (const line of rows) {
    const cells = line.split(',');
    if (cells.length !== COLUMNS.length) return { problem: 'wrong_column_count' };
    const amount = Number(cells[1]);
    if (cells[1].trim() === '' || !Number.isFinite(amount) || amount <= 0) return { problem: 'invalid_amount' };
    if (!cells[0] || !cells[2]) return { problem: 'missing_field' };
  }
  return { rows: rows.length };
}

const missing = (error) => MISSING.has(error?.name) || error?.$metadata?.httpStatusCode === 404;

export function createHandler({ s3, dynamo, commands, tableName, maxBytes = MAX_BYTES, now = () => Date.now(),
  log = (line) => console.log(JSON.stringify(line)) }) {
  const { HeadObjectCommand, GetObjectCommand, PutItemCommand } = commands;

  async function recordJob(bucket, key, version, status, extra = {}) {
    const at = Math.floor(now() / 1000);
    const item = { pk: { S: `job#${bucket}/${key}#${version}` }, objectKey: { S: key }, versionId: { S: version },
      bucket: { S: bucket }, status: { S: status }, createdAt: { N: String(at) }, expiresAt: { N: String(at + RECORD_TTL_S) } };
    for (const [name, value] of Object.entries(extra)) item[name] = typeof value === 'number' ? { N: String(value) } : { S: value };
    try {
      await dynamo.send(new PutItemCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return 'recorded';
    } catch (error) {
      if (error?.name === 'ConditionalCheckFailedException') return 'duplicate';
      throw error;
    }
  }

  async function importOne(record, requestId) {
    const bucket = record.s3.bucket.name;
    const key = decodeKey(record.s3.object.key);
    const version = record.s3.object.versionId || 'null';
    const where = { bucket, key, versionId: version, requestId };
    const versioned = version === 'null' ? {} : { VersionId: version };
    let size;
    try {
      size = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...versioned }))).ContentLength;
    } catch (error) {
      if (missing(error)) return log({ level: 'warn', message: 'object not found, skipped', ...where });
      throw error;
    }
    if (size > maxBytes) {
      const outcome = await recordJob(bucket, key, version, 'rejected', { reason: 'too_large', size });
      return log({ level: 'warn', message: 'import rejected', reason: 'too_large', size, outcome, ...where });
    }
    let text;
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...versioned }));
      text = await object.Body.transformToString('utf-8');
    } catch (error) {
      if (missing(error)) return log({ level: 'warn', message: 'object not found, skipped', ...where });
      throw error;
    }
    log({ level: 'debug', message: 'file read', preview: text.slice(0, 200), ...where });
    const { rows, problem } = validateCsv(text);
    if (problem) {
      const outcome = await recordJob(bucket, key, version, 'rejected', { reason: problem });
      return log({ level: 'warn', message: 'import rejected', reason: problem, outcome, ...where });
    }
    const outcome = await recordJob(bucket, key, version, 'imported', { rows });
    return log({ level: 'info', message: 'import job recorded', rows, outcome, ...where });
  }

  return async function handler(event, context) {
    const requestId = context?.awsRequestId;
    for (const record of event?.Records ?? []) {
      try {
        await importOne(record, requestId);
      } catch (error) { // an S3 or store outage: logged; S3 retries the asynchronous invocation
        log({ level: 'error', message: 'import failed', error: error?.name || 'Error', requestId });
        throw error;
      }
    }
  };
}

export const handler = createHandler({
  s3: new S3Client({ maxAttempts: 2 }),
  dynamo: new DynamoDBClient({ maxAttempts: 2 }),
  commands: { HeadObjectCommand, GetObjectCommand, PutItemCommand },
  tableName: process.env.JOBS_TABLE,
});
