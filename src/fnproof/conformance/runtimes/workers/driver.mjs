// fnproof's Workers driver: one Miniflare instance (one workerd process) per driver process.
// argv: options file (JSON, written by runtime.py), reply fd, sentinel (the protocol: ../DRIVERS.md).
//   mode "env":  an execution environment. Requests arrive as JSON lines on stdin and go to
//                the Worker with dispatchFetch; the Worker's console lines go to this process's
//                stdout/stderr (as the handler's own lines); replies go to the reply fd.
//   mode "host": the run's state host. It owns the KV namespaces, D1 databases and Durable
//                Object classes; environments reach it through the dev registry. Its requests
//                ask for the console lines its Durable Objects wrote since a time.
import fs from 'node:fs';
import path from 'node:path';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';

import { openProtocol, silenceRuntimeWarnings } from '../driver_protocol.mjs';

const [optionsFile, replyFdText, sentinel] = process.argv.slice(2);
const options = JSON.parse(fs.readFileSync(optionsFile, 'utf8'));
fs.rmSync(optionsFile, { force: true }); // it holds the secret; the Worker never needs the file
const protocol = openProtocol(replyFdText, sentinel);
// This environment's own copy of miniflare's compiled code (runtime.py); compiling it is a
// large share of an environment's start-up.
if (options.compileCache && nodeModule.enableCompileCache) nodeModule.enableCompileCache(options.compileCache);
const require = nodeModule.createRequire(path.join(options.packages, 'node_modules', 'index.js'));
const { Miniflare } = require('miniflare');

const WORKER = 'fnproof-worker';
const DO_HOST = 'fnproof-do-host';
const STATE = 'fnproof-state';
const FLUSH = 'fnproof-flush';
const FLUSH_HOST = 'flush.fnproof.invalid';
const HOST_LOG_CAP = 5000;

silenceRuntimeWarnings();

// A TypeScript Worker runs as the kit's bundle; workerd ignores source maps, so positions in
// the bundle are turned back into .ts lines here, in every log line and init error.
const remap = (() => {
  if (!options.sourceMap) return (text) => text;
  const map = new nodeModule.SourceMap(JSON.parse(fs.readFileSync(options.sourceMap, 'utf8')));
  const mapDir = pathToFileURL(path.dirname(options.sourceMap) + '/').href;
  const bundle = path.basename(options.main).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const position = new RegExp(`(?:file://)?[^\\s()]*${bundle}:(\\d+):(\\d+)`, 'g');
  return (text) => text.replace(position, (all, line, column) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !entry.originalSource) return all;
    return `${new URL(entry.originalSource, mapDir).pathname}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
})();

// Console lines ---------------------------------------------------------------------------
const marker = `fnproof-flush-${process.pid}-${Math.random().toString(36).slice(2)}`;
let flushWaiters = [];
const hostLines = []; // [arrival ms, stream, text], host mode only
const runtimeErrors = []; // what workerd logged before it was ready, for init failures
let ready = false;

function streamOf(level) {
  return level === 'error' || level === 'warn' ? 'stderr' : 'stdout';
}

function onLog(entry) {
  const text = remap(String(entry.message ?? ''));
  if (text === marker) {
    flushWaiters.forEach((waiter) => waiter(entry.level));
    return;
  }
  if (!ready) runtimeErrors.push(text);
  if (options.mode === 'host') {
    hostLines.push([Date.now(), streamOf(entry.level), text]);
    if (hostLines.length > HOST_LOG_CAP) hostLines.splice(0, hostLines.length - HOST_LOG_CAP);
  } else {
    (streamOf(entry.level) === 'stderr' ? process.stderr : process.stdout).write(text + '\n');
  }
}

async function flushLogs(mf) {
  const seen = new Set();
  let timer;
  const done = new Promise((resolve) => {
    const waiter = (level) => {
      seen.add(streamOf(level));
      if (seen.size === 2) resolve();
    };
    flushWaiters.push(waiter);
    timer = setTimeout(resolve, 1000); // never hang on a lost marker
  });
  await (await mf.dispatchFetch(`http://${FLUSH_HOST}/?marker=${marker}`)).arrayBuffer();
  await done;
  clearTimeout(timer);
  flushWaiters = [];
}

// Miniflare options -----------------------------------------------------------------------
function userWorker(name) {
  return {
    name,
    modules: true,
    scriptPath: options.main,
    modulesRoot: options.modulesRoot,
    compatibilityDate: options.compatibilityDate,
    compatibilityFlags: options.compatibilityFlags,
    bindings: options.bindings,
  };
}

function shim(name, file, extra = {}) {
  return {
    name,
    modules: [{ type: 'ESModule', path: path.join(options.shims, file) }],
    modulesRoot: options.shims,
    ...extra,
  };
}

// Reached by dispatchFetch through its route (getWorker() would start Miniflare's Node proxy).
function flushWorker() {
  return shim(FLUSH, 'flush.mjs', { compatibilityDate: '2025-01-01', routes: [`${FLUSH_HOST}/*`] });
}

function envOptions() {
  const worker = userWorker(WORKER);
  const workers = [worker];
  const store = { STORE: { name: STATE, entrypoint: 'Store' } };
  worker.wrappedBindings = {};
  for (const [binding] of options.kv) worker.wrappedBindings[binding] = { scriptName: 'fnproof-kv', bindings: { BINDING: binding } };
  for (const db of options.d1) worker.wrappedBindings[db.binding] = { scriptName: 'fnproof-d1', bindings: { BINDING: db.binding } };
  if (options.kv.length) workers.push(shim('fnproof-kv', 'kv.mjs', { serviceBindings: store }));
  if (options.d1.length) workers.push(shim('fnproof-d1', 'd1.mjs', { serviceBindings: store }));
  worker.durableObjects = Object.fromEntries(options.durableObjects.map((d) => [d.binding,
    { className: d.className, scriptName: DO_HOST, useSQLite: d.sqlite }]));
  workers.push(flushWorker());
  return { workers };
}

function hostOptions() {
  const kvNamespaces = Object.fromEntries(options.kv);
  const d1Databases = Object.fromEntries(options.d1.map((d) => [d.binding, d.id]));
  const workers = [shim(STATE, 'state.mjs', { compatibilityDate: '2025-01-01', kvNamespaces, d1Databases })];
  if (options.durableObjects.length) {
    workers.push({
      ...userWorker(DO_HOST),
      kvNamespaces,
      d1Databases,
      durableObjects: Object.fromEntries(options.durableObjects.map((d) => [d.binding, { className: d.className, useSQLite: d.sqlite }])),
    });
  }
  workers.push(flushWorker());
  const persist = (name) => path.join(options.persist, name);
  return { workers, kvPersist: persist('kv'), d1Persist: persist('d1'), durableObjectsPersist: persist('do') };
}

// wrangler d1 migrations apply, for the run's fresh databases: statements split on `;`
// outside quotes and comments, each file one batch (one transaction).
function splitSql(text) {
  const statements = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      current += '\n';
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const end = text.indexOf(ch, i + 1);
      current += text.slice(i, end === -1 ? text.length : end + 1);
      i = end === -1 ? text.length : end;
    } else if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

async function applyMigrations(mf) {
  for (const db of options.d1) {
    if (!db.migrations.length) continue;
    const database = await mf.getD1Database(db.binding, STATE);
    for (const [name, text] of db.migrations) {
      const statements = splitSql(text);
      try {
        if (statements.length) await database.batch(statements.map((sql) => database.prepare(sql)));
      } catch (error) {
        throw Object.assign(new Error(`D1 migration ${name} for ${db.binding} failed: ${error.message}`), { kind: 'migration' });
      }
    }
  }
}

// Memory: workerd is our child; its resident size counts against the environment's limit.
function childPids() {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}

function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

let watched = [];
function watchMemory() {
  const timer = setInterval(() => {
    const used = watched.reduce((sum, pid) => sum + rssMb(pid), 0);
    if (used > options.memoryMb) {
      process.stderr.write(`[fnproof] workerd exceeded the memory limit of ${options.memoryMb} MB (${Math.round(used)} MB); environment killed\n`);
      process.kill(-process.pid, 'SIGKILL');
    }
  }, 50);
  return () => clearInterval(timer);
}

// Start -------------------------------------------------------------------------------------
let mf;
try {
  mf = new Miniflare({
    ...(options.mode === 'host' ? hostOptions() : envOptions()),
    cf: false,
    ...(options.registry ? { unsafeDevRegistryPath: options.registry } : {}),
    handleStructuredLogs: (entry) => { onLog(entry); },
  });
  await mf.ready;
  if (options.mode === 'host') await applyMigrations(mf);
  await flushLogs(mf); // warms dispatchFetch's connection, so the first request pays only for itself
  watched = childPids();
  ready = true;
} catch (error) {
  const uncaught = runtimeErrors.filter((l) => /Uncaught|Error/.test(l)).map((l) => l.replace(/^service core:user:[\w-]*: /, ''));
  // An import workerd cannot resolve means the Worker cannot be loaded (a usage error), like a parse error.
  const unresolved = uncaught.some((l) => /No such module/.test(l));
  const kind = error.kind ?? (error.code === 'ERR_MODULE_PARSE' ? 'syntax'
    : error.code === 'ERR_MODULE_RULE' || unresolved ? 'module' : 'throw');
  const message = remap(uncaught.length ? uncaught.join(' | ') : String(error.message ?? error).split('\n').join(' '));
  protocol.initFailed(kind, message);
  await mf?.dispose().catch(() => {});
  process.exit(0);
}

protocol.ready();
await protocol.serve(async (request) => {
  if (options.mode === 'host' && request.count) {
    // The harness counts a webhook's effects: rows whose column holds an event id. Table and
    // column are plain identifiers (the contract's schema allows nothing else).
    const { binding, table, column, value } = request.count;
    try {
      const database = await mf.getD1Database(binding, STATE);
      const row = await database.prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE "${column}" = ?1`).bind(value).first();
      return ({ id: request.id, outcome: 'ok', result: { count: row?.n ?? 0 } });
    } catch (error) {
      return ({ id: request.id, outcome: 'error', error: String(error?.message ?? error) });
    }
  }
  if (options.mode === 'host') {
    await flushLogs(mf);
    const lines = hostLines.filter(([t]) => t >= request.since_ms).map(([, s, x]) => [s, x]);
    return ({ id: request.id, outcome: 'ok', result: { lines } });
  }
  const stop = watchMemory();
  try {
    const { method, path: target, headers, body } = request.request;
    const response = await mf.dispatchFetch(`http://localhost:8787${target}`, {
      method, headers, redirect: 'manual',
      body: body === null || method === 'GET' || method === 'HEAD' ? undefined : Buffer.from(body, 'base64'),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    await flushLogs(mf);
    const outHeaders = [...response.headers].filter(([name]) => !name.startsWith('mf-'));
    return ({ id: request.id, outcome: 'ok', result: { status: response.status, headers: outHeaders, body: bytes.toString('base64') } });
  } catch (error) {
    // Miniflare answers a Worker's own exception with a 500; a rejection means workerd is gone.
    process.stderr.write(`[fnproof] workerd failed: ${error?.message ?? error}\n`);
    process.exit(70);
  } finally {
    stop();
  }
});
await mf.dispose().catch(() => {});
