// Lambda entry point (Node.js 24, ES modules): wires the real DynamoDB client into the
// consumer in consumer.mjs. The AWS SDK v3 comes with the Lambda runtime, so it is not a
// dependency in package.json.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createHandler } from './consumer.mjs';

// Created once per execution environment, so warm invocations reuse its connections. The
// endpoint comes from the platform (AWS_ENDPOINT_URL_DYNAMODB locally). Bounded waits and
// attempts keep a batch well inside the function's timeout.
const client = new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });

export const handler = createHandler({
  client,
  commands: { PutItemCommand },
  tableName: process.env.ORDERS_TABLE,
});
