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
  PLAN_TRAMPOLINE_ADDRESS, PLAN_TRAMPOLINE_LENGTH, STEP_ADDRESS, STEP_ATOMIC, STEP_FLUSH_LENGTH, STEP_KIND, STEP_LENGTH, STEP_SIZE,
} from '../assembly/common/plan-record.ts';
import type { Engine } from './engine.ts';
import {
  type DisplacedInstruction, type PlanResult, type PlanStep, type RedirectMode, type RedirectPlan, type RedirectRequest, type StepKind,
  decodePlanResult, planArguments,
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
  const call = planArguments(request);
  const x64 = request.arch === 'x64';
  engine.input(call.input.length).set(call.input);
  // The facts do not depend on the function's name (only sentences say it): the record is asked without it.
  const [paddingLength, functionLength, address, , replacement, mode, hasTrampoline, trampoline, options] = call.exportArguments;
  const record = (x64 ? engine.exports.x64PlanRecord : engine.exports.arm64PlanRecord)(paddingLength, functionLength, address, '',
    replacement, mode, hasTrampoline, trampoline, options);
  const memory = engine.memory();
  if (memory.view.getUint8(record + PLAN_OK) === 0) return decodePlanResult(sentences(engine, x64, call));
  return { ok: true, plan: readPlanRecord(memory, record, request.arch, request.mode === 'hook' ? 'hook' : 'replace', { engine, x64, call }) };
}

/** The engine's JSON answer (the plan with its sentences) for a request. */
function sentences(engine: Engine, x64: boolean, call: ReturnType<typeof planArguments>): string {
  engine.input(call.input.length).set(call.input);
  return engine.string((x64 ? engine.exports.x64PlanRedirect : engine.exports.arm64PlanRedirect)(...call.exportArguments));
}

/** Fills in the sentences of a plan from planRedirectFactsWith (once; other plans are left as they are). */
export function explainPlan(plan: RedirectPlan): RedirectPlan {
  const unexplained = RecordedPlan.unexplained(plan);
  if (!unexplained) return plan;
  const { engine, x64, call } = unexplained;
  const said = JSON.parse(sentences(engine, x64, call)) as PlanSentences;
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
  call: ReturnType<typeof planArguments>;
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
