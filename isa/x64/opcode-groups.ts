// Opcodes whose meaning depends on ModRM.reg (the manual's opcode-extension groups) or on
// ModRM.mod together with the mandatory prefix. Run after the ModRM byte is read.
import { X64Error } from './codes';
import { X64Instruction } from './instruction';
import { IMM_8, IMM_8_8, IMM_NONE, IMM_Z, REL_Z } from './legacy-opcodes';
import { isX87Form } from './x87';

const UNDEFINED_EXTENSION = 'undefined ModRM.reg extension for this opcode';
const NEEDS_MEMORY = 'this instruction needs a memory operand';
const NEEDS_REGISTER = 'this instruction needs a register operand';

/**
 * Checks a GROUP opcode against its ModRM and mandatory prefix (0, 0x66, 0xF3 or 0xF2).
 * Returns the immediate kind to use (`immediate` unless the group changes it), or -1 after
 * failing `out`.
 */
export function resolveGroup(map: i32, opcode: u32, mandatory: u32, immediate: u32, out: X64Instruction): i32 {
  const reg = <u32>((out.modrm >> 3) & 7);
  const mod = out.mod;
  const modrm = <u32>out.modrm;
  const memory = mod != 3;
  if (map == 0) {
    switch (opcode) {
      case 0x80: case 0x81: case 0x83:
        return <i32>immediate;
      case 0x8c: // mov r/m, sreg: es cs ss ds fs gs
        if (reg > 5) return fail(out, X64Error.BAD_REGISTER, 'no segment register has this number');
        return <i32>immediate;
      case 0x8e: // mov sreg, r/m: cs cannot be loaded
        if (reg > 5 || reg == 1) return fail(out, X64Error.BAD_REGISTER, 'this segment register cannot be loaded with mov');
        return <i32>immediate;
      case 0x8f: // pop r/m; the other extensions are AMD XOP, not decoded
        if (reg != 0) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined ModRM.reg extension for 8F (XOP encodings are not decoded)');
        return <i32>immediate;
      case 0xc6:
        if (reg == 0) return <i32>IMM_8; // mov r/m8, imm8
        if (modrm == 0xf8) return <i32>IMM_8; // xabort imm8
        return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
      case 0xc7:
        if (reg == 0) return <i32>IMM_Z; // mov r/m, imm32
        if (modrm == 0xf8) return <i32>REL_Z; // xbegin rel16/rel32
        return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
      case 0xf6:
        return reg <= 1 ? <i32>IMM_8 : <i32>IMM_NONE; // test r/m8, imm8 (/1 is an alias of /0)
      case 0xf7:
        return reg <= 1 ? <i32>IMM_Z : <i32>IMM_NONE;
      case 0xfe:
        if (reg > 1) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>immediate;
      case 0xff:
        if (reg == 7) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        if ((reg == 3 || reg == 5) && !memory) return fail(out, X64Error.BAD_OPERAND_FORM, 'a far call or jump needs a memory operand');
        return <i32>immediate;
    }
    if (opcode >= 0xd8 && opcode <= 0xdf) {
      if (!isX87Form(opcode, modrm)) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined x87 form');
      return <i32>immediate;
    }
    return <i32>immediate;
  }
  if (map == 1) {
    switch (opcode) {
      case 0x00: // sldt str lldt ltr verr verw
        if (reg > 5) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>immediate;
      case 0x01:
        if (!group7Exists(modrm, mandatory)) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined form of 0F 01');
        return <i32>immediate;
      case 0x0d: // prefetch (AMD), prefetchw, prefetchwt1
        if (reg > 2) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>immediate;
      case 0x0f: // 3DNow!: checked once the suffix byte is read
        return <i32>immediate;
      case 0x12: case 0x16: // movhlps/movlhps exist only without prefix; movlpd/movhpd need memory
        if (mandatory == 0x66 && !memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_MEMORY);
        return <i32>immediate;
      case 0x20: case 0x22: { // control registers cr0 cr2 cr3 cr4 cr8
        const cr = out.reg;
        if (!(cr == 0 || cr == 2 || cr == 3 || cr == 4 || cr == 8)) return fail(out, X64Error.BAD_REGISTER, 'no control register has this number');
        return <i32>immediate;
      }
      case 0x21: case 0x23: // debug registers dr0-dr7
        if (out.reg > 7) return fail(out, X64Error.BAD_REGISTER, 'no debug register has this number');
        return <i32>immediate;
      case 0x71: case 0x72: // psrl/psra/psll by imm8
        if (reg != 2 && reg != 4 && reg != 6) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>immediate;
      case 0x73: // psrlq psrldq psllq pslldq
        if (reg == 2 || reg == 6) return <i32>immediate;
        if ((reg == 3 || reg == 7) && mandatory == 0x66) return <i32>immediate;
        return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
      case 0x78:
        if (mandatory == 0) return <i32>immediate; // vmread
        if (memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_REGISTER);
        if (mandatory == 0x66 && reg != 0) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>IMM_8_8; // extrq / insertq xmm, imm8, imm8
      case 0x79:
        if (mandatory == 0) return <i32>immediate; // vmwrite
        if (memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_REGISTER);
        return <i32>immediate; // extrq / insertq xmm, xmm
      case 0xae:
        if (!group15Exists(memory, reg, mandatory)) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined form of 0F AE');
        return <i32>immediate;
      case 0xa6: // VIA PadLock hashing and Montgomery multiplier
        if (modrm != 0xc0 && modrm != 0xc8 && modrm != 0xd0) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined form of 0F A6');
        return <i32>immediate;
      case 0xa7: // VIA PadLock random number generator and block cipher
        if (modrm < 0xc0 || modrm > 0xe8 || (modrm & 7) != 0) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined form of 0F A7');
        return <i32>immediate;
      case 0xba: // bt bts btr btc imm8
        if (reg < 4) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>immediate;
      case 0xc7:
        if (!group9Exists(memory, reg, mandatory)) return fail(out, X64Error.UNDEFINED_EXTENSION, 'undefined form of 0F C7');
        return <i32>immediate;
      case 0xd6: // movq2dq / movdq2q are register-only
        if (mandatory != 0x66 && memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_REGISTER);
        return <i32>immediate;
    }
    return <i32>immediate;
  }
  if (map == 2) {
    switch (opcode) {
      case 0xd8: // aesencwide128kl aesdecwide128kl aesencwide256kl aesdecwide256kl
        if (reg > 3) return fail(out, X64Error.UNDEFINED_EXTENSION, UNDEFINED_EXTENSION);
        return <i32>immediate;
      case 0xdc: case 0xdd: case 0xde: case 0xdf:
        // F3: Key Locker; loadiwkey (F3 DC) takes registers, the others memory.
        if (mandatory == 0xf3) {
          if (opcode != 0xdc && !memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_MEMORY);
        }
        return <i32>immediate;
      case 0xf0: case 0xf1: // movbe needs memory; crc32 (F2) takes either
        if (mandatory != 0xf2 && !memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_MEMORY);
        return <i32>immediate;
      case 0xf6: // wrss needs memory; adcx (66) / adox (F3) take either
        if (mandatory == 0 && !memory) return fail(out, X64Error.BAD_OPERAND_FORM, NEEDS_MEMORY);
        return <i32>immediate;
    }
  }
  return <i32>immediate;
}

function fail(out: X64Instruction, error: X64Error, reason: string): i32 {
  out.fail(error, reason);
  return -1;
}

/** 0F 01: descriptor-table and system instructions (memory forms), single-byte forms (mod=3). */
function group7Exists(modrm: u32, mandatory: u32): bool {
  const reg = (modrm >> 3) & 7;
  if ((modrm >> 6) != 3) {
    if (reg == 5) return mandatory == 0xf3; // rstorssp
    return true; // sgdt sidt lgdt lidt smsw lmsw invlpg
  }
  if (reg == 4 || reg == 6) return true; // smsw r, lmsw r
  switch (modrm) {
    case 0xc0: case 0xc1: case 0xc2: case 0xc3: case 0xc4: case 0xc5: case 0xc6: // enclv vmcall vmlaunch vmresume vmxoff pconfig wrmsrns
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcf: // monitor mwait clac stac encls
    case 0xd0: case 0xd1: case 0xd4: case 0xd5: case 0xd6: case 0xd7: // xgetbv xsetbv vmfunc xend xtest enclu
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf: // SVM
    case 0xe8: // serialize / setssbsy (F3)
    case 0xee: case 0xef: // rdpkru wrpkru
    case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd: // swapgs rdtscp monitorx mwaitx clzero rdpru
      return true;
    case 0xea: return mandatory == 0xf3; // saveprevssp
  }
  return false;
}

/** 0F AE: fxsave ... clflush (memory); fences and fs/gs base, shadow stack, waits (register). */
function group15Exists(memory: bool, reg: u32, mandatory: u32): bool {
  if (memory) {
    if (mandatory == 0) return true; // fxsave fxrstor ldmxcsr stmxcsr xsave xrstor xsaveopt clflush
    if (mandatory == 0x66) return true; // clwb clflushopt; 66 is a plain operand-size prefix on the others
    if (mandatory == 0xf3) return reg == 4 || reg == 6; // ptwrite clrssbsy
    return false;
  }
  if (mandatory == 0) return reg >= 5; // lfence mfence sfence
  if (mandatory == 0xf3) return reg <= 6; // rd/wr fs/gs base, ptwrite, incssp, umonitor
  return reg == 6; // tpause (66), umwait (F2)
}

/** 0F C7: cmpxchg8b/16b, xsave family, VMX pointers (memory); rdrand rdseed rdpid (register). */
function group9Exists(memory: bool, reg: u32, mandatory: u32): bool {
  if (memory) {
    switch (reg) {
      case 1: return true; // cmpxchg8b / cmpxchg16b
      case 3: case 4: case 5: return mandatory == 0; // xrstors xsavec xsaves
      case 6: return true; // vmptrld vmclear (66) vmxon (F3)
      case 7: return mandatory == 0; // vmptrst
    }
    return false;
  }
  if (reg == 6) return mandatory != 0xf2; // rdrand; senduipi (F3)
  if (reg == 7) return mandatory != 0xf2; // rdseed; rdpid (F3)
  return false;
}
