// Instruction forms for the template corpus: every operand size, register and memory operand
// shape (SIB, scaled index, disp8/disp32, RIP-relative, absolute, 32-bit addressing, segment
// overrides), immediate sizes, prefixes, branches, system instructions, SSE, AVX, BMI and AVX-512.
// Each line is assembled on its own by Keystone, so its bytes are exactly one instruction.

const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r12b', 'r13b', 'r15b'];
const R16 = ['ax', 'cx', 'sp', 'bp', 'si', 'r8w', 'r12w', 'r13w', 'r15w'];
const R32 = ['eax', 'ecx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r12d', 'r13d', 'r15d'];
const R64 = ['rax', 'rcx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r12', 'r13', 'r15'];
const REGS: Record<number, string[]> = { 1: R8, 2: R16, 4: R32, 8: R64 };
const PTR: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword', 16: 'xmmword', 32: 'ymmword', 64: 'zmmword' };

/** Memory operand shapes (without the size). */
export const ADDRESSES = [
  '[rax]', '[rsp]', '[rbp]', '[r12]', '[r13]', '[r15]',
  '[rax + 0x7f]', '[rax - 0x80]', '[rbp + 0x10]', '[r13 - 8]', '[rsp + 0x12345]', '[rdi + 0x80]',
  '[rbx + rcx*2]', '[rbx + rcx*4 + 0x10]', '[rsp + rbp*8 - 0x40]', '[r12 + r13*8 - 0x1000]', '[rax + r12*1]',
  '[rcx*8 + 0x100]', '[r9*2]',
  '[rip + 0x100]', '[rip - 0x2000]', '[rip]',
  '[0x1000]', '[0x7ffffff0]',
  '[eax]', '[ebx + ecx*4 + 8]', '[r8d + 0x20]', '[esp]',
  'fs:[rax]', 'gs:[0x28]', 'fs:[rbx + 8]', 'ss:[rbp - 8]',
];
/** A smaller set for long lists of opcodes. */
const SOME_ADDRESSES = ['[rax]', '[rsp + 8]', '[r13 + 0x1000]', '[rbx + r12*4 - 0x10]', '[rip + 0x200]', '[eax + 4]', 'gs:[0x30]'];

const IMMEDIATES8 = ['1', '0x7f', '-1', '-0x80'];
const IMMEDIATES = ['0x80', '0x1234', '-0x1234', '0x12345678', '-0x80000000'];

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

/** The address every form is assembled at; branch targets are given relative to it. */
export const TEMPLATE_ADDRESS = 0x401000;

function memory(size: number, address: string): string {
  return `${PTR[size]} ptr ${address}`;
}

export function templateForms(): string[] {
  const forms: string[] = [];
  const add = (line: string) => forms.push(line);

  // Two-operand integer instructions, every size and shape.
  for (const op of ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'mov', 'test', 'xchg']) {
    for (const size of [1, 2, 4, 8]) {
      const regs = REGS[size]!;
      for (let i = 0; i < regs.length; i++) add(`${op} ${regs[i]}, ${regs[(i * 3 + 1) % regs.length]}`);
      for (const address of ADDRESSES) {
        add(`${op} ${memory(size, address)}, ${regs[1]}`);
        if (op !== 'test' && op !== 'xchg') add(`${op} ${regs[size === 1 ? 9 : 6]}, ${memory(size, address)}`);
      }
      for (const imm of size === 1 ? IMMEDIATES8 : [...IMMEDIATES8, ...IMMEDIATES]) {
        if (op === 'xchg') break;
        if (size === 2 && /0x12345678|0x80000000/.test(imm)) continue;
        if (size === 8 && op === 'mov' && imm === '0x12345678') continue; // mov r64, imm goes to another form below
        add(`${op} ${regs[0]}, ${imm}`);
        add(`${op} ${regs[7 % regs.length]}, ${imm}`);
        add(`${op} ${memory(size, ADDRESSES[(imm.length * 5) % ADDRESSES.length]!)}, ${imm}`);
        add(`${op} ${memory(size, '[rip + 0x40]')}, ${imm}`);
      }
    }
  }
  // Immediates of every width for mov, including imm64 and moffs.
  for (const reg of R64) add(`mov ${reg}, 0x1122334455667788`);
  for (const reg of R32) add(`mov ${reg}, 0x11223344`);
  for (const reg of R16) add(`mov ${reg}, 0x1122`);
  for (const reg of R8) add(`mov ${reg}, 0x11`);
  for (const reg of ['al', 'ax', 'eax', 'rax']) {
    add(`movabs ${reg}, [0x1122334455667788]`);
    add(`movabs [0x1122334455667788], ${reg}`);
  }
  add('mov eax, dword ptr fs:[0x28]');

  // One-operand groups.
  for (const op of ['inc', 'dec', 'not', 'neg', 'mul', 'imul', 'div', 'idiv']) {
    for (const size of [1, 2, 4, 8]) {
      for (const reg of REGS[size]!.slice(0, 6)) add(`${op} ${reg}`);
      for (const address of SOME_ADDRESSES) add(`${op} ${memory(size, address)}`);
    }
  }
  // Shifts and rotates: by 1, by cl, by imm8.
  for (const op of ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar']) {
    for (const size of [1, 2, 4, 8]) {
      const reg = REGS[size]![3]!;
      add(`${op} ${reg}, 1`); add(`${op} ${reg}, cl`); add(`${op} ${reg}, 5`);
      for (const address of SOME_ADDRESSES) { add(`${op} ${memory(size, address)}, 7`); add(`${op} ${memory(size, address)}, cl`); }
    }
  }
  // imul forms, extensions, lea, bit operations.
  for (const size of [2, 4, 8]) {
    const [a, b] = [REGS[size]![0]!, REGS[size]![7]!];
    for (const src of [b, ...SOME_ADDRESSES.map((m) => memory(size, m))]) {
      add(`imul ${a}, ${src}`); add(`imul ${a}, ${src}, 5`); add(`imul ${a}, ${src}, 0x1234`);
      for (const op of ['bsf', 'bsr', 'popcnt', 'lzcnt', 'tzcnt', 'cmovne', 'cmovg']) add(`${op} ${a}, ${src}`);
    }
    for (const address of ADDRESSES) add(`lea ${a}, ${address.includes(':') ? address.split(':')[1] : address}`);
    for (const op of ['bt', 'bts', 'btr', 'btc']) {
      add(`${op} ${a}, ${b}`); add(`${op} ${a}, 3`);
      for (const address of SOME_ADDRESSES) { add(`${op} ${memory(size, address)}, ${b}`); add(`${op} ${memory(size, address)}, 9`); }
    }
    for (const op of ['shld', 'shrd']) { add(`${op} ${a}, ${b}, 4`); add(`${op} ${a}, ${b}, cl`); add(`${op} ${memory(size, '[rip + 8]')}, ${b}, 4`); }
    for (const op of ['xadd', 'cmpxchg']) { add(`${op} ${a}, ${b}`); add(`lock ${op} ${memory(size, '[rbx + 8]')}, ${b}`); }
    add(`movzx ${a}, byte ptr [rax]`); add(`movsx ${a}, bl`); add(`movsx ${a}, byte ptr [rip + 4]`);
    if (size > 2) { add(`movzx ${a}, word ptr [rsp + 4]`); add(`movsx ${a}, cx`); }
  }
  for (const c of CONDITIONS) {
    add(`cmov${c} eax, ecx`); add(`cmov${c} r9, qword ptr [rip + 0x10]`); add(`cmov${c} ax, word ptr [r12]`);
    add(`set${c} al`); add(`set${c} r10b`); add(`set${c} byte ptr [rbp - 1]`);
  }
  add('movsxd rax, ecx'); add('movsxd r10, dword ptr [rip + 0x30]'); add('bswap eax'); add('bswap r11'); add('bswap rax');
  add('cmpxchg8b qword ptr [rax]'); add('cmpxchg16b xmmword ptr [rsi]'); add('lock cmpxchg16b xmmword ptr [rip + 0x10]');
  for (const address of SOME_ADDRESSES) {
    add(`lock add dword ptr ${address}, 1`); add(`lock inc qword ptr ${address}`); add(`lock xchg ${memory(8, address)}, rax`);
    add(`lock or byte ptr ${address}, 0x40`); add(`lock neg word ptr ${address}`); add(`lock bts dword ptr ${address}, 3`);
  }

  // Stack, string and miscellaneous one-byte instructions.
  for (const reg of [...R64, 'ax', 'r9w']) { add(`push ${reg}`); add(`pop ${reg}`); }
  for (const address of SOME_ADDRESSES) { add(`push qword ptr ${address}`); add(`pop qword ptr ${address}`); add(`push word ptr ${address}`); }
  add('push 1'); add('push -0x80'); add('push 0x1234'); add('push 0x12345678'); add('push fs'); add('pop gs');
  for (const op of ['movsb', 'movsw', 'movsq', 'stosb', 'stosd', 'stosq', 'lodsb', 'lodsq', 'scasb', 'scasd', 'cmpsb', 'cmpsq']) {
    add(op); add(`rep ${op}`);
    if (/^(scas|cmps)/.test(op)) add(`repne ${op}`);
  }
  for (const line of [
    'nop', 'pause', 'cpuid', 'rdtsc', 'rdtscp', 'leave', 'cdq', 'cqo', 'cwde', 'cdqe', 'cbw', 'cwd', 'clc', 'stc', 'cld', 'std',
    'cmc', 'lahf', 'sahf', 'pushfq', 'popfq', 'xlatb', 'int3', 'int 0x80', 'int 3', 'syscall', 'sysenter', 'ud2', 'hlt',
    'enter 0x10, 0', 'enter 0x1234, 2', 'enter 0xffff, 0x1f', 'ret', 'ret 8', 'ret 0x1234', 'retf', 'retf 0x10',
    'iretq', 'in al, 0x60', 'out 0x80, al', 'in eax, dx', 'out dx, ax', 'mfence', 'lfence', 'sfence', 'clflush byte ptr [rax]',
    'prefetchnta byte ptr [rax]', 'prefetcht0 byte ptr [rip + 0x40]', 'xgetbv', 'rdrand eax', 'rdseed rcx', 'rdrand r11w',
    'fxsave [rax]', 'fxrstor [rsp + 8]', 'ldmxcsr dword ptr [rax]', 'stmxcsr dword ptr [rip + 4]', 'xsave [rdi]', 'xrstor [rdi]',
    'nop dword ptr [rax + rax]', 'nop word ptr [rax + rax]', 'nop dword ptr [rax]', 'nop dword ptr [rax + 0x1000]',
    'mov rax, cr0', 'mov cr3, rax', 'mov r8, cr8', 'mov cr4, r10', 'mov rax, dr7', 'mov dr0, rcx',
    'mov eax, ds', 'mov ds, ax', 'mov word ptr [rax], fs', 'mov gs, word ptr [rbx]', 'lgdt [rax]', 'sidt [rsp]', 'invlpg byte ptr [rax]',
    'swapgs', 'wrmsr', 'rdmsr', 'lar eax, ecx', 'lsl rax, word ptr [rax]', 'lsl eax, ecx', 'str ax', 'verr word ptr [rax]', 'xtest', 'xend',
    'fld st(1)', 'fadd st(0), st(3)', 'fld dword ptr [rax]', 'fstp qword ptr [rip + 0x10]', 'fild word ptr [rbx]', 'fnstsw ax',
    'fnstcw word ptr [rsp]', 'fxch st(2)', 'fcomip st(0), st(1)', 'fcmovb st(0), st(2)', 'fsin', 'fldz', 'fninit', 'fbld tbyte ptr [rax]',
    'fisttp qword ptr [rax]', 'faddp st(1), st(0)', 'fucompp', 'fld tbyte ptr [rsp + 0x10]',
  ]) add(line);

  // Near branches: rel8 and rel32 forms, targets around the instruction, and 66 (ignored).
  const target = (delta: number) => `0x${(TEMPLATE_ADDRESS + delta).toString(16)}`;
  for (const delta of [2, 0x10, -0x10, 0x7f, 0x100, -0x1000, 0x12345678, -0x400000]) {
    add(`jmp ${target(delta)}`); add(`call ${target(delta)}`);
    for (const c of CONDITIONS) add(`j${c} ${target(delta)}`);
  }
  for (const delta of [-0x7c, 0, 0x40, 0x81]) {
    for (const op of ['loop', 'loope', 'loopne', 'jrcxz', 'jecxz']) add(`${op} ${target(delta)}`);
  }
  // 66 before near branches: ignored in 64-bit mode, the field stays rel8 / rel32.
  for (const delta of [4, 0x100, -0x2000]) {
    add(`data16 call ${target(delta)}`); add(`data16 jmp ${target(delta)}`);
    for (const c of CONDITIONS) add(`data16 j${c} ${target(delta)}`);
  }
  add('data16 ret'); add('rex64 jmp rax'); add('rex64 call qword ptr [rip + 0x10]');
  // Indirect branches.
  for (const operand of ['rax', 'r11', ...SOME_ADDRESSES.map((m) => memory(8, m)), 'qword ptr [rip]', 'qword ptr [rip + 0x1234]']) {
    add(`jmp ${operand}`); add(`call ${operand}`);
  }
  add('ljmp [rax]'); add('lcall [rip + 0x10]'); add('rex64 ljmp [rcx]');

  // SSE family.
  const xmmOps = ['movups', 'movaps', 'movupd', 'movapd', 'movdqu', 'movdqa', 'addps', 'addpd', 'addss', 'addsd', 'mulps', 'subsd',
    'divps', 'sqrtps', 'minps', 'maxsd', 'andps', 'xorps', 'orpd', 'unpcklps', 'cvtps2pd', 'cvtdq2ps', 'comisd', 'ucomiss',
    'pxor', 'paddd', 'psubb', 'pmullw', 'pcmpeqb', 'pcmpgtd', 'punpcklbw', 'packuswb', 'pshufb', 'pmaddubsw', 'pabsd', 'pmulld',
    'pminsd', 'ptest', 'pcmpeqq', 'pmovzxbw', 'pmovsxdq', 'aesenc', 'aesdeclast', 'sha256rnds2', 'haddps', 'addsubpd', 'lddqu',
    'movshdup', 'movddup', 'psadbw', 'pavgb', 'phaddw'];
  for (const op of xmmOps) {
    if (op !== 'lddqu') add(`${op} xmm1, xmm2`);
    if (op !== 'lddqu') add(`${op} xmm9, xmm15`);
    for (const address of SOME_ADDRESSES) add(`${op} xmm3, ${address}`); // sized by the instruction
  }
  for (const line of [
    'movups xmmword ptr [rax], xmm1', 'movaps xmmword ptr [rip + 0x10], xmm8', 'movss xmm0, dword ptr [rax]', 'movsd qword ptr [rsp], xmm2',
    'movd xmm0, eax', 'movd eax, xmm0', 'movq xmm0, rax', 'movq rax, xmm0', 'movq xmm1, qword ptr [rip + 8]', 'movq xmm1, xmm2',
    'movd mm0, eax', 'movq mm1, mm2', 'paddb mm0, mm1', 'pxor mm3, qword ptr [rax]', 'emms', 'movntdq xmmword ptr [rax], xmm1',
    'movnti dword ptr [rax], eax', 'movnti qword ptr [rip + 8], rcx', 'maskmovdqu xmm1, xmm2', 'pmovmskb eax, xmm3', 'movmskps eax, xmm1',
    'cvtsi2sd xmm0, eax', 'cvtsi2sd xmm0, rax', 'cvtsi2ss xmm1, dword ptr [rip + 4]', 'cvttsd2si eax, xmm1', 'cvttsd2si rax, qword ptr [rax]',
    'cvtss2sd xmm1, xmm2', 'movhps xmm1, qword ptr [rax]', 'movlpd qword ptr [rax], xmm2', 'movhlps xmm1, xmm2', 'movlhps xmm3, xmm4',
    'crc32 eax, byte ptr [rax]', 'crc32 rax, rbx', 'crc32 eax, cx', 'movbe eax, dword ptr [rax]', 'movbe word ptr [rip + 8], cx',
    'adcx eax, ebx', 'adox rax, qword ptr [rsp]', 'pclmulqdq xmm1, xmm2, 0x11', 'aeskeygenassist xmm1, xmm2, 1',
  ]) add(line);
  for (const op of ['pshufd', 'pshufhw', 'pshuflw', 'shufps', 'shufpd', 'cmpps', 'cmpsd', 'palignr', 'roundps', 'roundsd', 'blendps',
    'pblendw', 'dpps', 'mpsadbw', 'insertps', 'pcmpestri', 'pcmpistrm']) {
    add(`${op} xmm1, xmm2, 5`); add(`${op} xmm10, xmmword ptr [rip + 0x20], 0x80`); add(`${op} xmm0, xmmword ptr [rax + rbx*2 + 4], 1`);
  }
  for (const line of ['psrlw xmm1, 3', 'psrad xmm2, 0x1f', 'psllq xmm3, 1', 'pslldq xmm4, 8', 'psrldq xmm5, 4', 'psrlw mm1, 2',
    'pinsrw xmm1, eax, 3', 'pinsrw xmm1, word ptr [rip], 3', 'pextrw eax, xmm1, 2', 'pextrb eax, xmm1, 1', 'pextrd dword ptr [rax], xmm1, 1',
    'pextrq rax, xmm1, 1', 'pinsrb xmm1, eax, 1', 'pinsrd xmm1, dword ptr [rax], 1', 'pinsrq xmm1, rax, 1', 'extractps eax, xmm1, 1',
    'extrq xmm1, 4, 8', 'insertq xmm1, xmm2, 4, 8', 'extrq xmm1, xmm2', 'insertq xmm1, xmm2', 'pshufw mm1, mm2, 0x1b']) add(line);

  // AVX, AVX2, FMA, F16C, BMI.
  for (const op of ['vaddps', 'vmulpd', 'vsubps', 'vandps', 'vxorpd', 'vmaxps', 'vpaddd', 'vpxor', 'vpcmpeqb', 'vpshufb', 'vpunpcklbw',
    'vpmulld', 'vpermps', 'vpsllvd', 'vfmadd231ps', 'vfmsub132pd', 'vfnmadd213ps', 'vaesenc', 'vpmaddwd', 'vunpckhpd']) {
    if (['vaesenc'].includes(op)) { add(`${op} xmm1, xmm2, xmm3`); add(`${op} xmm1, xmm2, xmmword ptr [rip + 0x10]`); continue; }
    add(`${op} xmm1, xmm2, xmm3`); add(`${op} ymm1, ymm2, ymm3`); add(`${op} ymm9, ymm12, ymm15`);
    for (const address of SOME_ADDRESSES) add(`${op} ymm1, ymm2, ymmword ptr ${address}`);
  }
  for (const line of [
    'vmovups ymm0, ymmword ptr [rax]', 'vmovaps ymmword ptr [rip + 0x40], ymm1', 'vmovdqu xmm8, xmmword ptr [r12 + r13*2]', 'vmovdqa ymm15, ymm0',
    'vmovss xmm1, dword ptr [rax]', 'vmovsd xmm1, xmm2, xmm3', 'vmovd xmm1, eax', 'vmovq rax, xmm1', 'vmovq xmm1, qword ptr [rip]',
    'vzeroupper', 'vzeroall', 'vbroadcastss ymm1, dword ptr [rax]', 'vbroadcastss ymm1, xmm2', 'vpbroadcastd ymm1, xmm2',
    'vpbroadcastb xmm1, byte ptr [rip + 1]', 'vbroadcasti128 ymm1, xmmword ptr [rax]', 'vperm2f128 ymm1, ymm2, ymm3, 0x20',
    'vperm2i128 ymm1, ymm2, ymmword ptr [rip], 0x31', 'vpermq ymm1, ymm2, 0x1b', 'vpermpd ymm1, ymmword ptr [rax], 0x4e',
    'vextracti128 xmm1, ymm2, 1', 'vinserti128 ymm1, ymm2, xmmword ptr [rax], 1', 'vextractf128 xmmword ptr [rip + 0x10], ymm3, 1',
    'vpshufd ymm1, ymm2, 0x1b', 'vpsrldq ymm1, ymm2, 4', 'vpsllq ymm1, ymm2, 7', 'vpsraw xmm1, xmm2, 3', 'vcmpps ymm1, ymm2, ymm3, 0x1e',
    'vblendvps ymm1, ymm2, ymm3, ymm4', 'vpblendvb xmm1, xmm2, xmmword ptr [rax], xmm4', 'vroundpd ymm1, ymmword ptr [rip], 4',
    'vpgatherdd ymm1, dword ptr [rax + ymm2*4], ymm3', 'vgatherqpd xmm1, qword ptr [rbx + xmm2*8 + 0x10], xmm3',
    'vpmaskmovd ymm1, ymm2, ymmword ptr [rax]', 'vmaskmovps ymmword ptr [rax], ymm1, ymm2', 'vcvtph2ps ymm1, xmm2', 'vcvtps2ph xmm1, ymm2, 4',
    'vpmovmskb eax, ymm1', 'vmovmskps eax, ymm2', 'vptest ymm1, ymm2', 'vtestps ymm1, ymmword ptr [rax]', 'vldmxcsr dword ptr [rax]',
    'vstmxcsr dword ptr [rip + 8]', 'vpextrq rax, xmm1, 1', 'vpinsrd xmm1, xmm2, eax, 1', 'vcvtsi2sd xmm1, xmm2, rax', 'vcvttss2si eax, xmm1',
    'vpalignr ymm1, ymm2, ymm3, 8', 'vdpps ymm1, ymm2, ymm3, 0xff', 'vpclmulqdq xmm1, xmm2, xmm3, 0', 'vmpsadbw ymm1, ymm2, ymm3, 5',
    'andn eax, ebx, ecx', 'andn rax, rbx, qword ptr [rip + 8]', 'bextr eax, ebx, ecx', 'bextr rax, qword ptr [rax], rcx', 'blsr eax, ebx',
    'blsmsk rax, qword ptr [rax]', 'blsi r10, r11', 'bzhi eax, ebx, ecx', 'pdep rax, rbx, rcx', 'pext eax, ebx, dword ptr [rax]',
    'mulx rax, rbx, rcx', 'rorx eax, ebx, 5', 'rorx rax, qword ptr [rip + 4], 0x3f', 'sarx eax, ebx, ecx', 'shlx rax, rbx, rcx', 'shrx eax, dword ptr [rax], ebx',
  ]) add(line);

  // AVX-512 (the forms Keystone 0.9.2 assembles).
  for (const line of [
    'vaddps zmm1, zmm2, zmm3', 'vaddps zmm1 {k1}, zmm2, zmm3', 'vaddps zmm1 {k1}{z}, zmm2, zmm3', 'vaddps zmm17, zmm22, zmm31',
    'vaddps zmm1, zmm2, zmmword ptr [rip + 0x100]', 'vaddps zmm1, zmm2, zmmword ptr [rax + 0x40]', 'vaddps zmm1, zmm2, zmmword ptr [rax + 0x44]',
    'vaddps zmm1, zmm2, dword ptr [rax]{1to16}', 'vaddpd zmm1 {k2}, zmm2, qword ptr [rip]{1to8}', 'vmulps ymm20, ymm21, ymm22',
    'vmovups zmm0, zmmword ptr [rax]', 'vmovups zmmword ptr [rip + 0x80], zmm1', 'vmovdqu32 zmm1, zmmword ptr [rsp + 0x40]',
    'vmovdqa64 zmm1 {k1}{z}, zmm2', 'vpaddd zmm1, zmm2, zmm3', 'vpxord zmm1, zmm2, zmmword ptr [rbx + rcx*8 + 0x1000]',
    'vpandq zmm30, zmm29, zmm28', 'vsqrtps zmm1, zmm2', 'vcmpps k1, zmm2, zmm3, 1', 'vpcmpeqd k2, zmm1, zmm2',
    'kmovw k1, eax', 'kmovw eax, k1', 'kmovw k1, word ptr [rax]', 'kandw k1, k2, k3', 'korw k1, k2, k3', 'knotw k1, k2', 'kortestw k1, k2',
    'vpbroadcastd zmm1, eax', 'vpbroadcastd zmm1, xmm2', 'vbroadcastss zmm1, dword ptr [rip + 4]', 'vpermd zmm1, zmm2, zmm3',
    'vpermq zmm1, zmm2, 0x1b', 'vpshufd zmm1, zmm2, 0x1b', 'vpsrld zmm1, zmm2, 3', 'vextracti32x4 xmm1, zmm2, 1',
    'vinserti64x4 zmm1, zmm2, ymm3, 1', 'vfmadd231ps zmm1, zmm2, zmm3', 'vfmadd231ps zmm1 {k1}, zmm2, dword ptr [rax]{1to16}',
    'vcvtdq2ps zmm1, zmm2', 'vpmovdb xmm1, zmm2', 'vpabsd zmm1, zmm2', 'vpminsd zmm1, zmm2, zmm3', 'vpmulld zmm1, zmm2, zmm3',
    'vaddps zmm1, zmm2, zmm3, {rn-sae}', 'vaddss xmm1, xmm2, dword ptr [rip + 0x10]', 'vmovss xmm16, dword ptr [rax]',
  ]) add(line);
  return forms;
}
