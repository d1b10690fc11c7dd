// The CLI as a user runs it: a child process, its stdout, stderr and exit code.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

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

const UNPATCHED_OUTPUT = [
  '10.00 -> 12.01', '19.99 -> 23.99', '2.50 -> 3.01', '0.05 -> 0.07', '123.45 -> 148.15', '0.99 -> 1.19',
  '42.00 -> 50.41', '0.01 -> 0.02', '7.77 -> 9.33', '1000.00 -> 1200.01', '33.33 -> 40.00', '0.60 -> 0.73',
].join('\n') + '\n';
/** The example applies its fix after four prices: from the fifth on, they are right. */
const EXPECTED_OUTPUT = [
  '10.00 -> 12.01', '19.99 -> 23.99', '2.50 -> 3.01', '0.05 -> 0.07', '123.45 -> 148.14', '0.99 -> 1.19',
  '42.00 -> 50.40', '0.01 -> 0.01', '7.77 -> 9.32', '1000.00 -> 1200.00', '33.33 -> 40.00', '0.60 -> 0.72',
].join('\n') + '\n';

describe('hotpatch run', () => {
  it.each(['x64', 'arm64'])('runs the price-tax example on %s and prints the guest output', async (arch) => {
    const result = await hotpatch('run', 'examples/price-tax', '--arch', arch);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(EXPECTED_OUTPUT);
    expect(result.stderr).toMatch(new RegExp(`price-tax \\(${arch}, unicorn 2\\.0\\.\\d+\\): exit code 0 after [\\d,]+ instructions`));
    expect(result.stderr).toContain('pricing!price_with_tax 12');
  });

  it('prints a machine-readable record with --json', async () => {
    const result = await hotpatch('run', 'examples/price-tax', '--arch', 'arm64', '--json');
    expect(result.code).toBe(0);
    const record = JSON.parse(result.stdout);
    expect(record).toMatchObject({
      example: 'price-tax', arch: 'arm64', output: EXPECTED_OUTPUT, unpatchedOutput: UNPATCHED_OUTPUT, exitCode: 0, error: null,
      calls: { 'pricing!main': 1, 'pricing!format_cents': 24, 'pricing!price_with_tax': 12 },
    });
    expect(record.instructions).toBeGreaterThan(1000);
  });

  const failures: [string, string[], RegExp][] = [
    ['unassemblable source', ['test/fixtures/bad-syntax.s'],
      /^hotpatch: test\/fixtures\/bad-syntax\.s:5: cannot assemble "add rax, \[rbx \+ rcx\*3\]": Invalid operand \(KS_ERR_ASM_INVALIDOPERAND\)\n$/],
    ['no entry point', ['test/fixtures/no-entry.s'], /^hotpatch: no entry point: no module declares "\.entry <function>"\n$/],
    ['a missing entry symbol', ['test/fixtures/missing-entry.s'], /^hotpatch: .*entry symbol "start" is not defined.*\n$/],
    ['a jump to unmapped memory', ['test/fixtures/wild-jump.s'],
      /error: Invalid memory fetch \(UC_ERR_FETCH_UNMAPPED\) at 0xdead0000 \(pc 0xdead0000\)/],
    ['an infinite loop, by instruction count', ['test/fixtures/spin.s', '--max-instructions', '20000'],
      /error: the program did not finish within 20000 instructions \(--max-instructions\); stopped at spin!main/],
    ['an infinite loop, by time', ['test/fixtures/spin.s', '--max-instructions', '999999999999', '--time-limit', '300'],
      /error: the program did not finish within 300 ms \(--time-limit\); stopped at spin!main/],
    ['an unknown system call', ['test/fixtures/unknown-syscall.s'],
      /error: unknown system call 999 at 0x400005 \(sys!main\+0x5\)/],
    ['a missing example', ['examples/nope'], /^hotpatch: examples\/nope: no such example directory or file\n$/],
    ['a bad option value', ['examples/price-tax', '--arch', 'mips'], /^hotpatch: --arch must be one of x64, arm64, not "mips"\n$/],
    ['an unknown CPU', ['examples/price-tax', '--cpu', 'qemu'], /^hotpatch: --cpu must be one of unicorn, wasm, not "qemu"\n$/],
    ['an infinite loop on the WebAssembly CPU', ['test/fixtures/spin.s', '--cpu', 'wasm', '--max-instructions', '20000'],
      /error: the program did not finish within 20000 instructions \(--max-instructions\); stopped at spin!main/],
  ];
  it.each(failures)('fails clearly on %s', async (_name, args, message) => {
    const result = await hotpatch('run', ...args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no JavaScript stack trace
  });

  it.each(['unicorn', 'wasm'])('stops on %s by the instruction limit after an instruction ending in 0xf4, not as a halt', async (cpu) => {
    const result = await hotpatch('run', 'test/fixtures/f4-stop.s', '--cpu', cpu, '--max-instructions', '3');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: the program did not finish within 3 instructions \(--max-instructions\); stopped at m!main\+0x7 after 3 instructions/);
  });

  it('explains its usage', async () => {
    const result = await hotpatch('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run <example-dir | module.s>');
  });
});
