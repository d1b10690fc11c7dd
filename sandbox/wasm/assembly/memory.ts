// Guest memory: a page table from guest page numbers to host pages in linear memory, with
// permissions, lazy zeroed allocation, and a software TLB per access kind that keeps the common
// load/store path to a tag compare and a host load.
import { PAGE_BITS, PAGE_MASK, PAGE_SIZE } from './layout';
import {
  ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, INVALID_PROTECTED, INVALID_UNMAPPED, PROT_EXEC, PROT_READ, PROT_WRITE,
  UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNMAPPED, UC_ERR_MAP, UC_ERR_READ_PROT, UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_PROT,
  UC_ERR_WRITE_UNMAPPED,
} from './interface';
import { raiseFault } from './status';
import { invalidAccessHooks, memoryReadHooks, memoryWriteHooks } from './hooks';
import { hostInvalidAccess, hostMemoryHook } from './host';
import { invalidateCodePages } from './block-cache';

// ---- page table: open addressing on the guest page number ----

const EMPTY: u64 = 0xffff_ffff_ffff_ffff;
const TOMBSTONE: u64 = 0xffff_ffff_ffff_fffe;
/** Entry: u64 page number, u32 host page (0 until first touched), u32 flags. */
const ENTRY_SIZE: usize = 16;
const FLAG_PROT: u32 = 7;
/** Some cached block was decoded from this page: writes to it must discard that code. */
export const FLAG_CODE: u32 = 0x100;

let table: usize = 0;
let tableBits: u32 = 0;
/** Live entries plus tombstones. */
let tableUsed: u32 = 0;

@inline function tableMask(): u32 {
  return (<u32>1 << tableBits) - 1;
}

@inline function slotOf(page: u64): u32 {
  return <u32>((page * 0x9e37_79b9_7f4a_7c15) >> (64 - <u64>tableBits));
}

function allocateTable(bits: u32): void {
  tableBits = bits;
  const bytes = (<usize>1 << bits) * ENTRY_SIZE;
  table = heap.alloc(bytes);
  memory.fill(table, 0xff, bytes); // every key EMPTY
  tableUsed = 0;
}

/** The entry for `page`, or 0 when it is not mapped. */
export function findPage(page: u64): usize {
  const mask = tableMask();
  let slot = slotOf(page);
  while (true) {
    const entry = table + (<usize>slot) * ENTRY_SIZE;
    const key = load<u64>(entry);
    if (key == page) return entry;
    if (key == EMPTY) return 0;
    slot = (slot + 1) & mask;
  }
}

function insertFresh(page: u64, host: u32, flags: u32): void {
  const mask = tableMask();
  let slot = slotOf(page);
  while (true) {
    const entry = table + (<usize>slot) * ENTRY_SIZE;
    const key = load<u64>(entry);
    if (key == EMPTY || key == TOMBSTONE) {
      if (key == EMPTY) tableUsed++;
      store<u64>(entry, page);
      store<u32>(entry, host, 8);
      store<u32>(entry, flags, 12);
      return;
    }
    slot = (slot + 1) & mask;
  }
}

/** Keeps the table at most half full after adding `extra` entries (tombstones are dropped on rehash). */
function reserve(extra: u64): void {
  let bits = tableBits;
  let live: u64 = 0;
  const capacity = <u64>1 << tableBits;
  if ((<u64>tableUsed + extra) * 2 <= capacity) return;
  for (let i: u64 = 0; i < capacity; i++) {
    const key = load<u64>(table + <usize>i * ENTRY_SIZE);
    if (key != EMPTY && key != TOMBSTONE) live++;
  }
  while ((live + extra) * 2 > (<u64>1 << bits)) bits++;
  const old = table;
  allocateTable(bits);
  for (let i: u64 = 0; i < capacity; i++) {
    const entry = old + <usize>i * ENTRY_SIZE;
    const key = load<u64>(entry);
    if (key != EMPTY && key != TOMBSTONE) insertFresh(key, load<u32>(entry, 8), load<u32>(entry, 12));
  }
  heap.free(old);
}

// ---- host pages ----

const CHUNK_PAGES: u32 = 64;
let chunkNext: usize = 0;
let chunkEnd: usize = 0;
/** Freed host pages, linked through their first word. */
let freePages: usize = 0;

function allocateHostPage(): usize {
  let page: usize;
  if (freePages != 0) {
    page = freePages;
    freePages = load<usize>(page);
  } else {
    if (chunkNext == chunkEnd) {
      const raw = heap.alloc(<usize>(CHUNK_PAGES + 1) * PAGE_SIZE);
      chunkNext = (raw + PAGE_MASK) & ~<usize>PAGE_MASK;
      chunkEnd = chunkNext + <usize>CHUNK_PAGES * PAGE_SIZE;
    }
    page = chunkNext;
    chunkNext += PAGE_SIZE;
  }
  memory.fill(page, 0, PAGE_SIZE);
  return page;
}

@inline function hostPageOf(entry: usize): usize {
  let host = <usize>load<u32>(entry, 8);
  if (host == 0) {
    host = allocateHostPage();
    store<u32>(entry, <u32>host, 8);
  }
  return host;
}

// ---- TLB: per access kind, direct mapped, tag = page number ----

export const TLB_BITS: u32 = 8;
const TLB_ENTRIES: u32 = 1 << TLB_BITS;
export const TLB_KIND_BYTES: usize = <usize>TLB_ENTRIES * 16;
/** Entries of 16 bytes: u64 page number (all ones when empty), u32 host page. Compiled blocks read it too. */
export const tlb: usize = memory.data(3 * 256 * 16, 64);

@inline function tlbEntry(kind: i32, page: u64): usize {
  return tlb + <usize>kind * TLB_KIND_BYTES + ((<usize>page & (TLB_ENTRIES - 1)) << 4);
}

export function flushTlb(): void {
  memory.fill(tlb, 0xff, 3 * TLB_KIND_BYTES);
}

/** Forgets one page in every kind's TLB (after its permissions, flags or mapping change). */
export function flushTlbPage(page: u64): void {
  for (let kind = 0; kind < 3; kind++) {
    const entry = tlbEntry(kind, page);
    if (load<u64>(entry) == page) store<u64>(entry, EMPTY);
  }
}

function flushTlbPages(first: u64, count: u64): void {
  if (count >= TLB_ENTRIES) flushTlb();
  else for (let i: u64 = 0; i < count; i++) flushTlbPage(first + i);
}

export function initMemory(): void {
  allocateTable(12);
  flushTlb();
}

// ---- mapping (the host validates ranges against its region list first) ----

export function mapPages(first: u64, count: u64, prot: u32): void {
  reserve(count);
  for (let i: u64 = 0; i < count; i++) insertFresh(first + i, 0, prot & FLAG_PROT);
  flushTlbPages(first, count);
}

export function unmapPages(first: u64, count: u64): void {
  invalidateCodePages(first, count);
  for (let i: u64 = 0; i < count; i++) {
    const entry = findPage(first + i);
    if (entry == 0) continue;
    const host = <usize>load<u32>(entry, 8);
    if (host != 0) {
      store<usize>(host, freePages);
      freePages = host;
    }
    store<u64>(entry, TOMBSTONE);
  }
  flushTlbPages(first, count);
}

export function protectPages(first: u64, count: u64, prot: u32): void {
  invalidateCodePages(first, count);
  for (let i: u64 = 0; i < count; i++) {
    const entry = findPage(first + i);
    if (entry != 0) store<u32>(entry, (load<u32>(entry, 12) & ~FLAG_PROT) | (prot & FLAG_PROT), 12);
  }
  flushTlbPages(first, count);
}

/** Marks a page as holding decoded code: guest writes to it now take the slow path. */
export function markCodePage(page: u64): void {
  const entry = findPage(page);
  if (entry == 0) return;
  store<u32>(entry, load<u32>(entry, 12) | FLAG_CODE, 12);
  const w = tlbEntry(ACCESS_WRITE, page);
  if (load<u64>(w) == page) store<u64>(w, EMPTY);
}

/** Clears the code mark; returns whether it was set. */
export function unmarkCodePage(page: u64): bool {
  const entry = findPage(page);
  if (entry == 0) return false;
  const flags = load<u32>(entry, 12);
  if ((flags & FLAG_CODE) == 0) return false;
  store<u32>(entry, flags & ~FLAG_CODE, 12);
  return true;
}

export function clearAllCodeMarks(): void {
  const capacity = <usize>1 << tableBits;
  for (let i: usize = 0; i < capacity; i++) {
    const entry = table + i * ENTRY_SIZE;
    const key = load<u64>(entry);
    if (key != EMPTY && key != TOMBSTONE) store<u32>(entry, load<u32>(entry, 12) & ~FLAG_CODE, 12);
  }
}

// ---- guest accesses ----

const UNMAPPED_CODE: StaticArray<i32> = [UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED, UC_ERR_FETCH_UNMAPPED];
const PROTECTED_CODE: StaticArray<i32> = [UC_ERR_READ_PROT, UC_ERR_WRITE_PROT, UC_ERR_FETCH_PROT];
const NEEDED_PROT: StaticArray<u32> = [PROT_READ, PROT_WRITE, PROT_EXEC];

/**
 * Host address of guest `address` for an access of `kind`, or 0 after raising a fault. Asks the
 * invalid-access hooks once (they may map the page), fills the TLB, and discards code that a
 * write is about to change.
 */
function resolve(address: u64, kind: i32, size: u32, value: u64, withHooks: bool): usize {
  const page = address >> PAGE_BITS;
  for (let attempt = 0; ; attempt++) {
    const entry = findPage(page);
    const flags = entry == 0 ? 0 : load<u32>(entry, 12);
    if (entry != 0 && (flags & unchecked(NEEDED_PROT[kind])) != 0) {
      const host = hostPageOf(entry);
      const cached = kind == ACCESS_READ ? !memoryReadHooks
        : kind == ACCESS_WRITE ? !memoryWriteHooks && (flags & FLAG_CODE) == 0 : true;
      if (cached) {
        const t = tlbEntry(kind, page);
        store<u64>(t, page);
        store<u32>(t, <u32>host, 8);
      }
      if (kind == ACCESS_WRITE && (flags & FLAG_CODE) != 0) invalidateCodePages(page, 1);
      return host + (<usize>address & PAGE_MASK);
    }
    if (attempt > 0) {
      // A hook claimed to have handled the access, but it still fails: Unicorn's UC_ERR_MAP.
      raiseFault(UC_ERR_MAP, address);
      return 0;
    }
    const code = entry == 0 ? unchecked(UNMAPPED_CODE[kind]) : unchecked(PROTECTED_CODE[kind]);
    if (!withHooks || !invalidAccessHooks ||
      hostInvalidAccess(kind, entry == 0 ? INVALID_UNMAPPED : INVALID_PROTECTED, <f64>address, size, <i32>value, <i32>(value >> 32)) == 0) {
      raiseFault(code, address);
      return 0;
    }
  }
  return 0;
}

@inline function loadSized(host: usize, size: u32): u64 {
  if (size == 8) return load<u64>(host);
  if (size == 4) return <u64>load<u32>(host);
  if (size == 2) return <u64>load<u16>(host);
  return <u64>load<u8>(host);
}

@inline function storeSized(host: usize, size: u32, value: u64): void {
  if (size == 8) store<u64>(host, value);
  else if (size == 4) store<u32>(host, <u32>value);
  else if (size == 2) store<u16>(host, <u16>value);
  else store<u8>(host, <u8>value);
}

/** Host addresses of both parts of an access that crosses into the next page. */
let crossSecond: usize = 0;

function resolveCrossing(address: u64, kind: i32, size: u32, value: u64): usize {
  const first = resolve(address, kind, size, value, true);
  if (first == 0) return 0;
  const second = resolve((address | <u64>PAGE_MASK) + 1, kind, size, value, true);
  if (second == 0) return 0;
  crossSecond = second;
  return first;
}

export function readSlow(address: u64, size: u32): u64 {
  const offset = <u32>address & PAGE_MASK;
  if (offset + size <= PAGE_SIZE) {
    const host = resolve(address, ACCESS_READ, size, 0, true);
    if (host == 0) return 0;
    if (memoryReadHooks) hostMemoryHook(ACCESS_READ, <f64>address, size, 0, 0);
    return loadSized(host, size);
  }
  const first = resolveCrossing(address, ACCESS_READ, size, 0);
  if (first == 0) return 0;
  if (memoryReadHooks) hostMemoryHook(ACCESS_READ, <f64>address, size, 0, 0);
  const split = PAGE_SIZE - offset;
  let value: u64 = 0;
  for (let i: u32 = 0; i < size; i++) {
    const byte = i < split ? load<u8>(first + i) : load<u8>(crossSecond + i - split);
    value |= <u64>byte << (<u64>i << 3);
  }
  return value;
}

export function writeSlow(address: u64, size: u32, value: u64): void {
  const offset = <u32>address & PAGE_MASK;
  if (offset + size <= PAGE_SIZE) {
    const host = resolve(address, ACCESS_WRITE, size, value, true);
    if (host == 0) return;
    if (memoryWriteHooks) hostMemoryHook(ACCESS_WRITE, <f64>address, size, <i32>value, <i32>(value >> 32));
    storeSized(host, size, value);
    return;
  }
  const first = resolveCrossing(address, ACCESS_WRITE, size, value);
  if (first == 0) return;
  if (memoryWriteHooks) hostMemoryHook(ACCESS_WRITE, <f64>address, size, <i32>value, <i32>(value >> 32));
  const split = PAGE_SIZE - offset;
  for (let i: u32 = 0; i < size; i++) {
    const byte = <u8>(value >> (<u64>i << 3));
    if (i < split) store<u8>(first + i, byte);
    else store<u8>(crossSecond + i - split, byte);
  }
}

@inline function tlbHost(kind: i32, address: u64, size: u32): usize {
  const page = address >> PAGE_BITS;
  const entry = tlbEntry(kind, page);
  const offset = <u32>address & PAGE_MASK;
  if (load<u64>(entry) == page && offset <= PAGE_SIZE - size) return <usize>load<u32>(entry, 8) + offset;
  return 0;
}

@inline export function read8(address: u64): u64 {
  const host = tlbHost(ACCESS_READ, address, 1);
  return host != 0 ? <u64>load<u8>(host) : readSlow(address, 1);
}
@inline export function read16(address: u64): u64 {
  const host = tlbHost(ACCESS_READ, address, 2);
  return host != 0 ? <u64>load<u16>(host) : readSlow(address, 2);
}
@inline export function read32(address: u64): u64 {
  const host = tlbHost(ACCESS_READ, address, 4);
  return host != 0 ? <u64>load<u32>(host) : readSlow(address, 4);
}
@inline export function read64(address: u64): u64 {
  const host = tlbHost(ACCESS_READ, address, 8);
  return host != 0 ? load<u64>(host) : readSlow(address, 8);
}
@inline export function write8(address: u64, value: u64): void {
  const host = tlbHost(ACCESS_WRITE, address, 1);
  if (host != 0) store<u8>(host, <u8>value); else writeSlow(address, 1, value);
}
@inline export function write16(address: u64, value: u64): void {
  const host = tlbHost(ACCESS_WRITE, address, 2);
  if (host != 0) store<u16>(host, <u16>value); else writeSlow(address, 2, value);
}
@inline export function write32(address: u64, value: u64): void {
  const host = tlbHost(ACCESS_WRITE, address, 4);
  if (host != 0) store<u32>(host, <u32>value); else writeSlow(address, 4, value);
}
@inline export function write64(address: u64, value: u64): void {
  const host = tlbHost(ACCESS_WRITE, address, 8);
  if (host != 0) store<u64>(host, value); else writeSlow(address, 8, value);
}

/** Reads `size` (1, 2, 4 or 8) bytes. */
export function readSized(address: u64, size: u32): u64 {
  if (size == 8) return read64(address);
  if (size == 4) return read32(address);
  if (size == 2) return read16(address);
  return read8(address);
}

export function writeSized(address: u64, size: u32, value: u64): void {
  if (size == 8) write64(address, value);
  else if (size == 4) write32(address, value);
  else if (size == 2) write16(address, value);
  else write8(address, value);
}

/**
 * Host address of the executable page holding `address` (the page start), or 0 after raising a
 * fetch fault. Decoders read instruction bytes from it directly.
 */
export function fetchPage(address: u64): usize {
  const page = address >> PAGE_BITS;
  const entry = tlbEntry(ACCESS_FETCH, page);
  if (load<u64>(entry) == page) return <usize>load<u32>(entry, 8);
  const host = resolve(address, ACCESS_FETCH, 4, 0, true);
  return host == 0 ? 0 : host & ~<usize>PAGE_MASK;
}

/** Like fetchPage, but only asks: no fault and no hooks (for instructions that may never run). */
export function probeFetchPage(address: u64): usize {
  const entry = findPage(address >> PAGE_BITS);
  if (entry == 0 || (load<u32>(entry, 12) & PROT_EXEC) == 0) return 0;
  return hostPageOf(entry);
}

// ---- host copies (they ignore permissions, as uc_mem_read/uc_mem_write do) ----

/** First unmapped address in [address, address + size), or -1 if all of it is mapped. */
export function firstUnmapped(address: u64, size: u64): i64 {
  if (size == 0) return -1;
  const last = (address + size - 1) >> PAGE_BITS;
  for (let page = address >> PAGE_BITS; page <= last; page++) {
    if (findPage(page) == 0) return <i64>(page == address >> PAGE_BITS ? address : page << PAGE_BITS);
  }
  return -1;
}

/** Copies guest memory to `out` (the range is known to be mapped). Untouched pages read as zeros. */
export function copyOut(address: u64, size: u32, out: usize): void {
  let done: u32 = 0;
  while (done < size) {
    const at = address + done;
    const offset = <u32>at & PAGE_MASK;
    const n = min(PAGE_SIZE - offset, size - done);
    const entry = findPage(at >> PAGE_BITS);
    const host = <usize>load<u32>(entry, 8);
    if (host == 0) memory.fill(out + done, 0, n);
    else memory.copy(out + done, host + offset, n);
    done += n;
  }
}

/** Copies `bytes` into guest memory (the range is known to be mapped), discarding code it replaces. */
export function copyIn(address: u64, size: u32, bytes: usize): void {
  let done: u32 = 0;
  while (done < size) {
    const at = address + done;
    const offset = <u32>at & PAGE_MASK;
    const n = min(PAGE_SIZE - offset, size - done);
    const entry = findPage(at >> PAGE_BITS);
    if ((load<u32>(entry, 12) & FLAG_CODE) != 0) invalidateCodePages(at >> PAGE_BITS, 1);
    memory.copy(hostPageOf(entry) + offset, bytes + done, n);
    done += n;
  }
}
