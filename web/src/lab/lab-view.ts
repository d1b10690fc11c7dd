// What the page shows about the program's state: the snapshot (registers, disassembly around pc,
// memory, output, call counters) and the names it gives addresses. It reads the lab's session
// (lab-core.ts) and changes nothing in it but its own view state: the registers as they were at
// the last stop, and the memory range the page watches.
import { ARCH, type Arch, registerWidth } from '../../../core/arch.ts';
import { bytesToHex } from '../../../core/hex.ts';
import { type GuestModule, moduleImage } from '../../../core/module.ts';
import { type NamedRange, placeName, rangeAt } from '../../../core/symbolizer.ts';
import type { OutputReader } from '../../../sandbox/output-capture.ts';
import type { GuestProcess } from '../../../sandbox/process.ts';
import { disassembleAll } from './disassembly.ts';
import type { PatchLab } from './patch-lab.ts';
import type { CallCounter, DisassemblyLine, MemoryWindow, OutputMark, RegisterValue, RunState, Snapshot } from './protocol.ts';
import { threadLanes, transitionView } from './thread-lanes.ts';

/** Lines of disassembly shown before and after the program counter. */
const LINES_BEFORE = 6;
const LINES_AFTER = 14;
/** A view never disassembles more than this many bytes of one function. */
const MAX_FUNCTION_BYTES = 4096;

/** The part of the lab's session a view reads. */
export interface LabSubject {
  readonly arch: Arch | undefined;
  readonly loadedModules: readonly GuestModule[];
  readonly guest: GuestProcess | undefined;
  readonly patchLab: PatchLab | undefined;
  readonly state: RunState;
  readonly budgetLeft: number;
  readonly note: string | undefined;
  readonly run: number;
  readonly outputMarks: readonly OutputMark[];
}

export class LabView {
  private readonly previousRegisters = new Map<string, bigint>();
  private memoryRequest: { address: number; length: number } | undefined;
  /** Each snapshot carries only the output written since the one before. */
  private output: OutputReader | undefined;
  private outputRestart = true;

  constructor(private readonly lab: LabSubject) {}

  /** A new guest (loaded or reset): no register has changed yet, and its output starts empty. */
  restarted(): void {
    this.previousRegisters.clear();
    const process = this.lab.guest;
    this.output = process?.io.reader();
    this.outputRestart = true;
    if (!process) return;
    for (const name of ARCH[process.arch].registers.general) this.previousRegisters.set(name, process.sandbox.readRegister(name));
  }

  watchMemory(address: number, length: number): void {
    this.memoryRequest = { address, length: Math.min(Math.max(length, 16), 1024) };
  }

  /** What the views show now. `stopped`: the registers' "changed" marks compare against this stop. */
  async snapshot(stopped: boolean): Promise<Snapshot> {
    const process = this.lab.guest;
    const patches = this.lab.patchLab;
    const arch = this.lab.arch ?? 'x64';
    const pc = process ? process.pc : this.entryAddress() ?? 0;
    const note = this.lab.note;
    const snapshot: Snapshot = {
      state: this.lab.state,
      run: this.lab.run,
      arch,
      pc,
      where: this.symbolize(pc),
      instructions: process?.instructions ?? 0,
      budgetLeft: this.lab.budgetLeft,
      registers: process ? this.registers(process, stopped) : [],
      disassembly: await this.disassemblyAround(pc),
      output: this.output?.next() ?? '',
      ...(this.outputRestart ? { outputRestart: true } : {}),
      outputBytes: process?.io.bytesWritten ?? 0,
      marks: process ? [...this.lab.outputMarks] : [],
      calls: process ? this.counters(process) : [],
      patches: patches?.activePatches() ?? [],
      ...(patches?.steppingThrough ? { stepping: patches.steppingThrough } : {}),
      ...(note ? { note } : {}),
    };
    this.outputRestart = false;
    if (process?.state === 'exited') snapshot.exitCode = process.io.exitCode;
    if (process?.error) snapshot.error = process.error.message;
    const memory = this.memoryWindow();
    if (memory) snapshot.memory = memory;
    if (process?.scheduler.threaded) {
      const transition = patches?.transition;
      snapshot.threads = threadLanes(process, transition, (patches?.activePatches().length ?? 0) > 0, (a) => this.symbolize(a));
      if (transition) snapshot.transition = transitionView(transition);
    }
    return snapshot;
  }

  private counters(process: GuestProcess): CallCounter[] {
    const patches = this.lab.patchLab;
    if (patches) return patches.counters(process.calls);
    return [...process.calls].map(([name, calls]) => ({ name, calls, redirected: 0, kind: 'base' as const }));
  }

  private registers(process: GuestProcess, stopped: boolean): RegisterValue[] {
    const values = ARCH[process.arch].registers.general.map((name) => {
      const value = process.sandbox.readRegister(name);
      const previous = this.previousRegisters.get(name);
      return { name, value: value.toString(16).padStart(registerWidth(process.arch, name) * 2, '0'),
        changed: previous !== undefined && previous !== value, raw: value };
    });
    if (stopped) for (const v of values) this.previousRegisters.set(v.name, v.raw);
    return values.map(({ raw: _raw, ...v }) => v);
  }

  private entryAddress(): number | undefined {
    const modules = this.lab.loadedModules;
    const entry = modules.find((m) => m.entry)?.entry;
    for (const module of modules) {
      const symbol = module.symbols.find((s) => s.name === entry);
      if (symbol) return symbol.address;
    }
    return undefined;
  }

  /** The function holding an address: one of the program's, else code a patch brought in (new function or trampoline). */
  private codeAt(address: number): NamedRange | undefined {
    return rangeAt(address, this.lab.loadedModules, { kind: 'function', more: this.lab.patchLab?.patchCode() });
  }

  symbolize(address: number): string {
    return placeName(address, this.codeAt(address));
  }

  private labelAt = (address: number): string | undefined => {
    const code = this.codeAt(address);
    return code && code.address === address ? code.name : undefined;
  };

  /** Branch and call targets get their name: "call 0x4000c7" reads "call 0x4000c7 <pricing!price_with_tax>". */
  private nameTargets(operands: string): string {
    const target = /^#?(0x[0-9a-f]+)$/.exec(operands.trim());
    if (!target) return operands;
    const address = Number(target[1]);
    return this.codeAt(address) ? `${operands} <${this.symbolize(address)}>` : operands;
  }

  /** Reads guest memory as it is now, or, with no CPU, as the modules were assembled. */
  read(address: number, length: number): Uint8Array | undefined {
    const process = this.lab.guest;
    if (process) {
      try {
        return process.sandbox.read(address, length);
      } catch {
        return undefined;
      }
    }
    return this.loaded(address, length);
  }

  /** The bytes at this range as the modules were loaded, if the range lies inside one image. */
  private loaded(address: number, length: number): Uint8Array | undefined {
    for (const module of this.lab.loadedModules) {
      const image = moduleImage(module);
      if (address >= module.base && address + length <= module.base + image.length) {
        return image.slice(address - module.base, address - module.base + length);
      }
    }
    return undefined;
  }

  private async disassemblyAround(pc: number): Promise<DisassemblyLine[]> {
    const arch = this.lab.arch;
    if (!arch) return [];
    const fn = this.codeAt(pc);
    // Decoding starts at the function's first byte so x86-64 instruction boundaries come out right.
    const start = fn ? Math.max(fn.address, pc - MAX_FUNCTION_BYTES / 2) : pc;
    const end = fn ? Math.min(fn.address + fn.size, start + MAX_FUNCTION_BYTES) : pc + 64;
    const bytes = this.read(start, end - start) ?? this.read(pc, ARCH[arch].instructionAlignment);
    if (!bytes) return [];
    const lines = await disassembleAll(arch, bytes, bytes.length === end - start ? start : pc, this.labelAt);
    for (const line of lines) line.operands = this.nameTargets(line.operands);
    const at = Math.max(0, lines.findIndex((l) => l.address >= pc));
    return lines.slice(Math.max(0, at - LINES_BEFORE), at + LINES_AFTER);
  }

  private memoryWindow(): MemoryWindow | undefined {
    const request = this.memoryRequest;
    if (!request || this.lab.loadedModules.length === 0) return undefined;
    const bytes = this.read(request.address, request.length);
    const loaded = this.loaded(request.address, request.length);
    return {
      address: request.address,
      bytes: bytes ? bytesToHex(bytes) : '',
      loaded: loaded ? bytesToHex(loaded) : null,
      label: this.symbolize(request.address),
    };
  }
}
