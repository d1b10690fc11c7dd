// The assembler's own Web Worker, started by the lab worker: Keystone runs here so that the lab
// worker (and the guest in it) stays responsive while it works, and so that a call that never ends
// is stopped by ending this worker (toolchain/keystone.ts gives each call a deadline).
import keystoneWasm from '@alexaltea/keystone-js/dist/keystone.wasm?url';
import { KeystoneCore } from '../../../toolchain/keystone-core.js';
import type { AssemblerReply, AssemblerRequest } from '../../../toolchain/keystone.ts';

const post = (reply: AssemblerReply) => (self as unknown as Worker).postMessage(reply);
const compiled = fetch(keystoneWasm).then((response) => {
  if (!response.ok) throw new Error(`${keystoneWasm}: ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}).then((bytes) => WebAssembly.compile(bytes));
const load = () => KeystoneCore.load(() => compiled);

let core: KeystoneCore | undefined;
load().then((loaded) => {
  core = loaded;
  post({ ready: true });
}, (error: unknown) => post({ failed: error instanceof Error ? error.message : String(error) }));

self.onmessage = async (event: MessageEvent<AssemblerRequest>) => {
  const { id, arch, source, address } = event.data;
  // After a crash Keystone's state is unknown: a fresh instance for the next call.
  if (core!.broken) core = await load();
  const result = core!.assemble(arch, source, address);
  (self as unknown as Worker).postMessage({ id, result } satisfies AssemblerReply, result.ok ? [result.bytes.buffer] : []);
};
