// Guest instructions per second for a tight counted loop, without hooks, on any sandbox backend;
// real Unicorn's figure is the reference the WASM CPU is compared with.
import { Prot, type Sandbox } from '../sandbox/sandbox.ts';
import type { Arch } from '../core/arch.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleStatements } from '../toolchain/assemble.ts';
import { median } from './format.ts';

const ITERATIONS = 50_000_000;
const CODE = 0x10_0000;
// Two instructions per iteration, plus the setup and the final nop.
const LOOP: Record<Arch, string> = {
  x64: `mov rcx, ${ITERATIONS}\nl: dec rcx\njnz l\nnop`,
  arm64: `mov x1, #${ITERATIONS & 0xffff}\nmovk x1, #${ITERATIONS >>> 16}, lsl #16\nl: subs x1, x1, #1\nb.ne l\nnop`,
};

/** Guest instructions per second of wall-clock time, and per second of the process's CPU time. */
export interface LoopRate { wall: number; cpu: number }

/**
 * Median rates of 5 runs of the loop on a sandbox made by `create`. The CPU-time rate is what the
 * CPU achieves when it has a core to itself; on a busy machine the wall-clock rate falls below it.
 */
export async function tightLoopRate(arch: Arch, create: (arch: Arch) => Sandbox = (a) => new UnicornSandbox(a)): Promise<LoopRate> {
  const code = await assembleStatements(LOOP[arch], arch, CODE);
  const sandbox = create(arch);
  sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.write(CODE, code);
  const end = CODE + code.length - (arch === 'x64' ? 1 : 4);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const usage = process.cpuUsage();
    const result = sandbox.start(CODE, { until: end });
    const used = process.cpuUsage(usage);
    if (result.reason !== 'until') throw new Error(`${sandbox.backend} ${arch} tight loop stopped: ${result.reason}`);
    wall.push((2 * ITERATIONS) / ((performance.now() - started) / 1000));
    cpu.push((2 * ITERATIONS) / ((used.user + used.system) / 1e6));
  }
  sandbox.close();
  return { wall: median(wall), cpu: median(cpu) };
}
