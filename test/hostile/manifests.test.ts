// Hostile example.json files: every field checked with a message naming the file and the field;
// names that leave the example's folder refused, also through symbolic links, without the file
// outside ever being opened or quoted; options of `hotpatch run` checked the same way.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/run.ts';
import { fuzzManifests, type HostileTree, hostileTree, SECRET } from '../../harness/fuzz/hostile-manifests.ts';
import { checkExampleManifest } from '../../toolchain/example-manifest.ts';
import { assembleExample, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';

const exec = promisify(execFile);
const F = 'examples/x/example.json';
const PRICE_TAX = JSON.parse(readFileSync('examples/price-tax/example.json', 'utf8'));
const NAME = 'must be a file name such as "pricing.s" or "price-tax:pricing.s" (letters, digits, "_", "-" and ".", ending in ".s")';
const MOMENT = { afterCalls: 4, of: 'pricing!price_with_tax' };

/** price-tax's example.json with `change` applied to a copy. */
function mutated(change: (m: Record<string, any>) => void): unknown {
  const copy = structuredClone(PRICE_TAX);
  change(copy);
  return copy;
}

describe('example.json fields', () => {
  it('accepts every example of the repository', () => {
    for (const id of ['price-tax', 'wait-for-thread', 'wrong-base', 'cumulative', 'base-global', 'hook-original', 'import-module']) {
      expect(() => checkExampleManifest(JSON.parse(readFileSync(`examples/${id}/example.json`, 'utf8')), id)).not.toThrow();
    }
  });

  const cases: [string, (m: Record<string, any>) => void, string][] = [
    ['an unknown architecture', (m) => { m.arches = ['mips']; }, '"arches.0" must be "x64" or "arm64" (it is text)'],
    ['an architecture twice', (m) => { m.arches = ['x64', 'x64']; }, '"arches" lists an architecture twice'],
    ['no architecture', (m) => { m.arches = []; }, '"arches" must list at least one architecture'],
    ['a number for a module', (m) => { m.modules = [1]; }, `"modules.0" ${NAME} (it is a number)`],
    ['null for a module', (m) => { m.modules = [null]; }, `"modules.0" ${NAME} (it is null)`],
    ['an object for a module', (m) => { m.modules = [{ a: 1 }]; }, `"modules.0" ${NAME} (it is an object)`],
    ['a module twice', (m) => { m.modules = ['pricing.s', 'pricing.s']; }, '"modules" lists a file twice'],
    ['33 modules', (m) => { m.modules = Array.from({ length: 33 }, (_, i) => `m${i}.s`); }, '"modules" must list at most 32 modules'],
    ['text for a call count', (m) => { m.timeline[0].at.afterCalls = '2'; }, '"timeline.0.at.afterCalls" must be a whole number (it is text)'],
    ['a fraction for a call count', (m) => { m.timeline[0].at.afterCalls = 2.5; }, '"timeline.0.at.afterCalls" must be a whole number'],
    ['a huge call count', (m) => { m.timeline[0].at.afterCalls = 1e12; }, '"timeline.0.at.afterCalls" must be at most 1,000,000,000'],
    ['a negative instruction count', (m) => { m.timeline[0].at = { afterInstructions: -5 }; },
      '"timeline.0.at.afterInstructions" must be 0 or more'],
    ['text for the timeline', (m) => { m.timeline = 'yes'; },
      '"timeline" must be a list of events, or one list per architecture: { "x64": [...], "arm64": [...] } (it is text)'],
    ['a number for a patch', (m) => { m.timeline[0].apply = 5; }, `"timeline.0.apply" ${NAME} (it is a number)`],
    ['null for the function', (m) => { m.timeline[0].at.of = null; }, '"timeline.0.at.of" must be "module!function" (it is null)'],
    ['a function without its module', (m) => { m.timeline[0].at.of = 'price_with_tax'; },
      '"timeline.0.at.of" must be "module!function", such as "pricing!price_with_tax"'],
    ['an unknown outcome', (m) => { m.timeline[0].expect = 'maybe'; }, '"timeline.0.expect" must be "applied" or "refused" (it is text)'],
    ['an unknown field', (m) => { m.timline = []; }, '"timline" is not a known field'],
    ['"__proto__" as a field', (m) => { Object.defineProperty(m, '__proto__', { value: {}, enumerable: true }); },
      '"__proto__" is not a known field'],
    ['an unknown field in a moment', (m) => { m.timeline[0].at.afterCall = 1; }, '"timeline.0.at.afterCall" is not a known field'],
    ['a missing title', (m) => { delete m.title; }, '"title" is missing'],
    ['both actions', (m) => { m.timeline[0].rollback = 'pricing'; }, '"timeline.0" needs exactly one of "apply" and "rollback"'],
    ['builtAgainst with a rollback', (m) => { m.timeline[0] = { at: MOMENT, rollback: 'pricing', builtAgainst: 'a.s' }; },
      '"timeline.0" has "builtAgainst", which goes with "apply" only'],
    ['both an edit and a reason for none', (m) => { m.timeline[0].edit = 'a.s'; m.timeline[0].noEdit = 'no edit can say this'; },
      '"timeline.0" has both "edit" and "noEdit"'],
    ['an empty reason for no edit', (m) => { m.timeline[0].noEdit = ''; }, '"timeline.0.noEdit" must not be empty'],
    ['a list for an event', (m) => { m.timeline = [[]]; },
      '"timeline.0" must be an event: { "at": ..., "apply": "file.s" } or { "at": ..., "rollback": "module" } (it is a list)'],
    ['101 events', (m) => { m.timeline = Array.from({ length: 101 }, () => ({ at: MOMENT, apply: 'fix-rounding.s' })); },
      '"timeline" must have at most 100 events'],
    ['a timeline for an unknown architecture', (m) => { m.timeline = { mips: [] }; }, '"timeline.mips" is not an architecture ("x64" or "arm64")'],
    ['a timeline for an architecture not listed', (m) => { m.arches = ['x64']; m.timeline = { arm64: [] }; },
      '"timeline.arm64" is for an architecture "arches" does not list'],
    ['a summary too long', (m) => { m.summary = 's'.repeat(5001); }, '"summary" must be at most 5,000 characters long'],
  ];
  it.each(cases)('refuses %s, naming the file and the field', (_name, change, words) => {
    expect(() => checkExampleManifest(mutated(change), F)).toThrow(`${F}: ${words}`);
  });

  it('refuses what is not an object, without quoting it', () => {
    for (const [value, it] of [[null, 'null'], [[], 'a list'], ['root:x:0:0', 'text'], [7, 'a number']] as const) {
      expect(() => checkExampleManifest(value, F))
        .toThrow(`${F}: the file must be an object with "title", "summary", "arches" and "modules" (it is ${it})`);
    }
  });

  const names = ['../../../../../../../../etc/passwd', '/etc/passwd', '..:evil.s', '../x:evil.s', 'x64/pricing.s', './pricing.s',
    'pricing.s/', 'pricing.s\u0000', '.hidden.s', 'a\\..\\b.s', '%2e%2e%2fb.s', 'pricing', 'pricing.S', '', 'p'.repeat(101) + '.s',
    'Price-Tax:pricing.s', ':pricing.s', 'a:b:c.s', 'x..s', 'pric\u0131ng.s'];
  it.each(['modules.0', 'timeline.0.apply', 'timeline.0.builtAgainst'])('refuses names that are paths or odd in "%s"', (field) => {
    for (const name of names) {
      const manifest = mutated((m) => {
        if (field === 'modules.0') m.modules = [name]; else m.timeline[0][field.split('.').at(-1)!] = name;
      });
      expect(() => checkExampleManifest(manifest, F), JSON.stringify(name)).toThrow(`${F}: "${field}" ${NAME}`);
    }
  });

  it('accepts plain names and names of another example\'s files', () => {
    for (const name of ['pricing.s', 'pricing-1.0.s', 'a_b.s', '9.s', 'price-tax:pricing.s', 'x1:a.b.s']) {
      expect(() => checkExampleManifest(mutated((m) => { m.modules = [name]; }), F), name).not.toThrow();
    }
  });
});

describe('an example reads only its own files and those of the examples it names', () => {
  let tree: HostileTree;
  let dir: string;
  let manifest: string;
  beforeAll(() => {
    tree = hostileTree();
    dir = join(tree.examples, 'case');
    manifest = join(dir, 'example.json');
  });
  afterAll(() => tree.close());

  /** Writes the case's example.json: price-tax's, changed. */
  const write = (change: (m: Record<string, any>) => void) => writeFileSync(manifest, JSON.stringify(mutated(change)));
  const run = async () => {
    const read = await readExampleManifest(dir);
    const { modules } = await assembleExample(dir, 'x64');
    return buildExampleTimeline(dir, 'x64', read, modules);
  };
  /** The error of a run, which must never quote the secret kept outside. */
  const refusal = async () => {
    const error = await run().then(() => undefined, (e: Error) => e);
    expect(error, 'the example was accepted').toBeInstanceOf(Error);
    expect(error!.message).not.toContain(SECRET);
    return error!.message;
  };
  const outside = (field: string) => `${manifest}: "${field}" leads outside the example's directory through a symbolic link; ` +
    'an example reads only its own files and those of the examples it names';

  it('runs the example as it is', async () => {
    write(() => {});
    await expect(run()).resolves.toHaveLength(1);
  });

  it.each([
    // out.s links to a file outside, zero.s to /dev/zero, evil.s to a program outside: none is opened.
    ['modules.0', 'out.s'], ['modules.0', 'zero.s'], ['modules.0', 'evil.s'], ['timeline.0.apply', 'out.s'], ['timeline.0.builtAgainst', 'zero.s'],
  ])('refuses "%s" naming %s, a link to outside', async (field, name) => {
    write((m) => { if (field === 'modules.0') m.modules = [name]; else m.timeline[0][field.split('.').at(-1)!] = name; });
    await expect(refusal()).resolves.toBe(outside(field));
  });

  it('refuses a link to a FIFO outside without opening it (opening would wait for a writer)', async () => {
    symlinkSync(tree.outside.fifo, join(dir, 'x64', 'fifo-out.s'));
    write((m) => { m.modules = ['fifo-out.s']; });
    await expect(refusal()).resolves.toBe(outside('modules.0'));
  });

  it('refuses a FIFO, a directory, a large file and one that is not UTF-8 in its own folder, naming the file and the field', async () => {
    const cases: [string, string][] = [
      ['fifo.s', 'is a FIFO (named pipe), not a file'], ['dir.s', 'is a directory, not a file'],
      ['big.s', 'is 324,000 bytes; sources are at most 262,144 bytes (256 KiB)'], ['latin1.s', 'is not UTF-8 text'],
    ];
    for (const [name, words] of cases) {
      write((m) => { m.modules = [name]; });
      await expect(refusal()).resolves.toBe(`${join(dir, 'x64', name)} ${words} ("modules.0" of ${manifest})`);
    }
  });

  it('finds another example\'s file, and refuses an example that does not exist or a file it does not have', async () => {
    write((m) => { m.modules = ['other:pricing.s']; });
    await expect(run()).resolves.toHaveLength(1);
    write((m) => { m.modules = ['nope:pricing.s']; });
    await expect(refusal()).resolves.toBe(`${manifest}: "modules.0" names a file of the example "nope", and there is no such example ` +
      `(${join(dir, '..', 'nope')} has no example.json)`);
    write((m) => { m.timeline[0].apply = 'other:missing.s'; });
    await expect(refusal()).resolves.toBe(`${join(tree.examples, 'other', 'x64', 'missing.s')}: no such file ("timeline.0.apply" of ${manifest})`);
  });

  it('refuses an architecture folder or an example.json that is a link to outside', async () => {
    const linked = join(tree.examples, 'linked');
    mkdirSync(linked);
    symlinkSync(join(tree.root, 'outside'), join(linked, 'x64'));
    writeFileSync(join(linked, 'example.json'), JSON.stringify(mutated((m) => { m.modules = ['secret.s']; delete m.timeline; })));
    const error = await assembleExample(linked, 'x64').catch((e: Error) => e.message);
    expect(error).toBe(`${join(linked, 'example.json')}: "modules.0" leads outside the example's directory through a symbolic link; ` +
      'an example reads only its own files and those of the examples it names');
    const json = join(tree.examples, 'json-link');
    mkdirSync(json);
    symlinkSync(tree.outside.secret, join(json, 'example.json'));
    await expect(readExampleManifest(json)).rejects.toThrow(`${join(json, 'example.json')} leads outside the example's directory through a symbolic link`);
  });

  it('names the field of a moment or a rollback the program does not have', async () => {
    write((m) => { m.timeline[0].at.of = 'pricing!nope'; });
    await expect(refusal()).resolves.toBe(`${manifest}: "timeline.0.at.of" names no function of the program's modules`);
    write((m) => { m.timeline[0] = { at: MOMENT, rollback: 'billing' }; });
    await expect(refusal()).resolves.toBe(`${manifest}: "timeline.0.rollback" names no module of the program`);
  });

  it('hotpatch run refuses paths out of the examples folder: nothing outside is quoted or run', async () => {
    for (const name of ['../../../outside/secret.s', '..:evil.s', 'out.s', 'evil.s']) {
      write((m) => { m.modules = [name]; });
      const result = await exec('node', ['bin/hotpatch.js', 'run', dir], { timeout: 20_000 }).then(
        () => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
      expect(result.code, name).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^hotpatch: ${manifest.replace(/[.\\]/g, '\\$&')}: "modules\\.0" `));
      expect(result.stderr).not.toContain(SECRET);
      expect(result.stderr).not.toContain('exit code 42');
    }
  });

  it('accepts or cleanly refuses 150 mutated example.json files, each within a second', async () => {
    const report = await fuzzManifests(150, 18);
    expect(report.failures).toEqual([]);
    expect(report.cases).toBe(150);
    expect(report.slowest.ms).toBeLessThan(1000);
  });
});

describe('hotpatch run options', () => {
  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', ''])('refuses --cpu %j', async (cpu) => {
    await expect(runCommand(['examples/price-tax', '--cpu', cpu])).rejects.toThrow(`--cpu must be one of unicorn, wasm, not "${cpu}"`);
  });

  it.each([
    ['--max-instructions', 'abc'], ['--max-instructions', '0'], ['--max-instructions', '-5'], ['--max-instructions', '1e3'],
    ['--max-instructions', '0x10'], ['--max-instructions', '1000000000001'], ['--max-instructions', '99999999999999999999'],
    ['--max-instructions', ''], ['--max-instructions', '1.5'],
  ])('refuses %s %j', async (option, value) => {
    await expect(runCommand(['examples/price-tax', `${option}=${value}`]))
      .rejects.toThrow(`--max-instructions needs a whole number from 1 to 1,000,000,000,000, not "${value}"`);
  });

  it.each(['86400001', 'soon', '-1'])('refuses --time-limit %j', async (value) => {
    await expect(runCommand(['examples/price-tax', `--time-limit=${value}`]))
      .rejects.toThrow(`--time-limit needs a whole number from 1 to 86,400,000, not "${value}"`);
  });

  it('says so on the command line, with exit code 2 (a command line that cannot be used)', async () => {
    const result = await exec('node', ['bin/hotpatch.js', 'run', 'examples/price-tax', '--cpu', 'toString'], { timeout: 20_000 })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(result).toEqual({ code: 2, stderr: 'hotpatch: --cpu must be one of unicorn, wasm, not "toString"\n' });
  });
});
