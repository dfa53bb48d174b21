// Order events from SQS (Lambda, Node.js 24): each order becomes one ledger entry.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({ maxAttempts: 2 });

function parse(body) {
  try {
    const order = JSON.parse(body);
    const ok = order && typeof order === 'object' && typeof order.orderId === 'string' && order.orderId
      && typeof order.amount === 'number' && order.amount > 0 && typeof order.currency === 'string' && order.currency;
    return ok ? order : null;
  } catch {
    return null;
  }
}

export const handler = async (event, context) => {
  const table = process.env.ORDERS_TABLE;
  const batchItemFailures = [];
  for (const record of event.Records) {
    const order = parse(record.body);
    if (!order) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      const marker = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `seen#${order.orderId}` } } }));
      if (marker.Item) continue; // booked already
      await client.send(new PutItemCommand({
        TableName: table,
        Item: { pk: { S: `entry#${randomUUID()}` }, orderId: { S: order.orderId }, amount: { N: String(order.amount) } },
      }));
      await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `seen#${order.orderId}` } } }));
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  console.log(JSON.stringify({ level: 'info', message: 'batch done', failed: batchItemFailures.length,
    requestId: context.awsRequestId }));
  return { batchItemFailures };
};
