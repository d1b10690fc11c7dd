// A deliberately small redirect planner for testing the lab's transaction views before the engine's
// planners are part of the build: replace mode only, one direct jump over the entry (x86-64
// "jmp rel32" from the engine's own writer, ARM64 "b imm26"), refusing everything else.
import type { PlanResult, PlanStep, RedirectRequest } from '../../engine/host/plan.ts';
import { encodeX64 } from '../../engine/host/x64.ts';

export async function jumpPlanner(request: RedirectRequest): Promise<PlanResult> {
  const { target, replacement, arch } = request;
  const refuse = (message: string): PlanResult => ({ ok: false, refusal: { code: 'bad-request', message } });
  if (request.mode !== 'replace') return refuse('this test planner only replaces');
  let jump: Uint8Array | undefined;
  if (arch === 'x64') {
    jump = await encodeX64('jmp rel32', target.address, { target: replacement });
  } else {
    const delta = (replacement - target.address) / 4;
    if (Number.isInteger(delta) && Math.abs(delta) < 2 ** 25) {
      jump = new Uint8Array(4);
      new DataView(jump.buffer).setUint32(0, (0x14000000 | (delta & 0x3ffffff)) >>> 0, true);
    }
  }
  if (!jump) return refuse('the new function is out of reach of a direct jump');
  if (target.bytes.length < jump.length) return refuse(`the function is shorter than the ${jump.length}-byte jump`);
  const steps: PlanStep[] = [{
    kind: 'entry-jump', address: target.address, before: target.bytes.slice(0, jump.length), after: jump, atomic: true,
    explanation: `jump from the entry to the new function`,
  }];
  if (arch === 'arm64') {
    steps.push({ kind: 'flush-icache', address: target.address, before: new Uint8Array(0), after: new Uint8Array(0),
      atomic: false, explanation: 'make the new instruction visible to instruction fetch' });
  }
  return {
    ok: true,
    plan: {
      arch, mode: 'replace', target: target.address, replacement, form: arch === 'x64' ? 'jmp rel32' : 'b imm26',
      overwritten: { address: target.address, length: jump.length }, displaced: [], steps,
    },
  };
}
