// A guest that writes without end: what is kept of its output stays within a bound (the first and
// the last 64 KiB, and a count of the rest), the host's memory with it, and the run's result is never
// lost. The flood is stopped by an instruction limit, and the command-line runs are child processes
// killed past a resident set bound, so that even a failing run cannot take the machine's memory.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES } from '../../sandbox/output-capture.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import { STACK_SIZE, STACK_TOP } from '../../sandbox/loader.ts';
import { assembleProgram } from '../../toolchain/program.ts';
import { LabCore } from '../../web/src/lab/lab-core.ts';
import { BACKENDS } from '../helpers.ts';

const FLOOD = 'test/fixtures/flood.s';
const MIB = 1 << 20;
/** Six instructions a write: 200 writes of 1 MiB, 200 MiB of output, in 1,206 instructions. */
const INSTRUCTIONS = 1206;
const WRITES = 200;
/** What the host may grow by while the guest writes 200 MiB (without a bound it held all of it, and more). */
const RSS_BOUND = 128 * MIB;
/** A child process past this resident set is killed (it took 3.2 GB for 600 MiB of output without a bound). */
const CHILD_RSS_LIMIT_MIB = 1024;
const KEPT = OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES;
const MARKER = /\n\[\.\.\. ([\d,]+) bytes of output dropped \.\.\.\]\n/;

const modules = () => assembleProgram([{ file: FLOOD, text: readFileSync(FLOOD, 'utf8') }], 'x64');

describe.each(BACKENDS)('a guest that writes 1 MiB at a time, on $name', ({ create }) => {
  it('keeps the first and the last 64 KiB of 200 MiB, counts the rest, and the host stays within its bound', async () => {
    const rss = process.memoryUsage().rss;
    const guest = new GuestProcess(create('x64'), { modules: await modules(), budget: new RunBudget({ maxInstructions: INSTRUCTIONS }) });
    const outcome = guest.run();
    expect(outcome.reason).toBe('instruction-limit');
    const growth = process.memoryUsage().rss - rss;
    expect(guest.io.bytesWritten).toBe(6 + WRITES * MIB);
    expect(guest.io.bytesDropped).toBe(6 + WRITES * MIB - KEPT);
    const text = guest.io.text();
    expect(text.length).toBeLessThanOrEqual(KEPT + 100);
    expect(text.startsWith('flood\n')).toBe(true);
    expect(Number(MARKER.exec(text)![1]!.replace(/,/g, ''))).toBe(guest.io.bytesDropped);
    // The last bytes kept are the last ones written: the end of the stack.
    const stackEnd = new TextDecoder().decode(guest.sandbox.read(STACK_TOP - OUTPUT_TAIL_BYTES, OUTPUT_TAIL_BYTES));
    expect(text.endsWith(stackEnd)).toBe(true);
    expect(STACK_SIZE).toBe(MIB);
    expect(growth).toBeLessThan(RSS_BOUND);
    guest.close();
  });

  it('in the lab, each snapshot carries only new output, never more than the bound, and the lab stays within its bound', async () => {
    const rss = process.memoryUsage().rss;
    const core = new LabCore({ backend: 'test', create }, async () => ({ reason: 'no planner in this test' }));
    await core.load({ arch: 'x64', files: [{ name: 'flood.s', text: readFileSync(FLOOD, 'utf8') }] }, INSTRUCTIONS);
    let received = 0;
    let snapshots = 0;
    let slowest = 0;
    for (let end = 'running'; end === 'running';) {
      end = core.runSlice(60); // 10 MiB of output a slice
      const started = performance.now();
      const snapshot = await core.snapshot(false);
      slowest = Math.max(slowest, performance.now() - started);
      expect(snapshot.output.length).toBeLessThanOrEqual(KEPT + 100);
      received += snapshot.output.replace(MARKER, '').length + Number(MARKER.exec(snapshot.output)?.[1]?.replace(/,/g, '') ?? 0);
      snapshots++;
    }
    expect(snapshots).toBeGreaterThanOrEqual(20);
    expect(received).toBe(6 + WRITES * MIB);
    expect(process.memoryUsage().rss - rss).toBeLessThan(RSS_BOUND);
    expect(slowest).toBeLessThan(1000);
  });
});

/**
 * `hotpatch run` in a child process, with its peak resident set size. The child is watched from here
 * (its resident set, from /proc) and killed past CHILD_RSS_LIMIT_MIB.
 */
function hotpatch(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; maxRssBytes: number }> {
  const argv = ['--require', './test/fixtures/report-max-rss.cjs', 'bin/hotpatch.js', 'run', ...args];
  return new Promise((resolve) => {
    let killed = false;
    const child = execFile('node', argv, { timeout: 120_000, maxBuffer: 64 * MIB }, (error, stdout, stderr) => {
      clearInterval(watch);
      const kib = /max-rss-kib (\d+)/.exec(stderr)?.[1];
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout,
        stderr: stderr.replace(/max-rss-kib \d+\n/, '') + (killed ? `killed: resident set over ${CHILD_RSS_LIMIT_MIB} MiB\n` : ''),
        maxRssBytes: kib === undefined ? Infinity : Number(kib) * 1024,
      });
    });
    const watch = setInterval(() => {
      let statm: string;
      try { statm = readFileSync(`/proc/${child.pid}/statm`, 'utf8'); } catch { return; }
      if (Number(statm.split(' ')[1]) * 4096 > CHILD_RSS_LIMIT_MIB * MIB) { killed = true; child.kill('SIGKILL'); }
    }, 20);
  });
}

describe('hotpatch run on a guest that writes 1 MiB at a time', () => {
  it.each(['unicorn', 'wasm'])('prints the head, a line for what was dropped, the tail and the result (%s)', async (cpu) => {
    const baseline = await hotpatch('test/fixtures/f4-stop.s', '--cpu', cpu);
    const limits = ['--max-instructions', String(INSTRUCTIONS), '--time-limit', '100000'];
    const result = await hotpatch(FLOOD, '--cpu', cpu, ...limits);
    expect(result.stderr).not.toContain('killed');
    expect(result.code).toBe(1);
    expect(result.stdout.length).toBeLessThanOrEqual(KEPT + 100);
    expect(result.stdout.startsWith('flood\n')).toBe(true);
    expect(result.stdout).toContain(`[... ${(6 + WRITES * MIB - KEPT).toLocaleString('en-US')} bytes of output dropped ...]`);
    expect(result.stderr).toMatch(/error: the program did not finish within 1206 instructions \(--max-instructions\); stopped at flood!main\+0x[0-9a-f]+ after 1,206 instructions/);
    expect(result.stderr).toContain(`-- output: ${(6 + WRITES * MIB).toLocaleString('en-US')} bytes; the first 64 KiB and the last 64 KiB are kept`);
    expect(result.maxRssBytes - baseline.maxRssBytes).toBeLessThan(RSS_BOUND);

    const json = await hotpatch(FLOOD, '--cpu', cpu, ...limits, '--json');
    const record = JSON.parse(json.stdout) as { output: string; outputBytes: number; outputDropped: number; instructions: number; error: string };
    expect(record).toMatchObject({ outputBytes: 6 + WRITES * MIB, outputDropped: 6 + WRITES * MIB - KEPT, instructions: INSTRUCTIONS });
    expect(record.output).toBe(result.stdout);
    expect(record.error).toMatch(/did not finish within 1206 instructions/);
  }, 120_000);
});
