// The WASM CPU's promises for x86-64 guests, each checked against real Unicorn doing the same thing:
// decoded code is discarded when code is written (hotpatching depends on it), instructions outside
// the implemented set stop with their name and address, hooks see what Unicorn's see, and limits are
// exact. (Every example on both CPUs: examples-on-both-cpus.test.ts.)
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Prot, type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { asm } from '../helpers.ts';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const STACK_TOP = 0x30_0000;
const both = (): [string, Sandbox][] => [['unicorn', new UnicornSandbox('x64')], ['wasm', new WasmSandbox('x64')]];

async function loaded(sandbox: Sandbox, source: string, prot = Prot.READ | Prot.EXEC): Promise<Uint8Array> {
  const code = await asm('x64', source, CODE);
  sandbox.map(CODE, 0x1000, prot);
  sandbox.map(DATA, 0x1000, Prot.READ | Prot.WRITE);
  sandbox.map(STACK_TOP - 0x1000, 0x1000, Prot.READ | Prot.WRITE);
  sandbox.write(CODE, code);
  sandbox.writeRegister('rsp', STACK_TOP - 0x100);
  return code;
}

/** Where `label:` starts in `source` assembled at CODE (the later labels are kept for the references to them). */
async function labelAddress(source: string, label: string): Promise<number> {
  const at = source.indexOf(`${label}:`);
  const later = [...source.slice(at).matchAll(/^\s*(\w+):/gm)].map((m) => `${m[1]}:`);
  return CODE + (await asm('x64', `${source.slice(0, at)}\n${later.join('\n')}\nnop`, CODE)).length - 1;
}

/** The main loop calls fn 5000 times and sums its results in r12; fn returns 1. */
const CALLER = `
  mov ebx, 5000
  xor r12d, r12d
loop:
  call fn
  add r12, rax
  dec ebx
  jnz loop
end:
  nop
fn:
  mov eax, 1
  ret
patched:
  mov eax, 2
  ret`;

function failure(run: () => unknown): SandboxError {
  try {
    run();
  } catch (error) {
    if (error instanceof SandboxError) return error;
    throw error;
  }
  throw new Error('the run did not fail');
}

describe('x86-64 WASM CPU against Unicorn', () => {
  it('runs a function patched after it ran a thousand times, between runs and from inside a hook', async () => {
    const end = await labelAddress(CALLER, 'end');
    const fn = await labelAddress(CALLER, 'fn');
    const patched = await labelAddress(CALLER, 'patched');
    const jump = await asm('x64', `jmp ${patched}`, fn); // 2 bytes, over "mov eax, 1"
    const original = (await asm('x64', CALLER, CODE)).slice(fn - CODE, fn - CODE + jump.length);
    for (const [name, sandbox] of both()) {
      await loaded(sandbox, CALLER);
      // Between runs: stop at the 1001st call of fn, redirect it, resume.
      let calls = 0;
      const counter = sandbox.addHook({ type: 'code', begin: fn, end: fn, callback: () => { if (++calls === 1001) sandbox.stop(); } });
      expect(sandbox.start(CODE, { until: end }), name).toEqual({ reason: 'stopped', pc: fn });
      sandbox.removeHook(counter);
      sandbox.write(fn, jump);
      expect(sandbox.start(fn, { until: end }).reason, name).toBe('until');
      expect(sandbox.readRegister('r12'), name).toBe(1000n + 2n * 4000n);
      // From inside a code hook, mid-run: restore fn at call 2500 and let the run continue. The hooked
      // call still runs the code as it was when the hook was called, as Unicorn runs its translation.
      calls = 0;
      sandbox.addHook({ type: 'code', begin: fn, end: fn, callback: () => { if (++calls === 2500) sandbox.write(fn, original); } });
      expect(sandbox.start(CODE, { until: end }).reason, name).toBe('until');
      expect(sandbox.readRegister('r12'), name).toBe(2n * 2500n + 2500n);
      sandbox.close();
    }
  });

  it('runs code the guest itself wrote over code it had already run', async () => {
    // The loop rewrites the immediate of its own "add eax, 1" to 16 after the tenth pass.
    const source = `
      xor eax, eax
      mov ecx, 20
      lea rdx, [rip + loop]
    loop:
      add eax, 1
      cmp ecx, 11
      jne skip
      mov byte ptr [rdx + 2], 16
    skip:
      dec ecx
      jnz loop
      nop`;
    const results: bigint[] = [];
    for (const [, sandbox] of both()) {
      const code = await loaded(sandbox, source, Prot.ALL);
      // "add eax, imm8" is 83 c0 ib: the immediate is the loop's third byte.
      expect(Array.from(code.slice(14, 17))).toEqual([0x83, 0xc0, 0x01]);
      sandbox.start(CODE, { until: CODE + code.length - 1 });
      results.push(sandbox.readRegister('rax'));
      sandbox.close();
    }
    expect(results).toEqual([10n + 16n * 10n, 10n + 16n * 10n]);
  });

  it('stops at an instruction outside its set with its name and address, after committing the ones before', async () => {
    const refused: [string, string][] = [
      ['cpuid', 'unsupported instruction cpuid (0f a2) at 0x100005: the WASM CPU does not implement it'],
      ['fld1', 'unsupported instruction x87 floating-point (d9 e8) at 0x100005: the WASM CPU does not implement it'],
      ['vpxor xmm0, xmm1, xmm2', 'unsupported instruction AVX (VEX-encoded) (c5 f1 ef c2) at 0x100005: the WASM CPU does not implement it'],
      ['crc32 eax, cl', 'unsupported instruction SSSE3/SSE4 (f2 0f 38 f0 c1) at 0x100005: the WASM CPU does not implement it'],
      ['addsd xmm0, xmm1', 'unsupported instruction SSE floating-point arithmetic (f2 0f 58 c1) at 0x100005: the WASM CPU does not implement it'],
    ];
    for (const [instruction, message] of refused) {
      const source = `mov eax, 7\n${instruction}\nmov eax, 8\nnop`;
      const sandbox = new WasmSandbox('x64');
      await loaded(sandbox, source);
      const error = failure(() => sandbox.start(CODE, { until: CODE + 0x40 }));
      expect(error.code, instruction).toBe('UNSUPPORTED_INSTRUCTION');
      expect(error.message, instruction).toBe(message);
      expect(error.address, instruction).toBe(CODE + 5);
      expect(sandbox.readRegister('rax'), instruction).toBe(7n);
      expect(sandbox.readRegister('rip'), instruction).toBe(BigInt(CODE + 5));
      sandbox.close();
      // Unicorn runs all of them; the WASM CPU's state is Unicorn's before the instruction, never a guess after it.
      const reference = new UnicornSandbox('x64');
      await loaded(reference, source);
      reference.start(CODE, { until: CODE + 5 });
      expect(reference.readRegister('rax')).toBe(7n);
      reference.close();
    }
  });

  it('raises the same exceptions as Unicorn: #DE, #UD, breakpoints, system calls and halts', async () => {
    const cases = ['xor ecx, ecx\ndiv ecx', 'mov rdx, -1\nmov rax, 1\nmov rcx, 2\ndiv rcx', 'xor ecx, ecx\nmov eax, 0x80\ncbw\nidiv cl',
      'mov eax, 0x80000000\ncdq\nmov ecx, -1\nidiv ecx', 'ud2', 'int3', 'int 0x80', 'syscall', 'hlt'];
    for (const source of cases) {
      const outcomes: string[] = [];
      for (const [, sandbox] of both()) {
        await loaded(sandbox, `${source}\nmov eax, 1\nnop`);
        sandbox.addHook({ type: 'interrupt', callback: (n) => { outcomes.push(`interrupt ${n}`); sandbox.stop(); } });
        try {
          const { reason, pc } = sandbox.start(CODE, { until: CODE + 0x40 });
          outcomes.push(`${reason} at 0x${pc.toString(16)}`);
        } catch (error) {
          outcomes.push((error as SandboxError).code ?? String(error));
        }
        outcomes.push(`rax ${sandbox.readRegister('rax')} rip 0x${sandbox.readRegister('rip').toString(16)}`);
        sandbox.close();
      }
      expect(outcomes.slice(outcomes.length / 2), source).toEqual(outcomes.slice(0, outcomes.length / 2));
    }
    // A hlt just before the end address: Unicorn reports the end address first.
    const endings: string[] = [];
    for (const [, sandbox] of both()) {
      await loaded(sandbox, 'mov eax, 2\nhlt\nnop');
      endings.push(JSON.stringify(sandbox.start(CODE, { until: CODE + 6 })), JSON.stringify(sandbox.start(CODE, { until: CODE + 7 })));
      sandbox.close();
    }
    expect(endings).toEqual(Array(2).fill([`{"reason":"until","pc":${CODE + 6}}`, `{"reason":"halted","pc":${CODE + 6}}`]).flat());
  });

  it('reports memory accesses to hooks as Unicorn does, stack, string and atomic instructions included', async () => {
    const source = `
      mov rbx, ${DATA}
      mov rax, qword ptr [rbx]
      push rax
      pop rcx
      lea rsi, [rbx + 8]
      lea rdi, [rbx + 0x40]
      mov ecx, 3
      .byte 0xf3, 0xa5
      lock xadd dword ptr [rbx + 4], eax
      cmpxchg qword ptr [rbx + 0x10], rdx
      movdqu xmm0, xmmword ptr [rbx + 0x20]
      movq qword ptr [rbx + 0x60], xmm0
      call next
    next:
      pop rdx
      nop`;
    const logs: string[][] = [];
    for (const [, sandbox] of both()) {
      const code = await loaded(sandbox, source);
      sandbox.write(DATA, Uint8Array.from({ length: 128 }, (_, i) => i + 1));
      const log: string[] = [];
      sandbox.addHook({ type: 'mem-read', callback: (a, s, v) => log.push(`r ${a.toString(16)} ${s} ${v}`) });
      sandbox.addHook({ type: 'mem-write', callback: (a, s, v) => log.push(`w ${a.toString(16)} ${s} ${v.toString(16)}`) });
      sandbox.start(CODE, { until: CODE + code.length - 1 });
      logs.push(log);
      sandbox.close();
    }
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[0]!.length).toBeGreaterThan(12);
  });

  it('stops after exactly N instructions wherever N falls in a block, like Unicorn', async () => {
    const source = 'xor eax, eax\nl: add eax, 3\nmov ecx, eax\nxor ecx, 1\ncmp eax, 40\njl l\nmov edx, 9\nnop';
    const traces: string[][] = [];
    for (const [, sandbox] of both()) {
      const code = await loaded(sandbox, source);
      const trace: string[] = [];
      for (let n = 1; n <= 80; n++) {
        const { pc, reason } = sandbox.start(CODE, { maxInstructions: n, until: CODE + code.length - 1 });
        trace.push(`${n} ${reason} ${pc.toString(16)} ${sandbox.readRegister('rax')} ${sandbox.readRegister('rcx')}`);
      }
      traces.push(trace);
      sandbox.close();
    }
    expect(traces[1]).toEqual(traces[0]);
    expect(traces[0]).toContain(`80 until ${(CODE + 20).toString(16)} 42 43`);
  });

  it('lets another thread stop a runaway guest through a shared flag', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const sandbox = new WasmSandbox('x64', { stopFlag: flag });
    await loaded(sandbox, 'l: inc rax\njmp l');
    sandbox.writeRegister('rax', 0);
    const setter = new Worker('const { workerData } = require("node:worker_threads"); ' +
      'setTimeout(() => Atomics.store(workerData, 0, 1), 100);', { eval: true, workerData: flag });
    const result = sandbox.start(CODE, { timeLimitMs: 60_000 });
    await setter.terminate();
    expect(result.reason).toBe('stopped');
    expect(sandbox.readRegister('rax')).toBeGreaterThan(0n);
    sandbox.close();
  });
});
