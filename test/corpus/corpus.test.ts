// The corpus itself: every build loads, every function runs, and every build of the same C function
// agrees with every other build (a check of the harness that the engine tests rely on).
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { callFunction, loadBuild, loadCorpus, randomArguments, snapshotData } from '../../harness/corpus/corpus.ts';

describe.each(ARCHES)('compiler corpus, %s', (arch) => {
  const builds = loadCorpus(arch);

  it('has gcc and clang builds at -O0 to -O2 and -Os with the same functions', () => {
    expect(builds.map((b) => b.name)).toEqual(expect.arrayContaining(
      ['gcc', 'clang'].flatMap((cc) => ['O0', 'O1', 'O2', 'Os'].map((o) => `${arch}-${cc}-${o}`))));
    const names = builds[0]!.functions.map((f) => f.name).sort();
    expect(names.length).toBeGreaterThanOrEqual(35);
    for (const build of builds) expect(build.functions.map((f) => f.name).sort(), build.name).toEqual(names);
  });

  it('computes the same results and memory effects in every build', () => {
    const next = randomArguments(1);
    const cases = builds[0]!.functions.flatMap((fn) => Array.from({ length: 4 }, () => ({
      name: fn.name, args: Array.from({ length: fn.arity }, next),
    })));
    let reference: string[] | undefined;
    for (const build of builds) {
      const sandbox = new UnicornSandbox(arch);
      loadBuild(sandbox, build);
      expect(Object.keys(snapshotData(sandbox, build)).sort()).toEqual(['counter', 'history', 'points', 'scratch']);
      const seen = cases.map(({ name, args }) => {
        const fn = build.functions.find((f) => f.name === name)!;
        const result = callFunction(sandbox, fn.address, args);
        const data = JSON.stringify(snapshotData(sandbox, build));
        return `${name}(${args.join(',')}) = ${fn.returnsValue ? result : '-'} ; ${data}`;
      });
      sandbox.close();
      if (reference) expect(seen, build.name).toEqual(reference);
      reference ??= seen;
    }
  });
});
