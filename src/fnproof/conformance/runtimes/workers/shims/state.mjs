// fnproof's state host: the one place a run's KV namespaces and D1 databases live.
// Execution environments (separate workerd processes) reach it over JS RPC through the
// Miniflare dev registry; kv.mjs and d1.mjs there turn the calls back into binding objects.
import { WorkerEntrypoint } from 'cloudflare:workers';

export default {
  fetch() {
    return new Response('fnproof state host', { status: 404 });
  },
};

export class Store extends WorkerEntrypoint {
  kv(binding, method, args) {
    return this.env[binding][method](...args);
  }

  d1(binding, mode, statements, arg) {
    const db = this.env[binding];
    const prepare = (s) => db.prepare(s.sql).bind(...s.params);
    if (mode === 'batch') return db.batch(statements.map(prepare));
    if (mode === 'exec') return db.exec(statements);
    const statement = prepare(statements);
    if (mode === 'first') return arg === undefined ? statement.first() : statement.first(arg);
    if (mode === 'raw') return statement.raw(arg);
    return statement[mode]();
  }
}
