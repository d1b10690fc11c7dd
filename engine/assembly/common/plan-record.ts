// The plan answer's binary record, written once for both languages: the planners' AssemblyScript
// writes it into engine memory and the host (engine/host/plan-record.ts) reads it with a DataView.
// It keeps to what both languages read alike (plain numbers and string lists, no imports), so tsc
// and asc both check it.
//
// A record holds a plan's facts: addresses, bytes, counts, flags. Its sentences (the form's name,
// what became of each displaced instruction, each step's explanation, a refusal's message) are not
// in it: the host asks the engine for them only when they are read.
//
// Layout, little-endian: a header of PLAN_HEADER_SIZE bytes; then the trampoline's bytes
// (PLAN_TRAMPOLINE_LENGTH of them); then PLAN_DISPLACED_COUNT displaced instructions, each
// DISPLACED_SIZE bytes followed by its relocated bytes; then PLAN_STEP_COUNT steps, each STEP_SIZE
// bytes followed by its `before` bytes and its `after` bytes (STEP_LENGTH each). A refusal is the
// header alone, with PLAN_OK 0, its code and its address.

/** Refusal codes by number (PLAN_REFUSAL_CODE): append only. */
export const PLAN_REFUSAL_CODES: string[] = [
  'too-short', 'branch-into-overwritten', 'unmovable-instruction', 'undecodable', 'out-of-range', 'bad-request',
];

/** Step kinds by number (STEP_KIND): append only. */
export const PLAN_STEP_KINDS: string[] = ['trampoline', 'padding-jump', 'entry-jump', 'flush-icache'];

/** The numbers of PLAN_STEP_KINDS, for the planners. */
export const enum PlanStepKind {
  Trampoline = 0,
  PaddingJump = 1,
  EntryJump = 2,
  FlushIcache = 3,
}

// Header
/** u8: 1 for a plan, 0 for a refusal. */
export const PLAN_OK = 0;
/** u8: a refusal's code (index in PLAN_REFUSAL_CODES). */
export const PLAN_REFUSAL_CODE = 1;
/** u8: the number of displaced instructions. */
export const PLAN_DISPLACED_COUNT = 2;
/** u8: the number of steps. */
export const PLAN_STEP_COUNT = 3;
/** u8: 1 when the plan has a trampoline (hook mode). */
export const PLAN_HAS_TRAMPOLINE = 4;
/** u16: the trampoline's length in bytes. */
export const PLAN_TRAMPOLINE_LENGTH = 6;
/** u32: the bytes of the entry that the redirect overwrites. */
export const PLAN_OVERWRITTEN_LENGTH = 8;
/** u32: the whole record's size in bytes. */
export const PLAN_SIZE = 12;
/** u64: the function's address; a refusal's address. */
export const PLAN_TARGET = 16;
/** u64: the replacement's address. */
export const PLAN_REPLACEMENT = 24;
/** u64: where the overwritten bytes start. */
export const PLAN_OVERWRITTEN_ADDRESS = 32;
/** u64: the trampoline's address. */
export const PLAN_TRAMPOLINE_ADDRESS = 40;
export const PLAN_HEADER_SIZE = 48;

// One displaced instruction
/** u64: where it was in the original function. */
export const DISPLACED_ADDRESS = 0;
/** u64: where its replacement starts in the trampoline. */
export const DISPLACED_RELOCATED_ADDRESS = 8;
/** u8: its length. */
export const DISPLACED_LENGTH = 16;
/** u8: 1 when it was moved into the trampoline (hook mode), 0 when it is overwritten. */
export const DISPLACED_MOVED = 17;
/** u16: the length of its relocated bytes, which follow the entry. */
export const DISPLACED_RELOCATED_LENGTH = 18;
export const DISPLACED_SIZE = 20;

// One step
/** u64: where it writes (flush-icache: the range's start). */
export const STEP_ADDRESS = 0;
/** u8: its kind (index in PLAN_STEP_KINDS). */
export const STEP_KIND = 8;
/** u8: 1 when the CPU performs the write as one store. */
export const STEP_ATOMIC = 9;
/** u16: the length of its `before` bytes and of its `after` bytes, which follow the entry in that order. */
export const STEP_LENGTH = 10;
/** u32: flush-icache steps: the length of the range whose instruction fetch is made coherent. */
export const STEP_FLUSH_LENGTH = 12;
export const STEP_SIZE = 16;

// A batch of requests (x64PlanRecords, arm64PlanRecords): one after another in the input buffer,
// each a header of REQUEST_HEADER_SIZE bytes followed by the padding's bytes and then the
// function's; the next request starts at the next multiple of REQUEST_ALIGN. The answer is their
// records one after another, in the same order, each PLAN_SIZE bytes long.
/** u64: the function's address (its first byte follows the padding). */
export const REQUEST_ADDRESS = 0;
/** u64: the replacement's address. */
export const REQUEST_REPLACEMENT = 8;
/** u64: where a hook's trampoline goes (REQUEST_HAS_TRAMPOLINE). */
export const REQUEST_TRAMPOLINE = 16;
/** u32: the bytes of padding before the function. */
export const REQUEST_PADDING_LENGTH = 24;
/** u32: the function's bytes. */
export const REQUEST_FUNCTION_LENGTH = 28;
/** u8: a RedirectMode. */
export const REQUEST_MODE = 32;
/** u8: 1 when a trampoline address is given. */
export const REQUEST_HAS_TRAMPOLINE = 33;
/** u8: PadOption bits. */
export const REQUEST_OPTIONS = 34;
export const REQUEST_HEADER_SIZE = 40;
export const REQUEST_ALIGN = 8;
