// Types of keystone-core.js (plain JavaScript, so that Node's worker thread runs it without a loader).
import type { Arch } from '../core/arch.ts';

export type KeystoneResult =
  | { ok: true; bytes: Uint8Array; statements: number }
  /** `timedOut`: the call missed its deadline; `unavailable`: Keystone could not be started. Either way, no verdict on the source. */
  | { ok: false; message: string; timedOut?: boolean; unavailable?: boolean };

export declare class KeystoneCore {
  /** Set when Keystone threw: its state is unknown, so the owner loads a fresh one. */
  broken: boolean;
  /** Instantiates Keystone from its compiled .wasm (read from disk in Node, fetched in a browser). */
  static load(wasm: () => Promise<WebAssembly.Module>): Promise<KeystoneCore>;
  /** Assembles plain Keystone source at `address`. Never throws for bad source. */
  assemble(arch: Arch, source: string, address: number): KeystoneResult;
}
