// `npm run lockstep:x64 [instructions] [first seed] [calls per corpus function]`: the WASM CPU against
// real Unicorn, one instruction at a time: random template programs (each template alone first, so
// rare ones are covered whatever the mix, then mixed programs) until the instruction target, then
// the whole x86-64 compiler corpus (each call also run whole at full speed). Prints the figures, the
// instructions covered, and every divergence; exits non-zero if there was one.
import { loadCorpus } from '../harness/corpus/corpus.ts';
import { emptyCorpusTally, runX64CorpusBuild } from '../harness/lockstep/x64-corpus.ts';
import { TEMPLATE_NAMES } from '../harness/lockstep/x64-programs.ts';
import { type RandomLockstepResult, compiledLoops, runRandomLockstep } from '../harness/lockstep/x64-random.ts';
import { progress } from '../harness/progress.ts';

const target = Number(process.argv[2] ?? 1_000_000);
const firstSeed = Number(process.argv[3] ?? 1);
const callsPerFunction = Number(process.argv[4] ?? 3);
const PROGRAMS_PER_BATCH = 25;

/** The instructions the CPU must run, by Capstone's mnemonic: each must be met in the run. */
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const REQUIRED = [
  'mov', 'movzx', 'movsx', 'movsxd', 'movabs', 'lea', 'add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test',
  'inc', 'dec', 'neg', 'not', 'shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd', 'mul', 'imul', 'div',
  'idiv', 'bt', 'bts', 'btr', 'btc', 'bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt', 'bswap',
  ...CONDITIONS.flatMap((cc) => [`cmov${cc}`, `set${cc}`, `j${cc}`]), 'jmp', 'jrcxz', 'loop',
  'push', 'pop', 'call', 'ret', 'leave', 'enter', 'pushfq', 'popfq',
  ...['b', 'w', 'd', 'q'].flatMap((s) => [`rep movs${s}`, `rep stos${s}`, `lods${s}`, `repe cmps${s}`, `repne scas${s}`]),
  'xchg', 'cmpxchg', 'xadd', 'lock add', 'lock xadd', 'lock cmpxchg', 'lock xchg', 'lock inc', 'lock neg', 'lock bts',
  'cmpxchg16b', 'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo', 'nop', 'endbr64', 'pause', 'syscall', 'int3', 'int', 'hlt', 'ud2',
  'movups', 'movaps', 'movdqu', 'movdqa', 'movq', 'movd', 'pxor',
];

const started = performance.now();
const mnemonics = new Map<string, number>();
let instructions = 0;
let programs = 0;
let wholeRuns = 0;
const documented: Record<string, number> = {};
const endings: Record<string, number> = {};
let divergences = 0;
const shown = progress({ label: 'lockstep x64, random programs', total: target, unit: 'instructions' });

function add(result: RandomLockstepResult): void {
  instructions += result.instructions;
  programs += result.programs;
  wholeRuns += result.wholeRuns;
  for (const [name, n] of Object.entries(result.documented)) documented[name] = (documented[name] ?? 0) + n;
  for (const [name, n] of Object.entries(result.endings)) endings[name] = (endings[name] ?? 0) + n;
  for (const d of result.divergences) {
    divergences++;
    shown.done();
    console.log(`DIVERGENCE seed ${d.seed} state ${d.state} step ${d.divergence.step} at 0x${d.divergence.address.toString(16)}: ` +
      `${d.divergence.instruction}\n  ${d.divergence.differences.join('\n  ')}\n  before: ${d.divergence.before ?? '?'}`);
  }
  shown.update(instructions, `${programs} programs, ${divergences} divergences`);
}

for (const [i, name] of TEMPLATE_NAMES.entries()) {
  add(await runRandomLockstep({ firstSeed: 1_000_000 * (i + 1) + firstSeed, programs: 10, steps: 40, statesPerProgram: 4,
    only: [name], mnemonics }));
}
let seed = firstSeed;
while (instructions < target) {
  add(await runRandomLockstep({ firstSeed: seed, programs: PROGRAMS_PER_BATCH, steps: 80, statesPerProgram: 8, mnemonics }));
  seed += PROGRAMS_PER_BATCH;
}
shown.done();
const randomSeconds = (performance.now() - started) / 1000;

const corpus = emptyCorpusTally();
const builds = loadCorpus('x64');
const corpusShown = progress({ label: 'lockstep x64, compiler corpus', total: builds.length, unit: 'builds' });
for (const build of builds) {
  await runX64CorpusBuild(build, corpus, { seed: firstSeed, callsPerFunction, maxSteps: 500_000, mnemonics });
  corpusShown.tick();
}
corpusShown.done();
for (const d of corpus.divergences) console.log(`DIVERGENCE ${d}`);
for (const [name, n] of Object.entries(corpus.documented)) documented[name] = (documented[name] ?? 0) + n;
const seconds = (performance.now() - started) / 1000;

const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
const total = instructions + corpus.instructions;
const allDivergences = divergences + corpus.divergences.length;
const missing = REQUIRED.filter((name) => !mnemonics.has(name));
console.log(`random programs: ${programs} runs from ${TEMPLATE_NAMES.length} templates (each alone, then mixed from seed ` +
  `${firstSeed} to ${seed - 1}; ${wholeRuns} that reached their end also run whole), ` +
  `${instructions.toLocaleString('en')} instructions, ${divergences} divergences ` +
  `(${randomSeconds.toFixed(0)} s)`);
console.log(`  endings: ${list(endings)}`);
console.log(`compiler corpus: ${builds.length} builds, ${corpus.calls} calls (${corpus.wholeRuns} also run whole), ` +
  `${corpus.instructions.toLocaleString('en')} instructions, ${corpus.divergences.length} divergences`);
console.log(`  endings: ${list(corpus.endings)}`);
console.log(`documented Unicorn departures from the manual (checked against the manual's rule): ${list(documented)}`);
console.log(`instructions covered: ${mnemonics.size} distinct mnemonics; of the ${REQUIRED.length} required, ` +
  (missing.length === 0 ? 'all met' : `missing: ${missing.join(', ')}`));
console.log(`compiled tier: ${compiledLoops.random} loops compiled in the random programs, ${compiledLoops.corpus} in the corpus`);
console.log(`lockstep x64: ${total.toLocaleString('en')} instructions compared with Unicorn, ${allDivergences} divergences ` +
  `(${seconds.toFixed(0)} s)`);
if (allDivergences > 0 || missing.length > 0) process.exitCode = 1;
