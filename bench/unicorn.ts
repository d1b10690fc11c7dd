// Guest instructions per second on real Unicorn for a tight counted loop, without hooks.
import { type Arch, Prot } from '../sandbox/sandbox.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleStatements } from '../toolchain/assemble.ts';
import { figure, median } from './format.ts';

const ITERATIONS = 50_000_000;
const CODE = 0x10_0000;
// Two instructions per iteration, plus the setup and the final nop.
const LOOP: Record<Arch, string> = {
  x64: `mov rcx, ${ITERATIONS}\nl: dec rcx\njnz l\nnop`,
  arm64: `mov x1, #${ITERATIONS & 0xffff}\nmovk x1, #${ITERATIONS >>> 16}, lsl #16\nl: subs x1, x1, #1\nb.ne l\nnop`,
};

export async function tightLoopRate(arch: Arch): Promise<number> {
  const code = await assembleStatements(LOOP[arch], arch, CODE);
  const sandbox = new UnicornSandbox(arch);
  sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.write(CODE, code);
  const end = CODE + code.length - (arch === 'x64' ? 1 : 4);
  const rates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    sandbox.start(CODE, { until: end });
    rates.push((2 * ITERATIONS) / ((performance.now() - started) / 1000));
  }
  sandbox.close();
  return median(rates);
}

export async function unicornTightLoop(): Promise<string[]> {
  const lines: string[] = [];
  for (const arch of ['x64', 'arm64'] as const) {
    lines.push(figure(`unicorn ${arch} tight loop`, (await tightLoopRate(arch)) / 1e6, 'M guest instructions/s'));
  }
  return lines;
}
