// The embed's handle on its worker: requests with replies, and the snapshots it publishes.
import type { DemoMessage, DemoRequest, DemoSnapshot } from './demo-protocol.ts';
// Under the global's name: the bundler finds `new Worker(new URL(...))` and bundles the worker script.
import { ModuleWorker as Worker } from './module-worker.ts';

export class DemoClient {
  private worker: Worker | undefined;
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
    this.worker = new Worker(new URL('./demo-worker.ts', import.meta.url), { type: 'module', name: 'hotpatch-demo' });
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
