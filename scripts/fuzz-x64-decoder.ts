// `npm run fuzz:x64-decoder [streams] [seed]`: the x86-64 decoder against Capstone on many random
// byte streams (default 20,000,000). Prints the figures and exits non-zero on any disagreement
// that no documented difference explains.
import { X64Decoder } from '../engine/host/x64-decoder.ts';
import { loadCapstoneX64 } from '../harness/oracles/x64-capstone.ts';
import { compareWindows, newComparison, randomSource, randomWindows } from '../harness/fuzz/x64-random-streams.ts';
import { progress } from '../harness/progress.ts';

const total = Number(process.argv[2] ?? 20_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 0xffffffff);
const decoder = await X64Decoder.load();
await loadCapstoneX64();
const next = randomSource(seed);
const result = newComparison();
const started = performance.now();
const batch = 65536;
const shown = progress({ label: 'x64 decoder fuzz', total, unit: 'streams' });
for (let done = 0; done < total; done += batch) {
  compareWindows(decoder, randomWindows(Math.min(batch, total - done), next), 0x7f0000000000n, result);
  shown.update(result.windows, `${result.unexplainedCount} unexplained`);
}
shown.done();
const seconds = (performance.now() - started) / 1000;
const n = (value: number) => value.toLocaleString('en-US');
console.log(`x64 decoder fuzz (seed ${seed}): ${n(result.windows)} random streams in ${seconds.toFixed(1)} s`);
console.log(`  Capstone decodes ${n(result.capstoneDecoded)}; same length, flow and targets: ${n(result.agreed)}`);
console.log(`  decoded by the decoder only (Capstone refuses): ${n(result.decoderOnly)}`);
for (const [id, count] of result.explained) console.log(`  documented difference ${id}: ${n(count)}`);
console.log(`  unexplained disagreements: ${n(result.unexplainedCount)}`);
for (const example of result.unexplained) console.log(`    ${example.bytes}: Capstone ${example.capstone}; decoder ${example.decoder}`);
process.exit(result.unexplainedCount === 0 ? 0 : 1);
