// Reading the files a user names (Node only): example.json, module and patch sources, a single
// module file given to the command line. Only regular files are read, up to a size given per kind
// of file, as UTF-8 text; a FIFO or a device is refused without waiting on it, and every error names
// the file. Errors never quote what a file holds: a file that is not what it should be can be any
// file on the machine.
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';

/** A file that could not be read, or is not what it should be; the message names it. */
export class FileError extends Error {
  constructor(message: string, readonly path: string, readonly code: string) {
    super(message);
    this.name = 'FileError';
  }
}

export interface ReadOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** What such files are, for the size message: "sources", "example.json files". */
  what: string;
  /** The name messages give the file, if not `path` (e.g. the name an example used for it). */
  shownAs?: string;
  /** Refuse a symbolic link as the last part of `path` (for paths already resolved). */
  noFollow?: boolean;
}

/** Reads a regular file of at most `maxBytes` bytes as UTF-8 text. */
export async function readTextFile(path: string, options: ReadOptions): Promise<string> {
  const shown = options.shownAs ?? path;
  // Looked at before opening, so that opening a device or a FIFO has no effect; looked at again on
  // the open handle, which is what is read.
  const before = await stat(path).catch((error: unknown) => { throw fileError(shown, error); });
  refuseUnlessSmallFile(shown, before, options);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (error) {
    throw fileError(shown, error);
  }
  try {
    const info = await handle.stat();
    refuseUnlessSmallFile(shown, info, options);
    if (info.ino !== before.ino || info.dev !== before.dev) throw new FileError(`${shown} changed while it was being opened`, shown, 'CHANGED');
    // One byte more than allowed: a file that grew since fstat is refused too.
    const buffer = new Uint8Array(options.maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > options.maxBytes) throw tooLarge(shown, length, options, true);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      throw new FileError(`${shown} is not UTF-8 text`, shown, 'NOT_TEXT');
    }
  } catch (error) {
    throw error instanceof FileError ? error : fileError(shown, error);
  } finally {
    await handle.close();
  }
}

/** Reads a JSON file; a syntax error names the file, the line and the column, and quotes nothing of it. */
export async function readJsonFile(path: string, options: ReadOptions): Promise<unknown> {
  const shown = options.shownAs ?? path;
  const text = await readTextFile(path, options);
  try {
    return JSON.parse(text);
  } catch {
    const { offset, problem } = jsonSyntaxError(text);
    const { line, column } = lineAndColumn(text, offset);
    throw new FileError(`${shown}: not valid JSON: ${problem} at line ${line}, column ${column}`, shown, 'JSON');
  }
}

function refuseUnlessSmallFile(shown: string, info: { isFile(): boolean; size: number } & Kind, options: ReadOptions): void {
  if (!info.isFile()) throw new FileError(`${shown} is ${kindOf(info)}, not a file`, shown, 'NOT_FILE');
  if (info.size > options.maxBytes) throw tooLarge(shown, info.size, options, false);
}

function tooLarge(shown: string, size: number, options: ReadOptions, atLeast: boolean): FileError {
  return new FileError(`${shown} is ${atLeast ? 'more than ' + count(options.maxBytes) : count(size)} bytes; ` +
    `${options.what} are at most ${count(options.maxBytes)} bytes (${sizeName(options.maxBytes)})`, shown, 'TOO_LARGE');
}

interface Kind {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

function kindOf(info: Kind): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A Node file system error in words, naming the file (never the system's message alone). */
export function fileError(shown: string, error: unknown): FileError {
  if (error instanceof FileError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    ENOTDIR: 'no such file (a part of the path is not a directory)',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'is a directory, not a file',
    ELOOP: 'too many levels of symbolic links',
    ENAMETOOLONG: 'the path is too long',
    ENXIO: 'cannot be opened (no reader or device behind it)',
  };
  const text = typeof code === 'string' ? words[code] : undefined;
  return new FileError(`${shown}: ${text ?? `cannot be read (${typeof code === 'string' ? code : 'unknown error'})`}`,
    shown, typeof code === 'string' ? code : 'UNKNOWN');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function sizeName(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; start = i + 1; }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Where the first JSON syntax error of `text` is and what it is, in words of our own: the engine's
 * messages quote the text, which must not appear in an error. Only called once JSON.parse failed.
 * Iterative, so that deep nesting cannot exhaust the stack.
 */
export function jsonSyntaxError(text: string): { offset: number; problem: string } {
  let i = 0;
  const n = text.length;
  const fail = (problem: string, at = i) => ({ offset: Math.min(at, n), problem });
  const space = () => { while (i < n && ' \t\n\r'.includes(text[i]!)) i++; };
  // What is open: '[' or '{'; after each value the top decides what may follow.
  const open: string[] = [];
  const literal = (word: string) => text.startsWith(word, i) ? ((i += word.length), true) : false;
  const string = (): { offset: number; problem: string } | undefined => {
    const start = i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) { i++; return undefined; }
      if (c < 0x20) return fail('a control character inside a string (write it as an escape such as \\n)');
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('a bad \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return fail('a bad escape in a string');
        }
        continue;
      }
      i++;
    }
    return fail('a string that does not end', start);
  };
  const number = (): boolean => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) return false;
    i += match[0].length;
    // "01" and "1." are not numbers: what follows must end the value.
    return !(i < n && /[0-9.eE]/.test(text[i]!));
  };
  for (;;) {
    // A value is expected here.
    space();
    if (i >= n) return fail('the text ends where a value is expected');
    const c = text[i]!;
    if (c === '{' || c === '[') {
      open.push(c);
      i++;
      space();
      if (c === '{') {
        if (text[i] === '}') { open.pop(); i++; } else {
          if (text[i] !== '"') return fail(i >= n ? 'the text ends inside an object' : 'a property name in double quotes is expected');
          const bad = string();
          if (bad) return bad;
          space();
          if (text[i] !== ':') return fail('":" is expected after a property name');
          i++;
          continue;
        }
      } else if (text[i] === ']') {
        open.pop();
        i++;
      } else {
        continue;
      }
    } else if (c === '"') {
      const bad = string();
      if (bad) return bad;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      if (!number()) return fail('a badly written number');
    } else if (!literal('true') && !literal('false') && !literal('null')) {
      return fail('an unexpected character where a value is expected');
    }
    // After a value: close what is open, or go on to the next element.
    for (;;) {
      space();
      const top = open.at(-1);
      if (top === undefined) {
        return i < n ? fail('more text after the end of the JSON value') : fail('an error the checker did not locate', 0);
      }
      if (i >= n) return fail(`the text ends inside ${top === '{' ? 'an object' : 'a list'}`);
      const closer = top === '{' ? '}' : ']';
      if (text[i] === closer) { open.pop(); i++; continue; }
      if (text[i] !== ',') return fail(`"," or "${closer}" is expected`);
      i++;
      if (top === '{') {
        space();
        if (text[i] !== '"') return fail('a property name in double quotes is expected');
        const bad = string();
        if (bad) return bad;
        space();
        if (text[i] !== ':') return fail('":" is expected after a property name');
        i++;
      }
      break;
    }
  }
}
