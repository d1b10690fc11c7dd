// Boot: start the lab worker (it fetches and compiles the CPU and the engine while the page is
// drawn), read the link's state, draw the page and load the program; Monaco comes after the first
// paint. The page is usable (examples, plain editing) before any of them arrive.
import { byId } from './dom.ts';
import { reach } from './milestones.ts';
import { registerServiceWorkerLater } from './register-service-worker.ts';
import { EXAMPLES, findExample } from './examples/catalog.ts';
import { Playground, stateForExample } from './app.ts';
import { LabSession } from './lab/lab-session.ts';
import { takeEarlyWorker } from './lab/early-worker.ts';
import { prebuiltProgram } from './lab/prebuilt.ts';
import { DEFAULT_VIEW, type LabState } from './state/lab-state.ts';
import { type DecodedHash, decodeHash } from './state/share.ts';

function hasWebAssembly(): boolean {
  try {
    // The smallest valid module: magic number and version.
    return typeof WebAssembly === 'object' && WebAssembly.validate(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
  } catch {
    return false;
  }
}

function notice(message: string): void {
  const element = byId('notice');
  element.textContent = message;
  element.hidden = false;
}

function hideNotice(): void {
  byId('notice').hidden = true;
}

function fallbackState(): LabState {
  const first = EXAMPLES[0];
  if (!first) throw new Error('the build contains no examples');
  return stateForExample(first, first.manifest.arches[0]!, { ...DEFAULT_VIEW, gallery: true });
}

/** The state a decoded link asks for, or undefined (and a notice saying why) when there is none. */
function linkedState(decoded: DecodedHash, otherwise: string): LabState | undefined {
  switch (decoded.kind) {
    case 'state': return decoded.state;
    case 'example': {
      const example = findExample(decoded.example);
      if (example) return stateForExample(example, decoded.arch ?? example.manifest.arches[0]!, decoded.view);
      notice(`There is no example called "${decoded.example}"; ${otherwise}`);
      return undefined;
    }
    case 'invalid':
      notice(`${decoded.reason[0]!.toUpperCase()}${decoded.reason.slice(1)}; ${otherwise}`);
      return undefined;
    case 'none': return undefined;
  }
}

async function initialState(): Promise<LabState> {
  return linkedState(await decodeHash(location.hash), 'here are the examples there are.') ?? fallbackState();
}

/**
 * A link pasted into the address bar of an open tab (or Back and Forward between links) changes only
 * the hash: the page follows it. The page's own writes of the hash (replaceState) fire no event.
 */
function followLinks(playground: Playground): void {
  let latest = 0;
  addEventListener('hashchange', async () => {
    const mine = ++latest;
    const decoded = await decodeHash(location.hash);
    // A later link was pasted while this one was being read.
    if (mine !== latest) return;
    const state = linkedState(decoded, 'the page is as it was.');
    if (state) {
      hideNotice();
      playground.follow(state);
    }
  });
}

async function boot(): Promise<void> {
  const webAssembly = hasWebAssembly();
  if (!webAssembly) {
    notice('This browser does not run WebAssembly (it may be switched off). The playground assembles, runs and '
      + 'patches programs with WebAssembly, so only reading and editing the sources works here.');
  }
  // First thing: the worker's start (its script, cpu.wasm, engine.wasm) runs beside everything below.
  const session = new LabSession();
  if (webAssembly) session.start();
  else takeEarlyWorker()?.worker.terminate();
  const state = await initialState();
  // The example's prebuilt modules arrive while the page is drawn (the load below finds them there).
  if (webAssembly) void prebuiltProgram(state.example, state);
  const playground = new Playground(state, webAssembly, session);
  followLinks(playground);
  playground.startLab();
  reach('shell', 'ready');
  // The editor's download starts after the first paint.
  requestAnimationFrame(() => setTimeout(() => playground.startEditorLoad(), 0));
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    // After the first program has loaded: precaching the build must not slow the first run.
    registerServiceWorkerLater('./sw.js');
  }
  (window as unknown as { playground: Playground }).playground = playground;
}

boot().catch((error: unknown) => notice(`The playground failed to start: ${error instanceof Error ? error.message : String(error)}`));
