// Why a run stopped comes from what the CPU did, the same on both backends: an instruction whose
// encoding ends in 0xf4 (the byte of hlt) stopped by the instruction limit is the limit, a hlt the
// CPU ran is a halt, and counted instructions are the ones that completed.
import { afterEach, describe, expect, it } from 'vitest';
import { Prot, type Sandbox, type StartOptions, type StartResult, SandboxError } from '../../sandbox/sandbox.ts';
import { asm, BACKENDS } from '../helpers.ts';

const CODE = 0x10_0000;
const STACK = 0x20_0000;

/** Instructions whose encodings end in 0xf4, then a nop and a real hlt. */
const ENDS_IN_F4 = [
  'push rbp', 'mov rbp, rsp',
  'mov dword ptr [rbp - 12], edi', // 89 7d f4
  'lea rax, [rbp - 12]', // 48 8d 45 f4
  'add al, 0xf4', // 04 f4
  'cmp byte ptr [rbp - 1], 0xf4', // 80 7d ff f4
  'pop rbp', 'nop', 'hlt', 'nop',
];
const HLT_INDEX = ENDS_IN_F4.indexOf('hlt');

let sandboxes: Sandbox[] = [];
afterEach(() => { for (const s of sandboxes) s.close(); sandboxes = []; });

async function loaded(create: (arch: 'x64') => Sandbox, lines: string[]): Promise<{ sandbox: Sandbox; ends: number[] }> {
  const sandbox = create('x64');
  sandboxes.push(sandbox);
  sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.map(STACK, 0x1000, Prot.READ | Prot.WRITE);
  const code = await asm('x64', lines.join('\n'), CODE);
  sandbox.write(CODE, code);
  sandbox.writeRegister('rsp', STACK + 0x800);
  // The address after each instruction, from the lengths Keystone gives each one alone.
  const ends: number[] = [];
  let at = CODE;
  for (const line of lines) ends.push(at += (await asm('x64', line, at)).length);
  expect(at).toBe(CODE + code.length);
  return { sandbox, ends };
}

function outcome(sandbox: Sandbox, begin: number, options: StartOptions): StartResult | string {
  try {
    return sandbox.start(begin, options);
  } catch (error) {
    return error instanceof SandboxError ? `${error.code} at pc ${error.pc?.toString(16)}` : String(error);
  }
}

describe.each(BACKENDS)('stop reasons on $name, x64', ({ create }) => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('a limit of %i instructions stops there, also after an instruction ending in 0xf4', async (limit) => {
    const { sandbox, ends } = await loaded(create, ENDS_IN_F4);
    const counted = sandbox.start(CODE, { maxInstructions: limit, countInstructions: true });
    expect(counted).toEqual({ reason: 'instruction-limit', pc: ends[limit - 1], instructions: limit });
    expect(sandbox.instructionsCounted).toBe(limit);
    const again = await loaded(create, ENDS_IN_F4);
    expect(again.sandbox.start(CODE, { maxInstructions: limit })).toEqual({ reason: 'instruction-limit', pc: ends[limit - 1] });
  });

  it('reports a hlt the CPU ran as a halt, with pc after it, limit or not', async () => {
    for (const limit of [0, HLT_INDEX + 1, HLT_INDEX + 5]) {
      const { sandbox, ends } = await loaded(create, ENDS_IN_F4);
      expect(sandbox.start(CODE, { maxInstructions: limit, countInstructions: true }), `limit ${limit}`)
        .toEqual({ reason: 'halted', pc: ends[HLT_INDEX], instructions: HLT_INDEX + 1 });
    }
  });

  it('steps one instruction at a time to the hlt, each step a limit, then halts', async () => {
    const { sandbox, ends } = await loaded(create, ENDS_IN_F4);
    const reasons: string[] = [];
    let pc = CODE;
    for (let i = 0; i <= HLT_INDEX; i++) {
      const result = sandbox.start(pc, { maxInstructions: 1, countInstructions: true });
      reasons.push(`${result.reason} ${result.instructions}`);
      expect(result.pc).toBe(ends[i]);
      pc = result.pc;
    }
    expect(reasons).toEqual([...Array(HLT_INDEX).fill('instruction-limit 1'), 'halted 1']);
  });

  it('does not count an instruction a hook stopped before it ran, nor one that faulted', async () => {
    const { sandbox, ends } = await loaded(create, ENDS_IN_F4);
    const hook = sandbox.addHook({ type: 'code', begin: ends[3]!, end: ends[3]!, callback: () => sandbox.stop() });
    expect(sandbox.start(CODE, { countInstructions: true })).toEqual({ reason: 'stopped', pc: ends[3], instructions: 4 });
    sandbox.removeHook(hook);
    const faulting = await loaded(create, ['nop', 'nop', 'mov rax, qword ptr [0x900000]', 'nop']);
    expect(outcome(faulting.sandbox, CODE, { countInstructions: true })).toBe(`UC_ERR_READ_UNMAPPED at pc ${faulting.ends[1]!.toString(16)}`);
    expect(faulting.sandbox.instructionsCounted).toBe(2);
  });

  it('counts only when asked, and the count restarts with each run', async () => {
    const { sandbox, ends } = await loaded(create, ENDS_IN_F4);
    expect(sandbox.start(CODE, { maxInstructions: 2 })).toEqual({ reason: 'instruction-limit', pc: ends[1] });
    expect(sandbox.instructionsCounted).toBeUndefined();
    expect(sandbox.start(ends[1]!, { maxInstructions: 3, countInstructions: true })).toMatchObject({ pc: ends[4], instructions: 3 });
    expect(sandbox.start(ends[4]!, { countInstructions: true })).toMatchObject({ reason: 'halted', instructions: HLT_INDEX + 1 - 5 });
  });
});

describe('the same stops on both backends', () => {
  it('single-stepping and whole runs under every limit end alike, reasons and places', async () => {
    const results = await Promise.all(BACKENDS.map(async ({ create }) => {
      const seen: unknown[] = [];
      for (let limit = 0; limit <= HLT_INDEX + 2; limit++) {
        const { sandbox } = await loaded(create, ENDS_IN_F4);
        seen.push(outcome(sandbox, CODE, { maxInstructions: limit, countInstructions: true }));
      }
      return seen;
    }));
    expect(results[1]).toEqual(results[0]);
  });
});
