// Every patching example from the CLI, on both architectures: the output changes where the
// example says, and the record says how (transactions, waits, refusals).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);

interface EventJson {
  action: string;
  name: string;
  reached: { where: string; outputLines: number } | null;
  wait: { message: string; steppedInstructions: number; resumedAt: string } | null;
  result: { status: string; code?: string; message?: string; sequence?: number | null; steps?: { stage: string; explanation: string }[] };
  asExpected: boolean;
}
interface RecordJson {
  output: string;
  unpatchedOutput: string;
  exitCode: number;
  error: string | null;
  events: EventJson[];
  behaviourChange: { line: number; unpatched: string; patched: string } | null;
}

async function runJson(example: string, arch: string): Promise<RecordJson> {
  const { stdout } = await exec('node', ['bin/hotpatch.js', 'run', `examples/${example}`, '--arch', arch, '--json'], { timeout: 60_000 });
  const record = JSON.parse(stdout) as RecordJson;
  expect(record.error).toBeNull();
  expect(record.exitCode).toBe(0);
  expect(record.events.every((e) => e.asExpected)).toBe(true);
  return record;
}

const line = (record: RecordJson, n: number) => record.output.split('\n')[n - 1];
const slotSteps = (event: EventJson) => event.result.steps!.filter((s) => s.stage === 'slot').map((s) => s.explanation).join('\n');

describe.each(['x64', 'arm64'])('patching examples (%s)', (arch) => {
  it('price-tax: the hot loop runs the fix from the fifth price on', async () => {
    const record = await runJson('price-tax', arch);
    expect(record.events[0]!.reached!.where).toBe('pricing!price_with_tax');
    expect(record.behaviourChange).toEqual({ line: 5, unpatched: '123.45 -> 148.15', patched: '123.45 -> 148.14', differingLines: 6, lines: 12 });
    expect(record.events[0]!.result.steps!.map((s) => s.stage)).toContain('entry-jump');
  });

  it('hook-original: the hook clamps the percentage and the original computes', async () => {
    const record = await runJson('hook-original', arch);
    expect(record.behaviourChange).toMatchObject({ line: 3, patched: '12.50 -> 0.00' });
    expect(line(record, 4)).toBe('40.00 -> 30.00');
    expect(line(record, 5)).toBe('1.00 -> 0.00');
    const stages = record.events[0]!.result.steps!.map((s) => s.stage);
    expect(stages).toEqual(expect.arrayContaining(['map-trampolines', 'trampoline', 'entry-jump']));
    expect(slotSteps(record.events[0]!)).toMatch(/trampoline 0x[0-9a-f]+: the new code calls the original discounted through it/);
  });

  it('import-module: the new average calls stats!divide_rounded', async () => {
    const record = await runJson('import-module', arch);
    expect(record.behaviourChange).toMatchObject({ line: 4, unpatched: '19.99 -> 9.99', patched: '19.99 -> 10.00' });
    expect(slotSteps(record.events[0]!)).toMatch(/= stats!divide_rounded \(0x50[0-9a-f]{4}\), the import/);
  });

  it('base-global: the patched function follows the live VAT rate', async () => {
    const record = await runJson('base-global', arch);
    // Lines 4 to 6 are the same at 20%; the rate drops to 5% at line 7 and the patch follows it.
    expect(record.behaviourChange).toMatchObject({ line: 7, unpatched: '42.00 -> 50.40', patched: '42.00 -> 44.10' });
    expect(slotSteps(record.events[0]!)).toMatch(/= pricing!vat_percent \(0x40[0-9a-f]{4}\), the live base symbol/);
  });

  it('cumulative: patch 1, patch 2 replacing it, then back to patch 1', async () => {
    const record = await runJson('cumulative', arch);
    expect(record.events.map((e) => [e.action, e.result.status, e.result.sequence])).toEqual([
      ['apply', 'applied', 1], ['apply', 'applied', 2], ['rollback', 'applied', 1]]);
    expect(line(record, 4)).toBe('50.00 -> 64.99'); // patch 1: rounding fixed, shipping not
    expect(line(record, 7)).toBe('50.00 -> 60.00'); // patch 2: both fixed
    expect(line(record, 11)).toBe('50.00 -> 64.99'); // rolled back to patch 1
    expect(line(record, 10)).toBe('123.45 -> 148.14'); // rounding stays fixed
  });

  it('wrong-base: refused with both digests, and the program runs on unchanged', async () => {
    const record = await runJson('wrong-base', arch);
    const result = record.events[0]!.result;
    expect(result.status).toBe('refused');
    expect(result.code).toBe('wrong-base');
    expect(result.message).toMatch(/^the patch was built for pricing sha256:([0-9a-f]{64}), but the running pricing is sha256:(?!\1)[0-9a-f]{64}/);
    expect(record.output).toBe(record.unpatchedOutput);
    expect(record.behaviourChange).toBeNull();
  });

  it('wait-for-thread: the transaction waits, then goes through', async () => {
    const record = await runJson('wait-for-thread', arch);
    const waited = record.events.at(-1)!;
    expect(waited.result.status).toBe('applied');
    if (arch === 'x64') {
      expect(waited.reached!.where).toBe('pricing!price_with_tax+0x3');
      expect(waited.wait).toMatchObject({ steppedInstructions: 1, resumedAt: 'pricing!price_with_tax+0x6' });
      expect(waited.wait!.message).toMatch(/is inside bytes 0x[0-9a-f]+\.\.0x[0-9a-f]+ of pricing!price_with_tax, which is about to be overwritten/);
      // The call that was under way finishes in the old code; the next one runs the fix.
      expect(line(record, 5)).toBe('123.45 -> 148.15');
      expect(record.behaviourChange).toMatchObject({ line: 7, patched: '42.00 -> 50.40' });
    } else {
      expect(waited.reached!.where).toBe('pricing patch 1 code+0x0');
      expect(waited.wait!.message).toMatch(/is executing pricing patch 1 code, which is about to be removed/);
      expect(waited.wait!.resumedAt).toMatch(/^pricing!main\+0x/);
      expect(waited.result.sequence).toBe(2);
    }
  });
});

describe.each(['unicorn', 'wasm'])('a wait that steps over an instruction ending in 0xf4 (%s)', (cpu) => {
  it('steps on, applies the patch and runs the program to its end', async () => {
    const { stdout } = await exec('node', ['bin/hotpatch.js', 'run', 'test/fixtures/f4-wait', '--cpu', cpu, '--json'], { timeout: 60_000 });
    const record = JSON.parse(stdout) as RecordJson;
    expect(record.error).toBeNull();
    expect(record.events[0]!.wait).toMatchObject({ steppedInstructions: 2, resumedAt: 'count!f+0x7' });
    expect(record.events[0]!.result.status).toBe('applied');
    // f(2) was under way in the old code; f(3) on runs the patch: 3, 4, 5 become 5, 6, 7.
    expect(record.output).toBe('1\n2\n3\n5\n6\n7\n');
    expect(record.exitCode).toBe(0);
  });
});

describe('patching examples as a person sees them', () => {
  it('prints the wait, the steps and where the output changed', async () => {
    const { stdout, stderr } = await exec('node', ['bin/hotpatch.js', 'run', 'examples/wait-for-thread', '--arch', 'x64'], { timeout: 60_000 });
    expect(stdout.split('\n')).toHaveLength(13);
    expect(stderr).toContain('== after 4 calls of pricing!price_with_tax and 1 instruction: apply fix-rounding.s');
    expect(stderr).toMatch(/wait: thread main \(pc 0x[0-9a-f]+, pricing!price_with_tax\+0x3\) is inside bytes/);
    expect(stderr).toContain('stepped the guest 1 instruction and retried; it is now at pricing!price_with_tax+0x6');
    expect(stderr).toMatch(/entry-jump\s+0x[0-9a-f]+\s+6b c7 78 83 c0 -> e9 [0-9a-f ]+\n\s+A jmp rel32 to the replacement/);
    expect(stderr).toContain('-- behaviour changed at output line 7: unpatched "42.00 -> 50.41", patched "42.00 -> 50.40"');
  });
});

describe.each(['x64', 'arm64'])('--cpu wasm (%s)', (arch) => {
  // Every example, on both CPUs, is compared in process (test/sandbox/examples-on-both-cpus.test.ts);
  // here the option itself: the record of a patched run is the same as on Unicorn but for its backend.
  it('prints the same record as on Unicorn: output, calls, instruction count, each transaction and wait', async () => {
    const run = async (cpu: string) => {
      const { stdout } = await exec('node', ['bin/hotpatch.js', 'run', 'examples/wait-for-thread', '--arch', arch, '--cpu', cpu, '--json'],
        { timeout: 60_000 });
      const { backend, ...record } = JSON.parse(stdout) as { backend: string };
      return { backend, record };
    };
    const [unicorn, wasm] = await Promise.all([run('unicorn'), run('wasm')]);
    expect([unicorn.backend, wasm.backend]).toEqual([expect.stringMatching(/^unicorn /), 'wasm-cpu']);
    expect(wasm.record).toEqual(unicorn.record);
  }, 120_000);
});
