// The x86-64 engine's exports to the host.
import { inputBytes } from '../common/input';
import { toHex } from '../common/json';
import { RedirectMode, X64RedirectRequest, X64_TRAMPOLINE_MAX_SIZE, planX64Redirect } from './planner';
import { X64Writer } from './writer';

/** Forms `x64Encode` can emit (the host mirrors these numbers). */
export const enum X64Form {
  JmpRel8 = 0,
  JmpRel32 = 1,
  JmpAbsolute = 2,
  CallRel32 = 3,
  CallAbsolute = 4,
  JccRel8 = 5,
  JccRel32 = 6,
  JccAbsolute = 7,
  Int3 = 8,
  Nops = 9,
}

/**
 * The writer's encoding of one form placed at `address`, as hex; "" when a relative form cannot
 * reach `target` from there. `condition` is for jcc forms, `count` for padding.
 */
export function x64Encode(form: i32, address: u64, target: u64, condition: i32, count: i32): string {
  const w = new X64Writer(address);
  let ok = true;
  switch (form) {
    case X64Form.JmpRel8: ok = w.putJmpRel8(target); break;
    case X64Form.JmpRel32: ok = w.putJmpRel32(target); break;
    case X64Form.JmpAbsolute: w.putJmpAbsolute(target); break;
    case X64Form.CallRel32: ok = w.putCallRel32(target); break;
    case X64Form.CallAbsolute: w.putCallAbsolute(target); break;
    case X64Form.JccRel8: ok = w.putJccRel8(condition, target); break;
    case X64Form.JccRel32: ok = w.putJccRel32(condition, target); break;
    case X64Form.JccAbsolute: w.putJccAbsolute(condition, target); break;
    case X64Form.Int3: w.putInt3(count); break;
    case X64Form.Nops: w.putNops(count); break;
    default: ok = false;
  }
  return ok ? toHex(w.toBytes()) : '';
}

/**
 * Plans redirecting the function at `address` to `replacement` (mode 0 replace, 1 hook) and answers
 * with the plan contract's PlanResult as JSON. The input buffer holds the `paddingLength` bytes of
 * padding before the function, then the function's `functionLength` bytes.
 */
export function x64PlanRedirect(
  paddingLength: i32, functionLength: i32, address: u64, name: string, replacement: u64, mode: i32,
  hasTrampoline: bool, trampoline: u64,
): string {
  const request = new X64RedirectRequest();
  request.code = inputBytes(0, paddingLength + functionLength).dataStart;
  request.paddingLength = paddingLength;
  request.functionLength = functionLength;
  request.address = address;
  request.name = name;
  request.replacement = replacement;
  request.mode = mode == 1 ? RedirectMode.Hook : RedirectMode.Replace;
  request.hasTrampoline = hasTrampoline;
  request.trampoline = trampoline;
  return planX64Redirect(request);
}

/** The largest trampoline a hook plan can ask for, in bytes. */
export function x64TrampolineMaxSize(): i32 {
  return X64_TRAMPOLINE_MAX_SIZE;
}
