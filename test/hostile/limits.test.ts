// The limits of a run bound the whole run: a timeline's slices, the steps of a transaction waiting
// for a safe point, and the transactions between them all spend one budget, and a moment the run
// does not reach says which limit ran out.
import { describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../cli/run.ts';
import { readExampleManifest, assembleExample, buildExampleTimeline } from '../../toolchain/example.ts';
import { runTimeline } from '../../engine/host/timeline.ts';
import { Hotpatcher } from '../../engine/host/transaction.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { RunBudget } from '../../sandbox/run-budget.ts';
import { BACKENDS } from '../helpers.ts';

const EIGHT_EVENTS = 'test/fixtures/limits/eight-events';
const WAIT = 'test/fixtures/limits/wait';

/** `hotpatch run` in this process, its stdout and stderr captured. */
async function hotpatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { stderr += String(chunk); return true; });
  const started = performance.now();
  try {
    const code = await runCommand(args);
    return { code, stdout, stderr, ms: performance.now() - started };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function example(dir: string) {
  const manifest = await readExampleManifest(dir);
  const { modules } = await assembleExample(dir, 'x64');
  return { modules, timeline: await buildExampleTimeline(dir, 'x64', manifest, modules) };
}

describe.each(BACKENDS)('the limits of a live run on $name', ({ create }) => {
  it('--time-limit 1000 ends a run with 8 unreachable moments in about a second, each saying so', async () => {
    const { modules, timeline } = await example(EIGHT_EVENTS);
    const process = new GuestProcess(create('x64'), { modules });
    const hotpatcher = await Hotpatcher.create(process.sandbox, modules);
    const started = performance.now();
    process.budget = new RunBudget({ timeLimitMs: 1000 });
    const records = await runTimeline(process, hotpatcher, timeline);
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(process.state).toBe('paused');
    expect(records.map((r) => r.missed?.why)).toEqual(Array(8).fill('time-limit'));
    expect(records.every((r) => r.reached === null && r.missed!.instructions === process.instructions)).toBe(true);
    process.close();
  });

  it('a wait for a safe point stops at the instruction limit, 1000 instructions in', async () => {
    const { modules, timeline } = await example(WAIT);
    const process = new GuestProcess(create('x64'), { modules, budget: new RunBudget({ maxInstructions: 1000 }) });
    const hotpatcher = await Hotpatcher.create(process.sandbox, modules);
    const records = await runTimeline(process, hotpatcher, timeline);
    expect(records[0]!.result?.status).toBe('applied');
    expect(records[1]!.reached?.instructions).toBe(20);
    expect(records[1]!.wait).toMatchObject({ steppedInstructions: 980, gaveUp: 'instruction-limit' });
    expect(records[1]!.result?.status).toBe('wait');
    expect(process.instructions).toBe(1000);
    expect(process.state).toBe('paused');
    process.close();
  });
});

describe('hotpatch run with limits', () => {
  it('--time-limit 1000 with 8 timeline events: one second for the patched run, each event says the time ran out', async () => {
    const result = await hotpatch(EIGHT_EVENTS, '--time-limit', '1000');
    expect(result.code).toBe(1);
    // Where the second runs out (main or tick) depends on the machine; that all eight moments
    // share it shows one budget for the whole run, where each slice used to get the limit again.
    const missed = [...result.stderr.matchAll(/not reached: the time limit \(1,000 ms, --time-limit\) ran out at (spin!\w+(?:\+0x[0-9a-f]+)?), ([\d,]+) instructions in/g)];
    expect(missed).toHaveLength(8);
    expect(new Set(missed.map((m) => `${m[1]} ${m[2]}`)).size).toBe(1);
    expect(result.stderr).not.toContain('the program ended before this moment');
    expect(result.stderr).toMatch(/error: the program did not finish within 1000 ms \(--time-limit\); stopped at spin!\w+/);
  });

  it('--max-instructions 1000: the waiting transaction stops stepping at 1000 instructions', async () => {
    const result = await hotpatch(WAIT, '--max-instructions', '1000', '--json');
    const record = JSON.parse(result.stdout) as { instructions: number; error: string; events: { wait: { steppedInstructions: number; gaveUp: string } | null }[] };
    expect(record.instructions).toBe(1000);
    expect(record.events[1]!.wait).toMatchObject({ steppedInstructions: 980, gaveUp: 'instruction-limit' });
    expect(record.error).toBe('the program did not finish within 1000 instructions (--max-instructions); stopped at stuck patch 1 code+0x0');
    const text = await hotpatch(WAIT, '--max-instructions', '1000');
    expect(text.stderr).toContain('gave up waiting: the instruction limit (1,000 instructions, --max-instructions) ran out');
    expect(text.stderr).toContain('after 1,000 instructions');
  });
});
