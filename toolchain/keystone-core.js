// Keystone (@alexaltea/keystone-js) called in the current thread. The source goes to Keystone through
// its heap, not through keystone.js's `asm()`, which copies it onto Emscripten's 64 KiB stack and
// crashes ("memory access out of bounds") on sources of about 75 KiB or more; the output comes back
// as one copy of the heap, not one call per byte. It runs where a hang can be stopped from outside:
// in a worker thread (Node) or a worker (the page); see keystone.ts.
//
// Plain JavaScript (types in keystone-core.d.ts) because Node starts the worker thread that runs it
// without a TypeScript loader: loading one there would cost each process about a second.
import createKeystone from '@alexaltea/keystone-js';

export class KeystoneCore {
  /** @type {Record<string, number>} */
  #handles = {};
  #module;
  #memory;
  /** Set when Keystone threw: its state is unknown, so the owner loads a fresh one. */
  broken = false;

  constructor(module, memory) {
    this.#module = module;
    this.#memory = memory;
  }

  /** @param {() => Promise<WebAssembly.Module>} wasm */
  static async load(wasm) {
    const compiled = await wasm();
    let memory;
    const module = await createKeystone({
      // Keystone calls exit() on some internal errors ("LLVM ERROR: ..."); make that an exception.
      quit: (status) => { throw new Error(`Keystone aborted (exit ${status})`); },
      printErr: () => {},
      print: () => {},
      // Instantiated here so that the heap is at hand (keystone.js does not export it).
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(compiled, imports).then((instance) => {
          memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
          receive(instance, compiled);
        });
        return {};
      },
    });
    if (!memory) throw new Error('Keystone exports no memory');
    return new KeystoneCore(module, memory);
  }

  #handle(arch) {
    let handle = this.#handles[arch];
    if (handle === undefined) {
      const module = this.#module;
      const opened = arch === 'x64'
        ? new module.Keystone(module.ARCH_X86, module.MODE_64)
        : new module.Keystone(module.ARCH_ARM64, module.MODE_LITTLE_ENDIAN);
      if (arch === 'x64') opened.option(module.OPT_SYNTAX, module.OPT_SYNTAX_INTEL);
      handle = module.getValue(opened.handle_ptr, '*');
      this.#handles[arch] = handle;
    }
    return handle;
  }

  /** Assembles plain Keystone source at `address`. Never throws for bad source. */
  assemble(arch, source, address) {
    const module = this.#module;
    const encoded = new TextEncoder().encode(source);
    let text = 0;
    let out = 0;
    try {
      const handle = this.#handle(arch);
      text = module._malloc(encoded.length + 1);
      out = module._malloc(12);
      const heap = new Uint8Array(this.#memory.buffer);
      heap.set(encoded, text);
      heap[text + encoded.length] = 0;
      const failed = module._ks_asm(handle, text, BigInt(address), out, out + 4, out + 8);
      const encoding = module.getValue(out, 'i32') >>> 0;
      const size = module.getValue(out + 4, 'i32') >>> 0;
      const statements = module.getValue(out + 8, 'i32');
      const bytes = new Uint8Array(this.#memory.buffer, encoding, size).slice();
      if (encoding) module._ks_free(encoding);
      if (failed) return { ok: false, message: module.strerror(module._ks_errno(handle)) };
      return { ok: true, bytes, statements };
    } catch (error) {
      this.broken = true;
      const message = error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
      return { ok: false, message: `the assembler crashed: ${message}` };
    } finally {
      if (!this.broken) {
        if (text) module._free(text);
        if (out) module._free(out);
      }
    }
  }
}
