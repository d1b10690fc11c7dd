// `npm run fuzz:patch [-- --cases N --seed S --large-share F --max-bytes B --versions 1|2|both]`:
// mutated patch images (format version 1, version 2 with relocation tables, or both, the default)
// through the parser and the transaction on real Unicorn, on both architectures, a share F of them
// (default 0.002) large images of up to B bytes (default 64 MiB, the format's bound; some just past
// it); stops at the first trap, hang or trace left in guest memory, and fails when a case took more
// than a second per MB of image (at least a second). Prints the figures and the peak memory.
import { parseArgs } from 'node:util';
import type { Arch } from '../core/arch.ts';
import { MAX_IMAGE_BYTES } from '../core/patch-format.ts';
import { fuzzPatchTransactions } from '../harness/fuzz/patch-fuzzer.ts';
import { progress } from '../harness/progress.ts';

const { values } = parseArgs({ options: {
  cases: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '7' },
  'large-share': { type: 'string', default: '0.002' }, 'max-bytes': { type: 'string', default: String(MAX_IMAGE_BYTES) },
  versions: { type: 'string', default: 'both' },
} });
if (!['1', '2', 'both'].includes(values.versions)) throw new Error(`--versions takes 1, 2 or both, not "${values.versions}"`);
const versions = values.versions === 'both' ? 'both' : Number(values.versions) as 1 | 2;
const cases = Number(values.cases);
const seed = Number(values.seed);
const large = { share: Number(values['large-share']), maxBytes: Number(values['max-bytes']) };
const startRss = process.memoryUsage().rss;
let peakRss = startRss;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
let total = 0;
let overBound = 0;
for (const arch of ['x64', 'arm64'] as Arch[]) {
  const shown = progress({ label: `patch fuzz ${arch}`, total: Math.ceil(cases / 2), unit: 'images' });
  const report = await fuzzPatchTransactions(arch, Math.ceil(cases / 2), seed, { large, versions, progress: (done) => shown.update(done) });
  shown.done();
  total += report.cases;
  overBound += report.overBound;
  console.log(`${arch}: ${report.cases.toLocaleString('en-US')} mutated images in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
    `(${Math.round(report.cases / (report.elapsedMs / 1000)).toLocaleString('en-US')}/s), slowest case ${report.slowestMs.toFixed(1)} ms, ` +
    `${report.undone.toLocaleString('en-US')} transactions wrote and were undone or rolled back, memory checked byte for byte`);
  console.log(`  ${report.largeCases.toLocaleString('en-US')} large images, the largest ${(report.largestBytes / 2 ** 20).toFixed(1)} MiB; ` +
    `slowest for its size ${report.slowest.ms.toFixed(0)} ms for ${(report.slowest.bytes / 1e6).toFixed(2)} MB (${report.slowest.outcome}); ` +
    `${report.overBound} over a second per MB`);
  const outcomes = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  console.log('  outcomes: ' + outcomes.map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`).join(', '));
}
clearInterval(sampler);
console.log(`peak memory ${(peakRss / 2 ** 20).toFixed(0)} MB (${((peakRss - startRss) / 2 ** 20).toFixed(0)} MB above the start)`);
if (overBound > 0) {
  console.log(`fuzz:patch: ${overBound} cases took more than a second per MB of image`);
  process.exitCode = 1;
} else {
  console.log(`fuzz:patch: ${total.toLocaleString('en-US')} images, no trap, no hang, no trace left in guest memory, none over a second per MB`);
}
