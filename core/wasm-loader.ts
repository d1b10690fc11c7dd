// Compiles a .wasm file next to the code that needs it: fetched in a browser, read from disk in Node.
// Node's file system is found at run time (process.getBuiltinModule), not imported, so page bundles
// never name a Node module and this file type-checks without Node's types.

/** The part of Node's `node:fs` the loader reads files with. */
interface NodeFileSystem {
  readFileSync(path: URL): Uint8Array;
  promises: { readFile(path: URL): Promise<Uint8Array> };
}

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
}

/** Node's file system when running under Node (20.16 or newer), else undefined. */
function nodeFileSystem(): NodeFileSystem | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  return process?.getBuiltinModule?.('node:fs') as NodeFileSystem | undefined;
}

/**
 * Where a script that runs before the loader can leave fetches it already started for .wasm files,
 * keyed by absolute address: the lab worker's bootstrap does (web/build/first-visit-head.ts), so the
 * files download while the worker's own script is still on its way. The loader takes its file's.
 */
export const EARLY_FETCHES_GLOBAL = 'hotpatchEarlyFetches';

/** The early fetch of `url`, once (later calls: undefined), or undefined when nobody started one. */
function takeEarlyFetch(url: URL): Promise<Response> | undefined {
  const early = (globalThis as Record<string, unknown>)[EARLY_FETCHES_GLOBAL] as Record<string, Promise<Response>> | undefined;
  const response = early?.[url.href];
  if (response) delete early![url.href];
  return response;
}

export class WasmFile {
  private compiled: WebAssembly.Module | undefined;
  private loading: Promise<WebAssembly.Module> | undefined;

  /**
   * `url` must be written `new URL('./x.wasm', import.meta.url)` where the caller is, so that the page
   * bundler finds the file; `missing` says how to build it when it cannot be loaded.
   */
  constructor(readonly url: URL, private readonly missing: string) {}

  /** Compiles the file once (a failed attempt is tried again on the next call). */
  load(): Promise<WebAssembly.Module> {
    if (this.compiled) return Promise.resolve(this.compiled);
    this.loading ??= this.compile().then((module) => (this.compiled = module), (cause: unknown) => {
      this.loading = undefined;
      throw new Error(this.missing, { cause });
    });
    return this.loading;
  }

  /**
   * The compiled module, compiling it synchronously under Node if nobody loaded it yet; undefined
   * where that is impossible (in a browser, before `load()` has finished).
   */
  loadSync(): WebAssembly.Module | undefined {
    if (this.compiled) return this.compiled;
    const fs = this.url.protocol === 'file:' ? nodeFileSystem() : undefined;
    if (!fs) return undefined;
    try {
      this.compiled = new WebAssembly.Module(fs.readFileSync(this.url) as Uint8Array<ArrayBuffer>);
    } catch (cause) {
      throw new Error(this.missing, { cause });
    }
    return this.compiled;
  }

  private async compile(): Promise<WebAssembly.Module> {
    if (this.url.protocol !== 'file:') return WebAssembly.compileStreaming(takeEarlyFetch(this.url) ?? fetch(this.url));
    const fs = nodeFileSystem();
    if (!fs) throw new Error(`no file system to read ${this.url.href} from (Node 20.16 or newer reads it)`);
    return WebAssembly.compile(await fs.promises.readFile(this.url) as Uint8Array<ArrayBuffer>);
  }
}
