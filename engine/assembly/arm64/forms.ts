// What the ARM64 engine knows about the instruction forms its decoder tells apart (the forms
// themselves are numbered in interface.ts): which are PC-relative, which branch, and their names.
import { Form } from './interface';

export function isPcRelative(form: Form): bool {
  return form >= Form.B && form <= Form.LdrLiteralQ;
}

export function isLiteralLoad(form: Form): bool {
  return form >= Form.LdrLiteralW && form <= Form.LdrLiteralQ;
}

/** Branches with an immediate target (calls included). */
export function isImmediateBranch(form: Form): bool {
  return form >= Form.B && form <= Form.TBNZ;
}

export function isConditionalBranch(form: Form): bool {
  return form >= Form.BCond && form <= Form.TBNZ;
}

export function isRegisterBranch(form: Form): bool {
  return form >= Form.RET && form <= Form.DRPS;
}

/** Control never reaches the next word (calls come back, so they fall through). */
export function endsFlow(form: Form): bool {
  if (form == Form.B) return true;
  if (!isRegisterBranch(form)) return false;
  return form != Form.BLR && form != Form.BLRAA && form != Form.BLRAB && form != Form.BLRAAZ && form != Form.BLRABZ;
}

/** Bytes a literal load reads. */
export function literalSize(form: Form): i32 {
  switch (form) {
    case Form.LdrLiteralW: case Form.LdrswLiteral: case Form.LdrLiteralS: return 4;
    case Form.LdrLiteralX: case Form.LdrLiteralD: return 8;
    case Form.LdrLiteralQ: return 16;
    default: return 0; // PRFM reads nothing
  }
}

const CONDITIONS: string[] = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];

export function conditionName(cond: i32): string {
  return CONDITIONS[cond & 15];
}

/** The mnemonic, as a disassembler prints it (conditions and BTI targets included). */
export function formName(form: Form, cond: i32): string {
  switch (form) {
    case Form.Undefined: return '(undefined)';
    case Form.Other: return '(instruction)';
    case Form.B: return 'b';
    case Form.BL: return 'bl';
    case Form.BCond: return 'b.' + conditionName(cond);
    case Form.BCCond: return 'bc.' + conditionName(cond);
    case Form.CBZ: return 'cbz';
    case Form.CBNZ: return 'cbnz';
    case Form.TBZ: return 'tbz';
    case Form.TBNZ: return 'tbnz';
    case Form.ADR: return 'adr';
    case Form.ADRP: return 'adrp';
    case Form.LdrLiteralW: case Form.LdrLiteralX: case Form.LdrLiteralS: case Form.LdrLiteralD:
    case Form.LdrLiteralQ: return 'ldr';
    case Form.LdrswLiteral: return 'ldrsw';
    case Form.PrfmLiteral: return 'prfm';
    case Form.RET: return 'ret';
    case Form.BR: return 'br';
    case Form.BLR: return 'blr';
    case Form.RETAA: return 'retaa';
    case Form.RETAB: return 'retab';
    case Form.BRAA: return 'braa';
    case Form.BRAB: return 'brab';
    case Form.BRAAZ: return 'braaz';
    case Form.BRABZ: return 'brabz';
    case Form.BLRAA: return 'blraa';
    case Form.BLRAB: return 'blrab';
    case Form.BLRAAZ: return 'blraaz';
    case Form.BLRABZ: return 'blrabz';
    case Form.ERET: return 'eret';
    case Form.ERETAA: return 'eretaa';
    case Form.ERETAB: return 'eretab';
    case Form.DRPS: return 'drps';
    case Form.Hint: return 'hint';
    case Form.NOP: return 'nop';
    case Form.BTI: return cond == 34 ? 'bti c' : cond == 36 ? 'bti j' : cond == 38 ? 'bti jc' : 'bti';
    case Form.PACIASP: return 'paciasp';
    case Form.PACIBSP: return 'pacibsp';
    case Form.AUTIASP: return 'autiasp';
    case Form.AUTIBSP: return 'autibsp';
    case Form.PACIAZ: return 'paciaz';
    case Form.PACIBZ: return 'pacibz';
    case Form.AUTIAZ: return 'autiaz';
    case Form.AUTIBZ: return 'autibz';
    case Form.PACIA1716: return 'pacia1716';
    case Form.PACIB1716: return 'pacib1716';
    case Form.AUTIA1716: return 'autia1716';
    case Form.AUTIB1716: return 'autib1716';
    case Form.XPACLRI: return 'xpaclri';
    case Form.SVC: return 'svc';
    case Form.HVC: return 'hvc';
    case Form.SMC: return 'smc';
    case Form.BRK: return 'brk';
    case Form.HLT: return 'hlt';
    case Form.UDF: return 'udf';
    case Form.DCPS: return 'dcps';
    case Form.TCANCEL: return 'tcancel';
    default: return '?';
  }
}
