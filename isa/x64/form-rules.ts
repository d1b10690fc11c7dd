// The table both VEX and EVEX operand-form rules live in: one byte of flags per (map, opcode, pp),
// pp being the mandatory prefix the encoding implies (none, 66, F3, F2).

/** pp masks for setRules: which mandatory prefixes a rule covers. */
export const NP: i32 = 1;
export const P66: i32 = 2;
export const PF3: i32 = 4;
export const PF2: i32 = 8;
export const ALL: i32 = 15;

/** Adds `flags` to the rules of opcodes first..last of `map` under each prefix in `pps`. */
export function setRules(table: usize, map: i32, first: i32, last: i32, pps: i32, flags: u8): void {
  for (let op = first; op <= last; op++) {
    for (let pp = 0; pp < 4; pp++) {
      if (pps & (1 << pp)) {
        const at = table + <usize>(((map * 256 + op) << 2) + pp);
        store<u8>(at, load<u8>(at) | flags);
      }
    }
  }
}
