// Hostile files: what the command line and the examples reader open. Only regular files are read,
// up to a size per kind, as UTF-8; a FIFO or a device is refused at once (a read would block or never
// end); every error names the file and quotes nothing of it.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileError, jsonSyntaxError, readJsonFile, readTextFile } from '../../toolchain/files.ts';
import { Random } from '../../harness/fuzz/patch-fuzzer.ts';

const exec = promisify(execFile);
const SOURCES = { maxBytes: 256 * 1024, what: 'sources' };
const MARKER = 'marker-6d1e: must not appear in a message';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotpatch-files-'));
  writeFileSync(join(dir, 'ok.s'), 'nop\n');
  mkdirSync(join(dir, 'folder.s'));
  execFileSync('mkfifo', [join(dir, 'fifo.s')]);
  symlinkSync('/dev/zero', join(dir, 'zero.s'));
  symlinkSync('loop.s', join(dir, 'loop.s'));
  writeFileSync(join(dir, 'big.s'), new Uint8Array(1024 * 1024).fill(0x20));
  writeFileSync(join(dir, 'latin1.s'), Uint8Array.of(0x3b, 0x20, 0xe9, 0x0a));
  writeFileSync(join(dir, 'bad.json'), `{\n  "title": "x",\n  ${MARKER}\n}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails with a clear message instead of waiting for the test's own timeout. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms); });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('reading a file a user names', () => {
  it('reads a regular file', async () => {
    await expect(readTextFile(join(dir, 'ok.s'), SOURCES)).resolves.toBe('nop\n');
  });

  it.each([
    ['a directory', 'folder.s', 'is a directory, not a file'],
    ['a FIFO, without waiting for a writer', 'fifo.s', 'is a FIFO (named pipe), not a file'],
    ['a link to the endless zero device', 'zero.s', 'is a character device, not a file'],
    ['a file over the size bound', 'big.s', 'is 1,048,576 bytes; sources are at most 262,144 bytes (256 KiB)'],
    ['a file that is not UTF-8', 'latin1.s', 'is not UTF-8 text'],
  ])('refuses %s, naming it', async (_kind, name, words) => {
    const path = join(dir, name);
    await expect(within(2000, readTextFile(path, SOURCES))).rejects.toThrow(`${path} ${words}`);
  });

  it.each([
    ['a missing file', 'missing.s', 'no such file'],
    ['a link loop', 'loop.s', 'too many levels of symbolic links'],
  ])('names %s and says why in words', async (_kind, name, words) => {
    const path = join(dir, name);
    await expect(readTextFile(path, SOURCES)).rejects.toThrow(`${path}: ${words}`);
  });

  it('refuses the zero device itself without reading it', async () => {
    await expect(within(2000, readTextFile('/dev/zero', SOURCES))).rejects.toThrow('/dev/zero is a character device, not a file');
  });

  it('says "permission denied" for EACCES, naming the file', () => {
    expect(fileError('a/b.s', Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' })).message)
      .toBe('a/b.s: permission denied');
  });

  it('names the file, line and column of a JSON syntax error, and quotes nothing of the file', async () => {
    const path = join(dir, 'bad.json');
    const error = await readJsonFile(path, { maxBytes: 65536, what: 'example.json files' }).catch((e: Error) => e);
    expect((error as Error).message).toBe(`${path}: not valid JSON: a property name in double quotes is expected at line 3, column 3`);
    expect((error as Error).message).not.toContain('marker');
  });
});

describe('the JSON syntax checker', () => {
  it('finds an error exactly where JSON.parse finds one, over damaged example.json files', () => {
    const random = new Random(18);
    const texts = ['price-tax', 'wait-for-thread', 'wrong-base'].map((e) => readFileSync(`examples/${e}/example.json`, 'utf8'));
    const pieces = ['', '"', '\\', '\\u12', '\u0001', '{', '}', '[', ']', ',', ':', '0', '-', '01', '1.', '1e', 'tru', 'null', ' ', '\n'];
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = random.pick(texts);
      const at = random.below(text.length + 1);
      const damaged = text.slice(0, at) + random.pick(pieces) + text.slice(at + random.below(3));
      let parsed = true;
      try { JSON.parse(damaged); } catch { parsed = false; }
      const found = jsonSyntaxError(damaged);
      // The checker is only asked once JSON.parse failed; on valid text it finds nothing.
      expect(found.problem === 'an error the checker did not locate', damaged).toBe(parsed);
      if (!parsed) refused++;
    }
    expect(refused).toBeGreaterThan(5_000);
  });

  it('handles nesting far deeper than a recursive parser could', () => {
    const deep = '['.repeat(30_000) + ']'.repeat(29_999);
    expect(jsonSyntaxError(deep)).toEqual({ offset: deep.length, problem: 'the text ends inside a list' });
  });
});

async function hotpatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/hotpatch.js', ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string; killed?: boolean };
    if (e.killed) throw new Error(`hotpatch ${args.join(' ')} was still running after 20 s`);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hotpatch run on a file that is not a source', () => {
  it.each([
    ['the zero device', () => '/dev/zero', 'is a character device, not a file'],
    ['a FIFO', () => join(dir, 'fifo.s'), 'is a FIFO (named pipe), not a file'],
    ['a 1 MB file', () => join(dir, 'big.s'), 'is 1,048,576 bytes; sources are at most 262,144 bytes (256 KiB)'],
  ])('refuses %s at once, naming it', async (_kind, path, words) => {
    const result = await hotpatch('run', path());
    expect(result).toEqual({ code: 1, stdout: '', stderr: `hotpatch: ${path()} ${words}\n` });
  });
});
