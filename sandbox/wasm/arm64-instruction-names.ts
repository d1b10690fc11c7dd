// Names for the classes of A64 instructions the WASM CPU refuses, from the instruction word, so that
// the error says what kind of instruction the program tried (the CPU itself reports only the word).
// The classes follow the top-level encoding index of the Arm Architecture Reference Manual.

/** A short name for the class of `word`, or '' when none of the refused classes fits. */
export function nameArm64Instruction(word: number): string {
  const op0 = (word >>> 25) & 0xf;
  if (op0 === 0b0010) return 'SVE';
  if ((word & 0xffc0_0000) >>> 0 === 0xd500_0000) return (word & 0x0010_0000) !== 0 ? 'system register access' : 'system instruction';
  if ((op0 & 0b0111) === 0b0111) return (word & 0x5e00_0000) === 0x1e00_0000 ? 'scalar floating-point' : 'Advanced SIMD';
  return '';
}
