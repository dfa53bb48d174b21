// A TypeScript Lambda handler: the reference's logic behind a typed entry point.
import {
  DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

import { createHandler } from '../../../../../reference/lambda-node/orders.mjs';

enum Source { Lambda = 'lambda' }

interface ApiEvent { rawPath?: string; path?: string; headers?: Record<string, string | undefined> }
type Handler = (event: ApiEvent, context: { awsRequestId: string }) => Promise<unknown>;

const client = new DynamoDBClient({});
const commands = { PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand };
const orders: Handler = createHandler({
  client, commands, tableName: process.env.IDEMPOTENCY_TABLE, secret: process.env.WEBHOOK_SECRET, source: Source.Lambda,
});

export const handler: Handler = async (event, context) => orders(event, context);
