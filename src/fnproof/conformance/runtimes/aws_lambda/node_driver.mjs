// fnproof's Lambda Node.js driver: one execution environment per process.
// argv: handler file, export name, SDK folder, reply fd, sentinel (the protocol: ../DRIVERS.md).
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

import { openProtocol, silenceRuntimeWarnings } from '../driver_protocol.mjs';

const [handlerFile, exportName, sdkDir, replyFdText, sentinel] = process.argv.slice(2);
const protocol = openProtocol(replyFdText, sentinel);
silenceRuntimeWarnings();

register('./sdk_resolve_hooks.mjs', import.meta.url, { data: { sdkDir } });

function describe(error) {
  if (error instanceof Error) {
    const where = (error.stack || '').split('\n').slice(1).find((l) => l.trim().startsWith('at ') && l.includes(handlerFile)) || '';
    return `${error.name}: ${error.message}${where ? ' ' + where.trim() : ''}`;
  }
  try { return `non-Error thrown: ${JSON.stringify(error)}`; } catch { return `non-Error thrown: ${String(error)}`; }
}

function initKind(error) {
  if (error instanceof SyntaxError) return 'syntax';
  if (error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND')) return 'module';
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
    return JSON.stringify({ id: request.id, outcome: 'ok', result: result === undefined ? null : result });
  } catch (error) {
    return JSON.stringify({ id: request.id, outcome: 'error', error: describe(error) });
  }
});
