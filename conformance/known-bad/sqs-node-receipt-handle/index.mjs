// Order events from SQS into DynamoDB (Lambda, Node.js 24), with partial batch responses.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

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
  const batchItemFailures = [];
  for (const record of event.Records) {
    const order = parse(record.body);
    if (!order) {
      // The receipt handle is what SQS needs to act on a message, so report that one.
      batchItemFailures.push({ itemIdentifier: record.receiptHandle });
      continue;
    }
    try {
      await client.send(new PutItemCommand({
        TableName: process.env.ORDERS_TABLE,
        Item: { pk: { S: `order#${order.orderId}` }, orderId: { S: order.orderId } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
    } catch (error) {
      if (error.name !== 'ConditionalCheckFailedException') batchItemFailures.push({ itemIdentifier: record.receiptHandle });
    }
  }
  console.log(JSON.stringify({ level: 'info', message: 'batch done', failed: batchItemFailures.length,
    requestId: context.awsRequestId }));
  return { batchItemFailures };
};
