// An SQS consumer for order events (AWS Lambda, Node.js 24). Lambda delivers messages in
// batches, at least once; with ReportBatchItemFailures on (template.yaml), the function
// returns the messageIds it could not process and only those go back to the queue.
//
// - A poison message (not JSON, or not a valid order) is reported, never thrown: a throw
//   would send the whole batch back and the valid orders would be processed again.
// - Each order is recorded once by its orderId (a conditional put), so a redelivery and a
//   producer's duplicate send (a new messageId, the same orderId) change nothing.
// - A store error is reported for that message only, so the queue retries it and, after
//   maxReceiveCount receives, moves it to the dead-letter queue.
// - Log lines are JSON and carry ids only: never the body, which holds the customer's email.

const RECORD_TTL_S = 30 * 24 * 60 * 60;

export function parseOrder(body) {
  let order;
  try {
    order = JSON.parse(body);
  } catch {
    return { problem: 'invalid_json' };
  }
  if (order === null || typeof order !== 'object' || Array.isArray(order)) return { problem: 'not_an_object' };
  if (typeof order.orderId !== 'string' || order.orderId === '') return { problem: 'order_id_missing' };
  if (typeof order.amount !== 'number' || !Number.isFinite(order.amount) || order.amount <= 0) {
    return { problem: 'invalid_amount' };
  }
  if (typeof order.currency !== 'string' || order.currency === '') return { problem: 'invalid_currency' };
  return { order };
}

export function createHandler({ client, commands: { PutItemCommand }, tableName, now = () => Date.now(),
  log = (line) => console.log(JSON.stringify(line)) }) {
  async function store(order, messageId) {
    const at = Math.floor(now() / 1000);
    try {
      await client.send(new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `order#${order.orderId}` },
          orderId: { S: order.orderId },
          amount: { N: String(order.amount) },
          currency: { S: order.currency },
          messageId: { S: messageId },
          recordedAt: { N: String(at) },
          expiresAt: { N: String(at + RECORD_TTL_S) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return 'recorded';
    } catch (error) {
      if (error?.name === 'ConditionalCheckFailedException') return 'duplicate';
      throw error;
    }
  }

  async function processRecord(record, requestId) {
    const messageId = record?.messageId;
    const { order, problem } = parseOrder(typeof record?.body === 'string' ? record.body : '');
    if (problem) {
      log({ level: 'warn', message: 'poison message reported', messageId, problem, requestId });
      return false;
    }
    try {
      const outcome = await store(order, messageId);
      log({ level: 'info', message: 'order event processed', messageId, orderId: order.orderId, outcome, requestId });
      return true;
    } catch (error) {
      log({ level: 'error', message: 'order event not recorded', messageId, orderId: order.orderId,
        error: error?.name || 'Error', requestId });
      return false;
    }
  }
  return async function handler(event, context) {
    const requestId = context?.awsRequestId;
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const batchItemFailures = [];
    for (const item of records) {
      if (!(await processRecord(item, requestId)) && typeof item?.messageId === 'string') {
        batchItemFailures.push({ itemIdentifier: item.messageId });
      }
    }
    log({ level: 'info', message: 'batch done', received: records.length, failed: batchItemFailures.length,
      requestId });
    return { batchItemFailures };
  };
}
