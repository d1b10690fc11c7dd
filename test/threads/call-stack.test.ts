// Each thread's call stack, tracked as calls execute: right across tail calls, a longjmp back to an
// outer frame and a function whose entry jumps to a patch, the same on both CPUs.
import { afterEach, describe, expect, it } from 'vitest';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { CallStack } from '../../sandbox/call-stack.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { BACKENDS } from '../helpers.ts';

/** main calls a, which calls b, which tail-calls c; then main remembers its stack pointer, calls f, f calls g, and g jumps back to main with it. */
const PROGRAM: Record<Arch, string> = {
  x64: `.module cs
.arch x64
.entry main
.data
saved_sp: .quad 0
.text
.func main
    push rbx
    call a
    lea rax, [rip + saved_sp]
    mov qword ptr [rax], rsp
    call f
resume:
    pop rbx
    xor eax, eax
    ret
.endfunc
.func a
    push rbx
    call b
    pop rbx
    ret
.endfunc
.func b
    nop
    jmp c
.endfunc
.func c
    nop
    nop
    nop
    nop
    nop
    nop
    ret
.endfunc
.func f
    push rbx
    call g
    pop rbx
    ret
.endfunc
.func g
    sub rsp, 24
    lea rax, [rip + saved_sp]
    mov rsp, qword ptr [rax]
    jmp resume
.endfunc
`,
  arm64: `.module cs
.arch arm64
.entry main
.data
saved_sp: .quad 0
.text
.func main
    stp x29, x30, [sp, #-16]!
    bl a
    adrp x1, saved_sp
    add x1, x1, :lo12:saved_sp
    mov x2, sp
    str x2, [x1]
    bl f
resume:
    ldp x29, x30, [sp], #16
    mov x0, #0
    ret
.endfunc
.func a
    stp x29, x30, [sp, #-16]!
    bl b
    ldp x29, x30, [sp], #16
    ret
.endfunc
.func b
    nop
    b c
.endfunc
.func c
    nop
    nop
    nop
    ret
.endfunc
.func f
    stp x29, x30, [sp, #-16]!
    bl g
    ldp x29, x30, [sp], #16
    ret
.endfunc
.func g
    sub sp, sp, #32
    adrp x1, saved_sp
    add x1, x1, :lo12:saved_sp
    ldr x2, [x1]
    mov sp, x2
    b resume
.endfunc
`,
};

const processes: GuestProcess[] = [];
afterEach(() => { for (const p of processes.splice(0)) p.close(); });

/** The distinct call stacks the main thread goes through, one instruction at a time. */
function stacks(p: GuestProcess): string[] {
  const seen: string[] = [];
  while (!p.finished) {
    const now = p.threads()[0]!.calls.map((c) => c.fn.replace('cs!', '')).join('>');
    if (seen.at(-1) !== now && now !== '') seen.push(now);
    p.run({ maxInstructions: 1 });
  }
  return seen;
}

const EXPECTED: Record<Arch, string[]> = {
  x64: ['main', 'main>a', 'main>a>b', 'main>a>c', 'main>a', 'main', 'main>f', 'main>f>g', 'main'],
  // For the one instruction between g's restoring main's stack pointer and its jump, the thread is
  // where f was entered (a bl pushes nothing, so f's entry stack pointer is main's): f is shown until
  // the jump lands in main.
  arm64: ['main', 'main>a', 'main>a>b', 'main>a>c', 'main>a', 'main', 'main>f', 'main>f>g', 'main>f', 'main'],
};

describe.each(ARCHES)('call stacks on %s', (arch) => {
  it.each([0, 1])('follow calls, a tail call and a longjmp (backend %i)', async (backend) => {
    const module = await assembleModule(PROGRAM[arch], arch);
    const p = new GuestProcess(BACKENDS[backend]!.create(arch), { modules: [module] });
    processes.push(p);
    expect(stacks(p)).toEqual(EXPECTED[arch]);
    expect(p.state).toBe('exited');
  });

  it('keep a redirected function on the stack under its own name while it runs its new body', async () => {
    const module = await assembleModule(PROGRAM[arch], arch);
    const p = new GuestProcess(BACKENDS[0]!.create(arch), { modules: [module] });
    processes.push(p);
    const hotpatcher = await Hotpatcher.create(p.sandbox, p.modules, { threads: () => p.threadRegisters() });
    const body = arch === 'x64' ? 'nop\n    nop\n    ret' : 'nop\n    nop\n    ret';
    const patch = await buildPatch(`.patch cs\n.sequence 1\n.redirect c -> c2\n.text\n.func c2\n    ${body}\n.endfunc\n`, arch, { modules: p.modules });
    expect((await hotpatcher.apply(patch.image)).status).toBe('applied');
    let inPatch = '';
    const seen: string[] = [];
    while (!p.finished) {
      const [main] = p.threads();
      const now = main!.calls.map((c) => c.fn.replace('cs!', '')).join('>');
      if (seen.at(-1) !== now && now !== '') seen.push(now);
      if (hotpatcher.symbolize(main!.pc).startsWith('cs patch 1 code')) inPatch = now;
      p.run({ maxInstructions: 1 });
    }
    expect(seen).toEqual(EXPECTED[arch]);
    expect(inPatch).toBe('main>a>c');
  });
});

describe('CallStack', () => {
  it('takes an entry run again after a stop as the same call, and keeps recursion at one stack pointer apart on ARM64', () => {
    const stack = new CallStack('arm64');
    stack.enter('m!f', 0x100, 0x140, 0x1000, 0x10);
    stack.enter('m!f', 0x100, 0x140, 0x1000, 0x10);
    expect(stack.recorded.map((f) => f.fn)).toEqual(['m!f']);
    // f calls itself with bl, without moving sp: lr is inside f.
    stack.enter('m!f', 0x100, 0x140, 0x1000, 0x120);
    expect(stack.recorded.length).toBe(2);
    // Back in the outer f at the same sp: the inner call returned.
    expect(stack.current(0x124, 0x1000).length).toBe(2);
    stack.enter('m!g', 0x200, 0x240, 0x1000, 0x128);
    expect(stack.recorded.map((f) => f.fn)).toEqual(['m!f', 'm!f', 'm!g']);
  });
});
