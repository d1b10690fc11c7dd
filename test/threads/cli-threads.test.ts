// The command line with a threaded program: --slice, output lines labelled with their thread, the
// threads in the summary and in --json.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { letters } from './programs.ts';

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

describe('hotpatch run with threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'threads-'));
  const file = join(dir, 'letters.s');
  writeFileSync(file, letters('x64', { count: 3, work: 30 }));

  it('labels each output line with its thread and sums the threads up', async () => {
    const result = await hotpatch('run', file, '--slice', '40', '--cpu', 'wasm');
    expect(result.code).toBe(195);
    const lines = result.stdout.split('\n').filter((l) => l !== '');
    expect(lines.every((l) => /^\[t[12]\] [ab]+$/.test(l))).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
    expect(result.stderr).toMatch(/-- threads \(slice 40\): main running at .*, t1 ended with 97 after [\d,]+ instructions, t2 ended with 98 after/);
  });

  it('gives the same schedule on both CPUs, and the threads in --json', async () => {
    const runs = await Promise.all(['unicorn', 'wasm'].map((cpu) => hotpatch('run', file, '--slice', '7', '--cpu', cpu, '--json')));
    const [a, b] = runs.map((r) => JSON.parse(r.stdout));
    expect(b.threadOutput).toEqual(a.threadOutput);
    expect(b.threads).toEqual(a.threads);
    expect(a.slice).toBe(7);
    expect(a.threads.map((t: { name: string }) => t.name)).toEqual(['main', 't1', 't2']);
  });

  it('replays a timeline under another consistency model with --consistency', async () => {
    const [perThread, entry] = await Promise.all([hotpatch('run', 'examples/pair-change'),
      hotpatch('run', 'examples/pair-change', '--consistency', 'entry', '--cpu', 'wasm')]);
    expect(perThread.code).toBe(0);
    expect(perThread.stdout).toBe('[main] every record came back as it was sent\n');
    expect(perThread.stderr).toContain('apply format-2.s (per-thread)');
    expect(perThread.stderr).toMatch(/-- t[12] switched to the new universe at [\d,]+ instructions \(at (the end of a slice|a system call)\)/);
    expect(perThread.stderr).toContain('every thread runs records patch 1: the transition is complete');
    expect(entry.code).toBe(2);
    expect(entry.stdout).toContain('] MIXED: a record encoded in one format was decoded in the other\n');
    expect(entry.stdout).toContain('[main] some records came back wrong\n');
    const bad = await hotpatch('run', 'examples/pair-change', '--consistency', 'later');
    expect(bad.code).toBe(2); // a command line that cannot be used (docs/cli.md, exit codes)
    expect(bad.stderr).toBe('hotpatch: --consistency must be one of entry, fixup, per-thread, not "later"\n');
  });

  it('refuses a slice that is not a whole number from 1 up', async () => {
    const result = await hotpatch('run', file, '--slice', '0');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('hotpatch: --slice needs a whole number from 1 to 1,000,000,000, not "0"\n');
  });
});
