// `npm run fuzz:hostile [-- --cases N --seed S --generators sources,...]`: hostile inputs from each
// generator in GENERATORS, each tried once and timed. A case passes when it is accepted or refused
// cleanly (an error that says what is wrong, not a crash, a watchdog or an internal error), within
// 1 s per MB of input (at least 1 s) of the process's CPU time (all its threads, Keystone's included;
// CPU time rather than wall time so that other work on a shared machine does not count), with the
// process's memory at most MEMORY_BOUND_MB above what it was after the generators were prepared. A
// hang is caught by a watchdog thread, which prints the case and ends the process. Prints cases
// tried, refusals by kind, the slowest case and peak memory.
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Random } from '../harness/fuzz/patch-fuzzer.ts';
import { type HostileGenerator, hostileSources } from '../harness/fuzz/hostile-sources.ts';
import { hostileManifests } from '../harness/fuzz/hostile-manifests.ts';
import { progress } from '../harness/progress.ts';

/** Every generator; others (manifests, patch images) join this list. */
const GENERATORS: (() => HostileGenerator)[] = [hostileSources, hostileManifests];

/** Memory a case may add to the process (RSS above the baseline), in MB. */
const MEMORY_BOUND_MB = 256;
/** A case may take this long per MB of input, and at least this long. */
const MS_PER_MB = 1000;
/** Past this, the watchdog thread takes the case for a hang and ends the process. */
const HANG_MS = 60_000;

/** Refusals by kind: the first pattern that matches the message names it. */
const KINDS: [string, RegExp][] = [
  ['unclean: assembler crash, watchdog or internal error', /the assembler (crashed|did not finish|stopped|could not start|answered)|^assembly failed/],
  ['example.json field', /^ManifestError: /],
  ['file refused', /^FileError: /],
  ['unterminated string', /^unterminated string/],
  ['character literal', /character literal/],
  ['escape in a string', /escape/],
  ['NUL', /NUL character/],
  ['control character', /control character|carriage return/],
  ['non-ASCII text', /is not ASCII/],
  ['AT&T syntax', /AT&T syntax/],
  ['comment', /block comments|does not start a comment/],
  ['unsupported directive', /^directive \S+ is (not supported|ARM64's)/],
  ['size limit', /would make the module larger|would have the assembler read more/],
  ['source too large', /^the source is .* at most/],
  ['.rept structure', /\.rept|\.endr/],
  ['directive arguments', /needs|takes|empty value|must be a power of two|literal pool/],
  ['names and labels', /label|symbol name|kept for the toolchain|give a symbol its value|not an instruction or a directive/],
  ['does not assemble', /^cannot assemble/],
  ['ARM64 alignment', /4-byte aligned/],
  ['patch or module structure', /.*/],
];

const { values } = parseArgs({ options: {
  cases: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' }, generators: { type: 'string' },
} });
const cases = Number(values.cases);
const seed = Number(values.seed);
const chosen = GENERATORS.map((make) => make()).filter((g) => !values.generators || values.generators.split(',').includes(g.name));
if (chosen.length === 0) throw new Error(`no generator named ${values.generators}`);

// The watchdog runs in its own thread, so it sees a case that never gives the main thread back.
const watchdog = new Worker(`
  const { parentPort } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  let timer;
  parentPort.on('message', ({ label, input }) => {
    clearTimeout(timer);
    if (label === undefined) return;
    timer = setTimeout(() => {
      writeSync(2, 'fuzz:hostile: HANG (no answer in ${HANG_MS / 1000} s): ' + label + '\\n' + input.slice(0, 2000) + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }, ${HANG_MS});
  });`, { eval: true });
watchdog.unref();

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
/** With --expose-gc (npm run fuzz:hostile passes it), garbage is collected before memory is read. */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
let peakMb = 0;
const sampler = setInterval(() => { peakMb = Math.max(peakMb, rssMb()); }, 20);

const random = new Random(seed);
for (const generator of chosen) await generator.prepare?.();
// One case first, so that Keystone's thread is loaded before the baseline is taken.
await chosen[0]!.next(new Random(seed + 1)).run().catch(() => undefined);
collect();
const baselineMb = rssMb();
peakMb = baselineMb;

interface Slowest { ms: number; wallMs: number; label: string; bytes: number }
interface Stats { cases: number; accepted: number; kinds: Map<string, number>; examples: Map<string, string>; slowest: Slowest }
const stats = new Map<string, Stats>(chosen.map((g) => [g.name,
  { cases: 0, accepted: 0, kinds: new Map(), examples: new Map(), slowest: { ms: 0, wallMs: 0, label: '', bytes: 0 } }]));
const failures: string[] = [];
const started = performance.now();
const shown = progress({ label: 'hostile fuzz', total: cases, unit: 'cases' });

for (let i = 0; i < cases && failures.length < 20; i++) {
  shown.update(i, `${failures.length} failures`);
  const generator = chosen[i % chosen.length]!;
  const stat = stats.get(generator.name)!;
  const generated = generator.next(random);
  const hostile = { ...generated, label: `case ${i}: ${generator.name}, ${generated.label}` };
  watchdog.postMessage({ label: hostile.label, input: hostile.input });
  const start = performance.now();
  const cpu = process.cpuUsage();
  let outcome: string | undefined;
  try {
    outcome = await hostile.run();
  } catch (error) {
    failures.push(`${hostile.label}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n${hostile.input.slice(0, 500)}`);
    continue;
  }
  const used = process.cpuUsage(cpu);
  const ms = (used.user + used.system) / 1000;
  const wallMs = performance.now() - start;
  watchdog.postMessage({});
  collect();
  const nowMb = rssMb();
  peakMb = Math.max(peakMb, nowMb);
  stat.cases++;
  if (ms > stat.slowest.ms) stat.slowest = { ms, wallMs, label: generated.label, bytes: hostile.bytes };
  if (outcome === undefined) {
    stat.accepted++;
  } else {
    const kind = KINDS.find(([, pattern]) => pattern.test(outcome!))![0];
    stat.kinds.set(kind, (stat.kinds.get(kind) ?? 0) + 1);
    if (!stat.examples.has(kind)) stat.examples.set(kind, outcome.length > 110 ? `${outcome.slice(0, 110)}...` : outcome);
    if (kind.startsWith('unclean')) failures.push(`${hostile.label}: ${outcome}\n${hostile.input.slice(0, 500)}`);
  }
  const allowedMs = Math.max(MS_PER_MB, MS_PER_MB * hostile.bytes / 1e6);
  if (ms > allowedMs) {
    failures.push(`${hostile.label} (${hostile.bytes.toLocaleString('en-US')} bytes): ${ms.toFixed(0)} ms of CPU time ` +
      `(${wallMs.toFixed(0)} ms wall), over ${allowedMs.toFixed(0)} ms`);
  }
  if (nowMb - baselineMb > MEMORY_BOUND_MB) failures.push(`${hostile.label}: memory ${nowMb.toFixed(0)} MB, over ${MEMORY_BOUND_MB} MB above the baseline`);
}
shown.done();
clearInterval(sampler);
for (const generator of chosen) generator.finish?.();

const total = [...stats.values()].reduce((n, s) => n + s.cases, 0);
console.log(`fuzz:hostile: ${total.toLocaleString('en-US')} cases (seed ${seed}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
for (const [name, stat] of stats) {
  const refused = stat.cases - stat.accepted;
  const kinds = [...stat.kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n.toLocaleString('en-US')}`).join(', ');
  console.log(`  ${name}: ${stat.cases.toLocaleString('en-US')} cases, ${stat.accepted.toLocaleString('en-US')} accepted, ` +
    `${refused.toLocaleString('en-US')} refused (${kinds})`);
  for (const [kind, example] of stat.examples) console.log(`    ${kind}, such as: ${example}`);
  console.log(`  ${name}: slowest ${stat.slowest.ms.toFixed(0)} ms of CPU time (${stat.slowest.wallMs.toFixed(0)} ms wall), ` +
    `${stat.slowest.label} (${stat.slowest.bytes.toLocaleString('en-US')} bytes)`);
}
console.log(`  memory: peak ${peakMb.toFixed(0)} MB RSS, ${(peakMb - baselineMb).toFixed(0)} MB above the baseline of ${baselineMb.toFixed(0)} MB ` +
  `(bound ${MEMORY_BOUND_MB} MB)`);
if (failures.length > 0) {
  console.log(`\n${failures.length} failures${failures.length >= 20 ? ' (stopped at 20)' : ''}:\n${failures.join('\n\n')}`);
  process.exitCode = 1;
}
