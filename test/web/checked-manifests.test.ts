// Example manifests are checked when the page is bundled (web/build/checked-manifests.ts), not in the
// page while it starts: a bad one stops the build, naming the file and the field.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkedManifests } from '../../web/build/checked-manifests.ts';
import { checkExampleManifest } from '../../toolchain/example-manifest.ts';

const root = resolve('.');
const transform = (code: string, id: string) => {
  const hook = checkedManifests(root).transform as (code: string, id: string) => { code: string } | null;
  return hook.call({}, code, id);
};

describe('example manifests checked when bundled', () => {
  it('hands the page the checked manifest of an example', () => {
    const path = resolve('examples/price-tax/example.json');
    const text = readFileSync(path, 'utf8');
    const out = transform(text, path);
    expect(JSON.parse(out!.code)).toEqual(checkExampleManifest(JSON.parse(text), 'examples/price-tax/example.json'));
  });

  it('stops on a bad manifest, naming the file and the field', () => {
    const path = resolve('examples/broken/example.json');
    const bad = JSON.stringify({ title: 't', summary: 's', arches: ['mips'], modules: ['app.s'] });
    expect(() => transform(bad, path)).toThrow(/^examples\/broken\/example\.json: "arches\.0"/);
    expect(() => transform('{ "title": ', path)).toThrow(/^examples\/broken\/example\.json: not JSON/);
  });

  it('leaves every other file alone', () => {
    expect(transform('{}', resolve('package.json'))).toBeNull();
    expect(transform('{}', resolve('examples/price-tax/x64/example.json.s'))).toBeNull();
  });
});
