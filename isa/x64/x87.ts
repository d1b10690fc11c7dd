// Which x87 escape forms (D8-DF) exist. Memory forms: all but four ModRM.reg values.
// Register forms: Intel's escape tables, AMD's ffreep (DF C0+i), and the 8087/287 control
// instructions that later processors run as nop (feni, fdisi, fsetpm: DB E0, E1, E4). The
// undocumented register aliases (fstp1 D9 D8+i, fcom2 DC D0+i, fcomp3 DC D8+i, fxch4 DD C8+i,
// fcomp5 DE D0+i, fxch7 DF C8+i, fstp8/9 DF D0+i/D8+i) are in no manual and are refused.

/** True if escape `opcode` (D8-DF) with this ModRM byte is an instruction. */
export function isX87Form(opcode: u32, modrm: u32): bool {
  const reg = (modrm >> 3) & 7;
  if ((modrm >> 6) != 3) {
    switch (opcode) {
      case 0xd9: return reg != 1;
      case 0xdb: return reg != 4 && reg != 6;
      case 0xdd: return reg != 5;
    }
    return true;
  }
  switch (opcode) {
    case 0xd8: return true;
    case 0xd9:
      if (modrm <= 0xd0) return true; // fld, fxch, fnop
      if (modrm <= 0xdf) return false;
      if (modrm == 0xe2 || modrm == 0xe3 || modrm == 0xe6 || modrm == 0xe7 || modrm == 0xef) return false;
      return true;
    case 0xda:
      return modrm <= 0xdf || modrm == 0xe9; // fcmovcc, fucompp
    case 0xdb:
      if (modrm <= 0xdf) return true; // fcmovncc
      if (modrm <= 0xe4) return true; // feni fdisi fclex finit fsetpm
      if (modrm <= 0xe7) return false;
      return modrm <= 0xf7; // fucomi fcomi
    case 0xdc: return modrm <= 0xcf || modrm >= 0xe0; // fadd fmul, fsubr fsub fdivr fdiv
    case 0xdd: return modrm <= 0xc7 || (modrm >= 0xd0 && modrm <= 0xef); // ffree, fst fstp fucom fucomp
    case 0xde: return modrm <= 0xcf || modrm == 0xd9 || modrm >= 0xe0; // faddp fmulp, fcompp, fsubrp fsubp fdivrp fdivp
    case 0xdf:
      if (modrm <= 0xc7 || modrm == 0xe0) return true; // ffreep, fnstsw ax
      if (modrm <= 0xe7) return false;
      return modrm <= 0xf7; // fucomip fcomip
  }
  return false;
}
