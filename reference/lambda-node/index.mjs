// Lambda entry point (Node.js 24, ES modules): wires the real DynamoDB client into the
// orders logic in orders.mjs. The AWS SDK v3 comes with the Lambda runtime, so it is not
// a dependency in package.json.
import {
  DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createHandler } from './orders.mjs';

// Created once per execution environment, so warm invocations reuse its connections.
// No endpoint here: the SDK reads AWS_ENDPOINT_URL_DYNAMODB itself when it is set
// (local DynamoDB for tests) and otherwise uses the regional AWS endpoint.
const client = new DynamoDBClient({});

// Lambda fixes the environment before the module loads, so reading it once here is exact.
export const handler = createHandler({
  client,
  commands: { PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand },
  tableName: process.env.IDEMPOTENCY_TABLE,
  secret: process.env.WEBHOOK_SECRET,
});
