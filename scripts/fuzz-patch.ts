// `npm run fuzz:patch [-- --cases N --seed S]`: mutated patch images through the parser and the
// transaction on real Unicorn, on both architectures; stops at the first trap, hang or trace left
// in guest memory, and prints the figures.
import { parseArgs } from 'node:util';
import type { Arch } from '../core/arch.ts';
import { fuzzPatchTransactions } from '../harness/fuzz/patch-fuzzer.ts';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '7' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
let total = 0;
for (const arch of ['x64', 'arm64'] as Arch[]) {
  const report = await fuzzPatchTransactions(arch, Math.ceil(cases / 2), seed);
  total += report.cases;
  console.log(`${arch}: ${report.cases.toLocaleString('en-US')} mutated images in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
    `(${Math.round(report.cases / (report.elapsedMs / 1000)).toLocaleString('en-US')}/s), slowest case ${report.slowestMs.toFixed(1)} ms, ` +
    `${report.undone.toLocaleString('en-US')} transactions wrote and were undone or rolled back, memory checked byte for byte`);
  const outcomes = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  console.log('  outcomes: ' + outcomes.map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`).join(', '));
}
console.log(`fuzz:patch: ${total.toLocaleString('en-US')} images, no trap, no hang, no trace left in guest memory`);
