// What every command of `hotpatch` shares: its exit codes (docs/cli.md#exit-codes), the error for a
// command line it cannot use, and colour (only on a terminal, never with NO_COLOR).

/** The exit codes of `hotpatch`; `run` otherwise exits with the program's own exit code. */
export const EXIT = {
  /** Done, and as expected. */
  ok: 0,
  /** The command ran and the answer is no: a program that failed, a rude edit, a refused image, a file that cannot be read or assembled. */
  failure: 1,
  /** The command line: an unknown command or option, a missing argument, a value out of range. */
  usage: 2,
  /** Something the machine lacks: Unicorn was asked for (--cpu unicorn, HOTPATCH_CPU=unicorn) and cannot be loaded. */
  unavailable: 3,
} as const;

/** A command line `hotpatch` cannot use: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  override readonly name = 'UsageError';
}

/** Something this machine lacks: exit code 3. */
export class UnavailableError extends Error {
  readonly exitCode = EXIT.unavailable;
  override readonly name = 'UnavailableError';
}

/** The exit code an error thrown by a command stands for. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof UnavailableError) return error.exitCode;
  // node:util parseArgs: an unknown option, a missing value, a value where none is taken.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return EXIT.usage;
  return EXIT.failure;
}

interface Stream { isTTY?: boolean }

/**
 * Whether to colour what goes to `stream`: only on a terminal that is not "dumb", and never when
 * NO_COLOR is set (to anything but the empty string: no-color.org).
 */
export function colourWanted(stream: Stream, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR) return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

/** Colours for `stream`: SGR sequences when colourWanted, the text as it is otherwise. */
export function paint(stream: Stream, env: Record<string, string | undefined> = process.env): Paint {
  if (!colourWanted(stream, env)) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
  return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) };
}
