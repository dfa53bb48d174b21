// Lambda entry point (Node.js 24, ES modules): wires the real DynamoDB client into the
// receiver in receiver.mjs. The AWS SDK v3 comes with the Lambda runtime, so it is not a
// dependency in package.json.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createHandler } from './receiver.mjs';

// Created once per execution environment, so warm invocations reuse its connections. The
// endpoint comes from the platform (AWS_ENDPOINT_URL_DYNAMODB locally). Bounded waits and
// attempts: GitHub gives a delivery 10 s, the function's own timeout is shorter still.
const client = new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });

// Lambda fixes the environment before the module loads, so reading it once here is exact.
export const handler = createHandler({
  client,
  commands: { PutItemCommand },
  tableName: process.env.DELIVERIES_TABLE,
  secret: process.env.GITHUB_WEBHOOK_SECRET,
});
