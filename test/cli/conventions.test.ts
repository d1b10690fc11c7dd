// What every command of `hotpatch` keeps to (docs/cli.md#exit-codes and the sections after it): its
// exit codes, --json on every command one might script (failures included), colour only on a terminal
// and never with NO_COLOR, the WebAssembly CPU where Unicorn cannot be loaded; and the progress line of
// the long scripts, drawn on a terminal only.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { colourWanted, paint } from '../../cli/conventions.ts';
import { formatDuration, progress, progressLine } from '../../harness/progress.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hotpatch-conventions-'));
const NO_UNICORN = { HOTPATCH_UNICORN_LIB: join(dir, 'no-such-libunicorn.so.2') };
const X64 = 'examples/price-tax/x64';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome { code: number; stdout: string; stderr: string }

async function hotpatch(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const name of ['HOTPATCH_CPU', 'HOTPATCH_UNICORN_LIB', 'NO_COLOR']) if (!(name in env)) delete childEnv[name];
  try {
    const { stdout, stderr } = await exec('node', ['bin/hotpatch.js', ...args], { env: childEnv, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the jobs a few at a time: each is a Node process that loads the sources. */
async function pooled<T, R>(items: readonly T[], job: (item: T) => Promise<R>, width = 4): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]!);
    }
  }));
  return results;
}

describe('exit codes', () => {
  it('0 done, 1 the answer is no, 2 a command line that cannot be used, 3 Unicorn asked for and missing, else the program\'s own', async () => {
    const cases: [string[], number, Record<string, string>?][] = [
      [['--version'], 0],
      [['run', 'examples/price-tax', '--cpu', 'wasm'], 0],
      [['run', 'test/fixtures/exit-seven.s'], 7],
      [['run', 'test/fixtures/spin.s', '--max-instructions', '100'], 1],
      [['run', 'no/such/example'], 1],
      [['inspect', 'package.json'], 1],
      [[], 2],
      [['frobnicate'], 2],
      [['run'], 2],
      [['run', 'examples/price-tax', '--bogus'], 2],
      [['run', 'examples/price-tax', '--max-instructions', '0'], 2],
      [['run', 'examples/price-tax', '--cpu', 'z80'], 2],
      [['run', 'examples/price-tax'], 2, { HOTPATCH_CPU: 'z80' }],
      [['diff', `${X64}/pricing.s`], 2],
      [['make-patch', `${X64}/pricing.s`, `${X64}/pricing-fixed.s`], 2],
      [['run', 'examples/price-tax', '--cpu', 'unicorn'], 3, NO_UNICORN],
      [['run', 'examples/price-tax'], 3, { ...NO_UNICORN, HOTPATCH_CPU: 'unicorn' }],
    ];
    const outcomes = await pooled(cases, ([args, , env]) => hotpatch(args, env));
    expect(outcomes.map((o, i) => `${cases[i]![0].join(' ')} -> ${o.code}`))
      .toEqual(cases.map(([args, code]) => `${args.join(' ')} -> ${code}`));
    for (const o of outcomes) expect(o.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack trace
  });
});

describe('--json', () => {
  it('gives one record on every command one might script, and the failure as a record too', async () => {
    const [run, diff, made, examples, version] = await pooled([
      ['run', 'examples/price-tax', '--cpu', 'wasm', '--json'],
      ['diff', `${X64}/pricing.s`, `${X64}/pricing-fixed.s`, '--json'],
      ['make-patch', `${X64}/pricing.s`, `${X64}/pricing-fixed.s`, '-o', join(dir, 'fix.hpat'), '--json'],
      ['examples', '--json'],
      ['--version', '--json'],
    ], (args) => hotpatch(args));
    expect(JSON.parse(run!.stdout)).toMatchObject({ example: 'price-tax', backend: 'wasm-cpu', exitCode: 0 });
    expect(JSON.parse(diff!.stdout)).toMatchObject({ module: 'pricing', rude: false, redirected: ['price_with_tax'] });
    expect(JSON.parse(made!.stdout)).toMatchObject({ output: join(dir, 'fix.hpat'), patch: { module: 'pricing', sequence: 1 } });
    expect(made!.stderr).toBe('');
    expect(JSON.parse(examples!.stdout).examples.length).toBeGreaterThanOrEqual(8);
    expect(JSON.parse(version!.stdout)).toMatchObject({ name: 'hotpatch-playground' });
    const inspected = await hotpatch(['inspect', join(dir, 'fix.hpat'), '--json']);
    expect(JSON.parse(inspected.stdout).verdict.valid).toBe(true);

    const [missing, usage] = await pooled([['run', 'no/such/example', '--json'], ['run', 'examples/price-tax', '--time-limit', 'soon', '--json']],
      (args) => hotpatch(args));
    expect(missing!.code).toBe(1);
    expect(JSON.parse(missing!.stdout)).toEqual({ error: expect.stringContaining('no/such/example: no such example'), exitCode: 1 });
    expect(usage!.code).toBe(2);
    expect(JSON.parse(usage!.stdout)).toEqual({ error: '--time-limit needs a whole number from 1 to 86,400,000, not "soon"', exitCode: 2 });
  });
});

describe('the CPU', () => {
  it('falls back to the WebAssembly CPU where Unicorn cannot be loaded, in one line saying how to install it', async () => {
    const result = await hotpatch(['run', 'examples/price-tax'], NO_UNICORN);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('123.45 -> 148.14');
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe(`hotpatch: ${NO_UNICORN.HOTPATCH_UNICORN_LIB} (Unicorn 2) could not be loaded: install it with apt install libunicorn2 ` +
      '(Debian, Ubuntu) or brew install unicorn; running on the WebAssembly CPU instead (--cpu wasm, or HOTPATCH_CPU=wasm, skips this check)');
    expect(lines.filter((l) => l.startsWith('hotpatch:'))).toHaveLength(1);
    expect(result.stderr).toContain('(x64, wasm-cpu): exit code 0');
  });

  it('runs on the WebAssembly CPU with HOTPATCH_CPU=wasm, without a word about Unicorn; --cpu outranks it', async () => {
    const [chosen, flag] = await pooled([
      [['run', 'examples/price-tax', '--json'], { ...NO_UNICORN, HOTPATCH_CPU: 'wasm' }],
      [['run', 'examples/price-tax', '--json', '--cpu', 'unicorn'], { HOTPATCH_CPU: 'wasm' }],
    ] as [string[], Record<string, string>][], ([args, env]) => hotpatch(args, env));
    expect(chosen).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(chosen!.stdout).backend).toBe('wasm-cpu');
    expect(JSON.parse(flag!.stdout).backend).toMatch(/^unicorn 2\./);
  });
});

describe('colour', () => {
  it('is wanted on a terminal only, never with NO_COLOR or TERM=dumb', () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({}, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: '' })).toBe(true); // no-color.org: set to something
    expect(colourWanted({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(paint({ isTTY: false }, {}).red('error:')).toBe('error:');
    expect(paint({ isTTY: true }, {}).red('error:')).toBe('\x1b[31merror:\x1b[39m');
  });

  const script = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!script)('colours a terminal (script(1) gives one), and nothing with NO_COLOR or through a pipe', async () => {
    const command = 'node bin/hotpatch.js run test/fixtures/spin.s --max-instructions 5';
    const onTerminal = (env: Record<string, string | undefined>) => new Promise<string>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, timeout: 60_000 }, (_, stdout) => resolve(stdout));
    });
    const [coloured, plain] = await Promise.all([onTerminal({ NO_COLOR: undefined }), onTerminal({ NO_COLOR: '1' })]);
    expect(coloured).toContain('\x1b[31merror:\x1b[39m the program did not finish');
    expect(plain).toContain('error: the program did not finish');
    expect(plain).not.toContain('\x1b[');
    const piped = await hotpatch(['run', 'test/fixtures/spin.s', '--max-instructions', '5']);
    expect(piped.stderr).toContain('error: the program did not finish');
    expect(piped.stderr).not.toContain('\x1b[');
  });
});

describe('progress of the long scripts', () => {
  function terminal(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns: 200, write: (text: string) => writes.push(text) } };
  }

  it('draws one line on a terminal, at most every interval, with an estimate, and erases it when done', () => {
    const { writes, stream } = terminal(true);
    let now = 0;
    const shown = progress({ label: 'x64 decoder fuzz', total: 1000, unit: 'streams', stream, env: {}, now: () => now, intervalMs: 250 });
    expect(shown.enabled).toBe(true);
    shown.update(10);
    now = 100;
    shown.update(20); // within the interval: not drawn
    now = 2000;
    shown.update(250, '0 unexplained');
    shown.done();
    expect(writes).toEqual([
      '\rx64 decoder fuzz: 10 of 1,000 streams (1%), 0 s\x1b[K',
      '\rx64 decoder fuzz: 250 of 1,000 streams (25%), 2 s, about 6 s left; 0 unexplained\x1b[K',
      '\r\x1b[K',
    ]);
  });

  it('stays quiet off a terminal and in CI', () => {
    for (const [isTTY, env] of [[false, {}], [true, { CI: 'true' }], [true, { TERM: 'dumb' }]] as const) {
      const { writes, stream } = terminal(isTTY);
      const shown = progress({ label: 'lockstep', total: 10, stream, env });
      for (let i = 0; i < 10; i++) shown.tick();
      shown.done();
      expect(shown.enabled).toBe(false);
      expect(writes).toEqual([]);
    }
  });

  it('words durations and counts without a total', () => {
    expect(formatDuration(44_600)).toBe('45 s');
    expect(formatDuration(30 * 60_000)).toBe('30 min');
    expect(formatDuration(5 * 3_600_000)).toBe('5.0 h');
    expect(progressLine('bench', 3, 500)).toBe('bench: 3, 1 s');
    expect(progressLine('lockstep', 1_500_000, 60_000, 3_000_000, 'instructions'))
      .toBe('lockstep: 1,500,000 of 3,000,000 instructions (50%), 60 s, about 60 s left');
  });

  it('leaves a script\'s output to its results when piped', async () => {
    const { stdout, stderr } = await exec('node', ['--import', 'tsx', 'scripts/fuzz-x64-decoder.ts', '70000', '1'], { timeout: 60_000 });
    expect(stdout).toContain('x64 decoder fuzz (seed 1): 70,000 random streams');
    expect(stderr).toBe('');
  });
});
