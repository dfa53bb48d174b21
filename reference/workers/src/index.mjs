// Worker entry point: wires the D1 binding and the WEBHOOK_SECRET secret into orders.mjs.
// Bindings arrive with each request (env), so the handler is built per request; building
// it is a few object allocations.
import { createHandler } from './orders.mjs';
import { d1Store } from './store.mjs';

export default {
  async fetch(request, env) {
    const handle = createHandler({ store: d1Store(env.DB), secret: env.WEBHOOK_SECRET });
    return handle(request);
  },
};
