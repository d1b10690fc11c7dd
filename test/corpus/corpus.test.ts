// The corpus itself: every build loads, every function runs, and every build of the same C function
// agrees with every other build (a check of the harness that the engine tests rely on); then the
// WASM CPU against it: every instruction the builds emit runs, and every function of every build
// computes on the WASM CPU what it computes on Unicorn.
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { WasmSandbox } from '../../sandbox/wasm/wasm-sandbox.ts';
import {
  type CorpusBuild, callFunction, loadBuild, loadCorpus, randomArguments, snapshotData,
} from '../../harness/corpus/corpus.ts';
import { corpusCoverage } from '../../harness/corpus/coverage.ts';

const VECTOR_GLOBALS = ['vec_i16a', 'vec_i16b', 'vec_i16c', 'vec_i32a', 'vec_i32b', 'vec_i32c', 'vec_i64a', 'vec_u8a',
  'vec_u8b', 'vec_u8c'];

describe.each(ARCHES)('compiler corpus, %s', (arch) => {
  const builds = loadCorpus(arch);
  const next = randomArguments(1);
  const cases = builds[0]!.functions.flatMap((fn) => Array.from({ length: 4 }, () => ({
    name: fn.name, args: Array.from({ length: fn.arity }, next),
  })));

  /** Every case called in turn on `sandbox` with `build` loaded: results and memory after each. */
  function outcomes(sandbox: Sandbox, build: CorpusBuild): string[] {
    const seen = cases.map(({ name, args }) => {
      const fn = build.functions.find((f) => f.name === name)!;
      const result = callFunction(sandbox, fn.address, args);
      const data = JSON.stringify(snapshotData(sandbox, build));
      return `${name}(${args.join(',')}) = ${fn.returnsValue ? result : '-'} ; ${data}`;
    });
    sandbox.close();
    return seen;
  }

  it('has gcc and clang builds at -O0 to -O3 and -Os with the same functions', () => {
    expect(builds.map((b) => b.name)).toEqual(expect.arrayContaining(
      ['gcc', 'clang'].flatMap((cc) => ['O0', 'O1', 'O2', 'O3', 'Os'].map((o) => `${arch}-${cc}-${o}`))));
    if (arch === 'x64') expect(builds.map((b) => b.name)).toEqual(expect.arrayContaining(['x64-gcc-O3-v2', 'x64-clang-O3-v2']));
    const names = builds[0]!.functions.map((f) => f.name).sort();
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(names.filter((name) => name.startsWith('vec_')).length).toBeGreaterThanOrEqual(25);
    for (const build of builds) expect(build.functions.map((f) => f.name).sort(), build.name).toEqual(names);
  });

  it('computes the same results and memory effects in every build, and the WASM CPU computes them too', () => {
    let reference: string[] | undefined;
    for (const build of builds) {
      const unicorn = new UnicornSandbox(arch);
      loadBuild(unicorn, build);
      expect(Object.keys(snapshotData(unicorn, build)).sort()).toEqual(['counter', 'history', 'points', 'scratch', ...VECTOR_GLOBALS]);
      const seen = outcomes(unicorn, build);
      if (reference) expect(seen, build.name).toEqual(reference);
      reference ??= seen;
      const wasm = new WasmSandbox(arch);
      loadBuild(wasm, build);
      expect(outcomes(wasm, build), `${build.name} on the WASM CPU`).toEqual(reference);
    }
  });

  it('emits only instructions the WASM CPU runs', async () => {
    const coverage = await corpusCoverage(arch, builds);
    const forms = [...coverage.forms.values()];
    expect(forms.filter((f) => f.outcome === 'refused').map((f) => `${f.form}: ${f.example.text} in ${f.example.build}`)).toEqual([]);
    // The trap instructions compilers plant are the only ones that raise the undefined-instruction exception.
    expect(forms.filter((f) => f.outcome === 'undefined' && !/^(ud2|udf)\b/.test(f.form)).map((f) => f.form)).toEqual([]);
    // The corpus holds what vectorised loops compile to, the widening add of the report among them.
    expect(forms.filter((f) => f.vector).length).toBeGreaterThan(arch === 'x64' ? 150 : 250);
    const expected = arch === 'x64' ? ['pmaddwd xmm, xmm', 'pshufb xmm, xmm', 'pmovzxbw xmm, m64', 'psadbw xmm, xmm']
      : ['saddw v.2d, v.2d, v.2s', 'saddw2 v.2d, v.2d, v.4s', 'mla v.4s, v.4s, v.4s', 'tbl v.16b, {v.16b x1}, v.16b',
        'ld2 {v.16b x2}, [x]'];
    expect([...coverage.forms.keys()]).toEqual(expect.arrayContaining(expected));
  }, 120_000);
});
