// What every architecture's redirect planner shares: the request the host makes, refusals, and the
// pieces of the plan contract (engine/host/plan.ts) that every planner writes the same way.
import { inputBytes } from './input';
import { PadOption, RedirectMode } from './interface';
import { JsonWriter } from './json';

/** What the host asks for; the bytes (padding, then the function) sit in linear memory at `code`. */
export class RedirectRequest {
  code: usize = 0;
  paddingLength: i32 = 0;
  functionLength: i32 = 0;
  /** The function's address (its first byte follows the padding). */
  address: u64 = 0;
  name: string = '';
  replacement: u64 = 0;
  mode: RedirectMode = RedirectMode.Replace;
  hasTrampoline: bool = false;
  trampoline: u64 = 0;
  /** Keep a landing pad at the function's entry and write the jump after it (see PadOption). */
  keepLandingPads: bool = true;
  /** Every indirect branch the engine writes must land on a landing pad: no `notrack`, no `ret xN` as a jump. */
  strictLandingPads: bool = false;
}

/**
 * The request of a plan export's arguments: the input buffer holds the `paddingLength` bytes of
 * padding before the function, then the function's `functionLength` bytes.
 */
export function redirectRequest(
  paddingLength: i32, functionLength: i32, address: u64, name: string, replacement: u64, mode: i32,
  hasTrampoline: bool, trampoline: u64, options: i32 = 0,
): RedirectRequest {
  const request = new RedirectRequest();
  request.code = inputBytes(0, paddingLength + functionLength).dataStart;
  request.paddingLength = paddingLength;
  request.functionLength = functionLength;
  request.address = address;
  request.name = name;
  request.replacement = replacement;
  request.mode = mode == RedirectMode.Hook ? RedirectMode.Hook : RedirectMode.Replace;
  request.hasTrampoline = hasTrampoline;
  request.trampoline = trampoline;
  request.keepLandingPads = (options & PadOption.Overwrite) == 0;
  request.strictLandingPads = (options & PadOption.Strict) != 0;
  return request;
}

/** Why a function cannot be redirected (a refusal code of the plan contract), and the address the reason is about. */
export class Refusal {
  constructor(readonly code: string, readonly message: string, readonly address: u64) {}
}

/** What a relocator did to one displaced instruction, for the plan. */
export class RelocatedInstruction {
  /** Where the instruction's replacement starts in the trampoline. */
  address: u64 = 0;
  bytes: Uint8Array = new Uint8Array(0);
  relocation: string = '';
}

/** A PlanResult refusal: `{ ok: false, refusal: { code, message, address } }`. */
export function refusalJson(refusal: Refusal): string {
  const j = new JsonWriter();
  j.beginObject().key('ok').bool(false).key('refusal').beginObject();
  j.key('code').string(refusal.code).key('message').string(refusal.message).key('address').hex(refusal.address);
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

/**
 * One entry of the plan's `displaced` list: the instruction at `address`, and what became of it in
 * the trampoline (null in replace mode, which keeps no copy).
 */
export function writeDisplaced(j: JsonWriter, address: u64, length: i32, moved: RelocatedInstruction | null): void {
  j.beginObject().key('address').hex(address).key('length').int(length);
  if (moved != null) {
    j.key('relocatedAddress').hex(moved.address);
    j.key('relocatedBytes').bytes(moved.bytes);
    j.key('relocation').string(moved.relocation);
  } else {
    j.key('relocation').string('overwritten; replace mode keeps no copy');
  }
  j.endObject();
}

/** The plan's `trampoline` object. */
export function writeTrampoline(j: JsonWriter, address: u64, bytes: Uint8Array): void {
  j.key('trampoline').beginObject().key('address').hex(address).key('bytes').bytes(bytes).endObject();
}

/** A copy of `length` bytes of linear memory at `address` (the function's bytes as they were). */
export function copyOut(address: usize, length: i32): Uint8Array {
  const out = new Uint8Array(length);
  memory.copy(out.dataStart, address, <usize>length);
  return out;
}
