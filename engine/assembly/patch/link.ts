// Resolves a version 2 image's relocations once the patch is placed: the host has found each
// relocation's symbol (a base symbol or another module's export) and placed the code and data;
// each field is filled in the image's own bytes, by its architecture's kinds (x64/relocations.ts,
// arm64/relocations.ts, next to each architecture's writer). The first relocation whose value
// does not fit refuses the whole link, and the answer says which, what had to fit and what fits.
import { JsonWriter } from '../common/json';
import { ARCH_X64, SECTION_CODE, TARGET_PATCH_CODE, TARGET_PATCH_DATA } from '../../../core/patch-format';
import { arm64Relocate } from '../arm64/relocations';
import { x64Relocate } from '../x64/relocations';
import { MISALIGNED, OUT_OF_REACH, OVERFLOW, Outcome, addAddend } from './relocation';
import { PatchImageParser } from './parse';

/**
 * Links `bytes` (a whole image) in place for a patch whose code is at `codeAddress` and data at
 * `dataAddress`; `symbols` holds one address per relocation (ignored for the patch's own sections).
 * Answers JSON: `{"ok":true,"code":offset,"data":offset}` (where the linked sections are in the
 * image) or `{"ok":false,...}` with the relocation and why.
 */
export function linkImageJson(bytes: Uint8Array, arch: u16, codeAddress: u64, dataAddress: u64, symbols: usize, count: i32): string {
  const out = new JsonWriter(256);
  out.beginObject();
  const parser = new PatchImageParser(bytes, arch);
  const image = parser.parse();
  if (image == null) {
    out.key('ok').bool(false).key('reason').string('bad-image').key('message').string(parser.error!.message).endObject();
    return out.toString();
  }
  if (count != image.relocations.length) {
    out.key('ok').bool(false).key('reason').string('bad-call').key('message')
      .string(count.toString() + ' symbol addresses given for ' + image.relocations.length.toString() + ' relocations').endObject();
    return out.toString();
  }
  const outcome = new Outcome();
  for (let i = 0; i < image.relocations.length; i++) {
    const r = image.relocations[i];
    const symbol = r.target == TARGET_PATCH_CODE ? codeAddress : r.target == TARGET_PATCH_DATA ? dataAddress
      : load<u64>(symbols + (<usize>i << 3));
    const section = r.section == SECTION_CODE ? image.code : image.data;
    const place = (r.section == SECTION_CODE ? codeAddress : dataAddress) + r.offset;
    const field = bytes.dataStart + <usize>section.offset + <usize>r.offset;
    outcome.reset();
    let ok = addAddend(symbol, r.addend, outcome);
    if (ok) {
      ok = image.arch == ARCH_X64 ? x64Relocate(r.kind, field, place, outcome.sum, outcome)
        : arm64Relocate(r.kind, field, place, outcome.sum, outcome);
    }
    if (!ok) {
      out.key('ok').bool(false);
      out.key('relocation').int(i);
      out.key('reason').string(outcome.status == OUT_OF_REACH ? 'out-of-reach' : outcome.status == MISALIGNED ? 'misaligned' : 'overflow');
      out.key('symbol').hex(symbol);
      out.key('place').hex(place);
      if (outcome.status != OVERFLOW) {
        out.key('target').hex(outcome.sum);
        out.key('value').string(outcome.value.toString());
        out.key('min').string(outcome.min.toString());
        out.key('max').string(outcome.max.toString());
        out.key('alignment').string(outcome.alignment.toString());
      }
      out.endObject();
      return out.toString();
    }
  }
  out.key('ok').bool(true).key('code').int(image.code.offset).key('data').int(image.data.offset).endObject();
  return out.toString();
}
