// Which instructions the compiler corpus emits, and whether the WASM CPU runs each of them: every
// function of every build disassembled by Capstone, every instruction reduced to a form (mnemonic and
// operand kinds: `saddw v.2d, v.2d, v.2s`, `paddsw xmm, m128`), and every distinct encoding stepped
// once on the WASM CPU at its own address. An encoding the CPU refuses (UNSUPPORTED_INSTRUCTION) makes
// its form refused. `npm run corpus:coverage` prints the tables.
import type { Arch } from '../../core/arch.ts';
import { Prot, type Sandbox, SandboxError } from '../../sandbox/sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import { type DisassembledInstruction, capstoneHandle } from '../../toolchain/capstone.ts';
import { type CorpusBuild, loadBuild } from './corpus.ts';

/** How the CPU ended a single step of an encoding. */
export type StepOutcome = 'runs' | 'refused' | 'undefined';

export interface EmittedInstruction {
  build: string;
  function: string;
  address: number;
  bytes: string;
  mnemonic: string;
  text: string;
  form: string;
}

export interface FormCoverage {
  form: string;
  mnemonic: string;
  /** Uses vector registers (xmm, v). */
  vector: boolean;
  /** Every build that emits the form. */
  builds: Set<string>;
  functions: Set<string>;
  /** One instruction of the form, and its outcome; a refused encoding is preferred as the example. */
  example: EmittedInstruction;
  outcome: StepOutcome;
  /** The distinct encodings of the form (as hex). */
  encodings: Set<string>;
}

export interface BuildCoverage {
  build: string;
  instructions: number;
  forms: Set<string>;
}

export interface ArchCoverage {
  arch: Arch;
  builds: BuildCoverage[];
  forms: Map<string, FormCoverage>;
  encodings: number;
}

const X86_REGISTERS: [RegExp, string][] = [
  [/^(r[a-d]x|r[sd]i|r[sb]p|r\d+|rip)$/, 'r64'],
  [/^(e[a-d]x|e[sd]i|e[sb]p|r\d+d)$/, 'r32'],
  [/^([a-d]x|[sd]i|[sb]p|r\d+w)$/, 'r16'],
  [/^([a-d][lh]|[sd]il|[sb]pl|r\d+b)$/, 'r8'],
  [/^xmm\d+$/, 'xmm'],
  [/^ymm\d+$/, 'ymm'],
  [/^zmm\d+$/, 'zmm'],
  [/^k\d$/, 'k'],
  [/^mm\d$/, 'mm'],
  [/^st\(\d\)$/, 'st'],
  [/^[c-gs]s$/, 'sreg'],
];
const X86_SIZES: Record<string, string> = {
  byte: 'm8', word: 'm16', dword: 'm32', qword: 'm64', xmmword: 'm128', ymmword: 'm256', zmmword: 'm512', tbyte: 'm80',
};
const X86_BRANCH = /^(j\w+|call|loop\w*|jrcxz|xbegin)$/;

function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function x86Operand(operand: string, mnemonic: string): string {
  const sized = /^(\w+) ptr /.exec(operand);
  if (sized) return X86_SIZES[sized[1]!] ?? 'm';
  if (operand.includes('[')) return 'm';
  for (const [pattern, kind] of X86_REGISTERS) if (pattern.test(operand)) return kind;
  if (/^-?(0x)?[0-9a-f]+$/.test(operand)) return X86_BRANCH.test(mnemonic.split(' ').at(-1)!) ? 'rel' : 'imm';
  return operand;
}

function a64Operand(operand: string): string {
  if (operand.startsWith('{')) {
    const inside = operand.slice(1, operand.indexOf('}'));
    const rest = operand.slice(operand.indexOf('}') + 1);
    const registers = splitOperands(inside);
    return `{${a64Operand(registers[0]!)} x${registers.length}}${rest.replace(/\[\d+\]/, '[i]')}`;
  }
  if (operand.startsWith('[')) {
    const inside = splitOperands(operand.slice(1, operand.indexOf(']'))).map(a64Operand).join(', ');
    return `[${inside}]${operand.endsWith('!') ? '!' : ''}`;
  }
  let m = /^v\d+\.(\d*)([bhsdq])(\[\d+\])?$/.exec(operand);
  if (m) return `v.${m[1]}${m[2]}${m[3] ? '[i]' : ''}`;
  if (/^(x\d+|xzr|sp|fp|lr)$/.test(operand)) return 'x';
  if (/^(w\d+|wzr|wsp)$/.test(operand)) return 'w';
  m = /^([bhsdq])\d+$/.exec(operand);
  if (m) return m[1]!;
  if (operand.startsWith('#')) return '#';
  m = /^(lsl|lsr|asr|ror|msl|[us]xt[bhwx])( #.*)?$/.exec(operand);
  if (m) return m[1]! + (m[2] ? ' #' : '');
  if (/^(eq|ne|hs|cs|lo|cc|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al|nv)$/.test(operand)) return 'cond';
  return operand;
}

/** The instruction's form: its mnemonic and the kinds of its operands, registers and values left out. */
export function instructionForm(arch: Arch, insn: Pick<DisassembledInstruction, 'mnemonic' | 'operands'>): string {
  const operands = splitOperands(insn.operands);
  if (arch === 'x64') return `${insn.mnemonic} ${operands.map((o) => x86Operand(o, insn.mnemonic)).join(', ')}`.trim();
  // Branch targets print as an immediate: keep them apart from immediates that are values.
  if (/^(b|bl|b\.\w+|cbn?z|tbn?z|adrp?)$/.test(insn.mnemonic)) {
    const kinds = operands.map((o, i) => i === operands.length - 1 && o.startsWith('#') ? 'label' : a64Operand(o));
    return `${insn.mnemonic} ${kinds.join(', ')}`;
  }
  return `${insn.mnemonic} ${operands.map(a64Operand).join(', ')}`.trim();
}

/** Ranges of data inside the code (A64 literal pools), from the $d/$x mapping symbols. */
function dataRanges(build: CorpusBuild): [number, number][] {
  const marks = build.elf.symbols.filter((s) => s.name === '$d' || s.name === '$x' || s.kind === 'function')
    .sort((a, b) => a.address - b.address);
  const ranges: [number, number][] = [];
  for (const [i, mark] of marks.entries()) {
    if (mark.name !== '$d') continue;
    const next = marks.slice(i + 1).find((m) => m.address > mark.address);
    ranges.push([mark.address, next?.address ?? Number.MAX_SAFE_INTEGER]);
  }
  return ranges;
}

/** Every instruction of every corpus function of `build`, in address order. */
export async function emittedInstructions(build: CorpusBuild): Promise<EmittedInstruction[]> {
  const capstone = await capstoneHandle(build.arch);
  const data = build.arch === 'arm64' ? dataRanges(build) : [];
  const dataAt = (address: number) => data.find(([from, to]) => address >= from && address < to);
  const out: EmittedInstruction[] = [];
  for (const fn of build.functions) {
    const end = fn.address + fn.size;
    let address = fn.address;
    while (address < end) {
      const inData = dataAt(address);
      if (inData) {
        address = Math.min(inData[1], end);
        continue;
      }
      // Up to the next data range, as far as Capstone decodes.
      const stop = Math.min(end, ...data.filter(([from]) => from > address).map(([from]) => from));
      const offset = address - fn.address;
      const decoded = capstone.disasm(fn.bytes.subarray(offset, stop - fn.address), address);
      for (const insn of decoded) {
        const text = { mnemonic: insn.mnemonic, operands: insn.op_str };
        out.push({
          build: build.name, function: fn.name, address: Number(insn.address), bytes: Buffer.from(insn.bytes).toString('hex'),
          mnemonic: insn.mnemonic, text: `${insn.mnemonic} ${insn.op_str}`.trim(), form: instructionForm(build.arch, text),
        });
        address = Number(insn.address) + insn.size;
      }
      if (address < stop) {
        // Capstone decodes no instruction here: keep the word (or byte) so the CPU's answer is still shown.
        const size = build.arch === 'arm64' ? 4 : 1;
        const bytes = Buffer.from(fn.bytes.subarray(address - fn.address, address - fn.address + size)).toString('hex');
        out.push({ build: build.name, function: fn.name, address, bytes, mnemonic: '(not decoded)', text: '(not decoded by Capstone)',
          form: '(not decoded by Capstone)' });
        address += size;
      }
    }
  }
  return out;
}

const SCRATCH = 0x1000_0000;
const SCRATCH_SIZE = 0x10_0000;

/**
 * Steps the instruction at `address` once, every general register pointing into a mapped scratch
 * area (so memory operands mostly land), and says whether the CPU ran it, refused it, or raised the
 * undefined-instruction exception (as Unicorn does for `ud2` and `udf`). A fault still shows the
 * instruction decoded: refusals are decided at decode time, before any operand is touched.
 */
function stepOnce(sandbox: Sandbox, address: number, interrupts: number[]): StepOutcome {
  const middle = SCRATCH + SCRATCH_SIZE / 2;
  const registers = sandbox.arch === 'x64'
    ? ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']
    : Array.from({ length: 31 }, (_, i) => `x${i}`);
  for (const name of registers) sandbox.writeRegister(name, middle);
  sandbox.writeRegister(sandbox.arch === 'x64' ? 'rsp' : 'sp', middle + 0x1000);
  interrupts.length = 0;
  try {
    sandbox.start(address, { maxInstructions: 1 });
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    if (error.code === 'UNSUPPORTED_INSTRUCTION') return 'refused';
    if (error.code === 'UC_ERR_INSN_INVALID') return 'undefined';
    return 'runs';
  }
  return sandbox.arch === 'arm64' && interrupts.includes(1) ? 'undefined' : 'runs';
}

/** Forms with a vector register operand (xmm, v.4s, or an A64 SIMD&FP scalar register b/h/s/d/q). */
function isVectorForm(form: string): boolean {
  return /\b(xmm|ymm|zmm|v\.)/.test(form) || /(^| |\{)[bhsdq](,|$| )/.test(form.slice(form.indexOf(' ')));
}

/** The coverage of `builds` (all of one architecture). */
export async function corpusCoverage(arch: Arch, builds: CorpusBuild[]): Promise<ArchCoverage> {
  const forms = new Map<string, FormCoverage>();
  const perBuild: BuildCoverage[] = [];
  const outcomes = new Map<string, StepOutcome>();
  for (const build of builds) {
    if (build.arch !== arch) throw new Error(`${build.name} is not an ${arch} build`);
    const sandbox = new WasmSandbox(arch);
    const interrupts: number[] = [];
    try {
      loadBuild(sandbox, build);
      sandbox.map(SCRATCH, SCRATCH_SIZE, Prot.READ | Prot.WRITE);
      sandbox.addHook({ type: 'interrupt', callback: (n) => { interrupts.push(n); sandbox.stop(); } });
      sandbox.addHook({ type: 'syscall', callback: () => sandbox.stop() });
      const instructions = await emittedInstructions(build);
      const buildForms = new Set<string>();
      for (const insn of instructions) {
        let outcome = outcomes.get(insn.bytes);
        if (outcome === undefined) {
          outcome = stepOnce(sandbox, insn.address, interrupts);
          outcomes.set(insn.bytes, outcome);
        }
        buildForms.add(insn.form);
        let form = forms.get(insn.form);
        if (!form) {
          form = { form: insn.form, mnemonic: insn.mnemonic, vector: isVectorForm(insn.form),
            builds: new Set(), functions: new Set(), example: insn, outcome, encodings: new Set() };
          forms.set(insn.form, form);
        }
        form.builds.add(build.name);
        form.functions.add(insn.function);
        form.encodings.add(insn.bytes);
        if (outcome === 'refused' && form.outcome !== 'refused') {
          form.outcome = 'refused';
          form.example = insn;
        }
      }
      perBuild.push({ build: build.name, instructions: instructions.length, forms: buildForms });
    } finally {
      sandbox.close();
    }
  }
  return { arch, builds: perBuild, forms, encodings: outcomes.size };
}
