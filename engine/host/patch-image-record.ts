// Reads the engine's binary patch image answer (the layout of
// engine/assembly/common/patch-image-record.ts) into the PatchImage contract's objects: the same
// facts, fields and messages as the engine's JSON answer (patch-image-json.ts), without writing,
// escaping or parsing JSON.
import type { Arch } from '../../core/arch.ts';
import {
  BASE_REF_ENTRY_SIZE, BASE_REF_SLOT, BASE_REF_SYMBOL, IMAGE_ARCH, IMAGE_ARCH_NAMES, IMAGE_BASE_IDENTITY, IMAGE_BASE_IDENTITY_SIZE,
  IMAGE_BASE_REF_COUNT, IMAGE_CODE_OFFSET, IMAGE_CODE_SIZE, IMAGE_DATA_OFFSET, IMAGE_DATA_SIZE, IMAGE_ERROR_CODE,
  IMAGE_ERROR_CODES, IMAGE_ERROR_OFFSET, IMAGE_HEADER_SIZE, IMAGE_IMPORT_COUNT, IMAGE_MODE_NAMES, IMAGE_MODULE, IMAGE_NAME_COUNT,
  IMAGE_OK, IMAGE_RECORD_SIZE, IMAGE_REDIRECT_COUNT, IMAGE_RELOCATION_COUNT, IMAGE_SECTION_NAMES, IMAGE_SEQUENCE, IMAGE_SIZE,
  IMAGE_TARGET_NAMES, IMAGE_VERSION, IMPORT_ENTRY_SIZE, IMPORT_MODULE, IMPORT_SLOT, IMPORT_SYMBOL, REDIRECT_BASE,
  REDIRECT_BASE_OFFSET, REDIRECT_BASE_SIZE, REDIRECT_ENTRY_SIZE, REDIRECT_HAS_SLOT, REDIRECT_MODE, REDIRECT_NEW_OFFSET,
  REDIRECT_NEW_SIZE, REDIRECT_SLOT, RELOCATION_ADDEND, RELOCATION_ENTRY_SIZE, RELOCATION_FIELD_SIZE, RELOCATION_KIND,
  RELOCATION_KIND_NAME, RELOCATION_MODULE, RELOCATION_OFFSET, RELOCATION_SECTION, RELOCATION_SYMBOL, RELOCATION_TARGET,
} from '../assembly/common/patch-image-record.ts';
import type {
  ImageBaseReference, ImageImport, ImageRedirect, ImageRelocation, PatchImageErrorCode, PatchImageResult,
} from './patch-image.ts';

const UTF16 = new TextDecoder('utf-16le', { ignoreBOM: true });
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The result in the record at `at` in engine memory (read before the next call into the engine). */
export function readPatchImageRecord(memory: { view: DataView; bytes: Uint8Array }, at: number): PatchImageResult {
  const { view, bytes } = memory;
  const end = at + view.getUint32(at + IMAGE_RECORD_SIZE, true);
  let offset = at + IMAGE_HEADER_SIZE;
  const names: string[] = [];
  const nameCount = view.getUint32(at + IMAGE_NAME_COUNT, true);
  for (let i = 0; i < nameCount; i++) {
    const size = view.getUint32(offset, true) * 2;
    names.push(UTF16.decode(bytes.subarray(offset + 4, offset + 4 + size)));
    offset += 4 + ((size + 3) & ~3);
  }

  if (view.getUint8(at + IMAGE_OK) === 0) {
    const code = IMAGE_ERROR_CODES[view.getUint8(at + IMAGE_ERROR_CODE)] as PatchImageErrorCode;
    check(offset, end, at);
    return { ok: false, error: { code, message: names[0]!, offset: view.getUint32(at + IMAGE_ERROR_OFFSET, true) } };
  }

  const redirects: ImageRedirect[] = [];
  const redirectCount = view.getUint32(at + IMAGE_REDIRECT_COUNT, true);
  for (let i = 0; i < redirectCount; i++, offset += REDIRECT_ENTRY_SIZE) {
    const redirect: ImageRedirect = {
      base: names[view.getUint32(offset + REDIRECT_BASE, true)]!,
      baseOffset: view.getUint32(offset + REDIRECT_BASE_OFFSET, true),
      baseSize: view.getUint32(offset + REDIRECT_BASE_SIZE, true),
      newOffset: view.getUint32(offset + REDIRECT_NEW_OFFSET, true),
      newSize: view.getUint32(offset + REDIRECT_NEW_SIZE, true),
      mode: IMAGE_MODE_NAMES[view.getUint8(offset + REDIRECT_MODE)] as ImageRedirect['mode'],
    };
    if (view.getUint8(offset + REDIRECT_HAS_SLOT) !== 0) redirect.slot = view.getUint32(offset + REDIRECT_SLOT, true);
    redirects.push(redirect);
  }
  const imports: ImageImport[] = [];
  const importCount = view.getUint32(at + IMAGE_IMPORT_COUNT, true);
  for (let i = 0; i < importCount; i++, offset += IMPORT_ENTRY_SIZE) {
    imports.push({ module: names[view.getUint32(offset + IMPORT_MODULE, true)]!, symbol: names[view.getUint32(offset + IMPORT_SYMBOL, true)]!,
      slot: view.getUint32(offset + IMPORT_SLOT, true) });
  }
  const baseReferences: ImageBaseReference[] = [];
  const baseRefCount = view.getUint32(at + IMAGE_BASE_REF_COUNT, true);
  for (let i = 0; i < baseRefCount; i++, offset += BASE_REF_ENTRY_SIZE) {
    baseReferences.push({ symbol: names[view.getUint32(offset + BASE_REF_SYMBOL, true)]!, slot: view.getUint32(offset + BASE_REF_SLOT, true) });
  }
  const relocations: ImageRelocation[] = [];
  const relocationCount = view.getUint32(at + IMAGE_RELOCATION_COUNT, true);
  for (let i = 0; i < relocationCount; i++, offset += RELOCATION_ENTRY_SIZE) {
    const symbol = view.getInt32(offset + RELOCATION_SYMBOL, true);
    const module = view.getInt32(offset + RELOCATION_MODULE, true);
    relocations.push({
      section: IMAGE_SECTION_NAMES[view.getUint8(offset + RELOCATION_SECTION)] as ImageRelocation['section'],
      offset: view.getUint32(offset + RELOCATION_OFFSET, true),
      kind: view.getUint16(offset + RELOCATION_KIND, true),
      kindName: names[view.getUint32(offset + RELOCATION_KIND_NAME, true)]!,
      fieldSize: view.getUint32(offset + RELOCATION_FIELD_SIZE, true),
      target: IMAGE_TARGET_NAMES[view.getUint8(offset + RELOCATION_TARGET)] as ImageRelocation['target'],
      ...(symbol >= 0 ? { symbol: names[symbol]! } : {}),
      ...(module >= 0 ? { module: names[module]! } : {}),
      addend: view.getBigInt64(offset + RELOCATION_ADDEND, true),
    });
  }
  check(offset, end, at);

  let baseIdentity = '';
  for (let i = 0; i < IMAGE_BASE_IDENTITY_SIZE; i++) baseIdentity += HEX[bytes[at + IMAGE_BASE_IDENTITY + i]!];
  return {
    ok: true,
    image: {
      version: view.getUint16(at + IMAGE_VERSION, true),
      arch: IMAGE_ARCH_NAMES[view.getUint16(at + IMAGE_ARCH, true)] as Arch,
      size: view.getUint32(at + IMAGE_SIZE, true),
      sequence: view.getUint32(at + IMAGE_SEQUENCE, true),
      module: names[view.getUint32(at + IMAGE_MODULE, true)]!,
      baseIdentity,
      code: { offset: view.getUint32(at + IMAGE_CODE_OFFSET, true), size: view.getUint32(at + IMAGE_CODE_SIZE, true) },
      data: { offset: view.getUint32(at + IMAGE_DATA_OFFSET, true), size: view.getUint32(at + IMAGE_DATA_SIZE, true) },
      redirects, imports, baseReferences, relocations,
    },
  };
}

function check(offset: number, end: number, at: number): void {
  if (offset !== end) throw new Error(`the engine's patch image record is ${end - at} bytes, but its fields end at ${offset - at}`);
}
