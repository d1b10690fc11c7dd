// `hotpatch inspect`: a patch image's every field with its meaning, and the engine's verdict, as a
// user runs it (a child process), for a valid version 2 image, a version 1 image and broken ones.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../core/arch.ts';
import { loadFixture } from '../../harness/fixtures/hotpatch-fixture.ts';
import { HEADER_FIELDS } from '../../toolchain/patch-image-writer.ts';
import type { Inspection } from '../../toolchain/patch-image-inspect.ts';

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

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotpatch-inspect-'));
  for (const arch of ['x64', 'arm64'] as Arch[]) {
    const fixture = await loadFixture(arch);
    try {
      for (const name of ['by-name', 'cumulative'] as const) {
        files[`${name}-${arch}`] = join(dir, `${name}-${arch}.hpat`);
        await writeFile(files[`${name}-${arch}`]!, await fixture.build(name));
      }
    } finally {
      fixture.process.close();
    }
  }
});

afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('hotpatch inspect', () => {
  it.each(['x64', 'arm64'] as Arch[])('prints every field of a version 2 image on %s, its relocations, and the verdict', async (arch) => {
    const result = await hotpatch('inspect', files[`by-name-${arch}`]!);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^ {2}0x0000 {3}4 {2}magic +"HPAT" +a patch image$/m);
    expect(out).toMatch(/^ {2}0x0004 {3}2 {2}version +2 +format version 2: with a relocation table$/m);
    expect(out).toMatch(new RegExp(`^ {2}0x0006 {3}2 {2}architecture +${arch === 'x64' ? 1 : 2} +${arch === 'x64' ? 'x86-64' : 'ARM64'} code$`, 'm'));
    expect(out).toMatch(/^ {2}0x0038 {3}8 {2}module name +0x0, 3 +the module the patch is for: "app"$/m);
    expect(out).toMatch(/^ {2}0x0070 {3}8 {2}relocation table +0x\w+, \d +\d entries at image offset 0x\w+: references resolved when the patch is applied$/m);
    expect(out).toMatch(/^Redirect table: 3 entries of 32 bytes at 0x\w+$/m);
    expect(out).toMatch(/^ {2}2 {2}at 0x\w+: "scale" \(\+0x\w+, \d+ bytes\) -> code\+0x\w+ \(\d+ bytes\), hook, original in data\+0x0$/m);
    expect(out).toMatch(arch === 'x64'
      ? /^ {2}0 {2}at 0x\w+: code\+0x4 {2}R_X86_64_PLT32 {2}mathlib!round_half - 0x4$/m
      : /^ {2}0 {2}at 0x\w+: code\+0x8 {2}R_AARCH64_JUMP26 {2}mathlib!round_half \+ 0x0$/m);
    expect(out).toMatch(arch === 'x64'
      ? /kind +2 +R_X86_64_PC32 \(x86-64\): 4 bytes \(a RIP-relative displacement\): S \+ A - P, signed, \+-2 GiB$/m
      : /kind +275 +R_AARCH64_ADR_PREL_PG_HI21 \(ARM64\): the page of an adrp: \(Page\(S \+ A\) - Page\(P\)\) \/ 4096, \+-4 GiB$/m);
    expect(out).toMatch(/target +1 +S is the address of the export "round_half" of module "mathlib"$/m);
    expect(out).toMatch(new RegExp(`^Verdict: a valid version 2 patch image: ${arch === 'x64' ? 'x86-64' : 'ARM64'}, for module app ` +
      `\\(sha256:[0-9a-f]{64}\\), sequence 1; 3 redirects, 0 imports, 0 base references, ${arch === 'x64' ? 2 : 4} relocations$`, 'm'));
  });

  it('prints a version 1 image with its reserved bytes and slots, and no relocation table', async () => {
    const result = await hotpatch('inspect', files['cumulative-x64']!);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}0x0070 {2}16 {2}reserved +0{32} +must be zero$/m);
    expect(result.stdout).not.toMatch(/Relocation table/);
    expect(result.stdout).toMatch(/^Import table: 1 entry of 24 bytes at 0x\w+\n {2}0 {2}at 0x\w+: data\+0x\w+ <- "mathlib"!"round_half"$/m);
    expect(result.stdout).toMatch(/^Base reference table: 1 entry of 16 bytes at 0x\w+\n {2}0 {2}at 0x\w+: data\+0x\w+ <- "counter" \(base module\)$/m);
  });

  it('gives one JSON record with --json', async () => {
    const result = await hotpatch('inspect', '--json', files['by-name-arm64']!);
    expect(result.code).toBe(0);
    const record = JSON.parse(result.stdout) as Inspection;
    expect(record.header.map((f) => f.name)).toEqual(['magic', 'version', 'architecture', 'header size', 'image size', 'sequence',
      'flags', 'base identity', 'module name', 'code section', 'data section', 'redirect table', 'import table',
      'base reference table', 'string table', 'relocation table', 'reserved']);
    expect(record.tables.find((t) => t.name === 'relocation table')!.entries).toHaveLength(4);
    expect(record.verdict).toMatchObject({ valid: true });
  });

  it('shows what lies inside a broken image, the refusal, and exits with 1', async () => {
    const { readFile } = await import('node:fs/promises');
    const image = new Uint8Array(await readFile(files['by-name-x64']!));
    new DataView(image.buffer).setUint32(HEADER_FIELDS.relocations + 4, 400, true);
    const broken = join(dir, 'broken.hpat');
    await writeFile(broken, image);
    const result = await hotpatch('inspect', broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Relocation table: 400 entries of 32 bytes at 0x\w+$/m);
    expect(result.stdout).toMatch(/^ {2}\(397 more entries would lie past the end of the image\)$/m);
    expect(result.stdout).toMatch(/^Verdict: refused \(out-of-bounds, at image offset 0x70\): the relocation table \(400 entries of 32 bytes at 0x\w+\) ends at 0x\w+, past the end of the image/m);

    const short = join(dir, 'short.hpat');
    await writeFile(short, image.subarray(0, 60));
    const cut = await hotpatch('inspect', short);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/^ {2}\(the image ends at 0x3c, inside its 128-byte header\)$/m);
    expect(cut.stdout).toMatch(/^Verdict: refused \(truncated, at image offset 0x3c\): the image is 60 bytes long; its header alone takes 128$/m);
  });
});
