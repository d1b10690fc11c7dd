// Fuzzes the patch image parser and the transaction together: valid images built by the toolchain
// are mutated (bit flips, interesting values in header and table fields, truncation, extension,
// splices) and applied to a program loaded on real Unicorn. For every image:
//   - apply never throws (no trap in engine.wasm, no exception in the host), and returns quickly;
//   - a refusal leaves guest memory byte for byte as it was (regions and contents);
//   - an accepted image is rolled back, after which memory is byte for byte as it was.
// Memory is checked through a sandbox wrapper that remembers the original bytes of everything a
// transaction writes, so checking costs as much as the transaction itself. With `large`, a share of
// the cases are large images instead (large-patch-images.ts), up to the format's limits and past
// them, timed against the bound of a second per MB of image.
import type { TransactionResult } from '../../engine/host/transaction.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import type { Arch } from '../../core/arch.ts';
import {
  L_ADDEND, L_KIND, L_MODULE, L_OFFSET, L_SECTION, L_SYMBOL, L_TARGET, RELOCATION_SIZE, R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC,
  R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26, R_AARCH64_CONDBR19, R_AARCH64_JUMP26, R_AARCH64_LDST128_ABS_LO12_NC,
  R_AARCH64_LDST16_ABS_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC, R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC,
  R_AARCH64_LD_PREL_LO19, R_AARCH64_TSTBR14, R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32,
} from '../../core/patch-format.ts';
import { HEADER_FIELDS } from '../../toolchain/patch-image-writer.ts';
import { type Fixture, loadFixture } from '../fixtures/hotpatch-fixture.ts';
import { largeImageTarget, largePatchImage } from './large-patch-images.ts';

export interface FuzzReport {
  cases: number;
  /** Outcomes: "applied", "wait", or the refusal code (with the parser's code for bad images). */
  outcomes: Record<string, number>;
  /** Cases whose transaction changed memory before it was refused or rolled back. */
  undone: number;
  slowestMs: number;
  /** The case that took longest for its size (ms per MB, at least 1 MB counted), and its size and outcome. */
  slowest: { ms: number; bytes: number; outcome: string };
  /** Cases over a second per MB of image (at least a second). */
  overBound: number;
  largeCases: number;
  largestBytes: number;
  elapsedMs: number;
}

export interface FuzzOptions {
  /** A share (0 to 1) of the cases are large images of up to `maxBytes`. */
  large?: { share: number; maxBytes: number };
  /**
   * The images mutated: version 1 (slots only), version 2 (with relocations), or both (the default;
   * the version 2 seed applies as well as the version 1 ones).
   */
  versions?: 1 | 2 | 'both';
  /** Called after each case with the number done, for progress. */
  progress?: (done: number) => void;
}

/** xorshift64*: the same cases for the same seed. */
export class Random {
  private state: bigint;
  constructor(seed: number) { this.state = BigInt(seed) * 0x9e3779b97f4a7c15n | 1n; }
  next(): number {
    this.state ^= this.state >> 12n;
    this.state ^= (this.state << 25n) & 0xffffffffffffffffn;
    this.state ^= this.state >> 27n;
    return Number(((this.state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 32n);
  }
  below(n: number): number { return this.next() % n; }
  pick<T>(items: readonly T[]): T { return items[this.below(items.length)]!; }
}

const HEADER_U32_FIELDS = [8, 12, 16, 20, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92, 96, 100, 104, 108, 112, 116];

/** Every relocation kind of both architectures, and some that are none. */
const RELOCATION_KINDS = [R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32, R_AARCH64_ABS64, R_AARCH64_LD_PREL_LO19,
  R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_TSTBR14, R_AARCH64_CONDBR19,
  R_AARCH64_JUMP26, R_AARCH64_CALL26, R_AARCH64_LDST16_ABS_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC, R_AARCH64_LDST64_ABS_LO12_NC,
  R_AARCH64_LDST128_ABS_LO12_NC, 0, 3, 256, 258, 274, 0xffff];

const INTERESTING_ADDENDS = [0n, 1n, -1n, 4n, -4n, 0xfffn, 0x1000n, 2n ** 20n, -(2n ** 20n), 2n ** 27n, -(2n ** 27n), 2n ** 31n,
  -(2n ** 31n) - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 63n - 1n, -(2n ** 63n)];

/**
 * One mutation of a version 2 image's relocation table: an entry's place, kind, section, target,
 * names or addend, a copy of one entry over another (the same field twice), or the table's count
 * (cut by the image's end, or reaching into the string table).
 */
function mutateRelocations(random: Random, out: Uint8Array, view: DataView): void {
  const at = view.getUint32(HEADER_FIELDS.relocations, true);
  const count = view.getUint32(HEADER_FIELDS.relocations + 4, true);
  const entries = Math.max(0, Math.min(count, Math.floor((out.length - at) / RELOCATION_SIZE)));
  if (entries === 0 || at >= out.length) {
    view.setUint32(HEADER_FIELDS.relocations + 4, random.below(4), true);
    return;
  }
  const entry = at + random.below(entries) * RELOCATION_SIZE;
  const other = at + random.below(entries) * RELOCATION_SIZE;
  switch (random.below(8)) {
    case 0: view.setUint32(entry + L_OFFSET, random.pick([0, 1, 2, 4, view.getUint32(other + L_OFFSET, true) + random.below(8) - 4,
      interestingU32(random, out)]) >>> 0, true); break;
    case 1: view.setUint16(entry + L_KIND, random.pick(RELOCATION_KINDS), true); break;
    case 2: out[entry + L_SECTION] = random.pick([0, 1, 2, 0xff]); break;
    case 3: out[entry + L_TARGET] = random.pick([0, 1, 2, 3, 4, 0xff]); break;
    case 4: { // another name: a missing symbol, a module name, an empty or overlapping reference
      const field = entry + random.pick([L_SYMBOL, L_MODULE]);
      const source = random.pick([other + L_SYMBOL, other + L_MODULE, HEADER_FIELDS.moduleName]);
      view.setUint32(field, view.getUint32(source, true) + random.pick([0, 0, 1]), true);
      view.setUint32(field + 4, random.pick([view.getUint32(source + 4, true), 0, 1, 2000]), true);
      break;
    }
    case 5: view.setBigInt64(entry + L_ADDEND, random.pick(INTERESTING_ADDENDS) + BigInt(random.below(9)) - 4n, true); break;
    case 6: out.copyWithin(other, entry, entry + RELOCATION_SIZE); break;
    default: view.setUint32(HEADER_FIELDS.relocations + 4, count + random.pick([1, 2, -1, 1000, 0x0800_0000]) >>> 0, true);
  }
}

function interestingU32(random: Random, image: Uint8Array): number {
  return random.pick([0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff,
    image.length, image.length - 1, image.length + 1, 128, 127, random.below(image.length + 1), random.next() >>> 0]);
}

/** One random mutation of `image`; `seeds` provide material for splices. */
export function mutate(random: Random, image: Uint8Array, seeds: readonly Uint8Array[]): Uint8Array {
  let out = image.slice();
  const view = () => new DataView(out.buffer, out.byteOffset, out.byteLength);
  const rounds = 1 + random.below(3);
  for (let round = 0; round < rounds; round++) {
    const v2 = out.length >= HEADER_FIELDS.relocations + 8 && view().getUint16(HEADER_FIELDS.version, true) === 2;
    const kind = random.below(v2 ? 14 : 10);
    if (kind >= 10) { // version 2: the relocation table
      mutateRelocations(random, out, view());
      continue;
    }
    if (out.length === 0) out = image.slice(0, random.below(image.length));
    if (kind <= 1 && out.length > 0) { // flip a bit anywhere
      const at = random.below(out.length);
      out[at]! ^= 1 << random.below(8);
    } else if (kind === 2 && out.length >= HEADER_FIELDS.relocations + 8) { // a header field
      view().setUint32(random.pick(HEADER_U32_FIELDS), interestingU32(random, out), true);
    } else if (kind === 3 && out.length >= 8) { // version and architecture
      view().setUint16(random.pick([4, 6]), random.pick([0, 1, 2, 3, 0xffff]), true);
    } else if (kind <= 5 && out.length >= 4) { // a 32-bit field in the tables, at any 4-byte boundary
      const at = 4 * random.below(out.length >> 2);
      view().setUint32(at, interestingU32(random, out), true);
    } else if (kind === 6 && out.length > 0) { // an interesting byte (UTF-8 lead bytes, controls, modes)
      out[random.below(out.length)] = random.pick([0, 1, 2, 0x0a, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff]);
    } else if (kind === 7) { // truncate, sometimes keeping the size field consistent
      out = out.slice(0, random.below(out.length + 1));
      if (random.below(2) === 0 && out.length >= 16) view().setUint32(HEADER_FIELDS.imageSize, out.length, true);
    } else if (kind === 8) { // extend
      const extra = Uint8Array.from({ length: 1 + random.below(64) }, () => random.below(256));
      out = Uint8Array.from([...out, ...extra]);
      if (random.below(2) === 0 && out.length >= 16) view().setUint32(HEADER_FIELDS.imageSize, out.length, true);
    } else { // splice a chunk of another seed
      const other = random.pick(seeds);
      const length = 1 + random.below(32);
      const from = random.below(Math.max(1, other.length - length));
      const to = random.below(Math.max(1, out.length - length));
      out.set(other.subarray(from, from + length).subarray(0, Math.max(0, out.length - to)), to);
    }
  }
  return out;
}

/** A sandbox that remembers the first original bytes of every address a transaction writes. */
class ChangeTracker {
  readonly originals = new Map<number, number>();
  changes = 0;
  /** Memory that existed before the transactions: only its bytes can be compared afterwards. */
  existing: { address: number; size: number }[] = [];

  wrap(inner: Sandbox): Sandbox {
    const tracker = this;
    return new Proxy(inner, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'write') {
          return (address: number, bytes: Uint8Array) => {
            tracker.changes++;
            const mapped = tracker.existing.some((r) => address >= r.address && address + bytes.length <= r.address + r.size);
            if (mapped) {
              const before = target.read(address, bytes.length);
              before.forEach((b, i) => { if (!tracker.originals.has(address + i)) tracker.originals.set(address + i, b); });
            }
            target.write(address, bytes);
          };
        }
        if (property === 'map' || property === 'unmap' || property === 'protect') {
          return (...args: unknown[]) => { tracker.changes++; return (value as (...a: unknown[]) => unknown).apply(target, args); };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }

  /** Where memory differs from before the transaction, if anywhere. */
  difference(sandbox: Sandbox, regionsBefore: string): string | undefined {
    const regions = describeRegions(sandbox);
    if (regions !== regionsBefore) return `regions differ: ${regions} instead of ${regionsBefore}`;
    for (const [address, byte] of this.originals) {
      if (sandbox.read(address, 1)[0] !== byte) return `byte at 0x${address.toString(16)} differs`;
    }
    return undefined;
  }

  reset(): void {
    this.originals.clear();
    this.changes = 0;
  }
}

function describeRegions(sandbox: Sandbox): string {
  return sandbox.regions().sort((a, b) => a.address - b.address).map((r) => `0x${r.address.toString(16)}+0x${r.size.toString(16)}/${r.prot}`).join(' ');
}

function outcomeName(result: TransactionResult): string {
  if (result.status !== 'refused') return result.status;
  return result.imageError ? `bad-image:${result.imageError.code}` : result.code;
}

/** Builds the seed images for `arch` and fuzzes `cases` mutations of them; throws on the first violation. */
export async function fuzzPatchTransactions(arch: Arch, cases: number, seed: number, options: FuzzOptions = {}): Promise<FuzzReport> {
  const tracker = new ChangeTracker();
  const fixture: Fixture = await loadFixture(arch, { sandbox: (inner) => tracker.wrap(inner) });
  try {
    const versions = options.versions ?? 'both';
    const seeds = [
      ...(versions !== 2 ? [await fixture.build('fix'), await fixture.build('cumulative')] : []),
      ...(versions !== 1 ? [await fixture.build('by-name')] : []),
    ];
    const target = await largeImageTarget(arch, fixture.modules, fixture.app.name);
    const real = fixture.sandbox;
    const regionsBefore = describeRegions(real);
    tracker.existing = real.regions();
    const random = new Random(seed);
    const report: FuzzReport = { cases: 0, outcomes: {}, undone: 0, slowestMs: 0, slowest: { ms: 0, bytes: 0, outcome: '' },
      overBound: 0, largeCases: 0, largestBytes: 0, elapsedMs: 0 };
    const started = performance.now();
    for (let i = 0; i < cases; i++) {
      options.progress?.(i);
      let image: Uint8Array;
      if (options.large && random.next() / 2 ** 32 < options.large.share) {
        report.largeCases++;
        image = largePatchImage(random, target, options.large.maxBytes).image;
        if (random.below(2) === 0) image = mutate(random, image, seeds);
        report.largestBytes = Math.max(report.largestBytes, image.length);
      } else {
        image = mutate(random, random.pick(seeds), seeds);
      }
      tracker.reset();
      const caseStart = performance.now();
      let result: TransactionResult;
      try {
        result = await fixture.hotpatcher.apply(image);
        if (result.status === 'applied') {
          const rollback = await fixture.hotpatcher.rollback(result.module);
          if (rollback.status !== 'applied') throw new Error(`rollback ${rollback.status}: ${rollback.message}`);
        }
      } catch (error) {
        throw new Error(`case ${i} (seed ${seed}, ${arch}) threw: ${error instanceof Error ? error.stack : String(error)}\n` +
          `image: ${Buffer.from(image).toString('hex')}`);
      }
      const ms = performance.now() - caseStart;
      const outcome = outcomeName(result);
      report.slowestMs = Math.max(report.slowestMs, ms);
      const megabytes = image.length / 1e6;
      if (ms / Math.max(1, megabytes) > report.slowest.ms / Math.max(1, report.slowest.bytes / 1e6)) {
        report.slowest = { ms, bytes: image.length, outcome };
      }
      if (ms > 1000 * Math.max(1, megabytes)) report.overBound++;
      report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
      if (tracker.changes > 0) {
        report.undone++;
        const difference = tracker.difference(real, regionsBefore);
        if (difference) {
          throw new Error(`case ${i} (seed ${seed}, ${arch}, ${outcome}) left memory changed: ${difference}\n` +
            `image: ${Buffer.from(image).toString('hex')}`);
        }
      }
      report.cases++;
    }
    report.elapsedMs = performance.now() - started;
    return report;
  } finally {
    fixture.process.close();
  }
}
