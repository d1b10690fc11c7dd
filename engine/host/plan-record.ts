// Reads the engine's binary plan answer (the layout of engine/assembly/common/plan-record.ts) into
// the plan contract's objects. The record holds the facts; the sentences (the form's name, what
// became of each displaced instruction, each step's explanation and cache maintenance) are asked of
// the engine only when somebody wants them (explainPlan): a transaction of a thousand plans whose
// steps nobody reads never has them written. A refusal comes with its message at once.
import type { Arch } from '../../core/arch.ts';
import {
  DISPLACED_ADDRESS, DISPLACED_LENGTH, DISPLACED_MOVED, DISPLACED_RELOCATED_ADDRESS, DISPLACED_RELOCATED_LENGTH, DISPLACED_SIZE,
  PLAN_DISPLACED_COUNT, PLAN_HAS_TRAMPOLINE, PLAN_HEADER_SIZE, PLAN_OK, PLAN_OVERWRITTEN_ADDRESS, PLAN_OVERWRITTEN_LENGTH,
  PLAN_REPLACEMENT, PLAN_SIZE, PLAN_STEP_COUNT, PLAN_STEP_KINDS, PLAN_TARGET,
  PLAN_TRAMPOLINE_ADDRESS, PLAN_TRAMPOLINE_LENGTH, REQUEST_ADDRESS, REQUEST_ALIGN, REQUEST_FUNCTION_LENGTH, REQUEST_HAS_TRAMPOLINE,
  REQUEST_HEADER_SIZE, REQUEST_MODE, REQUEST_OPTIONS, REQUEST_PADDING_LENGTH, REQUEST_REPLACEMENT, REQUEST_TRAMPOLINE,
  STEP_ADDRESS, STEP_ATOMIC, STEP_FLUSH_LENGTH, STEP_KIND, STEP_LENGTH, STEP_SIZE,
} from '../assembly/common/plan-record.ts';
import { RedirectMode as RedirectModeCode } from '../assembly/common/interface.ts';
import type { Engine } from './engine.ts';
import {
  type DisplacedInstruction, type PlanResult, type PlanStep, type RedirectMode, type RedirectPlan, type RedirectRequest, type StepKind,
  decodePlanResult, padOptions, planArguments,
} from './plan.ts';

/** The sentences of a plan: the engine's PlanResult in JSON, as JSON.parse gives it. */
type PlanSentences =
  | { ok: true; plan: { form: string; displaced: { relocation: string }[];
    steps: { explanation: string; cacheMaintenance?: { length: number; sequence: string[] } }[] } }
  | { ok: false };

const EMPTY = new Uint8Array(0);

/**
 * Plans `request` like planRedirectWith, from the engine's binary record: the plan's sentences are
 * left empty until explainPlan (or explainPlans) asks the engine for them. A refusal is whole.
 */
export function planRedirectFactsWith(engine: Engine, request: RedirectRequest): PlanResult {
  return planRedirectsFactsWith(engine, [request])[0]!;
}

/** planRedirectFactsWith for every request, in one call into the engine for each architecture's requests. */
export function planRedirectsFactsWith(engine: Engine, requests: readonly RedirectRequest[]): PlanResult[] {
  const results: PlanResult[] = new Array(requests.length);
  for (const arch of ['x64', 'arm64'] as const) {
    const indexes = requests.flatMap((r, i) => (r.arch === arch ? [i] : []));
    if (indexes.length === 0) continue;
    const batch = indexes.map((i) => requests[i]!);
    const x64 = arch === 'x64';
    writeRequests(engine, batch);
    const records = (x64 ? engine.exports.x64PlanRecords : engine.exports.arm64PlanRecords)(batch.length);
    // Every record is read before a refusal's message is asked for: that call reuses engine memory.
    const memory = engine.memory();
    const refused: number[] = [];
    let at = records;
    batch.forEach((request, k) => {
      const unexplained = { engine, x64, request };
      if (memory.view.getUint8(at + PLAN_OK) === 0) refused.push(k);
      else results[indexes[k]!] = { ok: true, plan: readPlanRecord(memory, at, arch, request.mode === 'hook' ? 'hook' : 'replace', unexplained) };
      at += memory.view.getUint32(at + PLAN_SIZE, true);
    });
    for (const k of refused) results[indexes[k]!] = decodePlanResult(sentences({ engine, x64, request: batch[k]! }));
  }
  return results;
}

/** Lays the requests out in the engine's input buffer as its batch exports read them. */
function writeRequests(engine: Engine, requests: readonly RedirectRequest[]): void {
  const size = requests.reduce((n, r) => n + requestSize(r), 0);
  const input = engine.input(size);
  const view = new DataView(input.buffer, input.byteOffset, size);
  let at = 0;
  for (const r of requests) {
    const padding = r.padding ?? EMPTY;
    setU64(view, at + REQUEST_ADDRESS, r.target.address);
    setU64(view, at + REQUEST_REPLACEMENT, r.replacement);
    setU64(view, at + REQUEST_TRAMPOLINE, r.trampolineAddress ?? 0);
    view.setUint32(at + REQUEST_PADDING_LENGTH, padding.length, true);
    view.setUint32(at + REQUEST_FUNCTION_LENGTH, r.target.bytes.length, true);
    view.setUint8(at + REQUEST_MODE, r.mode === 'hook' ? RedirectModeCode.Hook : RedirectModeCode.Replace);
    view.setUint8(at + REQUEST_HAS_TRAMPOLINE, r.trampolineAddress !== undefined ? 1 : 0);
    view.setUint8(at + REQUEST_OPTIONS, padOptions(r));
    input.set(padding, at + REQUEST_HEADER_SIZE);
    input.set(r.target.bytes, at + REQUEST_HEADER_SIZE + padding.length);
    at += requestSize(r);
  }
}

function requestSize(r: RedirectRequest): number {
  const size = REQUEST_HEADER_SIZE + (r.padding?.length ?? 0) + r.target.bytes.length;
  return Math.ceil(size / REQUEST_ALIGN) * REQUEST_ALIGN;
}

/** The engine's JSON answer (the plan with its sentences) for a request. */
function sentences({ engine, x64, request }: Unexplained): string {
  const call = planArguments(request);
  engine.input(call.input.length).set(call.input);
  return engine.string((x64 ? engine.exports.x64PlanRedirect : engine.exports.arm64PlanRedirect)(...call.exportArguments));
}

/** Fills in the sentences of a plan from planRedirectFactsWith (once; other plans are left as they are). */
export function explainPlan(plan: RedirectPlan): RedirectPlan {
  const unexplained = RecordedPlan.unexplained(plan);
  if (!unexplained) return plan;
  const said = JSON.parse(sentences(unexplained)) as PlanSentences;
  if (!said.ok) throw new Error('the engine refused a plan it had made');
  plan.form = said.plan.form;
  plan.displaced.forEach((moved, i) => { moved.relocation = said.plan.displaced[i]!.relocation; });
  plan.steps.forEach((step, i) => {
    const told = said.plan.steps[i]!;
    step.explanation = told.explanation;
    if (step.cacheMaintenance) step.cacheMaintenance.sequence = told.cacheMaintenance!.sequence;
  });
  return plan;
}

/** explainPlan for every plan; answers the same list. */
export function explainPlans(plans: RedirectPlan[]): RedirectPlan[] {
  for (const plan of plans) explainPlan(plan);
  return plans;
}

/** What a plan's sentences are asked with: the request as the plan exports take it. */
interface Unexplained {
  engine: Engine;
  x64: boolean;
  request: RedirectRequest;
}

/**
 * A plan read from a record: the fields of the JSON answer, in the same order, so that it reads,
 * compares, clones and prints like any other plan; what its sentences are asked with is private.
 */
class RecordedPlan implements RedirectPlan {
  #unexplained: Unexplained | undefined;
  declare arch: Arch;
  declare mode: RedirectMode;
  declare target: number;
  declare replacement: number;
  declare form: string;
  declare overwritten: { address: number; length: number };
  declare displaced: DisplacedInstruction[];
  declare trampoline?: { address: number; bytes: Uint8Array };
  declare steps: PlanStep[];

  constructor(arch: Arch, mode: RedirectMode, target: number, replacement: number, overwritten: { address: number; length: number },
    displaced: DisplacedInstruction[], trampoline: { address: number; bytes: Uint8Array } | undefined, steps: PlanStep[],
    unexplained: Unexplained) {
    this.arch = arch;
    this.mode = mode;
    this.target = target;
    this.replacement = replacement;
    this.form = '';
    this.overwritten = overwritten;
    this.displaced = displaced;
    if (trampoline) this.trampoline = trampoline;
    this.steps = steps;
    this.#unexplained = unexplained;
  }

  /** What the plan's sentences are asked with, the first time; undefined after, or for any other plan. */
  static unexplained(plan: RedirectPlan): Unexplained | undefined {
    if (!(plan instanceof RecordedPlan)) return undefined;
    const unexplained = plan.#unexplained;
    plan.#unexplained = undefined;
    return unexplained;
  }
}

/** Writes an address (a whole number below 2^53) as a little-endian u64. */
function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / 2 ** 32), true);
}

function u64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
}

/**
 * The plan of the record at `at` in engine memory (read before the next call into the engine), its
 * sentences empty until explainPlan.
 */
function readPlanRecord(memory: { view: DataView; bytes: Uint8Array }, at: number, arch: Arch, mode: RedirectMode,
  unexplained: Unexplained): RedirectPlan {
  const { view, bytes } = memory;
  const end = at + view.getUint32(at + PLAN_SIZE, true);
  let offset = at + PLAN_HEADER_SIZE;
  const trampolineLength = view.getUint16(at + PLAN_TRAMPOLINE_LENGTH, true);
  const trampoline = view.getUint8(at + PLAN_HAS_TRAMPOLINE) !== 0
    ? { address: u64(view, at + PLAN_TRAMPOLINE_ADDRESS), bytes: bytes.slice(offset, offset + trampolineLength) } : undefined;
  offset += trampolineLength;

  const displaced: DisplacedInstruction[] = [];
  const displacedCount = view.getUint8(at + PLAN_DISPLACED_COUNT);
  for (let i = 0; i < displacedCount; i++) {
    const address = u64(view, offset + DISPLACED_ADDRESS);
    const length = view.getUint8(offset + DISPLACED_LENGTH);
    const relocatedLength = view.getUint16(offset + DISPLACED_RELOCATED_LENGTH, true);
    if (view.getUint8(offset + DISPLACED_MOVED) !== 0) {
      const relocatedAddress = u64(view, offset + DISPLACED_RELOCATED_ADDRESS);
      const relocatedBytes = bytes.slice(offset + DISPLACED_SIZE, offset + DISPLACED_SIZE + relocatedLength);
      displaced.push({ address, length, relocatedAddress, relocatedBytes, relocation: '' });
    } else {
      displaced.push({ address, length, relocation: '' });
    }
    offset += DISPLACED_SIZE + relocatedLength;
  }

  const steps: PlanStep[] = [];
  const stepCount = view.getUint8(at + PLAN_STEP_COUNT);
  for (let i = 0; i < stepCount; i++) {
    const kind = PLAN_STEP_KINDS[view.getUint8(offset + STEP_KIND)] as StepKind;
    const address = u64(view, offset + STEP_ADDRESS);
    const atomic = view.getUint8(offset + STEP_ATOMIC) !== 0;
    const length = view.getUint16(offset + STEP_LENGTH, true);
    const data = offset + STEP_SIZE;
    if (kind === 'flush-icache') {
      steps.push({ kind, address, before: EMPTY, after: EMPTY, atomic, explanation: '',
        cacheMaintenance: { length: view.getUint32(offset + STEP_FLUSH_LENGTH, true), sequence: [] } });
    } else {
      steps.push({ kind, address, before: bytes.slice(data, data + length), after: bytes.slice(data + length, data + 2 * length),
        atomic, explanation: '' });
    }
    offset = data + 2 * length;
  }
  if (offset !== end) throw new Error(`the engine's plan record is ${end - at} bytes, but its fields end at ${offset - at}`);

  const target = u64(view, at + PLAN_TARGET);
  const replacement = u64(view, at + PLAN_REPLACEMENT);
  const overwritten = { address: u64(view, at + PLAN_OVERWRITTEN_ADDRESS), length: view.getUint32(at + PLAN_OVERWRITTEN_LENGTH, true) };
  return new RecordedPlan(arch, mode, target, replacement, overwritten, displaced, trampoline, steps, unexplained);
}
