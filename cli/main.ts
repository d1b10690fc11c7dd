// `hotpatch`: run the examples from a terminal, and look inside patch images.
import { inspectCommand, INSPECT_USAGE } from './inspect.ts';
import { DIFF_USAGE, diffCommand, MAKE_PATCH_USAGE, makePatchCommand } from './edit.ts';
import { runCommand, RUN_USAGE } from './run.ts';

const USAGE = `Usage: hotpatch <command> [options]

Commands:
${RUN_USAGE}${INSPECT_USAGE}${DIFF_USAGE}${MAKE_PATCH_USAGE}`;

/** Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  try {
    if (command === 'run') return await runCommand(rest);
    if (command === 'inspect') return await inspectCommand(rest);
    if (command === 'diff') return await diffCommand(rest);
    if (command === 'make-patch') return await makePatchCommand(rest);
    process.stderr.write(`hotpatch: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  } catch (error) {
    process.stderr.write(`hotpatch: ${describeError(error)}\n`);
    return 1;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error && 'line' in error && error.name === 'AssemblyError') {
    const { file, line, lineText } = error as Error & { file?: string; line?: number; lineText?: string };
    const place = [file, line].filter((p) => p !== undefined).join(':');
    return `${place ? place + ': ' : ''}${error.message}${lineText && !error.message.includes(lineText) ? `\n    ${lineText.trim()}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

