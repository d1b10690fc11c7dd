// Hostile examples for the manifest reader: a temporary examples folder holding a copy of price-tax
// and files an example must never read (a secret outside the folder, a program outside that exits
// 42, FIFOs, a symbolic link to the endless zero device, a directory, a large file, text that is not
// UTF-8, a link loop), and example.json files made from price-tax's by mutation: wrong types and
// values in every field, hostile file names, unknown fields, per-architecture timelines with odd
// keys, deep nesting, damaged JSON text. Each case goes through what `hotpatch run` does before it
// runs anything (read example.json, read and assemble the modules, read and build the patches).
// A case passes when it is accepted or refused cleanly: the message names a file of the examples,
// nothing of the secret appears, nothing outside is assembled, and it ends within a second per MB of
// input.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '../../cli/main.ts';
import type { Arch } from '../../core/arch.ts';
import { assembleExample, buildExampleTimeline, readExampleManifest } from '../../toolchain/example.ts';
import type { HostileGenerator } from './hostile-sources.ts';
import { Random } from './patch-fuzzer.ts';

/** A line that must never appear in a message: it is in files outside the example. */
export const SECRET = 'hostile-secret-7f3a9c: not for any message';

export interface HostileTree {
  /** The temporary folder holding everything. */
  root: string;
  /** The examples folder: base (price-tax), other (a sibling), case (rewritten per case). */
  examples: string;
  /** Files outside the examples folder. */
  outside: { secret: string; evil: string; fifo: string };
  close(): void;
}

/** The hostile files of an example's x64 and arm64 folders, by name (see hostileTree). */
export const HOSTILE_FILES = ['dir.s', 'fifo.s', 'zero.s', 'out.s', 'big.s', 'latin1.s', 'loop.s', 'evil.s'] as const;

const PRICE_TAX = 'examples/price-tax';

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** Builds the tree under the system's temporary folder; `close` removes it. */
export function hostileTree(): HostileTree {
  const root = mkdtempSync(join(tmpdir(), 'hotpatch-hostile-'));
  const examples = join(root, 'examples');
  const outsideDir = join(root, 'outside');
  mkdirSync(outsideDir);
  const outside = { secret: join(outsideDir, 'secret.s'), evil: join(outsideDir, 'evil.s'), fifo: join(outsideDir, 'fifo.s') };
  // Assembled, the secret fails on its first line, and an assembler error quotes its line.
  writeFileSync(outside.secret, `${SECRET}\n${SECRET}\n`);
  writeFileSync(outside.evil, '.module evil\n.arch x64\n.entry main\n.func main\n    mov eax, 42\n    ret\n.endfunc\n');
  mkfifo(outside.fifo);
  for (const name of ['base', 'other', 'case']) {
    for (const arch of ['x64', 'arm64']) {
      const dir = join(examples, name, arch);
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(PRICE_TAX, arch, 'pricing.s'), join(dir, 'pricing.s'));
      copyFileSync(join(PRICE_TAX, arch, 'fix-rounding.s'), join(dir, 'fix-rounding.s'));
      if (name !== 'case') continue;
      mkdirSync(join(dir, 'dir.s'));
      mkfifo(join(dir, 'fifo.s'));
      symlinkSync('/dev/zero', join(dir, 'zero.s'));
      symlinkSync(outside.secret, join(dir, 'out.s'));
      symlinkSync(outside.evil, join(dir, 'evil.s'));
      writeFileSync(join(dir, 'big.s'), `; ${'x'.repeat(78)}\n`.repeat(4000));
      writeFileSync(join(dir, 'latin1.s'), Uint8Array.of(0x3b, 0x20, 0xe9, 0x74, 0xe9, 0x0a));
      symlinkSync('loop.s', join(dir, 'loop.s'));
    }
    writeFileSync(join(examples, name, 'example.json'), readFileSync(join(PRICE_TAX, 'example.json')));
  }
  return { root, examples, outside, close: () => rmSync(root, { recursive: true, force: true }) };
}

/** Names an example must refuse or keep inside its folder; `tree` supplies absolute paths. */
export function hostileNames(tree: HostileTree): string[] {
  return [
    '../../../outside/secret.s', '../outside/secret.s', '..:secret.s', '../outside:secret.s', '..:../outside/secret.s',
    tree.outside.secret, tree.outside.fifo, '/dev/zero', 'x64/pricing.s', './pricing.s', 'pricing.s/', 'pricing.s\u0000',
    'pricing.s\u0000../../outside/secret.s', '.hidden.s', 'a\\..\\secret.s', '%2e%2e%2foutside%2fsecret.s', 'pricing', 'pricing.S',
    '', ' ', 'pricing.s ', 'p'.repeat(5000) + '.s', 'nope:pricing.s', 'Base:pricing.s', 'base:', ':pricing.s', 'base::pricing.s',
    'base:pricing.s:x', 'case:pricing.s', 'other:pricing.s', 'other:missing.s', 'other:../../outside/secret.s', 'missing.s',
    'file:///etc/passwd', 'pricing.s?x', '\u2024\u2024/secret.s', 'pric\u0131ng.s',
    ...HOSTILE_FILES, ...HOSTILE_FILES.map((f) => `case:${f}`),
  ];
}

/** Values of every JSON type and some that are large or special. */
function hostileValue(random: Random, tree: HostileTree): unknown {
  const names = hostileNames(tree);
  return random.pick<() => unknown>([
    () => null, () => 0, () => -1, () => 1.5, () => 2 ** 53, () => 1e300, () => -0, () => '2', () => '', () => 'yes',
    () => true, () => false, () => [], () => ({}), () => [null], () => ({ a: 1 }), () => 'x'.repeat(100_000),
    () => random.pick(names), () => [random.pick(names)], () => ({ x64: [], mips: [] }), () => ({ __proto__: null, constructor: 1 }),
    () => Array.from({ length: 200 }, () => 'pricing.s'), () => 'mips', () => 'x64', () => 'pricing!price_with_tax', () => 'pricing!nope',
    () => 'pricing', () => 'nope', () => 1_000_000_000_001, () => 4,
  ])();
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every [parent, key] of a JSON value, depth first. */
function slots(value: Json, out: [Json[] | Record<string, Json>, string | number][] = []): [Json[] | Record<string, Json>, string | number][] {
  if (Array.isArray(value)) value.forEach((item, i) => { out.push([value, i]); slots(item, out); });
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) { out.push([value, key]); slots(value[key]!, out); }
  return out;
}

/** An example.json text made from price-tax's by one to three mutations, and what was done. */
export function mutateManifest(random: Random, tree: HostileTree, base: Json): { text: string; what: string } {
  const manifest = structuredClone(base) as Record<string, Json>;
  const done: string[] = [];
  const rounds = 1 + random.below(3);
  let text: string | undefined;
  for (let round = 0; round < rounds; round++) {
    const kind = random.below(12);
    const all = slots(manifest);
    if (kind <= 2) { // a hostile value anywhere
      const [parent, key] = random.pick(all);
      (parent as Record<string, unknown>)[key] = hostileValue(random, tree);
      done.push(`value at ${String(key)}`);
    } else if (kind <= 5) { // a hostile name where the manifest names a file or a module
      const name = random.pick(hostileNames(tree));
      const where = random.below(4);
      const timeline = manifest.timeline as Json[];
      const event = Array.isArray(timeline) && timeline[0] && typeof timeline[0] === 'object' ? timeline[0] as Record<string, Json> : undefined;
      if (where === 0 || !event) manifest.modules = [name];
      else if (where === 1) event.apply = name;
      else if (where === 2) event.builtAgainst = name;
      else { delete event.apply; event.rollback = name; }
      done.push(`name ${JSON.stringify(name.slice(0, 40))}`);
    } else if (kind === 6 && all.length > 0) { // a field removed
      const [parent, key] = random.pick(all);
      if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key];
      done.push(`removed ${String(key)}`);
    } else if (kind === 7) { // an unknown field
      const objects = [manifest, ...all.map(([p, k]) => (p as Record<string, Json>)[k]).filter((x) => x && typeof x === 'object' && !Array.isArray(x))];
      const target = random.pick(objects) as Record<string, Json>;
      Object.defineProperty(target, random.pick(['timline', '__proto__', 'constructor', 'toString', 'afterCall']),
        { value: 1, enumerable: true, writable: true, configurable: true });
      done.push('unknown field');
    } else if (kind === 8) { // a timeline per architecture, with odd keys
      manifest.timeline = { [random.pick(['x64', 'arm64', 'mips', '__proto__', 'X64'])]: manifest.timeline ?? [] };
      done.push('per-architecture timeline');
    } else if (kind === 9) { // deep nesting
      const depth = 1 + random.below(20_000);
      text = JSON.stringify(manifest).replace('"timeline":', `"timeline":${'['.repeat(depth)}`);
      text = text.slice(0, -1) + ']'.repeat(depth) + '}';
      done.push(`nesting ${depth}`);
    } else if (kind === 10) { // larger than example.json may be
      manifest.summary = 's'.repeat(random.pick([5000, 5001, 70_000, 1_000_000]));
      done.push(`summary of ${(manifest.summary as string).length}`);
    } else { // damaged text: cut, a byte changed, a byte inserted
      const whole = text ?? JSON.stringify(manifest, null, random.below(2) ? 2 : undefined);
      const at = random.below(whole.length);
      const c = random.pick(['', '"', '\\', '\u0000', '{', ']', ',', '\ud800', 'é', '\n']);
      text = random.below(3) === 0 ? whole.slice(0, at) : whole.slice(0, at) + c + whole.slice(at + random.below(2));
      done.push('damaged text');
    }
  }
  return { text: text ?? JSON.stringify(manifest, null, 2), what: done.join(', ') };
}

export interface CaseResult {
  /** "accepted", or the refusing error's name ("ManifestError", "FileError", "AssemblyError", ...). */
  outcome: string;
  message: string;
  ms: number;
  bytes: number;
  /** Why the case fails the run, if it does. */
  problem?: string;
}

/** Runs one example.json text through the reader, the assembler and the patch builder. */
export async function runManifestCase(tree: HostileTree, text: string | Uint8Array): Promise<CaseResult> {
  const dir = join(tree.examples, 'case');
  writeFileSync(join(dir, 'example.json'), text);
  const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  const start = performance.now();
  let outcome = 'accepted';
  let message = '';
  let ranOutside = false;
  try {
    const manifest = await readExampleManifest(dir);
    const arch: Arch = manifest.arches[0]!;
    const { modules } = await assembleExample(dir, arch);
    await buildExampleTimeline(dir, arch, manifest, modules);
    // Nothing is run here: a program from outside would be the module "evil", and assembling it is enough.
    ranOutside = modules.some((m) => m.name === 'evil');
  } catch (error) {
    outcome = error instanceof Error ? error.name : typeof error;
    message = describeError(error);
  }
  const ms = performance.now() - start;
  const result: CaseResult = { outcome, message, ms, bytes };
  const problem = [
    message.includes(SECRET) && 'a message quotes the secret outside the examples folder',
    ranOutside && 'the module outside the examples folder was assembled',
    outcome !== 'accepted' && !['ManifestError', 'FileError', 'AssemblyError', 'Error'].includes(outcome) && `an unexpected ${outcome}`,
    // The example's own file, or one of the example it names.
    outcome !== 'accepted' && !message.includes(tree.examples) && 'the message names no file of the examples',
    ms > Math.max(1000, bytes / 1000) && `took ${ms.toFixed(0)} ms for ${bytes} bytes`,
  ].find(Boolean);
  if (problem) result.problem = problem;
  return result;
}

export interface ManifestFuzzReport {
  cases: number;
  /** Cases by outcome: accepted, or the refusing error's name. */
  outcomes: Record<string, number>;
  slowest: { ms: number; bytes: number; what: string };
  failures: { what: string; text: string; result: CaseResult }[];
  elapsedMs: number;
}

/** `cases` mutated manifests from `seed`; stops collecting failures after 20. */
export async function fuzzManifests(cases: number, seed: number): Promise<ManifestFuzzReport> {
  const random = new Random(seed);
  const tree = hostileTree();
  const base = JSON.parse(readFileSync(join(PRICE_TAX, 'example.json'), 'utf8')) as Json;
  const report: ManifestFuzzReport = { cases: 0, outcomes: {}, slowest: { ms: 0, bytes: 0, what: '' }, failures: [], elapsedMs: 0 };
  const start = performance.now();
  try {
    for (let i = 0; i < cases; i++) {
      const { text, what } = mutateManifest(random, tree, base);
      const result = await runManifestCase(tree, text);
      report.cases++;
      report.outcomes[result.outcome] = (report.outcomes[result.outcome] ?? 0) + 1;
      if (result.ms > report.slowest.ms) report.slowest = { ms: result.ms, bytes: result.bytes, what };
      if (result.problem && report.failures.length < 20) report.failures.push({ what, text: text.slice(0, 2000), result });
    }
  } finally {
    tree.close();
  }
  report.elapsedMs = performance.now() - start;
  return report;
}

/** The manifest cases as a generator of scripts/fuzz-hostile.ts: refusals come back as "<error name>: <message>". */
export function hostileManifests(): HostileGenerator {
  let tree: HostileTree | undefined;
  let base: Json;
  return {
    name: 'manifests',
    async prepare() {
      tree = hostileTree();
      base = JSON.parse(readFileSync(join(PRICE_TAX, 'example.json'), 'utf8')) as Json;
    },
    finish() { tree?.close(); },
    next(random) {
      const { text, what } = mutateManifest(random, tree!, base);
      return {
        label: what, bytes: Buffer.byteLength(text), input: text,
        async run() {
          const result = await runManifestCase(tree!, text);
          if (result.problem) throw new Error(`${result.problem}: ${result.message}`);
          if (result.outcome === 'accepted') return undefined;
          return result.outcome === 'AssemblyError' ? result.message : `${result.outcome}: ${result.message}`;
        },
      };
    },
  };
}
