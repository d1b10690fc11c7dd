// Calls guest functions one at a time, as many times as wanted, in a sandbox with a program's modules
// loaded: arguments in the ABI's registers, the return address at a stop page, output and exit
// through the guest ABI. Each call ends by returning, exiting, faulting, or running out of budget.
import { ARCH, type Arch, PAGE_SIZE } from '../../core/arch.ts';
import type { GuestModule } from '../../core/module.ts';
import { GuestIO } from '../../sandbox/guest-abi.ts';
import { enterCall, loadModule, mapStack, STACK_TOP } from '../../sandbox/loader.ts';
import { EXIT_ADDRESS } from '../../sandbox/process.ts';
import { Prot, type Sandbox } from '../../sandbox/sandbox.ts';

export type CallOutcome =
  | { kind: 'return'; value: bigint; output: string }
  | { kind: 'exit'; code: number; output: string }
  /** A fault, an unknown system call, a halt or the instruction budget. */
  | { kind: 'abnormal'; reason: string; output: string };

/** Registers a call starts with at zero (all general-purpose ones but the stack and program counters and the flags). */
function scratchRegisters(arch: Arch): string[] {
  const { general, pc, sp } = ARCH[arch].registers;
  return general.filter((name) => name !== pc && name !== sp && !/flags|nzcv|^fp$|^x29$/.test(name));
}

export class FunctionCaller {
  readonly io: GuestIO;
  private readonly scratch: string[];

  constructor(readonly sandbox: Sandbox, modules: readonly GuestModule[]) {
    for (const module of modules) loadModule(sandbox, module);
    sandbox.map(EXIT_ADDRESS, PAGE_SIZE, Prot.READ | Prot.EXEC);
    sandbox.write(EXIT_ADDRESS, ARCH[sandbox.arch].stopInstruction);
    mapStack(sandbox);
    this.io = new GuestIO(sandbox);
    this.scratch = scratchRegisters(sandbox.arch);
  }

  call(address: number, args: readonly bigint[], maxInstructions: number): CallOutcome {
    const { sandbox, io } = this;
    const spec = ARCH[sandbox.arch];
    io.exitCode = undefined;
    io.error = undefined;
    const printed = io.text().length;
    for (const name of this.scratch) sandbox.writeRegister(name, 0n);
    args.forEach((value, i) => sandbox.writeRegister(spec.registers.arguments[i]!, BigInt.asUintN(64, value)));
    enterCall(sandbox, address, EXIT_ADDRESS, STACK_TOP - 0x100);
    const output = () => io.text().slice(printed);
    let reason: string;
    try {
      reason = sandbox.start(address, { until: EXIT_ADDRESS, maxInstructions }).reason;
    } catch (error) {
      return { kind: 'abnormal', reason: `fault: ${error instanceof Error ? error.name : 'error'}`, output: output() };
    }
    if (io.error) return { kind: 'abnormal', reason: 'unknown system call', output: output() };
    if (io.exitCode !== undefined) return { kind: 'exit', code: io.exitCode, output: output() };
    if (reason === 'until') return { kind: 'return', value: sandbox.readRegister(spec.registers.result), output: output() };
    return { kind: 'abnormal', reason, output: output() };
  }

  close(): void {
    this.sandbox.close();
  }
}
