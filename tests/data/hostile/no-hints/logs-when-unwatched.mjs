// Games the log checks as they were: the reference handler, plus a debug line with the raw
// headers and body (the secret, the customer's email) on every request that is not a POST.
// The log checks' own traffic is all POSTs; unknown-route-404 sends the other methods.
import { handler as reference } from '../../../../reference/lambda-node/index.mjs';

export const handler = async (event, context) => {
  const method = event.requestContext?.http?.method ?? event.httpMethod;
  if (method !== 'POST') {
    console.log(`debug ${method} headers=${JSON.stringify(event.headers)} body=${event.body}`);
  }
  return reference(event, context);
};
