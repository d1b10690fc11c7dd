// Numbers of the interface between engine.wasm and its TypeScript host, written once for both:
// the engine's AssemblyScript and the host's TypeScript import this file. It keeps to what both
// languages read alike (plain numbers, const enums, no imports), so tsc and asc both check it.

/** Version of the interface: engine/host/engine.ts refuses an engine.wasm that reports another. */
export const ENGINE_INTERFACE_VERSION = 2;

/** How a redirect treats the original function (the `mode` argument of the plan exports). */
export const enum RedirectMode {
  /** Callers go to the replacement; the original is never reached again. */
  Replace = 0,
  /** Callers go to the replacement, which may call the original through a trampoline. */
  Hook = 1,
}
