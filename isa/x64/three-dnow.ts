// 3DNow! (0F 0F /r ib): the byte after the operands is the real opcode. These suffixes name an
// instruction on the AMD processors that implemented 3DNow! (the Geode-only 86/87 are left out).

/** True if `suffix` selects a 3DNow! instruction. */
export function isThreeDNowSuffix(suffix: u32): bool {
  switch (suffix) {
    case 0x0c: case 0x0d: case 0x1c: case 0x1d: // pi2fw pi2fd pf2iw pf2id
    case 0x8a: case 0x8e: // pfnacc pfpnacc
    case 0x90: case 0x94: case 0x96: case 0x97: case 0x9a: case 0x9e: // pfcmpge pfmin pfrcp pfrsqrt pfsub pfadd
    case 0xa0: case 0xa4: case 0xa6: case 0xa7: case 0xaa: case 0xae: // pfcmpgt pfmax pfrcpit1 pfrsqit1 pfsubr pfacc
    case 0xb0: case 0xb4: case 0xb6: case 0xb7: case 0xbb: case 0xbf: // pfcmpeq pfmul pfrcpit2 pmulhrw pswapd pavgusb
      return true;
  }
  return false;
}
