// The WASM CPU's own promises, each checked against real Unicorn doing the same thing: decoded code is
// discarded when code is written (hotpatching depends on it), instructions outside the implemented
// set stop with a clear error, hooks see what Unicorn's see, limits are exact, and a shared flag stops
// a runaway guest from another thread.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Prot, type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { asm } from '../helpers.ts';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const both = (): [string, Sandbox][] => [['unicorn', new UnicornSandbox('arm64')], ['wasm', new WasmSandbox('arm64')]];

async function loaded(sandbox: Sandbox, source: string, prot = Prot.READ | Prot.EXEC): Promise<Uint8Array> {
  const code = await asm('arm64', source, CODE);
  sandbox.map(CODE, 0x1000, prot);
  sandbox.map(DATA, 0x1000, Prot.READ | Prot.WRITE);
  sandbox.write(CODE, code);
  return code;
}

/** main calls fn 5000 times and sums its results in x20; fn returns 1. */
const CALLER = `
  mov x19, #5000
  mov x20, #0
loop:
  bl fn
  add x20, x20, x0
  subs x19, x19, #1
  b.ne loop
end:
  nop
fn:
  mov x0, #1
  ret
patched:
  mov x0, #2
  ret`;

describe('WASM CPU against Unicorn', () => {
  it('runs a function patched after it ran a thousand times, between runs and from inside a hook', async () => {
    for (const [name, sandbox] of both()) {
      const code = await loaded(sandbox, CALLER);
      const end = CODE + 6 * 4;
      const fn = end + 4;
      const patched = fn + 8;
      const branch = await asm('arm64', `b ${patched}`, fn);
      // Between runs: stop at the 1001st call of fn, redirect it, resume.
      let calls = 0;
      const counter = sandbox.addHook({ type: 'code', begin: fn, end: fn, callback: () => { if (++calls === 1001) sandbox.stop(); } });
      expect(sandbox.start(CODE, { until: end }), name).toEqual({ reason: 'stopped', pc: fn });
      sandbox.removeHook(counter);
      sandbox.write(fn, branch);
      expect(sandbox.start(fn, { until: end }).reason).toBe('until');
      expect(sandbox.readRegister('x20'), name).toBe(1000n + 2n * 4000n);
      // From inside a code hook, mid-run: restore fn at call 2500 and let the run continue. The hooked
      // call still runs the code as it was when the hook was called, as Unicorn runs its translation.
      const original = (await asm('arm64', CALLER, CODE)).slice(fn - CODE, fn - CODE + 4);
      calls = 0;
      sandbox.addHook({ type: 'code', begin: fn, end: fn, callback: () => { if (++calls === 2500) sandbox.write(fn, original); } });
      expect(sandbox.start(CODE, { until: end }).reason).toBe('until');
      expect(sandbox.readRegister('x20'), name).toBe(2n * 2500n + 2500n);
      expect(code.length).toBeGreaterThan(0);
      sandbox.close();
    }
  });

  it('runs code the guest itself wrote over code it had already run', async () => {
    // The loop rewrites its own "add x1, x1, #1" into "add x1, x1, #16" after the tenth pass.
    const source = `
      mov x1, #0
      mov x2, #20
      adr x3, target
      ldr w4, new
    loop:
    target:
      add x1, x1, #1
      cmp x2, #11
      b.ne skip
      str w4, [x3]
    skip:
      subs x2, x2, #1
      b.ne loop
      nop
    new:
      add x1, x1, #16`;
    const results: bigint[] = [];
    for (const [, sandbox] of both()) {
      const code = await loaded(sandbox, source, Prot.ALL);
      sandbox.start(CODE, { until: CODE + code.length - 8 });
      results.push(sandbox.readRegister('x1'));
      sandbox.close();
    }
    expect(results).toEqual([10n + 16n * 10n, 10n + 16n * 10n]);
  });

  it('stops at an instruction outside its set with its class, word and address, after committing the ones before', async () => {
    const sandbox = new WasmSandbox('arm64');
    await loaded(sandbox, 'mov x0, #7\nfadd d0, d1, d2\nmov x0, #8');
    const error = (() => { try { sandbox.start(CODE, { until: CODE + 12 }); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('UNSUPPORTED_INSTRUCTION');
    expect((error as Error).message).toBe('unsupported instruction scalar floating-point (0x1e622820) at 0x100004: the WASM CPU does not implement it');
    expect((error as SandboxError).address).toBe(CODE + 4);
    expect(sandbox.readRegister('x0')).toBe(7n);
    expect(sandbox.readRegister('pc')).toBe(BigInt(CODE + 4));
  });

  it('names the class of a refused instruction: system registers, vector floating point and conversions', async () => {
    const refused: [string, string][] = [['mrs x0, midr_el1', 'system register access'],
      ['fadd v0.4s, v1.4s, v2.4s', 'Advanced SIMD'], ['scvtf v0.4s, v1.4s', 'Advanced SIMD']];
    for (const [source, name] of refused) {
      const sandbox = new WasmSandbox('arm64');
      const [word] = new Uint32Array((await loaded(sandbox, source)).slice().buffer);
      expect(() => sandbox.start(CODE, { until: CODE + 4 }))
        .toThrow(`unsupported instruction ${name} (0x${word!.toString(16).padStart(8, '0')}) at 0x100000`);
      sandbox.close();
    }
  });

  it('raises the undefined-instruction exception where Unicorn\'s Armv8.0 CPU has no instruction', async () => {
    // udf #1; ldadd w0, w1, [x2] (LSE); pacia x30, sp (pointer authentication); hvc #0
    for (const word of [0x0000_0001, 0xb820_0041, 0xdac1_03fe, 0xd400_0002]) {
      const messages: string[] = [];
      for (const [, sandbox] of both()) {
        sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
        sandbox.write(CODE, new Uint8Array(new Uint32Array([word]).buffer));
        try { sandbox.start(CODE, { until: CODE + 4 }); } catch (e) { messages.push((e as Error).message); }
        sandbox.close();
      }
      expect(messages, word.toString(16)).toEqual(Array(2).fill('Unhandled CPU exception (interrupt 1, undefined instruction) at pc 0x100000'));
    }
  });

  it('reports memory accesses to hooks as Unicorn does, pairs and vector stores included', async () => {
    const source = `
      mov x2, #${DATA}
      ldr x0, [x2]
      ldp w3, w4, [x2, #8]
      stp x0, x3, [x2, #16]!
      str q0, [x2, #32]
      strb w4, [x2, #1]
      ldxr x5, [x2]
      stxr w6, x5, [x2]
      nop`;
    const logs: string[][] = [];
    for (const [, sandbox] of both()) {
      const code = await loaded(sandbox, source);
      sandbox.write(DATA, Uint8Array.from({ length: 64 }, (_, i) => i + 1));
      sandbox.writeRegister('q0', (0x1111n << 64n) | 0x2222n);
      const log: string[] = [];
      sandbox.addHook({ type: 'mem-read', callback: (a, s, v) => log.push(`r ${a.toString(16)} ${s} ${v}`) });
      sandbox.addHook({ type: 'mem-write', callback: (a, s, v) => log.push(`w ${a.toString(16)} ${s} ${v.toString(16)}`) });
      sandbox.start(CODE, { until: CODE + code.length - 4 });
      logs.push(log);
      sandbox.close();
    }
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[0]).toEqual(expect.arrayContaining(['w 200030 8 2222', 'w 200038 8 1111', 'r 200008 4 0']));
  });

  it('stops after exactly N instructions wherever N falls in a block, like Unicorn', async () => {
    const source = 'mov x0, #0\nl: add x0, x0, #3\neor x1, x0, #1\nsubs x2, x0, #40\nb.lt l\nmov x3, #9\nnop';
    const traces: string[][] = [];
    for (const [, sandbox] of both()) {
      await loaded(sandbox, source);
      const trace: string[] = [];
      for (let n = 1; n <= 60; n++) {
        const { pc, reason } = sandbox.start(CODE, { maxInstructions: n, until: CODE + 24 });
        trace.push(`${n} ${reason} ${pc.toString(16)} ${sandbox.readRegister('x0')} ${sandbox.readRegister('x1')}`);
      }
      traces.push(trace);
      sandbox.close();
    }
    expect(traces[1]).toEqual(traces[0]);
  });

  it('stops a loop that is one block after exactly the instruction count, as Unicorn does', async () => {
    // The loop body is one block that branches to itself; x1 counts rounds, x2 sums them.
    const source = 'mov x1, #0\nmov x2, #0\nloop: add x1, x1, #1\nadd x2, x2, x1\nb loop';
    for (const limit of [1, 2, 3, 4, 5, 6, 100, 65_537, 200_003]) {
      const seen = await Promise.all(both().map(async ([, sandbox]) => {
        await loaded(sandbox, source);
        const { reason, pc } = sandbox.start(CODE, { maxInstructions: limit });
        const state = `${reason} ${pc} ${sandbox.readRegister('x1')} ${sandbox.readRegister('x2')}`;
        sandbox.close();
        return state;
      }));
      expect(seen[1], `limit ${limit}`).toBe(seen[0]);
    }
  });

  it('lets another thread stop a runaway guest through a shared flag', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const sandbox = new WasmSandbox('arm64', { stopFlag: flag });
    await loaded(sandbox, 'l: add x0, x0, #1\nb l');
    const setter = new Worker('const { workerData } = require("node:worker_threads"); ' +
      'setTimeout(() => Atomics.store(workerData, 0, 1), 100);', { eval: true, workerData: flag });
    const started = performance.now();
    const result = sandbox.start(CODE, { timeLimitMs: 60_000 });
    const elapsed = performance.now() - started;
    await setter.terminate();
    expect(result.reason).toBe('stopped');
    expect(sandbox.readRegister('x0')).toBeGreaterThan(0n);
    expect(elapsed).toBeLessThan(30_000); // it stopped long before its own time limit; not a benchmark
  });
});
