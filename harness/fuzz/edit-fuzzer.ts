// The differential edit fuzzer: random edits of module sources (the examples' modules and generated
// ones). For each edit, the edited module is built fresh, and separately the patch generator makes
// a patch that is applied to a running base; then every function of both is called with the same
// random arguments, from the same values of every global, and the outcomes (return value, exit
// code, output) and every global afterwards (by symbol: new globals live elsewhere in the patched
// program) must be identical. An edit that is refused must be refused with a reason: a rude edit,
// the patch builder's message, or the engine's refusal.
import type { Arch } from '../../core/arch.ts';
import { hex } from '../../core/hex.ts';
import type { GuestModule } from '../../core/module.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { STACK_TOP } from '../../sandbox/loader.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import { buildForDiff, type DiffBuild } from '../../toolchain/diff/build.ts';
import { makeEditPatch } from '../../toolchain/diff/index.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { type CallOutcome, FunctionCaller } from './function-caller.ts';
import { type EditKind, editSource, generateModule, Random } from './module-edits.ts';

/** A module to edit, with the modules loaded before it. */
export interface EditSubject {
  name: string;
  text: string;
  before: { file: string; text: string }[];
}

export interface EditFuzzOptions {
  arch: Arch;
  /** Sandboxes to run both programs on, by name (each edit runs on each). */
  cpus: Record<string, (arch: Arch) => Sandbox>;
  edits: number;
  seed: number;
  subjects: EditSubject[];
  /** Share of edits made to generated modules rather than the subjects (default 0.5). */
  generatedShare?: number;
  /** Instruction budget per call (default 200,000). */
  maxInstructions?: number;
  /** Called after each edit, for progress. */
  progress?: (done: number) => void;
}

export interface Mismatch {
  cpu: string;
  subject: string;
  kinds: EditKind[];
  function: string;
  detail: string;
  edited: string;
}

export interface EditFuzzReport {
  arch: Arch;
  tried: number;
  /** Edits whose source does not assemble (not counted as refusals: there is nothing to patch). */
  unassembled: number;
  /** Per CPU: patches applied, and edits whose every call and global was identical. */
  applied: Record<string, number>;
  identical: Record<string, number>;
  /** Calls compared, and calls that ended abnormally in both (a fault or the budget) on each CPU. */
  calls: Record<string, number>;
  bothAbnormal: Record<string, number>;
  /**
   * Calls whose outcome depends on where things are: the edited module built again with its code and
   * its new globals moved gives another outcome (an edit printed a function's address, moved a
   * pointer past its object, or made a buffer overflow into a new global). Such a call is not
   * compared with the patched program.
   */
  layoutDependent: Record<string, number>;
  /** Refusals by reason: rude edits, the patch builder, the engine (all CPUs alike count once). */
  refused: Record<string, number>;
  /** Edits by kind. */
  kinds: Record<string, number>;
  mismatches: Mismatch[];
  milliseconds: number;
}

/** A reason without the names and numbers of one case, so that refusals group. */
function reasonClass(text: string): string {
  return text.split(/[;:(]\s/)[0]!.replace(/"[^"]*"/g, '"…"').replace(/0x[0-9a-f]+/gi, '0x…').replace(/\b\d+\b/g, 'N').slice(0, 120);
}

interface Program {
  before: GuestModule[];
  base: GuestModule;
  baseBuild: DiffBuild;
  /** The addresses of the exports of the modules loaded before, for building the subject again. */
  externals: Map<string, number>;
}

async function loadSubject(subject: EditSubject, arch: Arch): Promise<Program> {
  const before = subject.before.length > 0 ? await assembleProgram(subject.before, arch) : [];
  const externals = new Map(before.flatMap((m) => m.exports.map((n) => [n, m.symbols.find((s) => s.name === n)!.address] as const)));
  const baseBuild = await buildForDiff({ name: subject.name, text: subject.text }, arch, externals);
  return { before, base: baseBuild.module, baseBuild, externals };
}

/**
 * The edited source laid out otherwise: 64 bytes of code before its first function (every function
 * moves, and the data with them when the code crosses a page) and 64 bytes of data before each new
 * global (which moves the new globals apart from the others).
 */
function withLayoutMoved(text: string, edited: GuestModule, base: GuestModule): string {
  const nops = edited.arch === 'x64' ? 64 : 16;
  let moved = text.replace(/^\.func\b/m, (line) => `.func layout_gap_code\n${'    nop\n'.repeat(nops - 1)}    ret\n.endfunc\n\n${line}`);
  const existing = new Set(base.symbols.map((s) => s.name));
  for (const global of edited.symbols.filter((s) => s.kind === 'data' && !existing.has(s.name))) {
    const label = new RegExp(`^${global.name.replace(/[.$]/g, '\\$&')}:`, 'm');
    moved = moved.replace(label, (line) => `layout_gap_${global.name}:\n    .zero 64\n${line}`);
  }
  return moved;
}

/** An address of one side's program by name ("prices+0x8"), or the number. */
type Namer = (value: bigint) => string;

function namer(ranges: { name: string; start: number; size: number }[]): Namer {
  return (value) => {
    const v = Number(value);
    const hit = ranges.find((r) => v >= r.start && v <= r.start + r.size);
    return hit ? `${hit.name}+${hex(v - hit.start)}` : hex(value);
  };
}

export async function fuzzEdits(options: EditFuzzOptions): Promise<EditFuzzReport> {
  const { arch } = options;
  const random = new Random(options.seed);
  const maxInstructions = options.maxInstructions ?? 200_000;
  const cpuNames = Object.keys(options.cpus);
  const perCpu = () => Object.fromEntries(cpuNames.map((c) => [c, 0]));
  const report: EditFuzzReport = { arch, tried: 0, unassembled: 0, applied: perCpu(), identical: perCpu(), calls: perCpu(),
    bothAbnormal: perCpu(), layoutDependent: perCpu(), refused: {}, kinds: {}, mismatches: [], milliseconds: 0 };
  const refuse = (reason: string) => { report.refused[reason] = (report.refused[reason] ?? 0) + 1; };
  const started = globalThis.performance.now();
  const programs = new Map<string, Program>();
  const generatedShare = options.generatedShare ?? 0.5;

  for (let n = 0; n < options.edits; n++) {
    options.progress?.(n);
    // The subject: an example's module, or a generated one.
    let subject: EditSubject;
    if (options.subjects.length === 0 || random.chance(generatedShare)) {
      subject = { name: `generated-${n}.s`, text: generateModule(random, arch), before: [] };
    } else {
      subject = random.pick(options.subjects);
    }
    const edit = editSource(random, arch, subject.text);
    if (!edit) continue;
    report.tried++;
    for (const kind of edit.kinds) report.kinds[kind] = (report.kinds[kind] ?? 0) + 1;
    let program = programs.get(subject.name);
    if (!program) {
      program = await loadSubject(subject, arch);
      if (!subject.name.startsWith('generated-')) programs.set(subject.name, program);
    }

    let made;
    try {
      made = await makeEditPatch({ arch, base: { name: subject.name, text: subject.text }, edited: { name: 'edited.s', text: edit.text },
        before: program.before, running: program.base, baseBuild: program.baseBuild, sequence: 1 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const file = (error as { file?: unknown }).file;
      if (typeof file === 'string' && file.endsWith('(generated patch)')) refuse(`patch builder: ${reasonClass(message)}`);
      else if (error instanceof Error && error.name === 'AssemblyError') report.unassembled++;
      else throw error;
      continue;
    }
    if (!made.patch) {
      for (const s of made.diff.symbols.filter((x) => x.class === 'rude')) refuse(`rude: ${reasonClass(s.reason)}`);
      continue;
    }
    const edited = made.edited.module;
    const moved = (await buildForDiff({ name: 'moved.s', text: withLayoutMoved(edit.text, edited, program.base) }, arch,
      program.externals)).module;
    const functions = edited.symbols.filter((s) => s.kind === 'function');
    const globals = edited.symbols.filter((s) => s.kind === 'data');
    const argumentSets = functions.map(() => Array.from({ length: 2 }, () =>
      Array.from({ length: 3 }, () => randomArgument(random))));

    for (const cpu of cpuNames) {
      const newSandbox = options.cpus[cpu]!;
      const fresh = new FunctionCaller(newSandbox(arch), [...program.before, edited]);
      const patchedSandbox = newSandbox(arch);
      const patched = new FunctionCaller(patchedSandbox, [...program.before, program.base]);
      const movedCaller = new FunctionCaller(newSandbox(arch), [...program.before, moved]);
      try {
        const hotpatcher = await Hotpatcher.create(patchedSandbox, [...program.before, program.base], { threads: () => [] });
        const result = await hotpatcher.apply(made.patch.image);
        if (result.status !== 'applied') {
          if (cpu === cpuNames[0]) refuse(`engine (${result.status === 'refused' ? result.code : 'wait'}): ${reasonClass(result.message)}`);
          continue;
        }
        report.applied[cpu]!++;
        const placement = result.placement!;
        const patchSymbol = (name: string) => made.patch!.assembled.symbols.find((s) => s.name === name);
        const addressIn = {
          fresh: (name: string) => edited.symbols.find((s) => s.name === name)!.address,
          moved: (name: string) => moved.symbols.find((s) => s.name === name)!.address,
          patched: (name: string) => {
            const base = program.base.symbols.find((s) => s.name === name);
            const kind = edited.symbols.find((s) => s.name === name)!.kind;
            if (base && base.kind === kind) return base.address;
            const own = patchSymbol(name)!;
            return kind === 'function' ? placement.code + (own.address - made.patch!.assembled.base)
              : placement.data + (own.address - made.patch!.assembled.dataAddress);
          },
        };
        const names = {
          fresh: namer([...program.before, edited].flatMap((m) => m.symbols.map((s) => ({ name: s.name, start: s.address, size: s.size })))),
          moved: namer([...program.before, moved].flatMap((m) => m.symbols
            .filter((s) => !s.name.startsWith('layout_gap_')).map((s) => ({ name: s.name, start: s.address, size: s.size })))),
          patched: namer([...program.before, program.base].flatMap((m) => m.symbols.map((s) => ({ name: s.name, start: s.address, size: s.size })))
            .concat(made.patch.assembled.symbols.map((s) => ({ name: s.name, size: s.size,
              start: s.kind === 'function' ? placement.code + s.address - made.patch!.assembled.base
                : placement.data + s.address - made.patch!.assembled.dataAddress })))),
        };
        let identical = true;
        for (const [i, fn] of functions.entries()) {
          for (const args of argumentSets[i]!.slice(0, 1 + (i % 2))) {
            const outcomes: CallOutcome[] = [];
            const globalBytes: string[][] = [];
            const callers = { fresh, patched, moved: movedCaller };
            for (const side of ['fresh', 'patched', 'moved'] as const) {
              const caller = callers[side];
              // The same values of every global: the edited build's initial data, and the other modules' own.
              for (const g of globals) caller.sandbox.write(addressIn[side](g.name), edited.data.subarray(g.address - edited.dataAddress, g.address - edited.dataAddress + g.size));
              for (const m of program.before) if (m.data.length > 0) caller.sandbox.write(m.dataAddress, m.data);
              const outcome = caller.call(addressIn[side](fn.name), args, maxInstructions);
              outcomes.push(outcome.kind === 'return' ? { ...outcome, value: BigInt(0) } : outcome);
              globalBytes.push([outcome.kind === 'return' ? names[side](outcome.value) : '',
                ...globals.map((g) => Array.from(caller.sandbox.read(addressIn[side](g.name), g.size)).join(','))]);
            }
            report.calls[cpu]!++;
            const [a, b, c] = outcomes as [CallOutcome, CallOutcome, CallOutcome];
            // Where the edited build disagrees with itself once its new globals move, the patched program has nothing to match.
            const bothEnded = a.kind === 'abnormal' && c.kind === 'abnormal';
            if (!bothEnded && (JSON.stringify(a, bigints) !== JSON.stringify(c, bigints) || globalBytes[0]!.join('|') !== globalBytes[2]!.join('|'))) {
              report.layoutDependent[cpu]!++;
              continue;
            }
            if (a.kind === 'abnormal' && b.kind === 'abnormal') {
              report.bothAbnormal[cpu]!++;
              continue;
            }
            const detail = a.kind !== b.kind ? `fresh ${a.kind} ${'reason' in a ? a.reason : ''}, patched ${b.kind} ${'reason' in b ? b.reason : ''}`
              : a.output !== b.output ? `output ${JSON.stringify(a.output.slice(0, 80))} vs ${JSON.stringify(b.output.slice(0, 80))}`
                : a.kind === 'exit' && b.kind === 'exit' && a.code !== b.code ? `exit ${a.code} vs ${b.code}`
                  : globalBytes[0]![0] !== globalBytes[1]![0] ? `returned ${globalBytes[0]![0]} vs ${globalBytes[1]![0]}`
                    : globals.map((g, k) => (globalBytes[0]![k + 1] !== globalBytes[1]![k + 1] ? `global ${g.name} differs` : '')).find(Boolean);
            if (detail) {
              identical = false;
              if (report.mismatches.length < 20) {
                report.mismatches.push({ cpu, subject: subject.name, kinds: edit.kinds, function: fn.name, detail, edited: edit.text });
              }
            }
          }
        }
        if (identical) report.identical[cpu]!++;
      } finally {
        fresh.close();
        patched.close();
        movedCaller.close();
      }
    }
  }
  report.milliseconds = globalThis.performance.now() - started;
  return report;
}

const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/** A writable buffer at the same address in both programs, for arguments that are pointers. */
const SCRATCH_BUFFER = BigInt(STACK_TOP - 0x8000);

/**
 * A random argument: a small or large number, or the scratch buffer's address. The address of a
 * global would differ between the programs wherever the edit moved it (new code can push the data
 * to the next page), and arithmetic on it would then differ too.
 */
function randomArgument(random: Random): bigint {
  const roll = random.next();
  if (roll < 0.45) return BigInt(random.int(20));
  if (roll < 0.7) return BigInt(random.int(0x1_0000_0000));
  if (roll < 0.8) return BigInt.asUintN(64, (BigInt(random.int(0x1_0000_0000)) << 32n) | BigInt(random.int(0x1_0000_0000)));
  return SCRATCH_BUFFER + BigInt(random.int(64) * 8);
}
