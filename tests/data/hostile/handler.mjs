// A handler that misbehaves on request: the containment tests pick the behaviour by body.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

let invocations = 0;

export const handler = async (event) => {
  invocations += 1;
  const action = event.body;
  if (action.startsWith('child ')) { // `child 30.123`: sleep that long, the number marks it on the host
    const child = spawn('sleep', [action.slice(6)], { stdio: 'ignore' });
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ child: child.pid }) };
  }
  const ok = (body) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  switch (action) {
    case 'env': return ok({ env: process.env });
    case 'tmp': {
      const file = `${os.tmpdir()}/note.txt`;
      fs.writeFileSync(file, 'x');
      return ok({ tmp: os.tmpdir(), cwd: process.cwd(), home: os.homedir() });
    }
    case 'count': return ok({ invocations });
    case 'hang': return new Promise(() => {});
    case 'busy': for (;;) {} // eslint-disable-line no-constant-condition
    case 'cpu': { // 400 ms of CPU: on a machine with CPU to spare, well inside a 1 s limit
      const start = process.cpuUsage();
      let used = 0;
      while (used < 400_000) { const d = process.cpuUsage(start); used = d.user + d.system; }
      return ok({ cpu_ms: Math.round(used / 1000) });
    }
    case 'exit': process.exit(7);
    case 'throw': throw new TypeError('bad thing');
    case 'reject-later': setTimeout(() => { throw new Error('uncaught later'); }, 10); return ok({});
    case 'flood': {
      const line = 'y'.repeat(1023) + '\n';
      for (let i = 0; i < 10 * 1024; i += 1) process.stdout.write(line);
      return ok({ flooded: true });
    }
    case 'memory': {
      const hold = [];
      for (;;) hold.push(Buffer.alloc(16 * 1024 * 1024, 1));
    }
    case 'logs': console.log('out-line'); console.error('err-line'); return ok({});
    default: return ok({ echo: action });
  }
};
