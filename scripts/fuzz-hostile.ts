// `npm run fuzz:hostile [-- --cases N --seed S]`: hostile inputs from each generator in turn; prints
// the cases tried, the clean refusals by kind, the slowest case and its size, and the peak memory,
// and fails on any case that is not accepted or refused cleanly, or that takes longer than a
// second per MB of input (at least a second).
import { parseArgs } from 'node:util';
import { fuzzManifests } from '../harness/fuzz/hostile-manifests.ts';

interface Generator {
  name: string;
  run(cases: number, seed: number): Promise<{
    cases: number; outcomes: Record<string, number>; slowest: { ms: number; bytes: number; what: string };
    failures: { what: string; result: { message: string; problem?: string } }[]; elapsedMs: number;
  }>;
}

const GENERATORS: Generator[] = [
  { name: 'manifests', run: fuzzManifests },
];

const { values } = parseArgs({ options: {
  cases: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' }, only: { type: 'string' },
} });
const cases = Number(values.cases);
const seed = Number(values.seed);
let peakRss = process.memoryUsage().rss;
const baseline = peakRss;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
let failed = false;
for (const generator of GENERATORS.filter((g) => values.only === undefined || g.name === values.only)) {
  const report = await generator.run(cases, seed);
  const outcomes = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`);
  console.log(`${generator.name}: ${report.cases.toLocaleString('en-US')} cases in ${(report.elapsedMs / 1000).toFixed(1)} s; ` +
    `${outcomes.join(', ')}; slowest ${report.slowest.ms.toFixed(0)} ms (${report.slowest.bytes.toLocaleString('en-US')} bytes: ${report.slowest.what})`);
  for (const failure of report.failures) {
    failed = true;
    console.log(`  FAILED (${failure.what}): ${failure.result.problem}\n    ${failure.result.message.split('\n')[0]}`);
  }
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`peak memory ${(peakRss / 2 ** 20).toFixed(0)} MB (${((peakRss - baseline) / 2 ** 20).toFixed(0)} MB above the start)`);
// A hostile input must not cost memory without bound: the bound README.md documents.
const MAX_GROWTH = 256 * 2 ** 20;
if (peakRss - baseline > MAX_GROWTH) {
  failed = true;
  console.log(`FAILED: memory grew by more than ${MAX_GROWTH / 2 ** 20} MB`);
}
process.exitCode = failed ? 1 : 0;
