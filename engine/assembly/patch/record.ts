// Writes the patch image answer as a binary record (the layout of common/patch-image-record.ts)
// into a buffer reused from one parse to the next: the same facts as patchImageJson, without
// composing or escaping any text but a refusal's message.
import {
  BASE_REF_ENTRY_SIZE, BASE_REF_SLOT, BASE_REF_SYMBOL, IMAGE_ARCH, IMAGE_BASE_IDENTITY, IMAGE_BASE_IDENTITY_SIZE,
  IMAGE_BASE_REF_COUNT, IMAGE_CODE_OFFSET, IMAGE_CODE_SIZE, IMAGE_DATA_OFFSET, IMAGE_DATA_SIZE, IMAGE_ERROR_CODE,
  IMAGE_ERROR_CODES, IMAGE_ERROR_OFFSET, IMAGE_HEADER_SIZE, IMAGE_IMPORT_COUNT, IMAGE_MODULE, IMAGE_NAME_COUNT, IMAGE_OK,
  IMAGE_RECORD_SIZE, IMAGE_REDIRECT_COUNT, IMAGE_RELOCATION_COUNT, IMAGE_SEQUENCE, IMAGE_SIZE, IMAGE_VERSION, IMPORT_ENTRY_SIZE,
  IMPORT_MODULE, IMPORT_SLOT, IMPORT_SYMBOL, REDIRECT_BASE, REDIRECT_BASE_OFFSET, REDIRECT_BASE_SIZE, REDIRECT_ENTRY_SIZE,
  REDIRECT_HAS_SLOT, REDIRECT_MODE, REDIRECT_NEW_OFFSET, REDIRECT_NEW_SIZE, REDIRECT_SLOT, RELOCATION_ADDEND,
  RELOCATION_ENTRY_SIZE, RELOCATION_FIELD_SIZE, RELOCATION_KIND, RELOCATION_KIND_NAME, RELOCATION_MODULE, RELOCATION_OFFSET,
  RELOCATION_SECTION, RELOCATION_SYMBOL, RELOCATION_TARGET,
} from '../common/patch-image-record';
import { H_BASE_IDENTITY, NO_SLOT } from '../../../core/patch-format';
import { PatchImageParser, relocationKindName } from './parse';

let recordBuffer = new Uint8Array(4096);
let length: i32 = 0;

function reserve(count: i32): usize {
  if (length + count > recordBuffer.length) {
    const grown = new Uint8Array(max(recordBuffer.length * 2, length + count));
    memory.copy(grown.dataStart, recordBuffer.dataStart, <usize>length);
    recordBuffer = grown;
  }
  const at = recordBuffer.dataStart + <usize>length;
  length += count;
  return at;
}

/** A string: its count of UTF-16 units, the units, zero bytes up to a multiple of 4. */
function putString(text: string): void {
  const units = text.length;
  const bytes = units << 1;
  const at = reserve(4 + ((bytes + 3) & ~3));
  store<u32>(at, <u32>units);
  memory.copy(at + 4, changetype<usize>(text), <usize>bytes);
  if ((bytes & 3) != 0) store<u16>(at + 4 + <usize>bytes, 0);
}

/**
 * Parses `bytes` for a sandbox of `expectedArch` and writes the answer's record; answers its
 * address (valid until the next parse).
 */
export function patchImageRecord(bytes: Uint8Array, expectedArch: u16): usize {
  const parser = new PatchImageParser(bytes, expectedArch);
  const image = parser.parse();
  length = 0;
  reserve(IMAGE_HEADER_SIZE);
  memory.fill(recordBuffer.dataStart, 0, IMAGE_HEADER_SIZE);
  if (image == null) {
    const error = parser.error!;
    const h = recordBuffer.dataStart;
    store<u8>(h, <u8>IMAGE_ERROR_CODES.indexOf(error.code), IMAGE_ERROR_CODE);
    store<u32>(h, error.offset, IMAGE_ERROR_OFFSET);
    store<u32>(h, 1, IMAGE_NAME_COUNT);
    putString(error.message);
    store<u32>(recordBuffer.dataStart, <u32>length, IMAGE_RECORD_SIZE);
    return recordBuffer.dataStart;
  }

  // The names, then each relocation kind's name once.
  const names = image.names;
  for (let i = 0; i < names.length; i++) putString(names[i]);
  const relocations = image.relocations;
  const kinds: u16[] = [];
  const kindNames = new Array<i32>(relocations.length);
  for (let i = 0; i < relocations.length; i++) {
    const kind = relocations[i].kind;
    let known = kinds.indexOf(kind);
    if (known < 0) {
      known = kinds.length;
      kinds.push(kind);
      putString(relocationKindName(image.arch, kind));
    }
    kindNames[i] = names.length + known;
  }

  const redirects = image.redirects;
  for (let i = 0; i < redirects.length; i++) {
    const r = redirects[i];
    const e = reserve(REDIRECT_ENTRY_SIZE);
    store<u32>(e, <u32>r.baseName, REDIRECT_BASE);
    store<u32>(e, r.baseOffset, REDIRECT_BASE_OFFSET);
    store<u32>(e, r.baseSize, REDIRECT_BASE_SIZE);
    store<u32>(e, r.newOffset, REDIRECT_NEW_OFFSET);
    store<u32>(e, r.newSize, REDIRECT_NEW_SIZE);
    store<u32>(e, r.slot, REDIRECT_SLOT);
    store<u8>(e, r.mode, REDIRECT_MODE);
    store<u8>(e, r.slot != NO_SLOT ? 1 : 0, REDIRECT_HAS_SLOT);
    store<u16>(e, 0, REDIRECT_HAS_SLOT + 1);
  }
  const imports = image.imports;
  for (let i = 0; i < imports.length; i++) {
    const entry = imports[i];
    const e = reserve(IMPORT_ENTRY_SIZE);
    store<u32>(e, <u32>entry.module, IMPORT_MODULE);
    store<u32>(e, <u32>entry.symbol, IMPORT_SYMBOL);
    store<u32>(e, entry.slot, IMPORT_SLOT);
  }
  const baseReferences = image.baseReferences;
  for (let i = 0; i < baseReferences.length; i++) {
    const entry = baseReferences[i];
    const e = reserve(BASE_REF_ENTRY_SIZE);
    store<u32>(e, <u32>entry.symbol, BASE_REF_SYMBOL);
    store<u32>(e, entry.slot, BASE_REF_SLOT);
  }
  for (let i = 0; i < relocations.length; i++) {
    const r = relocations[i];
    const e = reserve(RELOCATION_ENTRY_SIZE);
    store<u32>(e, r.offset, RELOCATION_OFFSET);
    store<u32>(e, r.fieldSize, RELOCATION_FIELD_SIZE);
    store<i32>(e, r.symbol, RELOCATION_SYMBOL);
    store<i32>(e, r.module, RELOCATION_MODULE);
    store<u32>(e, <u32>kindNames[i], RELOCATION_KIND_NAME);
    store<u16>(e, r.kind, RELOCATION_KIND);
    store<u8>(e, r.section, RELOCATION_SECTION);
    store<u8>(e, r.target, RELOCATION_TARGET);
    store<i64>(e, r.addend, RELOCATION_ADDEND);
  }

  const h = recordBuffer.dataStart;
  store<u8>(h, 1, IMAGE_OK);
  store<u16>(h, image.version, IMAGE_VERSION);
  store<u32>(h, <u32>length, IMAGE_RECORD_SIZE);
  store<u16>(h, image.arch, IMAGE_ARCH);
  store<u32>(h, image.size, IMAGE_SIZE);
  store<u32>(h, image.sequence, IMAGE_SEQUENCE);
  store<u32>(h, <u32>image.module, IMAGE_MODULE);
  store<u32>(h, image.code.offset, IMAGE_CODE_OFFSET);
  store<u32>(h, image.code.size, IMAGE_CODE_SIZE);
  store<u32>(h, image.data.offset, IMAGE_DATA_OFFSET);
  store<u32>(h, image.data.size, IMAGE_DATA_SIZE);
  store<u32>(h, <u32>(names.length + kinds.length), IMAGE_NAME_COUNT);
  store<u32>(h, <u32>redirects.length, IMAGE_REDIRECT_COUNT);
  store<u32>(h, <u32>imports.length, IMAGE_IMPORT_COUNT);
  store<u32>(h, <u32>baseReferences.length, IMAGE_BASE_REF_COUNT);
  store<u32>(h, <u32>relocations.length, IMAGE_RELOCATION_COUNT);
  memory.copy(h + IMAGE_BASE_IDENTITY, bytes.dataStart + H_BASE_IDENTITY, IMAGE_BASE_IDENTITY_SIZE);
  return h;
}
