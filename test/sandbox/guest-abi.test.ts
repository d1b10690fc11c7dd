import { afterEach, describe, expect, it } from 'vitest';
import { GuestProcess } from '../../sandbox/process.ts';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { BACKENDS } from '../helpers.ts';

/** write(fd, msg, len) then exit(code) — or whatever call number is given. */
function program(arch: Arch, calls: { number: number; args: (number | string)[] }[]): string {
  const body = calls.map(({ number, args }) => arch === 'x64'
    ? [...args.map((a, i) => `${typeof a === 'string' ? 'lea' : 'mov'} ${['rdi', 'rsi', 'rdx'][i]}, ${typeof a === 'string' ? `[rip + ${a}]` : a}`),
      `mov eax, ${number}`, 'syscall', 'mov r12, rax'].join('\n')
    : [...args.map((a, i) => typeof a === 'string' ? `adr x${i}, ${a}` : `mov x${i}, #${a}`),
      `mov x8, #${number}`, 'svc #0', 'mov x19, x0'].join('\n')).join('\n');
  return `.module abi\n.entry main\n.func main\n${body}\nret\n.endfunc\n` +
    `.func text\nmsg: .ascii "hello, guest\\n"\n.endfunc\n`;
}

const NUMBERS = { x64: { write: 1, exit: 60 }, arm64: { write: 64, exit: 93 } };
const LAST_RESULT = { x64: 'r12', arm64: 'x19' };

const CASES = BACKENDS.flatMap((backend) => ARCHES.filter((a) => backend.arches.includes(a)).map((arch) => ({ backend, arch })));

describe.each(CASES)('guest ABI, $backend.name $arch', ({ backend, arch }) => {
  let process: GuestProcess | undefined;
  afterEach(() => process?.close());

  async function run(calls: { number: number; args: (number | string)[] }[]) {
    const module = await assembleModule(program(arch, calls), arch);
    process = new GuestProcess(backend.create(arch), { modules: [module] });
    process.run({ maxInstructions: 1000 });
    return process;
  }

  it('captures write(1) and write(2) per run and ends at exit(code)', async () => {
    const n = NUMBERS[arch];
    const p = await run([
      { number: n.write, args: [1, 'msg', 13] },
      { number: n.write, args: [2, 'msg', 5] },
      { number: n.exit, args: [7] },
      { number: n.write, args: [1, 'msg', 13] }, // never reached
    ]);
    expect(p.state).toBe('exited');
    expect(p.io.exitCode).toBe(7);
    expect(p.io.text()).toBe('hello, guest\nhello');
    expect(p.io.text(1)).toBe('hello, guest\n');
    expect(p.io.text(2)).toBe('hello');
  });

  it('returns the length written, -EBADF for other descriptors and -EFAULT for unmapped buffers', async () => {
    const n = NUMBERS[arch];
    const results: bigint[] = [];
    for (const args of [[1, 'msg', 4], [5, 'msg', 4], [1, 0x1234, 4]] as (number | string)[][]) {
      const p = await run([{ number: n.write, args }]);
      results.push(BigInt.asIntN(64, p.sandbox.readRegister(LAST_RESULT[arch])));
      p.close();
      process = undefined;
    }
    expect(results).toEqual([4n, -9n, -14n]);
  });

  it('stops at an unknown system call, naming its number and address', async () => {
    const p = await run([{ number: 4242, args: [] }]);
    expect(p.state).toBe('failed');
    const address = p.modules[0]!.base + (arch === 'x64' ? 5 : 4);
    expect(p.error?.message).toBe(`unknown system call 4242 at 0x${address.toString(16)} (abi!main+0x${(address - p.modules[0]!.base).toString(16)})`);
  });

  it('ends the program when the entry function returns, with its result as exit code', async () => {
    const src = arch === 'x64' ? '.module r\n.entry main\n.func main\nmov eax, 3\nret\n.endfunc'
      : '.module r\n.entry main\n.func main\nmov x0, #3\nret\n.endfunc';
    process = new GuestProcess(backend.create(arch), { modules: [await assembleModule(src, arch)] });
    expect(process.run()).toEqual({ state: 'exited', reason: 'exit' });
    expect(process.io.exitCode).toBe(3);
  });
});
