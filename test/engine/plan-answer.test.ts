// The plan answer: every plan and refusal of plan-cases.ts, read from the engine's binary record
// with its sentences asked for afterwards (explainPlan), is exactly what plan-answers.json pins (the
// engine's JSON answers as they were before the record, explanations and messages word for word),
// and the same as the JSON answer the public planners still read.
// UPDATE_PLAN_ANSWERS=1 rewrites plan-answers.json from the JSON answer.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../core/hex.ts';
import { type Engine, loadEngine } from '../../engine/host/engine.ts';
import { PadOption, RedirectMode } from '../../engine/assembly/common/interface.ts';
import { PLAN_REFUSAL_CODES, PLAN_STEP_KINDS, PlanStepKind } from '../../engine/assembly/common/plan-record.ts';
import {
  type PlanResult, type RedirectRequest, type RefusalCode, type StepKind, decodePlanResult, planRedirectWith,
} from '../../engine/host/plan.ts';
import { explainPlan, planRedirectFactsWith, planRedirectsFactsWith } from '../../engine/host/plan-record.ts';
import { PLAN_CASES, planCaseRequest } from './plan-cases.ts';

const FIXTURE = new URL('./plan-answers.json', import.meta.url);

/** A result as text: every field in order, bytes as hex. */
function serialize(result: PlanResult): string {
  return JSON.stringify(result, (_, value: unknown) => value instanceof Uint8Array ? bytesToHex(value) : value, 1);
}

/** The plan from the binary record, its sentences asked for. */
function explained(engine: Engine, request: RedirectRequest): PlanResult {
  const result = planRedirectFactsWith(engine, request);
  if (result.ok) explainPlan(result.plan);
  return result;
}

/** The engine's JSON answer for `request`, read as the host read it before the binary answer. */
function jsonAnswer(engine: Engine, request: RedirectRequest): PlanResult {
  const padding = request.padding ?? new Uint8Array(0);
  const { bytes } = request.target;
  const input = engine.input(padding.length + bytes.length);
  input.set(padding, 0);
  input.set(bytes, padding.length);
  const plan = request.arch === 'x64' ? engine.exports.x64PlanRedirect : engine.exports.arm64PlanRedirect;
  const answer = plan(padding.length, bytes.length, BigInt(request.target.address), request.target.name ?? '',
    BigInt(request.replacement), request.mode === 'hook' ? RedirectMode.Hook : RedirectMode.Replace,
    request.trampolineAddress !== undefined, BigInt(request.trampolineAddress ?? 0),
    request.landingPads === 'overwrite' ? PadOption.Overwrite : request.landingPads === 'strict' ? PadOption.Strict : 0);
  return decodePlanResult(engine.string(answer));
}

describe('the plan answer', async () => {
  const engine = await loadEngine();
  const requests = await Promise.all(PLAN_CASES.map(planCaseRequest));

  if (process.env.UPDATE_PLAN_ANSWERS) {
    const pinned = Object.fromEntries(PLAN_CASES.map((c, i) => [c.label, JSON.parse(serialize(jsonAnswer(engine, requests[i]!)))]));
    writeFileSync(FIXTURE, JSON.stringify(pinned, null, 1) + '\n');
  }
  const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;

  it('covers plans and refusals of both architectures, every step kind and refusal code', () => {
    const results = requests.map((r) => jsonAnswer(engine, r));
    const kinds = new Set(results.flatMap((r) => r.ok ? r.plan.steps.map((s) => `${r.plan.arch} ${s.kind}`) : []));
    expect([...kinds].sort()).toEqual(['arm64 entry-jump', 'arm64 flush-icache', 'arm64 padding-jump', 'arm64 trampoline',
      'x64 entry-jump', 'x64 padding-jump', 'x64 trampoline']);
    const codes = new Set(results.flatMap((r, i) => r.ok ? [] : [`${requests[i]!.arch} ${r.refusal.code}`]));
    for (const arch of ['x64', 'arm64']) {
      for (const code of ['too-short', 'branch-into-overwritten', 'undecodable', 'out-of-range', 'bad-request']) {
        expect(codes, `${arch} ${code}`).toContain(`${arch} ${code}`);
      }
    }
    expect(codes).toContain('x64 unmovable-instruction');
    expect(codes).toContain('arm64 unmovable-instruction');
    expect(Object.keys(pinned)).toEqual(PLAN_CASES.map((c) => c.label));
  });

  it.each(PLAN_CASES.map((c, i) => [c.label, i] as const))('%s: as pinned, explanations and messages word for word', (label, i) => {
    const result = explained(engine, requests[i]!);
    expect(JSON.parse(serialize(result))).toEqual(pinned[label]);
    expect(serialize(result)).toBe(serialize(jsonAnswer(engine, requests[i]!)));
    expect(serialize(planRedirectWith(engine, requests[i]!))).toBe(serialize(result));
  });

  it('asks the engine for a plan\'s sentences only when they are wanted, once per plan; a refusal comes whole', () => {
    let asked = 0;
    const counted = (name: 'x64PlanRedirect' | 'arm64PlanRedirect') => ({
      value: (...args: unknown[]) => { asked++; return (engine.exports[name] as (...a: unknown[]) => number)(...args); },
    });
    const exports = Object.create(engine.exports, { x64PlanRedirect: counted('x64PlanRedirect'), arm64PlanRedirect: counted('arm64PlanRedirect') });
    const counting = Object.create(engine, { exports: { value: exports } }) as Engine;
    const results = requests.map((r) => planRedirectFactsWith(counting, r));
    const refusals = results.filter((r) => !r.ok);
    expect(refusals.length).toBeGreaterThan(10);
    expect(asked).toBe(refusals.length);
    const plans = results.flatMap((r) => r.ok ? [r.plan] : []);
    // The facts are there, the sentences empty, every field in its place.
    const first = plans[0]!;
    expect(first.steps[0]!).toEqual({ kind: 'entry-jump', address: 0x40_0100, before: first.steps[0]!.before,
      after: first.steps[0]!.after, atomic: true, explanation: '' });
    expect(first.form).toBe('');
    expect(asked).toBe(refusals.length);
    explainPlan(first);
    explainPlan(first);
    expect(asked).toBe(refusals.length + 1);
    expect(first.form).toBe('jmp rel32');
    expect(first.steps[0]!.explanation).toMatch(/^A jmp rel32 to the replacement 0x500000 overwrites the first 5 bytes of clamp \(0x400100\)/);
  });

  it('plans every case in one call into the engine as it plans each alone: both architectures mixed, refusals in place', () => {
    // Twice over, in an order that mixes the architectures, so records follow records of either kind.
    const mixed = [...requests, ...requests].map((r, i, all) => all[(i * 7) % all.length]!);
    const batch = planRedirectsFactsWith(engine, mixed);
    expect(batch).toHaveLength(mixed.length);
    mixed.forEach((request, i) => {
      const result = batch[i]!;
      if (result.ok) explainPlan(result.plan);
      expect(serialize(result), `request ${i}`).toBe(serialize(explained(engine, request)));
    });
    expect(batch.some((r) => r.ok) && batch.some((r) => !r.ok)).toBe(true);
  });

  it('names refusal codes and step kinds by the numbers the engine writes', () => {
    expect(PLAN_STEP_KINDS).toEqual(['trampoline', 'padding-jump', 'entry-jump', 'flush-icache'] satisfies StepKind[]);
    expect([PlanStepKind.Trampoline, PlanStepKind.PaddingJump, PlanStepKind.EntryJump, PlanStepKind.FlushIcache].map((k) => PLAN_STEP_KINDS[k]))
      .toEqual(PLAN_STEP_KINDS);
    expect(PLAN_REFUSAL_CODES).toEqual(['too-short', 'branch-into-overwritten', 'unmovable-instruction', 'undecodable', 'out-of-range',
      'bad-request'] satisfies RefusalCode[]);
  });
});
