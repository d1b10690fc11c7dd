// The embed's handle on its worker: requests with replies, and the snapshots it publishes.
import type { DemoMessage, DemoRequest, DemoSnapshot } from './demo-protocol.ts';
import { ModuleWorker } from './module-worker.ts';

/**
 * Starts the demo's worker. The constructor is a parameter named like the global, so that the call
 * below reads as the worker pattern bundlers look for (the Worker constructor, a URL of the script
 * relative to import.meta.url, type module): here, and in the package's prebuilt embed
 * (web/build/embed-package.ts) when a site's own bundler takes it in.
 */
function startWorker(Worker: typeof ModuleWorker): ModuleWorker {
  return new Worker(new URL('./demo-worker.ts', import.meta.url), { type: 'module', name: 'hotpatch-demo' });
}

export class DemoClient {
  private worker: ModuleWorker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(snapshot: DemoSnapshot) => void>();
  last: DemoSnapshot | undefined;

  onSnapshot(listener: (snapshot: DemoSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get started(): boolean {
    return this.worker !== undefined;
  }

  start(): void {
    if (this.worker) return;
    this.worker = startWorker(ModuleWorker);
    this.worker.onmessage = (event: MessageEvent<DemoMessage>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      const error = new Error(event.message || 'the demo worker failed to start');
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
  }

  private receive(message: DemoMessage): void {
    if (message.kind === 'snapshot') {
      this.last = message.snapshot;
      for (const listener of this.listeners) listener(message.snapshot);
      return;
    }
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.ok) waiting?.resolve(); else waiting?.reject(new Error(message.message));
  }

  request(request: DemoRequest): Promise<void> {
    try {
      this.start();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, request });
    });
  }

  close(): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const { reject } of this.pending.values()) reject(new Error('the demo was closed'));
    this.pending.clear();
  }
}
