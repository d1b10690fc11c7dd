// `npm run lockstep:x64 [instructions] [first seed]`: runs random x86-64 programs (and the compiler
// corpus) on real Unicorn and on the WASM CPU one instruction at a time, comparing registers, flags
// and memory after each, until the instruction target is reached. Prints the figures and every
// divergence; exits non-zero if there was one.
import { runRandomLockstep } from '../test/lockstep/x64-random.ts';

const target = Number(process.argv[2] ?? 1_000_000);
const firstSeed = Number(process.argv[3] ?? 1);
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

const seconds = (performance.now() - started) / 1000;
console.log(`x64 lockstep, random programs (seeds ${firstSeed}..${seed - 1}): ${instructions.toLocaleString('en')} instructions ` +
  `in ${programs} runs, ${divergences} divergences, ${seconds.toFixed(0)} s`);
console.log(`  endings: ${Object.entries(endings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`  documented Unicorn departures from the manual: ${Object.entries(documented).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
if (divergences > 0) process.exitCode = 1;
