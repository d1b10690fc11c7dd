// Landing-pad enforcement of the WASM CPU (new WasmSandbox(arch, { enforceBranchTargets: true })),
// against cases written from the architecture manuals; Unicorn 2.0.1 enforces neither, so there is
// no lockstep for it. Each case branches once to a target and then runs `mov x0/eax, #42`; the
// expected outcome is the manual's: the target runs, or the branch faults before it does.
import { describe, expect, it } from 'vitest';
import { Prot, SandboxError } from '../../sandbox/sandbox.ts';
import { WasmSandbox, type WasmSandboxOptions } from '../../sandbox/wasm/wasm-sandbox.ts';

const CODE = 0x10_0000;
const TARGET = CODE + 0x400;
const STACK_TOP = 0x30_0000;

function words(...list: number[]): Uint8Array {
  const bytes = new Uint8Array(list.length * 4);
  list.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w >>> 0, true));
  return bytes;
}

/** Runs `branch` at CODE with `pad` (and `mov 42`) at TARGET: 'ran' or the fault's message. */
function outcome(arch: 'arm64' | 'x64', branch: Uint8Array, pad: Uint8Array, options: WasmSandboxOptions): string {
  const sandbox = new WasmSandbox(arch, options);
  try {
    sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
    sandbox.map(STACK_TOP - 0x1000, 0x1000, Prot.READ | Prot.WRITE);
    sandbox.writeRegister(arch === 'arm64' ? 'sp' : 'rsp', STACK_TOP - 0x100);
    sandbox.write(CODE, branch);
    const tail = arch === 'arm64' ? words(0xd2800540 /* movz x0, #42 */) : new Uint8Array([0xb8, 42, 0, 0, 0]);
    sandbox.write(TARGET, new Uint8Array([...pad, ...tail]));
    const end = TARGET + pad.length + tail.length;
    try {
      const result = sandbox.start(CODE, { until: end, maxInstructions: 100 });
      if (result.reason !== 'until') return `stopped: ${result.reason} at 0x${result.pc.toString(16)}`;
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      if (error.code !== 'BRANCH_TARGET') return `${error.code}: ${error.message}`;
      expect(error.pc).toBe(TARGET);
      return error.message;
    }
    expect(sandbox.readRegister(arch === 'arm64' ? 'x0' : 'rax')).toBe(42n);
    return 'ran';
  } finally {
    sandbox.close();
  }
}

describe('AArch64 BTI on guarded pages', () => {
  const BTI = 0xd503241f, BTI_C = 0xd503245f, BTI_J = 0xd503249f, BTI_JC = 0xd50324df;
  const PACIASP = 0xd503233f, PACIBSP = 0xd503237f, NOP = 0xd503201f;
  /** movz/movk xN, TARGET; then the branch through xN. */
  const through = (rn: number, branch: number) => words(
    0xd2800000 | ((TARGET & 0xffff) << 5) | rn, 0xf2a00000 | ((TARGET >>> 16) << 5) | rn, branch | (rn << 5));
  const br = (rn: number) => through(rn, 0xd61f0000);
  const blr = (rn: number) => through(rn, 0xd63f0000);
  const ret = (rn: number) => through(rn, 0xd65f0000);
  const on = { enforceBranchTargets: true };
  const ran = (branch: Uint8Array, pad: number) => outcome('arm64', branch, words(pad), on);

  it('blr (BTYPE 10) lands on bti c, bti jc, paciasp and pacibsp only', () => {
    for (const pad of [BTI_C, BTI_JC, PACIASP, PACIBSP]) expect(ran(blr(16), pad)).toBe('ran');
    for (const pad of [BTI_J, BTI, NOP]) expect(ran(blr(16), pad)).toMatch(/^Branch Target exception: blr x16 at 0x100008 \(BTYPE 10\) reached 0x100400/);
    expect(ran(blr(3), BTI_J)).toMatch(/BTYPE 10/); // the register does not matter for blr
  });

  it('br x16/x17 (BTYPE 01) lands on every bti with a target and on paciasp/pacibsp', () => {
    for (const rn of [16, 17]) {
      for (const pad of [BTI_C, BTI_J, BTI_JC, PACIASP, PACIBSP]) expect(ran(br(rn), pad)).toBe('ran');
      for (const pad of [BTI, NOP]) expect(ran(br(rn), pad)).toMatch(/\(BTYPE 01\)/);
    }
  });

  it('br through another register (BTYPE 11) needs bti j or bti jc; paciasp does not do (BT0 set)', () => {
    for (const pad of [BTI_J, BTI_JC]) expect(ran(br(9), pad)).toBe('ran');
    for (const pad of [BTI_C, PACIASP, PACIBSP, BTI, NOP]) expect(ran(br(9), pad)).toMatch(/^Branch Target exception: br x9 .*\(BTYPE 11\)/);
  });

  it('ret and direct branches set BTYPE 00: any target', () => {
    for (const rn of [30, 16, 9]) expect(ran(ret(rn), NOP)).toBe('ran');
    expect(outcome('arm64', words(0x14000100 /* b +0x400 */), words(NOP), on)).toBe('ran');
    expect(outcome('arm64', words(0x94000100 /* bl +0x400 */), words(NOP), on)).toBe('ran');
  });

  it('names the target instruction and the pads that would do', () => {
    expect(ran(blr(16), NOP)).toBe('Branch Target exception: blr x16 at 0x100008 (BTYPE 10) reached 0x100400, where nop ' +
      'is no landing pad for it (bti c, bti jc, paciasp or pacibsp would be); the target page is guarded');
    expect(ran(br(16), 0x14000001)).toMatch(/where b \(0x14000001\) is no landing pad/);
  });

  it('accepts brk whatever the BTYPE: its own exception comes first', () => {
    expect(ran(br(9), 0xd4200000)).toMatch(/^UC_ERR_EXCEPTION: .*brk/i);
  });

  it('checks nothing when not asked to, and checks with code hooks and chained blocks too', () => {
    expect(outcome('arm64', blr(16), words(NOP), {})).toBe('ran');
    // A loop around the indirect branch: chained blocks, then a hooked run of the same code.
    const loop = words(
      0xd2800061, // movz x1, #3
      0xd2800000 | ((TARGET & 0xffff) << 5) | 16, 0xf2a00000 | ((TARGET >>> 16) << 5) | 16,
      0xd63f0200, // blr x16
      0xf1000421, // subs x1, x1, #1
      0x54ffffa1, // b.ne -12 (to the movz x16)
      0x14000000 | ((TARGET + 8 - (CODE + 24)) >>> 2), // b TARGET+8 (the mov 42)
    );
    const returning = words(BTI_C, 0xd65f03c0 /* ret */);
    const sandbox = new WasmSandbox('arm64', on);
    sandbox.map(CODE, 0x1000, Prot.READ | Prot.EXEC);
    sandbox.write(CODE, loop);
    sandbox.write(TARGET, new Uint8Array([...returning, ...words(0xd2800540)]));
    expect(sandbox.start(CODE, { until: TARGET + 12 }).reason).toBe('until');
    sandbox.write(TARGET, words(NOP)); // no pad any more
    sandbox.addHook({ type: 'code', begin: CODE, end: CODE + 0x1000, callback: () => {} });
    expect(() => sandbox.start(CODE, { until: TARGET + 12 })).toThrow(/blr x16 at 0x10000c \(BTYPE 10\) reached 0x100400, where nop/);
    sandbox.close();
  });
});

describe('x86-64 indirect branch tracking (CET IBT)', () => {
  const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];
  const ENDBR32 = [0xf3, 0x0f, 0x1e, 0xfb];
  const abs = (value: number) => [...new Uint8Array(new BigUint64Array([BigInt(value)]).buffer)];
  const viaRax = (...branch: number[]) => new Uint8Array([0x48, 0xb8, ...abs(TARGET), ...branch]); // movabs rax, TARGET
  const callRax = viaRax(0xff, 0xd0);
  const jmpRax = viaRax(0xff, 0xe0);
  const notrackJmpRax = viaRax(0x3e, 0xff, 0xe0);
  const notrackCallRax = viaRax(0x3e, 0xff, 0xd0);
  const jmpRip = new Uint8Array([0xff, 0x25, 0, 0, 0, 0, ...abs(TARGET)]);
  const on = { enforceBranchTargets: true };
  const ran = (branch: Uint8Array, pad: number[], options: WasmSandboxOptions = on) =>
    outcome('x64', branch, new Uint8Array(pad), options);

  it('an indirect call or jmp must reach endbr64', () => {
    for (const branch of [callRax, jmpRax, jmpRip]) {
      expect(ran(branch, ENDBR64)).toBe('ran');
      expect(ran(branch, [0x90, 0x90, 0x90, 0x90])).toMatch(/^Control-protection exception \(#CP, ENDBRANCH\)/);
      expect(ran(branch, ENDBR32)).toMatch(/starts with f3 0f 1e fb instead of endbr64/); // endbr32 is no pad in 64-bit mode
    }
    expect(ran(callRax, [0x90])).toBe('Control-protection exception (#CP, ENDBRANCH): the indirect call at 0x10000a ' +
      'reached 0x100400, which starts with 90 b8 2a 00 instead of endbr64 (f3 0f 1e fa)');
    expect(ran(jmpRip, [0x90])).toMatch(/the indirect jmp at 0x100000 reached 0x100400/);
  });

  it('notrack leaves the tracker idle only with NO_TRACK_EN', () => {
    expect(ran(notrackJmpRax, [0x90])).toBe('ran');
    expect(ran(notrackCallRax, [0x90])).toBe('ran');
    expect(ran(notrackJmpRax, [0x90], { ...on, noTrack: false })).toMatch(/the notrack indirect jmp \(NO_TRACK_EN is off\) at 0x10000a/);
    expect(ran(notrackJmpRax, ENDBR64, { ...on, noTrack: false })).toBe('ran');
  });

  it('ret, direct jmp and call, and jcc need no pad', () => {
    expect(ran(new Uint8Array([0xe9, ...abs(TARGET - CODE - 5).slice(0, 4)]), [0x90])).toBe('ran'); // jmp rel32
    expect(ran(new Uint8Array([0xe8, ...abs(TARGET - CODE - 5).slice(0, 4)]), [0x90])).toBe('ran'); // call rel32
    // xor eax, eax; jz rel32
    expect(ran(new Uint8Array([0x31, 0xc0, 0x0f, 0x84, ...abs(TARGET - CODE - 8).slice(0, 4)]), [0x90])).toBe('ran');
    expect(ran(viaRax(0x50, 0xc3), [0x90])).toBe('ran'); // push rax; ret
  });

  it('checks nothing when not asked to', () => {
    expect(ran(callRax, [0x90], {})).toBe('ran');
    expect(ran(jmpRip, [0x90], {})).toBe('ran');
  });
});
