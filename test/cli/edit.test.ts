// hotpatch diff, make-patch and run --edit/--edits as a user runs them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseMoment } from '../../cli/run.ts';

const exec = promisify(execFile);

async function hotpatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/hotpatch.js', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hotpatch-edit-'));
const BASE = 'examples/price-tax/x64/pricing.s';
const FIXED = 'examples/price-tax/x64/pricing-fixed.s';

describe('hotpatch diff', () => {
  it('prints one line per symbol with its class and reason', async () => {
    const result = await hotpatch('diff', BASE, FIXED);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'unchanged main', 'unchanged format_cents', 'changed price_with_tax', 'unchanged prices', 'unchanged line']);
    expect(result.stderr).toBe('-- a patch would redirect 1 function(s), carry 1 and 0 new global(s)\n');
  });

  it('says why a rude edit is refused, with exit code 1, and prints JSON with --json', async () => {
    const rude = join(dir, 'rude.s');
    writeFileSync(rude, readFileSync(BASE, 'utf8').replace('1000, 1999', '1000, 2999'));
    const result = await hotpatch('diff', BASE, rude, '--json');
    expect(result.code).toBe(1);
    const record = JSON.parse(result.stdout);
    expect(record).toMatchObject({ arch: 'x64', module: 'pricing', rude: true });
    // The line is the statement whose value changed (the .long under the label prices:).
    expect(record.symbols.find((s: { name: string }) => s.name === 'prices')).toMatchObject({ class: 'rude', line: 12 });
  });
});

describe('hotpatch make-patch', () => {
  it('writes the image and, on request, the generated patch source', async () => {
    const image = join(dir, 'fix.hpat');
    const source = join(dir, 'fix.s');
    const result = await hotpatch('make-patch', 'examples/price-tax/arm64/pricing.s', 'examples/price-tax/arm64/pricing-fixed.s',
      '-o', image, '--sequence', '2', '--source', source);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wrote .*fix\.hpat: \d+ bytes, patch 2 of pricing \(sha256:[0-9a-f]{64}\), redirecting price_with_tax; its source is fix\.s\n$/);
    expect(readFileSync(image).subarray(0, 4).toString()).toBe('HPAT');
    expect(readFileSync(source, 'utf8')).toContain('.sequence 2\n.redirect price_with_tax -> price_with_tax\n');
  });
});

describe('hotpatch run with edits', () => {
  it('applies an edit at a moment, with the report of timeline patches', async () => {
    const result = await hotpatch('run', 'examples/price-tax', '--edit', `pricing=${FIXED}`, '--at', '4:pricing!price_with_tax');
    const byHand = await hotpatch('run', 'examples/price-tax');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(byHand.stdout);
    expect(result.stderr).toContain('== edit pricing-fixed.s of pricing (patch 1):\n   unchanged  main');
    expect(result.stderr).toContain('== after 4 calls of pricing!price_with_tax: apply pricing-fixed.s\n');
    expect(result.stderr).toContain('pricing patch 1 is live');
  });

  it('makes a second edit patch 2, which replaces the first', async () => {
    const result = await hotpatch('run', 'examples/price-tax', '--arch', 'arm64',
      '--edit', 'pricing=examples/price-tax/arm64/pricing-fixed.s', '--at', '2:pricing!price_with_tax',
      '--edit', 'pricing=examples/wait-for-thread/arm64/pricing-madd.s', '--at', '{"afterCalls":6,"of":"pricing!price_with_tax"}');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('== edit pricing-madd.s of pricing (patch 2):');
    expect(result.stderr).toMatch(/== after 6 calls of pricing!price_with_tax: apply pricing-madd\.s\n[^]*pricing patch 2 is live/);
  });

  it('makes an example\'s patches from its edited sources with --edits', async () => {
    const [byHand, byEdit] = await Promise.all([hotpatch('run', 'examples/cumulative', '--cpu', 'wasm'),
      hotpatch('run', 'examples/cumulative', '--cpu', 'wasm', '--edits')]);
    expect(byEdit.code).toBe(0);
    expect(byEdit.stdout).toBe(byHand.stdout);
    expect(byEdit.stderr).toContain('apply checkout-both-fixed.s');
  });

  it('reads moments as example.json writes them, or short', () => {
    expect(parseMoment('{"afterCalls":4,"of":"pricing!price_with_tax","thenInstructions":1}'))
      .toEqual({ afterCalls: 4, of: 'pricing!price_with_tax', thenInstructions: 1 });
    expect(parseMoment('4:pricing!price_with_tax')).toEqual({ afterCalls: 4, of: 'pricing!price_with_tax' });
    expect(parseMoment('1000')).toEqual({ afterInstructions: 1000 });
    expect(() => parseMoment('soon')).toThrow(/^--at takes a moment as example\.json writes it/);
  });

  it('refuses an --edit without its --at, and a module the program does not have', async () => {
    expect((await hotpatch('run', 'examples/price-tax', '--edit', `pricing=${FIXED}`)).stderr)
      .toBe('hotpatch: each --edit needs its --at moment (1 --edit, 0 --at)\n');
    expect((await hotpatch('run', 'examples/price-tax', '--edit', `billing=${FIXED}`, '--at', '1')).stderr)
      .toBe('hotpatch: --edit billing=...: the program has no module "billing" (it has pricing)\n');
  });
});
