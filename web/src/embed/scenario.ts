// A scenario: one example on one architecture, prepared at build time (web/build/embed-scenarios.ts)
// so that an embed needs neither the assembler nor the disassembler: module images, patch images,
// the example's timeline, and the disassembly of every byte range the embed can show.
import type { ExpectedOutcome, PatchMoment } from '../../../core/timeline.ts';
import type { Arch } from '../../../core/arch.ts';
import type { GuestModule, ModuleSymbol, SourceSpan } from '../../../core/module.ts';
import { bytesToHex, hexToBytes } from '../../../core/hex.ts';
import type { InstructionRecord } from './instruction-table.ts';

/** Bumped when the shape changes. */
export const SCENARIO_FORMAT = 2;

export interface ScenarioModule {
  name: string;
  file: string;
  base: number;
  /** Hex. */
  code: string;
  dataAddress: number;
  /** Hex. */
  data: string;
  symbols: ModuleSymbol[];
  exports: string[];
  entry?: string;
  /** Ranges of the code known to be fill (GuestModule.fill). */
  fill?: { address: number; size: number }[];
  /** The source line that made each instruction (GuestModule.lines): the playground links them. */
  lines?: SourceSpan[];
}

export interface ScenarioPatch {
  /** Source file name, e.g. "fix-rounding.s". */
  file: string;
  module: string;
  sequence: number;
  /** The patch image (hex), as the toolchain built it. */
  image: string;
  /** Functions of the patch by offset in its code section. */
  functions: { name: string; offset: number; size: number }[];
  /** The base functions it redirects, as its image says. */
  redirects: { base: string; mode: 'replace' | 'hook' }[];
}

export interface ScenarioEvent {
  at: PatchMoment;
  /** Index into `patches` for an apply; absent for a rollback. */
  patch?: number;
  /** Module whose active patch a rollback removes. */
  rollback?: string;
  expect: ExpectedOutcome;
  note?: string;
}

export interface Scenario {
  format: number;
  /** "price-tax/x64". */
  id: string;
  example: string;
  arch: Arch;
  title: string;
  summary: string;
  modules: ScenarioModule[];
  patches: ScenarioPatch[];
  timeline: ScenarioEvent[];
  /** Disassembly of every state of every range the embed shows, recorded from Capstone at build time. */
  instructions: InstructionRecord[];
  /**
   * The playground's state the scenario was made from ("Embed this"), as the hash of a playground
   * link (`s=…`, web/src/state/share.ts): "Open in playground" opens it as it was, edits included.
   */
  playground?: string;
}

/** What a scenario's `playground` may be: a playground link's state part, of a bounded length. */
export function isPlaygroundHash(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_PLAYGROUND_HASH && /^s=[A-Za-z0-9_-]+$/.test(value);
}

/** Characters of a scenario's `playground` hash: the playground reads links of at most 256 K characters of data. */
const MAX_PLAYGROUND_HASH = 2 + 256 * 1024;

/** What the scenario registry (virtual:hotpatch-scenarios) lists without loading any scenario. */
export interface ScenarioEntry {
  id: string;
  example: string;
  arch: Arch;
  title: string;
  load: () => Promise<Scenario>;
}

export function scenarioId(example: string, arch: Arch): string {
  return `${example}/${arch}`;
}

export function toScenarioModule(module: GuestModule, file: string): ScenarioModule {
  return {
    name: module.name, file, base: module.base, code: bytesToHex(module.code), dataAddress: module.dataAddress,
    data: bytesToHex(module.data), symbols: module.symbols.map((s) => ({ ...s })), exports: [...module.exports],
    ...(module.entry ? { entry: module.entry } : {}),
    ...(module.fill ? { fill: module.fill.map((r) => ({ ...r })) } : {}),
    ...(module.lines ? { lines: module.lines.map((span) => ({ ...span })) } : {}),
  };
}

export function guestModule(module: ScenarioModule, arch: Arch): GuestModule {
  return {
    name: module.name, arch, base: module.base, code: hexToBytes(module.code), dataAddress: module.dataAddress,
    data: hexToBytes(module.data), symbols: module.symbols, exports: module.exports,
    ...(module.entry ? { entry: module.entry } : {}),
    ...(module.fill ? { fill: module.fill } : {}),
    ...(module.lines ? { lines: module.lines } : {}),
  };
}
