// Bindings to Unicorn 2 (Debian's libunicorn2, 2.0.x) through koffi; locate.ts says where it is looked for.
// Only the C API the sandbox needs is declared; numbers come from unicorn/unicorn.h.
import koffi, { type LibraryHandle } from 'koffi';
import { unicornCandidates, UnicornUnavailableError } from './locate.ts';

export const UC_ARCH_ARM64 = 2;
export const UC_ARCH_X86 = 4;
export const UC_MODE_ARM = 0;
export const UC_MODE_64 = 8;

export const UC_HOOK_INTR = 1 << 0;
export const UC_HOOK_INSN = 1 << 1;
export const UC_HOOK_CODE = 1 << 2;
export const UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
export const UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
export const UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
export const UC_HOOK_MEM_READ_PROT = 1 << 7;
export const UC_HOOK_MEM_WRITE_PROT = 1 << 8;
export const UC_HOOK_MEM_FETCH_PROT = 1 << 9;
export const UC_HOOK_MEM_READ = 1 << 10;
export const UC_HOOK_MEM_WRITE = 1 << 11;
export const UC_HOOK_MEM_INVALID =
  UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED |
  UC_HOOK_MEM_READ_PROT | UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT;

// uc_mem_type values passed to memory hooks.
export const UC_MEM_READ = 16;
export const UC_MEM_WRITE = 17;
export const UC_MEM_FETCH = 18;
export const UC_MEM_READ_UNMAPPED = 19;
export const UC_MEM_WRITE_UNMAPPED = 20;
export const UC_MEM_FETCH_UNMAPPED = 21;
export const UC_MEM_WRITE_PROT = 22;
export const UC_MEM_READ_PROT = 23;
export const UC_MEM_FETCH_PROT = 24;

export const UC_X86_INS_SYSCALL = 699;
export const UC_QUERY_TIMEOUT = 4;
// UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2): drop translated blocks covering [begin, end).
export const UC_CTL_TB_REMOVE_CACHE_WRITE = (1 << 30) | (2 << 26) | 9;

export const UC_ERR_OK = 0;

/** koffi's named C types, declared once per process: koffi refuses a second declaration of a name,
 * and a bundler (Vite's config loader, say) may evaluate this module a second time. */
function declareTypes() {
  koffi.opaque('uc_engine');
  koffi.opaque('uc_context');
  return {
    MemRegion: koffi.struct('uc_mem_region', { begin: 'uint64_t', end: 'uint64_t', perms: 'uint32_t' }),
    CodeHook: koffi.proto('void uc_cb_hookcode_t(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)'),
    IntrHook: koffi.proto('void uc_cb_hookintr_t(uc_engine *uc, uint32_t intno, void *user_data)'),
    SyscallHook: koffi.proto('void uc_cb_insn_syscall_t(uc_engine *uc, void *user_data)'),
    MemHook: koffi.proto(
      'void uc_cb_hookmem_t(uc_engine *uc, int type, uint64_t address, int size, int64_t value, void *user_data)'),
    EventMemHook: koffi.proto(
      'bool uc_cb_eventmem_t(uc_engine *uc, int type, uint64_t address, int size, int64_t value, void *user_data)'),
  };
}

const TYPES = Symbol.for('hotpatch-playground.libunicorn-types');
const types = ((globalThis as Record<symbol, unknown>)[TYPES] ??= declareTypes()) as ReturnType<typeof declareTypes>;
const { MemRegion } = types;
export const { CodeHook, IntrHook, SyscallHook, MemHook, EventMemHook } = types;

let loaded: ReturnType<typeof bind> | undefined;

function bind() {
  const { candidates, name, install } = unicornCandidates();
  let lib: LibraryHandle | undefined;
  let firstFailure: unknown;
  for (const candidate of candidates) {
    try {
      lib = koffi.load(candidate);
      break;
    } catch (cause) {
      firstFailure ??= cause;
    }
  }
  if (!lib) throw new UnicornUnavailableError(name, install, candidates, { cause: firstFailure });
  return {
    uc_version: lib.func('unsigned int uc_version(unsigned int *major, unsigned int *minor)'),
    uc_open: lib.func('int uc_open(int arch, int mode, _Out_ uc_engine **uc)'),
    uc_close: lib.func('int uc_close(uc_engine *uc)'),
    uc_strerror: lib.func('const char *uc_strerror(int code)'),
    uc_errno: lib.func('int uc_errno(uc_engine *uc)'),
    uc_query: lib.func('int uc_query(uc_engine *uc, int type, _Out_ size_t *result)'),
    uc_ctl: lib.func('int uc_ctl(uc_engine *uc, int control, ...)'),
    uc_mem_map: lib.func('int uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_unmap: lib.func('int uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size)'),
    uc_mem_protect: lib.func('int uc_mem_protect(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_regions: lib.func('int uc_mem_regions(uc_engine *uc, _Out_ uc_mem_region **regions, _Out_ uint32_t *count)'),
    uc_free: lib.func('int uc_free(void *mem)'),
    uc_mem_read: lib.func('int uc_mem_read(uc_engine *uc, uint64_t address, _Out_ uint8_t *bytes, size_t size)'),
    uc_mem_write: lib.func('int uc_mem_write(uc_engine *uc, uint64_t address, const uint8_t *bytes, size_t size)'),
    uc_reg_read: lib.func('int uc_reg_read(uc_engine *uc, int regid, _Out_ uint8_t *value)'),
    uc_reg_write: lib.func('int uc_reg_write(uc_engine *uc, int regid, const uint8_t *value)'),
    uc_emu_start: lib.func(
      'int uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    uc_emu_stop: lib.func('int uc_emu_stop(uc_engine *uc)'),
    uc_hook_add: lib.func(
      'int uc_hook_add(uc_engine *uc, _Out_ size_t *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end, ...)'),
    uc_hook_del: lib.func('int uc_hook_del(uc_engine *uc, size_t hh)'),
    uc_context_alloc: lib.func('int uc_context_alloc(uc_engine *uc, _Out_ uc_context **context)'),
    uc_context_save: lib.func('int uc_context_save(uc_engine *uc, uc_context *context)'),
    uc_context_restore: lib.func('int uc_context_restore(uc_engine *uc, uc_context *context)'),
    uc_context_free: lib.func('int uc_context_free(uc_context *context)'),
    decodeRegions(pointer: unknown, count: number): { begin: bigint; end: bigint; perms: number }[] {
      return count === 0 ? [] : koffi.decode(pointer, MemRegion, count);
    },
  };
}

/** The loaded library, bound on first use so that importing this module never fails. */
export function libunicorn(): ReturnType<typeof bind> {
  loaded ??= bind();
  return loaded;
}

/** Unicorn's own text for an error code, e.g. "Invalid memory read (UC_ERR_READ_UNMAPPED)". */
export function unicornMessage(code: number): string {
  return libunicorn().uc_strerror(code) as string;
}
