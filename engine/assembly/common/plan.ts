// What every architecture's redirect planner shares: the request the host makes, refusals, and the
// pieces of the plan contract (engine/host/plan.ts) that every planner writes the same way.
import { inputBytes } from './input';
import { PadOption, RedirectMode } from './interface';
import { JsonWriter } from './json';
import {
  DISPLACED_ADDRESS, DISPLACED_LENGTH, DISPLACED_MOVED, DISPLACED_RELOCATED_ADDRESS, DISPLACED_RELOCATED_LENGTH, DISPLACED_SIZE,
  PLAN_DISPLACED_COUNT, PlanStepKind, PLAN_HAS_TRAMPOLINE, PLAN_HEADER_SIZE, PLAN_OK, PLAN_OVERWRITTEN_ADDRESS, PLAN_OVERWRITTEN_LENGTH,
  PLAN_REFUSAL_CODE, PLAN_REFUSAL_CODES, PLAN_REPLACEMENT, PLAN_SIZE, PLAN_STEP_COUNT, PLAN_TARGET, PLAN_TRAMPOLINE_ADDRESS,
  PLAN_TRAMPOLINE_LENGTH, STEP_ADDRESS, STEP_ATOMIC, STEP_FLUSH_LENGTH, STEP_KIND, STEP_LENGTH, STEP_SIZE,
} from './plan-record';

/** No bytes: the starting value of a planner's byte fields, which are replaced, never written into. */
export const NO_BYTES = new Uint8Array(0);

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

/** The buffer plan records are written into, reused from one plan to the next (grown when needed). */
let recordBuffer = new Uint8Array(1024);

/**
 * Writes a plan's binary record (the layout of plan-record.ts) into the reusable record buffer:
 * the header, then the trampoline's bytes, then the displaced instructions, then the steps, in that order.
 */
export class PlanRecordWriter {
  private length: i32 = PLAN_HEADER_SIZE;
  private displaced: i32 = 0;
  private steps: i32 = 0;

  constructor(ok: bool) {
    memory.fill(recordBuffer.dataStart, 0, PLAN_HEADER_SIZE);
    store<u8>(recordBuffer.dataStart, ok ? 1 : 0, PLAN_OK);
  }

  private reserve(count: i32): usize {
    if (this.length + count > recordBuffer.length) {
      const grown = new Uint8Array(max(recordBuffer.length * 2, this.length + count));
      memory.copy(grown.dataStart, recordBuffer.dataStart, <usize>this.length);
      recordBuffer = grown;
    }
    const at = recordBuffer.dataStart + <usize>this.length;
    this.length += count;
    return at;
  }

  private put(source: usize, count: i32): void {
    if (count > 0) memory.copy(this.reserve(count), source, <usize>count);
  }

  /** The function, its replacement, and the bytes of its entry the redirect overwrites. */
  head(target: u64, replacement: u64, overwrittenAddress: u64, overwrittenLength: i32): void {
    const h = recordBuffer.dataStart;
    store<u64>(h, target, PLAN_TARGET);
    store<u64>(h, replacement, PLAN_REPLACEMENT);
    store<u64>(h, overwrittenAddress, PLAN_OVERWRITTEN_ADDRESS);
    store<u32>(h, <u32>overwrittenLength, PLAN_OVERWRITTEN_LENGTH);
  }

  /** The trampoline: right after the header, before any displaced instruction. */
  trampoline(address: u64, bytes: Uint8Array): void {
    const h = recordBuffer.dataStart;
    store<u8>(h, 1, PLAN_HAS_TRAMPOLINE);
    store<u64>(h, address, PLAN_TRAMPOLINE_ADDRESS);
    store<u16>(h, <u16>bytes.length, PLAN_TRAMPOLINE_LENGTH);
    this.put(bytes.dataStart, bytes.length);
  }

  /** One displaced instruction (writeDisplaced's facts). */
  displacedInstruction(address: u64, length: i32, moved: RelocatedInstruction | null): void {
    const e = this.reserve(DISPLACED_SIZE);
    store<u64>(e, address, DISPLACED_ADDRESS);
    store<u64>(e, moved != null ? moved.address : 0, DISPLACED_RELOCATED_ADDRESS);
    store<u8>(e, <u8>length, DISPLACED_LENGTH);
    store<u8>(e, moved != null ? 1 : 0, DISPLACED_MOVED);
    store<u16>(e, moved != null ? <u16>moved.bytes.length : 0, DISPLACED_RELOCATED_LENGTH);
    if (moved != null) this.put(moved.bytes.dataStart, moved.bytes.length);
    this.displaced++;
  }

  /** One step (a PlanStepKind) writing `after` over the `after.length` bytes at `before` in linear memory (0: zeroes, a fresh area). */
  step(kind: i32, address: u64, before: usize, after: Uint8Array, atomic: bool): void {
    const length = after.length;
    const e = this.reserve(STEP_SIZE);
    store<u64>(e, address, STEP_ADDRESS);
    store<u8>(e, <u8>kind, STEP_KIND);
    store<u8>(e, atomic ? 1 : 0, STEP_ATOMIC);
    store<u16>(e, <u16>length, STEP_LENGTH);
    store<u32>(e, 0, STEP_FLUSH_LENGTH);
    if (before != 0) this.put(before, length);
    else memory.fill(this.reserve(length), 0, <usize>length);
    this.put(after.dataStart, length);
    this.steps++;
  }

  /** A flush-icache step for the `length` bytes at `address`. */
  flush(address: u64, length: i32): void {
    const e = this.reserve(STEP_SIZE);
    store<u64>(e, address, STEP_ADDRESS);
    store<u8>(e, <u8>PlanStepKind.FlushIcache, STEP_KIND);
    store<u8>(e, 0, STEP_ATOMIC);
    store<u16>(e, 0, STEP_LENGTH);
    store<u32>(e, <u32>length, STEP_FLUSH_LENGTH);
    this.steps++;
  }

  /** Completes the record; answers its address (valid until the next plan). */
  finish(): usize {
    const h = recordBuffer.dataStart;
    store<u8>(h, <u8>this.displaced, PLAN_DISPLACED_COUNT);
    store<u8>(h, <u8>this.steps, PLAN_STEP_COUNT);
    store<u32>(h, <u32>this.length, PLAN_SIZE);
    return h;
  }
}

/** A refusal's record: the header with its code and address. */
/** The size of the record at `record`, in bytes. */
export function planRecordSize(record: usize): i32 {
  return <i32>load<u32>(record, PLAN_SIZE);
}

export function refusalRecord(refusal: Refusal): usize {
  const w = new PlanRecordWriter(false);
  const code = PLAN_REFUSAL_CODES.indexOf(refusal.code);
  assert(code >= 0, 'a refusal code missing from PLAN_REFUSAL_CODES');
  store<u8>(recordBuffer.dataStart, <u8>code, PLAN_REFUSAL_CODE);
  store<u64>(recordBuffer.dataStart, refusal.address, PLAN_TARGET);
  return w.finish();
}
