// A D1 database binding whose storage is the run's state host (see state.mjs). Statements
// are built here and run there, so every environment writes to one SQLite database.
class PreparedStatement {
  constructor(env, sql, params = []) {
    this.env = env;
    this.sql = sql;
    this.params = params;
  }

  bind(...params) {
    return new PreparedStatement(this.env, this.sql, params);
  }

  #run(mode, arg) {
    return this.env.STORE.d1(this.env.BINDING, mode, { sql: this.sql, params: this.params }, arg);
  }

  first(column) { return this.#run('first', column); }
  all() { return this.#run('all'); }
  run() { return this.#run('run'); }
  raw(options) { return this.#run('raw', options); }
}

export default function makeD1Database(env) {
  const database = {
    prepare: (sql) => new PreparedStatement(env, sql),
    batch: (statements) => env.STORE.d1(env.BINDING, 'batch', statements.map((s) => ({ sql: s.sql, params: s.params }))),
    exec: (sql) => env.STORE.d1(env.BINDING, 'exec', sql),
    withSession: () => ({ ...database, getBookmark: () => null }),
  };
  return database;
}
