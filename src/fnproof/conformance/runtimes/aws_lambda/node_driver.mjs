// fnproof's Lambda Node.js driver: one execution environment per process.
// argv: module file, export name, SDK folder, source folder, compile cache, reply fd, sentinel
// (the protocol: ../DRIVERS.md). The module file is the handler itself, or the kit's build of
// a TypeScript handler (run with --enable-source-maps, so stacks name the .ts lines); the
// source folder is the handler's project, whose frames locate an error; the compile cache is
// this environment's own copy of the SDK's compiled code ('' for none).
import * as nodeModule from 'node:module';
import * as net from 'node:net';
import { pathToFileURL } from 'node:url';

import { openProtocol, silenceRuntimeWarnings } from '../driver_protocol.mjs';
import { installSdkFallback } from './sdk_resolve_hooks.mjs';

const [handlerFile, exportName, sdkDir, sourceDir, compileCache, replyFdText, sentinel] = process.argv.slice(2);
if (compileCache && nodeModule.enableCompileCache) nodeModule.enableCompileCache(compileCache);
const protocol = openProtocol(replyFdText, sentinel);
silenceRuntimeWarnings();
installSdkFallback(sdkDir);
await openRelays();

// In the sandbox each environment has a network of its own (DRIVERS.md, "Relays"): the run's
// store is reached through socket files, and this listens on the loopback ports the handler's
// SDK is given, before the handler loads. The variable is gone before the handler can read it.
async function openRelays() {
  const spec = process.env._RELAYS;
  delete process.env._RELAYS;
  for (const pair of (spec || '').split(',').filter(Boolean)) {
    const [port, socketPath] = pair.split('=');
    const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
      const outbound = net.connect({ path: socketPath, allowHalfOpen: true });
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), '127.0.0.1', resolve);
    });
    server.unref();
  }
}

const ownFrame = (line) => line.trim().startsWith('at ') && (line.includes(handlerFile)
  || (line.includes(sourceDir) && !line.includes('/node_modules/')));

function describe(error) {
  if (error instanceof Error) {
    const where = (error.stack || '').split('\n').slice(1).find(ownFrame) || '';
    return `${error.name}: ${error.message}${where ? ' ' + where.trim() : ''}`;
  }
  try { return `non-Error thrown: ${JSON.stringify(error)}`; } catch { return `non-Error thrown: ${String(error)}`; }
}

// Errors that mean the file cannot be loaded as a handler at all (a usage error), as opposed
// to a handler that loads and then throws in its own init code.
const UNLOADABLE = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_DIR_IMPORT', 'ERR_UNSUPPORTED_ESM_URL_SCHEME', 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
  'ERR_REQUIRE_ESM', 'ERR_INVALID_PACKAGE_CONFIG', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

function initKind(error) {
  if (error instanceof SyntaxError || error?.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX'
    || error?.code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') return 'syntax';
  if (UNLOADABLE.has(error?.code)) return 'module';
  return 'throw';
}

let handler;
try {
  const mod = await import(pathToFileURL(handlerFile).href);
  handler = mod[exportName];
  if (typeof handler !== 'function' && mod.default && typeof mod.default === 'object') handler = mod.default[exportName];
  if (typeof handler !== 'function') {
    const names = Object.keys(mod).concat(mod.default && typeof mod.default === 'object' ? Object.keys(mod.default) : []);
    protocol.initFailed('export', `no function export named '${exportName}' (exports: ${[...new Set(names)].join(', ') || 'none'})`);
    process.exit(0);
  }
} catch (error) {
  const kind = initKind(error);
  const message = kind === 'syntax' ? `${error.name}: ${error.message}` : describe(error);
  protocol.initFailed(kind, message);
  process.exit(0);
}

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME || 'fnproof-target';

function makeContext(request, settle) {
  const deadline = Date.now() + request.timeout_ms;
  return {
    awsRequestId: request.request_id,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error, value) => settle(error, value),
    succeed: (value) => settle(null, value),
    fail: (error) => settle(error ?? new Error('context.fail'), undefined),
  };
}

function run(request) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error, value) => {
      if (settled) return;
      settled = true;
      if (error) reject(error); else resolve(value);
    };
    const context = makeContext(request, settle);
    const returned = handler(request.event, context, settle);
    if (returned && typeof returned.then === 'function') {
      returned.then((value) => settle(null, value), (error) => settle(error));
    } else if (handler.length < 3) {
      settle(null, returned);
    }
    // A callback-style handler settles through its callback or context; else it times out.
  });
}

protocol.ready();
await protocol.serve(async (request) => {
  try {
    const result = await run(request);
    return ({ id: request.id, outcome: 'ok', result: result === undefined ? null : result });
  } catch (error) {
    return ({ id: request.id, outcome: 'error', error: describe(error) });
  }
});
