// Lambda entry point (Node.js 24, ES modules): wires the real S3 and DynamoDB clients into the
// importer in importer.mjs. The AWS SDK v3 comes with the Lambda runtime, so it is not a
// dependency in package.json; the endpoints come from the platform (AWS_ENDPOINT_URL_S3 and
// AWS_ENDPOINT_URL_DYNAMODB locally). Bounded waits and attempts keep an import inside the timeout.
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createHandler } from './importer.mjs';

const bounded = { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } };

export const handler = createHandler({
  s3: new S3Client(bounded),
  dynamo: new DynamoDBClient(bounded),
  commands: { HeadObjectCommand, GetObjectCommand, PutItemCommand },
  tableName: process.env.JOBS_TABLE,
});
