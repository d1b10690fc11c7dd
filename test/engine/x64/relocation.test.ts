// Hand-written functions (assembled by Keystone) for every relocation rule of the x86-64 engine:
// each is hooked, run on Unicorn with the original reached through the trampoline, and must give
// the same results and memory effects as before, with the trampoline near (within 2 GiB) or far.
import { bytesToHex } from '../../../core/hex.ts';
import { describe, expect, it } from 'vitest';
import type { RedirectPlan } from '../../../engine/host/plan.ts';
import { planX64Redirect } from '../../../engine/host/x64.ts';
import { Prot } from '../../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../../sandbox/unicorn/unicorn-sandbox.ts';
import { disassemble } from '../../../toolchain/capstone.ts';
import { RETURN_ADDRESS, callFunction } from '../../../harness/corpus/corpus.ts';
import { asm } from '../../helpers.ts';
import { applyPlan, hookReplacement, planOf, readU64, replaceReplacement } from './support.ts';

export const FN = 0x40_0100;
export const DATA = 0x60_0000;
const COUNTER = DATA + 0x800;
const NEAR = { replacement: 0x50_0000, trampoline: 0x51_0000 };
const FAR = { replacement: 0x5_0000_0000, trampoline: 0x5_0001_0000 };
/** The replacement near (a 5-byte entry jump), the trampoline beyond 2 GiB of everything the function reaches. */
const FAR_TRAMPOLINE = { replacement: NEAR.replacement, trampoline: FAR.trampoline };

/** rip-relative displacement from the instruction ending at `end` to the data area. */
const toData = (end: number, offset = 0) => DATA + offset - end;

interface Setup {
  source: string;
  /** int3 bytes before the function. */
  padding?: number;
  address?: number;
}

async function machine(setup: Setup) {
  const address = setup.address ?? FN;
  const bytes = await asm('x64', setup.source, address);
  const padding = new Uint8Array(setup.padding ?? 0).fill(0xcc);
  const sandbox = new UnicornSandbox('x64');
  sandbox.map(0x40_0000, 0x2000, Prot.READ | Prot.EXEC);
  sandbox.map(DATA, 0x1000, Prot.READ | Prot.WRITE);
  for (const place of [NEAR, FAR]) {
    sandbox.map(place.replacement, 0x1000, Prot.READ | Prot.EXEC);
    sandbox.map(place.trampoline, 0x1000, Prot.READ | Prot.EXEC);
  }
  sandbox.map(0x7ff0_0000, 0x10_0000, Prot.READ | Prot.WRITE);
  sandbox.map(RETURN_ADDRESS, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.write(address - padding.length, padding);
  sandbox.write(address, bytes);
  return { sandbox, bytes, padding, address };
}

/** Results and data-area contents after each call. */
function run(sandbox: UnicornSandbox, address: number, calls: bigint[][]): string[] {
  return calls.map((args) => `${callFunction(sandbox, address, args, 100_000)} ${bytesToHex(sandbox.read(DATA, 0x40))}`);
}

/**
 * Hooks the function and checks that every call gives what the unhooked function gives, that the
 * replacement ran for each, and returns the plan.
 */
async function hookAndCompare(setup: Setup, calls: bigint[][], place: { replacement: number; trampoline: number }): Promise<RedirectPlan> {
  const reference = await machine(setup);
  const expected = run(reference.sandbox, reference.address, calls);
  reference.sandbox.close();

  const { sandbox, bytes, padding, address } = await machine(setup);
  const plan = planOf(await planX64Redirect({
    arch: 'x64', target: { address, bytes, name: 'f' }, padding, replacement: place.replacement,
    mode: 'hook', trampolineAddress: place.trampoline,
  }));
  applyPlan(sandbox, plan);
  sandbox.write(place.replacement, await hookReplacement(place.replacement, place.trampoline, COUNTER));
  expect(run(sandbox, address, calls)).toEqual(expected);
  expect(readU64(sandbox, COUNTER)).toBe(BigInt(calls.length));
  sandbox.close();
  return plan;
}

const relocations = (plan: RedirectPlan) => plan.displaced.map((d) => d.relocation);
const args = (...values: number[]) => values.map((v) => [BigInt(v)]);

describe('x86-64 relocation, run on Unicorn', () => {
  it('copies plain instructions and jumps back to the first one left in place', async () => {
    const plan = await hookAndCompare({ source: 'push rbx\nmov rbx, rdi\nlea rax, [rbx + rbx*4]\npop rbx\nret' },
      args(0, 3, 1000), NEAR);
    expect(plan.form).toBe('jmp rel32');
    expect(plan.displaced.map((d) => [d.address - FN, d.length])).toEqual([[0, 1], [1, 3], [4, 4]]);
    expect(relocations(plan)).toEqual(['copied', 'copied', 'copied']);
    // The trampoline ends with a jump back to FN + 8, the first instruction left in place.
    const insns = await disassemble('x64', plan.trampoline!.bytes, plan.trampoline!.address);
    expect(insns.at(-1)!.mnemonic).toBe('jmp');
    expect(Number(insns.at(-1)!.operands)).toBe(FN + 8);
  });

  it('adjusts rip-relative displacements, including with an immediate after them', async () => {
    const source = [
      `add qword ptr [rip + ${toData(FN + 7)}], rdi`,
      `cmp qword ptr [rip + ${toData(FN + 18)}], 1000`,
      'mov eax, 0',
      'setb al',
      'ret',
    ].join('\n');
    const calls = args(5, 600, 7, 1_000_000, 1);
    const near = await hookAndCompare({ source }, calls, NEAR);
    expect(relocations(near)).toEqual(['copied, rip-relative displacement adjusted']);
    // With the 14-byte entry jump, the compare with its imm32 is displaced too.
    const far = await hookAndCompare({ source }, calls, { replacement: FAR.replacement, trampoline: NEAR.trampoline });
    expect(far.form).toBe('jmp [rip+0] abs64');
    expect(relocations(far)).toEqual(['copied, rip-relative displacement adjusted', 'copied, rip-relative displacement adjusted']);
  });

  it('widens jcc rel8 to rel32, or to an inverted jcc over an absolute jump when far', async () => {
    const source = 'test rdi, rdi\njz zero\nmov eax, 1\nret\nzero: mov eax, 2\nret';
    const calls = args(0, 1, 0, 9);
    expect(relocations(await hookAndCompare({ source }, calls, NEAR))).toEqual(['copied', 'jcc rel8 widened to rel32']);
    const far = await hookAndCompare({ source }, calls, FAR_TRAMPOLINE);
    expect(relocations(far)[1]).toMatch(/inverted jcc over jmp \[rip\+0\] abs64/);
    const insns = await disassemble('x64', far.trampoline!.bytes, far.trampoline!.address);
    // jz became jne over the absolute jump.
    expect(insns.slice(0, 3).map((i) => i.mnemonic)).toEqual(['test', 'jne', 'jmp']);
  });

  it('re-targets jcc rel32', async () => {
    const source = 'test rdi, rdi\njz zero\nmov eax, 1\nret\n' + 'nop\n'.repeat(200) + 'zero: mov eax, 2\nret';
    const plan = await hookAndCompare({ source }, args(0, 4), NEAR);
    expect(plan.displaced[1]!.length).toBe(6);
    expect(relocations(plan)).toEqual(['copied', 'jcc rel32 re-targeted']);
  });

  it('widens jmp rel8 ending the displaced instructions, and uses the absolute form when far', async () => {
    const source = 'xor eax, eax\nmov edx, edi\njmp body\nud2\nud2\nbody: lea eax, [rdx + 3]\nret';
    const calls = args(1, 2, 40);
    expect(relocations(await hookAndCompare({ source }, calls, NEAR))).toEqual(['copied', 'copied', 'jmp rel8 widened to rel32']);
    const far = await hookAndCompare({ source }, calls, FAR_TRAMPOLINE);
    expect(relocations(far)[2]).toMatch(/jmp replaced by jmp \[rip\+0\] abs64/);
    // Nothing follows an unconditional jump: the trampoline needs no jump back.
    expect(far.steps[0]!.explanation).toMatch(/needs no jump back/);
  });

  it('re-targets call rel32, and calls through an absolute literal when far', async () => {
    const source = 'call helper\nadd rax, 1\nret\nhelper: lea rax, [rdi + rdi*2]\nret';
    const calls = args(1, 5, 100);
    expect(relocations(await hookAndCompare({ source }, calls, NEAR))).toEqual(['call rel32 re-targeted']);
    expect(relocations(await hookAndCompare({ source }, calls, FAR_TRAMPOLINE))[0]).toMatch(/call replaced by call \[rip\+2\]/);
  });

  it('rewrites jrcxz, jecxz, loop, loope and loopne into a short branch over a long jump', async () => {
    const cases = [
      { source: 'mov rcx, rdi\njrcxz empty\nmov eax, 1\nret\nempty: mov eax, 7\nret', calls: args(0, 1, 2) },
      { source: 'mov rcx, rdi\njecxz empty\nmov eax, 1\nret\nempty: mov eax, 7\nret', calls: [[0n], [1n], [0x1_0000_0000n]] },
      { source: 'mov ecx, edi\nloop again\nmov eax, 1\nret\nagain: mov eax, 9\nret', calls: args(1, 2, 0) },
      { source: 'mov ecx, esi\ntest edi, edi\nloope again\nmov eax, 1\nret\nagain: mov eax, 9\nret',
        calls: [[0n, 1n], [0n, 2n], [1n, 2n], [1n, 1n]] },
      { source: 'mov ecx, esi\ntest edi, edi\nloopne again\nmov eax, 1\nret\nagain: mov eax, 9\nret',
        calls: [[0n, 1n], [0n, 2n], [1n, 2n], [1n, 1n]] },
    ];
    for (const { source, calls } of cases) {
      for (const place of [NEAR, FAR_TRAMPOLINE]) {
        const plan = await hookAndCompare({ source }, calls, place);
        const loop = relocations(plan).find((r) => r.startsWith('loop/jrcxz'));
        expect(loop, source).toMatch(place === FAR_TRAMPOLINE ? /jmp \[rip\+0\] abs64/ : /jmp rel32/);
      }
    }
  });

  it('keeps branches between displaced instructions inside the trampoline', async () => {
    // The 14-byte entry jump displaces the forward jz and its target.
    const forward = 'mov eax, 1\ntest edi, edi\njz skip\nadd eax, 10\nskip: add eax, 100\nret';
    const plan = await hookAndCompare({ source: forward }, args(0, 1, 2), { replacement: FAR.replacement, trampoline: NEAR.trampoline });
    expect(relocations(plan)[2]).toBe('jcc rel8 widened to rel32 (its target is displaced too, so it stays inside the trampoline)');
    const jz = plan.displaced[2]!;
    const target = plan.displaced[4]!.relocatedAddress!;
    const [insn] = await disassemble('x64', jz.relocatedBytes!, jz.relocatedAddress!);
    expect(Number(insn!.operands)).toBe(target);

    // A counted loop whose back edge stays inside the displaced bytes, with the trampoline far.
    const backward = 'xor eax, eax\nmov ecx, edi\nand ecx, 7\ninc ecx\ntop: add eax, 3\nloop top\nret';
    const looped = await hookAndCompare({ source: backward }, args(0, 1, 6, 7, 100), FAR);
    expect(relocations(looped)[5]).toMatch(/^loop\/jrcxz .* stays inside the trampoline/);
  });

  it('writes the absolute jump back when the function is far from the trampoline', async () => {
    const plan = await hookAndCompare({ source: 'lea rax, [rdi + 1]\nimul rax, rax, 3\nret' }, args(2, 9), FAR_TRAMPOLINE);
    const code = plan.trampoline!.bytes.subarray(0, -8); // the last 8 bytes are the jump's target
    const insns = await disassemble('x64', code, plan.trampoline!.address);
    expect([insns.at(-1)!.mnemonic, insns.at(-1)!.operands]).toEqual(['jmp', 'qword ptr [rip]']);
    expect(bytesToHex(plan.trampoline!.bytes.subarray(-8))).toBe(bytesToHex(new Uint8Array(new BigUint64Array([BigInt(FN + 8)]).buffer)));
  });
});

describe('x86-64 hot-patch form', () => {
  const source = 'mov edi, edi\npush rbp\nmov rbp, rsp\nlea eax, [rdi + 7]\npop rbp\nret';

  it('puts the long jump in the padding and changes 2 bytes at the entry in one store', async () => {
    const plan = await hookAndCompare({ source, padding: 5 }, args(1, 2, 3), NEAR);
    expect(plan.form).toBe('hot-patch short jump');
    expect(plan.overwritten).toEqual({ address: FN, length: 2 });
    expect(plan.steps.map((s) => [s.kind, s.address, s.after.length, s.atomic])).toEqual([
      ['trampoline', NEAR.trampoline, plan.trampoline!.bytes.length, false],
      ['padding-jump', FN - 5, 5, false],
      ['entry-jump', FN, 2, true],
    ]);
    expect(bytesToHex(plan.steps[2]!.before)).toBe('89ff'); // mov edi, edi
    expect(bytesToHex(plan.steps[2]!.after)).toBe('ebf9'); // jmp short FN - 5
    expect(plan.steps[2]!.explanation).toMatch(/single 2-byte store/);
    expect(relocations(plan)).toEqual(['copied']);
  });

  it('uses a 14-byte padding jump for a far replacement, and works in replace mode', async () => {
    const plan = await hookAndCompare({ source, padding: 16 }, args(4), FAR);
    expect(plan.steps[1]!.address).toBe(FN - 14);
    expect(bytesToHex(plan.steps[2]!.after)).toBe('ebf0');

    const { sandbox, bytes, padding } = await machine({ source, padding: 16 });
    const replace = planOf(await planX64Redirect({ arch: 'x64', target: { address: FN, bytes }, padding,
      replacement: FAR.replacement, mode: 'replace' }));
    expect(replace.steps.map((s) => s.kind)).toEqual(['padding-jump', 'entry-jump']);
    expect(replace.trampoline).toBeUndefined();
    applyPlan(sandbox, replace);
    sandbox.write(FAR.replacement, await replaceReplacement(FAR.replacement, COUNTER, 1000));
    expect(callFunction(sandbox, FN, [5n])).toBe(1005n);
    expect(readU64(sandbox, COUNTER)).toBe(1n);
    sandbox.close();
  });

  it('says when the 2-byte store crosses a cache line and is not atomic', async () => {
    const address = 0x40_0000 + 64 * 9 + 63;
    const bytes = await asm('x64', source, address);
    const plan = planOf(await planX64Redirect({ arch: 'x64', target: { address, bytes }, padding: new Uint8Array(5).fill(0xcc),
      replacement: NEAR.replacement, mode: 'replace' }));
    expect(plan.steps[1]!.atomic).toBe(false);
    expect(plan.steps[1]!.explanation).toMatch(/cross a cache line/);
  });

  it('lets a function shorter than a jump be redirected through its padding', async () => {
    const plan = await hookAndCompare({ source: 'lea eax, [rdi + rsi]\nret', padding: 8 }, [[1n, 2n], [40n, 2n]], NEAR);
    expect(plan.form).toBe('hot-patch short jump');
    expect(plan.displaced.map((d) => d.length)).toEqual([3]);
  });
});

describe('x86-64 replace mode', () => {
  it('sends every call to the replacement with a 5-byte jump', async () => {
    const { sandbox, bytes } = await machine({ source: 'lea rax, [rdi + 1]\nimul rax, rax, 3\nret' });
    const plan = planOf(await planX64Redirect({ arch: 'x64', target: { address: FN, bytes }, replacement: NEAR.replacement, mode: 'replace' }));
    expect(plan.form).toBe('jmp rel32');
    expect(plan.steps.map((s) => s.kind)).toEqual(['entry-jump']);
    expect(plan.displaced.map((d) => d.relocation)).toEqual(['overwritten; replace mode keeps no copy', 'overwritten; replace mode keeps no copy']);
    applyPlan(sandbox, plan);
    sandbox.write(NEAR.replacement, await replaceReplacement(NEAR.replacement, COUNTER, 7));
    expect([callFunction(sandbox, FN, [1n]), callFunction(sandbox, FN, [10n])]).toEqual([8n, 17n]);
    expect(readU64(sandbox, COUNTER)).toBe(2n);
    sandbox.close();
  });
});
