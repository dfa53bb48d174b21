// Order events from SQS into DynamoDB (Lambda, Node.js 24).
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({ maxAttempts: 2 });

export const handler = async (event, context) => {
  // One message per invocation: the event source delivers the order in Records[0].
  const record = event.Records[0];
  let order;
  try {
    order = JSON.parse(record.body);
  } catch {
    order = null;
  }
  if (!order || typeof order !== 'object' || typeof order.orderId !== 'string' || !order.orderId
    || typeof order.amount !== 'number' || order.amount <= 0 || typeof order.currency !== 'string' || !order.currency) {
    return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
  }
  try {
    await client.send(new PutItemCommand({
      TableName: process.env.ORDERS_TABLE,
      Item: { pk: { S: `order#${order.orderId}` }, orderId: { S: order.orderId } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
  } catch (error) {
    if (error.name !== 'ConditionalCheckFailedException') return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
  }
  console.log(JSON.stringify({ level: 'info', message: 'order recorded', messageId: record.messageId,
    requestId: context.awsRequestId }));
  return { batchItemFailures: [] };
};
