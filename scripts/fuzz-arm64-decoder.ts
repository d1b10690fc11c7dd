// `npm run fuzz:arm64-decoder [-- --words N --seed S]`: compares the engine's A64 decoder with
// Capstone on many random words (uniform, and concentrated in the groups whose allocation the
// engine checks) and prints the figures. Exits non-zero on any mismatch.
import { parseArgs } from 'node:util';
import { loadEngine } from '../engine/host/engine.ts';
import {
  compareWithCapstone, emptyReport, randomCheckedGroupWords, randomWords,
} from '../harness/oracles/arm64-capstone.ts';
import { progress } from '../harness/progress.ts';

const { values } = parseArgs({ options: { words: { type: 'string', default: '20000000' }, seed: { type: 'string', default: '1' } } });
const total = Number(values.words);
const seed = Number(values.seed);
const BATCH = 1_000_000;
const BASE = 0x10_0000_0000n;

const engine = await loadEngine();
const report = emptyReport();
const started = performance.now();
const shown = progress({ label: 'arm64 decoder fuzz', total, unit: 'words' });
for (let done = 0, batch = 0; done < total; done += BATCH, batch++) {
  const count = Math.min(BATCH, total - done);
  // Three batches in four are uniform; every fourth stays inside the checked groups.
  const words = batch % 4 === 3 ? randomCheckedGroupWords(count, seed * 7919 + batch) : randomWords(count, seed * 7919 + batch);
  await compareWithCapstone(engine, words, BASE + BigInt(batch) * 0x1000_0000n, report);
  shown.update(done + count, `${report.mismatchCount} mismatches`);
}
shown.done();
const seconds = (performance.now() - started) / 1000;
console.log(`arm64 decoder vs Capstone: ${report.words.toLocaleString('en')} words in ${seconds.toFixed(0)} s, seed ${seed}`);
console.log(`  Capstone decodes ${report.decoded.toLocaleString('en')}; PC-relative ${report.pcRelative.toLocaleString('en')}; undefined by the engine ${report.undefinedByEngine.toLocaleString('en')}`);
console.log(`  rejected by Capstone in groups the engine does not check: ${Object.entries(report.uncheckedRejected).map(([g, n]) => `${g} ${n.toLocaleString('en')}`).join(', ')}`);
console.log(`  mismatches: ${report.mismatchCount}`);
for (const m of report.mismatches.slice(0, 20)) console.log(`  0x${m.word.toString(16).padStart(8, '0')} at 0x${m.address.toString(16)}: ${m.reason}`);
process.exitCode = report.mismatchCount === 0 ? 0 : 1;
