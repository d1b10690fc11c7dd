// The lab worker's entry, kept small so that the worker starts compiling cpu.wasm and engine.wasm
// the moment it runs (from the fetches the head's bootstrap started, when it ran one), while the
// body (lab-requests.ts: the CPU's and engine's hosts, the lab, the toolchain's loaders) is fetched
// and compiled beside them. Requests that arrive meanwhile wait here and are handed over in order.
// The page's head may start the worker with a bootstrap that imports this script
// (web/build/first-visit-head.ts says why).
import { loadWasmCpu } from '../../../sandbox/wasm/cpu-module.ts';
import { loadEngine } from '../../../engine/host/engine.ts';
import type { LabMessage } from './protocol.ts';
import { EARLY_CHANNEL_GLOBAL, EARLY_REQUESTS_GLOBAL } from './early-worker-global.ts';
import type { EarlyRequest } from './lab-requests.ts';

// A failure here is said again, with its reason, by the first request that needs the module.
void loadWasmCpu().catch(() => undefined);
void loadEngine().catch(() => undefined);

// Started by the page's head, the worker ran a bootstrap first, which kept the requests until now,
// posted or sent by the channel (request-inbox.ts).
const scope = self as unknown as Record<string, unknown>;
const early = (scope[EARLY_REQUESTS_GLOBAL] ?? []) as EarlyRequest[];
const channel = scope[EARLY_CHANNEL_GLOBAL] as BroadcastChannel | undefined;
delete scope[EARLY_REQUESTS_GLOBAL];
delete scope[EARLY_CHANNEL_GLOBAL];
self.onmessage = (event: MessageEvent) => early.push(event);
if (channel) channel.onmessage = (event: MessageEvent) => early.push({ data: event.data, viaChannel: true });

import('./lab-requests.ts').then(({ serveRequests }) => serveRequests(early, channel), (error: unknown) => {
  // The body could not be loaded (offline, a broken deployment): every request says so, once (the
  // page posts each one; the channel's copies are left out).
  channel?.close();
  const message = `the lab could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
  const post = (reply: LabMessage) => (self as unknown as Worker).postMessage(reply);
  const refuse = (request: EarlyRequest) => post({ kind: 'reply', id: request.data.id, reply: { type: 'failed', message } });
  post({ kind: 'status', toolchain: 'failed', message });
  self.onmessage = refuse;
  early.filter((request) => !request.viaChannel).forEach(refuse);
});
