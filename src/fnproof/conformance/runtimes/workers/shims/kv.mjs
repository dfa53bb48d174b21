// A KV namespace binding whose storage is the run's state host (see state.mjs).
export default function makeKvNamespace(env) {
  const call = (method) => (...args) => env.STORE.kv(env.BINDING, method, args);
  return {
    get: call('get'),
    getWithMetadata: call('getWithMetadata'),
    put: call('put'),
    delete: call('delete'),
    list: call('list'),
  };
}
