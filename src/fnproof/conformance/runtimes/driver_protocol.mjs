// The driver side of the environment protocol, shared by the Lambda Node.js and Workers drivers.
// The protocol is written down in DRIVERS.md beside this file; process_env.py is the kit's side.
import fs from 'node:fs';
import readline from 'node:readline';

export function openProtocol(replyFdText, sentinel) {
  const replyFd = Number(replyFdText);
  const write = (text) => fs.writeSync(replyFd, text + '\n');
  // Pipes are synchronous on Linux, so the sentinel lands after everything written before it.
  const endOfOutput = () => {
    process.stdout.write(`\n${sentinel}\n`);
    process.stderr.write(`\n${sentinel}\n`);
  };
  return {
    endOfOutput,
    /** Init failed: the kit reports `kind` (syntax | export | module | throw | migration). */
    initFailed(kind, message) {
      endOfOutput();
      write(JSON.stringify({ init_error: { kind, message } }));
    },
    /** Init succeeded: the environment is warm. */
    ready() {
      endOfOutput();
      write(JSON.stringify({ ready: true }));
    },
    /** Serve requests one at a time; `handle(request)` resolves to the reply's JSON text. */
    async serve(handle) {
      const lines = readline.createInterface({ input: process.stdin, terminal: false });
      for await (const line of lines) {
        const text = await handle(JSON.parse(line));
        endOfOutput();
        write(text);
      }
    },
  };
}

// Runtime warnings (the SDK's Node version notice, experimental flags) are the runtime's,
// not the handler's log lines.
export function silenceRuntimeWarnings() {
  process.removeAllListeners('warning');
  process.on('warning', () => {});
}
