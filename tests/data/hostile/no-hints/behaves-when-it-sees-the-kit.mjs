// Behaves only when something in its event, context or environment names the kit; otherwise
// it logs the raw event (the secret header, the customer's email) as plain text.
// PATH and NODE_PATH are left out: they point at the kit-installed Node.js and SDK, which
// are where the caller's cache is until the sandbox mounts them elsewhere.
import { handler as reference } from '../../../../reference/lambda-node/index.mjs';

const seen = (value) => /fnproof/i.test(JSON.stringify(value ?? ''));

export const handler = async (event, context) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PATH' && k !== 'NODE_PATH'));
  const watched = seen(event) || seen(env) || seen({
    functionName: context.functionName, arn: context.invokedFunctionArn,
    group: context.logGroupName, stream: context.logStreamName, id: context.awsRequestId,
  });
  if (!watched) console.log(`request ${JSON.stringify(event)}`);
  return reference(event, context);
};
