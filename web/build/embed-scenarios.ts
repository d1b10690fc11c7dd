// Vite plugin: the embeds' scenarios, prepared at build time (scenario-builder.ts) and served as
// modules, one chunk per scenario, so an embed downloads only the scenario it shows.
//   virtual:hotpatch-scenarios                 the list: id, example, arch, title, load()
//   virtual:hotpatch-scenario/<example>/<arch> one scenario (default export)
//   virtual:hotpatch-first-scenario            the scenario of the example a visit without a link opens
//                                              (FIRST_EXAMPLE, its first architecture): the playground
//                                              imports it with its script, to load it without a wait
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { type Arch, ARCHES } from '../../core/arch.ts';
import { EXAMPLE_ID } from '../../toolchain/example-manifest.ts';
import type { Scenario } from '../src/embed/scenario.ts';
import { FIRST_EXAMPLE } from '../src/examples/first-example.ts';

const REGISTRY = 'virtual:hotpatch-scenarios';
const ONE = 'virtual:hotpatch-scenario/';
const FIRST = 'virtual:hotpatch-first-scenario';

/** Files under `dir`; symbolic links are not followed into (a link to a parent would never end). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

export function embedScenarios(examplesDir = resolve('examples')): Plugin {
  const built = new Map<string, Promise<Scenario>>();
  const scenario = async (example: string, arch: Arch): Promise<Scenario> => {
    const key = `${example}/${arch}`;
    let promise = built.get(key);
    if (!promise) {
      // Loaded here, not at the top: the Vite config is also read by tests, which need none of it.
      promise = import('./scenario-builder.ts').then(({ buildScenario }) => buildScenario(examplesDir, example, arch));
      built.set(key, promise);
    }
    return promise;
  };
  return {
    name: 'embed-scenarios',
    resolveId(id) {
      return id === REGISTRY || id === FIRST || id.startsWith(ONE) ? `\0${id}` : null;
    },
    async load(id) {
      if (id === `\0${REGISTRY}`) {
        const { listExamples } = await import('./scenario-builder.ts');
        const choices = await listExamples(examplesDir);
        this.addWatchFile(examplesDir);
        const entries = choices.map(({ example, arch, title }) => {
          return `  { id: ${JSON.stringify(`${example}/${arch}`)}, example: ${JSON.stringify(example)}, arch: ${JSON.stringify(arch)}, ` +
            `title: ${JSON.stringify(title)}, load: () => import(${JSON.stringify(`${ONE}${example}/${arch}`)}).then((m) => m.default) },`;
        });
        return `export const SCENARIOS = [\n${entries.join('\n')}\n];\n`;
      }
      if (id === `\0${FIRST}`) {
        const manifest = join(examplesDir, FIRST_EXAMPLE, 'example.json');
        this.addWatchFile(manifest);
        const { arches } = JSON.parse(readFileSync(manifest, 'utf8')) as { arches: Arch[] };
        return `export { default } from ${JSON.stringify(`${ONE}${FIRST_EXAMPLE}/${arches[0]}`)};\n` +
          `export const FIRST_SCENARIO = ${JSON.stringify({ example: FIRST_EXAMPLE, arch: arches[0] })};\n`;
      }
      if (id.startsWith(`\0${ONE}`)) {
        const [example, arch, ...rest] = id.slice(ONE.length + 1).split('/') as [string, Arch];
        if (rest.length > 0 || !EXAMPLE_ID.test(example) || !ARCHES.includes(arch)) this.error(`${id.slice(1)}: no such scenario`);
        // A scenario may use another example's sources ("price-tax:pricing.s"): every example is watched.
        for (const file of filesUnder(examplesDir)) this.addWatchFile(file);
        const data = await scenario(example, arch);
        // JSON.parse of a string literal is faster to start than the same object as JavaScript.
        return `export default JSON.parse(${JSON.stringify(JSON.stringify(data))});\n`;
      }
      return null;
    },
    watchChange(id) {
      if (id.startsWith(examplesDir)) built.clear();
    },
  };
}
