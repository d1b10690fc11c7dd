// npm run fuzz:edits -- [--edits N] [--arch x64|arm64|both] [--cpu unicorn|wasm|both] [--seed S] [--json]
// The differential edit fuzzer (harness/fuzz/edit-fuzzer.ts): N random edits per architecture of the
// examples' modules and of generated modules, each built fresh and applied as a generated patch to
// a running base, on each CPU; prints edits tried, applied, identical and refused by reason.
import { parseArgs } from 'node:util';
import { type Arch, ARCHES } from '../core/arch.ts';
import { exampleSubjects } from '../harness/fuzz/edit-subjects.ts';
import { fuzzEdits, type EditFuzzReport } from '../harness/fuzz/edit-fuzzer.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { UnicornSandbox } from '../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../sandbox/wasm/wasm-sandbox.ts';
import { progress } from '../harness/progress.ts';

const { values } = parseArgs({ options: {
  edits: { type: 'string', default: '10000' }, arch: { type: 'string', default: 'both' }, cpu: { type: 'string', default: 'both' },
  seed: { type: 'string', default: '1' }, json: { type: 'boolean', default: false },
} });
const edits = Number(values.edits);
const arches = values.arch === 'both' ? [...ARCHES] : [values.arch as Arch];
const all: Record<string, (arch: Arch) => Sandbox> = { unicorn: (arch) => new UnicornSandbox(arch), wasm: (arch) => new WasmSandbox(arch) };
const cpus = values.cpu === 'both' ? all : { [values.cpu!]: all[values.cpu!]! };
if (!Number.isSafeInteger(edits) || edits <= 0 || arches.some((a) => !ARCHES.includes(a)) || Object.values(cpus).some((c) => !c)) {
  process.stderr.write('usage: npm run fuzz:edits -- [--edits N] [--arch x64|arm64|both] [--cpu unicorn|wasm|both] [--seed S] [--json]\n');
  process.exit(2);
}

const reports: EditFuzzReport[] = [];
let failed = false;
for (const arch of arches) {
  const shown = progress({ label: `edit fuzz ${arch}`, total: edits, unit: 'edits' });
  const report = await fuzzEdits({ arch, cpus, edits, seed: Number(values.seed), subjects: await exampleSubjects(arch),
    progress: (done) => shown.update(done) });
  shown.done();
  reports.push(report);
  if (report.mismatches.length > 0) failed = true;
  if (!values.json) printReport(report);
}
if (values.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
process.exit(failed ? 1 : 0);

function printReport(r: EditFuzzReport): void {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [`${r.arch}: ${n(r.tried)} edits tried in ${(r.milliseconds / 1000).toFixed(1)} s (${n(r.unassembled)} do not assemble)`];
  for (const cpu of Object.keys(r.applied)) {
    lines.push(`  ${cpu}: ${n(r.applied[cpu]!)} applied, ${n(r.identical[cpu]!)} identical in every call and global ` +
      `(${n(r.calls[cpu]!)} calls, ${n(r.bothAbnormal[cpu]!)} ended abnormally in both, ` +
      `${n(r.layoutDependent[cpu]!)} depend on where code and data are and were not compared)`);
  }
  const refused = Object.entries(r.refused).sort((a, b) => b[1] - a[1]);
  lines.push(`  refused: ${n(refused.reduce((s, [, c]) => s + c, 0))}`, ...refused.map(([reason, count]) => `    ${String(count).padStart(6)}  ${reason}`));
  lines.push(`  edits by kind: ${Object.entries(r.kinds).map(([k, c]) => `${k} ${n(c)}`).join(', ')}`);
  lines.push(`  mismatches: ${r.mismatches.length}`);
  for (const m of r.mismatches.slice(0, 5)) lines.push(`    ${m.cpu} ${m.subject} [${m.kinds.join('+')}] ${m.function}: ${m.detail}`);
  process.stdout.write(lines.join('\n') + '\n');
}
