// `hotpatch`: run the examples from a terminal, and look inside patch images.
import { inspectCommand, INSPECT_USAGE } from './inspect.ts';
import { DIFF_USAGE, diffCommand, MAKE_PATCH_USAGE, makePatchCommand } from './edit.ts';
import { examplesCommand, EXAMPLES_USAGE } from './examples.ts';
import { runCommand, RUN_USAGE } from './run.ts';
import { EXIT, exitCodeOf, paint } from './conventions.ts';
import { packageVersion } from '../toolchain/package-root.ts';

const USAGE = `Usage: hotpatch <command> [options]
       hotpatch --version [--json]

Commands:
${RUN_USAGE}${INSPECT_USAGE}${DIFF_USAGE}${MAKE_PATCH_USAGE}${EXAMPLES_USAGE}
Exit codes: 0 done; 1 the answer is no (a program that failed, a rude edit, a refused image, a file
that cannot be read or assembled); 2 a command line that cannot be used; 3 Unicorn asked for and not
loadable. run otherwise exits with the program's own exit code. NO_COLOR turns colour off.
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand, inspect: inspectCommand, diff: diffCommand, 'make-patch': makePatchCommand, examples: examplesCommand,
};

/** Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const json = argv.includes('--json');
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(json ? `${JSON.stringify({ name: 'hotpatch-playground', version: packageVersion() })}\n` : `${packageVersion()}\n`);
    return EXIT.ok;
  }
  try {
    if (!Object.hasOwn(COMMANDS, command)) {
      process.stderr.write(`hotpatch: unknown command ${JSON.stringify(command.slice(0, 40))}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    return await COMMANDS[command]!(rest);
  } catch (error) {
    const code = exitCodeOf(error);
    const message = describeError(error);
    process.stderr.write(`${paint(process.stderr).red('hotpatch:')} ${message}\n`);
    // A script that asked for JSON reads the failure as JSON too.
    if (json) process.stdout.write(`${JSON.stringify({ error: message.split('\n\n')[0], exitCode: code })}\n`);
    return code;
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
