// Every operation of the sandbox interface, on both architectures, against each backend.
import { afterEach, describe, expect, it } from 'vitest';
import { Prot, type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { ARCH, type Arch, ARCHES } from '../../core/arch.ts';
import { asm, BACKENDS, u64 } from '../helpers.ts';

const CODE = 0x10_0000;
const DATA = 0x20_0000;

/** Per architecture: the same small programs, so each test reads the same on both. */
type ProgramName = 'addLoop' | 'loadStore' | 'spin' | 'syscall' | 'syscallLoop' | 'trap' | 'readUnmapped' | 'writeReadOnly' | 'ret1' | 'ret2';
const PROGRAMS: Record<Arch, Record<ProgramName, string>> = {
  x64: {
    addLoop: 'mov rcx, 0x10\nxor eax, eax\nl: add rax, rcx\ndec rcx\njnz l\nnop',
    loadStore: `mov rax, qword ptr [${DATA}]\nadd rax, 1\nmov qword ptr [${DATA + 8}], rax\nnop`,
    spin: 'l: jmp l',
    syscall: 'mov eax, 0x2a\nsyscall\nmov ebx, eax\nnop',
    syscallLoop: 'l: syscall\njmp l',
    trap: 'nop\nint3\nnop',
    readUnmapped: 'mov rax, qword ptr [0x900000]\nnop',
    writeReadOnly: `mov qword ptr [${CODE}], rax\nnop`,
    ret1: 'mov eax, 1\nnop',
    ret2: 'mov eax, 2\nnop',
  },
  arm64: {
    addLoop: 'mov x1, #0x10\nmov x0, #0\nl: add x0, x0, x1\nsubs x1, x1, #1\nb.ne l\nnop',
    loadStore: `mov x2, #${DATA}\nldr x0, [x2]\nadd x0, x0, #1\nstr x0, [x2, #8]\nnop`,
    spin: 'l: b l',
    syscall: 'mov x8, #42\nsvc #0\nmov x1, x0\nnop',
    syscallLoop: 'l: svc #0\nb l',
    trap: 'nop\nbrk #0\nnop',
    readUnmapped: 'mov x2, #0x900000\nldr x0, [x2]\nnop',
    writeReadOnly: `mov x2, #${CODE}\nstr x0, [x2]\nnop`,
    ret1: 'mov x0, #1\nnop',
    ret2: 'mov x0, #2\nnop',
  },
};
const RESULT: Record<Arch, string> = { x64: 'rax', arm64: 'x0' };

for (const backend of BACKENDS) {
  for (const arch of ARCHES.filter((a) => backend.arches.includes(a))) {
    describe(`${backend.name} sandbox, ${arch}`, () => {
      let sandbox: Sandbox;
      afterEach(() => sandbox?.close());

      /** Maps code and data pages and loads `program` at CODE; returns the address after it. */
      async function load(program: ProgramName): Promise<number> {
        sandbox = backend.create(arch);
        sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
        sandbox.map(DATA, 0x1000, Prot.READ | Prot.WRITE);
        const code = await asm(arch, PROGRAMS[arch][program], CODE);
        sandbox.write(CODE, code);
        // Stop at the trailing nop (the last instruction of every program).
        return CODE + code.length - (arch === 'x64' ? 1 : 4);
      }

      it('maps, protects, lists and unmaps memory', async () => {
        sandbox = backend.create(arch);
        sandbox.map(CODE, 0x3000, Prot.READ | Prot.EXEC);
        sandbox.map(DATA, 0x1000, Prot.ALL);
        sandbox.protect(CODE + 0x1000, 0x1000, Prot.READ);
        expect(sandbox.regions()).toEqual([
          { address: CODE, size: 0x1000, prot: Prot.READ | Prot.EXEC },
          { address: CODE + 0x1000, size: 0x1000, prot: Prot.READ },
          { address: CODE + 0x2000, size: 0x1000, prot: Prot.READ | Prot.EXEC },
          { address: DATA, size: 0x1000, prot: Prot.ALL },
        ]);
        sandbox.unmap(CODE, 0x3000);
        expect(sandbox.regions()).toEqual([{ address: DATA, size: 0x1000, prot: Prot.ALL }]);
      });

      it('refuses overlapping and unaligned mappings with the address in the message', () => {
        sandbox = backend.create(arch);
        sandbox.map(CODE, 0x1000, Prot.ALL);
        expect(() => sandbox.map(CODE, 0x1000, Prot.ALL)).toThrow(/map 0x100000\+0x1000: .*UC_ERR_MAP/);
        expect(() => sandbox.map(CODE + 0x10001, 0x1000, Prot.ALL)).toThrow(/map 0x110001\+0x1000: .*UC_ERR_ARG/);
        expect(() => sandbox.unmap(DATA, 0x1000)).toThrow(/unmap 0x200000/);
      });

      it('reads and writes memory, and reports unmapped accesses with their address', () => {
        sandbox = backend.create(arch);
        sandbox.map(DATA, 0x2000, Prot.READ | Prot.WRITE);
        const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
        sandbox.write(DATA + 0xff0, bytes); // crosses a page boundary
        expect(sandbox.read(DATA + 0xff0, 300)).toEqual(bytes);
        expect(sandbox.read(DATA, 4)).toEqual(new Uint8Array(4));
        const error = (() => { try { sandbox.read(0x900000, 4); } catch (e) { return e; } })();
        expect(error).toBeInstanceOf(SandboxError);
        expect((error as SandboxError).code).toBe('UC_ERR_READ_UNMAPPED');
        expect((error as SandboxError).address).toBe(0x900000);
        expect(() => sandbox.write(0x900000, Uint8Array.of(1))).toThrow(/write 0x900000\+1: .*UC_ERR_WRITE_UNMAPPED/);
      });

      it('reads and writes every general-purpose and vector register by name', () => {
        sandbox = backend.create(arch);
        const flags = arch === 'x64' ? 'rflags' : 'nzcv';
        ARCH[arch].registers.general.filter((r) => r !== flags).forEach((name, i) => {
          const value = 0x1111_2222_3333_0000n + BigInt(i);
          sandbox.writeRegister(name, value);
          expect(sandbox.readRegister(name), name).toBe(value);
        });
        ARCH[arch].registers.vector.forEach((name, i) => {
          const value = (0xfedc_ba98_7654_3210n << 64n) | BigInt(i);
          sandbox.writeRegister(name, value);
          expect(sandbox.readRegister(name), name).toBe(value);
        });
        // Flags: the carry flag (x86 bit 0; ARM64 C is bit 29).
        const carry = arch === 'x64' ? 1n : 1n << 29n;
        sandbox.writeRegister('flags', carry);
        expect(sandbox.readRegister('flags') & carry).toBe(carry);
        // Aliases name the same registers.
        sandbox.writeRegister('pc', 0x1234);
        expect(sandbox.readRegister(arch === 'x64' ? 'rip' : 'pc')).toBe(0x1234n);
        sandbox.writeRegister('sp', 0x8000);
        expect(sandbox.readRegister(arch === 'x64' ? 'rsp' : 'sp')).toBe(0x8000n);
        expect(() => sandbox.readRegister('xyz')).toThrow(`unknown ${arch} register "xyz"`);
      });

      it('runs to an end address', async () => {
        const end = await load('addLoop');
        const result = sandbox.start(CODE, { until: end });
        expect(result).toEqual({ reason: 'until', pc: end });
        expect(sandbox.readRegister(RESULT[arch])).toBe(136n); // 16 + 15 + ... + 1
      });

      it('loads and stores through guest memory', async () => {
        const end = await load('loadStore');
        sandbox.write(DATA, u64(41n));
        sandbox.start(CODE, { until: end });
        expect(sandbox.read(DATA + 8, 8)).toEqual(u64(42n));
      });

      it('stops after an instruction count, exactly, and resumes', async () => {
        await load('addLoop');
        let executed = 0;
        sandbox.addHook({ type: 'code', callback: () => { executed++; } });
        const first = sandbox.start(CODE, { maxInstructions: 5 });
        expect(first.reason).toBe('instruction-limit');
        expect(executed).toBe(5);
        const second = sandbox.start(first.pc, { maxInstructions: 7 });
        expect(second.reason).toBe('instruction-limit');
        expect(executed).toBe(12);
      });

      it('stops a runaway loop by instruction count and by time', async () => {
        await load('spin');
        expect(sandbox.start(CODE, { maxInstructions: 100_000 })).toEqual({ reason: 'instruction-limit', pc: CODE });
        expect(sandbox.start(CODE, { timeLimitMs: 50 }).reason).toBe('time-limit');
      });

      it('keeps to a time limit when each system call takes the host a millisecond', async () => {
        await load('syscallLoop');
        let calls = 0;
        sandbox.addHook({ type: 'syscall', callback: () => {
          calls++;
          for (const until = performance.now() + 1; performance.now() < until;);
        } });
        const started = performance.now();
        expect(sandbox.start(CODE, { timeLimitMs: 100 }).reason).toBe('time-limit');
        expect(performance.now() - started).toBeLessThan(1000);
        expect(calls).toBeGreaterThan(0);
      });

      it('stops from a hook', async () => {
        await load('spin');
        let seen = 0;
        sandbox.addHook({ type: 'code', callback: () => { if (++seen === 10) sandbox.stop(); } });
        expect(sandbox.start(CODE, { maxInstructions: 1_000 }).reason).toBe('stopped');
        expect(seen).toBe(10);
      });

      it('calls code hooks only inside their range, and no more once removed', async () => {
        const end = await load('addLoop');
        const addresses: number[] = [];
        const loopStart = CODE + (arch === 'x64' ? 9 : 8);
        sandbox.start(CODE, { until: end }); // translated before the hook exists
        const handle = sandbox.addHook({ type: 'code', begin: loopStart, end: loopStart, callback: (a) => addresses.push(a) });
        sandbox.start(CODE, { until: end });
        expect(addresses).toEqual(new Array(16).fill(loopStart));
        sandbox.removeHook(handle);
        sandbox.start(CODE, { until: end });
        expect(addresses).toHaveLength(16);
      });

      it('reports memory reads and writes to hooks with address, size and value', async () => {
        const end = await load('loadStore');
        sandbox.write(DATA, u64(0x99n));
        const reads: [number, number, bigint][] = [];
        const writes: [number, number, bigint][] = [];
        sandbox.addHook({ type: 'mem-read', callback: (a, s, v) => reads.push([a, s, v]) });
        sandbox.addHook({ type: 'mem-write', callback: (a, s, v) => writes.push([a, s, v]) });
        sandbox.start(CODE, { until: end });
        expect(reads).toContainEqual([DATA, 8, expect.any(BigInt)]);
        expect(writes).toEqual([[DATA + 8, 8, 0x9an]]);
      });

      it('faults on unmapped and protected accesses with Unicorn\'s message and the address', async () => {
        const end = await load('readUnmapped');
        expect(() => sandbox.start(CODE, { until: end }))
          .toThrow(/^Invalid memory read \(UC_ERR_READ_UNMAPPED\) at 0x900000 \(pc 0x1000/);
        sandbox.close();
        const end2 = await load('writeReadOnly');
        try {
          sandbox.start(CODE, { until: end2 });
          expect.unreachable();
        } catch (error) {
          expect(error).toBeInstanceOf(SandboxError);
          expect((error as SandboxError).code).toBe('UC_ERR_WRITE_PROT');
          expect((error as SandboxError).address).toBe(CODE);
          expect((error as Error).message).toMatch(/^Write to write-protected memory \(UC_ERR_WRITE_PROT\) at 0x100000/);
        }
        sandbox.close();
        sandbox = backend.create(arch);
        expect(() => sandbox.start(0x500000)).toThrow(/^Invalid memory fetch \(UC_ERR_FETCH_UNMAPPED\) at 0x500000/);
      });

      it('lets an invalid-memory hook map the page and continue', async () => {
        const end = await load('readUnmapped');
        const seen: string[] = [];
        sandbox.addHook({ type: 'mem-invalid', callback: (access, kind, address) => {
          seen.push(`${access} ${kind} ${address.toString(16)}`);
          sandbox.map(0x900000, 0x1000, Prot.READ);
          sandbox.write(0x900000, u64(7n));
          return true;
        } });
        sandbox.start(CODE, { until: end });
        expect(seen).toEqual(['read unmapped 900000']);
        expect(sandbox.readRegister(RESULT[arch])).toBe(7n);
      });

      it('hands system calls to the syscall hook with the instruction\'s address, then continues', async () => {
        const end = await load('syscall');
        const calls: [number, bigint][] = [];
        sandbox.addHook({ type: 'syscall', callback: (address) => {
          calls.push([address, sandbox.readRegister(arch === 'x64' ? 'rax' : 'x8')]);
          sandbox.writeRegister(RESULT[arch], 1234);
        } });
        sandbox.start(CODE, { until: end });
        expect(calls).toEqual([[CODE + (arch === 'x64' ? 5 : 4), 42n]]);
        expect(sandbox.readRegister(arch === 'x64' ? 'rbx' : 'x1')).toBe(1234n);
      });

      it('hands traps to the interrupt hook, and fails clearly when nobody handles them', async () => {
        const end = await load('trap');
        expect(() => sandbox.start(CODE, { until: end })).toThrow(
          arch === 'x64' ? /Unhandled CPU exception \(interrupt 3, breakpoint \(int3\)\)/
            : /Unhandled CPU exception \(interrupt 7, breakpoint \(brk\)\)/);
        const interrupts: number[] = [];
        sandbox.addHook({ type: 'interrupt', callback: (n) => { interrupts.push(n); sandbox.stop(); } });
        expect(sandbox.start(CODE, { until: end }).reason).toBe('stopped');
        expect(interrupts).toEqual([arch === 'x64' ? 3 : 7]);
      });

      it('turns an exception thrown by a hook into the error of the run', async () => {
        const end = await load('addLoop');
        sandbox.addHook({ type: 'code', callback: () => { throw new Error('hook went wrong'); } });
        expect(() => sandbox.start(CODE, { until: end })).toThrow('hook went wrong');
      });

      it('saves and restores contexts so that two threads share one CPU', async () => {
        const end = await load('addLoop');
        // Thread A runs a few instructions, thread B runs to the end, then A resumes and finishes.
        const a = sandbox.start(CODE, { maxInstructions: 7 });
        const threadA = sandbox.saveContext();
        const partial = sandbox.readRegister(RESULT[arch]);
        sandbox.writeRegister(RESULT[arch], 0);
        sandbox.start(CODE, { until: end });
        expect(sandbox.readRegister(RESULT[arch])).toBe(136n);
        sandbox.restoreContext(threadA);
        expect(sandbox.readRegister(RESULT[arch])).toBe(partial);
        expect(sandbox.readRegister('pc')).toBe(BigInt(a.pc));
        sandbox.start(a.pc, { until: end });
        expect(sandbox.readRegister(RESULT[arch])).toBe(136n);
        const other = backend.create(arch);
        expect(() => other.restoreContext(threadA)).toThrow('context does not belong to this sandbox');
        other.close();
      });

      it('runs the new code after code it already ran is overwritten', async () => {
        sandbox = backend.create(arch);
        sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
        const one = await asm(arch, PROGRAMS[arch].ret1, CODE);
        const two = await asm(arch, PROGRAMS[arch].ret2, CODE);
        expect(one.length).toBe(two.length);
        const end = CODE + one.length - (arch === 'x64' ? 1 : 4);
        sandbox.write(CODE, one);
        for (let i = 0; i < 1000; i++) sandbox.start(CODE, { until: end }); // translated and cached
        expect(sandbox.readRegister(RESULT[arch])).toBe(1n);
        sandbox.write(CODE, two);
        sandbox.start(CODE, { until: end });
        expect(sandbox.readRegister(RESULT[arch])).toBe(2n);
      });
    });
  }
}
