// Guest threads: created, joined and yielded through the guest ABI, switched round-robin by the host
// at slice boundaries, the same on both CPUs; output, exits and faults name the thread; the
// engine's safe points see every thread.
import { afterEach, describe, expect, it } from 'vitest';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { buildPatch } from '../../toolchain/patch.ts';
import { BACKENDS } from '../helpers.ts';
import { letters } from './programs.ts';

const processes: GuestProcess[] = [];
afterEach(() => { for (const p of processes.splice(0)) p.close(); });

async function start(arch: Arch, backend: number, source: string, slice: number): Promise<GuestProcess> {
  const module = await assembleModule(source, arch);
  const p = new GuestProcess(BACKENDS[backend]!.create(arch), { modules: [module], slice });
  processes.push(p);
  return p;
}

function record(p: GuestProcess) {
  return {
    state: p.state, output: p.io.text(), exit: p.io.exitCode, instructions: p.instructions, error: p.error?.message,
    switches: p.scheduler.switchLog, threads: p.threads().map((t) => ({ ...t, calls: t.calls.map((c) => c.fn) })),
    lines: p.io.threadLines(),
  };
}

describe.each(ARCHES)('threads on %s', (arch) => {
  it.each([1, 3, 7, 50, 1000])('switch at the same instructions on both CPUs, slice %i', async (slice) => {
    for (const yieldEach of [false, true]) {
      const runs = [];
      for (const backend of [0, 1]) {
        const p = await start(arch, backend, letters(arch, { yieldEach }), slice);
        p.run({ maxInstructions: 200_000 });
        runs.push(record(p));
      }
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[0]!.state).toBe('exited');
      expect(runs[0]!.exit).toBe(97 + 98);
      expect([...runs[0]!.output].sort().join('')).toBe('aaaaaabbbbbb');
      // Every thread ran; the workers ended with their letters.
      expect(runs[0]!.threads.map((t) => [t.name, t.state, t.exitValue])).toEqual([['main', 'running', undefined],
        ['t1', 'exited', 97], ['t2', 'exited', 98]]);
      if (slice <= 50) expect(runs[0]!.switches.filter((s) => s.why === 'slice').length).toBeGreaterThan(2);
      if (yieldEach) expect(runs[0]!.switches.some((s) => s.why === 'yield')).toBe(true);
    }
  });

  it('switches every slice instructions exactly, wherever the host cuts the run', async () => {
    const whole = await start(arch, 0, letters(arch), 13);
    whole.run();
    // The same program run in pieces of 5 instructions: the schedule depends on the slice alone.
    const pieces = await start(arch, 1, letters(arch), 13);
    while (!pieces.finished) pieces.run({ maxInstructions: 5 });
    expect(record(pieces)).toEqual(record(whole));
    const slices = whole.scheduler.switchLog.filter((s) => s.why === 'slice');
    for (let i = 1; i < slices.length; i++) {
      // Between two slice ends with no other event: exactly one slice.
      const between = whole.scheduler.switchLog.filter((s) => s.at > slices[i - 1]!.at && s.at < slices[i]!.at);
      if (between.length === 0) expect(slices[i]!.at - slices[i - 1]!.at).toBe(13);
    }
  });

  it('names the thread of each output line, and labels lines once there are threads', async () => {
    const p = await start(arch, 0, letters(arch, { count: 2, work: 1 }), 1000);
    p.run();
    expect(p.io.threadLines().map((l) => l.thread).sort()).toEqual(['t1', 't2']);
    const labelled = p.io.labelledReader().next();
    expect(labelled.split('\n').filter((l) => l !== '').every((l) => /^\[t[12]\] [ab]+$/.test(l))).toBe(true);
  });

  it('names the thread that faulted, and the thread that called exit', async () => {
    const fault = arch === 'x64' ? 'mov rax, qword ptr [0]' : 'mov x9, #0\n    ldr x9, [x9]';
    const p = await start(arch, 0, letters(arch).replace(/(?<=the letter\n)/, `    ${fault}\n`), 1000);
    p.run({ maxInstructions: 10_000 });
    expect(p.state).toBe('failed');
    expect(p.error?.message).toMatch(/\(letters!worker\+0x[0-9a-f]+\) in thread t1$/);

    const exit = arch === 'x64' ? 'mov edi, 5\n    mov eax, 60\n    syscall' : 'mov x0, #5\n    mov x8, #93\n    svc #0';
    const q = await start(arch, 1, letters(arch).replace(/(?<=the letter\n)/, `    ${exit}\n`), 1000);
    q.run({ maxInstructions: 10_000 });
    expect([q.state, q.io.exitCode, q.io.exitThread]).toEqual(['exited', 5, 't1']);
  });

  it('answers a join of itself or of no thread with an error, and reports a deadlock naming who waits', async () => {
    const joinSelf = arch === 'x64'
      ? '.module j\n.entry main\n.func main\n    mov eax, 1003\n    syscall\n    mov rdi, rax\n    mov eax, 1001\n    syscall\n    mov rbx, rax\n    mov edi, 9\n    mov eax, 1001\n    syscall\n    ret\n.endfunc\n'
      : '.module j\n.entry main\n.func main\n    mov x8, #1003\n    svc #0\n    mov x8, #1001\n    svc #0\n    mov x19, x0\n    mov x0, #9\n    mov x8, #1001\n    svc #0\n    ret\n.endfunc\n';
    const p = await start(arch, 0, joinSelf, 100);
    p.run();
    expect(BigInt.asIntN(64, p.sandbox.readRegister(arch === 'x64' ? 'rbx' : 'x19'))).toBe(-35n);
    expect(p.io.exitCode).toBe(256 - 3);

    // Two threads joining each other: t1 joins main while main joins t1.
    const deadlock = arch === 'x64'
      ? '.module d\n.entry main\n.func main\n    lea rdi, [rip + t]\n    xor esi, esi\n    xor edx, edx\n    mov eax, 1000\n    syscall\n    mov rdi, rax\n    mov eax, 1001\n    syscall\n    ret\n.endfunc\n.func t\n    xor edi, edi\n    mov eax, 1001\n    syscall\n    ret\n.endfunc\n'
      : '.module d\n.entry main\n.func main\n    stp x29, x30, [sp, #-16]!\n    adr x0, t\n    mov x1, #0\n    mov x2, #0\n    mov x8, #1000\n    svc #0\n    mov x8, #1001\n    svc #0\n    ldp x29, x30, [sp], #16\n    ret\n.endfunc\n.func t\n    mov x0, #0\n    mov x8, #1001\n    svc #0\n    ret\n.endfunc\n';
    const q = await start(arch, 1, deadlock, 100);
    q.run({ maxInstructions: 10_000 });
    expect(q.state).toBe('failed');
    expect(q.error?.message).toMatch(/^deadlock: no thread can run \(main waits for t1, t1 waits for main\); thread t1 was the last to run/);
  });

  it('gives the safe points every thread: a transaction waits for a worker inside the entry bytes', async () => {
    if (arch === 'arm64') return; // one instruction is overwritten there: no thread can stand inside it
    const p = await start(arch, 0, letters(arch, { count: 3, work: 200 }), 1);
    const hotpatcher = await Hotpatcher.create(p.sandbox, p.modules, { threads: () => p.threadRegisters() });
    const worker = p.modules[0]!.symbols.find((s) => s.name === 'worker')!.address;
    // Run until t1 has executed the first instruction of worker and the CPU belongs to another thread.
    let t1: ReturnType<GuestProcess['threads']>[number] | undefined;
    while (!p.finished) {
      p.run({ maxInstructions: 1 });
      t1 = p.threads().find((t) => t.name === 't1');
      if (t1 && t1.pc > worker && t1.pc < worker + 5 && p.scheduler.current.name !== 't1') break;
    }
    expect(t1!.pc).toBeGreaterThan(worker);
    const patch = await buildPatch('.patch letters\n.sequence 1\n.redirect worker -> w2\n.text\n.func w2\n    mov rax, rdi\n    ret\n.endfunc\n', arch,
      { modules: p.modules });
    const result = await hotpatcher.apply(patch.image);
    expect(result.status).toBe('wait');
    expect(result.status === 'wait' && result.message).toMatch(/^thread t1 \(pc 0x[0-9a-f]+, letters!worker\+0x[12]\) is inside bytes/);
  });
});
