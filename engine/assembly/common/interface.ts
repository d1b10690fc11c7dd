// Numbers of the interface between engine.wasm and its TypeScript host, written once for both:
// the engine's AssemblyScript and the host's TypeScript import this file. It keeps to what both
// languages read alike (plain numbers, const enums, no imports), so tsc and asc both check it.

/** Version of the interface: engine/host/engine.ts refuses an engine.wasm that reports another. */
export const ENGINE_INTERFACE_VERSION = 5;

/** How a redirect treats the original function (the `mode` argument of the plan exports). */
export const enum RedirectMode {
  /** Callers go to the replacement; the original is never reached again. */
  Replace = 0,
  /** Callers go to the replacement, which may call the original through a trampoline. */
  Hook = 1,
}

/** Bits of the `options` argument of the plan exports: how landing pads are treated. */
export const enum PadOption {
  /**
   * Write the entry jump over the function's first bytes even when they are a landing pad
   * (endbr64, bti, paciasp): how the engine patched before it kept pads, which faults under IBT
   * or BTI when the function is called through a pointer. Only for showing that fault.
   */
  Overwrite = 1,
  /**
   * Every indirect branch the engine writes must land on a landing pad: no `notrack` prefix (x86-64
   * with NO_TRACK_EN clear) and no `ret xN` standing in for a jump (AArch64 with a guarded control
   * stack). Far ways back into a function's middle are then refused.
   */
  Strict = 2,
}
