// Which hooks the host has registered. The host dispatches each event to its callbacks; the CPU only
// needs to know when to call out, so that a run without hooks pays nothing for them.

/** Memory hooks and invalid-access hooks, by kind. */
export let memoryReadHooks: bool = false;
export let memoryWriteHooks: bool = false;
export let invalidAccessHooks: bool = false;

/** Code hook ranges [begin, end] inclusive, as Unicorn takes them; begin > end covers everything. */
const MAX_CODE_RANGES: i32 = 4096;
const codeRanges: usize = memory.data(MAX_CODE_RANGES * 16, 16);
let codeRangeCount: i32 = 0;
/** True when some code hook covers every address. */
let codeHookEverywhere: bool = false;

export function setMemoryHooks(read: bool, write: bool, invalid: bool): void {
  memoryReadHooks = read;
  memoryWriteHooks = write;
  invalidAccessHooks = invalid;
}

export function clearCodeHooks(): void {
  codeRangeCount = 0;
  codeHookEverywhere = false;
}

/** Returns false when there are too many ranges. */
export function addCodeHook(begin: u64, end: u64): bool {
  if (begin > end) {
    codeHookEverywhere = true;
    return true;
  }
  if (codeRangeCount >= MAX_CODE_RANGES) return false;
  const p = codeRanges + (<usize>codeRangeCount << 4);
  store<u64>(p, begin);
  store<u64>(p, end, 8);
  codeRangeCount++;
  return true;
}

export function anyCodeHooks(): bool {
  return codeHookEverywhere || codeRangeCount > 0;
}

/** Does some code hook cover the instruction at `address`? */
export function codeHookCovers(address: u64): bool {
  if (codeHookEverywhere) return true;
  for (let i = 0; i < codeRangeCount; i++) {
    const p = codeRanges + (<usize>i << 4);
    if (address >= load<u64>(p) && address <= load<u64>(p, 8)) return true;
  }
  return false;
}

/** Does some code hook cover any address in [begin, end)? */
export function codeHookOverlaps(begin: u64, end: u64): bool {
  if (codeHookEverywhere) return true;
  for (let i = 0; i < codeRangeCount; i++) {
    const p = codeRanges + (<usize>i << 4);
    if (load<u64>(p) < end && load<u64>(p, 8) >= begin) return true;
  }
  return false;
}
