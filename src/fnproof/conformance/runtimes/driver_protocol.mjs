// The driver side of the environment protocol, shared by the Lambda Node.js and Workers drivers.
// The protocol is written down in DRIVERS.md beside this file; process_env.py is the kit's side.
import fs from 'node:fs';
import readline from 'node:readline';

// Taken before the handler loads, so a handler that replaces them cannot see the requests'
// nonces or change what the driver writes.
const parse = JSON.parse;
const stringify = JSON.stringify;
const writeSync = fs.writeSync;

export function openProtocol(replyFdText, sentinel) {
  const replyFd = Number(replyFdText);
  const write = (text) => writeSync(replyFd, text + '\n');
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
    /** Serve requests one at a time; `handle(request)` resolves to the reply (an object).
     * Each request carries a nonce that the handler never sees: the driver keeps it here and
     * puts it in the reply, and the kit counts only a reply with the invocation's nonce, so a
     * reply a handler forges on the reply fd is ignored (DRIVERS.md). */
    async serve(handle) {
      const lines = readline.createInterface({ input: process.stdin, terminal: false });
      for await (const line of lines) {
        const request = parse(line);
        const nonce = request.nonce;
        delete request.nonce;
        const reply = await handle(request);
        let text;
        try {
          text = stringify({ ...reply, nonce });
        } catch (error) {
          text = stringify({ outcome: 'error', error: `the result cannot be serialised: ${error?.message ?? error}`, nonce });
        }
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
