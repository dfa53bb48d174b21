// Fill a Node compile cache (module.enableCompileCache) with the code of the given packages,
// once per Node version and pin, so each execution environment starts from a private copy of
// it instead of compiling the AWS SDK or miniflare again. argv: cache folder, then module paths.
const nodeModule = require('node:module');

const [folder, ...paths] = process.argv.slice(2);
const result = nodeModule.enableCompileCache(folder);
if (!result || result.status === nodeModule.constants.compileCacheStatus.FAILED) {
  process.stderr.write(`compile cache not enabled: ${result?.message ?? 'unknown'}\n`);
  process.exit(1);
}
for (const path of paths) require(path);
nodeModule.flushCompileCache();
