// ModRM, SIB and displacement in 64-bit mode (32- or 64-bit addressing; 16-bit addressing does
// not exist here). mod=00 rm=101 is RIP-relative; the SIB's base=101 with mod=00 means "no base,
// disp32"; index 100 without REX.X means "no index".
import { X64Instruction } from './instruction';
import { failMissingByte, failShort, MAX_INSTRUCTION_LENGTH } from './prefixes';

/**
 * Reads the ModRM byte at `position` and whatever SIB and displacement it calls for.
 * `registerOnly` treats the operand as a register whatever mod says (mov to/from CR/DR).
 * `extendR` / `extendX` / `extendB` are the REX (or VEX/EVEX) register extensions.
 * Returns the offset after the displacement, or -1 after failing `out`.
 */
export function readModrm(ptr: usize, available: i32, position: i32, registerOnly: bool, out: X64Instruction): i32 {
  const limit = available < MAX_INSTRUCTION_LENGTH ? available : MAX_INSTRUCTION_LENGTH;
  if (position >= limit) { failMissingByte(out, position); return -1; }
  const modrm = <u32>load<u8>(ptr + <usize>position);
  out.hasModrm = true;
  out.modrmOffset = position;
  out.modrm = <u8>modrm;
  const mod = <i32>(modrm >> 6);
  const reg = <i32>((modrm >> 3) & 7);
  const rm = <i32>(modrm & 7);
  out.mod = mod;
  out.reg = reg | (out.rexR ? 8 : 0);
  out.rm = rm | (out.rexB ? 8 : 0);
  position++;
  if (mod == 3 || registerOnly) return position;

  let dispSize: i32 = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    if (position >= limit) { failMissingByte(out, position); return -1; }
    const sib = <u32>load<u8>(ptr + <usize>position);
    out.hasSib = true;
    out.sib = <u8>sib;
    out.scale = 1 << <i32>(sib >> 6);
    const index = <i32>((sib >> 3) & 7) | (out.rexX ? 8 : 0);
    out.index = index == 4 ? -1 : index; // rsp cannot be an index; r12 (REX.X) can
    const base = <i32>(sib & 7);
    if (base == 5 && mod == 0) {
      out.base = -1;
      dispSize = 4;
    } else {
      out.base = base | (out.rexB ? 8 : 0);
    }
    if (out.index < 0) out.scale = 1;
    position++;
  } else if (rm == 5 && mod == 0) {
    out.ripRelative = true;
    out.base = -1;
    dispSize = 4;
  } else {
    out.base = out.rm;
  }

  if (dispSize > 0) {
    const end = position + dispSize;
    if (end > limit) { failShort(out, end); return -1; }
    out.dispOffset = position;
    out.dispSize = dispSize;
    out.disp = dispSize == 1
      ? <i64>load<i8>(ptr + <usize>position)
      : <i64>load<i32>(ptr + <usize>position);
    position = end;
  }
  return position;
}
