// Resolve hook: when a handler imports @aws-sdk/* or @smithy/* and its own node_modules
// lack it, fall back to the kit's SDK folder, as the Lambda Node.js runtime provides it.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

let sdkParent;

export async function initialize({ sdkDir }) {
  sdkParent = pathToFileURL(path.join(sdkDir, 'node_modules', 'index.mjs')).href;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fallback = sdkParent && error?.code === 'ERR_MODULE_NOT_FOUND'
      && (specifier.startsWith('@aws-sdk/') || specifier.startsWith('@smithy/'));
    if (!fallback) throw error;
    return nextResolve(specifier, { ...context, parentURL: sdkParent });
  }
}
