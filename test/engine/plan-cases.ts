// Redirect requests covering every entry form, step kind and refusal of both planners: the plan
// answer test (plan-answer.test.ts) pins what the engine answers for each of them.
import type { Arch } from '../../core/arch.ts';
import type { RedirectRequest } from '../../engine/host/plan.ts';
import { asm } from '../helpers.ts';

export interface PlanCase {
  label: string;
  arch: Arch;
  /** Statements to assemble at `address`, or the function's bytes as they are. */
  source: string | Uint8Array;
  address: number;
  request: Omit<RedirectRequest, 'arch' | 'target'> & { name?: string };
}

const X = 0x40_0100;
const X_NEAR = 0x50_0000;
const X_FAR = 0x5_0000_0000;
const X_HOOK = { replacement: X_NEAR, mode: 'hook' as const, trampolineAddress: 0x51_0000, name: 'clamp' };
const X_FAR_HOOK = { replacement: X_FAR, mode: 'hook' as const, trampolineAddress: X_FAR + 0x1000, name: 'clamp' };
const X_REPLACE = { replacement: X_NEAR, mode: 'replace' as const, name: 'clamp' };
const cc = (n: number) => new Uint8Array(n).fill(0xcc);

const A = 0x40_0000;
const A_NEAR = 0x50_0000;
const A_FAR = 0x4000_0000;
const A_HOOK = { replacement: A_NEAR, mode: 'hook' as const, trampolineAddress: A_NEAR + 0x800, name: 'f' };
const A_FAR_HOOK = { replacement: A_FAR, mode: 'hook' as const, trampolineAddress: A_FAR + 0x800, name: 'f' };
const A_REPLACE = { replacement: A_NEAR, mode: 'replace' as const, name: 'f' };
const A_FAR_REPLACE = { replacement: A_FAR, mode: 'replace' as const, name: 'f' };

const X_BODY = 'lea rax, [rdi + 1]\nimul rax, rax, 3\nret';
const X_LONG = 'lea rax, [rdi + 1]\nimul rax, rax, 3\nadd rax, 7\nadd rax, 9\nadd rax, 11\nret';
const X_HOTPATCH = 'mov edi, edi\npush rbp\nmov rbp, rsp\nlea eax, [rdi + 7]\npop rbp\nret';
const X_ENDBR = '.byte 0xf3, 0x0f, 0x1e, 0xfa\nlea rax, [rdi + 1]\nimul rax, rax, 3\nadd rax, 7\nadd rax, 9\nadd rax, 11\nret';
const X_JCC = 'test rdi, rdi\njz zero\nmov eax, 1\nret\n' + 'nop\n'.repeat(200) + 'zero: mov eax, 2\nret';
const X_JMP = 'xor eax, eax\nmov edx, edi\njmp body\nud2\nud2\nbody: lea eax, [rdx + 3]\nret';
const X_CALL = 'call helper\nadd rax, 1\nret\nhelper: lea rax, [rdi + rdi*2]\nret';
const X_RIP = 'mov rax, qword ptr [rip + 0x1000]\nadd rax, rdi\nret';

const A_BODY = 'add x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nadd x0, x0, #4\nadd x0, x0, #5\nret';
const A_LOOP = 'mov x1, #0\nmov x2, #0\nadd x1, x1, x0\nnop\nsubs x0, x0, #1\nb.ne .-12\nmov x0, x1\nret';
const A_BTI = 'hint #34\nadd x0, x0, #1\nadd x0, x0, #2\nadd x0, x0, #3\nadd x0, x0, #4\nadd x0, x0, #5\nret';
const A_PAC = 'hint #25\nstp x29, x30, [sp, #-16]!\nmov x29, sp\nadd x0, x0, #1\nldp x29, x30, [sp], #16\nhint #29\nret';
const A_PCREL = 'adrp x1, 0x401000\nldr x0, .+16\ncbz x0, .+12\nadr x2, .+8\nret\n.quad 7\nret';
const A_BRANCHES = 'tbz x0, #3, .+16\nb.eq .+12\nbl .+8\nret\nret';

export const PLAN_CASES: PlanCase[] = [
  // x86-64 plans
  { label: 'x64 replace, jmp rel32', arch: 'x64', source: X_BODY, address: X, request: X_REPLACE },
  { label: 'x64 hook, jmp rel32', arch: 'x64', source: X_BODY, address: X, request: X_HOOK },
  { label: 'x64 replace, far', arch: 'x64', source: X_LONG, address: X, request: { ...X_REPLACE, replacement: X_FAR } },
  { label: 'x64 hook, far', arch: 'x64', source: X_LONG, address: X, request: X_FAR_HOOK },
  { label: 'x64 hot-patch form', arch: 'x64', source: X_HOTPATCH, address: X, request: { ...X_HOOK, padding: cc(5) } },
  { label: 'x64 hot-patch form, far', arch: 'x64', source: X_HOTPATCH, address: X, request: { ...X_REPLACE, replacement: X_FAR, padding: cc(16) } },
  { label: 'x64 hot-patch across a cache line', arch: 'x64', source: X_HOTPATCH, address: 0x40_0000 + 64 * 9 + 63, request: { ...X_REPLACE, padding: cc(5) } },
  { label: 'x64 short function through its padding', arch: 'x64', source: 'lea eax, [rdi + rsi]\nret', address: X, request: { ...X_HOOK, padding: cc(8) } },
  { label: 'x64 entry jump across 8-byte words', arch: 'x64', source: X_BODY, address: X + 5, request: X_REPLACE },
  { label: 'x64 endbr64 kept, hook', arch: 'x64', source: X_ENDBR, address: X, request: X_HOOK },
  { label: 'x64 endbr64 kept, far hook (notrack)', arch: 'x64', source: X_ENDBR, address: X, request: X_FAR_HOOK },
  { label: 'x64 endbr64 overwritten', arch: 'x64', source: X_ENDBR, address: X, request: { ...X_HOOK, landingPads: 'overwrite' } },
  { label: 'x64 jcc re-targeted', arch: 'x64', source: X_JCC, address: X, request: X_HOOK },
  { label: 'x64 jmp widened', arch: 'x64', source: X_JMP, address: X, request: X_HOOK },
  { label: 'x64 jmp far, no jump back', arch: 'x64', source: X_JMP, address: X, request: { ...X_HOOK, trampolineAddress: X_FAR } },
  { label: 'x64 call re-targeted', arch: 'x64', source: X_CALL, address: X, request: X_HOOK },
  { label: 'x64 rip-relative adjusted', arch: 'x64', source: X_RIP, address: X, request: X_HOOK },
  { label: 'x64 no name', arch: 'x64', source: X_BODY, address: X, request: { ...X_HOOK, name: '' } },
  { label: 'x64 name to escape', arch: 'x64', source: X_BODY, address: X, request: { ...X_HOOK, name: 'odd "name"\\\n\u0001 ±' } },
  // x86-64 refusals
  { label: 'x64 too short', arch: 'x64', source: 'lea eax, [rdi + 1]\nret', address: X, request: X_HOOK },
  { label: 'x64 too short, far, little padding', arch: 'x64', source: 'lea rax, [rdi + 1]\nimul rax, rax, 3\nret', address: X, request: { ...X_HOOK, replacement: X_FAR, padding: cc(6) } },
  { label: 'x64 branch into', arch: 'x64', source: 'xor eax, eax\ntop: inc eax\ncmp eax, edi\njb top\nret', address: X, request: X_HOOK },
  { label: 'x64 ret early', arch: 'x64', source: 'xor eax, eax\nret\nmov eax, 1\nret', address: X, request: X_REPLACE },
  { label: 'x64 undecodable entry', arch: 'x64', source: Uint8Array.of(0x06, 0x90, 0x90, 0x90, 0x90, 0xc3), address: X, request: X_HOOK },
  { label: 'x64 undecodable later', arch: 'x64', source: Uint8Array.of(0x48, 0x89, 0xf8, 0x90, 0x90, 0x90, 0x06, 0xc3), address: X, request: X_HOOK },
  { label: 'x64 rip-relative out of range', arch: 'x64', source: 'mov rax, qword ptr [rip + 0x1000]\nret', address: X, request: { ...X_HOOK, trampolineAddress: X_FAR } },
  { label: 'x64 hook without trampoline', arch: 'x64', source: X_BODY, address: X, request: { ...X_HOOK, trampolineAddress: undefined } },
  { label: 'x64 trampoline on the function', arch: 'x64', source: X_BODY, address: X, request: { ...X_HOOK, trampolineAddress: X } },
  { label: 'x64 replacement inside', arch: 'x64', source: X_BODY, address: X, request: { ...X_HOOK, replacement: X + 2 } },
  { label: 'x64 no bytes', arch: 'x64', source: new Uint8Array(0), address: X, request: X_HOOK },
  { label: 'x64 endbr64 strict, far', arch: 'x64', source: X_ENDBR, address: X, request: { ...X_FAR_HOOK, landingPads: 'strict' } },
  // ARM64 plans
  { label: 'arm64 replace, b', arch: 'arm64', source: A_BODY, address: A, request: A_REPLACE },
  { label: 'arm64 hook, b', arch: 'arm64', source: A_BODY, address: A, request: A_HOOK },
  { label: 'arm64 replace, far', arch: 'arm64', source: A_BODY, address: A, request: A_FAR_REPLACE },
  { label: 'arm64 hook, far', arch: 'arm64', source: A_BODY, address: A, request: A_FAR_HOOK },
  { label: 'arm64 far through padding', arch: 'arm64', source: A_BODY, address: A, request: { ...A_FAR_HOOK, padding: new Uint8Array(16) } },
  { label: 'arm64 hook, loop near', arch: 'arm64', source: A_LOOP, address: A, request: A_HOOK },
  { label: 'arm64 bti c kept', arch: 'arm64', source: A_BTI, address: A, request: A_HOOK },
  { label: 'arm64 bti c kept, far (ret x16)', arch: 'arm64', source: A_BTI, address: A, request: A_FAR_HOOK },
  { label: 'arm64 bti c overwritten', arch: 'arm64', source: A_BTI, address: A, request: { ...A_HOOK, landingPads: 'overwrite' } },
  { label: 'arm64 bti jc kept', arch: 'arm64', source: 'hint #38\nadd x0, x0, #1\nret', address: A, request: A_HOOK },
  { label: 'arm64 paciasp hook', arch: 'arm64', source: A_PAC, address: A, request: A_HOOK },
  { label: 'arm64 paciasp far hook', arch: 'arm64', source: A_PAC, address: A, request: A_FAR_HOOK },
  { label: 'arm64 paciasp replace, padding', arch: 'arm64', source: A_PAC, address: A, request: { ...A_REPLACE, padding: new Uint8Array(8) } },
  { label: 'arm64 paciasp replace, far padding', arch: 'arm64', source: A_PAC, address: A, request: { ...A_FAR_REPLACE, padding: new Uint8Array(24) } },
  { label: 'arm64 paciasp replace, in place', arch: 'arm64', source: A_PAC, address: A, request: A_REPLACE },
  { label: 'arm64 pc-relative forms', arch: 'arm64', source: A_PCREL, address: A, request: A_FAR_HOOK },
  { label: 'arm64 pc-relative forms near', arch: 'arm64', source: A_PCREL, address: A, request: A_HOOK },
  { label: 'arm64 branches relocated', arch: 'arm64', source: A_BRANCHES, address: A, request: A_FAR_HOOK },
  { label: 'arm64 no name', arch: 'arm64', source: A_BODY, address: A, request: { ...A_FAR_HOOK, name: '' } },
  { label: 'arm64 name to escape', arch: 'arm64', source: A_BODY, address: A, request: { ...A_HOOK, name: 'odd "name"\\\n\u0001 ±' } },
  // ARM64 refusals
  { label: 'arm64 too short, far', arch: 'arm64', source: 'umulh x0, x0, x1\nret', address: A, request: A_FAR_HOOK },
  { label: 'arm64 too short, far, little padding', arch: 'arm64', source: 'umulh x0, x0, x1\nret', address: A, request: { ...A_FAR_HOOK, padding: new Uint8Array(8) } },
  { label: 'arm64 branch into', arch: 'arm64', source: A_LOOP, address: A, request: A_FAR_HOOK },
  { label: 'arm64 loop to entry', arch: 'arm64', source: 'subs x0, x0, #1\nb.ne .-4\nret', address: A, request: A_HOOK },
  { label: 'arm64 bti c strict, far', arch: 'arm64', source: A_BTI, address: A, request: { ...A_FAR_HOOK, landingPads: 'strict' } },
  { label: 'arm64 short', arch: 'arm64', source: 'nop', address: A, request: A_FAR_HOOK },
  { label: 'arm64 unaligned', arch: 'arm64', source: Uint8Array.of(1, 2, 3, 4, 5, 6), address: A, request: A_HOOK },
  { label: 'arm64 hook without trampoline', arch: 'arm64', source: A_BODY, address: A, request: { ...A_HOOK, trampolineAddress: undefined } },
  { label: 'arm64 ret early', arch: 'arm64', source: 'add x0, x0, #1\nret\nadd x0, x0, #2\nadd x0, x0, #3\nret', address: A, request: A_FAR_REPLACE },
  { label: 'arm64 undefined word', arch: 'arm64', source: Uint8Array.of(0x00, 0x04, 0x00, 0x91, 0, 0, 1, 0, 0x00, 0x04, 0x00, 0x91, 0x00, 0x04, 0x00, 0x91, 0xc0, 0x03, 0x5f, 0xd6), address: A, request: A_FAR_HOOK },
];

/** The request of a case, its statements assembled. */
export async function planCaseRequest(c: PlanCase): Promise<RedirectRequest> {
  const bytes = typeof c.source === 'string' ? await asm(c.arch, c.source, c.address) : c.source;
  const { name, ...rest } = c.request;
  return { arch: c.arch, target: { address: c.address, bytes, ...(name !== undefined ? { name } : {}) }, ...rest };
}
