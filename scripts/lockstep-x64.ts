// `npm run lockstep:x64 [instructions] [first seed] [calls per corpus function]`: the WASM CPU against
// real Unicorn, one instruction at a time, on random template programs until the instruction target
// is reached, then on the whole x86-64 compiler corpus (each call also run whole at full speed).
// Prints the figures and every divergence; exits non-zero if there was one.
import { loadCorpus } from '../test/corpus/corpus.ts';
import { emptyCorpusTally, runX64CorpusBuild } from '../test/lockstep/x64-corpus.ts';
import { runRandomLockstep } from '../test/lockstep/x64-random.ts';

const target = Number(process.argv[2] ?? 1_000_000);
const firstSeed = Number(process.argv[3] ?? 1);
const callsPerFunction = Number(process.argv[4] ?? 3);
const PROGRAMS_PER_BATCH = 25;

const started = performance.now();
let instructions = 0;
let programs = 0;
let seed = firstSeed;
const documented: Record<string, number> = {};
const endings: Record<string, number> = {};
let divergences = 0;

while (instructions < target) {
  const result = await runRandomLockstep({ firstSeed: seed, programs: PROGRAMS_PER_BATCH, steps: 80, statesPerProgram: 8 });
  seed += PROGRAMS_PER_BATCH;
  instructions += result.instructions;
  programs += result.programs;
  for (const [name, n] of Object.entries(result.documented)) documented[name] = (documented[name] ?? 0) + n;
  for (const [name, n] of Object.entries(result.endings)) endings[name] = (endings[name] ?? 0) + n;
  for (const d of result.divergences) {
    divergences++;
    console.log(`DIVERGENCE seed ${d.seed} state ${d.state} step ${d.divergence.step} at 0x${d.divergence.address.toString(16)}: ` +
      `${d.divergence.instruction}\n  ${d.divergence.differences.join('\n  ')}\n  before: ${d.divergence.before ?? '?'}`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`\r${instructions.toLocaleString('en')} instructions, ${programs} programs, ${seconds.toFixed(0)} s`);
}
process.stderr.write('\n');
const randomSeconds = (performance.now() - started) / 1000;

const corpus = emptyCorpusTally();
const builds = loadCorpus('x64');
for (const build of builds) {
  await runX64CorpusBuild(build, corpus, { seed: firstSeed, callsPerFunction, maxSteps: 500_000 });
}
for (const d of corpus.divergences) console.log(`DIVERGENCE ${d}`);
for (const [name, n] of Object.entries(corpus.documented)) documented[name] = (documented[name] ?? 0) + n;
const seconds = (performance.now() - started) / 1000;

const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
const total = instructions + corpus.instructions;
const allDivergences = divergences + corpus.divergences.length;
console.log(`random programs (seeds ${firstSeed}..${seed - 1}): ${instructions.toLocaleString('en')} instructions ` +
  `in ${programs} runs, ${divergences} divergences (${randomSeconds.toFixed(0)} s)`);
console.log(`  endings: ${list(endings)}`);
console.log(`compiler corpus: ${builds.length} builds, ${corpus.calls} calls (${corpus.wholeRuns} also run whole), ` +
  `${corpus.instructions.toLocaleString('en')} instructions, ${corpus.divergences.length} divergences`);
console.log(`  endings: ${list(corpus.endings)}`);
console.log(`  documented Unicorn departures from the manual: ${list(documented)}`);
console.log(`lockstep x64: ${total.toLocaleString('en')} instructions compared with Unicorn, ${allDivergences} divergences ` +
  `(${seconds.toFixed(0)} s)`);
if (allDivergences > 0) process.exitCode = 1;
