// The iframe form's postMessage API. The page that frames the embed sends commands and receives
// events; both directions are limited to trusted origins: the embed's own, and those named in the
// `parent` URL parameter. Messages from anywhere else are ignored (and counted), and events are
// only ever posted to a trusted origin, never to "*".
//
//   to the embed:   { hotpatch: 1, command: 'load' | 'run' | 'pause' | 'reset' | 'step-instruction' |
//                     'apply' | 'step' | 'back' | 'finish' | 'rollback' | 'theme', id?, ...arguments }
//   from the embed: { hotpatch: 1, event: 'ready' | 'state' | 'transaction' | 'step' | 'error' |
//                     'resize' | 'done', detail, id? }
import { ARCHES, type Arch } from '../../../core/arch.ts';
import type { HotpatchDemo } from './element.ts';

export const PROTOCOL = 1;

export type Command =
  | { command: 'load'; example: string; arch?: Arch }
  | { command: 'run' | 'pause' | 'reset' | 'step-instruction' | 'step' | 'back' | 'finish' }
  | { command: 'apply'; stepwise?: boolean; patch?: string }
  | { command: 'rollback'; stepwise?: boolean }
  | { command: 'theme'; theme: 'light' | 'dark' | 'auto' };

/** The origins the embed talks to: its own, and each origin listed in `parent` (comma-separated). */
export function trustedOrigins(ownOrigin: string, parentParameter: string | null): Set<string> {
  const origins = new Set([ownOrigin]);
  for (const part of (parentParameter ?? '').split(',')) {
    const text = part.trim();
    if (!text) continue;
    try {
      const url = new URL(text);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin !== 'null') origins.add(url.origin);
    } catch {
      // Not a URL: trusts nothing.
    }
  }
  return origins;
}

/** A command object, or a reason it is not one. */
export function readCommand(data: unknown): { ok: true; command: Command; id?: number } | { ok: false; reason: string } {
  if (typeof data !== 'object' || data === null) return { ok: false, reason: 'not an object' };
  const message = data as Record<string, unknown>;
  if (message.hotpatch !== PROTOCOL) return { ok: false, reason: 'not a hotpatch message' };
  const id = typeof message.id === 'number' ? { id: message.id } : {};
  switch (message.command) {
    case 'load':
      if (typeof message.example !== 'string' || !message.example) return { ok: false, reason: 'load needs "example"' };
      if (message.arch !== undefined && !(ARCHES as readonly unknown[]).includes(message.arch)) {
        return { ok: false, reason: `unknown architecture "${String(message.arch)}"` };
      }
      return { ok: true, command: { command: 'load', example: message.example, ...(message.arch ? { arch: message.arch as Arch } : {}) }, ...id };
    case 'run': case 'pause': case 'reset': case 'step-instruction': case 'step': case 'back': case 'finish':
      return { ok: true, command: { command: message.command }, ...id };
    case 'apply':
      return { ok: true, command: { command: 'apply', stepwise: message.stepwise === true,
        ...(typeof message.patch === 'string' ? { patch: message.patch } : {}) }, ...id };
    case 'rollback':
      return { ok: true, command: { command: 'rollback', stepwise: message.stepwise === true }, ...id };
    case 'theme':
      if (message.theme !== 'light' && message.theme !== 'dark' && message.theme !== 'auto') {
        return { ok: false, reason: 'theme is "light", "dark" or "auto"' };
      }
      return { ok: true, command: { command: 'theme', theme: message.theme }, ...id };
    default:
      return { ok: false, reason: `unknown command "${String(message.command)}"` };
  }
}

async function perform(demo: HotpatchDemo, command: Command): Promise<void> {
  switch (command.command) {
    case 'load': return demo.load(command.example, command.arch);
    case 'run': return demo.run();
    case 'pause': return demo.pause();
    case 'reset': return demo.reset();
    case 'step-instruction': return demo.stepInstruction();
    case 'step': return demo.step();
    case 'back': return demo.back();
    case 'finish': return demo.finish();
    case 'apply': return demo.apply({ stepwise: command.stepwise ?? false, ...(command.patch ? { patch: command.patch } : {}) });
    case 'rollback': return demo.rollback({ stepwise: command.stepwise ?? false });
    case 'theme':
      if (command.theme === 'auto') demo.removeAttribute('theme'); else demo.setAttribute('theme', command.theme);
  }
}

const EVENTS = ['ready', 'state', 'transaction', 'step', 'error'] as const;

/** Connects `demo` to the framing page. Returns a function that disconnects it. */
export function connectToParent(demo: HotpatchDemo, trusted: ReadonlySet<string>): () => void {
  const host = window.parent;
  if (host === window) return () => {};
  let ignored = 0;
  const post = (message: object) => {
    for (const origin of trusted) host.postMessage({ hotpatch: PROTOCOL, ...message }, origin);
  };
  const onMessage = (event: MessageEvent) => {
    if (event.source !== host || !trusted.has(event.origin)) {
      document.documentElement.dataset.ignoredMessages = String(++ignored);
      return;
    }
    const read = readCommand(event.data);
    if (!read.ok) {
      if ((event.data as { hotpatch?: unknown } | null)?.hotpatch === PROTOCOL) post({ event: 'error', detail: { message: read.reason } });
      return;
    }
    const id = read.id === undefined ? {} : { id: read.id };
    perform(demo, read.command).then(
      () => post({ event: 'done', detail: { command: read.command.command }, ...id }),
      (error: unknown) => post({ event: 'error', detail: { command: read.command.command,
        message: error instanceof Error ? error.message : String(error) }, ...id }));
  };
  window.addEventListener('message', onMessage);
  const forwarders = EVENTS.map((name) => {
    const listener = (event: Event) => post({ event: name, detail: (event as CustomEvent).detail });
    demo.addEventListener(`hotpatch-${name}`, listener);
    return () => demo.removeEventListener(`hotpatch-${name}`, listener);
  });
  // The framing page sizes the iframe to its content.
  let lastHeight = 0;
  const resize = new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ event: 'resize', detail: { height } });
    }
  });
  resize.observe(document.documentElement);
  return () => {
    window.removeEventListener('message', onMessage);
    for (const remove of forwarders) remove();
    resize.disconnect();
  };
}
