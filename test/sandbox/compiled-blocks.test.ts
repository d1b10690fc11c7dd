// The WASM CPU's compiled tier (sandbox/wasm/assembly/compiled-blocks.ts): loops it compiles give
// the same registers, flags, memory, instruction counts, stops and faults as the interpreter and as
// Unicorn, and code written while a compiled loop runs (by the host or by the guest) takes effect.
import { describe, expect, it } from 'vitest';
import { Prot, type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { ARCH } from '../../core/arch.ts';
import { asm } from '../helpers.ts';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const REGISTERS = ARCH.arm64.registers.general;

interface Subject { name: string; sandbox: Sandbox }

/** Unicorn, the interpreter alone, and the interpreter with loops compiled on their first entry. */
function subjects(): Subject[] {
  return [
    { name: 'unicorn', sandbox: new UnicornSandbox('arm64') },
    { name: 'interpreted', sandbox: new WasmSandbox('arm64', { compileBlocks: false }) },
    { name: 'compiled', sandbox: new WasmSandbox('arm64', { compileAfter: 0 }) },
  ];
}

async function load(sandbox: Sandbox, source: string, codeProt = Prot.READ | Prot.EXEC): Promise<number> {
  const code = await asm('arm64', source, CODE);
  sandbox.map(CODE, 0x1000, codeProt);
  sandbox.map(DATA, 0x1000, Prot.READ | Prot.WRITE);
  sandbox.write(CODE, code);
  const data = new Uint8Array(0x1000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
  sandbox.write(DATA, data);
  return code.length;
}

/** Everything a run leaves: its outcome, the general registers with pc and NZCV, and the data page. */
function snapshot(sandbox: Sandbox, outcome: string): Record<string, string> {
  const state: Record<string, string> = { outcome };
  for (const name of REGISTERS) state[name] = sandbox.readRegister(name).toString(16);
  state.data = Buffer.from(sandbox.read(DATA, 0x1000)).toString('hex');
  return state;
}

function outcome(sandbox: Sandbox, begin: number, until: number, maxInstructions?: number): string {
  try {
    return JSON.stringify(sandbox.start(begin, { until, maxInstructions }));
  } catch (error) {
    if (error instanceof SandboxError) return `${error.code} at 0x${sandbox.readRegister('pc').toString(16)}`;
    throw error;
  }
}

/** Runs `source` from its start on every subject and expects the same end state on all of them. */
async function sameEverywhere(source: string, setup: Record<string, bigint>, maxInstructions?: number, until?: number): Promise<Subject[]> {
  const all = subjects();
  const states = [];
  for (const { sandbox } of all) {
    const length = await load(sandbox, source);
    for (const [name, value] of Object.entries(setup)) sandbox.writeRegister(name, value);
    states.push(snapshot(sandbox, outcome(sandbox, CODE, until ?? CODE + length - 4, maxInstructions)));
  }
  expect(states[1], 'interpreter against unicorn').toEqual(states[0]);
  expect(states[2], 'compiled against unicorn').toEqual(states[0]);
  return all;
}

function compiledBlocks(all: Subject[]): number {
  return (all[2]!.sandbox as WasmSandbox).compiledBlocks;
}

const COUNTED = `
  mov x1, #1000
  mov x0, #0
l:
  add x0, x0, x1
  subs x1, x1, #1
  b.ne l
  nop`;

/** Loads, stores (with writeback, across pages of the data area), W operations, multiply-add. */
const MEMORY_LOOP = `
  mov x2, #${DATA}
  mov x3, #300
  mov x0, #0
  mov w5, #7
l:
  ldr x4, [x2]
  add x4, x4, x3
  str x4, [x2], #8
  eor w5, w5, w4, lsl #3
  madd x0, x4, x3, x0
  ldrb w6, [x2, #-3]
  ldrsh x7, [x2, #2]
  add x0, x0, x6
  sub x0, x0, x7, asr #2
  strh w5, [x2, #4]
  sub x3, x3, #1
  cmp x3, #0
  b.gt l
  nop`;

const CONDITIONS = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'];

describe('the compiled tier of the WASM CPU', () => {
  it('runs a counted loop as the interpreter and Unicorn do, and compiles it', async () => {
    const all = await sameEverywhere(COUNTED, {});
    expect(compiledBlocks(all)).toBe(1);
    expect(all[2]!.sandbox.readRegister('x0')).toBe(500500n);
  });

  it('runs loads and stores across pages, W operations and multiply-add as the interpreter does', async () => {
    const all = await sameEverywhere(MEMORY_LOOP, {});
    expect(compiledBlocks(all)).toBe(1);
    expect((all[2]!.sandbox as WasmSandbox).compileFailures).toBe(0);
  });

  it('stops after exactly the instructions allowed, wherever in the loop that is', async () => {
    for (const limit of [1, 2, 3, 4, 5, 6, 7, 1000, 1001, 1002, 1003, 2999]) {
      const all = await sameEverywhere(COUNTED, {}, limit);
      const counts = all.slice(1).map(({ sandbox }) => (sandbox as WasmSandbox).lastInstructionCount);
      expect(counts[1], `limit ${limit}`).toBe(counts[0]);
    }
    for (const limit of [100, 101, 102, 517, 1200, 3001]) await sameEverywhere(MEMORY_LOOP, {}, limit);
  });

  it('stops at an end address inside a compiled loop', async () => {
    for (const offset of [3, 4, 5]) await sameEverywhere(COUNTED, {}, undefined, CODE + offset * 4);
  });

  it('works out every condition from the flags of adds, subs and ands, in X and W forms', async () => {
    let compiled = 0;
    for (const cond of CONDITIONS) {
      for (const setter of ['subs x1, x1, x2', 'adds x1, x1, x2', 'subs w1, w1, w2', 'adds w1, w1, w2', 'ands x6, x1, x2', 'cmp w1, #3', 'tst x1, #0xff00']) {
        const source = `
l:
  add x0, x0, #1
  ${setter}
  eor x2, x2, x0, lsl #61
  b.${cond} l
  nop`;
        // Stopped by the limit or by the branch falling through: both must agree on everything.
        compiled += compiledBlocks(await sameEverywhere(source, { x1: 0x7fff_fff0_0000_0005n, x2: 0x1_8000_0003n }, 4000));
      }
    }
    expect(compiled).toBeGreaterThan(CONDITIONS.length * 7 / 2); // most of these loops go round long enough
  });

  it('runs cbz, cbnz, tbz and tbnz loops', async () => {
    for (const branch of ['cbnz x1, l', 'cbz x9, l', 'tbnz x1, #7, l', 'tbz x1, #40, l', 'cbnz w1, l']) {
      const source = `
l:
  add x0, x0, x1
  sub x1, x1, #1
  ${branch}
  nop`;
      const all = await sameEverywhere(source, { x1: 200n }, 5000);
      expect(compiledBlocks(all), branch).toBe(1);
    }
  });

  it('stops at a fault inside a compiled loop with the state the interpreter has there', async () => {
    const source = `
  mov x2, #${DATA}
l:
  ldr x4, [x2], #8
  add x0, x0, x4
  b l
  nop`;
    const all = await sameEverywhere(source, {});
    expect(compiledBlocks(all)).toBe(1);
  });

  it('gives the same hooks the same calls with the tier on and off', async () => {
    const calls: string[][] = [];
    for (const sandbox of [new WasmSandbox('arm64', { compileBlocks: false }), new WasmSandbox('arm64', { compileAfter: 0 }), new UnicornSandbox('arm64')]) {
      const seen: string[] = [];
      const length = await load(sandbox, MEMORY_LOOP);
      sandbox.start(CODE, { until: CODE + length - 4, maxInstructions: 1500 }); // hot, and compiled where it can be
      sandbox.addHook({ type: 'mem-write', begin: DATA, end: DATA + 0xfff, callback: (address, size, value) => { seen.push(`w ${address} ${size} ${value}`); } });
      const code = sandbox.addHook({ type: 'code', begin: CODE + 16, end: CODE + 20, callback: (address) => { seen.push(`c ${address}`); } });
      sandbox.start(Number(sandbox.readRegister('pc')), { until: CODE + length - 4, maxInstructions: 400 });
      sandbox.removeHook(code);
      sandbox.start(Number(sandbox.readRegister('pc')), { until: CODE + length - 4 });
      seen.push(`x0 ${sandbox.readRegister('x0')}`);
      calls.push(seen);
    }
    expect(calls[1]).toEqual(calls[0]);
    expect(calls[2]).toEqual(calls[0]);
  });

  it('runs new code written by the host into a hot compiled loop between runs', async () => {
    const source = `
  movz x1, #0x4240
  movk x1, #0xf, lsl #16
  mov x0, #0
l:
  add x0, x0, #1
  subs x1, x1, #1
  b.ne l
  nop`;
    const patch = await asm('arm64', 'add x0, x0, #3', CODE + 12);
    for (const { name, sandbox } of subjects()) {
      const length = await load(sandbox, source);
      expect(sandbox.start(CODE, { until: CODE + length - 4, maxInstructions: 300_003 }).reason, name).toBe('instruction-limit');
      if (sandbox instanceof WasmSandbox && name === 'compiled') expect(sandbox.compiledBlocks).toBe(1);
      sandbox.write(CODE + 12, patch);
      expect(sandbox.start(Number(sandbox.readRegister('pc')), { until: CODE + length - 4 }).reason, name).toBe('until');
      // 100,000 rounds before the patch, 900,000 after.
      expect(sandbox.readRegister('x0'), name).toBe(100_000n + 3n * 900_000n);
    }
  });

  it('runs new code the guest stores into its own hot loop while it runs', async () => {
    const source = `
  mov x5, #0
  mov x0, #0
  mov x1, #1000
a:
  add x0, x0, #1
  subs x1, x1, #1
  b.ne a
  cbnz x5, done
  ldr w9, replacement
  adr x8, a
  str w9, [x8]
  mov x5, #1
  mov x1, #1000
  b a
done:
  nop
replacement:
  add x0, x0, #5`;
    for (const { name, sandbox } of subjects()) {
      const code = await asm('arm64', source, CODE);
      sandbox.map(CODE, 0x1000, Prot.ALL);
      sandbox.write(CODE, code);
      const done = CODE + code.length - 8;
      expect(sandbox.start(CODE, { until: done }).reason, name).toBe('until');
      expect(sandbox.readRegister('x0'), name).toBe(1000n + 5n * 1000n);
      if (sandbox instanceof WasmSandbox && name === 'compiled') expect(sandbox.compiledBlocks).toBe(2);
    }
  });

  it('is stopped by the shared stop flag while a compiled loop runs', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const sandbox = new WasmSandbox('arm64', { stopFlag: flag });
    await load(sandbox, 'l:\n  add x0, x0, #1\n  b l');
    expect(sandbox.start(CODE, { maxInstructions: 5_000_000 }).reason).toBe('instruction-limit');
    expect(sandbox.compiledBlocks).toBe(1);
    expect(sandbox.readRegister('x0')).toBe(2_500_000n);
    Atomics.store(flag, 0, 1);
    const started = performance.now();
    expect(sandbox.start(CODE, { timeLimitMs: 10_000 }).reason).toBe('stopped');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  // ---- x86-64 ----

  const X64_REGISTERS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'rip', 'rflags'];

  /** Runs an x86-64 loop on Unicorn, the interpreter and the compiled tier, and expects the same state. */
  async function sameOnX64(source: string, setup: Record<string, bigint>, maxInstructions?: number): Promise<number> {
    const all: Subject[] = [
      { name: 'unicorn', sandbox: new UnicornSandbox('x64') },
      { name: 'interpreted', sandbox: new WasmSandbox('x64', { compileBlocks: false }) },
      { name: 'compiled', sandbox: new WasmSandbox('x64', { compileAfter: 0 }) },
    ];
    const states = [];
    for (const { sandbox } of all) {
      const code = await asm('x64', source, CODE);
      sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
      sandbox.write(CODE, code);
      for (const [name, value] of Object.entries(setup)) sandbox.writeRegister(name, value);
      const state: Record<string, string> = { outcome: outcome(sandbox, CODE, CODE + code.length - 1, maxInstructions) };
      for (const name of X64_REGISTERS) state[name] = sandbox.readRegister(name).toString(16);
      states.push(state);
    }
    expect(states[1], `interpreter against unicorn: ${source}`).toEqual(states[0]);
    expect(states[2], `compiled against unicorn: ${source}`).toEqual(states[0]);
    return (all[2]!.sandbox as WasmSandbox).compiledBlocks;
  }

  it('runs x86-64 counted loops as the interpreter and Unicorn do, and compiles them', async () => {
    expect(await sameOnX64('mov rcx, 100000\nl: dec rcx\njnz l\nnop', {})).toBe(1);
    expect(await sameOnX64('mov ecx, 5000\nl: add rax, rcx\nxor rbx, rax\nmov rdx, rbx\nsub ecx, 1\njnz l\nnop', {})).toBe(1);
    expect(await sameOnX64('l: inc rax\nadd rbx, 3\ncmp rax, 4000\njb l\nnop', { rax: 5n })).toBe(1);
    for (const limit of [1, 2, 3, 999, 1000, 1001, 4321]) {
      await sameOnX64('mov rcx, 100000\nl: dec rcx\njnz l\nnop', {}, limit);
      await sameOnX64('l: inc eax\nadd ebx, eax\ntest bl, 1\njmp l\nnop', {}, limit);
    }
  });

  it('works out every x86-64 condition from the flags of add, sub, cmp, inc, dec, and, test, in 64 and 32 bits', async () => {
    let compiled = 0;
    const conditions = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
    const setters = ['sub rax, rbx', 'add eax, ebx', 'cmp rax, 7', 'inc rax', 'dec eax', 'and rax, rbx', 'test eax, 0x80000003', 'nop'];
    for (const cond of conditions) {
      for (const setter of setters) {
        const source = `l: add rdx, 1\nmov rsi, rax\n${setter}\nxor rbx, rdx\nj${cond} l\nnop`;
        const setup = { rax: 0x7fff_ffff_ffff_fff0n, rbx: 0x8000_0001_8000_0003n, rflags: 0x203n };
        compiled += await sameOnX64(source, setup, 3000);
      }
    }
    expect(compiled).toBeGreaterThan(conditions.length * setters.length / 3);
  });

  it('runs new code written by the host into a hot compiled x86-64 loop between runs', async () => {
    const source = 'mov rcx, 1000000\nl: add rax, 1\ndec rcx\njnz l\nnop';
    const start = await asm('x64', 'mov rcx, 1000000', CODE);
    const loop = CODE + start.length;
    const patch = await asm('x64', 'add rax, 3', loop);
    for (const sandbox of [new UnicornSandbox('x64'), new WasmSandbox('x64', { compileBlocks: false }), new WasmSandbox('x64', { compileAfter: 0 })]) {
      const code = await asm('x64', source, CODE);
      sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
      sandbox.write(CODE, code);
      expect(sandbox.start(CODE, { until: CODE + code.length - 1, maxInstructions: 300_001 }).reason).toBe('instruction-limit');
      sandbox.write(loop, patch);
      expect(sandbox.start(Number(sandbox.readRegister('rip')), { until: CODE + code.length - 1 }).reason).toBe('until');
      expect(sandbox.readRegister('rax')).toBe(100_000n + 3n * 900_000n);
    }
  });
});
