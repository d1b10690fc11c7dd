// Pieces of the plan contract (engine/host/plan.ts) that every architecture's planner writes the same way.
import { JsonWriter } from './json';

/** A PlanResult refusal: `{ ok: false, refusal: { code, message, address } }`. */
export function refusalJson(code: string, message: string, address: u64): string {
  const j = new JsonWriter();
  j.beginObject().key('ok').bool(false).key('refusal').beginObject();
  j.key('code').string(code).key('message').string(message).key('address').hex(address);
  j.endObject().endObject();
  return j.toString();
}

/** One PlanStep object. */
export function writeStep(j: JsonWriter, kind: string, address: u64, before: Uint8Array, after: Uint8Array,
  atomic: bool, explanation: string): void {
  j.beginObject();
  j.key('kind').string(kind).key('address').hex(address);
  j.key('before').bytes(before).key('after').bytes(after);
  j.key('atomic').bool(atomic).key('explanation').string(explanation);
  j.endObject();
}
