// `hotpatch inspect <image.hpat>`: every header field, table entry and relocation of a patch image
// with what it means, and the engine's verdict on the image (toolchain/patch-image-inspect.ts).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError } from './conventions.ts';
import { hex } from '../core/hex.ts';
import { type InspectedField, type Inspection, inspectPatchImage } from '../toolchain/patch-image-inspect.ts';

export const INSPECT_USAGE = `  inspect <image.hpat> [options]
      Print every header field, table entry and relocation of a patch image with what it means,
      and whether the engine accepts the image (the exit code is 1 when it does not).
      --json                    print one JSON record instead
`;

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new UsageError(`inspect needs one patch image file\n\n${INSPECT_USAGE}`);
  const file = positionals[0]!;
  const inspection = await inspectPatchImage(new Uint8Array(await readFile(file)));
  process.stdout.write(values.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(file, inspection));
  return inspection.verdict.valid ? 0 : 1;
}

function fieldLine(f: InspectedField, indent: string, nameWidth: number, valueWidth: number): string {
  return `${indent}${hex(f.offset, 4)}  ${String(f.size).padStart(2)}  ${f.name.padEnd(nameWidth)}  ${f.value.padEnd(valueWidth)}  ${f.meaning}`;
}

/** The inspection as text: the header, each table with its entries and their fields, the verdict. */
export function formatInspection(file: string, inspection: Inspection): string {
  const lines: string[] = [`${file}: ${inspection.size.toLocaleString('en-US')} bytes`, '', 'Header'];
  const header = inspection.header;
  const width = (fields: InspectedField[], key: 'name' | 'value', cap: number) => Math.min(cap, Math.max(0, ...fields.map((f) => f[key].length)));
  for (const f of header) lines.push(fieldLine(f, '  ', width(header, 'name', 24), width(header, 'value', 24)));
  if (header.length === 0 || header.at(-1)!.offset + header.at(-1)!.size < 128) {
    lines.push(`  (the image ends at ${hex(inspection.size)}, inside its 128-byte header)`);
  }
  for (const table of inspection.tables) {
    lines.push('', `${table.name[0]!.toUpperCase()}${table.name.slice(1)}: ${table.count.toLocaleString('en-US')} ` +
      `entr${table.count === 1 ? 'y' : 'ies'} of ${table.entrySize} bytes at ${hex(table.offset)}`);
    for (const entry of table.entries) {
      lines.push(`  ${entry.index}  at ${hex(entry.offset)}: ${entry.summary}`);
      for (const f of entry.fields) lines.push(fieldLine(f, '      ', width(entry.fields, 'name', 16), width(entry.fields, 'value', 24)));
    }
    if (table.outside > 0) lines.push(`  (${table.outside.toLocaleString('en-US')} more entries would lie past the end of the image)`);
  }
  const v = inspection.verdict;
  lines.push('', v.valid ? `Verdict: ${v.summary}` : `Verdict: refused (${v.code}, at image offset ${hex(v.offset)}): ${v.message}`);
  return `${lines.join('\n')}\n`;
}
