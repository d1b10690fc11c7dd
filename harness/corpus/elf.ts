// A small ELF64 little-endian reader: loadable segments and the symbol table of the corpus builds.

export interface ElfSegment {
  address: number;
  memorySize: number;
  bytes: Uint8Array; // file contents; the rest of memorySize is zero
  readable: boolean;
  writable: boolean;
  executable: boolean;
}

export interface ElfSymbol {
  name: string;
  address: number;
  size: number;
  kind: 'function' | 'object' | 'other';
  global: boolean;
}

export interface ElfFile {
  machine: 'x64' | 'arm64';
  segments: ElfSegment[];
  symbols: ElfSymbol[];
}

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export function readElf(file: Uint8Array): ElfFile {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0) !== 0x7f454c46 || file[4] !== 2 || file[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => Number(view.getBigUint64(o, true));
  const machineCode = u16(18);
  const machine = machineCode === EM_X86_64 ? 'x64' : machineCode === EM_AARCH64 ? 'arm64' : undefined;
  if (!machine) throw new Error(`unsupported ELF machine ${machineCode}`);

  const segments: ElfSegment[] = [];
  const phoff = u64(32), phentsize = u16(54), phnum = u16(56);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (u32(p) !== PT_LOAD) continue;
    const flags = u32(p + 4), offset = u64(p + 8), address = u64(p + 16), fileSize = u64(p + 32);
    segments.push({
      address, memorySize: u64(p + 40), bytes: file.slice(offset, offset + fileSize),
      readable: (flags & 4) !== 0, writable: (flags & 2) !== 0, executable: (flags & 1) !== 0,
    });
  }

  const symbols: ElfSymbol[] = [];
  const shoff = u64(40), shentsize = u16(58), shnum = u16(60);
  const section = (i: number) => shoff + i * shentsize;
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (u32(s + 4) !== SHT_SYMTAB) continue;
    const offset = u64(s + 24), size = u64(s + 32), entsize = u64(s + 56);
    const strtab = section(u32(s + 40));
    const strOffset = u64(strtab + 24);
    const name = (o: number) => {
      let end = strOffset + o;
      while (file[end] !== 0) end++;
      return new TextDecoder().decode(file.subarray(strOffset + o, end));
    };
    for (let e = offset; e < offset + size; e += entsize) {
      const info = file[e + 4]!;
      const type = info & 0xf;
      symbols.push({
        name: name(u32(e)), address: u64(e + 8), size: u64(e + 16),
        kind: type === 2 ? 'function' : type === 1 ? 'object' : 'other', global: info >> 4 === 1,
      });
    }
  }
  return { machine, segments, symbols };
}
