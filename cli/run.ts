// `hotpatch run <example>`: assemble an example, load it into a CPU (real Unicorn, or the WASM CPU the
// page uses), run it, print its output.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CONSISTENCY_MODELS, type ConsistencyModel, describeMoment, type PatchMoment } from '../core/timeline.ts';
import { paint, UsageError } from './conventions.ts';
import { chooseCpu } from './cpu.ts';
import { type EventRecord, runTimeline, type TimelineEvent } from '../engine/host/timeline.ts';
import { Hotpatcher } from '../engine/host/transaction.ts';
import { OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES } from '../sandbox/output-capture.ts';
import { GuestProcess, type ThreadSummary } from '../sandbox/process.ts';
import { DEFAULT_SLICE, MAX_SLICE } from '../sandbox/threads.ts';
import { type BudgetLimits, type LimitReason, RunBudget } from '../sandbox/run-budget.ts';
import { type Sandbox } from '../sandbox/sandbox.ts';
import { type Arch, ARCHES } from '../core/arch.ts';
import { WasmSandbox } from '../sandbox/wasm/wasm-sandbox.ts';
import {
  assembleExample, assembleProgram, buildExampleEditTimeline, buildExampleTimeline, readExampleFile, readExampleManifest,
} from '../toolchain/example.ts';
import { formatDiff, makeEditPatch } from '../toolchain/diff/index.ts';
import type { GuestModule } from '../core/module.ts';
import { EXAMPLE_LIMITS } from '../toolchain/example-manifest.ts';
import { findExample } from '../toolchain/examples.ts';
import { readTextFile } from '../toolchain/files.ts';
import { type BehaviourChange, firstDifference, formatEvent, formatSwitch, formatTransition, resultToJson } from './patch-report.ts';

export const RUN_USAGE = `  run <example-dir | module.s> [options]
      Run an example's folder (or an example of the package by name: see examples), or one module file.
      Assemble the example's modules, load them, run the entry point and print the guest's output.
      When the example has a timeline, build its patches and apply them while the program runs,
      printing each transaction's steps and where the output starts to differ from an unpatched run.
      --arch x64|arm64          architecture (default: the example's first)
      --cpu unicorn|wasm        run on real Unicorn (the default, where it can be loaded) or on the
                                WebAssembly CPU the page uses, which needs nothing native; the
                                environment variable HOTPATCH_CPU=wasm makes it the default
      --max-instructions N      stop a program that runs longer (default 10000000, at most 10^12); the
                                limit covers the whole run, steps of waiting transactions included
      --time-limit MS           stop a program that runs longer (default 10000, at most 86400000: a day),
                                transactions included; the unpatched run a timeline is compared with
                                has limits of its own
      --slice N                 instructions a guest thread runs before the next one gets the CPU
                                (default ${DEFAULT_SLICE}); with several threads, each output line names its thread
      --consistency entry|fixup|per-thread
                                when threads see the new code, for every transaction of the timeline
                                (default: what example.json says, else entry): entry (Windows: new calls),
                                fixup (Detours: threads in the overwritten bytes move to the trampoline),
                                per-thread (livepatch: each thread switches when no patched function is
                                on its stack)
      --json                    print one JSON record instead of the output and a summary
      --edits                   make the example's patches from the edited module sources its timeline
                                names (each entry's "edit") with the patch generator, instead of from
                                its hand-written patch sources
      --edit <module>=<edited.s> --at <moment>
                                instead of the example's timeline, apply an edited source of a module
                                at a moment, as a patch generated from the edit (see diff); repeat the
                                pair for a second edit, which replaces the first. A moment is written as
                                in example.json ('{"afterCalls":4,"of":"pricing!price_with_tax"}') or
                                short: 4:pricing!price_with_tax (after 4 calls), 1000 (after 1,000
                                instructions)
`;

export interface RunRecord {
  example: string;
  arch: Arch;
  backend: string;
  /** What the guest wrote: all of it, or the first and the last 64 KiB with a line saying how much was dropped. */
  output: string;
  /** Bytes the guest wrote in all, and how many of them `output` leaves out. */
  outputBytes: number;
  outputDropped: number;
  exitCode: number | null;
  instructions: number | null;
  calls: Record<string, number>;
  error: string | null;
  /** Examples with a timeline: each event and its transaction. */
  events?: unknown[];
  /** Output of the same program without patches (kept the same way), and the first line where the patched run differs. */
  unpatchedOutput?: string;
  behaviourChange?: BehaviourChange | null;
  /** Programs that started threads: each thread, and the output lines with the thread that wrote each. */
  threads?: ThreadSummary[];
  threadOutput?: { thread: string; text: string }[];
  slice?: number;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      arch: { type: 'string' },
      cpu: { type: 'string' },
      'max-instructions': { type: 'string', default: '10000000' },
      'time-limit': { type: 'string', default: '10000' },
      slice: { type: 'string' },
      consistency: { type: 'string' },
      json: { type: 'boolean', default: false },
      edits: { type: 'boolean', default: false },
      edit: { type: 'string', multiple: true },
      at: { type: 'string', multiple: true },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`run needs one example directory or module file\n\n${RUN_USAGE}`);
  const target = positionals[0]!;
  const maxInstructions = positiveInteger(values['max-instructions']!, '--max-instructions', MAX_INSTRUCTIONS);
  const timeLimitMs = positiveInteger(values['time-limit']!, '--time-limit', MAX_TIME_LIMIT_MS);
  if (values.arch !== undefined && !ARCHES.includes(values.arch as Arch)) {
    throw new UsageError(`--arch must be one of ${ARCHES.join(', ')}, not ${quoted(values.arch)}`);
  }
  const newSandbox = await chooseCpu(values.cpu);

  const consistency = values.consistency;
  if (consistency !== undefined && !CONSISTENCY_MODELS.includes(consistency as ConsistencyModel)) {
    throw new UsageError(`--consistency must be one of ${CONSISTENCY_MODELS.join(', ')}, not ${quoted(consistency)}`);
  }
  const sliceOption = values.slice === undefined ? undefined : positiveInteger(values.slice, '--slice', MAX_SLICE);
  const edits = pairEdits(values.edit ?? [], values.at ?? []);
  const loaded = await loadTarget(target, values.arch as Arch | undefined, values.edits!);
  const { name, arch, modules, slice: exampleSlice } = loaded;
  const chosen = edits.length > 0 ? await editTimeline(loaded, edits, values.json!) : loaded.timeline;
  const timeline = consistency === undefined ? chosen
    : chosen.map((e) => ({ ...e, consistency: consistency as ConsistencyModel }));
  const slice = sliceOption ?? exampleSlice ?? DEFAULT_SLICE;
  const limits: BudgetLimits = { maxInstructions, timeLimitMs };
  const process_ = new GuestProcess(newSandbox(arch), { modules, slice });
  // Output as it comes; once the program has several threads, each line names its thread.
  const reader = process_.io.labelledReader();
  const print = () => process.stdout.write(reader.next(process_.scheduler.threaded));
  try {
    const live = timeline.length > 0 ? await runLive(process_, newSandbox, modules, timeline, limits, values.json!, print) : undefined;
    if (!live) {
      process_.budget = new RunBudget(limits);
      process_.run();
      if (!values.json) print();
    }
    return report(process_, name, values.json!, live);
  } finally {
    process_.close();
  }
}

/** "1,000 ms (--time-limit)", "20,000 instructions (--max-instructions)". */
export function limitWords(reason: LimitReason, budget: RunBudget): string {
  return reason === 'time-limit' ? `${budget.timeLimitMs} ms (--time-limit)` : `${budget.maxInstructions} instructions (--max-instructions)`;
}

interface LiveRun {
  records: EventRecord[];
  unpatchedOutput: string;
  /** Names addresses in the program and in the code patches brought in. */
  symbolize(address: number): string;
}

/**
 * Runs the program with its timeline (printing output and events as they happen) and once without.
 * Each run has limits of its own: the unpatched one first, then the patched one, whose budget its
 * slices, the guest's steps while a transaction waits, and the transactions all spend.
 */
async function runLive(process_: GuestProcess, newSandbox: (arch: Arch) => Sandbox, modules: GuestModule[],
  timeline: TimelineEvent[], limits: BudgetLimits, json: boolean, print: () => void): Promise<LiveRun> {
  // Counted as the patched run is, so that a program with threads switches at the same instructions.
  const unpatched = new GuestProcess(newSandbox(process_.arch), { modules, slice: process_.slice });
  let unpatchedOutput: string;
  try {
    unpatched.run(limits);
    unpatchedOutput = unpatched.io.text();
  } finally {
    unpatched.close();
  }
  const hotpatcher = await Hotpatcher.create(process_.sandbox, modules, { process: process_ });
  if (!json) {
    hotpatcher.models.listener = (report, event) => {
      print();
      process.stderr.write((event ? formatSwitch(event) : formatTransition(report).join('\n')) + '\n');
    };
  }
  const budget = new RunBudget(limits);
  process_.budget = budget;
  const records = await runTimeline(process_, hotpatcher, timeline, json ? {} : {
    output: () => print(),
    event: (record) => {
      const p = paint(process.stderr);
      process.stderr.write(formatEvent(record, budget).map((line) => (line.startsWith('==') ? p.bold(line) : line)).join('\n') + '\n');
    },
  });
  return { records, unpatchedOutput, symbolize: (address) => hotpatcher.symbolize(address) };
}

function report(p: GuestProcess, example: string, json: boolean, live?: LiveRun): number {
  // Stopped by a limit: report what the program printed so far, and which limit ended it.
  const limit = p.finished ? undefined : p.budget?.exhausted();
  const unfinished = p.finished ? null
    : `the program did not finish within ${limit ? limitWords(limit, p.budget!) : 'its limits'}; stopped at ${(live ?? p).symbolize(p.pc)}`;
  const unexpected = live?.records.find((r) => !r.asExpected);
  const error = p.error?.message ?? unfinished ??
    (unexpected ? `${describeMoment(unexpected.at)}: ${unexpected.action} ${unexpected.name} did not go as the example expects` : null);
  const record: RunRecord = {
    example,
    arch: p.arch,
    backend: p.sandbox.backend,
    output: p.io.text(),
    outputBytes: p.io.bytesWritten,
    outputDropped: p.io.bytesDropped,
    exitCode: p.io.exitCode ?? null,
    instructions: p.instructions ?? null,
    calls: Object.fromEntries(p.calls),
    error,
  };
  const change = live ? firstDifference(live.unpatchedOutput, record.output) : null;
  if (live) {
    record.events = live.records.map((r) => ({ ...r, result: resultToJson(r.result) }));
    record.unpatchedOutput = live.unpatchedOutput;
    record.behaviourChange = change;
  }
  if (p.scheduler.threaded) {
    record.slice = p.slice;
    record.threads = p.threads();
    record.threadOutput = p.io.threadLines();
  }
  if (json) {
    process.stdout.write(JSON.stringify(record, null, 2) + '\n');
  } else {
    const calls = Object.entries(record.calls).filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`).join(', ');
    const colour = paint(process.stderr);
    const ending = error ? `${colour.red('error:')} ${error}` : `exit code ${record.exitCode}`;
    process.stderr.write(`-- ${example} (${p.arch}, ${record.backend}): ${ending} after ` +
      `${record.instructions?.toLocaleString('en-US')} instructions\n-- calls: ${calls}\n`);
    if (record.outputDropped > 0) {
      process.stderr.write(`-- output: ${record.outputBytes.toLocaleString('en-US')} bytes; the first ${OUTPUT_HEAD_BYTES / 1024} KiB ` +
        `and the last ${OUTPUT_TAIL_BYTES / 1024} KiB are kept, ${record.outputDropped.toLocaleString('en-US')} bytes dropped\n`);
    }
    if (record.threads) process.stderr.write(`-- threads (slice ${p.slice}): ${describeThreads(record.threads, (a) => (live ?? p).symbolize(a))}\n`);
    if (live) {
      process.stderr.write(change
        ? `-- behaviour changed at output line ${change.line}: unpatched ${JSON.stringify(change.unpatched)}, ` +
          `patched ${JSON.stringify(change.patched)} (${change.differingLines} of ${change.lines} lines differ)\n`
        : '-- the output is the same as without patches\n');
    }
  }
  if (error) return 1;
  return record.exitCode ?? 1;
}

/** "main exited 195, t1 ended with 97 after 320 instructions, t2 waits for t1 at letters!worker+0x4". */
export function describeThreads(threads: readonly ThreadSummary[], symbolize: (address: number) => string): string {
  return threads.map((t) => {
    const ran = `${t.instructions.toLocaleString('en-US')} instructions`;
    if (t.state === 'exited') return `${t.name} ended with ${t.exitValue ?? 0} after ${ran}`;
    const where = symbolize(t.pc);
    return t.state === 'blocked' ? `${t.name} waits for ${t.joining} at ${where} after ${ran}` : `${t.name} ${t.state} at ${where} after ${ran}`;
  }).join(', ');
}

async function loadTarget(target: string, arch: Arch | undefined, fromEdits: boolean) {
  const info = await stat(target).catch(() => undefined);
  const bundled = info ? undefined : await findExample(target);
  if (bundled) return loadTarget(bundled, arch, fromEdits);
  if (!info) throw new Error(`${target}: no such example directory or file`);
  if (info.isDirectory()) {
    const manifest = await readExampleManifest(target);
    const chosen = arch ?? manifest.arches[0]!;
    const { modules } = await assembleExample(target, chosen);
    const timeline = await (fromEdits ? buildExampleEditTimeline : buildExampleTimeline)(target, chosen, manifest, modules);
    const sources = await Promise.all(manifest.modules.map((file, i) => readExampleFile(target, chosen, file, `modules.${i}`)));
    return { name: basename(target), arch: chosen, modules, timeline, sources, slice: manifest.slice };
  }
  if (fromEdits) throw new UsageError('--edits needs an example directory, whose timeline names the edited sources');
  const chosen = arch ?? 'x64';
  const text = await readTextFile(target, { maxBytes: EXAMPLE_LIMITS.sourceBytes, what: 'sources' });
  const modules = await assembleProgram([{ file: target, text }], chosen);
  return { name: basename(target), arch: chosen, modules, timeline: [] as TimelineEvent[], sources: [{ name: target, text }], slice: undefined };
}

interface EditRequest { module: string; file: string; at: PatchMoment }

/** `--edit module=file` and `--at moment`, in pairs. */
function pairEdits(edits: string[], moments: string[]): EditRequest[] {
  if (edits.length !== moments.length) throw new UsageError(`each --edit needs its --at moment (${edits.length} --edit, ${moments.length} --at)`);
  return edits.map((edit, i) => {
    const match = /^([A-Za-z_.$][\w.$]*)=(.+)$/.exec(edit);
    if (!match) throw new UsageError(`--edit takes <module>=<edited source>, not "${edit}"`);
    return { module: match[1]!, file: match[2]!, at: parseMoment(moments[i]!) };
  });
}

/** A moment as example.json writes it, or short: "4:pricing!price_with_tax" (after 4 calls), "1000" (after 1,000 instructions). */
export function parseMoment(text: string): PatchMoment {
  const fail = (): never => {
    throw new UsageError(`--at takes a moment as example.json writes it ('{"afterCalls":4,"of":"pricing!price_with_tax"}') ` +
      `or short (4:pricing!price_with_tax, or 1000 for after 1,000 instructions), not "${text}"`);
  };
  const count = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fail());
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return fail();
    }
    if ('afterInstructions' in value) return { afterInstructions: count(value.afterInstructions) };
    if (typeof value.of !== 'string' || !value.of.includes('!')) return fail();
    return { afterCalls: count(value.afterCalls), of: value.of,
      ...(value.thenInstructions === undefined ? {} : { thenInstructions: count(value.thenInstructions) }) };
  }
  const calls = /^(\d+):([\w.$]+![\w.$]+)$/.exec(trimmed);
  if (calls) return { afterCalls: Number(calls[1]), of: calls[2]! };
  if (/^\d+$/.test(trimmed)) return { afterInstructions: Number(trimmed) };
  return fail();
}

/**
 * The timeline of `--edit`s: each edit, diffed against the source of the module's running build,
 * becomes a patch with the next sequence number (cumulative against the base build, so a second
 * edit replaces the first). The classification goes to stderr; a rude edit stops the command.
 */
async function editTimeline(loaded: { arch: Arch; modules: GuestModule[]; sources: { name: string; text: string }[] },
  edits: EditRequest[], json: boolean): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  const sequences = new Map<string, number>();
  for (const request of edits) {
    const index = loaded.modules.findIndex((m) => m.name === request.module);
    if (index < 0) {
      throw new Error(`--edit ${request.module}=...: the program has no module "${request.module}" ` +
        `(it has ${loaded.modules.map((m) => m.name).join(', ')})`);
    }
    const sequence = (sequences.get(request.module) ?? 0) + 1;
    sequences.set(request.module, sequence);
    const edit = await makeEditPatch({
      arch: loaded.arch, base: loaded.sources[index]!, edited: { name: request.file, text: await readTextFile(request.file, { maxBytes: EXAMPLE_LIMITS.sourceBytes, what: 'sources' }) },
      before: loaded.modules.slice(0, index), running: loaded.modules[index]!, sequence,
    });
    if (!json) {
      process.stderr.write(`== edit ${basename(request.file)} of ${request.module} (patch ${sequence}):\n` +
        formatDiff(edit.diff).map((line) => `   ${line}`).join('\n') + '\n');
    }
    if (!edit.patch) throw new Error(`${request.file}: the edit cannot be applied to the running program (rude edits above)`);
    events.push({ at: request.at, action: { kind: 'apply', name: basename(request.file), image: edit.patch.image }, expect: 'applied' });
  }
  return events;
}

/** An option's value in a message: quoted, escaped, and cut short. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/** Largest --max-instructions and --time-limit (a day); a limit is a bound, not a way to say "none". */
export const MAX_INSTRUCTIONS = 1_000_000_000_000;
export const MAX_TIME_LIMIT_MS = 86_400_000;

/** Digits (with "_" between groups) from 1 to `max`. */
function positiveInteger(text: string, option: string, max: number): number {
  const value = /^\d+(?:_\d+)*$/.test(text) ? Number(text.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new UsageError(`${option} needs a whole number from 1 to ${max.toLocaleString('en-US')}, not ${quoted(text)}`);
  }
  return value;
}
