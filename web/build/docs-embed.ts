// Vite plugin: the docs page's "Embed this" example, made at build time by the same code the
// playground's "Embed this" runs (web/src/lab/scenario-maker.ts), here on Unicorn and Capstone in
// Node: price-tax with its price list edited to one to twelve cents, and its fix applied after four
// prices. The docs page shows the snippet made from it and plays it.
//   virtual:hotpatch-docs-embed   default export: the scenario; DOCS_EMBED_SPEC: what it was made from
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import type { ScenarioSpec } from '../src/lab/scenario-maker.ts';

const ID = 'virtual:hotpatch-docs-embed';

/** The edit: the price list becomes 1 to 12 cents, where the rounding bug is plainest. */
export function docsEmbedSpec(examplesDir = resolve('examples')): ScenarioSpec {
  const dir = join(examplesDir, 'price-tax', 'x64');
  const original = readFileSync(join(dir, 'pricing.s'), 'utf8');
  const edited = original.replace(/^(prices:\n\s*\.long ).*$/m, '$11, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  if (edited === original) throw new Error(`${join(dir, 'pricing.s')}: the price list the docs page's embed edits is not there any more`);
  return {
    arch: 'x64', example: 'price-tax', title: 'Price with tax, one to twelve cents',
    summary: 'The price-tax example with its price list edited to 1 to 12 cents, where rounding up by a whole cent is plainest; ' +
      'the fix goes in after four prices.',
    files: [{ name: 'pricing.s', text: edited }],
    patches: [{ name: 'fix-rounding.s', text: readFileSync(join(dir, 'fix-rounding.s'), 'utf8') }],
    timeline: [{ at: { afterCalls: 4, of: 'pricing!price_with_tax' }, apply: 'fix-rounding.s', expect: 'applied' }],
  };
}

export function docsEmbed(examplesDir = resolve('examples')): Plugin {
  return {
    name: 'docs-embed',
    resolveId(id) {
      return id === ID ? `\0${id}` : null;
    },
    async load(id) {
      if (id !== `\0${ID}`) return null;
      this.addWatchFile(join(examplesDir, 'price-tax', 'x64', 'pricing.s'));
      this.addWatchFile(join(examplesDir, 'price-tax', 'x64', 'fix-rounding.s'));
      // Loaded here, not at the top: the Vite config is also read by tests, which need none of it.
      const [{ makeScenario }, { nodePlatform }, { disassembleAll }] = await Promise.all([
        import('../src/lab/scenario-maker.ts'), import('./node-platform.ts'), import('../src/lab/disassembly.ts')]);
      const spec = docsEmbedSpec(examplesDir);
      const scenario = await makeScenario(spec, { ...nodePlatform, disassemble: (a, b, at) => disassembleAll(a, b, at) });
      return `export const DOCS_EMBED_SPEC = JSON.parse(${JSON.stringify(JSON.stringify(spec))});\n` +
        `export default JSON.parse(${JSON.stringify(JSON.stringify(scenario))});\n`;
    },
  };
}
