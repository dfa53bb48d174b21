// Worker entry point: wires the D1 binding and the WEBHOOK_SIGNING_SECRET secret into
// receiver.mjs. Bindings arrive with each request (env), so the receiver is built per
// request; building it is a few object allocations (the HMAC key is imported once per
// isolate, in signature.mjs).
import { createReceiver, purgeExpired } from './receiver.mjs';

export default {
  async fetch(request, env) {
    const handle = createReceiver({ db: env.DB, secret: env.WEBHOOK_SIGNING_SECRET });
    return handle(request);
  },

  // The cron trigger in wrangler.jsonc: drop message ids older than the retention period.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(purgeExpired(env.DB).then(
      (removed) => console.log(JSON.stringify({ level: 'info', message: 'purged old message ids', removed })),
      (err) => console.log(JSON.stringify({ level: 'error', message: 'purge failed', errorName: err?.name })),
    ));
  },
};
