// Order events from SQS into DynamoDB (Lambda, Node.js 24).
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({ maxAttempts: 2 });

export const handler = async (event, context) => {
  for (const record of event.Records) {
    const order = JSON.parse(record.body);
    if (typeof order.amount !== 'number' || order.amount <= 0) throw new Error(`invalid order ${record.messageId}`);
    try {
      await client.send(new PutItemCommand({
        TableName: process.env.ORDERS_TABLE,
        Item: { pk: { S: `order#${order.orderId}` }, orderId: { S: order.orderId }, amount: { N: String(order.amount) } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
    } catch (error) {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    }
    console.log(JSON.stringify({ level: 'info', message: 'order recorded', messageId: record.messageId,
      requestId: context.awsRequestId }));
  }
  return { batchItemFailures: [] };
};
