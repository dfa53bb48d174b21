// Resolve hook: when a handler imports @aws-sdk/* or @smithy/* and its own node_modules
// lack it, fall back to the kit's SDK (its folder, or the startup snapshot's preloaded
// copy of the two DynamoDB packages), as the Lambda Node.js runtime provides it.
// On Node >= 22.15 the hook runs in the handler's own thread (module.registerHooks); older
// Nodes (--node system) get the same rule through module.register, which starts a loader
// thread and costs ~70-180 ms of CPU per environment.
import * as nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const wanted = (specifier, error) => (error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'MODULE_NOT_FOUND')
  && (specifier.startsWith('@aws-sdk/') || specifier.startsWith('@smithy/'));

const parentOf = (sdkDir) => pathToFileURL(path.join(sdkDir, 'node_modules', 'index.mjs')).href;

// Started from the SDK snapshot (snapshot.py), the two packages are already evaluated.
const PRELOADED = globalThis[Symbol.for('fnproof.lambda-sdk')];
const SNAPSHOT_URL = 'fnproof-lambda-sdk:';

function preloadedModule(name) {
  const names = Object.keys(PRELOADED[name]).filter((key) => key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key));
  return `const m = globalThis[Symbol.for('fnproof.lambda-sdk')][${JSON.stringify(name)}];\n`
    + `export default m;\nexport const { ${names.join(', ')} } = m;\n`;
}

export function installSdkFallback(sdkDir) {
  const parentURL = parentOf(sdkDir);
  if (typeof nodeModule.registerHooks !== 'function') {
    nodeModule.register('./sdk_resolve_hooks.mjs', import.meta.url, { data: { sdkDir } });
    return;
  }
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (!wanted(specifier, error)) throw error;
        // An ES import of a preloaded package gets the snapshot's module; require() and deep
        // imports load from the kit's SDK folder on disk.
        if (PRELOADED && Object.hasOwn(PRELOADED, specifier) && context.conditions?.includes('import')) {
          return { url: SNAPSHOT_URL + specifier, format: 'module', shortCircuit: true };
        }
        return nextResolve(specifier, { ...context, parentURL });
      }
    },
    load(url, context, nextLoad) {
      if (!url.startsWith(SNAPSHOT_URL)) return nextLoad(url, context);
      return { format: 'module', source: preloadedModule(url.slice(SNAPSHOT_URL.length)), shortCircuit: true };
    },
  });
}

// The asynchronous hooks module.register loads (in its loader thread).
let sdkParent;

export async function initialize({ sdkDir }) {
  sdkParent = parentOf(sdkDir);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!sdkParent || !wanted(specifier, error)) throw error;
    return nextResolve(specifier, { ...context, parentURL: sdkParent });
  }
}
