// Node worker thread running Keystone for keystone.ts, away from the thread that waits for it, so that
// a source that sends Keystone into a loop is stopped by ending this thread. Plain JavaScript, as Node
// starts it. Node's modules are found at run time (process.getBuiltinModule), not imported: keystone.ts
// names this file, and the page's code, which reaches keystone.ts, never imports a Node module.
import { KeystoneCore } from './keystone-core.js';

const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { readFileSync } = process.getBuiltinModule('node:fs');

const compiled = WebAssembly.compile(readFileSync(new URL(import.meta.resolve('@alexaltea/keystone-js/dist/keystone.wasm'))));
const load = () => KeystoneCore.load(() => compiled);

let core;
try {
  core = await load();
} catch (error) {
  parentPort.postMessage({ failed: error instanceof Error ? error.message : String(error) });
  throw error;
}
parentPort.on('message', async ({ id, arch, source, address }) => {
  // After a crash Keystone's state is unknown: a fresh instance for the next call.
  if (core.broken) core = await load();
  const result = core.assemble(arch, source, address);
  parentPort.postMessage({ id, result }, result.ok ? [result.bytes.buffer] : []);
});
parentPort.postMessage({ ready: true });
