// `npm run lockstep:arm64`: the WASM CPU against real Unicorn, instruction by instruction, on random
// template programs and on the whole AArch64 compiler corpus. Prints the figures and every divergence.
//   --instructions N   random-program instructions to check (default 700000; the corpus adds its own)
//   --seed S           first program seed (default 1)
//   --calls N          calls per corpus function (default 3)
import { parseArgs } from 'node:util';
import { loadCorpus } from '../harness/corpus/corpus.ts';
import { TEMPLATE_NAMES } from '../harness/lockstep/arm64-programs.ts';
import { emptyTally, randomProgramLockstep, runCorpusBuild, runRandomPrograms } from '../harness/lockstep/arm64-drivers.ts';
import { progress } from '../harness/progress.ts';

const { values } = parseArgs({ options: {
  instructions: { type: 'string', default: '700000' },
  seed: { type: 'string', default: '1' },
  calls: { type: 'string', default: '3' },
} });
const target = Number(values.instructions);
const seed = Number(values.seed);

const started = performance.now();
const random = emptyTally();
const lockstep = randomProgramLockstep();
const shown = progress({ label: 'lockstep arm64, random programs', total: target, unit: 'instructions' });
// Each template alone first, so rare ones are covered whatever the mix, then mixed programs.
for (const [i, name] of TEMPLATE_NAMES.entries()) {
  await runRandomPrograms(lockstep, random, { seed: seed * 1_000_003 + i * 101, programs: 20, statements: 40, only: [name] });
}
let next = seed;
while (random.instructions < target) {
  await runRandomPrograms(lockstep, random, { seed: next, programs: 10, statements: 200 });
  next += 10;
  shown.update(random.instructions, `${random.programs} programs`);
}
shown.done();
random.compiledLoops += lockstep.subject.compiledBlocks;
lockstep.close();
const randomSeconds = (performance.now() - started) / 1000;

const corpus = emptyTally();
const builds = loadCorpus('arm64');
const corpusShown = progress({ label: 'lockstep arm64, compiler corpus', total: builds.length, unit: 'builds' });
for (const build of builds) {
  await runCorpusBuild(build, corpus, { seed, callsPerFunction: Number(values.calls), maxSteps: 500_000 });
  corpusShown.tick();
}
corpusShown.done();
const seconds = (performance.now() - started) / 1000;

const total = random.instructions + corpus.instructions;
const divergences = [...random.divergences, ...corpus.divergences];
console.log(`random programs: ${random.programs} programs from ${TEMPLATE_NAMES.length} templates (each also run whole), ` +
  `${random.instructions.toLocaleString('en-US')} instructions, ${random.faults} ending in the same fault on both ` +
  `(${randomSeconds.toFixed(0)} s)`);
console.log(`compiler corpus: ${builds.length} builds, ${corpus.programs} calls (each also run whole), ` +
  `${corpus.instructions.toLocaleString('en-US')} instructions`);
console.log(`compiled tier: ${random.compiledLoops} loops compiled in the random programs, ${corpus.compiledLoops} in the corpus`);
console.log(`lockstep arm64: ${total.toLocaleString('en-US')} instructions compared with Unicorn, ` +
  `${divergences.length} divergences (${seconds.toFixed(0)} s)`);
for (const d of divergences) console.log(`\n${d}`);
process.exitCode = divergences.length === 0 ? 0 : 1;
