// The plan answer: every plan and refusal of plan-cases.ts, as the host reads it, is exactly what
// plan-answers.json pins (the engine's answers, explanations and messages word for word, taken from
// its JSON answer), and the same as the engine's JSON answer read today.
// UPDATE_PLAN_ANSWERS=1 rewrites plan-answers.json from the JSON answer instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../core/hex.ts';
import { type Engine, loadEngine } from '../../engine/host/engine.ts';
import { PadOption, RedirectMode } from '../../engine/assembly/common/interface.ts';
import { type PlanResult, type RedirectRequest, decodePlanResult, planRedirectWith } from '../../engine/host/plan.ts';
import { PLAN_CASES, planCaseRequest } from './plan-cases.ts';

const FIXTURE = new URL('./plan-answers.json', import.meta.url);

/** A result as text: every field in order, bytes as hex. */
function serialize(result: PlanResult): string {
  return JSON.stringify(result, (_, value: unknown) => value instanceof Uint8Array ? bytesToHex(value) : value, 1);
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
    const result = planRedirectWith(engine, requests[i]!);
    expect(JSON.parse(serialize(result))).toEqual(pinned[label]);
    expect(serialize(result)).toBe(serialize(jsonAnswer(engine, requests[i]!)));
  });
});
