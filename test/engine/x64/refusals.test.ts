// Every reason the x86-64 planner refuses a redirect, each with the message a person reads.
import { describe, expect, it } from 'vitest';
import type { RedirectRequest } from '../../../engine/host/plan.ts';
import { planX64Redirect } from '../../../engine/host/x64.ts';
import { asm } from '../../helpers.ts';
import { refusalOf } from './support.ts';

const FN = 0x40_0100;
const NEAR = 0x50_0000;
const FAR = 0x5_0000_0000;

async function request(source: string, extra: Partial<RedirectRequest> = {}): Promise<RedirectRequest> {
  return {
    arch: 'x64', target: { address: FN, bytes: await asm('x64', source, FN), name: 'clamp' },
    replacement: NEAR, mode: 'hook', trampolineAddress: 0x51_0000, ...extra,
  };
}

describe('x86-64 planner refusals', () => {
  it('too short, no padding', async () => {
    const refusal = refusalOf(await planX64Redirect(await request('lea eax, [rdi + 1]\nret')));
    expect(refusal).toEqual({ code: 'too-short', address: FN, message: 'clamp (0x400100) is 4 bytes long, shorter than ' +
      'the 5-byte jmp rel32 its entry would need, and it has no padding before it for the hot-patch form.' });
  });

  it('too short for the absolute jump a far replacement needs, with too little padding', async () => {
    const refusal = refusalOf(await planX64Redirect(await request('lea rax, [rdi + 1]\nimul rax, rax, 3\nret',
      { replacement: FAR, padding: new Uint8Array(6).fill(0xcc) })));
    expect(refusal.code).toBe('too-short');
    expect(refusal.message).toBe('clamp (0x400100) is 9 bytes long, shorter than the 14-byte jmp [rip+0] abs64 ' +
      '(the replacement is more than 2 GiB away) its entry would need, and its 6 bytes of padding are fewer than ' +
      'the 14 the hot-patch form needs for its long jump.');
  });

  it('a branch into the overwritten bytes', async () => {
    const source = 'xor eax, eax\ntop: inc eax\ncmp eax, edi\njb top\nret';
    const refusal = refusalOf(await planX64Redirect(await request(source)));
    expect(refusal).toEqual({ code: 'branch-into-overwritten', address: FN + 6, message: 'the jb rel8 (72 fa) at ' +
      '0x400106 (clamp+0x6) branches to 0x400102 (clamp+0x2), inside the first 6 bytes that the redirect replaces; ' +
      'it would land in the middle of the new jump.' });
  });

  it('a return before the end of the jump', async () => {
    const source = 'xor eax, eax\nret\nmov eax, 1\nret';
    const refusal = refusalOf(await planX64Redirect(await request(source, { mode: 'replace' })));
    expect(refusal).toEqual({ code: 'unmovable-instruction', address: FN + 2, message: 'clamp (0x400100) returns with the ' +
      'ret (c3) at 0x400102 (clamp+0x2), before the end of the 5 bytes the jump overwrites; the 2 bytes after it ' +
      'belong to code reached some other way, which the jump would destroy.' });
  });

  it('bytes that do not decode', async () => {
    const atEntry = await request('nop');
    atEntry.target.bytes = Uint8Array.of(0x06, 0x90, 0x90, 0x90, 0x90, 0xc3); // push es: invalid in 64-bit mode
    expect(refusalOf(await planX64Redirect(atEntry))).toEqual({ code: 'undecodable', address: FN,
      message: 'The bytes 06 90 90 90 90 c3 at 0x400100 (clamp+0x0) are not a valid x86-64 instruction (this opcode is ' +
        'not valid in 64-bit mode), so the ' +
        'first instructions of clamp (0x400100) cannot be moved out of the way of the jump.' });

    const later = await request('nop');
    later.target.bytes = Uint8Array.of(0x48, 0x89, 0xf8, 0x90, 0x90, 0x90, 0x06, 0xc3);
    expect(refusalOf(await planX64Redirect(later))).toEqual({ code: 'undecodable', address: FN + 6,
      message: 'The bytes 06 c3 at 0x400106 (clamp+0x6) are not a valid x86-64 instruction (this opcode is not valid ' +
        'in 64-bit mode), so clamp (0x400100) ' +
        'cannot be checked for branches into its first 5 bytes.' });
  });

  it('a rip-relative operand out of reach of the trampoline', async () => {
    const refusal = refusalOf(await planX64Redirect(await request('mov rax, qword ptr [rip + 0x1000]\nret',
      { trampolineAddress: FAR })));
    expect(refusal).toEqual({ code: 'out-of-range', address: FN, message: 'the rip-relative instruction ' +
      '(48 8b 05 00 10 00 00) at 0x400100 addresses memory at 0x401107 relative to the instruction pointer; the trampoline at ' +
      '0x500000000 is more than 2 GiB away from it, so the instruction cannot be moved there. Place the trampoline ' +
      'within 2 GiB of the function.' });
  });

  it('a hook request without a trampoline, and a trampoline on top of the function', async () => {
    const source = 'lea rax, [rdi + 1]\nimul rax, rax, 3\nret';
    const missing = refusalOf(await planX64Redirect(await request(source, { trampolineAddress: undefined })));
    expect(missing).toEqual({ code: 'bad-request', address: FN, message: 'Hook mode needs a trampoline address: ' +
      'the relocated first instructions of clamp (0x400100) are written there.' });
    const overlapping = refusalOf(await planX64Redirect(await request(source, { trampolineAddress: FN - 16 })));
    expect(overlapping.code).toBe('bad-request');
    expect(overlapping.message).toBe('The trampoline at 0x4000f0 overlaps clamp (0x400100) or its padding.');
  });
});
