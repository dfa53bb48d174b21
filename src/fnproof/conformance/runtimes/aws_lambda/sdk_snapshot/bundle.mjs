// Bundle entry.cjs with the kit's SDK into one CommonJS file for `node --build-snapshot`.
// argv: esbuild package folder, SDK folder, output file.
//
// node:http, node:https and node:http2 hold native handles a snapshot cannot serialise, so
// inside the bundle they become proxies that load the real module on first use (after the
// snapshot is deserialised, in the environment). http2's `constants` are read when the SDK
// loads, so the proxy serves a plain copy of them until then.
import path from 'node:path';
import { createRequire } from 'node:module';

const [esbuildDir, sdkDir, outfile] = process.argv.slice(2);
const esbuild = createRequire(path.join(esbuildDir, 'node_modules', 'index.js'))('esbuild');
const http2Constants = JSON.stringify(process.getBuiltinModule('node:http2').constants);

const lazyBuiltins = {
  name: 'fnproof-lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?(http|https|http2)$/ }, (args) => ({
      path: args.path.replace(/^node:/, ''), namespace: 'fnproof-lazy',
    }));
    build.onLoad({ filter: /.*/, namespace: 'fnproof-lazy' }, (args) => ({
      loader: 'js',
      contents: `let real;
const load = () => (real ??= process.getBuiltinModule(${JSON.stringify(`node:${args.path}`)}));
const early = ${args.path === 'http2' ? `{ constants: ${http2Constants} }` : '{}'};
module.exports = new Proxy({}, {
  get: (_, key) => (real === undefined && key in early ? early[key] : load()[key]),
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => ({ ...Object.getOwnPropertyDescriptor(load(), key), configurable: true }),
});`,
    }));
  },
};

await esbuild.build({
  entryPoints: [new URL('./entry.cjs', import.meta.url).pathname],
  absWorkingDir: sdkDir,
  nodePaths: [path.join(sdkDir, 'node_modules')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: `node${process.versions.node.split('.')[0]}`,
  outfile,
  plugins: [lazyBuiltins],
  logLevel: 'error',
});
