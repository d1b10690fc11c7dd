// Lockstep: the same AArch64 guest on real Unicorn (the reference) and on the WASM CPU (the subject),
// one instruction at a time. After every instruction both must agree on every general register, SP,
// PC and NZCV, on the bytes the instruction wrote, and on any fault; vector registers are compared
// after SIMD&FP instructions.
import { ARCH } from '../../core/arch.ts';
import { type HookHandle, type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { libunicorn } from '../../sandbox/unicorn/libunicorn.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { UNICORN_REGISTER_IDS } from '../../sandbox/unicorn/unicorn-registers.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';

const NAMES = ARCH.arm64.registers.general; // x0..x30, sp, pc, nzcv
const UNICORN_IDS = NAMES.map((name) => UNICORN_REGISTER_IDS.arm64[name]!);
const VECTORS = Array.from({ length: 32 }, (_, i) => `q${i}`);

export interface Divergence {
  step: number;
  pc: number;
  word: number;
  differences: string[];
}

export interface LockstepResult {
  /** Instructions both executed and agreed on. */
  steps: number;
  end: 'until' | 'step-limit' | 'fault' | 'divergence';
  /** The fault both raised, when end is "fault". */
  fault?: string;
  divergence?: Divergence;
}

type Outcome = { ok: true } | { ok: false; code: string; address?: number; message: string };

/** Reads the general registers of a Unicorn sandbox into raw bytes, skipping the per-call conversions. */
class UnicornRegisterReader {
  private readonly lib = libunicorn();
  private readonly slot = new Uint8Array(8);
  constructor(private readonly sandbox: UnicornSandbox) {}
  read(out: Uint8Array): void {
    const engine = this.sandbox.nativeEngine;
    for (let i = 0; i < UNICORN_IDS.length; i++) {
      this.slot.fill(0);
      this.lib.uc_reg_read(engine, UNICORN_IDS[i]!, this.slot);
      out.set(this.slot, i * 8);
    }
  }
}

export class Arm64Lockstep {
  readonly reference = new UnicornSandbox('arm64');
  // Loops compile on their first entry, so whole runs check the compiled tier too.
  readonly subject = new WasmSandbox('arm64', { compileAfter: 0 });
  private readonly readerRef = new UnicornRegisterReader(this.reference);
  private readonly regsRef = new Uint8Array(NAMES.length * 8);
  private readonly regsSub = new Uint8Array(NAMES.length * 8);
  private writesRef: [number, number][] = [];
  private writesSub: [number, number][] = [];
  /** Instructions checked over the lifetime of this object. */
  totalSteps = 0;

  private writeHooks: HookHandle[] = [];

  constructor() {
    this.watchWrites();
  }

  /** The write hooks that record what each instruction wrote, while stepping. */
  private watchWrites(): void {
    this.writeHooks = [
      this.reference.addHook({ type: 'mem-write', callback: (address, size) => { this.writesRef.push([address, size]); } }),
      this.subject.addHook({ type: 'mem-write', callback: (address, size) => { this.writesSub.push([address, size]); } }),
    ];
  }

  get both(): Sandbox[] {
    return [this.reference, this.subject];
  }

  map(address: number, size: number, prot: number): void {
    for (const s of this.both) s.map(address, size, prot);
  }
  write(address: number, bytes: Uint8Array): void {
    for (const s of this.both) s.write(address, bytes);
  }
  setRegister(name: string, value: bigint | number): void {
    for (const s of this.both) s.writeRegister(name, value);
  }

  /** Steps from `begin` until pc reaches `until`, a fault, a divergence or `maxSteps`. */
  run(begin: number, until: number, maxSteps: number): LockstepResult {
    let pc = begin;
    this.setRegister('pc', pc);
    for (let step = 0; step < maxSteps; step++) {
      if (pc === until) return { steps: step, end: 'until' };
      const word = this.wordAt(pc);
      this.writesRef = [];
      this.writesSub = [];
      const ref = stepOne(this.reference, pc, until);
      const sub = stepOne(this.subject, pc, until);
      const differences = this.compare(ref, sub, word);
      if (differences.length > 0) return { steps: step, end: 'divergence', divergence: { step, pc, word, differences } };
      this.totalSteps++;
      if (!ref.ok) return { steps: step, end: 'fault', fault: ref.message };
      pc = Number(this.reference.readRegister('pc'));
    }
    return { steps: maxSteps, end: 'step-limit' };
  }

  /**
   * Runs both at full speed (whole blocks, chained) from `begin` to `until`, then compares the
   * outcome, every register including the vector registers, and the memory ranges given.
   */
  runWhole(begin: number, until: number, maxInstructions: number, memory: [number, number][]): string[] {
    this.setRegister('pc', begin);
    // Without hooks, so both run at full speed (a memory hook keeps the WASM CPU's compiled tier off).
    this.reference.removeHook(this.writeHooks[0]!);
    this.subject.removeHook(this.writeHooks[1]!);
    const outcomes = this.both.map((sandbox) => {
      try {
        return JSON.stringify(sandbox.start(begin, { until, maxInstructions }));
      } catch (error) {
        return error instanceof SandboxError ? `${error.code} ${error.address}` : String(error);
      }
    });
    const differences: string[] = [];
    if (outcomes[0] !== outcomes[1]) differences.push(`outcome: unicorn ${outcomes[0]}, wasm ${outcomes[1]}`);
    for (const name of [...NAMES, ...VECTORS]) {
      const x = this.reference.readRegister(name);
      const y = this.subject.readRegister(name);
      if (x !== y) differences.push(`${name}: unicorn 0x${x.toString(16)}, wasm 0x${y.toString(16)}`);
    }
    for (const [address, size] of memory) {
      const x = this.reference.read(address, size);
      const y = this.subject.read(address, size);
      const at = x.findIndex((byte, i) => byte !== y[i]);
      if (at >= 0) differences.push(`memory 0x${(address + at).toString(16)}: unicorn ${x[at]}, wasm ${y[at]}`);
    }
    this.watchWrites();
    return differences;
  }

  private wordAt(pc: number): number {
    try {
      return new DataView(this.reference.read(pc, 4).buffer).getUint32(0, true);
    } catch {
      return -1;
    }
  }

  private compare(ref: Outcome, sub: Outcome, word: number): string[] {
    const differences: string[] = [];
    if (ref.ok !== sub.ok) {
      differences.push(`outcome: unicorn ${ref.ok ? 'ok' : ref.message}, wasm ${sub.ok ? 'ok' : sub.message}`);
    } else if (!ref.ok && !sub.ok && (ref.code !== sub.code || ref.address !== sub.address)) {
      differences.push(`fault: unicorn ${ref.message}, wasm ${sub.message}`);
    }
    this.readerRef.read(this.regsRef);
    this.subject.snapshotGeneralRegisters(this.regsSub);
    const a = new DataView(this.regsRef.buffer);
    const b = new DataView(this.regsSub.buffer);
    for (let i = 0; i < NAMES.length; i++) {
      const x = a.getBigUint64(i * 8, true);
      const y = b.getBigUint64(i * 8, true);
      if (x !== y) differences.push(`${NAMES[i]}: unicorn 0x${x.toString(16)}, wasm 0x${y.toString(16)}`);
    }
    if (isSimdOrFloatingPoint(word)) {
      for (const name of VECTORS) {
        const x = this.reference.readRegister(name);
        const y = this.subject.readRegister(name);
        if (x !== y) differences.push(`${name}: unicorn 0x${x.toString(16)}, wasm 0x${y.toString(16)}`);
      }
    }
    for (const [address, size] of mergeRanges([...this.writesRef, ...this.writesSub])) {
      const x = Buffer.from(this.reference.read(address, size)).toString('hex');
      const y = Buffer.from(this.subject.read(address, size)).toString('hex');
      if (x !== y) differences.push(`memory 0x${address.toString(16)}+${size}: unicorn ${x}, wasm ${y}`);
    }
    return differences;
  }

  close(): void {
    for (const s of this.both) s.close();
  }
}

/** `until` matters even for one step: Unicorn only honours an end address in code it translates with it. */
function stepOne(sandbox: Sandbox, pc: number, until: number): Outcome {
  try {
    sandbox.start(pc, { maxInstructions: 1, until });
    return { ok: true };
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return { ok: false, code: error.code, address: error.address, message: error.message };
  }
}

/** Instructions whose results may live in vector registers: SIMD&FP data processing and loads/stores. */
function isSimdOrFloatingPoint(word: number): boolean {
  if (word < 0) return false;
  const op0 = (word >>> 25) & 0xf;
  const simdData = (op0 & 0b0111) === 0b0111;
  const simdMemory = (op0 & 0b0101) === 0b0100 && ((word >>> 26) & 1) === 1;
  return simdData || simdMemory;
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.map(([a, n]) => [a, a + n] as [number, number]).sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged.map(([start, end]) => [start, end - start]);
}

/** A divergence as lines a person can act on. */
export function describeDivergence(d: Divergence, disassembly: string): string {
  return [`step ${d.step} at 0x${d.pc.toString(16)}: ${disassembly} (0x${(d.word >>> 0).toString(16).padStart(8, '0')})`,
    ...d.differences.map((line) => `  ${line}`)].join('\n');
}
