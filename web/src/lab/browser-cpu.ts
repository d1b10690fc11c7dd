// The CPU that runs guests in the page. The WebAssembly CPU (sandbox/wasm/) is its intended
// backend; until it is part of the build, the page assembles, disassembles and shows programs but
// says plainly that it cannot run them.
import type { CpuProvider } from './lab-core.ts';

export const browserCpu: CpuProvider = {
  reason: 'This build has no in-browser CPU yet, so programs cannot run here; '
    + 'assembling, disassembly and the memory view work. From a terminal, "npx hotpatch run" runs examples on Unicorn.',
};
