// A TypeScript Worker: the reference Worker's logic behind a typed entry point, built by the kit.
import { createHandler } from '../../../../../reference/workers/src/orders.mjs';
import { d1Store } from '../../../../../reference/workers/src/store.mjs';

interface Env {
  DB: unknown;
  WEBHOOK_SECRET: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const handle = createHandler({ store: d1Store(env.DB), secret: env.WEBHOOK_SECRET });
    return handle(request);
  },
};
