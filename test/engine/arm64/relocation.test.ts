// Every relocation rule of the ARM64 relocator on hand-written functions, run on Unicorn: each
// PC-relative form as a displaced instruction, with the trampoline near its target, beyond ±1 MiB,
// beyond ±128 MiB and beyond ±4 GiB of it. The hooked function must give the results the unpatched
// one gives, and the plan must say which rewrite was used.
import { beforeAll, describe, expect, it } from 'vitest';
import { planArm64RedirectWith } from '../../../engine/host/arm64.ts';
import { type Engine, loadEngine } from '../../../engine/host/engine.ts';
import type { RedirectPlan, RedirectRequest } from '../../../engine/host/plan.ts';
import { Prot, type Sandbox } from '../../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleStatements } from '../../../toolchain/assemble.ts';
import { callFunction, RETURN_ADDRESS } from '../../../harness/corpus/corpus.ts';
import { applyPlan } from '../apply-plan.ts';
import { hookReplacement } from './guest.ts';

/** High enough that trampolines go both below and above it. */
const F = 0x3_0000_0000;
const REGION = 0x1_0000;
/** Functions that cannot return through x30 return through x7, which the tests set. */
const RETURN = BigInt(RETURN_ADDRESS);

const PLACEMENTS = {
  near: F + 0x4_0000, // 256 KiB above: every form reaches, except TBZ/TBNZ (±32 KiB)
  beyond1MiB: F - 0x400_0000, // 64 MiB below
  beyond128MiB: F + 0x4000_0000, // 1 GiB above
  beyond4GiB: F - 0x2_0000_0000, // 8 GiB below
} as const;
type Placement = keyof typeof PLACEMENTS;
const ALL: Placement[] = ['near', 'beyond1MiB', 'beyond128MiB', 'beyond4GiB'];

interface Case {
  name: string;
  /** The function, at F. */
  source: string;
  /** Other code and data, by offset from F. */
  extra?: Record<number, string>;
  /** Argument lists (x0, x1, ...); x7 is set to the return address. */
  args: bigint[][];
  /** NZCV values to run every argument list with. */
  flags?: number[];
  placements?: Placement[];
  /** Per placement, text the relocation of the word at `word` (default 0) must contain. */
  expect: Partial<Record<Placement, string>>;
  word?: number;
}

const TARGET = 'add x0, x0, x1\nadd x0, x0, #100\nret';
const DATA = '.quad 0x8899aabbccddeeff\n.quad 0x0123456789abcdef';
const ZERO_AND_MORE = [[0n, 3n], [1n, 3n], [0x1_0000_0000n, 5n], [0x100_0000_0008n, 7n], [0xffff_ffff_ffff_fff7n, 9n]];

const COND_EXPECT = { near: 're-encoded', beyond1MiB: 'branches over a b', beyond128MiB: '(ldr x16 + br x16)', beyond4GiB: '(ldr x16 + br x16)' };
const LITERAL_EXPECT = { near: 're-encoded', beyond1MiB: 'literal pool', beyond128MiB: 'literal pool', beyond4GiB: 'literal pool' };
const FILL = 'add x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nret';

const CASES: Case[] = [
  { name: 'b, first', source: 'b .+0x800', extra: { 0x800: TARGET }, args: ZERO_AND_MORE, placements: ['near', 'beyond1MiB'],
    expect: { near: 'b re-encoded', beyond1MiB: 'b re-encoded' } },
  { name: 'b, last displaced word', source: 'add x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nb .+0x800',
    extra: { 0x80c: TARGET }, args: ZERO_AND_MORE, placements: ['beyond128MiB', 'beyond4GiB'], word: 3,
    expect: { beyond128MiB: 'ldr x16 + br x16', beyond4GiB: 'ldr x16 + br x16' } },
  { name: 'bl', source: `bl .+0x800\n${FILL.replace('ret', 'br x7')}`, extra: { 0x800: TARGET }, args: ZERO_AND_MORE,
    expect: { near: 'bl re-encoded', beyond1MiB: 'bl re-encoded', beyond128MiB: 'ldr x16 + blr x16', beyond4GiB: 'ldr x16 + blr x16' } },
  { name: 'b.ne', source: `b.ne .+0x800\n${FILL}`, extra: { 0x800: TARGET }, args: ZERO_AND_MORE, flags: [0, 0x4000_0000],
    expect: COND_EXPECT },
  { name: 'b.hi (unsigned higher)', source: `b.hi .+0x800\n${FILL}`, extra: { 0x800: TARGET }, args: ZERO_AND_MORE,
    flags: [0, 0x2000_0000, 0x6000_0000], expect: COND_EXPECT },
  { name: 'b.al', source: `b.al .+0x800\n${FILL}`, extra: { 0x800: TARGET }, args: ZERO_AND_MORE, placements: ['near', 'beyond1MiB'],
    expect: { near: 're-encoded', beyond1MiB: 'always branches' } },
  { name: 'cbz w0', source: `cbz w0, .+0x800\n${FILL}`, extra: { 0x800: TARGET }, args: ZERO_AND_MORE, expect: COND_EXPECT },
  { name: 'cbnz x0', source: `cbnz x0, .+0x800\n${FILL}`, extra: { 0x800: TARGET }, args: ZERO_AND_MORE, expect: COND_EXPECT },
  { name: 'tbz x0, #40', source: `tbz x0, #40, .-0x400\n${FILL}`, extra: { [-0x400]: TARGET }, args: ZERO_AND_MORE,
    expect: { near: 'branches over a b', beyond1MiB: 'branches over a b', beyond128MiB: '(ldr x16 + br x16)', beyond4GiB: '(ldr x16 + br x16)' } },
  { name: 'tbnz w0, #3', source: `tbnz w0, #3, .+0x7ffc\n${FILL}`, extra: { 0x7ffc: TARGET }, args: ZERO_AND_MORE,
    expect: { near: 'branches over a b', beyond1MiB: 'branches over a b', beyond128MiB: '(ldr x16 + br x16)' } },
  { name: 'adr x0', source: `adr x0, .+0x801\n${FILL}`, args: [[0n]],
    expect: { near: 're-encoded', beyond1MiB: 'adrp + add', beyond128MiB: 'adrp + add', beyond4GiB: 'literal pool' } },
  { name: 'adr of the entry itself', source: `adr x0, .\n${FILL}`, args: [[0n]],
    expect: { near: 're-encoded', beyond1MiB: 'adrp + add', beyond4GiB: 'literal pool' } },
  { name: 'adr xzr', source: `adr xzr, .+0x40\n${FILL}`, args: [[7n]], expect: { near: 'nop', beyond4GiB: 'nop' } },
  { name: 'adrp x0, near page', source: `adrp x0, #${F + 0x3000}\n${FILL}`, args: [[0n]],
    expect: { near: 're-encoded', beyond1MiB: 're-encoded', beyond128MiB: 're-encoded', beyond4GiB: 'literal pool' } },
  { name: 'adrp x5, page 3 GiB up', source: `adrp x5, #${F + 0xc000_0000}\nmov x0, x5\n${FILL}`, args: [[0n]],
    expect: { near: 're-encoded', beyond1MiB: 're-encoded', beyond128MiB: 're-encoded', beyond4GiB: 'literal pool' } },
  { name: 'ldr w0, literal', source: `ldr w0, .+0x800\n${FILL}`, extra: { 0x800: DATA }, args: [[0n]], expect: LITERAL_EXPECT },
  { name: 'ldr x0, literal', source: `ldr x0, .+0x800\n${FILL}`, extra: { 0x800: DATA }, args: [[0n]], expect: LITERAL_EXPECT },
  { name: 'ldrsw x0, literal', source: `ldrsw x0, .+0x804\n${FILL}`, extra: { 0x800: DATA }, args: [[0n]], expect: LITERAL_EXPECT },
  { name: 'ldr s0, literal', source: `ldr s0, .+0x800\nfmov w0, s0\n${FILL}`, extra: { 0x800: DATA }, args: [[0n]],
    expect: { near: 're-encoded', beyond1MiB: 'into x17' } },
  { name: 'ldr d0, literal', source: `ldr d0, .+0x800\nfmov x0, d0\n${FILL}`, extra: { 0x800: DATA }, args: [[0n]],
    expect: { near: 're-encoded', beyond4GiB: 'into x17' } },
  { name: 'ldr q0, literal', source: `ldr q0, .+0x800\nfmov x0, d0\nmov x1, v0.d[1]\neor x0, x0, x1\n${FILL}`,
    extra: { 0x800: DATA }, args: [[0n]], expect: { near: 're-encoded', beyond128MiB: 'into x17' } },
  { name: 'prfm, literal', source: `prfm pldl1keep, .+0x800\n${FILL}`, extra: { 0x800: DATA }, args: [[4n]],
    expect: { near: 're-encoded', beyond1MiB: 'into x17' } },
  { name: 'ldr x0 of a literal inside the overwritten words', source: 'ldr x0, .+8\nret\n.quad 0x1122334455667788\nret',
    args: [[0n]], placements: ['beyond128MiB', 'beyond4GiB'],
    expect: { beyond128MiB: 'copied into the trampoline', beyond4GiB: 'copied into the trampoline' } },
  { name: 'cbz to a displaced word', source: 'cbz x0, .+12\nmov x0, #5\nret\nmov x0, #9\nret', args: [[0n], [1n]],
    placements: ['beyond128MiB', 'beyond4GiB'], expect: { beyond128MiB: 'retargeted to its copy', beyond4GiB: 'retargeted to its copy' } },
  { name: 'tbnz over the last displaced word, to the first word left in place',
    source: 'tbnz x0, #0, .+16\nadd x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #4\nadd x0, x0, #8\nret', args: [[0n], [1n]],
    placements: ['beyond128MiB', 'beyond4GiB'], expect: { beyond128MiB: 'ldr x16 + br x16' } },
];

let engine: Engine;
beforeAll(async () => { engine = await loadEngine(); });

async function load(sandbox: Sandbox, c: Case): Promise<Uint8Array> {
  sandbox.map(F - REGION, 3 * REGION, Prot.ALL);
  sandbox.map(RETURN_ADDRESS, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.map(0x7ffb_0000, 0x4_0000, Prot.READ | Prot.WRITE);
  const code = await assembleStatements(c.source, 'arm64', F);
  sandbox.write(F, code);
  for (const [offset, source] of Object.entries(c.extra ?? {})) {
    sandbox.write(F + Number(offset), await assembleStatements(source, 'arm64', F + Number(offset)));
  }
  return code;
}

function run(sandbox: Sandbox, args: bigint[], flags: number): bigint {
  sandbox.writeRegister('nzcv', flags);
  const full = [...args, ...Array<bigint>(7 - args.length).fill(0x5a5a_5a5an), RETURN];
  return callFunction(sandbox, F, full);
}

async function hookAndCompare(c: Case, placement: Placement): Promise<RedirectPlan> {
  const area = PLACEMENTS[placement];
  const reference = new UnicornSandbox('arm64');
  const patched = new UnicornSandbox('arm64');
  try {
    await load(reference, c);
    const code = await load(patched, c);
    patched.map(area, 0x2000, Prot.ALL);
    patched.write(area, await hookReplacement(area, area + 0x1000, area + 0x800));
    const request: RedirectRequest = { arch: 'arm64', target: { address: F, bytes: code, name: 'f' }, replacement: area,
      mode: 'hook', trampolineAddress: area + 0x800 };
    const result = planArm64RedirectWith(engine, request);
    if (!result.ok) throw new Error(`${c.name} (${placement}): refused: ${result.refusal.message}`);
    applyPlan(patched, result.plan);
    for (const args of c.args) {
      for (const flags of c.flags ?? [0]) {
        expect(run(patched, args, flags), `${c.name} (${placement}) with ${args.join(', ')}, nzcv ${flags}`)
          .toBe(run(reference, args, flags));
      }
    }
    const calls = new DataView(patched.read(area + 0x1000, 8).buffer).getBigUint64(0, true);
    expect(calls, `${c.name} (${placement}): the hook ran`).toBe(BigInt(c.args.length * (c.flags?.length ?? 1)));
    return result.plan;
  } finally {
    reference.close();
    patched.close();
  }
}

describe('ARM64 relocation rules, run on Unicorn', () => {
  for (const c of CASES) {
    it(`${c.name}: same results from the trampoline at every distance`, async () => {
      for (const placement of c.placements ?? ALL) {
        const plan = await hookAndCompare(c, placement);
        const wanted = c.expect[placement];
        if (wanted) expect(plan.displaced[c.word ?? 0]!.relocation, `${c.name} (${placement})`).toContain(wanted);
      }
    });
  }
});
