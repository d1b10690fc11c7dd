// `npm run fuzz:x64-redirect [-- count] [seed]`: random functions (Keystone-assembled from templates
// rich in short branches, loops, calls and RIP-relative operands) are hooked at random distances;
// on Unicorn the hooked function must return what the original returns and leave the same memory.
import { createHash } from 'node:crypto';
import { planX64Redirect } from '../engine/host/x64.ts';
import { Prot } from '../sandbox/sandbox.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { assembleStatements } from '../toolchain/assemble.ts';
import { RETURN_ADDRESS, callFunction } from '../harness/corpus/corpus.ts';
import { hookReplacement } from '../harness/fuzz/x64-replacements.ts';
import { progress } from '../harness/progress.ts';

const COUNT = Number(process.argv[2] ?? 2000);
let seed = BigInt(process.argv[3] ?? 1);
const FN = 0x40_0100;
const DATA = 0x60_0000;
const COUNTER = 0x61_0000;
/** RIP-relative operands use one displacement: whatever the instruction's place, it lands in the data page. */
const DISPLACEMENT = DATA + 0x400 - FN;
const PLACES = [
  { name: 'near', replacement: 0x50_0000, trampoline: 0x51_0000 },
  { name: 'far trampoline', replacement: 0x50_0000, trampoline: 0x5_0001_0000 },
  { name: 'far', replacement: 0x5_0000_0000, trampoline: 0x5_0001_0000 },
];

function random(n: number): number {
  seed ^= seed << 13n; seed &= 0xffffffffffffffffn;
  seed ^= seed >> 7n;
  seed ^= seed << 17n; seed &= 0xffffffffffffffffn;
  return Number(seed % BigInt(n));
}
const pick = <T>(items: T[]): T => items[random(items.length)]!;

/** A function of rdi/rsi with only forward branches, so it always ends. */
function randomFunction(): string[] {
  const lines: string[] = [];
  const labels = 1 + random(3);
  const count = 2 + random(7);
  const statements: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = `l${random(labels)}`;
    statements.push(pick([
      'mov eax, edi', 'add rax, rsi', 'xor ecx, ecx', 'lea rax, [rdi + rsi*2 + 5]', 'imul rax, rdi, 7', 'inc eax',
      'mov rcx, rsi', 'and ecx, 3', 'push rbx\npop rbx', 'mov edi, edi', 'sub rax, rdi', 'nop', 'cdq',
      `add qword ptr [rip + ${DISPLACEMENT}], rdi`, `mov rax, qword ptr [rip + ${DISPLACEMENT}]`, `cmp dword ptr [rip + ${DISPLACEMENT}], 1000`,
      `test edi, 1\njz ${label}`, `cmp rax, rsi\njb ${label}`, `jrcxz ${label}`, `loop ${label}`, `jmp ${label}`,
      'call helper', `test esi, esi\njnz ${label}`,
    ]));
    // loop and jrcxz only have rel8 (Keystone silently wraps a longer distance): no long stretch after them.
    const rel8Only = statements.some((st) => /^(loop|jrcxz)/.test(st));
    if (!rel8Only && random(3) === 0) statements.push(`${'nop\n'.repeat(120 + random(20))}`.trimEnd());
  }
  lines.push(...statements.flatMap((s) => s.split('\n')));
  // Every label lands after the statements, in order, so all branches go forward.
  for (let l = 0; l < labels; l++) lines.push(`l${l}:`, pick(['add eax, 3', 'xor eax, esi', 'nop']));
  lines.push('ret', 'helper:', 'lea rax, [rdi + 1]', 'ret');
  return lines;
}

function machine(bytes: Uint8Array): UnicornSandbox {
  const sandbox = new UnicornSandbox('x64');
  sandbox.map(0x40_0000, 0x2000, Prot.READ | Prot.EXEC);
  sandbox.map(DATA, 0x1000, Prot.READ | Prot.WRITE);
  sandbox.map(COUNTER, 0x1000, Prot.READ | Prot.WRITE);
  for (const place of PLACES) {
    for (const address of [place.replacement, place.trampoline]) {
      if (!sandbox.regions().some((r) => r.address === address)) sandbox.map(address, 0x1000, Prot.READ | Prot.EXEC);
    }
  }
  sandbox.map(0x7ff0_0000, 0x10_0000, Prot.READ | Prot.WRITE);
  sandbox.map(RETURN_ADDRESS, 0x1000, Prot.READ | Prot.EXEC);
  sandbox.write(FN, bytes);
  return sandbox;
}

function run(sandbox: UnicornSandbox, calls: bigint[][]): string[] {
  return calls.map((args) => `${callFunction(sandbox, FN, args, 100_000)} ${createHash('sha1').update(sandbox.read(DATA, 0x1000)).digest('hex')}`);
}

const outcomes = new Map<string, number>();
let failures = 0;
const started = performance.now();
const shown = progress({ label: 'x64 redirect fuzz', total: COUNT, unit: 'functions' });
for (let n = 0; n < COUNT; n++) {
  shown.update(n, `${failures} mismatches`);
  const lines = randomFunction();
  let bytes: Uint8Array;
  try {
    bytes = await assembleStatements(lines.join('\n'), 'x64', FN);
  } catch {
    outcomes.set('not assembled by Keystone', (outcomes.get('not assembled by Keystone') ?? 0) + 1);
    continue;
  }
  const calls = Array.from({ length: 4 }, () => [BigInt(random(2 ** 31)) * BigInt(random(4)), BigInt(random(16) + random(2) * 300)]);
  const reference = machine(bytes);
  let expected: string[];
  try {
    expected = run(reference, calls);
  } catch (error) {
    console.log(`reference failed: ${String(error)}\n${lines.filter((l) => l !== 'nop').join('\n')}`);
    process.exit(2);
  }
  reference.close();
  const place = pick(PLACES);
  const result = await planX64Redirect({ arch: 'x64', target: { address: FN, bytes, name: 'f' },
    replacement: place.replacement, mode: 'hook', trampolineAddress: place.trampoline });
  const key = result.ok ? `${place.name}: hooked (${result.plan.form})` : `${place.name}: refused ${result.refusal.code}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  if (!result.ok) continue;
  const sandbox = machine(bytes);
  for (const step of result.plan.steps) sandbox.write(step.address, step.after);
  sandbox.write(place.replacement, await hookReplacement(place.replacement, place.trampoline, COUNTER));
  let seen: string[];
  try { seen = run(sandbox, calls); } catch (error) { seen = [String(error)]; }
  const counted = new DataView(sandbox.read(COUNTER, 8).slice().buffer).getBigUint64(0, true);
  sandbox.close();
  if (JSON.stringify(seen) !== JSON.stringify(expected) || counted !== BigInt(calls.length)) {
    failures++;
    if (failures <= 5) {
      shown.done();
      console.log(`MISMATCH (${place.name}):\n${lines.join('\n')}\nexpected ${expected.join(' | ')}\nseen     ${seen.join(' | ')}`);
    }
  }
}
shown.done();
for (const [key, count] of [...outcomes].sort()) console.log(`${key}: ${count}`);
console.log(`x64 redirect fuzz: ${COUNT} random functions, ${failures} mismatches, ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures === 0 ? 0 : 1);
