// The V8 startup snapshot's entry: the AWS SDK packages the Lambda Node.js runtime provides,
// evaluated once at build time. The snapshot builder's require() loads only Node built-ins,
// so bundle.mjs turns this file and the SDK into one file first. The exports stay reachable
// under a registry symbol (not enumerable) for the driver's resolve hook.
const sdk = {
  '@aws-sdk/client-dynamodb': require('@aws-sdk/client-dynamodb'),
  '@aws-sdk/lib-dynamodb': require('@aws-sdk/lib-dynamodb'),
};
Object.defineProperty(globalThis, Symbol.for('fnproof.lambda-sdk'), { value: sdk, enumerable: false });
