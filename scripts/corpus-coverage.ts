// `npm run corpus:coverage [x64|arm64] [--all]`: per architecture, the distinct instructions the
// compiler corpus emits (gcc and clang, every build of scripts/build-corpus.sh) and how many of them
// the WASM CPU runs, with every refused form and an example of it. --all lists every form emitted.
// Exits non-zero when the CPU refuses a form.
import { parseArgs } from 'node:util';
import { ARCHES, type Arch } from '../core/arch.ts';
import { loadCorpus } from '../harness/corpus/corpus.ts';
import { type ArchCoverage, corpusCoverage } from '../harness/corpus/coverage.ts';

const { values, positionals } = parseArgs({ options: { all: { type: 'boolean', default: false } }, allowPositionals: true });
const arches = positionals.length > 0 ? positionals as Arch[] : [...ARCHES];

function report(coverage: ArchCoverage): number {
  const forms = [...coverage.forms.values()];
  const refused = forms.filter((f) => f.outcome === 'refused');
  const vector = forms.filter((f) => f.vector);
  const mnemonics = new Set(forms.map((f) => f.mnemonic));
  const refusedMnemonics = new Set(refused.map((f) => f.mnemonic));
  const instructions = coverage.builds.reduce((n, b) => n + b.instructions, 0);
  console.log(`\n${coverage.arch}: ${coverage.builds.length} builds, ${instructions.toLocaleString('en-US')} instructions, ` +
    `${coverage.encodings.toLocaleString('en-US')} distinct encodings`);
  console.log(`  distinct forms: ${forms.length} (${mnemonics.size} mnemonics); the WASM CPU runs ${forms.length - refused.length}, ` +
    `refuses ${refused.length} (${refusedMnemonics.size} mnemonics)`);
  console.log(`  vector forms: ${vector.length}; runs ${vector.length - vector.filter((f) => f.outcome === 'refused').length}`);
  const undefinedForms = forms.filter((f) => f.outcome === 'undefined');
  if (undefinedForms.length > 0) {
    console.log(`  undefined-instruction exception, as on Unicorn: ${undefinedForms.map((f) => f.form).join(', ')}`);
  }
  console.log('\n  | build | instructions | distinct forms | runs | refused |');
  console.log('  |---|---|---|---|---|');
  for (const build of coverage.builds) {
    const refusedHere = [...build.forms].filter((f) => coverage.forms.get(f)!.outcome === 'refused').length;
    console.log(`  | ${build.build} | ${build.instructions} | ${build.forms.size} | ${build.forms.size - refusedHere} | ${refusedHere} |`);
  }
  if (refused.length > 0) {
    console.log('\n  refused forms:');
    for (const f of refused.sort((a, b) => a.form.localeCompare(b.form))) {
      const functions = [...f.functions].slice(0, 4).join(', ') + (f.functions.size > 4 ? ` +${f.functions.size - 4}` : '');
      console.log(`    ${f.form.padEnd(36)} ${f.example.bytes.padEnd(20)} ${f.example.text.padEnd(44)} ` +
        `${f.builds.size} builds: ${functions}`);
    }
  }
  if (values.all) console.log(`\n  every form: ${forms.map((f) => f.form).sort().join('; ')}`);
  return refused.length;
}

let refusedTotal = 0;
for (const arch of arches) refusedTotal += report(await corpusCoverage(arch, loadCorpus(arch)));
process.exitCode = refusedTotal === 0 ? 0 : 1;
